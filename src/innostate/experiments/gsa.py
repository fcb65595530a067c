"""Global sensitivity analysis with SALib: which inputs move an indicator, and how much.

Three methods, each a SALib sampler and its analysis:

- ``morris`` (elementary effects): ``trajectories`` one-at-a-time paths through
  the ranges, ``trajectories * (D + 1)`` samples for D parameters. Cheap
  screening: ``mu_star`` (mean absolute effect, with a 95% bootstrap interval)
  ranks the inputs, ``sigma`` (spread of the effects) flags non-linearity or
  interactions. The ranking is qualitative; the sizes are the output's change,
  in its unit, over an input's whole range (SALib scales every range to 0-1).
- ``sobol`` (variance decomposition, Saltelli's scheme): ``samples`` N must be a
  power of two; ``N * (D + 2)`` samples. ``S1`` is the share of the output's
  variance due to one input alone, ``ST`` that share with all its interactions.
- ``delta`` (Borgonovo's moment-independent index, with Sobol' S1 estimated from
  the same points): ``samples`` Latin hypercube points (a few hundred at least:
  the estimator is biased upwards and unstable on small samples, so an input
  that does nothing still scores about 0.05-0.15).

Each sample is run ``replicates`` times with the same replicate seeds in every
sample (common random numbers) and the replicates are averaged: the indices
describe the mean outcome. How much of the averaged outputs' variance is still
seed noise is reported with them (``noise_share``): an index below that share is
not distinguishable from noise.

Confidence intervals are SALib's: ``*_conf`` is the half-width of a 95% bootstrap
interval (the index plus or minus it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import io
import math
import tempfile
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from innostate._version import __version__
from innostate.experiments.compare import INDICATORS
from innostate.experiments.store import (
    check_files,
    file_digest,
    folder_lock,
    json_safe,
    write_json,
    write_table,
)
from innostate.scenario.errors import Problem, ScenarioError
from innostate.scenario.override import Setting
from innostate.scenario.schema import Scenario

METHODS = ("morris", "sobol", "delta")
# the index that ranks the inputs, per method
RANKED_BY = {"morris": "mu_star", "sobol": "ST", "delta": "delta"}
# the indices of each method, each followed by its confidence half-width where it has one
COLUMNS = {
    "morris": ["mu_star", "mu_star_conf", "mu", "sigma"],
    "sobol": ["S1", "S1_conf", "ST", "ST_conf"],
    "delta": ["delta", "delta_conf", "S1", "S1_conf"],
}
DEFAULT_SAMPLES = {"sobol": 64, "delta": 256}
Ranges = Mapping[str, tuple[float, float]]


def problem(ranges: Ranges) -> dict[str, Any]:
    """SALib's problem definition for parameter ranges given by dotted path."""
    return {
        "num_vars": len(ranges),
        "names": list(ranges),
        "bounds": [[float(low), float(high)] for low, high in ranges.values()],
    }


def check_ranges(
    scenario: Scenario,
    ranges: Ranges,
    settings: Mapping[str, Setting] | None = None,
    source: str = "params",
) -> None:
    """Check every range before any run: known paths, numbers, low < high, both ends valid.

    Raises
    ------
    ScenarioError
        Naming every problem: an unknown path (with the closest known ones), a
        range that is empty or not finite, an end outside the parameter's own
        range, a path also given as a fixed setting.
    """
    from innostate.scenario.override import split_settings

    problems = []
    if not ranges:
        problems.append(
            Problem(source, "", "no parameter ranges given", "give e.g. regime.alignment=0.2:1.0")
        )
    numbers: dict[str, tuple[float, float]] = {}
    for path, bounds in ranges.items():
        try:
            low, high = (float(v) for v in bounds)
        except (TypeError, ValueError):
            problems.append(Problem(source, path, "expected two numbers", "write LOW:HIGH"))
            continue
        if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
            problems.append(
                Problem(
                    source,
                    path,
                    f"range {low:g}:{high:g} is empty or not finite",
                    "give LOW:HIGH with LOW below HIGH, e.g. 0.2:1.0",
                )
            )
        else:
            numbers[path] = (low, high)
        if settings and path in settings:
            problems.append(
                Problem(
                    source,
                    path,
                    "given both as a fixed setting and as a range",
                    "keep one of the two",
                )
            )
    fixed = {k: v for k, v in (settings or {}).items() if k not in ranges}
    seen = {str(p) for p in problems}
    for end in (0, 1):  # both ends of every range checked, each problem reported once
        chosen = {**fixed, **{path: bounds[end] for path, bounds in numbers.items()}}
        try:
            split_settings(scenario, chosen, source)
        except ScenarioError as exc:
            for p in exc.problems:
                p = dataclasses.replace(p, file=source) if p.file == "--set" else p
                if str(p) not in seen:
                    seen.add(str(p))
                    problems.append(p)
    if problems:
        raise ScenarioError(problems)


