"""Vectorised selection helpers over the sparse capability slots."""

from __future__ import annotations

import numpy as np

from innostate.model.codebook import IS_ENTERPRISE
from innostate.model.kernels import jit
from innostate.model.state import Actors, Bools, Floats, Ints, SlotIndex


def team_levels(actors: Actors, team: Ints, n_nodes: int, out: Floats | None = None) -> Floats:
    """Best capability of each team on every node, shape (P, J); teams are (P, M) actor ids.

    Nodes no member holds are at 0 (so are negative levels: none survive a step).
    Given ``out``, (P, J) levels of at least 0 the teams have anyway, the result is
    the larger of those and the team's, written into it.
    """
    if out is None:
        out = np.zeros((team.shape[0], n_nodes))
    _team_levels(actors.cap_node, actors.cap_level, np.ascontiguousarray(team), out)
    return out


@jit
def _team_levels(cap_node: Ints, cap_level: Floats, team: Ints, out: Floats) -> None:
    # one pass over the members' slots; np.maximum.at over a (P, M, K) gather was ~10x slower
    for p in range(team.shape[0]):
        for m in range(team.shape[1]):
            actor = team[p, m]
            if actor < 0:
                continue
            for k in range(cap_node.shape[1]):
                node = cap_node[actor, k]
                if node >= 0 and cap_level[actor, k] > out[p, node]:
                    out[p, node] = cap_level[actor, k]


def best_per_node(node: Ints, score: Floats, eligible: Bools, n_nodes: int) -> Ints:
    """Index of the highest-scoring eligible entry for each node, -1 where none.

    Entries are candidate (actor slot) rows; ties go to the lowest entry index,
    which keeps the choice deterministic.
    """
    out = np.full(n_nodes, -1, dtype=np.int64)
    _best_per_node(node, score, eligible, np.zeros(0, dtype=np.bool_), out)
    return out


def top_per_node(node: Ints, score: Floats, eligible: Bools, n_nodes: int, k: int) -> Ints:
    """The ``k`` best eligible entries per node, shape (J, k), -1 padded.

    Rank by rank: the best entry not yet taken, ties to the lowest entry index.
    """
    if k == 1:  # the plain best: a simpler loop
        return best_per_node(node, score, eligible, n_nodes)[:, None]
    out = np.full((n_nodes, k), -1, dtype=np.int64)
    _top_per_node(node, score, eligible, out, np.empty((n_nodes, k)))
    return out


@jit
def _top_per_node(node: Ints, score: Floats, eligible: Bools, out: Ints, best: Floats) -> None:
    # one pass keeping each node's k best in rank order (score, then lowest entry: entries
    # come in order, so a later one passes only strictly higher scores); a pass per rank
    # took k times as long. Scores are never NaN.
    k = out.shape[1]
    for e in range(node.size):
        if not eligible[e]:
            continue
        j, value = node[e], score[e]
        if out[j, k - 1] >= 0 and not value > best[j, k - 1]:
            continue  # the node's k places are taken by entries at least as good
        at = 0
        while out[j, at] >= 0 and not value > best[j, at]:
            at += 1
        for r in range(k - 1, at, -1):
            out[j, r], best[j, r] = out[j, r - 1], best[j, r - 1]
        out[j, at], best[j, at] = e, value


@jit
def _best_per_node(node: Ints, score: Floats, eligible: Bools, taken: Bools, out: Ints) -> None:
    # one pass in entry order keeping the first strict maximum: the lowest index wins ties
    # (np.maximum.at, then a search for the winners, took ~30x longer); ``taken`` (empty:
    # none) excludes entries already picked at a better rank
    skip = taken.size > 0
    best = np.empty(out.size)
    for e in range(node.size):
        if not eligible[e] or (skip and taken[e]):
            continue
        j = node[e]
        if out[j] < 0 or score[e] > best[j]:
            out[j] = e
            best[j] = score[e]


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
        actor = flat // actors.cap_node.shape[1]
        count = np.bincount(actor, minlength=actors.count)
        actors.slot_cache = SlotIndex(flat, actor, node, by_node, starts, nodes, count)
    return actors.slot_cache


def slot_entries(actors: Actors) -> tuple[Ints, Ints, Floats]:
    """Flatten the capability slots into (actor, node, level) entries, skipping empty slots."""
    index = slot_index(actors)
    return index.actor, index.node, actors.cap_level.ravel()[index.flat]


def node_max(actors: Actors, values: Floats, n_nodes: int, empty: float = 0.0) -> Floats:
    """Largest of per-slot ``values`` (in slot-entry order) on each node, ``empty`` where none."""
    index = slot_index(actors)
    out = np.full(n_nodes, empty)
    _node_max(index.node, values, out)
    return out


@jit
def _node_max(node: Ints, values: Floats, out: Floats) -> None:
    # max per node in one pass (the numpy way, a gather in node order and reduceat, is slower)
    seen = np.zeros(out.size, dtype=np.bool_)
    for e in range(node.size):
        j = node[e]
        if not seen[j] or values[e] > out[j]:
            out[j] = values[e]
            seen[j] = True


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


def best_levels(actors: Actors, n_nodes: int, kinds: Bools, table: Floats | None = None) -> Floats:
    """Best level held on each node by actors whose kind is in the lookup ``kinds``, (J,).

    Slots of other kinds count as 0, so a node held only by them is at 0.
    ``table`` (N, K) takes the place of the levels, e.g. ``slot_revenue`` for
    each node's best sales (read in place, without a slot-sized gather).
    """
    index = slot_index(actors)
    values = actors.cap_level if table is None else table
    out = np.zeros(n_nodes)
    _best_levels(index.node, index.flat, index.actor, values.ravel(), actors.kind, kinds, out)
    return out


@jit
def _best_levels(
    node: Ints, flat: Ints, actor: Ints, level: Floats, kind: Ints, kinds: Bools, out: Floats
) -> None:
    # :func:`node_max` of the levels with other kinds' slots at 0, without the temporaries
    seen = np.zeros(out.size, dtype=np.bool_)
    for e in range(node.size):
        j = node[e]
        value = level[flat[e]] if kinds[kind[actor[e]]] else 0.0
        if not seen[j] or value > out[j]:
            out[j] = value
            seen[j] = True


def best_holders(actors: Actors, n_nodes: int, kinds: Bools) -> Ints:
    """Slot entry of the best level on each node among actors of the ``kinds``, -1 where none.

    :func:`best_per_node` over the slot index (lowest entry on ties), read in place.
    """
    index = slot_index(actors)
    out = np.full(n_nodes, -1, dtype=np.int64)
    _best_holders(
        index.node, index.flat, index.actor, actors.cap_level.ravel(), actors.kind, kinds, out
    )
    return out


@jit
def _best_holders(
    node: Ints, flat: Ints, actor: Ints, level: Floats, kind: Ints, kinds: Bools, out: Ints
) -> None:
    best = np.empty(out.size)
    for e in range(node.size):
        if not kinds[kind[actor[e]]]:
            continue
        j = node[e]
        if out[j] < 0 or level[flat[e]] > best[j]:
            out[j] = e
            best[j] = level[flat[e]]


def domestic_levels(actors: Actors, n_nodes: int) -> Floats:
    """Best level a domestic supplier (an enterprise) holds on each node, shape (J,).

    Research capability is not supply: it reaches the market only through a firm.
    """
    return best_levels(actors, n_nodes, IS_ENTERPRISE)
