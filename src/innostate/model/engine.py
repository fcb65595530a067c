"""The engine: one step runs the mechanisms in the order of the model's process overview.

1. environment        frontier, markets, containment events, exogenous budgets
2. top_level_design   priorities and key tasks at plan boundaries and after shocks
3. coordination       ministries and regions mix central priorities with their own
4. programmes         calls: directive, open competition, horse race, grants, services
5. consortia          leads recruit partners covering missing prerequisites
6. finance            VC and guidance-fund deals, policy-bank loans
7. local_governments  matching funds, local programmes, duplicates
8. rnd                spending and stochastic progress, spillovers, self-funded R&D
9. adoption           domestic market share, revenue, learning by doing
10. evaluation        reviews, cuts, follow-on, exits, reputation
11. talent            graduates, returnees, hiring, attrition
12. record            breakthroughs and this step's rows
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from types import ModuleType

import numpy as np

from innostate.model import records
from innostate.model.ledger import imbalance
from innostate.model.mechanisms import (
    adoption,
    consortia,
    coordination,
    environment,
    evaluation,
    finance,
    local_governments,
    programmes,
    rnd,
    talent,
    top_level_design,
)
from innostate.model.params import Params
from innostate.model.state import State

MECHANISMS: tuple[ModuleType, ...] = (
    environment,
    top_level_design,
    coordination,
    programmes,
    consortia,
    finance,
    local_governments,
    rnd,
    adoption,
    evaluation,
    talent,
)

LEDGER_TOLERANCE = 1e-9


class LedgerError(RuntimeError):
    """Money was created or lost inside a step: a bug in a mechanism, never bad input."""


def stream(seed: np.random.SeedSequence, name: str) -> np.random.Generator:
    """The random stream of the mechanism called ``name`` under the run's seed."""
    key = zlib.crc32(name.encode())
    child = np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, key))
    return np.random.default_rng(child)


def run(
    state: State,
    params: Params,
    seed: np.random.SeedSequence,
    on_step: Callable[[int, int], None] | None = None,
) -> records.Records:
    """Run the model from ``state`` for the schedule's number of steps.

    Each mechanism draws from its own stream, keyed by the mechanism's name under
    ``seed``: a change in one mechanism's draws, or a new mechanism in the list,
    does not shift another's. ``on_step(done, total)`` is called after each step
    (progress display lives outside the model).
    """
    steps = state.schedule.steps
    streams = [stream(seed, mechanism.__name__.rsplit(".", 1)[-1]) for mechanism in MECHANISMS]
    rec = records.Records.allocate(steps, state.nodes.count)
    for t in range(steps):
        state.step = t
        state.ledger.inflow = state.ledger.outflow = state.ledger.lapsed = 0.0
        state.ledger.flows[...] = 0.0
        state.ledger.node_flows[...] = 0.0
        before = state.money_stock()
        for mechanism, rng in zip(MECHANISMS, streams, strict=True):
            mechanism.step(state, params, rng)
        error = imbalance(before, state)
        if error > LEDGER_TOLERANCE:
            raise LedgerError(f"ledger off by {error:.3e} (relative) at step {t}")
        records.record(state, rec, error)
        if on_step is not None:
            on_step(t + 1, steps)
    return rec
