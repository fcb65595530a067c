"""Every parameter matters: moving it across its range changes at least one output.

The walk runs ``tiny`` with each parameter at the low and at the high end of its
declared range (same seed) and compares a fingerprint of the outputs: node levels,
shares and priorities per quarter, the ledger, and the project table. Some rules
only bite in a larger world (members already holding a project's node, levels
beyond the frontier), so a parameter identical at both ends on ``tiny`` is tried
again on ``prc-2019`` at population scale 0.005 (about 2,500 actors) and on a
hand-made world where a domestic firm already leads the world on one node. A
parameter whose two ends give identical outputs on all three is inert: wire it or
remove it. There is no exceptions list.
"""

from __future__ import annotations

import numpy as np
import pytest

from innostate import simulate
from innostate.model.params import describe
from innostate.scenario.load import load_scenario, validate_data
from innostate.scenario.schema import Scenario

from factory import actor, node

PARAMETERS = describe()


def fingerprint(scenario: Scenario, settings: dict[str, float]) -> np.ndarray:
    result = simulate(scenario, seed=3, settings=settings)
    nodes = result.nodes[["domestic_level", "research_level", "domestic_share", "priority"]]
    projects = result.projects
    return np.concatenate(
        [
            nodes.to_numpy().ravel(),
            result.ledger[["inflow", "outflow", "lapsed", "stock"]].to_numpy().ravel(),
            [len(projects), projects["spent"].sum(), projects["progress"].sum()],
            projects["reported_score"].to_numpy(),
            result.actors["talent"].to_numpy(),
        ]
    )


def _leading_world() -> Scenario:
    """One node on which a well-funded domestic firm is at the world frontier."""
    leader = actor("leader", capabilities={"a": 8.0}, cash=50.0, talent=5000)
    raw = {
        "name": "leading",
        "calendar": {"start": "2020Q1", "end": "2022Q4"},
        "regions": ["north", "south"],
        "areas": [{"id": "chips"}, {"id": "space"}],
        "nodes": [node("a", frontier=8.0, frontier_growth=0.1)],
        "actors": [leader],
        "budgets": {"enterprise_rd": {"values": {2020: 20}}},
    }
    return validate_data(raw)


@pytest.mark.slow
@pytest.mark.parametrize("row", PARAMETERS, ids=[row["path"] for row in PARAMETERS])
def test_moving_a_parameter_across_its_range_changes_the_outputs(row):
    tiny = load_scenario("tiny")
    national = load_scenario("prc-2019").model_copy(update={"population_scale": 0.005})
    for scenario in (tiny, national, _leading_world()):
        low = fingerprint(scenario, {row["path"]: row["low"]})
        high = fingerprint(scenario, {row["path"]: row["high"]})
        assert np.isfinite(low).all() and np.isfinite(high).all()
        if low.shape != high.shape or not np.array_equal(low, high):
            return
    pytest.fail(f"{row['path']} is inert on tiny and on prc-2019 at scale 0.005")
