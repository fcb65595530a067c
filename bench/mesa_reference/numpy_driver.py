"""The numpy side of the Mesa comparison: innostate's own functions for the same subset.

A step runs, in the engine's order, ``finance.step`` (as is: its co-investment
and loans do nothing without mission projects), the self-funded part of
``rnd.step`` (the body of ``rnd.step`` with the project contributions,
spillover and grants left out, calling ``rnd._own_contributions``,
``production.progress``/``advance``, ``rnd._depreciate``, ``rnd._transfer``
and ``rnd.update_levels``) and ``adoption.step`` (as is: it also records
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
from innostate.model.params import Params
from innostate.model.production import advance, difficulty, noise, progress
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
    used = np.flatnonzero(pooled > 0)
    levels = a.cap_level.ravel()
    flat, actor, node = index.flat[used], index.actor[used], index.node[used]
    d_eff = difficulty(state, rp)
    old = levels[flat]
    gain = progress(
        rp,
        state.dt,
        pooled[used],
        d_eff[node],
        old,
        n.frontier[node],
        a.talent[actor],
        pooled_weighted[used] / pooled[used],
        np.where(a.entity_listed[actor], 0.0, n.access[node]),
        noise(rng, rp, state.dt, used.size),
    )
    levels[flat] = advance(rp, old, gain, n.frontier[node])
    rnd._depreciate(state, rp, pooled)
    n.knowledge *= (1 - rp.knowledge_decay) ** state.dt
    n.services *= (1 - rp.services_decay) ** state.dt
    rnd._transfer(state, rp)
    np.maximum(a.cap_level, 0.0, out=a.cap_level)
    rnd.update_levels(state)
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
