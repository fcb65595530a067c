"""Records: preallocated per-step arrays that become output tables at the edge."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from innostate.model.state import (
    ACTOR_KINDS,
    INSTRUMENTS,
    SOURCES,
    STATUS,
    Bools,
    Floats,
    Ints,
    State,
)

NODE_COLUMNS = (
    "frontier",
    "domestic_level",
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
    rec.stock[t] = state.money_stock()
    rec.imbalance[t] = imbalance
    rec.central_pool[t] = state.ledger.central_pool
    rec.active_projects[t] = int(state.projects.active.sum())


def _detect_breakthroughs(state: State, rec: Records) -> None:
    """A node breaks through the first step its domestic level meets its requirement.

    Provenance: the actor holding the best level and its most recent project on
    the node (as lead, else as member); -1 when the level came from self-funded R&D.
    """
    n, a, pr = state.nodes, state.actors, state.projects
    new = np.flatnonzero((n.domestic_level >= n.requirement) & (n.reached_step < 0))
    if new.size == 0:
        return
    n.reached_step[new] = state.step
    levels = np.where(a.cap_node[:, :, None] == new[None, None, :], a.cap_level[:, :, None], -1.0)
    holder = levels.max(axis=1).argmax(axis=0)  # (new,)
    used = slice(0, pr.count)
    for j, actor in zip(new, holder, strict=True):  # a few breakthroughs per run
        on_node = pr.node[used] == j
        involved = on_node & ((pr.lead[used] == actor) | (pr.members[used] == actor).any(axis=1))
        involved &= pr.status[used] != STATUS["cut"]
        candidates = np.flatnonzero(involved)
        project = int(candidates[-1]) if candidates.size else -1
        rec.breakthroughs.append((state.step, int(j), project, int(actor)))
        state.events.append((state.step, "breakthrough", int(j), project, float(actor)))
