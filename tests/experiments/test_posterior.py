"""Posterior parameter sets: loading and checking a posterior folder, drawing sets for
replicates exactly as the calibration contract says, and runs that record the set used."""

import json

import numpy as np
import pandas as pd
import pytest

from innostate.experiments.compare import compare
from innostate.experiments.posterior import (
    BUILTIN_POSTERIORS,
    choose,
    load_posterior,
    misses,
    packaged_folder,
)
from innostate.experiments.run import resolve, simulate
from innostate.experiments.store import KeyMismatch
from innostate.scenario.errors import ScenarioError

from factory import write_posterior


@pytest.fixture
def folder(tmp_path):
    return write_posterior(tmp_path / "posterior")


def test_a_posterior_loads_with_its_sets_calibration_and_predictive(folder):
    post = load_posterior(folder)
    assert post.name == "tiny-test"
    assert post.paths == ["rnd.productivity", "rnd.returns_exponent"]
    assert post.sets["weight"].sum() == pytest.approx(1.0)
    assert post.predictive is not None and set(post.predictive["split"]) == {
        "in_sample",
        "held_out",
    }


def test_replicates_draw_sets_exactly_as_the_contract_says(folder):
    post = load_posterior(folder)
    weights = post.sets["weight"].to_numpy()
    expected = np.random.default_rng(42).choice(len(weights), size=7, p=weights)
    assert post.draw(42, 7) == [int(post.sets["set"][k]) for k in expected]
    # a single run uses replicate 0's set
    assert post.draw(42, 1)[0] == post.draw(42, 7)[0]


def _break(folder, name, change):
    path = folder / name
    if name.endswith(".parquet"):
        change(pd.read_parquet(path)).to_parquet(path, index=False)
    else:
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    ("name", "change", "field", "says"),
    [
        ("posterior.parquet", lambda t: t.drop(columns="weight"), "weight", "missing"),
        ("posterior.parquet", lambda t: t.assign(weight=-t["weight"]), "weight", "> 0"),
        ("posterior.parquet", lambda t: t.assign(weight=2 * t["weight"]), "weight", "sum"),
        ("posterior.parquet", lambda t: t.assign(set=0), "set", "distinct"),
        (
            "posterior.parquet",
            lambda t: t.rename(columns={"rnd.productivity": "rnd.productivty"}),
            "rnd.productivty",
            "--set",
        ),
        (
            "posterior.parquet",
            lambda t: t.assign(**{"rnd.returns_exponent": 5.0}),
            "rnd.returns_exponent",
            "out of range",
        ),
        ("calibration.json", lambda d: d.pop("population_scale"), "population_scale", "missing"),
        (
            "calibration.json",
            lambda d: d["backtest"]["held_out"].pop("coverage_80"),
            "backtest.held_out.coverage_80",
            "missing",
        ),
        ("predictive.parquet", lambda t: t.drop(columns="q90"), "q90", "missing"),
    ],
)
def test_a_bad_posterior_file_is_refused_naming_file_field_and_fix(
    folder, name, change, field, says
):
    _break(folder, name, change)
    with pytest.raises(ScenarioError) as caught:
        load_posterior(folder)
    text = str(caught.value)
    assert name in text and field in text and says in text and "Fix:" in text


def test_a_missing_or_unreadable_file_is_refused(folder, tmp_path):
    (folder / "posterior.parquet").write_text("not parquet")
    with pytest.raises(ScenarioError, match=r"posterior.parquet.*not a readable Parquet"):
        load_posterior(folder)
    (folder / "calibration.json").unlink()
    with pytest.raises(ScenarioError, match=r"calibration.json.*missing"):
        load_posterior(folder)
    with pytest.raises(ScenarioError, match="no such folder"):
        load_posterior(tmp_path / "nowhere")


