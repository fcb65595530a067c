"""Top-level design: central leadership sets node priorities and marks key tasks."""

from __future__ import annotations

import numpy as np

from innostate.model.params import Params
from innostate.model.state import Bools, Floats, State


def step(state: State, params: Params, rng: np.random.Generator) -> State:
    """Recompute priorities at plan boundaries, on the first step and after a containment shock.

    Priority of node j = area weight x (relative shortfall to the requirement)
    x (1 + dependence on foreign supply) x (1 + threat of cut-off), raised by
    ``key_task_bonus`` for chokepoints. Shares follow priority with exponent
    ``regime.concentration`` (0 spreads money evenly).
    """
    p = params.top_level_design
    n = state.nodes
    n.chokepoint = chokepoints(state, params)
    if not (
        state.step == 0
        or state.crisis
        or _plan_boundary(state, p.plan_period_years, p.plan_start_year)
    ):
        return state
    area_weight = state.schedule.area_weight[n.area]
    shortfall = np.clip((n.requirement - n.domestic_level) / n.requirement, 0.0, 1.0)
    dependence = 1.0 - n.domestic_share
    threat = np.maximum(1.0 - n.access, n.exposure * p.threat_perception)
    priority = area_weight * (shortfall + 0.05) * (1.0 + dependence) * (1.0 + threat)
    priority *= np.where(n.chokepoint, 1.0 + p.key_task_bonus, 1.0)
    n.priority = _shares(priority, params.regime.concentration)
    return state


def chokepoints(state: State, params: Params) -> Bools:
    """Nodes below requirement, dependent on foreign supply, with access at risk or cut."""
    n = state.nodes
    at_risk = (n.access < 1.0) | (n.exposure > 0.5)
    dependent = 1.0 - n.domestic_share > params.top_level_design.chokepoint_dependence
    return (n.domestic_level < n.requirement) & dependent & at_risk


def _plan_boundary(state: State, period: float, start: float) -> bool:
    year = state.year
    first_quarter = abs(year - round(year)) < 1e-9
    return first_quarter and round(year - start) % max(int(period), 1) == 0


def _shares(weight: Floats, exponent: float) -> Floats:
    sharpened = np.power(np.maximum(weight, 1e-12) / max(weight.max(), 1e-12), exponent)
    shares: Floats = sharpened / sharpened.sum()
    return shares
