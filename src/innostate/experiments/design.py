"""Experiment designs: many runs over any inputs, as one tidy table.

A *design* is a DataFrame with one row per point to run. Its columns are dotted
paths, resolved and checked exactly like ``run --set``: model parameters
(``regime.alignment``, see ``innostate params``) and scenario inputs
(``budgets.central.growth_after``, ``containment.rules_2022.date``); and two
categorical columns, ``regime`` (a preset or a regime of the scenario) and
``containment`` (``real``, ``none`` or a variant of the scenario). An empty
cell (NaN) leaves that input as the scenario has it.

Build one with :func:`factorial`, :func:`latin_hypercube` or :func:`from_csv`
(or by hand), then :func:`run_design` runs every row ``replicates`` times:
replicate k has the same seed in every row (common random numbers), so a
difference between rows is not a difference of luck. With ``out``, every run
is stored as it finishes in ``OUT/runs/`` with the key of its inputs; running
the same design again resumes, and Ctrl-C keeps what finished. The tables are
the same on every backend (``process``, ``dask-local``, ``tcp://HOST:PORT``)
and for any number of workers.

:func:`model_function` wraps all this as a plain function of keyword
parameters returning a dict of outcomes, for EMA Workbench and SALib.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from innostate._version import __version__
from innostate.experiments.backends import usable_cpus
from innostate.experiments.ensemble import (
    INDICATORS,
    Planned,
    compute,
    replicate_seeds,
    series_table,
    stored,
)
from innostate.experiments.run import RunInputs, resolve
from innostate.experiments.store import (
    check_files,
    file_digest,
    folder_lock,
    write_json,
    write_table,
)
from innostate.scenario.build import check_choices
from innostate.scenario.errors import Problem, ScenarioError
from innostate.scenario.override import Setting
from innostate.scenario.schema import Scenario

CATEGORICAL = ("regime", "containment")
# columns the output tables add: a design may not use these names
RESERVED = ("row", "replicate", "seed", *INDICATORS)
BACKENDS = ("process", "dask-local", "tcp://HOST:PORT")
# seconds to wait for a Dask scheduler before giving up
CONNECT_TIMEOUT = 30
# problems are collected over at most this many failing rows before reporting
MAX_FAILING_ROWS = 20

Range = tuple[float, float]
Levels = Sequence[Setting]


# ---------------------------------------------------------------------------- building designs


def factorial(levels: Mapping[str, Levels]) -> pd.DataFrame:
    """Every combination of the given levels (a full factorial design).

    Parameters
    ----------
    levels
        Column (dotted path, ``regime`` or ``containment``) -> its values, e.g.
        ``{"regime.alignment": [0.2, 0.6, 1.0], "regime": ["market_led",
        "new_national_system"]}``. See :func:`levels_between` for evenly
        spaced numbers.

    Returns
    -------
    DataFrame
        One row per combination, the last column varying fastest.

    Raises
    ------
    ScenarioError
        When a column has no values or repeats one.
    """
    problems = []
    for path, values in levels.items():
        values = _as_list(values)
        if not values:
            problems.append(Problem("design", path, "no values given", "give at least one value"))
        elif len(set(map(str, values))) < len(values):
            problems.append(
                Problem("design", path, "a value is given twice", "give each value once")
            )
    if problems:
        raise ScenarioError(problems)
    columns = list(levels)
    rows = itertools.product(*(_as_list(levels[c]) for c in columns))
    return pd.DataFrame(list(rows), columns=columns)


def levels_between(low: float, high: float, count: int) -> list[float]:
    """``count`` evenly spaced values from ``low`` to ``high`` (both included)."""
    if count < 1:
        raise ScenarioError(
            [Problem("design", "", f"{count} levels asked for", "give at least 1 level")]
        )
    return [float(v) for v in np.linspace(low, high, count)]


def latin_hypercube(
    ranges: Mapping[str, Range | Levels], samples: int, seed: int | None = None
) -> pd.DataFrame:
    """A Latin hypercube sample over ranges (scipy.stats.qmc).

    Parameters
    ----------
    ranges
        Column -> ``(low, high)`` (a tuple: a continuous range) or a list of
        values (a categorical input, e.g. ``regime``: each value gets an equal
        share of the samples, stratified like the ranges).
    samples
        Number of design rows.
    seed
        Seeds the sample; the same seed gives the same design.

    Returns
    -------
    DataFrame
        ``samples`` rows, one column per entry of ``ranges``.

    Raises
    ------
    ScenarioError
        When a range is empty or reversed, or ``samples`` is below 1.
    """
    from scipy.stats import qmc

    problems = []
    if samples < 1:
        problems.append(Problem("design", "samples", f"{samples} samples", "give at least 1"))
    for path, spec in ranges.items():
        if isinstance(spec, tuple):
            if len(spec) != 2 or any(isinstance(v, str) for v in spec):
                problems.append(
                    Problem("design", path, f"{spec!r} is not a range", "give (low, high)")
                )
            elif not float(spec[0]) < float(spec[1]):
                problems.append(
                    Problem(
                        "design",
                        path,
                        f"range {spec[0]:g} to {spec[1]:g} is empty or reversed",
                        "give low < high",
                    )
                )
        elif not _as_list(spec):
            problems.append(Problem("design", path, "no values given", "give at least one value"))
    if problems:
        raise ScenarioError(problems)
    columns = list(ranges)
    if not columns:
        return pd.DataFrame(index=range(samples))
    unit = qmc.LatinHypercube(d=len(columns), rng=np.random.default_rng(seed)).random(samples)
    data: dict[str, Any] = {}
    for k, path in enumerate(columns):
        spec = ranges[path]
        if isinstance(spec, tuple):
            low, high = float(spec[0]), float(spec[1])
            data[path] = low + unit[:, k] * (high - low)
        else:
            values = _as_list(spec)
            picks = np.minimum((unit[:, k] * len(values)).astype(int), len(values) - 1)
            data[path] = [values[i] for i in picks]
    return pd.DataFrame(data)


def from_csv(path: str | Path) -> pd.DataFrame:
    """A design from a CSV file: a header of columns, then one row per design point.

    Empty cells leave that input as the scenario has it. Numbers are read as
    numbers, anything else as text (regime names, dates such as 2024Q4).

    Raises
    ------
    ScenarioError
        When the file cannot be read as a table or has no rows.
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path, skipinitialspace=True)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ScenarioError(
            [
                Problem(
                    str(path),
                    "",
                    f"cannot be read as a CSV table ({type(exc).__name__}: {str(exc)[:80]})",
                    "give a CSV file with a header row of dotted paths, e.g. "
                    "regime.alignment,regime",
                )
            ]
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise ScenarioError(
            [Problem(str(path), "", "the table has no rows", "add one row per design point")]
        )
    return frame


def parse_param(text: str, option: str = "--param") -> tuple[str, Range | list[Setting]]:
    """Read ``PATH=LOW:HIGH:N`` (N evenly spaced levels), ``PATH=LOW:HIGH`` (a range)
    or ``PATH=v1,v2,...`` (levels; numbers or text).

    Returns
    -------
    tuple
        The path and either a ``(low, high)`` range or a list of levels
        (``LOW:HIGH:N`` gives the N levels).

    Raises
    ------
    ScenarioError
        Naming the option and saying how to write it.
    """
    example = f"write e.g. {option} regime.alignment=0.2:1.0:5 or {option} regime=market_led,"
    example += "new_national_system"
    path, sep, value = text.partition("=")
    path, value = path.strip(), value.strip()
    if not sep or not path or not value:
        raise ScenarioError([Problem(option, text, "expected PATH=VALUES", example)])
    if ":" in value and "," not in value:
        parts = value.split(":")
        try:
            numbers = [float(p) for p in parts[:2]]
            count = int(parts[2]) if len(parts) == 3 else None
        except ValueError:
            numbers, count = [], None
        if len(parts) not in (2, 3) or len(numbers) != 2 or (len(parts) == 3 and count is None):
            raise ScenarioError(
                [Problem(option, path, f"'{value}' is not LOW:HIGH or LOW:HIGH:N", example)]
            )
        low, high = numbers
        if count is None:
            return path, (low, high)
        if count < 1 or (count > 1 and low == high):
            raise ScenarioError(
                [
                    Problem(
                        option,
                        path,
                        f"'{value}' gives no distinct levels",
                        "give LOW < HIGH and N >= 1",
                    )
                ]
            )
        levels: list[Setting] = list(levels_between(low, high, count))
        return path, levels
    return path, [_number_or_text(v) for v in value.split(",") if v.strip()]


def build_design(
    params: Sequence[str],
    kind: str = "factorial",
    samples: int | None = None,
    seed: int | None = None,
    option: str = "--param",
) -> pd.DataFrame:
    """The design the command line asks for: ``factorial``, ``lhs`` or a CSV file.

    Parameters
    ----------
    params
        ``--param`` texts (see :func:`parse_param`). With a CSV file they are
        added as columns taking one value each (or crossed with its rows when
        they give several).
    kind
        ``factorial``, ``lhs`` or the path of a CSV file.
    samples
        Rows of a Latin hypercube.
    seed
        Seeds a Latin hypercube.

    Raises
    ------
    ScenarioError
        When the options do not fit the design kind.
    """
    parsed = [parse_param(p, option) for p in params]
    repeated = sorted({p for p, _ in parsed if [q for q, _ in parsed].count(p) > 1})
    if repeated:
        raise ScenarioError(
            [Problem(option, p, "given twice", "give each path once") for p in repeated]
        )
    if kind == "lhs":
        if samples is None or samples < 1:
            raise ScenarioError(
                [Problem("--samples", "", "a Latin hypercube needs --samples N", "e.g. 200")]
            )
        if not parsed:
            raise ScenarioError(
                [Problem(option, "", "no ranges given", "e.g. --param regime.alignment=0.2:1.0")]
            )
        return latin_hypercube(dict(parsed), samples, seed)
    problems = [
        Problem(
            option,
            p,
            f"{v[0]:g}:{v[1]:g} is a range, and a {kind} design needs levels",
            f"give the number of levels, e.g. {p}={v[0]:g}:{v[1]:g}:5, or use --design lhs",
        )
        for p, v in parsed
        if isinstance(v, tuple)
    ]
    if problems:
        raise ScenarioError(problems)
    levels = {p: list(v) for p, v in parsed if not isinstance(v, tuple)}
    if kind == "factorial":
        if not levels:
            raise ScenarioError(
                [Problem(option, "", "no levels given", "e.g. --param regime.alignment=0.2:1.0:5")]
            )
        return factorial(levels)
    table = from_csv(kind)
    if levels:
        clash = [p for p in levels if p in table.columns]
        if clash:
            raise ScenarioError(
                [
                    Problem(option, p, f"also a column of {kind}", "set it in one place")
                    for p in clash
                ]
            )
        table = table.merge(factorial(levels), how="cross")
    return table


# ---------------------------------------------------------------------------- checking designs


@dataclass(frozen=True)
class Point:
    """One design row, resolved: the inputs it runs and its key without the seed."""

    row: int
    inputs: RunInputs
    key: dict[str, Any]


def check_design(
    design: pd.DataFrame,
    scenario: Scenario | str | Path,
    settings: Mapping[str, Setting] | None = None,
    scale: float | None = None,
    root_seed: int | None = None,
    source: str = "design",
) -> list[Point]:
    """Resolve every row of a design, checking every path and value before any run.

    Parameters
    ----------
    design
        One row per point; columns as in the module docstring.
    scenario
        A validated scenario, a YAML path or a built-in name.
    settings
        Inputs set the same in every row (dotted path -> value).
    scale
        Population scale of every run.
    root_seed
        Overrides the scenario's seed.
    source
        How messages name the design (``--param`` on the command line).

    Returns
    -------
    list of Point
        One per row, in order.

    Raises
    ------
    ScenarioError
        Naming every unknown path (with the closest valid one), every value out
        of range (with the range), every unknown regime or containment timeline
        (with the valid ones), and the rows where each problem occurs.
    """
    if not isinstance(design, pd.DataFrame):
        raise ScenarioError(
            [
                Problem(
                    source,
                    "",
                    f"expected a pandas DataFrame, got {type(design).__name__}",
                    "build one with factorial(), latin_hypercube() or from_csv()",
                )
            ]
        )
    problems = _column_problems(design, settings or {}, source)
    if problems:
        raise ScenarioError(problems)
    base = resolve(scenario, settings=dict(settings or {}), scale=scale, seed=root_seed)
    found: dict[str, tuple[Problem, list[int]]] = {}  # one entry per problem, with its rows
    for column in CATEGORICAL:  # checked on their own: a row may fail for other reasons first
        if column in design.columns:
            for name in design[column].dropna().unique():
                try:
                    check_choices(
                        base.scenario,
                        *((str(name), None) if column == "regime" else (None, str(name))),
                    )
                except ScenarioError as exc:
                    rows = [i for i, v in enumerate(design[column]) if v == name]
                    for problem in exc.problems:
                        problem = replace(problem, file=source)
                        found.setdefault(str(problem), (problem, rows))
    points: list[Point] = []
    keys: dict[tuple[int, str, str], dict[str, Any]] = {}
    failing = 0
    for row, values in enumerate(design.to_dict("records")):
        regime, containment, chosen = _split_row(values)
        try:
            inputs = resolve(
                base.scenario, regime, containment, base.seed, {**base.settings, **chosen}
            )
        except ScenarioError as exc:
            for problem in exc.problems:
                if problem.file in ("--set", "settings", base.scenario.name):
                    problem = replace(problem, file=source)
                entry = found.setdefault(str(problem), (problem, []))
                if row not in entry[1]:
                    entry[1].append(row)
            failing += 1
            if failing >= MAX_FAILING_ROWS:
                break
            continue
        points.append(Point(row, inputs, _key(inputs, keys)))
    if found:
        rows_total = len(design)
        raise ScenarioError(
            [
                replace(problem, message=f"{problem.message} ({_rows(rows, rows_total)})")
                for problem, rows in found.values()
            ]
        )
    return points


def _key(inputs: RunInputs, cache: dict[tuple[int, str, str], dict[str, Any]]) -> dict[str, Any]:
    """The inputs' key, computing the scenario's part once for rows that share a scenario."""
    ident = (id(inputs.scenario), inputs.regime, inputs.containment)
    if ident not in cache:
        cache[ident] = replace(inputs, settings={}).key()
    return {**cache[ident], "settings": dict(sorted(inputs.settings.items()))}


def _rows(rows: list[int], total: int) -> str:
    if len(rows) == total and total > 1:
        return "every row"
    shown = ", ".join(map(str, rows[:6])) + (" ..." if len(rows) > 6 else "")
    return f"row {shown}" if len(rows) == 1 else f"rows {shown}"


def _column_problems(
    design: pd.DataFrame, settings: Mapping[str, Setting], source: str
) -> list[Problem]:
    """Columns that cannot be design columns: repeated, reserved or also set for every run."""
    problems = []
    names = [str(c) for c in design.columns]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem(source, name, "a column given twice", "give each column once"))
    for name in names:
        if name in RESERVED:
            problems.append(
                Problem(
                    source,
                    name,
                    f"'{name}' is a column of the output tables, not an input",
                    "use dotted paths of parameters or scenario inputs, regime or containment",
                )
            )
        elif name in settings:
            problems.append(
                Problem(source, name, "set both in the design and for every run", "set it once")
            )
    if len(design) == 0:
        problems.append(Problem(source, "", "the design has no rows", "give at least one row"))
    return problems