def test_choosing_parameters(folder):
    assert choose("tiny", None) is None
    assert choose("tiny", "defaults") is None
    assert choose("tiny", str(folder)).name == "tiny-test"
    with pytest.raises(ScenarioError, match="no packaged posterior"):
        choose("tiny", "posterior")
    for name, packaged in BUILTIN_POSTERIORS.items():
        # built-in national runs are calibrated by default exactly when a posterior ships
        # and its backtest meets the acceptance figures; on request, whenever one ships
        shipped = packaged_folder(packaged)
        accepted = shipped is not None and not misses(load_posterior(shipped).calibration)
        assert (choose(name, None) is not None) == accepted
        assert choose(name, "defaults") is None
        if shipped is not None:
            assert choose(name, "posterior").name == packaged


def test_the_acceptance_figures_decide_the_default():
    passing = {
        "non_implausible": True,
        "backtest": {
            "in_sample": {
                "coverage_80": 0.85,
                "mean_abs_lag_years": 1.2,
                "median_interval_width_years": 2.5,
                "unreached_by_2030": 0,
            }
        },
    }
    assert misses(passing) == []
    failing = json.loads(json.dumps(passing))
    failing["non_implausible"] = False
    failing["backtest"]["in_sample"]["coverage_80"] = 0.05
    failing["backtest"]["in_sample"]["median_interval_width_years"] = 3.5
    missed = misses(failing)
    assert len(missed) == 3
    assert "coverage_80 0.05 (at least 0.8)" in missed
    assert "median_interval_width_years 3.5 (at most 3)" in missed


def test_a_run_records_its_set_and_explicit_settings_win(folder):
    post = load_posterior(folder)
    result = simulate("tiny", seed=3, parameters=folder, settings={"rnd.productivity": 0.2})
    block = result.manifest["parameters"]
    expected = post.draw(3, 1)[0]
    assert block["source"] == "posterior" and block["posterior"] == "tiny-test"
    assert block["set"] == expected and block["values"] == post.values(expected)
    assert block["overridden"] == ["rnd.productivity"]
    used = result.manifest["parameter_values"]["rnd"]
    assert used["productivity"] == 0.2  # --set wins
    assert used["returns_exponent"] == pytest.approx(post.values(expected)["rnd.returns_exponent"])
    assert result.manifest["key"]["parameters"]["set"] == expected
    plain = simulate("tiny", seed=3)
    assert plain.manifest["parameters"]["source"] == "defaults"
    assert "parameters" not in plain.manifest["key"]  # runs with the defaults keep their keys


def test_runs_with_other_sets_have_other_keys_and_folders(folder):
    post = load_posterior(folder)
    a, b = post.sets["set"][:2]
    first = resolve("tiny", parameters=post.block(int(a)))
    second = resolve("tiny", parameters=post.block(int(b)))
    plain = resolve("tiny")
    assert len({str(x.key()) for x in (first, second, plain)}) == 3
    assert len({x.folder_name() for x in (first, second, plain)}) == 3


def test_compare_pairs_sets_across_cells_and_keeps_keys_apart(folder, tmp_path):
    post = load_posterior(folder)
    out = tmp_path / "cmp"
    result = compare(
        "tiny",
        ["market_led", "new_national_system"],
        replicates=3,
        root_seed=11,
        out=out,
        workers=1,
        parameters=folder,
    )
    drawn = post.draw(11, 3)
    for _, cell in result.runs.groupby("regime"):
        assert cell.sort_values("replicate")["set"].tolist() == drawn
    assert result.design["parameters"]["sets"] == drawn
    stored = json.loads((out / "comparison.json").read_text())
    assert stored["parameters"]["posterior"] == "tiny-test"
    record = json.loads((out / "runs" / "market_led__real__r000.json").read_text())["record"]
    assert record["spec"]["set"] == drawn[0]
    assert record["key"]["parameters"]["set"] == drawn[0]
    with pytest.raises(KeyMismatch, match="parameters"):  # never reused as runs with the defaults
        compare("tiny", ["market_led", "new_national_system"], replicates=3, root_seed=11,
                out=out, workers=1, parameters="defaults")  # fmt: skip
