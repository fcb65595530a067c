"""Bench: what each regime feature contributes to the new system's difference from the old.

    python bench/decompose.py                          # prc-2019 at scale 0.05, seeds 1-5
    python bench/decompose.py --scale 0.02 --seeds 1,2,3 --containment none
    python bench/decompose.py --base market_led --target new_national_system

Starts from the ``--base`` regime (old_national_system), switches one regime feature
at a time to its ``--target`` value (new_national_system) with every other feature left
at the base, and prints the change in the headline indicators against the base run of
the same seed (common random numbers: the streams are keyed by mechanism, so a paired
difference removes most of the seed noise). The interval is the mean paired difference
plus or minus a t quantile times its standard error over seeds. A nested group (the
instrument mix, the evaluation weights) is one feature. The last rows give the whole
switch (the target regime), the sum of the single switches and the rest: the
interaction between features. Nothing is asserted here.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

import numpy as np
from paired import half_width

from innostate.experiments.run import simulate
from innostate.model.params import Regime
from innostate.scenario.load import load_scenario
from innostate.scenario.regimes import PRESETS, regime_from
from innostate.scenario.schema import Scenario

INDICATORS = (
    ("self_reliance_end", "self-reliance", 3),
    ("nodes_meeting_requirement_end", "nodes met", 1),
    ("breakthroughs", "breakthr.", 1),
    ("rd_spent_bn", "R&D bn", 0),
)


def features(base: Regime, target: Regime) -> dict[str, dict[str, Any]]:
    """Regime features that differ, each as the dotted settings that switch it to the target."""
    out: dict[str, dict[str, Any]] = {}
    for f in dataclasses.fields(Regime):
        old, new = getattr(base, f.name), getattr(target, f.name)
        if old == new:
            continue
        if dataclasses.is_dataclass(new):
            out[f.name] = {
                f"regime.{f.name}.{g.name}": getattr(new, g.name) for g in dataclasses.fields(new)
            }
        else:
            out[f"{f.name} {old:g} -> {new:g}"] = {f"regime.{f.name}": new}
    return out


def headline(
    scenario: Scenario, regime: str, containment: str, seed: int, settings: dict[str, Any]
) -> np.ndarray:
    """The headline indicators of one run, in ``INDICATORS`` order."""
    summary = simulate(
        scenario, regime=regime, seed=seed, settings=settings, containment=containment
    ).summary
    return np.array([float(summary[key]) for key, _, _ in INDICATORS])


def show(label: str, differences: np.ndarray) -> None:
    mean, half = differences.mean(axis=0), half_width(differences)
    cells = "".join(
        f"{m:>+10.{digits}f} ±{h:<7.{digits}f}"
        for m, h, (_, _, digits) in zip(mean, half, INDICATORS, strict=True)
    )
    print(f"{label:<44}{cells}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scenario", default="prc-2019")
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--base", default="old_national_system", choices=list(PRESETS))
    parser.add_argument("--target", default="new_national_system", choices=list(PRESETS))
    parser.add_argument("--containment", default="real")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    scenario = load_scenario(args.scenario).model_copy(update={"population_scale": args.scale})
    switches = features(regime_from(args.base, {}, {}), regime_from(args.target, {}, {}))

    base = np.array([headline(scenario, args.base, args.containment, s, {}) for s in seeds])
    print(
        f"{args.scenario} at scale {args.scale}, containment {args.containment}, seeds {seeds}:"
        f" change from {args.base}, one feature switched to {args.target}"
        " (mean paired difference ± 95% half-width)"
    )
    means = "  ".join(
        f"{name} {v:.{digits}f}"
        for v, (_, name, digits) in zip(base.mean(axis=0), INDICATORS, strict=True)
    )
    print(f"base: {means}")
    print(f"{'feature':<44}" + "".join(f"{name:>19}" for _, name, _ in INDICATORS))
    total_single = np.zeros_like(base)
    for name, settings in switches.items():
        changed = np.array(
            [headline(scenario, args.base, args.containment, s, settings) for s in seeds]
        )
        total_single += changed - base
        show(name, changed - base)
    whole = (
        np.array([headline(scenario, args.target, args.containment, s, {}) for s in seeds]) - base
    )
    show(f"all: {args.target}", whole)
    show("sum of single switches", total_single)
    show("interaction (all - sum)", whole - total_single)


if __name__ == "__main__":
    main()
