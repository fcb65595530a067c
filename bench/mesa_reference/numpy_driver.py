"""The numpy side of the Mesa comparison: innostate's own functions for the same subset.

A step runs, in the engine's order, ``finance.step`` (as is: its co-investment
and loans do nothing without mission projects), the self-funded part of
``rnd.step`` (the body of ``rnd.step`` with the project contributions,
spillover and grants left out, calling ``rnd._own_contributions``,
``rnd._progress_step`` (the compiled production pass), ``rnd._depreciate``
and ``rnd._settle``: transfer, clamp and node levels) and ``adoption.step`` (as is: it also records
revenue and uptake of the equity projects finance opened, which the Mesa port
does not; that only makes this side slower). Equity projects are opened but
never spent (no project contributions), as in the Mesa port.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from innostate.model import engine
from innostate.model.codebook import INSTRUMENT, SOURCE
from innostate.model.mechanisms import adoption, finance, rnd
from innostate.model.params import Params, per_step
from innostate.model.production import difficulty, gain_constants, noise_parameters
from innostate.model.select import slot_index
from innostate.model.state import State


@dataclass
class Gains:
    """R&D progress of this step's funded slots: count, sum and sum of squares."""

    funded: int
    total: float
    squares: float


def self_funded_rnd(state: State, params: Params, rng: np.random.Generator) -> Gains:
    """``rnd.step`` without projects: firms' own R&D, depreciation, decay, transfer, levels."""
    rp, n, a = params.rnd, state.nodes, state.actors
    # rnd pools money per slot entry (the used slots in flat order, select.slot_index)
    index = slot_index(a)
    pooled, pooled_weighted = np.zeros(index.flat.size), np.zeros(index.flat.size)
    rnd._own_contributions(state, params, pooled, pooled_weighted)
    levels = a.cap_level.ravel()
    used = index.flat[pooled > 0]
    before = levels[used]
    # the model's own compiled production pass, as rnd.step calls it
    funded = rnd._count_funded(pooled)
    idle = np.empty(index.flat.size - funded, dtype=np.int64)
    n_idle = rnd._progress_step(
        index.flat,
        index.actor,
        index.node,
        levels,
        pooled,
        pooled_weighted,
        difficulty(state, rp),
        n.frontier,
        n.access,
        a.talent,
        a.entity_listed,
        rng.standard_normal(funded),
        *noise_parameters(rp, state.dt),
        *gain_constants(rp),
        state.dt,
        rp.frontier_brake,
        rp.beyond_decay,
        idle,
    )
    gain = levels[used] - before  # realised progress of each funded slot
    rnd._depreciate(state, rp, idle[:n_idle])
    n.knowledge *= (1 - rp.knowledge_decay) ** state.dt
    n.services *= (1 - rp.services_decay) ** state.dt
    rnd._settle(state, per_step(rp.transfer_rate, state.dt))  # transfer, clamp at 0, levels
    return Gains(int(used.size), float(gain.sum()), float(np.einsum("i,i->", gain, gain)))


class NumpyModel:
    """Runs the subset on an innostate state with the engine's per-mechanism streams."""

    def __init__(self, state: State, params: Params, seed: int = 0) -> None:
        self.state, self.params = state, params
        root = np.random.SeedSequence(seed)
        self.rngs = {name: engine.stream(root, name) for name in ("finance", "rnd", "adoption")}
        self.gains = Gains(0, 0.0, 0.0)
        self.invested = {"vc": 0.0, "guidance_fund": 0.0}
        self.deal_count = {"vc": 0.0, "guidance_fund": 0.0}

    def step(self) -> None:
        state, ledger = self.state, self.state.ledger
        ledger.inflow = ledger.outflow = ledger.lapsed = 0.0
        ledger.flows[...] = 0.0
        ledger.node_flows[...] = 0.0
        first = state.projects.count
        finance.step(state, self.params, self.rngs["finance"])
        self.opened = (first, state.projects.count)
        self.gains = self_funded_rnd(state, self.params, self.rngs["rnd"])
        adoption.step(state, self.params, self.rngs["adoption"])
        state.step += 1

    def count_deals(self) -> None:
        """Money and number of this step's deals by source (outside the timed step)."""
        pr, deal_size = self.state.projects, self.params.finance.deal_size
        rows = np.arange(*self.opened)
        rows = rows[pr.instrument[rows] == INSTRUMENT["vc_backed"]]
        for name in self.invested:
            mine = rows[pr.funding[rows, SOURCE[name]] > 0]
            self.deal_count[name] = float(pr.weight[mine].sum())
            self.invested[name] = self.deal_count[name] * deal_size
