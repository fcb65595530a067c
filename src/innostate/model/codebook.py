"""The codebook: every categorical name of the model and its integer code, in one place.

Integer columns of the state tables hold these codes; their order is part of the
output format. Money channels have one name everywhere: the scenario's budget keys,
the ledger's sources, the flow tables and the report all use ``SOURCES``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

ACTOR_KINDS = (
    "central_leadership",
    "leading_group",
    "ministry",
    "national_lab",
    "university",
    "research_institute",
    "soe",
    "private_firm",
    "policy_bank",
    "guidance_fund",
    "vc_fund",
    "local_government",
)
KIND = {name: code for code, name in enumerate(ACTOR_KINDS)}
RESEARCH_KINDS = (KIND["national_lab"], KIND["university"], KIND["research_institute"])
ENTERPRISE_KINDS = (KIND["soe"], KIND["private_firm"])
PERFORMER_KINDS = RESEARCH_KINDS + ENTERPRISE_KINDS


def kind_table(kinds: tuple[int, ...]) -> NDArray[np.bool_]:
    """Lookup table over kind codes: ``table[actors.kind]`` is a fast membership test."""
    table = np.zeros(len(ACTOR_KINDS), dtype=bool)
    table[list(kinds)] = True
    return table


IS_RESEARCH = kind_table(RESEARCH_KINDS)
# enterprises are the actors that can supply a market: their capability is domestic supply
IS_ENTERPRISE = kind_table(ENTERPRISE_KINDS)
IS_PERFORMER = kind_table(PERFORMER_KINDS)

OWNERSHIPS = ("state", "private", "mixed")
OWNER = {name: code for code, name in enumerate(OWNERSHIPS)}

INSTRUMENTS = (
    "directive",
    "open_competition",
    "horse_race",
    "basic_grant",
    "services",
    "self_funded",
    "vc_backed",
    "local_programme",
)
INSTRUMENT = {name: code for code, name in enumerate(INSTRUMENTS)}
MISSION_INSTRUMENTS = (
    INSTRUMENT["directive"],
    INSTRUMENT["open_competition"],
    INSTRUMENT["horse_race"],
)
# instruments of the central pool, in the order of ``regime.instrument_mix``
CENTRAL_INSTRUMENTS = INSTRUMENTS[:5]

# ministries of the State Council that run the central programmes, and the ministry running
# each central instrument: MOST directive and basic research, MIIT the industrial
# competitions, NDRC platforms and infrastructure
MINISTRIES = ("most", "miit", "ndrc")
MINISTRY = {name: code for code, name in enumerate(MINISTRIES)}
MINISTRY_OF_INSTRUMENT = {
    "directive": "most",
    "open_competition": "miit",
    "horse_race": "miit",
    "basic_grant": "most",
    "services": "ndrc",
}

# money channels: exogenous budgets arrive on them and projects record funding by them
SOURCES = ("central", "local", "enterprise_rd", "guidance_fund", "vc", "policy_bank")
SOURCE = {name: code for code, name in enumerate(SOURCES)}

# who holds money between steps (idle balances are reported per holder)
HOLDERS = (
    "central_pool",
    "local_government",
    "policy_bank",
    "guidance_fund",
    "vc_fund",
    "enterprise",
    "other_actors",
    "project_budgets",
)

STATUSES = ("active", "completed", "cut")
STATUS = {name: code for code, name in enumerate(STATUSES)}

EVENT_KINDS = ("item_control", "entity_listing", "entity_delisting", "talent_restriction")
EVENT = {name: code for code, name in enumerate(EVENT_KINDS)}