def sample(
    ranges: Ranges,
    method: str = "morris",
    samples: int | None = None,
    trajectories: int = 10,
    levels: int = 4,
    seed: int = 0,
) -> pd.DataFrame:
    """The SALib sample: one row per parameter point, one column per dotted path.

    Parameters
    ----------
    ranges
        ``{path: (low, high)}``; inputs vary uniformly over their ranges.
    method
        ``morris``, ``sobol`` or ``delta`` (see the module docstring).
    samples
        Sobol' base sample N (a power of two; default 64) or the number of
        Latin hypercube points for delta (default 256; the estimate is unstable
        below a few hundred); not used by Morris.
    trajectories, levels
        Morris trajectories and grid levels.
    seed
        Seeds the sampler (the same seed gives the same points).

    Raises
    ------
    ScenarioError
        For an unknown method, a Sobol' N that is not a power of two, or sizes below 1.
    """
    check_method(method)
    spec = problem(ranges)
    rng = np.random.default_rng(seed)
    if method == "morris":
        from SALib.sample import morris as morris_sample

        if trajectories < 2 or levels < 2:
            raise _error(
                "trajectories", "Morris needs at least 2 trajectories and 2 levels", "e.g. 10 and 4"
            )
        points = morris_sample.sample(spec, trajectories, num_levels=levels, seed=rng)
    elif method == "sobol":
        from SALib.sample import sobol as sobol_sample

        n = DEFAULT_SAMPLES["sobol"] if samples is None else int(samples)
        check_sobol_samples(n)
        points = sobol_sample.sample(spec, n, calc_second_order=False, seed=rng)
    else:
        from SALib.sample import latin

        n = DEFAULT_SAMPLES["delta"] if samples is None else int(samples)
        if n < 10:
            raise _error("samples", f"{n} samples are too few for delta", "give at least 10")
        points = latin.sample(spec, n, seed=rng)
    return pd.DataFrame(points, columns=spec["names"])


def check_sobol_samples(n: int) -> None:
    """Refuse a Sobol' base sample that is not a power of two, naming the nearest ones."""
    if n < 2 or n & (n - 1):
        below = 2 ** max(1, math.floor(math.log2(max(n, 2))))
        above = below * 2 if below < n else 4
        raise _error(
            "samples",
            f"Sobol' sampling needs N to be a power of two, got {n}",
            f"use {below} or {above} (runs: N x (parameters + 2) x replicates)",
        )


def run_count(method: str, parameters: int, samples: int | None, trajectories: int) -> int:
    """How many parameter points a design has (times the replicates for the runs)."""
    if method == "morris":
        return trajectories * (parameters + 1)
    n = DEFAULT_SAMPLES[method] if samples is None else samples
    return n * (parameters + 2) if method == "sobol" else n


