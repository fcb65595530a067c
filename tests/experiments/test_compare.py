"""Ensembles: common seeds, independence from the number of workers, resuming, differences."""

import numpy as np
import pandas as pd
import pytest

from innostate.experiments.compare import compare, design, differences, reading
from innostate.scenario.errors import ScenarioError
from innostate.scenario.load import load_scenario

REGIMES = ["new_national_system", "market_led"]


@pytest.fixture(scope="module")
def tiny():
    return load_scenario("tiny")


def test_design_gives_every_cell_the_same_replicate_seeds():
    specs = design(REGIMES, ["real", "none"], 3, root_seed=5)
    assert len(specs) == 2 * 2 * 3
    seeds = {}
    for spec in specs:
        seeds.setdefault(spec.replicate, set()).add(spec.seed)
    assert all(len(s) == 1 for s in seeds.values())
    assert len({next(iter(s)) for s in seeds.values()}) == 3
    assert design(REGIMES, ["real"], 3, 5)[0].seed == specs[0].seed
    assert design(REGIMES, ["real"], 3, 6)[0].seed != specs[0].seed


def test_same_root_seed_same_table_whatever_the_workers(tiny, tmp_path):
    one = compare(tiny, REGIMES, ["real", "none"], 2, 9, tmp_path / "one", workers=1)
    two = compare(tiny, REGIMES, ["real", "none"], 2, 9, tmp_path / "two", workers=2)
    pd.testing.assert_frame_equal(one.runs, two.runs)
    pd.testing.assert_frame_equal(one.series, two.series)
    assert len(one.runs) == 2 * 2 * 2
    assert set(one.runs.columns) >= {"regime", "containment", "replicate", "seed"}
    assert (tmp_path / "one" / "runs.parquet").exists()


def test_finished_runs_are_kept_and_a_rerun_resumes(tiny, tmp_path):
    calls = []
    compare(tiny, REGIMES, ["real"], 2, 3, tmp_path, on_run=lambda d, t: calls.append((d, t)))
    assert calls[0] == (0, 4) and calls[-1] == (4, 4)
    assert len(list((tmp_path / "runs").glob("*.json"))) == 4
    again = []
    compare(tiny, REGIMES, ["real"], 2, 3, tmp_path, on_run=lambda d, t: again.append((d, t)))
    assert again == [(4, 4)]  # nothing ran again


def test_unknown_names_fail_before_any_run(tiny, tmp_path):
    with pytest.raises(ScenarioError, match="unknown containment timeline 'mild'"):
        compare(tiny, REGIMES, ["mild"], 2, 3, tmp_path)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_differences_separate_clear_effects_from_noise():
    rng = np.random.default_rng(0)
    rows = []
    for r in range(30):
        base = rng.normal(0.5, 0.05)
        for regime, shift in (("a", 0.0), ("b", 0.1), ("c", 0.0)):
            row = {"regime": regime, "containment": "real", "replicate": r, "seed": r}
            for name in (
                "self_reliance_end",
                "nodes_meeting_requirement_end",
                "chokepoints_end",
                "breakthroughs",
                "breakthroughs_per_100bn",
                "rd_spent_bn",
                "waste_share",
                "duplicate_projects",
            ):
                row[name] = base + shift + rng.normal(0, 0.02)
            rows.append(row)
    diffs = differences(pd.DataFrame(rows), baseline="a", seed=1)
    sr = diffs[diffs["indicator"] == "self_reliance_end"].set_index("regime")
    assert sr.loc["b", "clear"] and sr.loc["b", "ci_low"] > 0.08
    assert not sr.loc["c", "clear"]
    text = reading(diffs)
    assert any("b against a" in t and "self-reliance index at the end higher" in t for t in text)
    (line_c,) = [t for t in text if "c against a" in t]
    assert "self-reliance index at the end" in line_c.split("Within noise:")[1]
