"""Sensitivity with SALib: rankings on toy functions and on `tiny`, intervals, files, refusals."""

import numpy as np
import pandas as pd
import pytest

from innostate.experiments.compare import indicators
from innostate.experiments.gsa import analyze, load_sensitivity, sample, sensitivity
from innostate.experiments.run import simulate
from innostate.scenario.errors import ScenarioError

# on tiny the plan's start year changes nothing over this range (checked below by paired runs)
INERT = "top_level_design.plan_start_year"
RANGES = {
    "rnd.productivity": (0.1, 0.5),
    "regime.alignment": (0.2, 1.0),
    "rnd.noise": (0.0, 0.5),
    INERT: (2016.0, 2025.0),
}
OUTPUTS = ["self_reliance_end", "nodes_meeting_requirement_end"]
TOY = {"strong": (0.0, 1.0), "medium": (0.0, 1.0), "weak": (0.0, 1.0), "none": (0.0, 1.0)}


def toy(points: pd.DataFrame) -> np.ndarray:
    """A known ranking: strong > medium > weak, and `none` ignored; one interaction."""
    return (
        4 * points["strong"]
        + 2 * points["medium"] ** 2
        + 0.5 * points["weak"]
        + points["strong"] * points["medium"]
    ).to_numpy()


@pytest.fixture(scope="module")
def morris(tmp_path_factory):
    folder = tmp_path_factory.mktemp("morris")
    found = sensitivity(
        "tiny", RANGES, OUTPUTS, "morris", replicates=2, trajectories=4, workers=1, out=folder
    )
    return found, folder


def test_the_inert_parameter_changes_no_output_of_tiny():
    ends = [
        indicators(simulate("tiny", settings={INERT: year}))["end"] for year in (2016, 2020.5, 2025)
    ]
    assert ends[0] == ends[1] == ends[2]


def test_morris_on_tiny_ranks_the_ignored_parameter_last(morris):
    indices, _ = morris
    assert list(indices["output"].unique()) == OUTPUTS
    for name in OUTPUTS:
        part = indices[indices["output"] == name]
        assert list(part["rank"]) == [1, 2, 3, 4]
        last = part.iloc[-1]
        assert last["parameter"] == INERT and last["mu_star"] == 0 and last["sigma"] == 0
    reliance = indices[indices["output"] == "self_reliance_end"].set_index("parameter")
    assert (reliance.drop(INERT)["mu_star"] > 0).all()
    assert reliance["mu_star"].idxmax() == "rnd.productivity"
    assert np.isfinite(reliance["mu_star_conf"]).all() and (reliance["mu_star_conf"] >= 0).all()
    noise = indices.attrs["noise"]["self_reliance_end"]
    assert noise["replicate_sd"] > 0 and 0 < noise["noise_share"] < 1
    assert indices.attrs["runs"] == 4 * (4 + 1) * 2


def test_a_sensitivity_folder_holds_its_tables_and_resumes_without_running(morris):
    indices, folder = morris
    for name in ("indices.csv", "indices.parquet", "samples.parquet", "sensitivity.json"):
        assert (folder / name).stat().st_size > 0
    saved, per_sample, meta = load_sensitivity(folder)
    pd.testing.assert_frame_equal(saved, indices, check_exact=True)
    assert len(per_sample) == 20 and meta["method"] == "morris"
    assert {"self_reliance_end_mean", "self_reliance_end_sd"} <= set(per_sample.columns)
    assert pd.read_csv(folder / "indices.csv")["parameter"].iloc[3] == INERT
    progress = []
    again = sensitivity(
        "tiny", RANGES, OUTPUTS, "morris", 2, trajectories=4, workers=1, out=folder,
        on_run=lambda done, total: progress.append((done, total)),
    )  # fmt: skip
    pd.testing.assert_frame_equal(again, indices)
    assert progress and progress[0] == (40, 40)  # every run found on disk


def test_sobol_on_four_parameters_of_tiny_reports_s1_and_st_with_intervals(tmp_path):
    indices = sensitivity(
        "tiny", RANGES, "self_reliance_end", "sobol", replicates=2, samples=4, workers=1,
        out=tmp_path,
    )  # fmt: skip
    assert indices.attrs["runs"] == 4 * (4 + 2) * 2
    assert list(indices.columns[-4:]) == ["S1", "S1_conf", "ST", "ST_conf"]
    table = indices.set_index("parameter")
    assert np.isfinite(table[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy()).all()
    assert (table[["S1_conf", "ST_conf"]] >= 0).all().all()
    assert table.loc[INERT, "S1"] == 0 and table.loc[INERT, "ST"] == 0
    assert table["ST"].idxmax() == "rnd.productivity" and table.loc[INERT, "rank"] == 4


def test_morris_ranks_a_toy_function_in_its_known_order():
    points = sample(TOY, "morris", trajectories=20, seed=1)
    found = analyze(TOY, points, toy(points), "morris", seed=2)
    assert list(found["parameter"]) == ["strong", "medium", "weak", "none"]
    assert found.iloc[-1]["mu_star"] == 0


def test_sobol_recovers_the_indices_of_an_additive_toy():
    ranges = {"a": (0.0, 1.0), "b": (0.0, 1.0), "c": (0.0, 1.0)}
    points = sample(ranges, "sobol", samples=512, seed=3)
    found = analyze(ranges, points, (2 * points["a"] + points["b"]).to_numpy(), "sobol").set_index(
        "parameter"
    )
    # var(2a) = 4/12, var(b) = 1/12: S1 = ST = 0.8 and 0.2, c nothing
    assert found.loc["a", "S1"] == pytest.approx(0.8, abs=0.05)
    assert found.loc["b", "ST"] == pytest.approx(0.2, abs=0.05)
    assert abs(found.loc["c", "ST"]) < 0.01


def test_delta_ranks_the_strong_input_first_and_leaves_numpy_global_state_alone():
    before = np.random.get_state()[1].copy()  # noqa: NPY002 - SALib's delta reseeds it
    points = sample(TOY, "delta", samples=256, seed=4)
    found = analyze(TOY, points, toy(points), "delta", seed=5, resamples=10)
    assert found.iloc[0]["parameter"] == "strong"
    assert (found[["delta", "delta_conf", "S1", "S1_conf"]].notna()).all().all()
    assert (np.random.get_state()[1] == before).all()  # noqa: NPY002


def test_a_constant_output_gives_zero_indices_not_an_error():
    points = sample(TOY, "sobol", samples=8, seed=1)
    found = analyze(TOY, points, np.ones(len(points)), "sobol")
    assert (found[["S1", "ST"]] == 0).all().all()


def test_bad_designs_are_refused_before_any_run_with_every_problem(tmp_path):
    with pytest.raises(ScenarioError, match="power of two") as caught:
        sensitivity("tiny", RANGES, method="sobol", samples=100, out=tmp_path)
    assert "use 64 or 128" in str(caught.value)
    bad = {"rnd.productivty": (0.1, 0.5), "rnd.noise": (0.5, 0.1), "regime.alignment": (0.5, 3)}
    with pytest.raises(ScenarioError) as caught:
        sensitivity("tiny", bad, out=tmp_path)
    text = str(caught.value)
    assert "did you mean 'rnd.productivity'" in text
    assert "0.5:0.1 is empty" in text and "3 is out of range" in text
    with pytest.raises(ScenarioError, match="unknown output 'nodes_met'"):
        sensitivity("tiny", RANGES, outputs="nodes_met", out=tmp_path)
    assert not (tmp_path / "runs").exists()
