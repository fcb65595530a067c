"""Benchmark: build and run a national scenario, print wall time per phase and peak memory.

    python bench/national.py                      # prc-2019, full scale (about 500,000 actors)
    python bench/national.py --scale 0.1 --repeat 3
    python bench/national.py --scenario prc-2012 --regime old_national_system

Figures go to standard output; nothing is asserted (speed is measured here, not in tests).
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from innostate.experiments.run import tables
from innostate.model import engine
from innostate.scenario.build import build
from innostate.scenario.load import load_scenario


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scenario", default="prc-2019")
    parser.add_argument("--regime", default=None)
    parser.add_argument("--containment", default="real")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    scenario = load_scenario(args.scenario).model_copy(update={"population_scale": args.scale})
    for run in range(args.repeat):
        t0 = time.perf_counter()
        world = build(scenario, regime=args.regime, containment=args.containment)
        t1 = time.perf_counter()
        rec = engine.run(world.state, world.params, np.random.SeedSequence(scenario.seed))
        t2 = time.perf_counter()
        result = tables(world, rec)
        t3 = time.perf_counter()
        steps = world.state.schedule.steps
        print(
            f"run {run + 1}: {world.state.actors.count:,} actors, {steps} steps, "
            f"{result.summary['projects']:,} projects | build {t1 - t0:.2f} s, "
            f"simulate {t2 - t1:.2f} s ({1000 * (t2 - t1) / steps:.0f} ms/step), "
            f"tables {t3 - t2:.2f} s, total {t3 - t0:.2f} s"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
