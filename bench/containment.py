"""Bench: does containment slow or speed up the controlled nodes, and through what?

    python bench/containment.py                        # prc-2019 at scale 0.05, seeds 1-5
    python bench/containment.py --regime old_national_system --variant none
    python bench/containment.py --set adoption.learning_by_doing=0.6

Runs the scenario with the real containment timeline and with ``--variant`` (no
containment by default) under the same seeds, and prints for every node whose foreign
access falls below one in the real timeline:

- the capability effect: domestic (enterprise) level at the end, real minus variant,
  as a seed-paired mean with its 95% t half-width;
- the domestic-share effect: domestic market share averaged over the run, real minus
  variant (the forced-adoption channel);
- the mean year the node first met its requirement under each timeline (``-`` when
  no seed got there);
- the verdict: ``sped up`` or ``slowed`` when the interval of the capability effect
  excludes zero, ``unclear`` otherwise.

Containment both removes foreign prerequisites (a drag on R&D) and forces domestic
users onto domestic suppliers (learning by doing, reinvested revenue, co-development,
crisis money): the sign per node follows from which is stronger there
(docs/model.md, "Forced innovation"). Nothing is asserted here.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from paired import half_width

from innostate.experiments.run import simulate
from innostate.scenario.load import load_scenario


def node_table(nodes: pd.DataFrame) -> pd.DataFrame:
    """Per node: end level, mean domestic share, first year meeting the requirement, min access."""
    nodes = nodes.sort_values(["node", "step"])
    met = nodes[nodes["domestic_level"] >= nodes["requirement"]]
    return pd.DataFrame(
        {
            "level_end": nodes.groupby("node")["domestic_level"].last(),
            "share_mean": nodes.groupby("node")["domestic_share"].mean(),
            "met_year": met.groupby("node")["year"].min(),
            "access_min": nodes.groupby("node")["access"].min(),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scenario", default="prc-2019")
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--regime", default="new_national_system")
    parser.add_argument("--variant", default="none", help="timeline compared with `real`")
    parser.add_argument("--set", action="append", default=[], help="PATH=VALUE, repeatable")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    settings = {k: float(v) for k, v in (item.split("=", 1) for item in args.set)}
    scenario = load_scenario(args.scenario).model_copy(update={"population_scale": args.scale})

    def tables(timeline: str) -> list[pd.DataFrame]:
        return [
            node_table(
                simulate(
                    scenario, regime=args.regime, seed=s, containment=timeline, settings=settings
                ).nodes
            )
            for s in seeds
        ]

    real, other = tables("real"), tables(args.variant)
    controlled = real[0].index[real[0]["access_min"] < 1.0]
    level = np.array(
        [
            r.loc[controlled, "level_end"] - o.loc[controlled, "level_end"]
            for r, o in zip(real, other, strict=True)
        ]
    )
    share = np.array(
        [
            r.loc[controlled, "share_mean"] - o.loc[controlled, "share_mean"]
            for r, o in zip(real, other, strict=True)
        ]
    )
    met_real = pd.concat([r["met_year"] for r in real], axis=1).loc[controlled].mean(axis=1)
    met_other = pd.concat([o["met_year"] for o in other], axis=1).loc[controlled].mean(axis=1)

    print(
        f"{args.scenario} at scale {args.scale}, {args.regime}, seeds {seeds}: "
        f"real minus {args.variant} on the {len(controlled)} controlled nodes"
    )
    print(
        f"{'node':<30}{'min access':>11}{'level effect':>20}{'share effect':>14}"
        f"{'met (real)':>12}{'met (' + args.variant + ')':>12}  verdict"
    )
    verdicts = {"sped up": 0, "slowed": 0, "unclear": 0}
    order = np.argsort(-level.mean(axis=0))
    for i in order:
        name = controlled[i]
        mean, half = float(level[:, i].mean()), float(half_width(level[:, i]))
        verdict = "unclear"
        if np.isfinite(half) and abs(mean) > half:
            verdict = "sped up" if mean > 0 else "slowed"
        verdicts[verdict] += 1

        def year(value: float) -> str:
            return "-" if np.isnan(value) else f"{value:.1f}"

        print(
            f"{name:<30}{real[0].loc[name, 'access_min']:>11.2f}"
            f"{mean:>+12.3f} ±{half:<6.3f}{share[:, i].mean():>+14.3f}"
            f"{year(met_real[name]):>12}{year(met_other[name]):>12}  {verdict}",
            flush=True,
        )
    print(", ".join(f"{k}: {v}" for k, v in verdicts.items()))


if __name__ == "__main__":
    main()
