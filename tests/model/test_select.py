"""Selection helpers over the capability slots."""

from __future__ import annotations

import numpy as np

from innostate.model.select import best_per_node, top_per_node


def _rank_by_rank(node, score, eligible, n_nodes, k):
    """The definition: rank by rank, the best entry not yet taken, ties to the lowest entry."""
    out = np.full((n_nodes, k), -1, dtype=np.int64)
    free = eligible.copy()
    for rank in range(k):
        out[:, rank] = best_per_node(node, score, free, n_nodes)
        picked = out[:, rank]
        free[picked[picked >= 0]] = False
    return out


def test_top_per_node_ranks_by_score_then_entry():
    rng = np.random.default_rng(0)
    for _ in range(200):
        size, n_nodes, k = (
            int(rng.integers(1, 300)),
            int(rng.integers(1, 20)),
            int(rng.integers(1, 6)),
        )
        node = rng.integers(0, n_nodes, size)
        score = rng.integers(0, 4, size) * 0.5  # many ties
        eligible = rng.random(size) < rng.random()
        expected = _rank_by_rank(node, score, eligible, n_nodes, k)
        assert np.array_equal(top_per_node(node, score, eligible, n_nodes, k), expected)
