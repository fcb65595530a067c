"""Benchmark: innostate's numpy steps against an idiomatic Mesa port, on the same built world.

    pip install -e ".[bench]"                           # Mesa 3.3 (the bench extra)
    python bench/mesa_reference/run.py --actors 10000,100000 --steps 8
    python bench/mesa_reference/run.py --actors 10000 --steps 4 --repeat 1
    python bench/mesa_reference/run.py --actors 10000 --noise   # keep R&D noise: z-scores

For each target size the scenario (prc-2019 by default) is built with
``innostate.scenario.build.build`` at the population scale that gives about
that many actors. The Mesa port (``mesa_port.py``: one agent per actor row)
and innostate's own functions (``numpy_driver.py``) then run the same subset
of a step (finance deals, firms' self-funded R&D, adoption) for ``--steps``
quarters, each from its own build of the same world. Printed: actor-steps per
second of each (CPU time of the steps only, median over ``--repeat`` runs; the
Mesa model's construction is timed apart), their ratio, and the agreement of
the two on the expected quantities, with a PASS/FAIL line.

By default the R&D noise is off (``rnd.noise = 0``), so R&D and adoption are
deterministic and must agree to rounding (relative 1e-9), slot by slot; the
finance deals still round real firms at random (each side its own draws), so
money invested agrees to the deal when funds' capital is the limit and within
sampling noise otherwise. With ``--noise`` the scenario's noise is kept and
mean progress is compared by its z-score (|z| < 4). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from mesa_port import Firm, Fund, InnovationModel
from numpy_driver import NumpyModel

from innostate.model.codebook import INSTRUMENT, KIND
from innostate.model.params import replace_path
from innostate.scenario.build import World, build
from innostate.scenario.load import load_scenario

EXACT = 1e-9  # relative agreement of deterministic quantities (rounding only)
Z_LIMIT = 4.0  # |z| allowed for sampled quantities


@dataclasses.dataclass
class Record:
    """Per-step quantities both sides must agree on (summed or final over the run)."""

    spent: list[float] = dataclasses.field(default_factory=list)  # own R&D, bn yuan
    received: list[float] = dataclasses.field(default_factory=list)  # adoption income
    funded: list[int] = dataclasses.field(default_factory=list)  # funded slots
    gain: list[float] = dataclasses.field(default_factory=list)  # sum of R&D progress
    gain_sq: list[float] = dataclasses.field(default_factory=list)
    mean_level: list[float] = dataclasses.field(default_factory=list)  # over all slots
    share: list[float] = dataclasses.field(default_factory=list)  # mean domestic share
    vc: list[float] = dataclasses.field(default_factory=list)  # invested by VC funds
    gf: list[float] = dataclasses.field(default_factory=list)  # by guidance funds
    fund_cash: list[float] = dataclasses.field(default_factory=list)
    vc_var: list[float] = dataclasses.field(default_factory=list)  # deals' rounding variance
    gf_var: list[float] = dataclasses.field(default_factory=list)


def world_at(scenario: Any, scale: float, noise: bool) -> World:
    """The scenario built at ``scale``; R&D noise off unless ``noise``."""
    world = build(scenario.model_copy(update={"population_scale": scale}))
    if not noise:
        world.params = replace_path(world.params, "rnd.noise", 0.0)
    return world


def scale_for(scenario: Any, actors: int) -> float:
    """Population scale giving about ``actors`` actors (secant steps from scale 0.01)."""
    scale = 0.01
    for _ in range(3):
        world = build(scenario.model_copy(update={"population_scale": scale}))
        named, count = world.named_count, world.state.actors.count
        if abs(count - actors) <= 0.005 * actors:
            break
        scale *= (actors - named) / (count - named)
    return scale


def timed(step: Callable[[], None], after: Callable[[], None], steps: int) -> tuple[float, float]:
    """CPU and wall seconds of ``steps`` calls of ``step``; ``after`` runs untimed."""
    cpu = wall = 0.0
    for _ in range(steps):
        c0, w0 = time.process_time(), time.perf_counter()
        step()
        cpu += time.process_time() - c0
        wall += time.perf_counter() - w0
        after()
    return cpu, wall


def run_numpy(world: World, steps: int, seed: int) -> tuple[float, float, Record]:
    """Run innostate's functions: CPU and wall seconds of the steps, and the record."""
    model = NumpyModel(world.state, world.params, seed)
    rec = Record()
    a, n = world.state.actors, world.state.nodes
    used = a.cap_node >= 0
    funds = {k: a.kind == KIND[k] for k in ("vc_fund", "guidance_fund")}

    def after() -> None:
        model.count_deals()
        ledger = world.state.ledger
        rec.spent.append(ledger.outflow)
        rec.received.append(ledger.inflow)
        rec.funded.append(model.gains.funded)
        rec.gain.append(model.gains.total)
        rec.gain_sq.append(model.gains.squares)
        rec.mean_level.append(float(a.cap_level[used].mean()))
        rec.share.append(float(n.domestic_share.mean()))
        rec.vc.append(model.invested["vc"])
        rec.gf.append(model.invested["guidance_fund"])
        held = funds["vc_fund"] | funds["guidance_fund"]
        rec.fund_cash.append(float(np.dot(a.cash[held], a.weight[held])))

    rec.mean_level.append(float(a.cap_level[used].mean()))
    cpu, wall = timed(model.step, after, steps)
    return cpu, wall, rec


