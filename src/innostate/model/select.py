"""Vectorised selection helpers over the sparse capability slots."""

from __future__ import annotations

import numpy as np

from innostate.model.codebook import IS_ENTERPRISE
from innostate.model.state import Actors, Bools, Floats, Ints, SlotIndex


def team_levels(actors: Actors, team: Ints, n_nodes: int) -> Floats:
    """Best capability of each team on every node, shape (P, J); teams are (P, M) actor ids."""
    p = team.shape[0]
    out = np.zeros((p, n_nodes))
    ok = team >= 0
    safe = np.where(ok, team, 0)
    nodes = actors.cap_node[safe]  # (P, M, K)
    levels = np.where(ok[:, :, None] & (nodes >= 0), actors.cap_level[safe], 0.0)
    rows = np.broadcast_to(np.arange(p)[:, None, None], nodes.shape)
    np.maximum.at(out, (rows.ravel(), np.maximum(nodes, 0).ravel()), levels.ravel())
    return out


def best_per_node(node: Ints, score: Floats, eligible: Bools, n_nodes: int) -> Ints:
    """Index of the highest-scoring eligible entry for each node, -1 where none.

    Entries are candidate (actor slot) rows; ties go to the lowest entry index,
    which keeps the choice deterministic.
    """
    best = np.full(n_nodes, -np.inf)
    idx = np.flatnonzero(eligible)
    np.maximum.at(best, node[idx], score[idx])
    winners = idx[score[idx] == best[node[idx]]]
    out = np.full(n_nodes, -1, dtype=np.int64)
    won, first = np.unique(node[winners], return_index=True)  # winners ascend: lowest index wins
    out[won] = winners[first]
    return out


def top_per_node(node: Ints, score: Floats, eligible: Bools, n_nodes: int, k: int) -> Ints:
    """The ``k`` best eligible entries per node, shape (J, k), -1 padded."""
    out = np.full((n_nodes, k), -1, dtype=np.int64)
    remaining = eligible.copy()
    for rank in range(k):  # k is a handful: a loop over ranks, not over actors
        pick = best_per_node(node, score, remaining, n_nodes)
        out[:, rank] = pick
        remaining[pick[pick >= 0]] = False
    return out


def slot_index(actors: Actors) -> SlotIndex:
    """Where the used capability slots are: positions, actors, nodes, and grouped by node.

    The slot structure changes only when :func:`ensure_slot` gives an actor a
    new node, so it is cached on the table between such changes.
    """
    if actors.slot_cache is None:
        flat_node = actors.cap_node.ravel()
        flat = np.flatnonzero(flat_node >= 0)
        node = flat_node[flat]
        by_node = np.argsort(node, kind="stable")
        nodes, starts = np.unique(node[by_node], return_index=True)
        actors.slot_cache = SlotIndex(
            flat, flat // actors.cap_node.shape[1], node, by_node, starts, nodes
        )
    return actors.slot_cache


def slot_entries(actors: Actors) -> tuple[Ints, Ints, Floats]:
    """Flatten the capability slots into (actor, node, level) entries, skipping empty slots."""
    index = slot_index(actors)
    return index.actor, index.node, actors.cap_level.ravel()[index.flat]


def node_max(actors: Actors, values: Floats, n_nodes: int, empty: float = 0.0) -> Floats:
    """Largest of per-slot ``values`` (in slot-entry order) on each node, ``empty`` where none."""
    index = slot_index(actors)
    out = np.full(n_nodes, empty)
    if index.nodes.size:
        out[index.nodes] = np.maximum.reduceat(values[index.by_node], index.starts)
    return out


def ensure_slot(actors: Actors, actor: Ints, node: Ints) -> Ints:
    """Make sure each actor has a slot for its node, replacing its weakest slot if needed.

    Returns the slot index per (actor, node) pair. Pairs repeating an actor are
    resolved in order, so the result does not depend on duplicates.
    """
    slots = np.empty(actor.shape[0], dtype=np.int64)
    match = actors.cap_node[actor] == node[:, None]
    has = match.any(axis=1)
    slots[has] = match[has].argmax(axis=1)
    missing = np.flatnonzero(~has)
    # few pairs need a new slot (new leads); resolve them one by one so that two
    # projects of the same actor never overwrite each other's slot
    for i in missing:
        a, j = actor[i], node[i]
        row = actors.cap_node[a]
        found = np.flatnonzero(row == j)
        if found.size:
            slots[i] = found[0]
            continue
        s = int(np.argmin(np.where(row >= 0, actors.cap_level[a], -1.0)))
        actors.cap_node[a, s] = j
        actors.slot_cache = None
        actors.cap_level[a, s] = 0.0
        actors.slot_revenue[a, s] = 0.0
        slots[i] = s
    return slots


def best_levels(actors: Actors, n_nodes: int, kinds: Bools) -> Floats:
    """Best level held on each node by actors whose kind is in the lookup ``kinds``, (J,)."""
    index = slot_index(actors)
    level = actors.cap_level.ravel()[index.flat]
    return node_max(actors, np.where(kinds[actors.kind[index.actor]], level, 0.0), n_nodes)


def domestic_levels(actors: Actors, n_nodes: int) -> Floats:
    """Best level a domestic supplier (an enterprise) holds on each node, shape (J,).

    Research capability is not supply: it reaches the market only through a firm.
    """
    return best_levels(actors, n_nodes, IS_ENTERPRISE)
