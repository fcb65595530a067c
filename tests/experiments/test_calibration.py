"""Calibration: targets as data, censoring, implausibility, emulators and parameter recovery."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from innostate.experiments import calibration as cal
from innostate.experiments.run import simulate
from innostate.interfaces.cli.main import app
from innostate.scenario.errors import ScenarioError
from innostate.scenario.load import load_scenario

runner = CliRunner()


# ---------------------------------------------------------------------------- targets


def test_date_periods_are_the_middle_of_the_stated_period():
    assert cal.date_period("2019") == (2019.5, 1.0)
    assert cal.date_period("2015-Q3") == (2015.625, 0.25)
    assert cal.date_period("2021Q1") == (2021.125, 0.25)
    year, precision = cal.date_period("2012-12")
    assert year == pytest.approx(2012 + 11.5 / 12) and precision == pytest.approx(1 / 12)
    year, precision = cal.date_period("2020-06-23")  # the day itself, a month's precision
    assert year == pytest.approx(2020 + (174 + 0.5) / 366) and precision == pytest.approx(1 / 12)
    with pytest.raises(ValueError, match="not a date"):
        cal.date_period("June 2020")


def test_prc_2012_targets_split_by_date():
    table = cal.calibration_targets(load_scenario("prc-2012"))
    assert list(table.columns) == list(cal.TARGET_COLUMNS)
    by_id = table.set_index("id")
    assert by_id.loc["beidou@7.0", "split"] == "in_sample"
    assert by_id.loc["dram@5.0", "real_year"] == 2019.5  # a year-only date
    assert by_id.loc["dram@5.0", "precision_years"] == 1.0
    assert by_id.loc["logic_28nm@7.0", "precision_years"] == 0.25
    held = set(table.loc[table["split"] == "held_out", "id"])
    assert held == {"c919_airframe@7.0", "logic_7nm@6.0", "nand@8.0"}
    excluded = table[table["split"] == "excluded"]
    # the start levels rest on three milestones dated before 2012 (docs/data.md)
    assert dict(zip(excluded["id"], excluded["reason"], strict=True)) == {
        "beidou@5.0": "before_start",
        "deep_sea_submersibles@5.5": "before_start",
        "supercomputers@7.75": "before_start",
        "cj1000a_engine@4.5": "after_2022",
    }
    fitted = table[table["split"] == "in_sample"]
    assert (fitted["real_year"] < 2021).all() and len(fitted) == 19
    assert (table.loc[table["split"] != "excluded", "reason"] == "").all()


def test_milestones_before_the_start_are_excluded():
    table = cal.calibration_targets(load_scenario("prc-2019"))
    early = table[table["real_year"] < 2019]
    assert len(early) > 0
    assert (early["split"] == "excluded").all() and (early["reason"] == "before_start").all()


def test_soft_targets_are_off_by_default_and_never_replace_a_milestone():
    scenario = load_scenario("prc-2012")
    plain = cal.calibration_targets(scenario)
    soft = cal.calibration_targets(scenario, soft_targets=True)
    assert (plain["kind"] == "milestone").all()
    added = soft[soft["kind"] == "soft"]
    assert len(added) > 0 and len(soft) == len(plain) + len(added)
    assert not soft["id"].duplicated().any()
    initial = {n.id: n.initial_level for n in scenario.nodes}
    for row in added.to_dict("records"):
        assert row["real_date"] == "2019-12" and row["confidence"] == "low"
        met = row["level"] <= initial[row["node"]]
        assert (row["split"], row["reason"]) == (
            ("excluded", "met_at_start") if met else ("in_sample", "")
        )


def test_targets_become_the_scenarios_milestones():
    scenario = load_scenario("prc-2012")
    table = cal.calibration_targets(scenario)
    changed = cal.with_targets(scenario, table)
    assert len(changed.milestones) == (table["split"] != "excluded").sum()
    assert changed.milestones[0].what == table.loc[table["split"] != "excluded", "id"].iloc[0]


def test_a_target_table_with_nothing_to_fit_is_refused():
    scenario = load_scenario("tiny")
    with pytest.raises(ScenarioError, match="no in-sample target"):
        cal.check_targets(cal.calibration_targets(scenario), scenario)


# ---------------------------------------------------------------------------- censoring


def test_run_years_are_mid_step_and_never_reached_is_infinite():
    targets = pd.DataFrame({"id": ["a@5.0", "b@6.0"]})
    records = [
        {
            "milestones": [
                {"node": "a", "level": 5.0, "run_date": "2013Q3"},
                {"node": "b", "level": 6.0, "run_date": None},
            ]
        }
    ]
    years = cal.run_years(records, targets, "2012Q1", 4)
    assert years[0, 0] == pytest.approx(2013.625) and math.isinf(years[0, 1])
    assert list(cal.censored(years, 2031.0, 1.0)[0]) == [2013.625, 2032.0]
    with pytest.raises(ValueError, match="--fresh"):
        cal.run_years([{"milestones": []}], targets, "2012Q1", 4)


def test_a_date_past_the_horizon_counts_as_the_horizon():
    observed = np.array([2020.0])
    at_horizon = cal.implausibility(observed, np.array([[2031.0]]), np.array([[1.0]]), 2031.0)
    beyond = cal.implausibility(observed, np.array([[2040.0]]), np.array([[1.0]]), 2031.0)
    assert at_horizon[0, 0] == beyond[0, 0] == 11.0
    early = cal.implausibility(observed, np.array([[2018.0]]), np.array([[4.0]]), 2031.0)
    assert early[0, 0] == 1.0


def test_second_largest_implausibility_forgives_one_target():
    measures = np.array([[9.0, 1.0, 2.0, 0.5, 0.1], [4.0, 3.5, 0.0, 0.0, 0.0]])
    assert list(cal.combined(measures, 1)) == [9.0, 4.0]
    assert list(cal.combined(measures, 2)) == [2.0, 3.5]
    assert cal.order_for(4) == 1 and cal.order_for(5) == 2


def test_quantiles_past_the_horizon_are_infinite():
    values = np.array([[2020.0], [2021.0], [np.inf], [np.inf]])
    q10, q50, q90 = cal.quantiles(values, (0.1, 0.5, 0.9), 2031.0)
    assert q10[0] == pytest.approx(2020.3) and math.isinf(q50[0]) and math.isinf(q90[0])


def test_backtest_figures():
    table = pd.DataFrame(
        {
            "split": ["in_sample"] * 3,
            "q10": [2014.0, 2016.0, 2020.0],
            "q50": [2015.0, 2018.0, np.inf],
            "q90": [2016.0, 2020.0, np.inf],
            "inside_80": [True, False, False],
            "lag_years": [0.0, 2.0, np.inf],
        }
    )
    figures = cal.backtest(table, "in_sample")
    assert figures == {
        "milestones": 3,
        "coverage_80": 0.3333,
        "mean_abs_lag_years": 1.0,
        "median_interval_width_years": 4.0,
        "unreached_by_2030": 1,
    }


# ---------------------------------------------------------------------------- error model


def test_error_model_variances():
    targets = pd.DataFrame(
        {
            "id": ["a@5.0", "a@6.0"],
            "node": ["a", "a"],
            "level": [5.0, 6.0],
            "real_year": [2014.0, 2018.0],
            "precision_years": [1.0, 0.25],
            "confidence": ["high", "low"],
            "kind": ["milestone", "milestone"],
        }
    )
    model = cal.ErrorModel()
    assert model.pace(targets) == 4.0  # 4 years from level 5 to level 6
    v = model.variances(targets, 2012.0, 4.0)
    assert list(v["date_precision"]) == pytest.approx([1 / 12, 0.0625 / 12])
    assert list(v["level_mapping"]) == pytest.approx([0.4**2, 1.2**2])
    assert list(v["discrepancy"]) == pytest.approx([0.2**2, 0.6**2])
    assert cal.ErrorModel(years_per_level=2.5).pace(targets) == 2.5


# ---------------------------------------------------------------------------- emulators


def test_emulator_learns_a_smooth_function_with_honest_leave_one_out():
    rng = np.random.default_rng(1)
    x = rng.random((25, 2))
    y = 2015 + 4 * x[:, 0] ** 2 - 2 * x[:, 1] + rng.normal(0, 0.1, 25)
    emulator = cal.Emulator(x, y, seed=0)
    test = rng.random((200, 2))
    mean, var = emulator.predict(test)
    truth = 2015 + 4 * test[:, 0] ** 2 - 2 * test[:, 1]
    assert np.abs(mean - truth).mean() < 0.2
    assert (var >= 0).all() and 0 < emulator.noise_var < 0.1
    predicted, sd = emulator.leave_one_out()
    z = (y - predicted) / sd
    assert 0.5 < z.std() < 2.0


def test_a_constant_output_is_emulated_exactly():
    emulator = cal.Emulator(np.random.default_rng(0).random((6, 1)), np.full(6, 2031.5), seed=0)
    mean, var = emulator.predict(np.array([[0.3], [0.9]]))
    assert list(mean) == [2031.5, 2031.5] and list(var) == [0.0, 0.0]


def test_maximin_designs_spread_out():
    unit = cal.maximin_lhs(2, 10, seed=3)
    assert unit.shape == (10, 2) and ((unit >= 0) & (unit <= 1)).all()
    picked = cal.maximin_subset(
        np.random.default_rng(0).random((500, 2)), 8, np.random.default_rng(1)
    )
    assert len(picked) == 8 and len(np.unique(picked, axis=0)) == 8


def test_records_carry_the_milestone_dates():
    from innostate.experiments.ensemble import indicators

    result = simulate("prc-2012", scale=0.005)
    found = indicators(result)["milestones"]
    assert len(found) == len(result.summary["milestones"])
    assert set(found[0]) == {"node", "level", "run_date"}


# ---------------------------------------------------------------------------- recovery


def synthetic_targets(truth: dict[str, float], picks: list[tuple[str, float]]) -> pd.DataFrame:
    """A run's own dates (scenario seed) at a few node levels, as in-sample targets."""
    nodes = simulate("tiny", settings=truth).nodes
    rows = []
    for node, level in picks:
        reached = nodes[(nodes["node"] == node) & (nodes["domestic_level"] >= level)]
        assert len(reached), f"the truth run never reaches {node}@{level}"
        row = cal._target_row(node, level, str(reached["date"].iloc[0]), "high", "synthetic", "run")
        rows.append({**row, "split": "in_sample"})
    return pd.DataFrame(rows, columns=list(cal.TARGET_COLUMNS))


