"""Experiment designs: builders, checks before any run, tidy tables, resuming, backends."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from innostate.experiments import (
    factorial,
    from_csv,
    latin_hypercube,
    load_sweep,
    model_function,
    run_design,
    sweep,
)
from innostate.experiments.design import (
    _key,
    build_design,
    check_design,
    levels_between,
    parse_param,
)
from innostate.experiments.ensemble import INDICATORS, SERIES, WorkerMismatch
from innostate.experiments.run import simulate
from innostate.experiments.store import KeyMismatch
from innostate.scenario.errors import ScenarioError
from innostate.scenario.load import load_scenario

GRID = {"regime.alignment": [0.2, 1.0], "regime": ["market_led", "new_national_system"]}


@pytest.fixture(scope="module")
def tiny():
    return load_scenario("tiny")


@pytest.fixture(scope="module")
def reference(tiny, tmp_path_factory):
    """The 2x2 design, two replicates, run in this process."""
    out = tmp_path_factory.mktemp("reference")
    return sweep(factorial(GRID), tiny, replicates=2, workers=1, out=out, root_seed=5)


# ---------------------------------------------------------------------------- builders


def test_factorial_crosses_every_level_last_column_fastest():
    design = factorial({"a.b": [1, 2, 3], "regime": ["x", "y"]})
    assert design.shape == (6, 2)
    assert list(design.columns) == ["a.b", "regime"]
    assert design["a.b"].tolist() == [1, 1, 2, 2, 3, 3]
    assert design["regime"].tolist() == ["x", "y"] * 3


def test_factorial_refuses_repeated_or_missing_levels():
    with pytest.raises(ScenarioError, match="given twice"):
        factorial({"regime.alignment": [0.5, 0.5]})
    with pytest.raises(ScenarioError, match="no values"):
        factorial({"regime.alignment": []})


def test_parameter_options_give_levels_ranges_and_names():
    assert parse_param("regime.alignment=0.2:1.0:5") == (
        "regime.alignment",
        pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0]),
    )
    assert parse_param("regime.alignment=0.2:1") == ("regime.alignment", (0.2, 1.0))
    assert parse_param("regime=market_led, new_national_system") == (
        "regime",
        ["market_led", "new_national_system"],
    )
    assert parse_param("x.y=0,0.3,0.6") == ("x.y", [0.0, 0.3, 0.6])
    assert levels_between(0, 1, 1) == [0.0]
    for bad in ("regime.alignment", "=1,2", "a=1:x:3", "a=1:2:3:4", "a=1:1:3"):
        with pytest.raises(ScenarioError):
            parse_param(bad)


def test_latin_hypercube_has_one_sample_per_stratum_inside_the_ranges():
    ranges = {"regime.alignment": (0.2, 1.0), "rnd.noise": (0.0, 2.0)}
    design = latin_hypercube(ranges, samples=10, seed=3)
    assert design.shape == (10, 2)
    for path, (low, high) in ranges.items():
        values = design[path].to_numpy()
        assert ((values >= low) & (values <= high)).all()
        strata = np.floor((values - low) / (high - low) * 10).astype(int)
        assert sorted(strata) == list(range(10))  # Latin: every tenth of the range once
    pd.testing.assert_frame_equal(design, latin_hypercube(ranges, 10, seed=3))
    assert not design.equals(latin_hypercube(ranges, 10, seed=4))


def test_latin_hypercube_gives_categorical_values_equal_shares():
    design = latin_hypercube({"regime": ["market_led", "new_national_system"]}, 8, seed=1)
    assert design["regime"].value_counts().tolist() == [4, 4]


def test_latin_hypercube_refuses_empty_ranges():
    with pytest.raises(ScenarioError, match="empty or reversed"):
        latin_hypercube({"regime.alignment": (1.0, 0.2)}, 5)
    with pytest.raises(ScenarioError, match="at least 1"):
        latin_hypercube({"regime.alignment": (0.2, 1.0)}, 0)


def test_csv_designs_keep_text_and_leave_empty_cells_unset(tmp_path, tiny):
    path = tmp_path / "design.csv"
    path.write_text("regime.alignment,regime\n0.3,market_led\n,new_national_system\n")
    design = from_csv(path)
    assert design.shape == (2, 2) and np.isnan(design.loc[1, "regime.alignment"])
    points = check_design(design, tiny)
    assert points[0].inputs.settings == {"regime.alignment": 0.3}
    assert points[1].inputs.settings == {}  # the empty cell keeps the scenario's value
    assert [p.inputs.regime for p in points] == ["market_led", "new_national_system"]


def test_command_line_designs(tmp_path):
    assert build_design(["regime.alignment=0:1:3", "regime=a,b"]).shape == (6, 2)
    lhs = build_design(["regime.alignment=0.2:1"], "lhs", samples=7, seed=1)
    assert lhs.shape == (7, 1)
    with pytest.raises(ScenarioError, match="needs levels"):
        build_design(["regime.alignment=0.2:1"])
    with pytest.raises(ScenarioError, match="--samples"):
        build_design(["regime.alignment=0.2:1"], "lhs")
    path = tmp_path / "d.csv"
    path.write_text("rnd.noise\n0.5\n1.0\n")
    assert build_design(["regime=a,b"], str(path)).shape == (4, 2)  # crossed with the rows


# ---------------------------------------------------------------------------- checks


def test_invalid_paths_values_and_names_fail_before_any_run(tiny, tmp_path):
    design = pd.DataFrame(
        {
            "regime.alignmnt": [0.5, 0.5],
            "rnd.noise": [1.0, 5.0],
            "budgets.central.growth_after": [0.1, -9.0],
            "regime": ["market_led", "market_lead"],
            "containment": ["real", "mild"],
        }
    )
    with pytest.raises(ScenarioError) as caught:
        run_design(design, tiny, out=tmp_path)
    text = str(caught.value)
    assert "did you mean 'regime.alignment'" in text
    assert "5 is out of range (row 1). Fix: use a value from 0 to 2" in text
    assert "budgets.central.growth_after" in text
    assert "unknown regime 'market_lead' (row 1). Fix: use one of: new_national_system" in text
    assert "unknown containment timeline 'mild' (row 1). Fix: use one of: real, none" in text
    assert not (tmp_path / "runs").exists()  # nothing ran, nothing was stored


def test_reserved_and_repeated_columns_are_refused(tiny):
    with pytest.raises(ScenarioError, match="'seed' is a column of the output tables"):
        check_design(pd.DataFrame({"seed": [1]}), tiny)
    with pytest.raises(ScenarioError, match="set both in the design and for every run"):
        check_design(pd.DataFrame({"rnd.noise": [1.0]}), tiny, settings={"rnd.noise": 0.5})
    with pytest.raises(ScenarioError, match="no rows"):
        check_design(pd.DataFrame({"rnd.noise": []}), tiny)


def test_the_cached_key_equals_the_inputs_key(tiny):
    points = check_design(factorial(GRID), tiny, settings={"budgets.central.growth_after": 0.1})
    for point in points:
        assert point.key == point.inputs.key()
        assert _key(point.inputs, {}) == point.inputs.key()


# ---------------------------------------------------------------------------- running


def test_runs_table_is_tidy_with_common_seeds(reference):
    runs = reference.runs
    assert len(runs) == 4 * 2
    assert list(runs.columns) == [*GRID, "row", "replicate", "seed", *INDICATORS]
    assert runs["row"].tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    seeds = runs.groupby("replicate")["seed"].nunique()
    assert (seeds == 1).all() and runs["seed"].nunique() == 2  # replicate k: one seed everywhere
    series = reference.series
    assert list(series.columns) == ["row", "replicate", "step", "date", *SERIES]
    assert len(series) == len(runs) * series["step"].nunique()
    assert reference.design["columns"] == list(GRID)


def test_a_row_equals_a_single_run_with_the_same_inputs(reference, tiny):
    first = reference.runs.iloc[3]
    result = simulate(
        tiny,
        regime=first["regime"],
        seed=int(first["seed"]),
        settings={"regime.alignment": float(first["regime.alignment"])},
    )
    assert first["self_reliance_end"] == result.summary["self_reliance_end"]
    assert first["rd_spent_bn"] == result.summary["rd_spent_bn"]


def test_the_written_sweep_reads_back(reference, tmp_path, tiny):
    out = tmp_path / "sweep"
    again = sweep(factorial(GRID), tiny, replicates=2, workers=1, out=out, root_seed=5)
    loaded = load_sweep(out)
    pd.testing.assert_frame_equal(loaded.runs, again.runs)
    pd.testing.assert_frame_equal(loaded.series, again.series)
    assert loaded.design == again.design
    pd.testing.assert_frame_equal(again.runs, reference.runs)


def test_a_rerun_resumes_and_other_inputs_are_refused(tiny, tmp_path):
    design = factorial({"regime.alignment": [0.2, 1.0]})
    calls = []
    first = run_design(
        design, tiny, 2, workers=1, out=tmp_path, on_progress=lambda d, t: calls.append(d)
    )
    assert calls == [0, 1, 2, 3, 4]
    calls.clear()
    again = run_design(
        design, tiny, 2, workers=1, out=tmp_path, on_progress=lambda d, t: calls.append(d)
    )
    assert calls == [4]  # nothing ran again
    pd.testing.assert_frame_equal(first, again)
    other = factorial({"regime.alignment": [0.3, 1.0]})
    with pytest.raises(KeyMismatch, match=r"settings.regime.alignment: 0.2 -> 0.3"):
        run_design(other, tiny, 2, workers=1, out=tmp_path)
    fresh = run_design(other, tiny, 2, workers=1, out=tmp_path, fresh=True)
    assert fresh["regime.alignment"].tolist() == [0.3, 0.3, 1.0, 1.0]


def test_a_design_varies_scenario_inputs_too(tiny):
    design = factorial({"budgets.central.values.2019": [40.0, 80.0]})
    runs = run_design(design, tiny, workers=1)
    assert runs.loc[1, "rd_spent_bn"] > runs.loc[0, "rd_spent_bn"]


# ---------------------------------------------------------------------------- backends


def test_sequential_process_pool_and_dask_give_identical_tables(reference, tiny):
    design = factorial(GRID)
    pool = sweep(design, tiny, replicates=2, workers=2, root_seed=5)
    dask = sweep(design, tiny, replicates=2, workers=2, backend="dask-local", root_seed=5)
    for result in (pool, dask):
        pd.testing.assert_frame_equal(result.runs, reference.runs)
        pd.testing.assert_frame_equal(result.series, reference.series)


def test_a_running_dask_scheduler_is_reached_by_its_address(reference, tiny):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        result = sweep(factorial(GRID), tiny, 2, backend=cluster.scheduler_address, root_seed=5)
    pd.testing.assert_frame_equal(result.runs, reference.runs)


class OtherVersionWorkers(ThreadPoolExecutor):
    """An executor whose workers report another innostate version."""

    def submit(self, fn, *args, **kwargs):
        def other(*a):
            return [{**record, "computed_by": "0.0.1"} for record in fn(*a)]

        return super().submit(other, *args, **kwargs)


def test_results_of_a_worker_with_another_version_are_refused(tiny, tmp_path):
    other = pytest.raises(WorkerMismatch, match=r"innostate 0\.0\.1")
    with OtherVersionWorkers(1) as executor, other:
        run_design(factorial(GRID), tiny, backend=executor, out=tmp_path)
    assert not list((tmp_path / "runs").glob("*.json"))


def test_an_unknown_backend_is_refused_before_any_run(tiny, tmp_path):
    with pytest.raises(ScenarioError, match=r"unknown backend 'spark'\. Fix: use one of: process"):
        run_design(factorial(GRID), tiny, backend="spark", out=tmp_path)
    assert not list((tmp_path / "runs").glob("*.json"))


# ---------------------------------------------------------------------------- model function


def test_model_function_is_a_plain_function_of_keyword_parameters(tiny, reference):
    f = model_function(tiny, outputs=["self_reliance_end", "rd_spent_bn"], root_seed=5,
                       regime="market_led")  # fmt: skip
    got = f(**{"regime.alignment": 0.2})
    assert set(got) == {"self_reliance_end", "rd_spent_bn"}
    first = reference.runs.iloc[0]  # the same point, replicate 0
    assert got["self_reliance_end"] == first["self_reliance_end"]
    assert f(regime__alignment=0.2) == got  # "__" stands for the dots
    with pytest.raises(ScenarioError, match="unknown outcome"):
        model_function(tiny, outputs=["happiness"])
    with pytest.raises(ScenarioError, match="out of range"):
        model_function(tiny, **{"rnd.noise": 9.0})


def test_model_function_with_salib_problem_spec_end_to_end(tiny):
    import SALib as salib  # in the test extra

    f = model_function(tiny, outputs=["self_reliance_end"])
    spec = salib.ProblemSpec(
        {
            "names": ["regime.alignment", "rnd.noise"],
            "bounds": [[0.2, 1.0], [0.0, 1.0]],
            "outputs": ["self_reliance_end"],
        }
    )
    spec.sample_sobol(4, calc_second_order=False, seed=1)  # 4 x (2 + 2) samples
    # as one design over the whole sample matrix (common random numbers, any workers) ...
    spec.evaluate(f.evaluate, spec["names"], workers=2)
    assert spec.results.shape == (16,) and np.ptp(spec.results) > 0
    # ... and as a plain function of keyword parameters, one sample at a time
    for x, y in zip(spec.samples[:3], spec.results[:3], strict=True):
        assert f(**dict(zip(spec["names"], x, strict=True))) == {"self_reliance_end": y}
    spec.analyze_sobol(calc_second_order=False, seed=1)
    first, total = spec.analysis["S1"], spec.analysis["ST"]
    assert first.shape == total.shape == (2,) and np.isfinite([*first, *total]).all()
    assert np.isfinite(spec.analysis["ST_conf"]).all()


def test_runs_use_one_blas_thread_whatever_the_machine(tiny):
    """A multi-threaded matrix product sums in another order: a run on a machine with more
    cores (or a Dask worker, which has one BLAS thread) would differ in the last digits."""
    from threadpoolctl import threadpool_info, threadpool_limits

    seen = set()

    def blas_threads(done, total):
        seen.update(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")

    with threadpool_limits(limits=2, user_api="blas"):
        simulate(tiny, seed=1, on_step=blas_threads)
    assert seen == {1}
