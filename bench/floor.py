"""Benchmark: the floor of a simulation step (memory traffic and random draws) against its time.

    python bench/floor.py                      # prc-2019, full scale, step 24 (2025Q1)
    python bench/floor.py --step 0 --scale 0.1
    python bench/floor.py --blas-threads 1

First the machine: copy bandwidth (``np.copyto`` of a 256 MiB float64 array,
counted as bytes read plus bytes written) and the draw rate of each random
method the model uses (``Generator.random``, ``lognormal``, ``gumbel``,
``poisson``), best of several repeats.

Then one national run, in which

* every random stream the engine makes is wrapped in a counter of the numbers
  each method returns (the same generator underneath, so the same run);
* during step ``--step`` the state's tables (nodes, actors with their (N, K)
  slot arrays, the used rows of projects, the ledger and the region tables)
  record which fields a step reads or writes (attribute access on the table), and
  a copy taken before the step tells which elements changed.

The floor a step must touch counts, for every field accessed in the step, its
whole array read once (projects: the rows in use) plus every element that
changed written once; caches (the slot index) and temporaries are not counted.
Floor time = bytes / copy bandwidth + sum over methods of draws / rate. It is
printed for the chosen step and for the mean step (mean draws, same bytes),
against the CPU time of that step and the mean simulate CPU time per step.
Figures go to standard output; nothing is asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import time
from collections import Counter
from typing import Any

BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
TABLES = ("nodes", "actors", "projects", "ledger")


def copy_bandwidth(mib: int = 256, repeats: int = 7) -> tuple[float, float]:
    """(best, median) bytes per second of ``np.copyto``, counting the read and the write."""
    import numpy as np

    src = np.random.default_rng(0).random(mib * 2**20 // 8)
    dst = np.empty_like(src)
    np.copyto(dst, src)  # fault the pages in first
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        rates.append(2 * src.nbytes / (time.perf_counter() - t0))
    return max(rates), statistics.median(rates)


def draw_rates(size: int = 4_000_000, repeats: int = 5) -> dict[str, float]:
    """Numbers per second of each Generator method the model uses, best of ``repeats``."""
    import numpy as np

    rng = np.random.default_rng(0)
    calls = {
        "random": lambda: rng.random(size),
        "lognormal": lambda: rng.lognormal(-0.02, 0.2, size),
        "gumbel": lambda: rng.gumbel(0.0, 1.0, size),
        "poisson": lambda: rng.poisson(0.5, size),
    }
    rates = {}
    for name, call in calls.items():
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            call()
            best = min(best, time.perf_counter() - t0)
        rates[name] = size / best
    return rates


class Counting:
    """A random Generator that adds the size of every result to ``counts[method]``."""

    def __init__(self, rng: Any, counts: Counter[str]) -> None:
        self._rng, self._counts = rng, counts

    def __getattr__(self, name: str) -> Any:
        import numpy as np

        attr = getattr(self._rng, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            out = attr(*args, **kwargs)
            self._counts[name] += int(np.size(out))
            return out

        return call


def track(obj: Any, seen: set[str], prefix: str) -> type:
    """Make ``obj`` (a dataclass instance) record the fields read on it; return its old class."""
    old = type(obj)
    names = {f.name for f in dataclasses.fields(obj)}

    def getattribute(self: Any, name: str) -> Any:
        if name in names:
            seen.add(f"{prefix}.{name}")
        return object.__getattribute__(self, name)

    obj.__class__ = type(old.__name__, (old,), {"__getattribute__": getattribute})
    return old


def arrays(state: Any) -> dict[str, Any]:
    """The state's arrays by 'table.field' (projects: the rows in use), caches excluded."""
    import numpy as np

    out: dict[str, Any] = {}
    for table in TABLES:
        obj = object.__getattribute__(state, table)
        rows = object.__getattribute__(obj, "count") if table == "projects" else None
        for f in dataclasses.fields(obj):
            value = object.__getattribute__(obj, f.name)
            if isinstance(value, np.ndarray):
                out[f"{table}.{f.name}"] = value if rows is None else value[:rows]
    for name in ("region_allocation", "region_capability"):
        out[f"state.{name}"] = getattr(state, name)
    return out