def run_mesa(world: World, steps: int, seed: int) -> tuple[float, float, float, Record, Any]:
    """Build and run the Mesa port: construction CPU, steps' CPU and wall, record, model."""
    c0 = time.process_time()
    model = InnovationModel(world.state, world.params, seed)
    build_cpu = time.process_time() - c0
    rec = Record()
    slots = [slot for agent in model.agents for slot in agent.slots]
    funds = model.agents_by_type[Fund]

    def after() -> None:
        rec.spent.append(model.rd_spent)
        rec.received.append(model.received)
        rec.funded.append(model.rd_funded)
        rec.gain.append(model.rd_gain_sum)
        rec.gain_sq.append(model.rd_gain_sq)
        rec.mean_level.append(sum(s.level for s in slots) / len(slots))
        rec.share.append(sum(node.domestic_share for node in model.nodes) / len(model.nodes))
        rec.vc.append(model.invested[KIND["vc_fund"]])
        rec.gf.append(model.invested[KIND["guidance_fund"]])
        rec.fund_cash.append(_fund_money(funds))
        rec.vc_var.append(model.offer_variance[KIND["vc_fund"]])
        rec.gf_var.append(model.offer_variance[KIND["guidance_fund"]])

    rec.mean_level.append(sum(s.level for s in slots) / len(slots))
    cpu, wall = timed(model.step, after, steps)
    return build_cpu, cpu, wall, rec, model


def _fund_money(funds: Any) -> float:
    return float(sum(fund.cash * fund.weight for fund in funds))


def rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def compare(
    num: Record, mes: Record, noise: bool, cv2: float, deal_size: float
) -> list[tuple[str, str, bool]]:
    """Lines of (quantity, figures, agrees) for the printed agreement table.

    ``cv2`` is the squared coefficient of variation of one step's R&D noise.
    """
    lines = []

    def close(name: str, x: float, y: float, unit: str = "") -> None:
        if noise:
            ok = rel(x, y) < 0.02  # money and shares follow levels: a small drift allowed
            limit = "2e-2"
        else:
            ok = rel(x, y) < EXACT
            limit = f"{EXACT:.0e}"
        figures = f"numpy {x:.10g}{unit}  mesa {y:.10g}{unit}  rel {rel(x, y):.1e} (<{limit})"
        lines.append((name, figures, ok))

    close("own R&D spent, all steps", sum(num.spent), sum(mes.spent), " bn")
    close("adoption income, all steps", sum(num.received), sum(mes.received), " bn")
    close("mean domestic share, last step", num.share[-1], mes.share[-1])
    close(
        "mean level change, all slots",
        num.mean_level[-1] - num.mean_level[0],
        mes.mean_level[-1] - mes.mean_level[0],
    )
    # mean R&D progress per funded slot: with noise, a z-score from the noise's variance
    m_num = sum(num.gain) / max(sum(num.funded), 1)
    m_mes = sum(mes.gain) / max(sum(mes.funded), 1)
    if noise:
        var = _noise_var(num, cv2) + _noise_var(mes, cv2)
        z = (m_num - m_mes) / math.sqrt(var) if var > 0 else 0.0
        lines.append(
            (
                "mean R&D progress per funded slot",
                f"numpy {m_num:.6g}  mesa {m_mes:.6g}  rel {rel(m_num, m_mes):.1e}  "
                f"z {z:+.2f} (|z|<{Z_LIMIT:g})",
                abs(z) < Z_LIMIT,
            )
        )
    else:
        close("mean R&D progress per funded slot", m_num, m_mes)
    # deals: each side rounds the real firms a slot offers at random (its own draws), so the
    # deals offered differ by sampling noise of variance sum frac * (1 - frac) per side; the
    # money invested differs by at most that, and not at all where capital, not offers, binds
    rows: tuple[tuple[str, list[float], list[float], list[float]], ...] = (
        ("VC", num.vc, mes.vc, mes.vc_var),
        ("guidance", num.gf, mes.gf, mes.gf_var),
    )
    for name, got, ref, rounding in rows:
        diff = abs(sum(got) - sum(ref)) / deal_size
        allowed = Z_LIMIT * math.sqrt(2 * sum(rounding))
        figures = (
            f"numpy {sum(got):.6g} bn  mesa {sum(ref):.6g} bn  "
            f"diff {diff:.0f} deals (<={allowed:.0f})"
        )
        lines.append((f"{name} money invested, all steps", figures, diff <= allowed + 1e-9))
    x, y = num.fund_cash[-1], mes.fund_cash[-1]
    allowed = Z_LIMIT * math.sqrt(2 * (sum(mes.vc_var) + sum(mes.gf_var))) * deal_size
    figures = f"numpy {x:.8g} bn  mesa {y:.8g} bn  rel {rel(x, y):.1e}"
    lines.append(("funds' cash, last step", figures, abs(x - y) <= allowed + EXACT * abs(x)))
    return lines


def _noise_var(rec: Record, cv2: float) -> float:
    """Variance of the mean progress per funded slot due to the lognormal noise alone."""
    # each funded slot's gain is g * e with E[e] = 1, Var[e] = cv2: Var(mean) ~ cv2 sum g^2 / n^2
    return cv2 * sum(rec.gain_sq) / (1 + cv2) / max(sum(rec.funded), 1) ** 2


def slot_check(world_num: World, mesa_model: Any) -> tuple[float, float]:
    """Largest difference of any slot's level and of any actor's cash (relative), slot by slot."""
    a = world_num.state.actors
    level_diff = cash_diff = 0.0
    for agent in mesa_model.agents:
        for slot in agent.slots:
            level_diff = max(level_diff, abs(slot.level - a.cap_level[agent.row, slot.position]))
        if isinstance(agent, Firm):
            cash_diff = max(cash_diff, rel(agent.cash, float(a.cash[agent.row])))
    return level_diff, cash_diff


