"""Top-level design: central leadership sets node priorities and the plan's key tasks."""

from __future__ import annotations

import numpy as np

from innostate.model.codebook import KIND, SOURCE
from innostate.model.ledger import pay, receive
from innostate.model.params import Params, TopLevelDesignParams
from innostate.model.state import Bools, Floats, State


def step(state: State, params: Params, rng: np.random.Generator) -> State:
    """Mark chokepoints every step; set key tasks and priorities on the planning calendar.

    After a containment shock the centre responds with money (:func:`_crisis_response`).
    At the start of each five-year plan (and on the first step, and after a
    containment shock) the plan's key-task list is fixed to the chokepoints of the
    day. Every ``replan_interval_years`` (and at plan boundaries and shocks)
    priorities are revisited: priority of node j = area weight x (relative
    shortfall to the requirement + ``shortfall_floor``) x (1 + dependence on
    foreign supply) x (1 + threat of cut-off), raised by ``key_task_bonus`` for
    the plan's key tasks. Shares follow priority with exponent
    ``regime.concentration`` (0 spreads money evenly).
    """
    p = params.top_level_design
    n = state.nodes
    n.chokepoint = chokepoints(state, params)
    if state.crisis:
        _crisis_response(state, p)
    plan = state.step == 0 or state.crisis or _plan_boundary(state, p)
    if plan:
        n.key_task = n.chokepoint.copy()
    if not (plan or state.every(p.replan_interval_years)):
        return state
    area_weight = state.schedule.area_weight[n.area]
    shortfall = np.clip((n.requirement - n.domestic_level) / n.requirement, 0.0, 1.0)
    dependence = 1.0 - n.domestic_share
    threat = np.maximum(1.0 - n.access, n.exposure * p.threat_perception)
    priority = area_weight * (shortfall + p.shortfall_floor) * (1.0 + dependence) * (1.0 + threat)
    priority *= np.where(n.key_task, 1.0 + p.key_task_bonus, 1.0)
    n.priority = _shares(priority, params.regime.concentration)
    return state


def _crisis_response(state: State, p: TopLevelDesignParams) -> None:
    """After a containment shock the centre adds mission money and recapitalises funds.

    ``crisis_budget`` years of the current central budget go to the central pool
    (programmes commit it at the next call round) and ``crisis_fund`` years of
    the current guidance-fund inflow to the guidance funds, by size over the real
    funds (the Big Fund pattern of the seed's "Strategic Context").
    """
    a = state.actors
    yearly = state.schedule.budgets[state.step] / state.dt
    extra = p.crisis_budget * float(yearly[SOURCE["central"]])
    state.ledger.central_pool += extra
    receive(state, extra)
    funds = np.flatnonzero(a.kind == KIND["guidance_fund"])
    size = a.size[funds] * a.weight[funds]
    if funds.size and size.sum() > 0:
        capital = p.crisis_fund * float(yearly[SOURCE["guidance_fund"]])
        pay(state, funds, capital * size / size.sum())
        receive(state, capital)


def chokepoints(state: State, params: Params) -> Bools:
    """Nodes below requirement, dependent on foreign supply, with access at risk or cut."""
    n, p = state.nodes, params.top_level_design
    at_risk = (n.access < 1.0) | (n.exposure > p.exposure_threshold)
    dependent = 1.0 - n.domestic_share > p.chokepoint_dependence
    return (n.domestic_level < n.requirement) & dependent & at_risk


def _plan_boundary(state: State, p: TopLevelDesignParams) -> bool:
    """First step of a year that starts a plan period (2021, 2026, ... by default)."""
    year = state.year
    first_step_of_year = abs(year - round(year)) < 0.5 * state.dt
    period = max(round(p.plan_period_years), 1)
    return first_step_of_year and round(year - p.plan_start_year) % period == 0


def _shares(weight: Floats, exponent: float) -> Floats:
    sharpened = np.power(np.maximum(weight, 1e-12) / max(weight.max(), 1e-12), exponent)
    shares: Floats = sharpened / sharpened.sum()
    return shares
