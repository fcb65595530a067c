"""Bench: the national scenario under every regime and containment timeline.

    python bench/regimes.py                            # prc-2019 at scale 0.05, seeds 1-3
    python bench/regimes.py --scale 0.02 --seeds 1,2 --containment real,none

Prints, per regime and containment timeline, the mean and spread over seeds of the
headline indicators, the money spent and lapsed, and outcomes per 1,000 bn yuan spent,
so that a regime that spends more is not called better for that alone. The population
scale does not change the answers within seed noise (docs/model.md, "Invariances"),
so a reduced scale is a faithful quick look. Nothing is asserted here.
"""

from __future__ import annotations

import argparse

import numpy as np

from innostate.experiments.run import simulate
from innostate.scenario.build import containment_timeline
from innostate.scenario.load import load_scenario
from innostate.scenario.regimes import PRESETS


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scenario", default="prc-2019")
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--regimes", default=",".join(PRESETS))
    parser.add_argument("--containment", default="real,none")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    scenario = load_scenario(args.scenario).model_copy(update={"population_scale": args.scale})
    for name in args.containment.split(","):
        containment_timeline(scenario, name)  # fails early on an unknown timeline
    print(f"{args.scenario} at scale {args.scale}, seeds {seeds}: mean (sd) over seeds")
    header = (
        f"{'regime':<22}{'containment':<12}{'self-reliance':>15}{'nodes met':>12}"
        f"{'breakthr.':>11}{'R&D bn':>9}{'lapsed bn':>10}{'met/1000bn':>11}"
    )
    print(header)
    for regime in args.regimes.split(","):
        for containment in args.containment.split(","):
            runs = [
                simulate(scenario, regime=regime, seed=seed, containment=containment).summary
                for seed in seeds
            ]

            def stat(key: str, runs: list[dict] = runs) -> tuple[float, float]:
                values = [float(r[key]) for r in runs]
                return float(np.mean(values)), float(np.std(values))

            sr, met, br = (
                stat("self_reliance_end"),
                stat("nodes_meeting_requirement_end"),
                stat("breakthroughs"),
            )
            spent, lapsed = stat("rd_spent_bn")[0], stat("lapsed_bn")[0]
            print(
                f"{regime:<22}{containment:<12}{sr[0]:>9.3f} ({sr[1]:.3f})"
                f"{met[0]:>7.1f} ({met[1]:.1f}){br[0]:>6.1f} ({br[1]:.1f})"
                f"{spent:>9.0f}{lapsed:>10.0f}{1000 * met[0] / spent:>11.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
