"""Regime x containment comparisons as ensembles, with bootstrap differences.

Every cell of the grid (regime, containment timeline) runs the same replicate
seeds (common random numbers), spawned from one root ``SeedSequence``; each
finished run is written at once to ``OUT/runs/`` so an interrupted comparison
resumes where it stopped. The tables do not depend on the number of workers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from innostate._version import __version__
from innostate.experiments.backends import local_executor
from innostate.experiments.run import Result, scenario_hash, simulate
from innostate.experiments.store import write_json, write_table, write_text
from innostate.scenario.build import check_choices
from innostate.scenario.schema import Scenario

# end-of-run indicators compared across cells: label and the direction that is better
# ("" where more is neither better nor worse, like money spent)
INDICATORS: dict[str, tuple[str, str]] = {
    "self_reliance_end": ("self-reliance index at the end", "higher"),
    "nodes_meeting_requirement_end": ("technologies meeting their requirement", "higher"),
    "chokepoints_end": ("chokepoints at the end", "lower"),
    "breakthroughs": ("breakthroughs", "higher"),
    "breakthroughs_per_100bn": ("breakthroughs per 100 bn yuan", "higher"),
    "rd_spent_bn": ("R&D spent (bn yuan)", ""),
    "waste_share": ("share of money wasted", "lower"),
    "duplicate_projects": ("duplicate projects", "lower"),
}
# indicators tracked every step, for median lines and bands over time
SERIES = ("self_reliance", "domestic_share", "nodes_meeting_requirement", "chokepoints")


@dataclass(frozen=True)
class RunSpec:
    """One run of a comparison grid."""

    regime: str
    containment: str
    replicate: int
    seed: int

    @property
    def key(self) -> str:
        return f"{self.regime}__{self.containment}__r{self.replicate:03d}"


@dataclass
class Comparison:
    """What a comparison produced."""

    runs: pd.DataFrame  # one row per (regime, containment, replicate)
    series: pd.DataFrame  # one row per run and step
    differences: pd.DataFrame  # regime minus baseline, per containment and indicator
    reading: list[str]
    design: dict[str, Any]


def design(
    regimes: list[str], containments: list[str], replicates: int, root_seed: int
) -> list[RunSpec]:
    """The grid of runs; replicate r has the same seed in every cell."""
    children = np.random.SeedSequence(root_seed).spawn(replicates)
    seeds = [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]
    return [
        RunSpec(regime, containment, r, seeds[r])
        for regime in regimes
        for containment in containments
        for r in range(replicates)
    ]


def run_one(scenario: Scenario, spec: RunSpec) -> dict[str, Any]:
    """Run one grid cell replicate; return its indicators and per-step series."""
    result = simulate(scenario, regime=spec.regime, seed=spec.seed, containment=spec.containment)
    return {"spec": asdict(spec), **indicators(result)}


def indicators(result: Result) -> dict[str, Any]:
    """End-of-run indicators and per-step series of one run (JSON-ready)."""
    s = result.summary
    nodes = result.nodes
    market = nodes["market_size"]
    per_step = nodes.assign(
        w_reliance=nodes["self_reliance"] * market,
        w_share=nodes["domestic_share"] * market,
        met=nodes["domestic_level"] >= nodes["requirement"],
    ).groupby("step")
    weight = per_step["market_size"].sum()
    return {
        "end": {name: float(s[name]) for name in INDICATORS},
        "series": {
            "date": list(per_step["date"].first()),
            "self_reliance": list(per_step["w_reliance"].sum() / weight),
            "domestic_share": list(per_step["w_share"].sum() / weight),
            "nodes_meeting_requirement": [float(v) for v in per_step["met"].sum()],
            "chokepoints": [float(v) for v in per_step["chokepoint"].sum()],
        },
    }


def compare(
    scenario: Scenario,
    regimes: list[str],
    containments: list[str],
    replicates: int,
    root_seed: int,
    out: Path,
    workers: int = 1,
    on_run: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Run the grid (resuming finished runs found in ``out/runs``) and summarise it.

    Raises
    ------
    ScenarioError
        Before any run, when a regime or containment name is unknown.
    """
    for regime in regimes:  # fail on bad names before spending any time
        for containment in containments:
            check_choices(scenario, regime, containment)
    specs = design(regimes, containments, replicates, root_seed)
    folder = out / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    done = {spec.key: _load(folder / f"{spec.key}.json", spec) for spec in specs}
    finished = {k: v for k, v in done.items() if v is not None}
    todo = [spec for spec in specs if spec.key not in finished]
    if on_run:
        on_run(len(finished), len(specs))
    with local_executor(workers) as pool:
        futures = {pool.submit(run_one, scenario, spec): spec for spec in todo}
        for future in as_completed(futures):
            spec = futures[future]
            record = future.result()
            _save(folder / f"{spec.key}.json", record)
            finished[spec.key] = record
            if on_run:
                on_run(len(finished), len(specs))
    records = [finished[spec.key] for spec in specs]  # grid order, whatever finished first
    runs, series = _tables(records)
    diffs = differences(runs, baseline=regimes[0], seed=root_seed)
    meta = {
        "innostate_version": __version__,
        "scenario": scenario.name,
        "scenario_hash": scenario_hash(scenario),
        "population_scale": scenario.population_scale,
        "regimes": regimes,
        "containments": containments,
        "replicates": replicates,
        "root_seed": root_seed,
        "baseline": regimes[0],
    }
    result = Comparison(runs, series, diffs, reading(diffs), meta)
    write_comparison(result, out)
    return result