def analyze(
    ranges: Ranges,
    points: pd.DataFrame,
    outcomes: pd.Series | np.ndarray,
    method: str = "morris",
    levels: int = 4,
    seed: int = 1,
    resamples: int = 1000,
) -> pd.DataFrame:
    """Sensitivity indices of one output, ranked, from SALib's analysis.

    Parameters
    ----------
    ranges
        ``{path: (low, high)}`` as given to :func:`sample`.
    points
        The sample, in the order :func:`sample` returned it.
    outcomes
        The output at each point (replicates already averaged).
    method, levels
        As for :func:`sample`.
    seed
        Seeds the bootstrap of the confidence intervals.
    resamples
        Bootstrap resamples.

    Returns
    -------
    DataFrame
        One row per parameter, most influential first: ``rank``, ``parameter``,
        ``low``, ``high`` and the method's indices (``mu_star``, ``mu_star_conf``,
        ``mu``, ``sigma`` for Morris; ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` for
        Sobol'; ``delta``, ``delta_conf``, ``S1``, ``S1_conf`` for delta). A
        ``*_conf`` is the half-width of the 95% bootstrap interval. When the
        output does not vary at all, every index is 0.
    """
    check_method(method)
    spec = problem(ranges)
    x = points[spec["names"]].to_numpy(dtype=float)
    y = np.asarray(outcomes, dtype=float)
    if len(y) != len(x):
        raise ValueError(f"{len(y)} outcomes for {len(x)} sample points")
    seed = max(1, int(seed))  # SALib's Sobol' ignores a seed of 0
    if np.ptp(y) == 0:  # a constant output: nothing to attribute (SALib would divide by 0)
        values = {c: np.zeros(len(x[0])) for c in COLUMNS[method]}
    else:
        values = _salib(method, spec, x, y, levels, seed, resamples)
    table = pd.DataFrame(
        {
            "parameter": spec["names"],
            "low": [b[0] for b in spec["bounds"]],
            "high": [b[1] for b in spec["bounds"]],
            **{c: np.asarray(values[c], dtype=float) for c in COLUMNS[method]},
        }
    )
    key = RANKED_BY[method]
    # most influential first; ties keep the order given
    table = table.sort_values(key, ascending=False, kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


def _salib(
    method: str,
    spec: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    levels: int,
    seed: int,
    resamples: int,
) -> dict[str, Any]:
    # SALib's notices are not the user's problem; its delta seeds numpy's global generator,
    # replaces the warnings formatter and prints: keep the caller's state and output untouched
    state, formatter = np.random.get_state(), warnings.formatwarning  # noqa: NPY002
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(record=True):
            return _salib_quiet(method, spec, x, y, levels, seed, resamples)
    finally:
        np.random.set_state(state)  # noqa: NPY002
        warnings.formatwarning = formatter


def _salib_quiet(
    method: str,
    spec: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    levels: int,
    seed: int,
    resamples: int,
) -> dict[str, Any]:
    if method == "morris":
        from SALib.analyze import morris as morris_analyze

        found = morris_analyze.analyze(
            spec, x, y, num_resamples=resamples, num_levels=levels, seed=seed
        )
        return {c: np.ma.filled(found[c], np.nan) for c in COLUMNS["morris"]}
    if method == "sobol":
        from SALib.analyze import sobol as sobol_analyze

        found = sobol_analyze.analyze(
            spec, y, calc_second_order=False, num_resamples=resamples, seed=seed
        )
        return {c: found[c] for c in COLUMNS["sobol"]}
    from SALib.analyze import delta as delta_analyze

    # each resample re-estimates every conditional density (slow in SALib 1.6): 50 at most
    resamples = min(resamples, 50)
    if "method" not in inspect.signature(delta_analyze.analyze).parameters:  # SALib 1.5
        found = delta_analyze.analyze(spec, x, y, num_resamples=resamples, seed=seed)
        return {c: found[c] for c in COLUMNS["delta"]}
    # SALib 1.6 names the classic estimator delta_raw; asking for delta and S1 apart is
    # several times faster than both at once
    found = delta_analyze.analyze(spec, x, y, num_resamples=resamples, seed=seed, method="delta")
    first = delta_analyze.analyze(spec, x, y, num_resamples=resamples, seed=seed, method="sobol")
    return {
        "delta": found["delta_raw"],
        "delta_conf": found["delta_raw_conf"],
        "S1": first["S1"],
        "S1_conf": first["S1_conf"],
    }


def noise(runs: pd.DataFrame, outputs: Sequence[str], replicates: int) -> dict[str, Any]:
    """How much seed noise is left in the replicate means, per output.

    ``replicate_sd`` is the mean (over samples) of the standard deviation across
    replicates; ``sample_sd`` the standard deviation of the sample means;
    ``noise_share`` the share of the sample means' variance that seed noise
    alone would give (within-sample variance / replicates over the variance
    of the means; 1 or more: the outputs are all noise).
    """
    found = {}
    by_sample = runs.groupby("sample")
    for name in outputs:
        within = by_sample[name].var(ddof=1).fillna(0.0) if replicates > 1 else None
        means = by_sample[name].mean()
        between = float(means.var(ddof=1)) if len(means) > 1 else 0.0
        if within is None:
            share = None
            sd = None
        else:
            sd = float(np.sqrt(within).mean())
            share = float(within.mean() / replicates / between) if between > 0 else None
        found[name] = {
            "replicate_sd": sd,
            "sample_sd": math.sqrt(between),
            "noise_share": share,
        }
    return found


def sensitivity(
    scenario: Scenario | str | Path,
    params: Ranges,
    outputs: str | Sequence[str] = "self_reliance_end",
    method: str = "morris",
    replicates: int = 5,
    samples: int | None = None,
    trajectories: int = 10,
    levels: int = 4,
    regime: str | None = None,
    containment: str | None = None,
    settings: dict[str, Setting] | None = None,
    scale: float | None = None,
    root_seed: int | None = None,
    workers: int | None = None,
    out: str | Path | None = None,
    on_run: Callable[[int, int], None] | None = None,
    backend: str | Executor | None = None,
    fresh: bool = False,
) -> pd.DataFrame:
    """Run a SALib design on a scenario and return the sensitivity indices.

    Parameters
    ----------
    scenario
        A validated scenario, a YAML path or a built-in name.
    params
        ``{dotted path: (low, high)}``: model parameters (``innostate params``)
        or numeric scenario inputs (``budgets.central.growth_after``).
    outputs
        Headline indicator(s) to analyse (see ``compare.INDICATORS``); the runs
        record all of them, so more outputs cost no more runs.
    method
        ``morris``, ``sobol`` or ``delta`` (see the module docstring).
    replicates
        Runs per sample point, averaged (replicate k has the same seed at
        every point).
    samples, trajectories, levels
        Design size: Sobol' N (a power of two) or delta's points; Morris
        trajectories and levels.
    regime, containment, settings, scale
        Held fixed in every run, as for :func:`~innostate.experiments.run.simulate`.
    root_seed
        Seeds the replicates, the sampler and the bootstrap (None: the scenario's).
    workers, backend
        Worker processes (default: the usable CPUs) and where they run:
        ``"process"`` (default), ``"dask-local"``, ``"tcp://HOST:PORT"`` or any
        ``concurrent.futures`` executor (see :func:`~innostate.experiments.design.run_design`).
    out
        Folder for the runs (resumable: ``out/runs``; the sweep's tables
        ``runs.parquet``, ``series.parquet``, ``sweep.json``), ``indices.csv``,
        ``indices.parquet``, ``samples.parquet`` and ``sensitivity.json``;
        None keeps nothing on disk.
    on_run
        Called as ``on_run(done, total)`` as runs finish.
    fresh
        Discard stored runs of this design and compute them again.

    Returns
    -------
    DataFrame
        One row per output and parameter: ``output``, ``rank`` (1 = most
        influential, by ``mu_star``, ``ST`` or ``delta``), ``parameter``, ``low``,
        ``high`` and the method's indices with their 95% half-widths (see
        :func:`analyze`). ``.attrs`` holds the design (method, sizes, seeds) and
        the seed noise per output (see :func:`noise`).

    Raises
    ------
    ScenarioError
        Before any run, for an unknown path, output, regime or containment, an
        empty or out-of-range interval, or a Sobol' N that is not a power of two.
    """
    if out is None:
        with tempfile.TemporaryDirectory(prefix="innostate-sensitivity-") as tmp:
            return sensitivity(
                scenario, params, outputs, method, replicates, samples, trajectories, levels,
                regime, containment, settings, scale, root_seed, workers, Path(tmp), on_run,
                backend, fresh,
            )  # fmt: skip
    from innostate.experiments.run import resolve

    folder = Path(out)
    names = [outputs] if isinstance(outputs, str) else list(dict.fromkeys(outputs))
    check_method(method)
    check_outputs(names)
    if replicates < 1:
        raise _error("replicates", "needs at least one replicate", "give e.g. replicates=5")
    ranges = {str(k): (float(v[0]), float(v[1])) for k, v in params.items()}
    base = resolve(scenario, regime, containment, root_seed, settings, scale)
    check_ranges(base.scenario, ranges, base.settings)
    seeds = np.random.SeedSequence([base.seed, 0x5A11B]).generate_state(2)
    points = sample(ranges, method, samples, trajectories, levels, seed=int(seeds[0]))
    design = points.copy()
    for name, value in (("regime", regime), ("containment", containment)):
        if value is not None:
            design[name] = value
    from innostate.experiments.design import run_design

    runs = run_design(
        design, scenario, replicates, workers, backend, folder, base.seed, on_run,
        settings=settings, scale=scale, fresh=fresh,
    )  # fmt: skip
    runs = runs.rename(columns={"row": "sample"})
    means = runs.groupby("sample")[names].mean().sort_index()
    tables = []
    for name in names:
        found = analyze(ranges, points, means[name].to_numpy(), method, levels, int(seeds[1]))
        found.insert(0, "output", name)
        tables.append(found)
    indices = pd.concat(tables, ignore_index=True)
    meta = {
        "innostate_version": __version__,
        "scenario": base.scenario.name,
        "population_scale": base.scenario.population_scale,
        "regime": base.regime,
        "containment": base.containment,
        "settings": dict(sorted(base.settings.items())),
        "method": method,
        "params": {k: list(v) for k, v in ranges.items()},
        "outputs": names,
        "replicates": replicates,
        "samples": samples if method != "morris" else None,
        "trajectories": trajectories if method == "morris" else None,
        "levels": levels if method == "morris" else None,
        "points": len(points),
        "runs": len(runs),
        "root_seed": base.seed,
        "noise": noise(runs, names, replicates),
    }
    indices.attrs.update(meta)
    per_sample = points.copy()
    per_sample.insert(0, "sample", np.arange(len(points)))
    spread = runs.groupby("sample")[names].std(ddof=1) if replicates > 1 else None
    for name in names:
        per_sample[f"{name}_mean"] = means[name].to_numpy()
        per_sample[f"{name}_sd"] = (
            spread[name].to_numpy() if spread is not None else np.full(len(points), np.nan)
        )
    with folder_lock(folder):
        write_sensitivity(folder, indices, per_sample, meta)
    return indices


def write_sensitivity(
    folder: Path, indices: pd.DataFrame, per_sample: pd.DataFrame, meta: dict[str, Any]
) -> list[Path]:
    """Write indices.parquet, indices.csv, samples.parquet and sensitivity.json."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.html").unlink(missing_ok=True)  # it describes older files
    plain = indices.copy()
    plain.attrs = {}
    written = [
        write_table(folder / "indices.parquet", plain),
        write_table(folder / "samples.parquet", per_sample),
    ]
    from innostate.experiments.store import write_text

    written.append(write_text(folder / "indices.csv", plain.to_csv(index=False)))
    files = {path.name: file_digest(path) for path in written}
    written.append(write_json(folder / "sensitivity.json", {**json_safe(meta), "files": files}))
    return written


def load_sensitivity(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Read a written sensitivity analysis back: indices, per-sample table and design.

    Raises
    ------
    DamagedRun
        Naming the file that is missing, unreadable or altered.
    """
    meta = check_files(folder, "sensitivity.json")
    meta.pop("files", None)
    indices = pd.read_parquet(folder / "indices.parquet")
    indices.attrs.update(meta)
    return indices, pd.read_parquet(folder / "samples.parquet"), meta


def problem_list(check: Callable[..., None], *args: Any) -> list[Problem]:
    """The problems a check raises (an empty list when it passes)."""
    try:
        check(*args)
    except ScenarioError as exc:
        return list(exc.problems)
    return []


def check_method(method: str) -> None:
    """Refuse an unknown method, naming the known ones."""
    if method not in METHODS:
        raise _error("method", f"unknown method '{method}'", f"use one of {', '.join(METHODS)}")


def check_outputs(names: list[str]) -> None:
    """Refuse unknown output names, naming the headline indicators."""
    unknown = [n for n in names if n not in INDICATORS]
    if unknown or not names:
        raise _error(
            "output",
            f"unknown output '{', '.join(unknown)}'" if unknown else "no output named",
            f"use one of {', '.join(INDICATORS)}",
        )


def _error(path: str, message: str, fix: str) -> ScenarioError:
    return ScenarioError([Problem("sensitivity", path, message, fix)])