def _split_row(values: dict[Any, Any]) -> tuple[str | None, str | None, dict[str, Setting]]:
    """A row's regime, containment and settings (empty cells left out)."""
    chosen: dict[str, Setting] = {}
    names: dict[str, str | None] = {"regime": None, "containment": None}
    for column, value in values.items():
        value = _plain(value)
        if value is None:
            continue
        if column in CATEGORICAL:
            names[str(column)] = str(value)
        else:
            chosen[str(column)] = value
    return names["regime"], names["containment"], chosen


def _plain(value: Any) -> Setting | None:
    """A cell as a setting: a float, text, or None when empty."""
    if value is None or (isinstance(value, float | np.floating) and math.isnan(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    return str(value)


# ---------------------------------------------------------------------------- running designs


@dataclass
class Sweep:
    """What a design produced."""

    runs: pd.DataFrame  # one row per design row and replicate
    series: pd.DataFrame  # one row per run and step
    design: dict[str, Any]  # what was run: scenario, columns, rows, replicates, seeds

    def __repr__(self) -> str:
        d = self.design
        return (
            f"<Sweep {d['scenario']}: {d['rows']} design row(s) x {d['replicates']} "
            f"replicate(s) = {len(self.runs)} runs over {', '.join(d['columns']) or 'no inputs'}; "
            "see .runs, .series>"
        )


def sweep(
    design: pd.DataFrame,
    scenario: Scenario | str | Path,
    replicates: int = 1,
    workers: int | None = None,
    backend: str | Executor | None = None,
    out: str | Path | None = None,
    root_seed: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    *,
    settings: Mapping[str, Setting] | None = None,
    scale: float | None = None,
    fresh: bool = False,
    source: str = "design",
) -> Sweep:
    """Run every design row ``replicates`` times; the runs table and the per-step series.

    Takes the arguments of :func:`run_design`, which returns only the runs table,
    and ``source``, how messages name the design (``--param`` on the command line).
    With ``out``, writes ``runs.parquet``, ``series.parquet`` and ``sweep.json``
    there (and keeps each run in ``out/runs``).
    """
    if replicates < 1:
        raise ScenarioError(
            [Problem("design", "replicates", f"{replicates} replicates", "give at least 1")]
        )
    points = check_design(design, scenario, settings, scale, root_seed, source)
    if out is None:
        with tempfile.TemporaryDirectory(prefix="innostate-sweep-") as tmp:
            return _sweep(
                design, points, replicates, workers, backend, Path(tmp), on_progress, fresh
            )
    return _sweep(design, points, replicates, workers, backend, Path(out), on_progress, fresh)


def run_design(
    design: pd.DataFrame,
    scenario: Scenario | str | Path,
    replicates: int = 1,
    workers: int | None = None,
    backend: str | Executor | None = None,
    out: str | Path | None = None,
    root_seed: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    *,
    settings: Mapping[str, Setting] | None = None,
    scale: float | None = None,
    fresh: bool = False,
) -> pd.DataFrame:
    """Run every row of a design ``replicates`` times and return one tidy table.

    Parameters
    ----------
    design
        One row per point: dotted paths of parameters and scenario inputs,
        ``regime`` and ``containment`` as columns (see :func:`factorial`,
        :func:`latin_hypercube`, :func:`from_csv`); empty cells keep the
        scenario's value.
    scenario
        A validated scenario, a YAML path or a built-in name.
    replicates
        Runs per row; replicate k has the same seed in every row.
    workers
        Worker processes (default: the usable CPUs); 1 runs in this process.
    backend
        ``"process"`` (default: a local process pool), ``"dask-local"`` (a Dask
        LocalCluster of ``workers`` processes), a Dask scheduler address
        ``"tcp://HOST:PORT"``, or any ``concurrent.futures`` executor.
    out
        Output folder: each run is kept in ``out/runs`` as it finishes, so a
        rerun resumes; the tables are written there too. None keeps nothing.
    root_seed
        Seed the replicate seeds are spawned from (None: the scenario's).
    on_progress
        Called as ``on_progress(done, total)`` after each run is saved.
    settings
        Inputs set the same in every run (dotted path -> value).
    scale
        Population scale of every run (e.g. 0.05 for a quick look).
    fresh
        Discard this design's stored runs in ``out`` and compute them again.

    Returns
    -------
    DataFrame
        One row per design row and replicate, in design order: the design's
        columns, ``row`` (its position in the design), ``replicate``, ``seed``
        and every headline indicator (``self_reliance_end``,
        ``nodes_meeting_requirement_end``, ...). The per-step series are in
        ``out/series.parquet``, or use :func:`sweep` to get both tables.

    Raises
    ------
    ScenarioError
        Before any run, when a path, value, regime, containment or the scale
        is not valid (every problem, with the valid choices and the rows).
    KeyMismatch
        Before any run, when ``out/runs`` holds runs of this design made from
        other inputs and ``fresh`` is not set.
    BackendUnavailable
        When Dask is not installed or the scheduler cannot be reached.
    FolderBusy
        When another process is writing to ``out``.
    Interrupted
        On Ctrl-C, after saving every finished run.
    """
    return sweep(
        design, scenario, replicates, workers, backend, out, root_seed, on_progress,
        settings=settings, scale=scale, fresh=fresh,
    ).runs  # fmt: skip


def _sweep(
    design: pd.DataFrame,
    points: list[Point],
    replicates: int,
    workers: int | None,
    backend: str | Executor | None,
    out: Path,
    on_progress: Callable[[int, int], None] | None,
    fresh: bool,
) -> Sweep:
    first = points[0].inputs
    seeds = replicate_seeds(first.seed, replicates)
    planned = [
        Planned(
            f"row{p.row:05d}-r{k:03d}",
            replace(p.inputs, seed=seed),
            {"row": p.row, "replicate": k, "seed": seed},
            {**p.key, "seed": seed, "row": p.row, "replicate": k},
        )
        for p in points
        for k, seed in enumerate(seeds)
    ]
    folder = out / "runs"
    with folder_lock(out):
        folder.mkdir(parents=True, exist_ok=True)
        finished = stored(folder, planned, fresh)
        (out / "sweep.json").unlink(missing_ok=True)  # it describes an earlier design
        with open_backend(backend, workers) as (executor, count):
            records = compute(folder, planned, finished, count, on_progress, executor)
        runs = design.iloc[[r["spec"]["row"] for r in records]].reset_index(drop=True)
        runs["row"] = [r["spec"]["row"] for r in records]
        runs["replicate"] = [r["spec"]["replicate"] for r in records]
        runs["seed"] = [r["spec"]["seed"] for r in records]
        ends = pd.DataFrame([r["end"] for r in records], columns=list(INDICATORS))
        runs = pd.concat([runs, ends], axis=1)
        series = series_table(records, ("row", "replicate"))
        base = points[0].key
        meta = {
            "innostate_version": __version__,
            "scenario": first.scenario.name,
            "scenario_hash": base["scenario_hash"],
            "population_scale": first.scenario.population_scale,
            "settings": {k: v for k, v in base["settings"].items() if k not in design.columns},
            "columns": [str(c) for c in design.columns],
            "rows": len(design),
            "replicates": replicates,
            "root_seed": first.seed,
            "seeds": seeds,
            "indicators": list(INDICATORS),
        }
        result = Sweep(runs, series, meta)
        write_sweep(result, out)
    return result


def write_sweep(result: Sweep, out: Path) -> list[Path]:
    """Write runs.parquet, series.parquet and sweep.json (with the files' digests)."""
    out.mkdir(parents=True, exist_ok=True)
    written = [
        write_table(out / "runs.parquet", result.runs),
        write_table(out / "series.parquet", result.series),
    ]
    files = {path.name: file_digest(path) for path in written}
    written.append(write_json(out / "sweep.json", {**result.design, "files": files}))
    return written


def load_sweep(out: str | Path) -> Sweep:
    """Read a written sweep back, checking its files first.

    Raises
    ------
    DamagedRun
        Naming the file that is missing, unreadable or altered.
    """
    out = Path(out)
    meta = check_files(out, "sweep.json")
    meta.pop("files", None)
    return Sweep(
        pd.read_parquet(out / "runs.parquet"), pd.read_parquet(out / "series.parquet"), meta
    )


# ---------------------------------------------------------------------------- backends


class BackendUnavailable(RuntimeError):
    """A backend that cannot be used here: Dask missing, or its scheduler unreachable."""


@contextlib.contextmanager
def open_backend(
    backend: str | Executor | None, workers: int | None
) -> Iterator[tuple[Executor | None, int]]:
    """The executor a backend name stands for, and how many workers it has.

    ``None``/``"process"`` yields no executor (the local backends of
    :func:`~innostate.experiments.backends.execute`); ``"dask-local"`` starts a
    LocalCluster of ``workers`` single-threaded processes and closes it after;
    ``"tcp://HOST:PORT"`` connects to a running scheduler (left running).

    Raises
    ------
    ScenarioError
        For an unknown backend name.
    BackendUnavailable
        When Dask is not installed or the scheduler cannot be reached.
    """
    if backend is None or backend == "process":
        yield None, workers or usable_cpus()
        return
    if isinstance(backend, Executor):
        yield backend, workers or usable_cpus()
        return
    if backend != "dask-local" and not backend.startswith(("tcp://", "tls://")):
        raise ScenarioError(
            [
                Problem(
                    "backend",
                    "",
                    f"unknown backend '{backend}'",
                    f"use one of: {', '.join(BACKENDS)}",
                )
            ]
        )
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise BackendUnavailable(
            "the Dask backends need dask.distributed. Fix: pip install 'innostate[dask]'"
        ) from None
    with contextlib.ExitStack() as stack:
        if backend == "dask-local":
            cluster = stack.enter_context(
                LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=workers or usable_cpus(),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
            )
            client = stack.enter_context(Client(cluster))  # type: ignore[no-untyped-call]
        else:
            try:
                client = stack.enter_context(
                    Client(backend, timeout=CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
                )
            except (OSError, TimeoutError) as exc:
                raise BackendUnavailable(
                    f"cannot reach the Dask scheduler at {backend} ({exc}). Fix: start it "
                    "(dask scheduler; dask worker ADDRESS) or check the address and port."
                ) from None
        threads = sum(w["nthreads"] for w in client.scheduler_info()["workers"].values())
        yield client.get_executor(), max(threads, 1)


# ---------------------------------------------------------------------------- model function


class ModelFunction:
    """A model as a plain function of keyword parameters returning a dict of outcomes.

    Made by :func:`model_function`. Calling it runs one design point
    (``replicates`` runs in this process, averaged); :meth:`evaluate` runs a
    whole sample matrix as one design (in parallel, common random numbers).
    """

    def __init__(
        self,
        scenario: Scenario | str | Path,
        outputs: Sequence[str],
        replicates: int,
        fixed: Mapping[str, Setting],
        scale: float | None,
        root_seed: int | None,
    ) -> None:
        unknown = [o for o in outputs if o not in INDICATORS]
        if unknown or not outputs:
            raise ScenarioError(
                [
                    Problem(
                        "outputs",
                        ", ".join(unknown),
                        "unknown outcome" if unknown else "no outcome asked for",
                        f"use some of: {', '.join(INDICATORS)}",
                    )
                ]
            )
        base = resolve(scenario, scale=scale, seed=root_seed)
        self.scenario = base.scenario
        self.outputs = tuple(outputs)
        self.replicates = replicates
        self.fixed = dict(fixed)
        self.root_seed = base.seed
        # the fixed inputs are checked now, not at the first call
        check_design(pd.DataFrame([self.fixed]), self.scenario, root_seed=self.root_seed)

    def __call__(self, **params: Setting) -> dict[str, float]:
        """Run one point: ``params`` by dotted path (or with ``__`` for the dots)."""
        row = self._row(params)
        runs = run_design(
            pd.DataFrame([row]), self.scenario, self.replicates, workers=1,
            root_seed=self.root_seed,
        )  # fmt: skip
        return {name: float(runs[name].mean()) for name in self.outputs}

    def evaluate(
        self,
        samples: np.ndarray,
        names: Sequence[str],
        workers: int | None = None,
        backend: str | Executor | None = None,
    ) -> np.ndarray:
        """Outcomes of a sample matrix (one row per sample, one column per name).

        For SALib: ``problem.evaluate(f.evaluate, problem["names"])``.

        Returns
        -------
        ndarray
            Shape (samples, outputs), or (samples,) for one output: the mean
            over replicates of each outcome.
        """
        matrix = np.asarray(samples)
        if matrix.ndim != 2 or matrix.shape[1] != len(names):
            raise ValueError(
                f"samples of shape {matrix.shape} do not match {len(names)} names: "
                "give one column per name"
            )
        rows = [self._row(dict(zip(names, map(float, x), strict=True))) for x in matrix]
        runs = run_design(
            pd.DataFrame(rows), self.scenario, self.replicates, workers, backend,
            root_seed=self.root_seed,
        )  # fmt: skip
        means = runs.groupby("row", sort=True)[list(self.outputs)].mean().to_numpy()
        return means[:, 0] if len(self.outputs) == 1 else means

    def _row(self, params: Mapping[str, Setting]) -> dict[str, Setting]:
        row = dict(self.fixed)
        for name, value in params.items():
            path = name if "." in name else name.replace("__", ".")
            if path in self.fixed:
                raise ScenarioError(
                    [Problem("model", path, "given as fixed and as a parameter", "give it once")]
                )
            row[path] = value
        return row

    def __repr__(self) -> str:
        return (
            f"<ModelFunction {self.scenario.name}: outputs {', '.join(self.outputs)}; "
            f"{self.replicates} replicate(s) per call>"
        )


def model_function(
    scenario: Scenario | str | Path,
    outputs: Sequence[str] = tuple(INDICATORS),
    replicates: int = 1,
    *,
    scale: float | None = None,
    root_seed: int | None = None,
    **fixed: Setting,
) -> ModelFunction:
    """The model as a plain function of keyword parameters returning a dict of outcomes.

    Usable as an EMA Workbench ``Model(name, function=f)`` and with SALib
    (``f(**dict(zip(names, x)))`` per sample, or :meth:`ModelFunction.evaluate`
    for a whole sample matrix at once).

    Parameters
    ----------
    scenario
        A validated scenario, a YAML path or a built-in name.
    outputs
        Headline indicators to return (default: all of them).
    replicates
        Runs per call, averaged; replicate k has the same seed in every call.
    scale, root_seed
        Population scale and root seed of every run.
    **fixed
        Inputs held fixed in every call, by dotted path (``**{"rnd.noise": 0}``)
        or with ``__`` for the dots (``rnd__noise=0``), and ``regime`` or
        ``containment``.

    Returns
    -------
    ModelFunction
        ``f(**params) -> {output: value}``; params by dotted path or with ``__``.

    Raises
    ------
    ScenarioError
        When an output is unknown or a fixed input is not valid.
    """
    named = {k if "." in k else k.replace("__", "."): v for k, v in fixed.items()}
    return ModelFunction(scenario, tuple(outputs), replicates, named, scale, root_seed)


def _as_list(values: Any) -> list[Setting]:
    if isinstance(values, str):
        return [values]
    plain = [_plain(v) for v in values]
    return [p if p is not None else v for p, v in zip(plain, values, strict=True)]


def _number_or_text(text: str) -> Setting:
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        return text
