"""Many runs as one job: seeds, stored records, resuming, batches and tables.

Shared by :mod:`~innostate.experiments.compare` (regime x containment grids)
and :mod:`~innostate.experiments.design` (sweeps over any inputs):

- replicate k gets the same seed in every cell or design row (common random
  numbers), spawned from one root ``SeedSequence``;
- each finished run is saved at once as a keyed record in ``OUT/runs/``; a
  rerun keeps the records whose key matches, refuses those made from other
  inputs (unless ``fresh``) and computes only what is missing;
- runs go to the workers in small batches of resolved *inputs* (scenario,
  names, settings, seed): each worker builds its own state, never receiving
  built numpy arrays (unpickled arrays make ``np.add.at`` many times slower);
- Ctrl-C stops the work and raises :class:`Interrupted` once the finished runs
  are saved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from innostate._version import __version__
from innostate.experiments.backends import execute, usable_cpus
from innostate.experiments.run import Result, RunInputs, simulate
from innostate.experiments.store import KeyMismatch, key_changes, read_record, write_record

# end-of-run indicators of every run: label and the direction that is better
# ("" where more is neither better nor worse, like money spent)
INDICATORS: dict[str, tuple[str, str]] = {
    "self_reliance_end": ("self-reliance index at the end", "higher"),
    "nodes_meeting_requirement_end": ("technologies meeting their requirement", "higher"),
    "chokepoints_end": ("chokepoints at the end", "lower"),
    "breakthroughs": ("breakthroughs", "higher"),
    "rd_spent_bn": ("R&D spent (bn yuan)", ""),
    "breakthroughs_per_100bn": ("breakthroughs per 100 bn yuan", "higher"),
    "nodes_met_per_100bn": ("technologies meeting their requirement per 100 bn yuan", "higher"),
    "waste_share": ("share of money wasted", "lower"),
    "duplicate_projects": ("duplicate projects", "lower"),
}
# indicators tracked every step, for median lines and bands over time
SERIES = ("self_reliance", "domestic_share", "nodes_meeting_requirement", "chokepoints")
# at most this many runs travel to a worker together (a killed worker loses its batch)
MAX_BATCH = 8


class WorkerMismatch(RuntimeError):
    """A worker that runs another innostate version than the process that asked."""


class Interrupted(KeyboardInterrupt):
    """Many runs stopped by Ctrl-C; the runs finished so far are saved."""

    def __init__(self, done: int, total: int, folder: Path) -> None:
        super().__init__(f"{done} of {total} runs saved in {folder}")
        self.done, self.total, self.folder = done, total, folder


@dataclass(frozen=True)
class Planned:
    """One run of a job: its record's name, its inputs and what identifies it in the tables."""

    name: str  # the record's file name in OUT/runs, without .json
    inputs: RunInputs  # with the run's own seed
    spec: dict[str, Any]  # JSON-ready; stored in the record and checked on resuming
    key: dict[str, Any]  # the inputs' key (with this seed) plus entries such as the replicate


def replicate_seeds(root_seed: int, replicates: int) -> list[int]:
    """The seed of each replicate, spawned from ``root_seed`` (the same in every cell)."""
    children = np.random.SeedSequence(root_seed).spawn(replicates)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def indicators(result: Result) -> dict[str, Any]:
    """End-of-run indicators, per-step series and milestone dates of one run (JSON-ready)."""
    s = result.summary
    spent = float(s["rd_spent_bn"])
    # outcome per money: a regime that spends more is not better for that alone
    derived = {
        "nodes_met_per_100bn": (
            100.0 * s["nodes_meeting_requirement_end"] / spent if spent > 0 else 0.0
        )
    }
    return {
        "end": {name: float(derived[name] if name in derived else s[name]) for name in INDICATORS},
        "series": {k: list(v) for k, v in s["series"].items()},
        # the step each dated milestone's level was first reached (None: never), for calibration
        "milestones": [
            {"node": m["node"], "level": m["level"], "run_date": m["run_date"]}
            for m in s.get("milestones", [])
        ],
    }