def _load(path: Path, spec: RunSpec) -> dict[str, Any] | None:
    """A finished run's record, if present and made for this very spec."""
    if not path.exists():
        return None
    try:
        record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # a damaged file: run again
    return record if record.get("spec") == asdict(spec) else None


def _save(path: Path, record: dict[str, Any]) -> None:
    write_text(path, json.dumps(record))


def _tables(records: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    runs = pd.DataFrame([{**r["spec"], **r["end"]} for r in records])
    frames = []
    for r in records:
        series = r["series"]
        frame = pd.DataFrame({name: series[name] for name in ("date", *SERIES)})
        frame.insert(0, "step", np.arange(len(frame)))
        for key in ("regime", "containment", "replicate"):
            frame.insert(0, key, r["spec"][key])
        frames.append(frame)
    return runs, pd.concat(frames, ignore_index=True)


def differences(
    runs: pd.DataFrame, baseline: str, seed: int, resamples: int = 2000
) -> pd.DataFrame:
    """Each regime minus the baseline, paired by replicate, with 95% bootstrap intervals.

    A difference is *clear* when its interval excludes zero.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xB007]))
    rows = []
    for containment, cell in runs.groupby("containment", sort=False):
        base = cell[cell["regime"] == baseline].set_index("replicate")
        for regime, other in cell.groupby("regime", sort=False):
            if regime == baseline:
                continue
            other = other.set_index("replicate").loc[base.index]
            for name, (_, better) in INDICATORS.items():
                diff = (other[name] - base[name]).to_numpy()
                picks = rng.integers(0, diff.size, size=(resamples, diff.size))
                means = diff[picks].mean(axis=1)
                low, high = np.quantile(means, [0.025, 0.975])
                rows.append(
                    {
                        "containment": containment,
                        "regime": regime,
                        "baseline": baseline,
                        "indicator": name,
                        "better": better,
                        "mean_difference": float(diff.mean()),
                        "ci_low": float(low),
                        "ci_high": float(high),
                        "clear": bool(low > 0 or high < 0),
                        "replicates": int(diff.size),
                    }
                )
    return pd.DataFrame(rows)


def reading(diffs: pd.DataFrame) -> list[str]:
    """A short plain-language reading of which differences are clear and which are noise."""
    lines = []
    for (containment, regime), group in diffs.groupby(["containment", "regime"], sort=False):
        clear = group[group["clear"]]
        noise = group[~group["clear"]]
        base = group["baseline"].iloc[0]
        parts = []
        for row in clear.to_dict("records"):
            up = row["mean_difference"] > 0
            verdict = ""
            if row["better"]:
                verdict = ", better" if up == (row["better"] == "higher") else ", worse"
            parts.append(
                f"{INDICATORS[row['indicator']][0]} {'higher' if up else 'lower'} by "
                f"{abs(row['mean_difference']):.3g} "
                f"(95% CI {row['ci_low']:.3g} to {row['ci_high']:.3g}{verdict})"
            )
        head = f"Under {containment} containment, {regime} against {base}: "
        text = head + ("; ".join(parts) if parts else "no clear difference")
        if len(noise):
            names = ", ".join(INDICATORS[n][0] for n in noise["indicator"])
            text += f". Within noise: {names}."
        else:
            text += "."
        lines.append(text)
    return lines


def write_comparison(result: Comparison, out: Path) -> list[Path]:
    """Write runs.parquet, series.parquet, differences.parquet and comparison.json."""
    out.mkdir(parents=True, exist_ok=True)
    tables = {"runs": result.runs, "series": result.series, "differences": result.differences}
    written = [write_table(out / f"{name}.parquet", frame) for name, frame in tables.items()]
    written.append(
        write_json(out / "comparison.json", {**result.design, "reading": result.reading})
    )
    return written


def load_comparison(out: Path) -> Comparison:
    """Read a written comparison back (for rebuilding its report)."""
    meta = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    reading_lines = meta.pop("reading")
    return Comparison(
        pd.read_parquet(out / "runs.parquet"),
        pd.read_parquet(out / "series.parquet"),
        pd.read_parquet(out / "differences.parquet"),
        reading_lines,
        meta,
    )
