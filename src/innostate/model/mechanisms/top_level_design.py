"""Top-level design: central leadership sets node priorities, key tasks and the envelope.

Seed, "Strategic Direction: Party Leadership and Top-level Design": the Central
Committee "set[s] long-term science and technology priorities", and "this
top-level design defines national mission areas, aligns funding and policy
tools"; the Party calls it a "magic weapon" for "organizing collective efforts
in response to crisis, competition, or scientific opportunity".
"""

from __future__ import annotations

import numpy as np

from innostate.model.codebook import KIND, SOURCE
from innostate.model.kernels import weighted_total
from innostate.model.ledger import pay, receive
from innostate.model.params import Params, TopLevelDesignParams
from innostate.model.production import throttle
from innostate.model.state import Bools, Floats, Nodes, State


def step(state: State, params: Params, rng: np.random.Generator) -> State:
    """Mark chokepoints every step; set the envelope, key tasks and priorities.

    Every step the centre tops up the mission pool in proportion to the
    chokepoint gap (:func:`_envelope_response`); after a containment shock it
    adds crisis money (:func:`_crisis_response`). At the start of each
    five-year plan (and on the first step, and after a containment shock) the
    plan's key-task list is fixed to the chokepoints of the day. Every
    ``replan_interval_years`` (and at plan boundaries and shocks) priorities are
    revisited: priority of node j = area weight x (relative shortfall to the
    requirement + ``shortfall_floor``) x ((1 + dependence on foreign supply) x
    (1 + threat of cut-off) + ``mission_weight`` x mission) x readiness **
    ``tractability_weight`` (:func:`readiness`) x (1 + ``key_task_bonus`` x task
    weight), where mission is 1 on a node a public plan names as a national major
    project or flagship mission (lunar exploration, BeiDou, large aircraft...)
    and the task weight sequences the key tasks along the prerequisite graph
    (:func:`task_weights`). Shares follow priority with exponent
    ``regime.concentration`` (0 spreads money evenly).
    """
    p = params.top_level_design
    n = state.nodes
    n.chokepoint = chokepoints(state, params)
    if state.crisis:
        _crisis_response(state, p)
    _envelope_response(state, p)
    plan = state.step == 0 or state.crisis or _plan_boundary(state, p)
    if plan:
        n.key_task = n.chokepoint.copy()
    if not (plan or state.every(p.replan_interval_years)):
        return state
    n.task_weight = task_weights(n, p.sequencing)
    area_weight = state.schedule.area_weight[n.area]
    shortfall = np.clip((n.requirement - n.domestic_level) / n.requirement, 0.0, 1.0)
    dependence = 1.0 - n.domestic_share
    threat = np.maximum(1.0 - n.access, n.exposure * p.threat_perception)
    # a flagship mission draws money whatever its foreign dependence (seed, "Track Record of
    # Delivery": the lunar missions, BeiDou, the C919 and deep-sea exploration)
    pressure = (1.0 + dependence) * (1.0 + threat) + p.mission_weight * n.mission
    priority = area_weight * (shortfall + p.shortfall_floor) * pressure
    priority *= np.power(readiness(state), p.tractability_weight)
    priority *= 1.0 + p.key_task_bonus * n.task_weight
    n.priority = _shares(priority, params.regime.concentration)
    return state


def readiness(state: State) -> Floats:
    """How far each node's prerequisites are met at home, shape (J,), in [0, 1].

    The weighted mean over prerequisites k (``prereq_weight``) of
    ``min(1, available_k / requirement_k)``, where ``available_k`` is the best
    of the domestic supply level, the research level and what foreign access
    still delivers (``access x frontier``); 1 for a node without prerequisites.
    It is the production function's prerequisite throttle seen by the planner:
    money on a node whose inputs are missing buys little progress.
    """
    n = state.nodes
    available = np.maximum(np.maximum(n.domestic_level, n.research_level), n.access * n.frontier)
    every = np.arange(n.count)
    return throttle(state, every, np.broadcast_to(available, (n.count, n.count)))


def task_weights(n: Nodes, sequencing: float) -> Floats:
    """Key tasks sequenced along the prerequisite graph, shape (J,).

    A key task is blocked while one of its prerequisites is itself a current
    chokepoint; a blocked key task weighs ``1 - sequencing``, an unblocked one
    1, a node off the list 0. On a prerequisite graph without cycles every
    blocked key task leads down to unblocked chokepoints, so with
    ``sequencing = 1`` the key-task bonus goes to the deepest unmet
    prerequisites first and moves up the graph as they are met.
    """
    needs = (n.prereq_weight > 0) & ~np.eye(n.count, dtype=bool)
    blocked = (needs & n.chokepoint[None, :]).any(axis=1)
    weight: Floats = np.where(n.key_task, np.where(blocked, 1.0 - sequencing, 1.0), 0.0)
    return weight


def _envelope_response(state: State, p: TopLevelDesignParams) -> None:
    """The centre raises mission money in proportion to the chokepoint gap.

    Each step the pool receives ``envelope_response x gap`` times the step's
    central budget, where gap = the area-weighted mean over nodes of the
    relative shortfall to the requirement on chokepoints (0 once none is left):
    the envelope grows while the plan's targets are far and shrinks as they are
    met (the seed: top-level design "aligns funding and policy tools").
    """
    n = state.nodes
    area_weight = state.schedule.area_weight[n.area]
    shortfall = np.clip((n.requirement - n.domestic_level) / n.requirement, 0.0, 1.0)
    total = float(area_weight.sum())
    gap = weighted_total(area_weight, shortfall * n.chokepoint) / total if total > 0 else 0.0
    extra = p.envelope_response * gap * float(state.schedule.budgets[state.step, SOURCE["central"]])
    state.ledger.central_pool += extra
    receive(state, extra)


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
