"""Bench: headline answers across how a run is set up (scale, step length, call rhythm).

    python bench/invariance.py                         # prc-2019, the default table
    python bench/invariance.py --scales 0.02,0.1 --steps 2,4,12 --seeds 1,2,3
    python bench/invariance.py --regimes new_national_system,old_national_system

For each setting it runs the scenario over the given seeds and prints the mean and
standard deviation of the headline indicators: self-reliance at the end, nodes meeting
their requirement, breakthroughs and R&D spent. The model should give the same answers
within seed noise whatever the population scale, the steps per year, how often calls
are issued or how long projects run (docs/model.md, "Invariances"). Nothing is asserted
here: tests/integration/test_invariance.py holds the tested tolerances.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from innostate.experiments.run import simulate
from innostate.scenario.load import load_scenario
from innostate.scenario.schema import Scenario

HEADLINE = ("self_reliance_end", "nodes_meeting_requirement_end", "breakthroughs", "rd_spent_bn")


def headline(
    scenario: Scenario, seeds: list[int], regime: str | None, settings: dict[str, float]
) -> dict[str, tuple[float, float]]:
    """Mean and standard deviation of each headline indicator over the seeds."""
    values = {k: [] for k in HEADLINE}  # type: dict[str, list[float]]
    for seed in seeds:
        summary = simulate(scenario, regime=regime, seed=seed, settings=settings).summary
        for k in HEADLINE:
            values[k].append(float(summary[k]))
    return {k: (float(np.mean(v)), float(np.std(v))) for k, v in values.items()}


def with_calendar(scenario: Scenario, steps_per_year: int) -> Scenario:
    calendar = scenario.calendar.model_copy(update={"steps_per_year": steps_per_year})
    return scenario.model_copy(update={"calendar": calendar})


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scenario", default="prc-2019")
    parser.add_argument("--regimes", default="new_national_system")
    parser.add_argument("--scales", default="0.02,0.1,0.5,1.0")
    parser.add_argument("--steps", default="2,4,12", help="steps per year (at --base-scale)")
    parser.add_argument("--calls", default="0.25,1,3", help="call intervals in years")
    parser.add_argument("--durations", default="1,3,6", help="project durations in years")
    parser.add_argument("--base-scale", type=float, default=0.05)
    parser.add_argument("--seeds", default="1,2,3")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    base = load_scenario(args.scenario)
    at_base = base.model_copy(update={"population_scale": args.base_scale})

    rows: list[tuple[str, str, Scenario, dict[str, float]]] = []
    for regime in args.regimes.split(","):
        rows += [
            (regime, f"scale {s}", base.model_copy(update={"population_scale": float(s)}), {})
            for s in args.scales.split(",")
            if s
        ]
        rows += [
            (regime, f"steps/year {n}", with_calendar(at_base, int(n)), {})
            for n in args.steps.split(",")
            if n
        ]
        rows += [
            (regime, f"calls every {c} y", at_base, {"programmes.call_interval_years": float(c)})
            for c in args.calls.split(",")
            if c
        ]
        rows += [
            (
                regime,
                f"projects {d} y",
                at_base,
                {"programmes.project_duration_years": float(d)},
            )
            for d in args.durations.split(",")
            if d
        ]
    print(
        f"{args.scenario}, seeds {seeds}; mean ± sd over seeds; steps/calls/projects "
        f"at scale {args.base_scale}"
    )
    print(
        f"{'regime':<22} {'setting':<18} {'self-reliance':>15} {'nodes met':>12} "
        f"{'breakthroughs':>14} {'R&D bn':>14} {'s/run':>7}"
    )
    for regime, label, scenario, settings in rows:
        started = time.perf_counter()
        h = headline(scenario, seeds, regime, settings)
        per_run = (time.perf_counter() - started) / len(seeds)
        cells = [
            f"{h['self_reliance_end'][0]:.3f} ± {h['self_reliance_end'][1]:.3f}",
            f"{h['nodes_meeting_requirement_end'][0]:.1f} ± "
            f"{h['nodes_meeting_requirement_end'][1]:.1f}",
            f"{h['breakthroughs'][0]:.1f} ± {h['breakthroughs'][1]:.1f}",
            f"{h['rd_spent_bn'][0]:.0f} ± {h['rd_spent_bn'][1]:.0f}",
        ]
        print(
            f"{regime:<22} {label:<18} {cells[0]:>15} {cells[1]:>12} {cells[2]:>14} "
            f"{cells[3]:>14} {per_run:>7.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
