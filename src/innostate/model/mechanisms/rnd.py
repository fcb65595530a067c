"""R&D: stochastic progress of funded projects and of firms' self-funded research."""

from __future__ import annotations

import numpy as np

from innostate.model.ledger import record_flow, spend
from innostate.model.params import Params, RndParams
from innostate.model.select import domestic_levels, ensure_slot, slot_index, team_levels
from innostate.model.state import (
    INSTRUMENT,
    IS_ENTERPRISE,
    KIND,
    SOURCE,
    STATUS,
    Floats,
    Ints,
    State,
)


def progress(
    rp: RndParams,
    money: Floats,
    difficulty: Floats,
    level: Floats,
    frontier: Floats,
    talent: Floats,
    throttle: Floats,
    access: Floats,
    efficiency: Floats,
    noise: Floats,
) -> Floats:
    """Expected-times-noise progress in levels for one step, all arrays of shape (P,).

    ``productivity * (money / difficulty) ** returns_exponent`` scaled by
    absorptive capacity (``absorptive_floor`` rising to 1 at the frontier), talent
    saturation ``talent / (talent + talent_half)``, the prerequisite throttle and
    the catch-up speed-up ``1 + catch_up_bonus * access * relative gap``.
    :func:`advance` turns it into a new level, braking at the frontier.
    """
    absorb = rp.absorptive_floor + (1 - rp.absorptive_floor) * np.minimum(level / frontier, 1.0)
    gap = np.clip((frontier - level) / frontier, 0.0, 1.0)
    catch_up = 1.0 + rp.catch_up_bonus * access * gap
    base = rp.productivity * np.power(np.maximum(money, 0.0) / difficulty, rp.returns_exponent)
    talent_term = talent / (talent + rp.talent_half)
    return base * absorb * talent_term * throttle * catch_up * efficiency * noise


def advance(rp: RndParams, level: Floats, gain: Floats, frontier: Floats) -> Floats:
    """New level after ``gain``: full speed up to the frontier, braked beyond it.

    The part of the gain that would pass the frontier counts
    ``frontier_brake * exp(-beyond_decay * levels already beyond)``: leading the
    world is much slower than catching up.
    """
    to_frontier = np.maximum(frontier - level, 0.0)
    used = np.minimum(gain, to_frontier)
    beyond = np.maximum(level - frontier, 0.0)
    rest = (gain - used) * rp.frontier_brake * np.exp(-rp.beyond_decay * beyond)
    new_level: Floats = level + used + rest
    return new_level


def promised(state: State, params: Params, node: Ints, budget: Floats, duration: int) -> Floats:
    """Progress a funder expects: ``ambition`` x what the money buys a fully capable team.

    That is ``ambition * productivity * (budget / duration / difficulty) ** returns_exponent
    * duration`` in levels, with today's knowledge-adjusted difficulty.
    """
    rp = params.rnd
    per_step = np.maximum(budget, 0.0) / duration / _difficulty(state, rp)[node]
    return params.programmes.ambition * rp.productivity * per_step**rp.returns_exponent * duration


def step(state: State, params: Params, rng: np.random.Generator) -> State:
    """Spend project budgets and self-funded cash on R&D and raise capabilities.

    Project budgets are spent evenly over the remaining planned steps. A
    team's prerequisite k is available at ``max(team level, domestic_supply *
    domestic level, access * frontier)`` (access is 0 for an entity-listed
    lead); the throttle is the weighted mean of ``min(1, available /
    requirement)`` over prerequisites. Grants also build node knowledge, which
    lowers difficulty for everyone. Members close ``spillover`` of their gap to
    the lead each step. Firms spend ``self_rd_rate`` of their cash on their own
    nodes, buying prerequisites on the market; platform services lower small
    private firms' costs.
    """
    rp, n = params.rnd, state.nodes
    _projects(state, params, rng)
    _self_funded(state, params, rng)
    n.knowledge *= (1 - rp.knowledge_decay) ** state.dt
    n.services *= (1 - rp.services_decay) ** state.dt
    top = params.environment.max_level
    np.clip(state.actors.cap_level, 0.0, top, out=state.actors.cap_level)
    n.domestic_level = domestic_levels(state.actors, n.count)
    return state


def _difficulty(state: State, rp: RndParams) -> Floats:
    n = state.nodes
    return n.difficulty / (1.0 + rp.knowledge_effect * n.knowledge)


def _throttle(state: State, node: Ints, available: Floats) -> Floats:
    """Weighted mean over prerequisites of min(1, available / requirement); 1 without any."""
    n = state.nodes
    weight = n.prereq_weight[node]
    total = weight.sum(axis=1)
    enough = np.minimum(available / n.requirement[None, :], 1.0)
    return np.where(total > 0, (weight * enough).sum(axis=1) / np.where(total > 0, total, 1), 1.0)


