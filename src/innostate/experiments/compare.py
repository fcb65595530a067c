"""Regime x containment comparisons as ensembles, with paired bootstrap differences.

Every cell of the grid (regime, containment timeline) runs the same replicate
seeds (common random numbers), spawned from one root ``SeedSequence``. Each
finished run is saved at once to ``OUT/runs/`` with the key of its inputs, so
an interrupted comparison resumes where it stopped and never reuses runs made
from other inputs. The tables do not depend on the backend or the number of workers.

Three kinds of contrast, each paired by replicate:

- ``regime``: each regime minus the first, within each containment timeline;
- ``containment``: each timeline minus the first, within each regime;
- ``interaction``: how much a regime difference changes from the first timeline
  to another (difference-in-differences).
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from innostate._version import __version__
from innostate.experiments.ensemble import (
    INDICATORS,
    SERIES,
    Interrupted,
    Planned,
    compute,
    indicators,
    replicate_seeds,
    series_table,
    stored,
)
from innostate.experiments.posterior import DEFAULTS, Posterior, choose
from innostate.experiments.run import resolve
from innostate.experiments.store import (
    check_files,
    file_digest,
    folder_lock,
    write_json,
    write_table,
)
from innostate.scenario.errors import Problem, ScenarioError
from innostate.scenario.override import Setting
from innostate.scenario.schema import Scenario

__all__ = [  # INDICATORS, SERIES, Interrupted and indicators are shared with sweeps (ensemble)
    "INDICATORS",
    "KINDS",
    "SERIES",
    "UNITS",
    "Comparison",
    "Interrupted",
    "RunSpec",
    "amount",
    "compare",
    "design",
    "differences",
    "indicators",
    "load_comparison",
    "reading",
    "verdict",
    "write_comparison",
]

# how each indicator's amounts are written: a unit suffix and the digits shown
UNITS: dict[str, tuple[str, int]] = {
    "self_reliance_end": ("", 3),
    "nodes_meeting_requirement_end": ("", 1),
    "chokepoints_end": ("", 1),
    "breakthroughs": ("", 1),
    "rd_spent_bn": (" bn", 0),
    "breakthroughs_per_100bn": ("", 3),
    "nodes_met_per_100bn": ("", 3),
    "waste_share": (" pp", 1),  # a share: differences in percentage points
    "duplicate_projects": ("", 1),
}
KINDS = ("regime", "containment", "interaction")


@dataclass(frozen=True)
class RunSpec:
    """One run of a comparison grid."""

    regime: str
    containment: str
    replicate: int
    seed: int
    set: int | None = None  # the posterior parameter set of this replicate (None: defaults)

    def record(self) -> dict[str, Any]:
        """The spec as stored with the run (``set`` only when a posterior set is used)."""
        spec = asdict(self)
        if spec["set"] is None:  # runs with the defaults keep the records they had
            del spec["set"]
        return spec

    @property
    def key(self) -> str:
        return f"{self.regime}__{self.containment}__r{self.replicate:03d}"


@dataclass
class Comparison:
    """What a comparison produced."""

    runs: pd.DataFrame  # one row per (regime, containment, replicate)
    series: pd.DataFrame  # one row per run and step
    differences: pd.DataFrame  # one row per contrast and indicator (see module docstring)
    reading: list[str]
    design: dict[str, Any]

    def __repr__(self) -> str:
        d = self.design
        clear = int(self.differences["clear"].sum()) if len(self.differences) else 0
        return (
            f"<Comparison {d['scenario']}: {len(d['regimes'])} regime(s) x "
            f"{len(d['containments'])} containment timeline(s) x {d['replicates']} replicates, "
            f"{len(self.runs)} runs; {clear} of {len(self.differences)} differences clear; "
            "see .differences, .runs, .series>"
        )


def design(
    regimes: list[str],
    containments: list[str],
    replicates: int,
    root_seed: int,
    sets: Sequence[int | None] | None = None,
) -> list[RunSpec]:
    """The grid of runs; replicate r has the same seed (and parameter set) in every cell."""
    seeds = replicate_seeds(root_seed, replicates)
    drawn = list(sets) if sets is not None else [None] * replicates
    return [
        RunSpec(regime, containment, r, seeds[r], drawn[r])
        for regime in regimes
        for containment in containments
        for r in range(replicates)
    ]


def compare(
    scenario: Scenario | str | Path,
    regimes: Sequence[str],
    containments: Sequence[str] = ("real",),
    replicates: int = 20,
    root_seed: int | None = None,
    out: str | Path | None = None,
    workers: int | None = None,
    on_run: Callable[[int, int], None] | None = None,
    settings: dict[str, Setting] | None = None,
    scale: float | None = None,
    fresh: bool = False,
    executor: Executor | None = None,
    parameters: str | Path | Posterior | None = None,
) -> Comparison:
    """Run the grid (resuming finished runs found in ``out/runs``) and summarise it.

    Parameters
    ----------
    scenario
        A validated scenario, a YAML path or a built-in name.
    regimes, containments
        The grid; the first of each is the baseline of its contrasts. Any sizes
        from one by one, repeated names counted once.
    replicates
        Runs per cell; replicate r has the same seed in every cell.
    root_seed
        Seed the replicate seeds are spawned from (None: the scenario's).
    out
        Output folder; finished runs are kept in ``out/runs``. None keeps
        nothing on disk (a temporary folder) and only returns the tables.
    workers
        Local worker processes (default: the usable CPUs); 1 runs in this process.
    on_run
        Called as ``on_run(done, total)`` after each run is saved.
    settings, scale
        Parameter settings by dotted path and population scale, as for :func:`simulate`.
    fresh
        Discard stored runs of this grid and compute them again.
    executor
        A ``concurrent.futures`` executor to use instead of the local backends.
    parameters
        Which parameter sets: None (a calibrated posterior for the built-in
        national scenarios given by name when one is packaged, else the
        defaults), ``"posterior"``, ``"defaults"``, a posterior folder or a
        loaded :class:`~innostate.experiments.posterior.Posterior`. Replicate r
        uses the r-th set drawn from the root seed in every cell; ``settings``
        win over a set's values.

    Raises
    ------
    ScenarioError
        Before any run, when a name, setting or the scale is not valid.
    KeyMismatch
        Before any run, when ``out/runs`` holds runs of this grid made from other
        inputs (another scenario, scale, regime definition, settings, version or
        seed) and ``fresh`` is not set.
    FolderBusy
        When another process is writing to ``out``.
    Interrupted
        On Ctrl-C, after saving every finished run.
    """
    if out is None:
        with tempfile.TemporaryDirectory(prefix="innostate-compare-") as tmp:
            return compare(
                scenario, regimes, containments, replicates, root_seed, Path(tmp), workers,
                on_run, settings, scale, fresh, executor, parameters,
            )  # fmt: skip
    out = Path(out)
    if isinstance(regimes, str) or isinstance(containments, str):
        raise _grid_error(
            "expected lists of names, got one string",
            "write e.g. regimes=['new_national_system', 'market_led']",
        )
    regimes, containments = list(dict.fromkeys(regimes)), list(dict.fromkeys(containments))
    if not regimes or not containments or replicates < 1:
        raise _grid_error(
            "needs at least one regime, one containment timeline and one replicate",
            "name them, e.g. regimes=['market_led'], containments=['real', 'none']",
        )
    posterior = choose(scenario, parameters, "parameters")
    base = resolve(scenario, settings=settings, scale=scale, seed=root_seed)
    drawn: list[int | None] = (
        list(posterior.draw(base.seed, replicates)) if posterior else [None] * replicates
    )
    blocks = {k: posterior.block(k) if posterior and k is not None else None for k in drawn}
    cells = {  # every name (and every drawn set) is checked before any time is spent
        (r, c, k): resolve(base.scenario, r, c, base.seed, base.settings, parameters=blocks[k])
        for r in regimes
        for c in containments
        for k in blocks
    }
    keys = {cell: inputs.key() for cell, inputs in cells.items()}
    specs = design(regimes, containments, replicates, base.seed, drawn)
    planned = [
        Planned(
            spec.key,
            replace(cells[spec.regime, spec.containment, spec.set], seed=spec.seed),
            spec.record(),
            {
                **keys[spec.regime, spec.containment, spec.set],
                "seed": spec.seed,
                "replicate": spec.replicate,
            },
        )
        for spec in specs
    ]
    folder = out / "runs"
    with folder_lock(out):
        folder.mkdir(parents=True, exist_ok=True)
        finished = stored(folder, planned, fresh)
        for stale in ("comparison.json", "report.html"):  # they describe an earlier grid
            (out / stale).unlink(missing_ok=True)
        records = compute(folder, planned, finished, workers, on_run, executor)
        runs, series = _tables(records)
        diffs = differences(runs, regimes, containments, seed=base.seed)
        common = keys[regimes[0], containments[0], drawn[0]]
        meta = {
            "innostate_version": __version__,
            "scenario": base.scenario.name,
            "scenario_hash": common["scenario_hash"],
            "population_scale": base.scenario.population_scale,
            "steps_per_year": base.scenario.calendar.steps_per_year,
            "settings": common["settings"],
            "regimes": regimes,
            "containments": containments,
            "replicates": replicates,
            "root_seed": base.seed,
            "baseline": regimes[0],
            "baseline_containment": containments[0],
            "parameters": _parameters_record(posterior, drawn, base.settings),
        }
        result = Comparison(runs, series, diffs, reading(diffs), meta)
        write_comparison(result, out)
    return result


def _parameters_record(
    posterior: Posterior | None, drawn: list[int | None], settings: dict[str, Setting]
) -> dict[str, Any]:
    """comparison.json's record of the parameter sets: source, posterior, each replicate's set."""
    if posterior is None:
        return dict(DEFAULTS)
    return {
        "source": "posterior",
        "posterior": posterior.name,
        "sets": drawn,
        "distinct_sets": len(set(drawn)),
        "overridden": sorted(p for p in posterior.paths if p in settings),
        "calibration": posterior.summary(),
    }


def _grid_error(message: str, fix: str) -> ScenarioError:
    return ScenarioError([Problem("compare", "grid", message, fix)])


def _tables(records: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    runs = pd.DataFrame([{**r["spec"], **r["end"]} for r in records])
    return runs, series_table(records, ("regime", "containment", "replicate"))


def differences(
    runs: pd.DataFrame,
    regimes: list[str],
    containments: list[str],
    seed: int,
    resamples: int = 2000,
) -> pd.DataFrame:
    """Paired contrasts between cells with 95% percentile bootstrap intervals.

    Parameters
    ----------
    runs
        One row per (regime, containment, replicate) with the indicators.
    regimes, containments
        The grid in order; the first of each is the baseline.
    seed
        Seeds the bootstrap, so the intervals are reproducible.

    Returns
    -------
    DataFrame
        One row per contrast and indicator: ``kind`` (regime, containment or
        interaction), ``contrast`` (a readable label), ``regime``,
        ``containment``, ``baseline_regime``, ``baseline_containment``,
        ``indicator``, ``better`` (higher, lower or ""), ``mean_difference``,
        ``ci_low``, ``ci_high``, ``clear`` (the interval excludes zero),
        ``baseline_mean`` (the reference cell's mean) and ``replicates``.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xB007]))
    cell = {
        (str(r), str(c)): frame.set_index("replicate").sort_index()
        for (r, c), frame in runs.groupby(["regime", "containment"], sort=False)
    }
    r0, c0 = regimes[0], containments[0]
    contrasts = []  # (kind, label, regime, containment, plus cells, minus cells, reference)
    for c in containments:
        for r in regimes[1:]:
            label = f"{r} vs {r0}, containment {c}"
            contrasts.append(("regime", label, r, c, [(r, c)], [(r0, c)], (r0, c)))
    for r in regimes:
        for c in containments[1:]:
            label = f"containment {c} vs {c0}, {r}"
            contrasts.append(("containment", label, r, c, [(r, c)], [(r, c0)], (r, c0)))
    for r in regimes[1:]:
        for c in containments[1:]:
            label = f"({r} vs {r0}) under {c} minus under {c0}"
            plus, minus = [(r, c), (r0, c0)], [(r0, c), (r, c0)]
            contrasts.append(("interaction", label, r, c, plus, minus, (r0, c0)))
    rows = []
    for kind, label, r, c, plus, minus, ref in contrasts:
        index = cell[ref].index
        for name, (_, better) in INDICATORS.items():
            diff = sum(cell[p].loc[index, name].to_numpy() for p in plus) - sum(
                cell[m].loc[index, name].to_numpy() for m in minus
            )
            picks = rng.integers(0, diff.size, size=(resamples, diff.size))
            low, high = np.quantile(diff[picks].mean(axis=1), [0.025, 0.975])
            rows.append(
                {
                    "kind": kind,
                    "contrast": label,
                    "regime": r,
                    "containment": c,
                    "baseline_regime": ref[0] if kind != "containment" else r,
                    "baseline_containment": ref[1] if kind != "regime" else c,
                    "indicator": name,
                    "better": better,
                    "mean_difference": float(diff.mean()),
                    "ci_low": float(low),
                    "ci_high": float(high),
                    "clear": bool(low > 0 or high < 0),
                    "baseline_mean": float(cell[ref][name].mean()),
                    "replicates": int(diff.size),
                }
            )
    columns = [
        "kind", "contrast", "regime", "containment", "baseline_regime", "baseline_containment",
        "indicator", "better", "mean_difference", "ci_low", "ci_high", "clear", "baseline_mean",
        "replicates",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def amount(name: str, value: float, signed: bool = False, level: bool = False) -> str:
    """An indicator's difference (or, with ``level``, its value) in its unit.

    Shares are written in percent, and their differences in percentage points;
    a small nonzero amount keeps two significant digits instead of rounding to 0.
    """
    unit, digits = UNITS.get(name, ("", 3))
    if unit == " pp":
        value *= 100
        unit = "%" if level else unit
    if value and round(abs(value), digits) == 0:
        digits = 1 - math.floor(math.log10(abs(value)))
    text = f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"
    return text.replace("-", "\u2212") + unit


def verdict(row: dict[Any, Any]) -> str:
    """``better``, ``worse``, ``higher``/``lower`` (no preferred direction) or ``noise``."""
    if not row["clear"]:
        return "noise"
    up = row["mean_difference"] > 0
    if not row["better"]:
        return "higher" if up else "lower"
    return "better" if up == (row["better"] == "higher") else "worse"


def reading(diffs: pd.DataFrame) -> list[str]:
    """A short plain-language reading of which differences are clear and which are noise."""
    lines = []
    for label, group in diffs.groupby("contrast", sort=False):
        first = group.iloc[0]
        if first["kind"] == "regime":
            head = (
                f"{first['regime']} against {first['baseline_regime']} "
                f"(containment {first['containment']})"
            )
        elif first["kind"] == "containment":
            head = (
                f"Containment {first['containment']} against {first['baseline_containment']} "
                f"under {first['regime']}"
            )
        else:
            head = f"Interaction: {label}"
        parts, noise = [], []
        for row in group.to_dict("records"):
            name = INDICATORS[row["indicator"]][0]
            if not row["clear"]:
                noise.append(name)
                continue
            seen = verdict(row)
            up = row["mean_difference"] > 0
            # the interval of the magnitude, in the indicator's unit (shares in points)
            low, high = (row["ci_low"], row["ci_high"]) if up else (-row["ci_high"], -row["ci_low"])
            key = row["indicator"]
            tail = f", {seen}" if seen in ("better", "worse") else ""
            size = amount(key, abs(row["mean_difference"]))
            parts.append(
                f"{name} {'higher' if up else 'lower'} by {size}"
                f" (95% CI {amount(key, low)} to {amount(key, high)}{tail})"
            )
        text = f"{head}: " + ("; ".join(parts) if parts else "no clear difference")
        text += f". Within noise: {', '.join(noise)}." if noise else "."
        lines.append(text)
    return lines


def write_comparison(result: Comparison, out: Path) -> list[Path]:
    """Write runs.parquet, series.parquet, differences.parquet and comparison.json."""
    out.mkdir(parents=True, exist_ok=True)
    tables = {"runs": result.runs, "series": result.series, "differences": result.differences}
    written = [write_table(out / f"{name}.parquet", frame) for name, frame in tables.items()]
    files = {path.name: file_digest(path) for path in written}
    payload = {**result.design, "reading": result.reading, "files": files}
    written.append(write_json(out / "comparison.json", payload))
    return written


def load_comparison(out: Path) -> Comparison:
    """Read a written comparison back (for rebuilding its report).

    Raises
    ------
    DamagedRun
        Naming the file that is missing, unreadable or altered.
    """
    meta = check_files(out, "comparison.json")
    meta.pop("files", None)
    reading_lines = meta.pop("reading", [])
    return Comparison(
        pd.read_parquet(out / "runs.parquet"),
        pd.read_parquet(out / "series.parquet"),
        pd.read_parquet(out / "differences.parquet"),
        reading_lines,
        meta,
    )