def deal_spread(world_num: World, mesa_model: Any) -> float:
    """Total variation distance between the two sides' deals by firm and node (0: the same)."""
    pr = world_num.state.projects
    rows = np.flatnonzero(pr.instrument[: pr.count] == INSTRUMENT["vc_backed"])
    num: dict[tuple[int, int], float] = {}
    for lead, node, weight in zip(pr.lead[rows], pr.node[rows], pr.weight[rows], strict=True):
        num[int(lead), int(node)] = num.get((int(lead), int(node)), 0.0) + float(weight)
    mes: dict[tuple[int, int], float] = {}
    for row, node, deals, _ in mesa_model.deals:
        mes[row, node] = mes.get((row, node), 0.0) + deals
    total_num, total_mes = sum(num.values()), sum(mes.values())
    if total_num == 0 or total_mes == 0:
        return 0.0 if total_num == total_mes else 1.0
    keys = set(num) | set(mes)
    return 0.5 * sum(abs(num.get(k, 0) / total_num - mes.get(k, 0) / total_mes) for k in keys)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scenario", default="prc-2019")
    parser.add_argument("--actors", default="10000,100000", help="target sizes, comma-separated")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side per size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--noise", action="store_true", help="keep the scenario's R&D noise")
    args = parser.parse_args()

    scenario = load_scenario(args.scenario)
    print(
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, numpy {np.__version__}, "
        f"mesa {__import__('mesa').__version__}"
    )
    print(
        f"subset: finance deals, firms' self-funded R&D, adoption; {args.steps} steps; "
        f"R&D noise {'on' if args.noise else 'off'}; CPU time of the steps, median of "
        f"{args.repeat} runs (min-max)"
    )
    all_pass = True
    for target in (int(x) for x in args.actors.split(",")):
        scale = scale_for(scenario, target)
        speeds: dict[str, list[float]] = {"numpy": [], "mesa": []}
        walls: dict[str, list[float]] = {"numpy": [], "mesa": []}
        builds: list[float] = []
        for r in range(args.repeat):
            w_num = world_at(scenario, scale, args.noise)
            actors = w_num.state.actors.count
            cpu, wall, rec_num = run_numpy(w_num, args.steps, args.seed)
            speeds["numpy"].append(actors * args.steps / cpu)
            walls["numpy"].append(actors * args.steps / wall)
            w_mes = world_at(scenario, scale, args.noise)
            build_cpu, cpu, wall, rec_mes, mesa_model = run_mesa(w_mes, args.steps, args.seed)
            speeds["mesa"].append(actors * args.steps / cpu)
            walls["mesa"].append(actors * args.steps / wall)
            builds.append(build_cpu)
            if r == 0:
                first = (w_num, rec_num, rec_mes, mesa_model)
        w_num, rec_num, rec_mes, mesa_model = first
        cv2 = math.expm1(w_num.params.rnd.noise**2) / w_num.state.dt
        slots = int((w_num.state.actors.cap_node >= 0).sum())
        print(
            f"\n== {actors:,} actors ({slots:,} capability slots, {w_num.state.nodes.count} "
            f"nodes), population scale {scale:.4f}"
        )
        for side in ("numpy", "mesa"):
            s, w = speeds[side], walls[side]
            print(
                f"  {side:5s}  {statistics.median(s):>12,.0f} actor-steps/s CPU "
                f"({min(s):,.0f}-{max(s):,.0f}), wall {statistics.median(w):,.0f}"
            )
        print(f"  Mesa model construction from the state: {statistics.median(builds):.2f} s CPU")
        ratio = [x / y for x, y in zip(speeds["numpy"], speeds["mesa"], strict=True)]
        print(
            f"  ratio numpy/mesa: {statistics.median(ratio):,.0f}x "
            f"({min(ratio):,.0f}-{max(ratio):,.0f}x)"
        )
        print("  agreement:")
        lines = compare(rec_num, rec_mes, args.noise, cv2, w_num.params.finance.deal_size)
        if not args.noise:
            level_diff, cash_diff = slot_check(w_num, mesa_model)
            lines.append(
                ("every slot's level", f"max abs diff {level_diff:.1e}", level_diff < EXACT)
            )
            lines.append(("every firm's cash", f"max rel diff {cash_diff:.1e}", cash_diff < EXACT))
        spread = deal_spread(w_num, mesa_model)
        lines.append(
            (
                "deals by firm and node",
                f"total variation distance {spread:.3f} (<0.1)",
                spread < 0.1,
            )
        )
        for name, figures, ok in lines:
            print(f"    {'ok  ' if ok else 'FAIL'} {name:36s} {figures}")
            all_pass &= ok
    print(f"\n{'PASS' if all_pass else 'FAIL'}: numpy and Mesa agree on the expected quantities")


if __name__ == "__main__":
    main()
