"""Benchmark: simulate time and peak memory against the population scale, with fitted exponents.

    python bench/scaling.py                          # scales 0.05 ... 4 of prc-2019
    python bench/scaling.py --scales 0.05,0.1,0.2 --repeat 3
    python bench/scaling.py --blas-threads 1

Each scale runs in a fresh subprocess (`bench/national.py --scale S --no-write
--no-mechanisms`), so the peak resident set size is that run's alone (imports,
build, simulate and tables; no output written). For every scale it prints the
actors, the simulate CPU and wall time (median of --repeat subprocesses), the CPU
microseconds per actor-step and the peak RSS; then the exponent b of time ~ actors^b
fitted by least squares on log-log over the lower half of the range (scales up to
the middle one), the upper half (from the middle one) and all of it, for simulate
CPU time and for peak memory.

Scales above 1: the schema accepts ``population_scale`` up to 10 (and runs up to
5,000,000 actors and 10^9 actor-steps, scenario/validate.py), but the build never
draws more rows than a population's real actors, so scale 2 of prc-2019 is the
scale-1 run. A scale s > 1 here is therefore scale 1 with every population's count
multiplied by s (`national.py --grow s`: a larger country with the same budgets).
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
DEFAULT_SCALES = "0.05,0.1,0.25,0.5,1,2,4"


def one(scale: float, scenario: str, blas: int | None) -> dict[str, float]:
    """Run bench/national.py at ``scale`` in a subprocess; return its RESULT figures."""
    command = [sys.executable, str(HERE / "national.py"), "--scenario", scenario]
    grow = max(1.0, scale)  # the build draws at most a population's real actors
    command += [
        "--scale",
        str(min(1.0, scale)),
        "--grow",
        str(grow),
        "--no-write",
        "--no-mechanisms",
    ]
    if blas is not None:
        command += ["--blas-threads", str(blas)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"scale {scale} failed:\n{done.stdout}\n{done.stderr}")
    figures: dict[str, float] = json.loads(lines[-1].removeprefix("RESULT "))
    return figures


def exponent(x: list[float], y: list[float]) -> float:
    """Slope of log(y) on log(x) by least squares."""
    lx, ly = [math.log(v) for v in x], [math.log(v) for v in y]
    mx, my = statistics.mean(lx), statistics.mean(ly)
    num = sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True))
    den = sum((a - mx) ** 2 for a in lx)
    return num / den


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", default="prc-2019")
    parser.add_argument("--scales", default=DEFAULT_SCALES, help="comma-separated")
    parser.add_argument("--repeat", type=int, default=1, help="subprocesses per scale")
    parser.add_argument("--blas-threads", type=int, default=None)
    args = parser.parse_args()
    scales = sorted(float(s) for s in args.scales.split(","))

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} at the start")
    print(
        f"{'scale':>6} {'actors':>10} {'simulate CPU s':>26} {'wall s':>8} "
        f"{'us/actor-step':>14} {'peak RSS MiB':>13}"
    )
    actors, cpu, rss = [], [], []
    for scale in scales:
        runs = [one(scale, args.scenario, args.blas_threads) for _ in range(args.repeat)]
        sims = [r["simulate_cpu_s"] for r in runs]
        walls = [r["phases_wall_s"]["simulate"] for r in runs]
        n, steps = runs[0]["actors"], runs[0]["steps"]
        mid = statistics.median(sims)
        spread = f"{mid:.2f}" if len(sims) == 1 else f"{mid:.2f} ({min(sims):.2f}-{max(sims):.2f})"
        peak = max(r["peak_rss_mib"] for r in runs)
        print(
            f"{scale:6g} {n:10,} {spread:>26} {statistics.median(walls):8.2f} "
            f"{1e6 * mid / (n * steps):14.3f} {peak:13,.0f}",
            flush=True,
        )
        actors.append(float(n))
        cpu.append(mid)
        rss.append(peak)
    half = len(scales) // 2
    parts = {
        f"lower half ({scales[0]:g}-{scales[half]:g})": slice(0, half + 1),
        f"upper half ({scales[half]:g}-{scales[-1]:g})": slice(half, None),
        f"all ({scales[0]:g}-{scales[-1]:g})": slice(None),
    }
    if 1.0 in scales[1:-1]:  # the real population splits the range too
        one = scales.index(1.0)
        parts[f"up to 1 ({scales[0]:g}-1)"] = slice(0, one + 1)
        parts[f"from 1 (1-{scales[-1]:g})"] = slice(one, None)
    print("\nfitted exponent b of y ~ actors^b (log-log least squares):")
    for label, part in parts.items():
        if len(actors[part]) < 2:
            continue
        print(
            f"  {label:<24} simulate CPU {exponent(actors[part], cpu[part]):.2f}, "
            f"peak RSS {exponent(actors[part], rss[part]):.2f}"
        )
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average {load} at the end")


if __name__ == "__main__":
    main()
