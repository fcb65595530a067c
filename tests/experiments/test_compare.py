"""Ensembles: common seeds, independence from the number of workers, resuming, differences."""

import numpy as np
import pandas as pd
import pytest

from innostate.experiments.compare import INDICATORS, compare, design, differences, reading
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


def synthetic_runs(effect, replicates=30):
    """Runs whose every indicator is a shared replicate level plus ``effect(regime, c)``."""
    rng = np.random.default_rng(0)
    rows = []
    for r in range(replicates):
        base = rng.normal(0.5, 0.05)  # common to every cell of the replicate: pairing removes it
        for regime in ("a", "b", "c"):
            for containment in ("real", "none"):
                row = {"regime": regime, "containment": containment, "replicate": r, "seed": r}
                for name in INDICATORS:
                    row[name] = base + effect(regime, containment) + rng.normal(0, 0.02)
                rows.append(row)
    return pd.DataFrame(rows)


def test_differences_separate_clear_effects_from_noise():
    runs = synthetic_runs(lambda regime, c: 0.1 if regime == "b" else 0.0)
    diffs = differences(runs[runs["containment"] == "real"], ["a", "b", "c"], ["real"], seed=1)
    assert set(diffs["kind"]) == {"regime"}
    sr = diffs[diffs["indicator"] == "self_reliance_end"].set_index("regime")
    assert sr.loc["b", "clear"] and sr.loc["b", "ci_low"] > 0.08
    assert not sr.loc["c", "clear"]
    assert sr.loc["b", "baseline_mean"] == pytest.approx(0.5, abs=0.03)
    text = reading(diffs)
    assert any("b against a" in t and "self-reliance index at the end higher" in t for t in text)
    (line_c,) = [t for t in text if "c against a" in t]
    assert "self-reliance index at the end" in line_c.split("Within noise:")[1]


def test_containment_contrasts_and_interaction_are_paired_within_regimes():
    # lifting controls (none) helps a by 0.05 and b by 0.25: the interaction is 0.2
    effect = {("a", "real"): 0, ("a", "none"): 0.05, ("b", "real"): 0.1, ("b", "none"): 0.35}
    runs = synthetic_runs(lambda regime, c: effect.get((regime, c), 0.0))
    diffs = differences(runs, ["a", "b", "c"], ["real", "none"], seed=1)
    sr = diffs[diffs["indicator"] == "self_reliance_end"]
    lift = sr[sr["kind"] == "containment"].set_index("regime")
    assert list(lift.index) == ["a", "b", "c"]  # one contrast per regime, none against real
    assert lift.loc["a", "mean_difference"] == pytest.approx(0.05, abs=0.01)
    assert lift.loc["b", "mean_difference"] == pytest.approx(0.25, abs=0.01)
    assert not lift.loc["c", "clear"]
    (did,) = sr[(sr["kind"] == "interaction") & (sr["regime"] == "b")].to_dict("records")
    assert did["mean_difference"] == pytest.approx(0.2, abs=0.015) and did["clear"]
    assert did["ci_low"] < 0.2 < did["ci_high"]
    assert set(diffs["kind"]) == {"regime", "containment", "interaction"}
    # 2 regime contrasts x 2 timelines, 3 containment contrasts, 2 interactions, per indicator
    assert len(diffs) == (4 + 3 + 2) * len(INDICATORS)
    assert any("Containment none against real under b" in t for t in reading(diffs))


def test_one_regime_compares_containment_timelines(tiny, tmp_path):
    result = compare(tiny, ["new_national_system"], ["real", "none"], 3, 2, tmp_path, workers=1)
    assert set(result.differences["kind"]) == {"containment"}
    assert len(result.differences) == len(INDICATORS)
    assert result.reading[0].startswith("Containment none against real under new_national_system")
    assert (tmp_path / "differences.parquet").exists()
    one_cell = compare(tiny, ["market_led", "market_led"], ["real"], 2, 2, tmp_path / "dup")
    assert one_cell.differences.empty and one_cell.reading == []
    assert len(one_cell.runs) == 2  # a repeated name counts once
