"""Benchmark: one national run, phase by phase, with CPU and wall time and peak memory.

    python bench/national.py                       # prc-2019, full scale (493,004 actors)
    python bench/national.py --repeat 3            # median, min and max over 3 runs
    python bench/national.py --quick               # scale 0.02: the speed guard's run
    python bench/national.py --scale 0.1 --no-report
    python bench/national.py --scale 0.05 --check  # per-mechanism timing changes nothing
    python bench/national.py --blas-threads 1      # OpenBLAS limited to one thread
    python bench/national.py --grow 2              # every population twice as large

The phases are those of `innostate run`: load (read and check the scenario),
build (the synthetic world), simulate (the engine, timed per mechanism), tables
(output DataFrames and summary), write (Parquet and JSON files, as `innostate run`
writes them, into a temporary folder unless --out is given) and report
(report.html). Per mechanism, each module of ``engine.MECHANISMS`` is swapped for
a copy whose ``step`` is timed (same ``__name__``, so the same random streams);
``record`` is the engine's step 12 and ``engine`` the rest of the loop (ledger
check). CPU time is process time (all threads); actor-steps per second is
actors x steps / simulate CPU time.

The last line, ``RESULT {json}``, holds the medians for scripts (bench/scaling.py,
tests/test_speed_guard.py). Figures go to standard output; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

QUICK_SCALE = 0.02
BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def now() -> tuple[float, float]:
    """(wall, CPU) clocks in seconds."""
    return time.perf_counter(), time.process_time()


def peak_rss_mib() -> float:
    """High-water mark of this process's resident set size, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    """One line: CPUs, load average, Python, numpy and the BLAS thread setting."""
    import platform

    import numpy as np

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    return (
        f"{os.cpu_count()} CPUs, load average {load}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, OPENBLAS_NUM_THREADS={blas}"
    )


@contextmanager
def timed_mechanisms(times: dict[str, list[float]]) -> Iterator[None]:
    """Time every mechanism's ``step`` and the engine's ``record`` without touching the model.

    Inside the block ``engine.MECHANISMS`` holds namespaces copying each module
    (so ``__name__``, hence each random stream, is unchanged) whose ``step`` adds its
    [wall, CPU] seconds to ``times[name]``; ``engine.records.record`` likewise under
    ``"record"``. Everything is restored on exit.
    """
    from innostate.model import engine

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        total = times.setdefault(name, [0.0, 0.0])

        def call(*args: Any, **kwargs: Any) -> Any:
            w0, c0 = now()
            out = fn(*args, **kwargs)
            w1, c1 = now()
            total[0] += w1 - w0
            total[1] += c1 - c0
            return out

        return call

    def copy(module: Any, attr: str, name: str) -> SimpleNamespace:
        fields = {k: v for k, v in vars(module).items() if not k.startswith("__")}
        fields[attr] = timed(name, getattr(module, attr))
        return SimpleNamespace(**fields, __name__=module.__name__)

    mechanisms, records = engine.MECHANISMS, engine.records
    engine.MECHANISMS = tuple(  # type: ignore[assignment]
        copy(m, "step", m.__name__.rsplit(".", 1)[-1]) for m in mechanisms
    )
    engine.records = copy(records, "record", "record")  # type: ignore[assignment]
    try:
        yield
    finally:
        engine.MECHANISMS, engine.records = mechanisms, records


@contextmanager
def phase_marks(marks: dict[str, tuple[float, float]]) -> Iterator[None]:
    """Record when ``build`` ends and ``tables`` starts inside ``experiments.run.simulate``."""
    from innostate.experiments import run as run_module

    build, tables = run_module.build, run_module.tables

    def marked_build(*args: Any, **kwargs: Any) -> Any:
        out = build(*args, **kwargs)
        marks["build_end"] = now()
        return out

    def marked_tables(*args: Any, **kwargs: Any) -> Any:
        marks["tables_start"] = now()
        return tables(*args, **kwargs)

    run_module.build, run_module.tables = marked_build, marked_tables  # type: ignore[assignment]
    try:
        yield
    finally:
        run_module.build, run_module.tables = build, tables  # type: ignore[assignment]


