"""Scenario discovery: PRIM finds a planted box, CART a planted rule; clear refusals."""

import re

import numpy as np
import pandas as pd
import pytest

from innostate.experiments.design import factorial, sweep
from innostate.experiments.discovery import discover, load_discovery, prim, write_discovery
from innostate.scenario.errors import ScenarioError


def planted(n=1000, flip=0.05, seed=1):
    """Runs of interest inside 0.6 <= a, b <= 4, regime not z; `flip` of the labels swapped."""
    rng = np.random.default_rng(seed)
    table = pd.DataFrame(
        {
            "a": rng.uniform(0, 1, n),
            "b": rng.uniform(0, 10, n),
            "c": rng.uniform(0, 1, n),  # irrelevant
            "regime": rng.choice(["x", "y", "z"], n),
            "row": np.arange(n),
            "replicate": 0,
            "seed": 7,
        }
    )
    inside = (table["a"] >= 0.6) & (table["b"] <= 4) & (table["regime"] != "z")
    swapped = rng.uniform(size=n) < flip
    table["nodes_meeting_requirement_end"] = np.where(inside ^ swapped, 5, 2)
    return table, inside


def test_prim_finds_a_box_planted_in_a_synthetic_table():
    table, _ = planted()
    found = discover(table, "nodes_meeting_requirement_end >= 5")
    assert found.inputs == ["a", "b", "c", "regime"]  # run columns and outcomes left out
    limits = found.boxes.set_index("input")
    assert set(limits.index) == {"a", "b", "regime"}  # c is irrelevant and left free
    assert limits.loc["a", "low"] == pytest.approx(0.6, abs=0.05)
    assert limits.loc["a", "high"] == limits.loc["a", "full_high"]
    assert limits.loc["b", "high"] == pytest.approx(4, abs=0.5)
    assert limits.loc["b", "low"] == limits.loc["b", "full_low"]
    assert limits.loc["regime", "values"] == "x, y"
    stats = found.box_stats.iloc[0]
    assert stats["density"] >= 0.8 and stats["coverage"] >= 0.6
    # the trajectory trades coverage for density, from every run to the smallest box
    steps = found.trajectory
    assert steps.iloc[0]["coverage"] == 1 and steps.iloc[0]["mass"] == 1
    assert steps["chosen"].sum() == 1 and steps["density"].iloc[-1] > steps["density"].iloc[0]
    rule = found.box_rules()[0]
    assert "<= a and b <= 4" in rule and "regime in {x, y}" in rule and "coverage" in rule


def test_prim_without_a_dense_box_keeps_the_knee_and_pastes_only_without_loss():
    table, _ = planted(flip=0.3, seed=2)  # too noisy for 80% density anywhere
    limits, stats, steps = prim(
        table[["a", "b", "c"]], table["nodes_meeting_requirement_end"].to_numpy() == 5
    )
    assert stats.iloc[0]["how"].startswith("knee")
    assert stats.iloc[0]["density"] >= steps.loc[steps["chosen"], "density"].iloc[0] - 1e-12
    assert {"a", "b"} <= set(limits["input"])


def test_one_run_of_interest_still_gets_a_box_around_it():
    table, _ = planted(n=200, flip=0.0, seed=4)
    table["breakthroughs"] = 0
    table.loc[table["a"].idxmax(), "breakthroughs"] = 1  # the run with the highest a
    found = discover(table, "breakthroughs == 1", inputs=["a", "b", "c"])
    stats = found.box_stats.iloc[0]
    assert stats["coverage"] == 1 and stats["runs"] < 200
    assert stats["how"].startswith("densest box")
    assert "a" in set(found.boxes["input"])


def test_cart_rules_describe_the_planted_box_with_coverage_and_density():
    table, _ = planted(flip=0.0)
    found = discover(table, "nodes_meeting_requirement_end >= 5", depth=3)
    best = found.leaves.iloc[0]
    assert best["density"] == 1.0 and best["predicted"]
    # greedy splits: the densest leaf is part of the planted box, bounded on a, b and regime
    assert "a > 0.60" in best["rule"] and "regime = x" in best["rule"]
    assert re.search(r"b <= (3\.[5-9]|4\.[0-4])", best["rule"]), best["rule"]
    assert found.leaves.loc[~found.leaves["rule"].str.contains("a > 0.60"), "of_interest"].sum() < 5
    assert found.leaves["of_interest"].sum() == found.of_interest
    assert found.leaves["runs"].sum() == found.runs
    assert "|---" in found.tree


def test_a_discovery_is_written_and_read_back(tmp_path):
    table, _ = planted(n=300)
    found = discover(table, "nodes_meeting_requirement_end >= 5", boxes=2)
    write_discovery(found, tmp_path)
    again = load_discovery(tmp_path)
    pd.testing.assert_frame_equal(again.boxes, found.boxes)
    pd.testing.assert_frame_equal(again.leaves, found.leaves)
    assert again.where == found.where and again.runs == 300
    assert (tmp_path / "boxes.csv").exists() and (tmp_path / "tree.txt").exists()


def test_discovery_over_a_sweep_folder_uses_its_design_columns(tmp_path):
    design = factorial({"rnd.productivity": [0.1, 0.3, 0.5], "regime": ["new_national_system",
                        "market_led"]})  # fmt: skip
    result = sweep(design, "tiny", replicates=1, workers=1, out=tmp_path)
    median = float(result.runs["self_reliance_end"].median())
    found = discover(tmp_path, f"self_reliance_end > {median}")
    assert found.inputs == ["rnd.productivity", "regime"] and found.runs == 6
    assert "rnd.productivity" in set(found.boxes["input"])


def test_bad_conditions_are_refused_naming_the_valid_columns():
    table, _ = planted(n=100)
    with pytest.raises(ScenarioError, match="nodes_meeting_requirement_end") as caught:
        discover(table, "nodes_met_end >= 40")
    assert "name one of the table's columns" in str(caught.value)
    with pytest.raises(ScenarioError, match="no run of 100 meets"):
        discover(table, "nodes_meeting_requirement_end >= 40")
    with pytest.raises(ScenarioError, match="not a true/false test"):
        discover(table, "a + b")
    with pytest.raises(ScenarioError, match="no column 'd'"):
        discover(table, "a > 0.5", inputs=["d"])