def changed(before: Any, after: Any) -> int:
    """Elements of ``after`` that differ from ``before`` (rows added at the end count)."""
    import numpy as np

    n = min(before.shape[0], after.shape[0])
    old, new = before[:n], after[:n]
    if old.dtype.kind == "f":
        same = (old == new) | (np.isnan(old) & np.isnan(new))
    else:
        same = old == new
    per_row = int(np.prod(after.shape[1:], dtype=np.int64))
    return int((~same).sum()) + (after.shape[0] - n) * per_row


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", default="prc-2019")
    parser.add_argument("--regime", default=None)
    parser.add_argument("--containment", default="real")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--step", type=int, default=24, help="the step measured (0-based)")
    parser.add_argument("--blas-threads", type=int, default=None)
    args = parser.parse_args()
    if args.blas_threads is not None:
        if "numpy" in sys.modules:
            raise SystemExit("--blas-threads must be set before numpy is imported")
        for name in BLAS_VARIABLES:
            os.environ[name] = str(args.blas_threads)

    import numpy as np

    from innostate.model import engine
    from innostate.scenario.build import build
    from innostate.scenario.load import load_scenario, rescale

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load}, numpy {np.__version__}")
    best_bw, median_bw = copy_bandwidth()
    rates = draw_rates()
    print(
        f"copy bandwidth (read + write): best {best_bw / 1e9:.2f} GB/s, "
        f"median {median_bw / 1e9:.2f} GB/s"
    )
    print(
        "draw rate, M numbers/s: "
        + ", ".join(f"{name} {rate / 1e6:.0f}" for name, rate in rates.items())
    )

    scenario = rescale(load_scenario(args.scenario), args.scale)
    world = build(scenario, regime=args.regime, containment=args.containment)
    state, steps = world.state, world.state.schedule.steps
    if not 0 <= args.step < steps:
        raise SystemExit(f"--step must be in 0..{steps - 1}")
    counts: Counter[str] = Counter()
    per_step: list[Counter[str]] = []
    cpu: list[float] = []
    seen: set[str] = set()
    watch: dict[str, Any] = {}
    stream = engine.stream

    def counted(seed: Any, name: str) -> Counting:
        return Counting(stream(seed, name), counts)

    def start_watch() -> None:
        watch["before"] = {k: v.copy() for k, v in arrays(state).items()}
        watch["classes"] = [(t, track(getattr(state, t), seen, t)) for t in TABLES]

    def stop_watch() -> None:
        for table, old in watch.pop("classes"):
            getattr(state, table).__class__ = old
        watch["after"] = {k: v.copy() for k, v in arrays(state).items()}

    last = {"counts": Counter[str](), "cpu": 0.0}

    def on_step(done: int, total: int) -> None:
        end = time.process_time()
        cpu.append(end - last["cpu"])
        per_step.append(counts - last["counts"])
        last["counts"] = counts.copy()
        if done == args.step + 1:
            stop_watch()
        if done == args.step:
            start_watch()
        last["cpu"] = time.process_time()

    engine.stream = counted  # type: ignore[assignment]
    try:
        if args.step == 0:
            start_watch()
        last["cpu"] = time.process_time()
        engine.run(state, world.params, np.random.SeedSequence(scenario.seed), on_step)
    finally:
        engine.stream = stream  # type: ignore[assignment]

    before, after = watch["before"], watch["after"]
    n_actors = state.actors.count
    print(
        f"\n{args.scenario} at scale {args.scale:g}: {n_actors:,} actors, "
        f"{state.actors.cap_node.shape[1]} slots each, {steps} steps; step {args.step} "
        f"({state.projects.count:,} project rows at the end of the run)"
    )
    print("arrays the step accessed: read once whole, changed elements written once")
    print(f"  {'array':<34} {'shape':<16} {'read MB':>9} {'written MB':>11}")
    total_read = total_written = 0
    by_table: Counter[str] = Counter()
    for name in sorted(seen, key=lambda n: -after[n].nbytes if n in after else 0):
        if name not in after:
            continue  # a scalar field (counts, pools)
        read = before[name].nbytes if name in before else 0
        written = changed(before[name], after[name]) * after[name].itemsize
        total_read += read
        total_written += written
        by_table[name.split(".")[0]] += read + written
        if read + written >= 1e5:
            shape = "x".join(str(d) for d in after[name].shape)
            print(f"  {name:<34} {shape:<16} {read / 1e6:9.2f} {written / 1e6:11.2f}")
    print(
        f"  (arrays under 0.1 MB not listed) total read {total_read / 1e6:.1f} MB, "
        f"written {total_written / 1e6:.1f} MB"
    )
    print("  by table, MB: " + ", ".join(f"{t} {b / 1e6:.1f}" for t, b in by_table.items()))
    floor_bytes = total_read + total_written

    def draw_time(c: Counter[str]) -> float:
        return sum(n / rates.get(m, rates["random"]) for m, n in c.items())

    mean_draws: Counter[str] = Counter()
    for c in per_step:
        mean_draws.update(c)
    mean = {m: n / steps for m, n in mean_draws.items()}
    step_draws = per_step[args.step]
    print(
        f"random draws in step {args.step}: {sum(step_draws.values()):,} ("
        + ", ".join(f"{m} {n:,}" for m, n in sorted(step_draws.items()))
        + f"); mean per step {sum(mean.values()):,.0f}"
    )
    mem_time = floor_bytes / best_bw
    rows = [
        (f"step {args.step}", draw_time(step_draws), cpu[args.step]),
        ("mean step", sum(n / rates.get(m, rates["random"]) for m, n in mean.items()),
         statistics.mean(cpu)),
    ]  # fmt: skip
    print(f"\n{'':<10} {'memory ms':>10} {'draws ms':>9} {'floor ms':>9} {'actual ms CPU':>14} "
          f"{'actual / floor':>15}")  # fmt: skip
    for label, draws_s, actual in rows:
        floor = mem_time + draws_s
        print(
            f"{label:<10} {1000 * mem_time:10.1f} {1000 * draws_s:9.1f} {1000 * floor:9.1f} "
            f"{1000 * actual:14.1f} {actual / floor:15.1f}"
        )
    print(
        f"RESULT floor_bytes={floor_bytes} draws_step={sum(step_draws.values())} "
        f"floor_ms={1000 * (mem_time + rows[1][1]):.2f} "
        f"actual_ms={1000 * statistics.mean(cpu):.2f} "
        f"ratio={statistics.mean(cpu) / (mem_time + rows[1][1]):.2f}"
    )


if __name__ == "__main__":
    main()