def national_run(
    scenario: str,
    scale: float,
    regime: str | None = None,
    containment: str = "real",
    out: Path | None = None,
    write: bool = True,
    report: bool = True,
    per_mechanism: bool = True,
    grow: float = 1.0,
) -> dict[str, Any]:
    """One run as `innostate run` makes it, timed by phase.

    ``grow`` multiplies every population's count (a larger country, same budgets):
    the build never draws more rows than a population's real actors, so a
    population scale above 1 gives the scale-1 run.

    Returns
    -------
    dict
        ``phases`` and ``mechanisms`` as name -> [wall, CPU] seconds, ``actors``,
        ``steps``, ``peak_rss_mib`` after each phase (``rss``) and the ``result``.
    """
    from innostate.experiments.run import resolve, simulate
    from innostate.experiments.store import write_run
    from innostate.interfaces.report import write_run_report
    from innostate.scenario.load import load_scenario

    phases: dict[str, list[float]] = {}
    rss: dict[str, float] = {}
    mechanisms: dict[str, list[float]] = {}
    marks: dict[str, tuple[float, float]] = {}

    def lap(name: str, start: tuple[float, float], end: tuple[float, float]) -> None:
        phases[name] = [end[0] - start[0], end[1] - start[1]]
        rss[name] = peak_rss_mib()

    t0 = now()
    loaded = load_scenario(scenario)
    if grow != 1.0:
        bigger = [p.model_copy(update={"count": round(p.count * grow)}) for p in loaded.populations]
        loaded = loaded.model_copy(update={"populations": bigger})
    inputs = resolve(loaded, regime, containment, scale=scale)
    t1 = now()
    lap("load", t0, t1)
    timing = timed_mechanisms(mechanisms) if per_mechanism else _nothing()
    with phase_marks(marks), timing:
        result = simulate(inputs)
    t2 = now()
    lap("build", t1, marks["build_end"])
    lap("simulate", marks["build_end"], marks["tables_start"])
    lap("tables", marks["tables_start"], t2)
    with tempfile.TemporaryDirectory(prefix="innostate-bench-") as tmp:
        folder = out or Path(tmp) / inputs.folder_name()
        if write or report:
            t3 = now()
            write_run(result, folder)
            lap("write", t3, now())
        if report:
            t4 = now()
            write_run_report(folder)
            lap("report", t4, now())
    if mechanisms:
        engine_cpu = phases["simulate"][1] - sum(v[1] for v in mechanisms.values())
        engine_wall = phases["simulate"][0] - sum(v[0] for v in mechanisms.values())
        mechanisms["engine"] = [engine_wall, engine_cpu]
    return {
        "phases": phases,
        "mechanisms": mechanisms,
        "rss": rss,
        "actors": int(result.summary["actors"]),
        "steps": len(result.ledger),
        "result": result,
    }


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def identical(a: Any, b: Any) -> bool:
    """Same tables (exactly) and same summary, for two ``Result`` objects."""
    if json.dumps(a.summary, sort_keys=True) != json.dumps(b.summary, sort_keys=True):
        return False
    return all(frame.equals(b.tables()[name]) for name, frame in a.tables().items())


def rounded(value: Any) -> Any:
    """Floats in nested data rounded to 4 significant digits (for the RESULT line)."""
    if isinstance(value, float):
        return float(f"{value:.4g}")
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


