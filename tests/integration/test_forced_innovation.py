"""Containment can force innovation or slow it: the sign is set by parameters, not code.

A hand-made world with one controlled technology. Cutting foreign supply removes the
catch-up channel (learning from imports) but pushes buyers onto domestic supply, whose
volume teaches the supplier, and triggers the centre's crisis money. Which effect wins
depends on the parameters: both outcomes lie inside the documented ranges.
"""

from __future__ import annotations

from innostate import simulate
from innostate.scenario.load import validate_data

from factory import actor, node


def _years_to_requirement(containment: str, parameters: dict) -> float:
    raw = {
        "name": "forced",
        "calendar": {"start": "2020Q1", "end": "2029Q4"},
        "regions": ["north", "south"],
        "areas": [{"id": "chips"}, {"id": "space"}],
        "nodes": [
            node(
                "chip",
                frontier=8.0,
                frontier_growth=0.1,
                requirement=6.5,
                initial_level=5.0,
                difficulty=20.0,
                market_size=50.0,
                foreign_share=0.8,
                exposure=1.0,
            )
        ],
        "actors": [
            actor(
                "maker",
                kind="soe",
                strategic_force=True,
                capabilities={"chip": 5.0},
                cash=1.0,
                talent=2000,
            ),
            actor("treasury", kind="guidance_fund", cash=0.0),
        ],
        "budgets": {
            "central": {"values": {2020: 4.0}},
            "enterprise_rd": {"values": {2020: 2.0}},
        },
        "parameters": parameters,
        "containment": [
            {"id": "cut", "date": "2021Q1", "kind": "item_control", "nodes": {"chip": 0.0}}
        ],
    }
    summary = simulate(validate_data(raw), seed=1, containment=containment).summary
    reached = summary["time_to_requirement"]["chip"]
    return reached["years"] if reached else float("inf")


FORCED = {
    "adoption": {"learning_by_doing": 1.0, "security_premium": 3.0, "usable_band": 3.0},
    "top_level_design": {"crisis_budget": 2.0},
    "rnd": {"catch_up_bonus": 0.0, "noise": 0.0},
}
LOST_CATCH_UP = {
    "adoption": {"learning_by_doing": 0.0, "security_premium": 0.0},
    "top_level_design": {"crisis_budget": 0.0, "crisis_fund": 0.0},
    "rnd": {"catch_up_bonus": 5.0, "noise": 0.0},
}


def test_containment_speeds_the_controlled_node_when_forced_innovation_is_strong():
    assert _years_to_requirement("real", FORCED) < _years_to_requirement("none", FORCED)


def test_containment_slows_the_controlled_node_when_catching_up_matters_most():
    cut = _years_to_requirement("real", LOST_CATCH_UP)
    assert cut > _years_to_requirement("none", LOST_CATCH_UP)