def _projects(state: State, params: Params, rng: np.random.Generator) -> None:
    rp, n, a, pr = params.rnd, state.nodes, state.actors, state.projects
    rows = np.flatnonzero((pr.status[: pr.count] == STATUS["active"]) & (pr.budget[: pr.count] > 0))
    if rows.size == 0:
        return
    remaining = np.maximum(pr.end[rows] - state.step + 1, 1)
    money = pr.budget[rows] / remaining
    pr.budget[rows] -= money
    pr.spent[rows] += money
    spend(state, float(money.sum()))

    node, lead = pr.node[rows], pr.lead[rows]
    team = np.concatenate([lead[:, None], pr.members[rows]], axis=1)
    levels = team_levels(a, team, n.count)
    open_to_lead = np.where(a.entity_listed[lead], 0.0, 1.0)
    available = np.maximum(
        levels,
        np.maximum(
            rp.domestic_supply * n.domestic_level[None, :],
            open_to_lead[:, None] * n.access[None, :] * n.frontier[None, :],
        ),
    )
    slot = ensure_slot(a, lead, node)
    own = a.cap_level[lead, slot]
    cluster = _cluster_share(state, a.region[lead], node)
    gained = progress(
        rp,
        money,
        _difficulty(state, rp)[node],
        own,
        n.frontier[node],
        a.talent[lead],
        _throttle(state, node, available),
        open_to_lead * n.access[node],
        pr.efficiency[rows] * (1 + params.local_governments.cluster_bonus * cluster),
        rng.lognormal(0.0, rp.noise, rows.size),
    )
    # a lead with several projects on one node gains from each in turn
    for rows_once in _first_occurrences(lead * n.count + node):
        level = a.cap_level[lead[rows_once], slot[rows_once]]
        new = advance(rp, level, gained[rows_once], n.frontier[node[rows_once]])
        a.cap_level[lead[rows_once], slot[rows_once]] = new
        pr.progress[rows[rows_once]] += new - level
    grants = pr.instrument[rows] == INSTRUMENT["basic_grant"]
    np.add.at(n.knowledge, node[grants], rp.knowledge_per_bn * money[grants])
    _spillover(state, rp, pr.members[rows], node, a.cap_level[lead, slot])


def _first_occurrences(keys: Ints) -> list[Ints]:
    """Split positions into rounds in which every key occurs at most once.

    Round r holds the r-th occurrence of each key, so updates within a round
    never collide; there are as many rounds as the most repeated key has rows.
    """
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.searchsorted(sorted_keys, sorted_keys, side="left")
    occurrence = np.empty_like(order)
    occurrence[order] = np.arange(keys.size) - starts
    return [np.flatnonzero(occurrence == r) for r in range(int(occurrence.max(initial=-1)) + 1)]


def _cluster_share(state: State, region: Ints, node: Ints) -> Floats:
    """Share of the country's capability on each node held in the given region."""
    mass = state.region_capability
    if mass.size == 0:
        return np.zeros(node.shape[0])
    total = mass.sum(axis=0)
    share: Floats = np.divide(
        mass[region, node], total[node], out=np.zeros(node.shape[0]), where=total[node] > 0
    )
    return share


def _spillover(state: State, rp: RndParams, members: Ints, node: Ints, lead_level: Floats) -> None:
    """Members holding the node close part of their gap to the lead (SKIN-style learning)."""
    a = state.actors
    present = members >= 0
    safe = np.maximum(members, 0)
    match = (a.cap_node[safe] == node[:, None, None]) & present[:, :, None]  # (P, M, K)
    p_idx, m_idx, k_idx = np.nonzero(match)
    actor = safe[p_idx, m_idx]
    gap = np.maximum(lead_level[p_idx] - a.cap_level[actor, k_idx], 0.0)
    np.add.at(a.cap_level, (actor, k_idx), rp.spillover * gap)


def _self_funded(state: State, params: Params, rng: np.random.Generator) -> None:
    rp, n, a = params.rnd, state.nodes, state.actors
    index = slot_index(a)
    flat, actor, node = index.flat, index.actor, index.node
    slots = np.bincount(actor, minlength=a.count)
    firms = IS_ENTERPRISE[a.kind] & (a.cash > 0) & (slots > 0)
    budget = np.where(firms, a.cash * rp.self_rd_rate, 0.0)
    a.cash -= budget
    spend(state, float(budget.sum()))
    take = firms[actor]
    if not take.any():
        return
    flat, actor, node = flat[take], actor[take], node[take]
    money = budget[actor] / slots[actor]  # split evenly over the firm's nodes
    record_flow(state, SOURCE["enterprise"], INSTRUMENT["self_funded"], actor, node, money)
    # a firm buys prerequisites on the market: domestic supply or imports if open to it
    listed = a.entity_listed[actor]
    supply = np.stack(
        [
            np.maximum(rp.domestic_supply * n.domestic_level, n.access * n.frontier),
            rp.domestic_supply * n.domestic_level,
        ]
    )  # row 0: open to imports, row 1: entity-listed
    throttle_by_listing = np.stack(
        [
            _throttle(state, np.arange(n.count), np.broadcast_to(supply[i], (n.count, n.count)))
            for i in range(2)
        ]
    )
    small = (a.kind == KIND["private_firm"]) & ~a.strategic_force
    relief = np.where(small[actor], 1.0 + rp.services_effect * n.services[node], 1.0)
    levels = a.cap_level.ravel()  # a view: the table is contiguous
    level = levels[flat]
    gained = progress(
        rp,
        money,
        _difficulty(state, rp)[node] / relief,
        level,
        n.frontier[node],
        a.talent[actor],
        throttle_by_listing[listed.astype(np.int64), node],
        np.where(listed, 0.0, n.access[node]),
        np.ones(actor.size),
        rng.lognormal(0.0, rp.noise, actor.size),
    )
    levels[flat] = advance(rp, level, gained, n.frontier[node])