@pytest.mark.slow
def test_parameter_recovery_on_tiny(tmp_path):
    truth = {"rnd.productivity": 0.4}
    # one level per node: targets of one node share the luck of its seed
    picks = [
        ("eda", 5.0),
        ("logic_chip", 6.0),
        ("satellite_nav", 7.0),
        ("photoresist", 4.5),
        ("lithography", 4.8),
    ]
    targets = synthetic_targets(truth, picks)
    prior = (0.1, 0.6)
    budget = dict(waves=2, points=10, replicates=3, predictive=10, workers=1, targets=targets)
    result = cal.calibrate("tiny", {"rnd.productivity": prior}, tmp_path, **budget)
    post = result.posterior
    assert 0 < len(post) <= cal.POSTERIOR_SETS
    assert post["weight"].sum() == pytest.approx(1.0) and (post["weight"] > 0).all()
    values, weight = post["rnd.productivity"].to_numpy(), post["weight"].to_numpy()
    order = np.argsort(values)
    cum = np.cumsum(weight[order])
    q10 = values[order][np.searchsorted(cum, 0.1)]
    q90 = values[order][np.searchsorted(cum, 0.9)]
    assert q10 <= truth["rnd.productivity"] <= q90
    assert q90 - q10 < 0.5 * (prior[1] - prior[0])  # the data narrowed the prior

    # the contract's files
    meta = json.loads((tmp_path / "calibration.json").read_text())
    assert meta["scenario"] == "tiny" and meta["runs"] == 2 * 10 * 3 + 10
    assert set(meta["backtest"]) == {"in_sample", "held_out"}
    pred = pd.read_parquet(tmp_path / "predictive.parquet")
    assert list(pred.columns) == [
        "id", "node", "level", "real_date", "real_year", "precision_years", "split",
        "q10", "q50", "q90", "reached_share", "inside_80", "lag_years",
    ]  # fmt: skip
    assert list(pd.read_parquet(tmp_path / "posterior.parquet").columns) == [
        "set",
        "weight",
        "rnd.productivity",
    ]
    loo = pd.read_parquet(tmp_path / "emulator.parquet")
    assert set(loo["target"]) == set(targets["id"])
    waves = pd.read_parquet(tmp_path / "waves.parquet")
    assert list(waves["wave"]) == [1, 2] and list(waves["runs"]) == [30, 30]

    # a rerun reuses every stored run and writes the same posterior
    again = cal.calibrate(
        "tiny",
        {"rnd.productivity": prior},
        tmp_path,
        **budget,
        on_progress=lambda done, total: done == total or pytest.fail("a run was computed again"),
    )
    pd.testing.assert_frame_equal(again.posterior, result.posterior)


# ---------------------------------------------------------------------------- command line


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (["--params", "rnd.nonexistent=0:1"], "did you mean"),
        (["--params", "rnd.productivity=0.5:0.1"], "empty or not finite"),
        (["--params", "rnd.productivity=-1:0.5"], "out of range"),
        (["--params", "rnd.productivity=0.3"], "needs a range LOW:HIGH"),
        ([], "no parameter to vary"),
    ],
)
def test_bad_params_are_refused(tmp_path, params, message):
    result = runner.invoke(app, ["calibrate", "tiny", *params, "--out", str(tmp_path), "-q"])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "wave-1").exists()


def test_a_scenario_without_fitted_milestones_is_refused(tmp_path):
    result = runner.invoke(
        app, ["calibrate", "tiny", "--params", "rnd.productivity=0.1:0.5", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2 and "no in-sample target" in result.output