def simulate_batch(batch: list[tuple[RunInputs, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Run each ``(inputs, spec)`` of a batch; return one record per run, in order.

    The worker builds each run's state from its inputs (nothing built travels).
    Each record names the innostate version that computed it (a cluster's
    workers may have another one installed than the process that asked).
    """
    return [
        {"spec": spec, "computed_by": __version__, **indicators(simulate(inputs))}
        for inputs, spec in batch
    ]


def stored(folder: Path, planned: Sequence[Planned], fresh: bool) -> dict[str, dict[str, Any]]:
    """Finished records of the planned runs whose key matches; refuse others unless ``fresh``.

    Raises
    ------
    KeyMismatch
        When a record of a planned run was made from other inputs (saying what
        changed) and ``fresh`` is not set.
    """
    finished, changes, stale = {}, [], 0
    # a write cut short by a kill leaves its temporary file (store.write_bytes renames only
    # whole files): never a record; clear them (callers hold the folder's lock)
    for leftover in folder.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)
    for run in planned:
        path = folder / f"{run.name}.json"
        if fresh:
            path.unlink(missing_ok=True)
            continue
        record = read_record(path)
        if record is None:
            continue
        expected = run.key
        if record.get("key") != expected or record.get("spec") != run.spec:
            stale += 1
            old = record.get("key")
            for change in key_changes(old if isinstance(old, dict) else {}, expected):
                if change not in changes:
                    changes.append(change)
        else:
            finished[run.name] = record
    if stale:
        raise KeyMismatch(folder, changes[:8], stale)
    return finished


def batch_size(todo: int, workers: int, distributed: bool) -> int:
    """Runs per task: one in this process; else about four tasks per worker, at most MAX_BATCH."""
    if workers <= 1 and not distributed:
        return 1
    return max(1, min(MAX_BATCH, todo // (4 * max(workers, 1))))


def compute(
    folder: Path,
    planned: Sequence[Planned],
    finished: dict[str, dict[str, Any]],
    workers: int | None = None,
    on_run: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
) -> list[dict[str, Any]]:
    """Every planned run's record: the finished ones, and the missing ones computed and saved.

    Parameters
    ----------
    folder
        Where the records are kept (``OUT/runs``); the caller holds the output
        folder's lock.
    planned
        The runs, in the order of the returned records.
    finished
        The records already stored (from :func:`stored`); the new ones are added.
    workers
        Local worker processes (default: the usable CPUs); 1 runs in this
        process. With ``executor``, how many workers it has (sizes the batches).
    on_run
        Called as ``on_run(done, total)`` once with the stored count, then
        after each run is saved.
    executor
        A ``concurrent.futures`` executor (e.g. Dask's) instead of the local backends.

    Raises
    ------
    Interrupted
        On Ctrl-C, after saving every finished run.
    """
    folder.mkdir(parents=True, exist_ok=True)
    todo = [run for run in planned if run.name not in finished]
    total = len(planned)
    if on_run:
        on_run(len(finished), total)
    workers = workers or usable_cpus()
    size = batch_size(len(todo), workers, executor is not None)
    batches = [todo[i : i + size] for i in range(0, len(todo), size)]

    def save(index: int, records: list[dict[str, Any]]) -> None:
        for run, record in zip(batches[index], records, strict=True):
            if record.get("computed_by") != __version__:
                raise WorkerMismatch(
                    f"a worker runs innostate {record.get('computed_by')}, this process "
                    f"{__version__}: its results would be stored as this version's. Fix: "
                    "install the same innostate version on every worker."
                )
            record["key"] = run.key
            finished[run.name] = write_record(folder / f"{run.name}.json", record)
            if on_run:
                on_run(len(finished), total)

    tasks = [([(run.inputs, run.spec) for run in batch],) for batch in batches]
    try:
        execute(simulate_batch, tasks, workers, save, executor)
    except KeyboardInterrupt:
        raise Interrupted(len(finished), total, folder) from None
    return [finished[run.name] for run in planned]  # planned order, whatever finished first


def series_table(records: Sequence[dict[str, Any]], ids: Sequence[str]) -> pd.DataFrame:
    """Per-step series of every run, one row per run and step, led by the ``ids`` of its spec."""
    frames = []
    for r in records:
        series = r["series"]
        frame = pd.DataFrame({name: series[name] for name in ("date", *SERIES)})
        frame.insert(0, "step", np.arange(len(frame)))
        for key in reversed(ids):
            frame.insert(0, key, r["spec"][key])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
