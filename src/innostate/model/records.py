"""Records: preallocated per-step arrays that become output tables at the edge."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from innostate.model.codebook import (
    ACTOR_KINDS,
    HOLDERS,
    INSTRUMENTS,
    IS_ENTERPRISE,
    KIND,
    SOURCES,
    STATUS,
)
from innostate.model.kernels import jit, weighted_total
from innostate.model.select import best_per_node, slot_index
from innostate.model.state import Bools, Floats, Ints, State

NODE_COLUMNS = (
    "frontier",
    "domestic_level",
    "research_level",
    "requirement",
    "access",
    "domestic_share",
    "priority",
    "allocation",
    "knowledge",
    "services",
    "market_size",
)


@dataclass
class Records:
    """Everything a run writes, as arrays indexed by step."""

    node: dict[str, Floats]  # column -> (T, J)
    chokepoint: Bools  # (T, J)
    flows: Floats  # (T, S, I, kinds)
    node_flows: Floats  # (T, S, I, J)
    inflow: Floats  # (T,)
    outflow: Floats
    lapsed: Floats
    held: Floats  # (T, holders) money held at the end of the step, bn yuan
    stock: Floats
    imbalance: Floats
    central_pool: Floats
    active_projects: Ints
    breakthroughs: list[tuple[int, int, int, int]] = field(default_factory=list)
    # (step, node, project or -1 when self-funded, actor holding the level)

    @classmethod
    def allocate(cls, steps: int, n_nodes: int) -> Records:
        shape = (steps, n_nodes)
        return cls(
            node={c: np.zeros(shape) for c in NODE_COLUMNS},
            chokepoint=np.zeros(shape, dtype=bool),
            flows=np.zeros((steps, len(SOURCES), len(INSTRUMENTS), len(ACTOR_KINDS))),
            node_flows=np.zeros((steps, len(SOURCES), len(INSTRUMENTS), n_nodes)),
            inflow=np.zeros(steps),
            outflow=np.zeros(steps),
            lapsed=np.zeros(steps),
            held=np.zeros((steps, len(HOLDERS))),
            stock=np.zeros(steps),
            imbalance=np.zeros(steps),
            central_pool=np.zeros(steps),
            active_projects=np.zeros(steps, dtype=np.int64),
        )


def record(state: State, rec: Records, imbalance: float) -> None:
    """Step 12 of the model: detect breakthroughs and store this step's rows."""
    _detect_breakthroughs(state, rec)
    t, n = state.step, state.nodes
    for column in NODE_COLUMNS:
        rec.node[column][t] = getattr(n, column)
    rec.chokepoint[t] = n.chokepoint
    rec.flows[t] = state.ledger.flows
    rec.node_flows[t] = state.ledger.node_flows
    rec.inflow[t] = state.ledger.inflow
    rec.outflow[t] = state.ledger.outflow
    rec.lapsed[t] = state.ledger.lapsed
    rec.held[t] = held_by(state)
    rec.stock[t] = state.money_stock()
    rec.imbalance[t] = imbalance
    rec.central_pool[t] = state.ledger.central_pool
    p = state.projects
    rec.active_projects[t] = round(float(p.weight[: p.count][p.active].sum()))


def held_by(state: State) -> Floats:
    """Money held at the end of the step by each holder of ``HOLDERS``, bn yuan."""
    a, p = state.actors, state.projects
    holder_of_kind = np.full(len(KIND), HOLDERS.index("other_actors"))  # a lookup by kind
    for kind in ("local_government", "policy_bank", "guidance_fund", "vc_fund"):
        holder_of_kind[KIND[kind]] = HOLDERS.index(kind)
    holder_of_kind[IS_ENTERPRISE] = HOLDERS.index("enterprise")
    held = np.zeros(len(HOLDERS))
    _held(a.kind, holder_of_kind, a.cash, a.weight, held)
    held[HOLDERS.index("central_pool")] = state.ledger.central_pool
    held[HOLDERS.index("project_budgets")] = weighted_total(
        p.budget[: p.count], p.weight[: p.count]
    )
    return held


@jit
def _held(kind: Ints, holder_of_kind: Ints, cash: Floats, weight: Floats, held: Floats) -> None:
    # np.bincount(holder of each actor, weights=cash * weight) without its three actor-sized
    # temporaries; sums in actor order, as bincount's
    for i in range(kind.size):
        held[holder_of_kind[kind[i]]] += cash[i] * weight[i]


def _detect_breakthroughs(state: State, rec: Records) -> None:
    """A node breaks through the first step its domestic level meets its requirement.

    Provenance: the enterprise holding the best level (domestic supply) and, among
    its projects on the node that were not cut, the one that brought it the most
    progress (as lead; else its latest as member); -1 when the level came from
    self-funded R&D, learning or licensing alone.
    """
    n, a, pr = state.nodes, state.actors, state.projects
    new = np.flatnonzero((n.domestic_level >= n.requirement) & (n.reached_step < 0))
    if new.size == 0:
        return
    n.reached_step[new] = state.step
    index = slot_index(a)
    level = a.cap_level.ravel()[index.flat]
    best = best_per_node(index.node, level, IS_ENTERPRISE[a.kind[index.actor]], n.count)
    holder = index.actor[best[new]]
    used = slice(0, pr.count)
    for j, actor in zip(new, holder, strict=True):  # a few breakthroughs per run
        valid = (pr.node[used] == j) & (pr.status[used] != STATUS["cut"])
        led = np.flatnonzero(valid & (pr.lead[used] == actor))
        joined = np.flatnonzero(valid & (pr.members[used] == actor).any(axis=1))
        if led.size:
            project = int(led[np.argmax(pr.progress[led])])
        else:
            project = int(joined[-1]) if joined.size else -1
        rec.breakthroughs.append((state.step, int(j), project, int(actor)))
        state.events.append((state.step, "breakthrough", int(j), project, float(actor)))
