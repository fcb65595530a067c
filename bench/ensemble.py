"""Benchmark: ensemble throughput of `innostate compare` at 1 and 2 workers, and per-run overhead.

    python bench/ensemble.py                       # prc-2019 at scale 0.05, 8 runs each way
    python bench/ensemble.py --scale 1 --runs 4    # full-scale runs
    python bench/ensemble.py --blas-threads 1

Three passes of the project's own runner (``experiments.compare.compare``, one
regime, one containment timeline, --runs replicates, no output kept):

* in process: ``workers=1``, the runs one after the other in this process;
* 1-worker pool: the same runs through a spawned one-process pool (as
  ``backends.execute`` makes it), so the difference to the first pass is the
  pool's own cost per run (starting and importing the worker, sending inputs,
  returning indicators), with no second run competing;
* 2 workers: ``workers=2``, the ordinary parallel comparison.

It prints wall time, runs per minute, seconds per run (workers x wall / runs)
and CPU seconds per run (this process and its workers) of each pass, the speed-up of 2 workers
over 1, the pool overhead per run (1-worker pool minus in process, per run) and
the per-run cost of sharing the machine (2 x 2-worker wall / runs minus the
in-process time per run, i.e. overhead plus contention for cores and memory).
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its finished (joined) children."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def timed(pool: bool = False, **kwargs: Any) -> tuple[float, float]:
    """(wall, CPU of this process and its workers) seconds of one ``compare`` call.

    ``pool``: through a spawned one-process pool built as ``backends.execute``
    builds it, shut down (its worker joined) inside the timing.
    """
    from innostate.experiments.backends import _worker_start
    from innostate.experiments.compare import compare

    w0, c0 = time.perf_counter(), cpu_seconds()
    if pool:
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=spawn, initializer=_worker_start) as executor:
            compare(**kwargs, executor=executor)
    else:
        compare(**kwargs)
    return time.perf_counter() - w0, cpu_seconds() - c0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", default="prc-2019")
    parser.add_argument("--regime", default="new_national_system")
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--runs", type=int, default=8, help="replicates per pass")
    parser.add_argument("--blas-threads", type=int, default=None)
    args = parser.parse_args()
    if args.blas_threads is not None:  # inherited by the spawned workers
        if "numpy" in sys.modules:
            raise SystemExit("--blas-threads must be set before numpy is imported")
        for name in BLAS_VARIABLES:
            os.environ[name] = str(args.blas_threads)

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"machine: {os.cpu_count()} CPUs, load average {load}, OPENBLAS_NUM_THREADS={blas}")
    print(f"{args.scenario} at scale {args.scale:g} under {args.regime}, {args.runs} runs per pass")
    grid = {
        "scenario": args.scenario,
        "regimes": [args.regime],
        "containments": ["real"],
        "replicates": args.runs,
        "scale": args.scale,
    }
    inproc, inproc_cpu = timed(**grid, workers=1)
    pooled, pooled_cpu = timed(pool=True, **grid, workers=1)
    two, two_cpu = timed(**grid, workers=2)
    per_run = inproc / args.runs
    print(f"{'pass':<16} {'wall s':>8} {'runs/min':>9} {'s per run':>10} {'CPU s per run':>14}")
    for label, wall, cpu, workers in (
        ("in process", inproc, inproc_cpu, 1),
        ("1-worker pool", pooled, pooled_cpu, 1),
        ("2 workers", two, two_cpu, 2),
    ):
        print(
            f"{label:<16} {wall:8.1f} {60 * args.runs / wall:9.1f} "
            f"{workers * wall / args.runs:10.2f} {cpu / args.runs:14.2f}"
        )
    print(f"speed-up of 2 workers over 1 (in process): {inproc / two:.2f}x")
    print(
        f"pool overhead per run (1-worker pool - in process): {(pooled - inproc) / args.runs:.2f} s"
    )
    print(
        f"per-run cost of 2 workers (2 x wall / runs - in-process per run): "
        f"{2 * two / args.runs - per_run:.2f} s on {per_run:.2f} s"
    )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average {load} at the end")


if __name__ == "__main__":
    main()
