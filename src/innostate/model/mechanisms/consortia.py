"""Consortia: leads recruit partners who cover the prerequisites they lack."""

from __future__ import annotations

import numpy as np

from innostate.model.codebook import INSTRUMENT, IS_PERFORMER, IS_RESEARCH
from innostate.model.params import Params
from innostate.model.select import slot_entries, team_levels, top_per_node
from innostate.model.state import Bools, Ints, State

# grants and equity deals fund a single performer; mission instruments form consortia
CONSORTIUM_INSTRUMENTS = (
    INSTRUMENT["directive"],
    INSTRUMENT["open_competition"],
    INSTRUMENT["horse_race"],
    INSTRUMENT["local_programme"],
)


def step(state: State, params: Params, rng: np.random.Generator) -> State:
    """Form the consortium of every project started this step.

    For each prerequisite k of the project's node on which the lead is below
    ``cover_threshold * requirement_k``, the lead approaches the
    ``candidates`` most capable actors on k in turn; an actor joins when its
    utility is positive::

        member_funding_share + alignment * political_incentive
        + market_return_weight * market_orientation * (market_size / largest market)
          * ip_appropriability
        - join_cost - silo_friction * (1 - coordination) * crosses_silo

    where ``crosses_silo`` is 1 if ownership or sector (research vs enterprise)
    differs from the lead's. Up to ``max_members`` partners join, heavier
    prerequisites first. The project's R&D efficiency becomes
    ``1 / (1 + member_overhead * members + silo_friction * (1 - coordination) * crossings)``.
    """
    c, pr = params.consortia, state.projects
    rows = np.flatnonzero(
        (pr.start[: pr.count] == state.step)
        & np.isin(pr.instrument[: pr.count], CONSORTIUM_INSTRUMENTS)
    )
    max_members = min(int(c.max_members), pr.members.shape[1])
    if rows.size == 0 or max_members == 0:
        return state
    n, a = state.nodes, state.actors
    lead, node = pr.lead[rows], pr.node[rows]
    weight = n.prereq_weight[node]  # (P, J)
    lead_level = team_levels(a, lead[:, None], n.count)
    lacking = (weight > 0) & (lead_level < c.cover_threshold * n.requirement[None, :])
    pair_p, pair_k = np.nonzero(lacking)
    if pair_p.size == 0:
        return state

    actor, slot_node, level = slot_entries(a)
    performer = IS_PERFORMER[a.kind[actor]]
    top = top_per_node(slot_node, level, performer, n.count, int(c.candidates))  # (J, T)
    cand = np.where(top >= 0, actor[np.maximum(top, 0)], -1)[pair_k]  # (pairs, T)
    lead_of_pair = lead[pair_p]
    safe = np.maximum(cand, 0)
    crosses = _crosses_silo(state, safe, lead_of_pair[:, None])
    r = params.regime
    market = n.market_size[node[pair_p]] / n.market_size.max()
    utility = (
        c.member_funding_share
        + a.alignment[safe] * c.political_incentive
        + c.market_return_weight
        * a.market_orientation[safe]
        * market[:, None]
        * r.ip_appropriability
        - c.join_cost
        - c.silo_friction * (1 - r.coordination) * crosses
    )
    willing = (cand >= 0) & (cand != lead_of_pair[:, None]) & (utility > 0)
    first = willing.argmax(axis=1)
    chosen = np.where(willing.any(axis=1), cand[np.arange(cand.shape[0]), first], -1)

    # heaviest prerequisites first, one seat per actor, at most max_members per project
    order = np.lexsort((-weight[pair_p, pair_k], pair_p))
    pair_p, chosen = pair_p[order], chosen[order]
    keep = chosen >= 0
    pair_p, chosen = pair_p[keep], chosen[keep]
    _, unique_idx = np.unique(pair_p * a.count + chosen, return_index=True)
    unique_idx.sort()
    pair_p, chosen = pair_p[unique_idx], chosen[unique_idx]
    group_start = np.searchsorted(pair_p, pair_p, side="left")
    seat = np.arange(pair_p.size) - group_start
    seated = seat < max_members
    pr.members[rows[pair_p[seated]], seat[seated]] = chosen[seated]

    members = pr.members[rows]
    present = members >= 0
    crossings = (_crosses_silo(state, np.maximum(members, 0), lead[:, None]) & present).sum(axis=1)
    pr.efficiency[rows] = 1.0 / (
        1.0
        + c.member_overhead * present.sum(axis=1)
        + c.silo_friction * (1 - r.coordination) * crossings
    )
    return state


def _crosses_silo(state: State, actor: Ints, lead: Ints) -> Bools:
    """True where actor and lead differ in ownership or in sector (research vs enterprise)."""
    a = state.actors
    research = IS_RESEARCH[a.kind]
    crosses: Bools = (a.ownership[actor] != a.ownership[lead]) | (research[actor] != research[lead])
    return crosses
