"""Coordination: leading groups align ministries' and regions' allocations with the centre."""

from __future__ import annotations

import numpy as np

from innostate.model.params import Params
from innostate.model.select import slot_entries
from innostate.model.state import State


def step(state: State, params: Params, rng: np.random.Generator) -> State:
    """Mix central priorities with own preferences, weighted by ``regime.alignment``.

    Ministries prefer prestige nodes (large markets where the country is already
    strong); each region prefers nodes where its own actors hold capability.
    Sets ``nodes.allocation`` (J,), ``state.region_allocation`` (R, J) and
    ``state.region_capability`` (R, J), the capability mass clusters are built on.
    """
    n = state.nodes
    align = params.regime.alignment
    prestige = n.market_size * np.power(
        n.domestic_level / n.frontier + params.coordination.prestige_floor,
        params.coordination.prestige_weight,
    )
    n.allocation = align * n.priority + (1 - align) * prestige / prestige.sum()
    state.region_capability = capability_mass(state)
    state.region_allocation = align * n.priority[None, :] + (1 - align) * local_preference(
        state.region_capability
    )
    return state


def capability_mass(state: State) -> np.ndarray:
    """Sum of real actors' capability levels per region and node, shape (R, J)."""
    a, j = state.actors, state.nodes.count
    actor, node, level = slot_entries(a)
    regions = int(a.region.max()) + 1
    cell = a.region[actor] * j + node
    mass = np.bincount(cell, weights=level * a.weight[actor], minlength=regions * j)
    return mass.reshape(regions, j)


def local_preference(mass: np.ndarray) -> np.ndarray:
    """Each region's share of its own capability mass per node (even where it has none)."""
    total = mass.sum(axis=1, keepdims=True)
    even = np.full_like(mass, 1.0 / mass.shape[1])
    return np.where(total > 0, mass / np.where(total > 0, total, 1.0), even)