def spread(values: list[float]) -> str:
    """'median (min-max)' of values, or the single value."""
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", default="prc-2019", help="built-in name or YAML file")
    parser.add_argument("--regime", default=None)
    parser.add_argument("--containment", default="real")
    parser.add_argument("--scale", type=float, default=None, help="population scale (1)")
    parser.add_argument("--quick", action="store_true", help=f"scale {QUICK_SCALE}, no report")
    parser.add_argument(
        "--grow", type=float, default=1.0, help="multiply population counts (scale > 1)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs in this process")
    parser.add_argument("--out", type=Path, default=None, help="keep the written run here")
    parser.add_argument("--no-write", action="store_true", help="skip writing (and report)")
    parser.add_argument("--no-report", action="store_true", help="skip report.html")
    parser.add_argument(
        "--no-mechanisms", action="store_true", help="simulate without per-mechanism timing"
    )
    parser.add_argument(
        "--check", action="store_true", help="also run unwrapped and compare the results"
    )
    parser.add_argument(
        "--blas-threads", type=int, default=None, help="set OPENBLAS/OMP/MKL_NUM_THREADS"
    )
    args = parser.parse_args()
    if args.blas_threads is not None:  # read by OpenBLAS when numpy is first imported
        if "numpy" in sys.modules:
            raise SystemExit("--blas-threads must be set before numpy is imported")
        for name in BLAS_VARIABLES:
            os.environ[name] = str(args.blas_threads)
    scale = args.scale if args.scale is not None else (QUICK_SCALE if args.quick else 1.0)
    report = not (args.no_report or args.no_write or args.quick)
    write = not args.no_write

    # imports are not a phase
    import innostate.experiments.run
    import innostate.interfaces.report  # noqa: F401

    print(f"machine: {machine()}")
    runs = []
    for k in range(args.repeat):
        r = national_run(
            args.scenario,
            scale,
            args.regime,
            args.containment,
            out=args.out,
            write=write,
            report=report,
            per_mechanism=not args.no_mechanisms,
            grow=args.grow,
        )
        p = r["phases"]
        sim_cpu = p["simulate"][1]
        print(
            f"run {k + 1}: {r['actors']:,} actors x {r['steps']} steps | "
            + ", ".join(f"{name} {v[1]:.2f}" for name, v in p.items())
            + f" s CPU | simulate {1000 * sim_cpu / r['steps']:.0f} ms/step CPU, "
            f"{p['simulate'][0]:.2f} s wall | peak {peak_rss_mib():,.0f} MiB"
        )
        runs.append(r)
    first = runs[0]
    actors, steps = first["actors"], first["steps"]
    grown = f", populations x {args.grow:g}" if args.grow != 1.0 else ""
    print(
        f"\n{args.scenario} at scale {scale:g}{grown}: {actors:,} actors x {steps} steps, ", end=""
    )
    print(f"{args.repeat} run(s)")
    print("phase        CPU s, median (min-max)     wall s, median (min-max)   peak RSS after, MiB")
    for name in first["phases"]:
        cpu = [r["phases"][name][1] for r in runs]
        wall = [r["phases"][name][0] for r in runs]
        print(f"{name:<12} {spread(cpu):<28} {spread(wall):<28} {first['rss'][name]:,.0f}")
    no_report = [sum(v[1] for n, v in r["phases"].items() if n != "report") for r in runs]
    total = [sum(v[1] for v in r["phases"].values()) for r in runs]
    total_wall = [sum(v[0] for v in r["phases"].values()) for r in runs]
    print(f"{'total':<12} {spread(total):<28} {spread(total_wall):<28} {peak_rss_mib():,.0f}")
    print(f"{'no report':<12} {spread(no_report):<28} (what `innostate run --no-report` does)")
    mech = first["mechanisms"]
    if mech:
        sims = [r["phases"]["simulate"][1] for r in runs]
        print("\nsimulate by mechanism, CPU s median (min-max), share of simulate CPU:")
        for name in sorted(mech, key=lambda n: -mech[n][1]):
            cpu = [r["mechanisms"][name][1] for r in runs]
            share = 100 * statistics.median(cpu) / statistics.median(sims)
            print(f"  {name:<18} {spread(cpu):<26} {share:5.1f}%")
    sim_cpu = statistics.median(r["phases"]["simulate"][1] for r in runs)
    rate = actors * steps / sim_cpu
    print(
        f"\nactor-steps per CPU second: {rate:,.0f} ({1e6 / rate:.3f} us CPU per actor-step); "
        f"peak RSS {peak_rss_mib():,.0f} MiB"
    )
    if args.check:
        plain = national_run(
            args.scenario, scale, args.regime, args.containment,
            write=False, report=False, per_mechanism=False,
        )  # fmt: skip
        same = identical(first["result"], plain["result"])
        print(f"check: per-mechanism timing leaves the result identical: {'yes' if same else 'NO'}")
    summary = {
        "scenario": args.scenario,
        "scale": scale,
        "grow": args.grow,
        "actors": actors,
        "steps": steps,
        "repeat": args.repeat,
        "phases_cpu_s": {
            n: statistics.median(r["phases"][n][1] for r in runs) for n in first["phases"]
        },
        "phases_wall_s": {
            n: statistics.median(r["phases"][n][0] for r in runs) for n in first["phases"]
        },
        "mechanisms_cpu_s": {
            n: statistics.median(r["mechanisms"][n][1] for r in runs) for n in mech
        },
        "simulate_cpu_s": sim_cpu,
        "simulate_cpu_s_all": [r["phases"]["simulate"][1] for r in runs],
        "actor_steps_per_cpu_s": rate,
        "us_per_actor_step": 1e6 / rate,
        "peak_rss_mib": peak_rss_mib(),
        "load_average": os.getloadavg()[0],
    }
    print("RESULT " + json.dumps(rounded(summary)))


if __name__ == "__main__":
    main()
