"""R&D: spending of projects and of firms' own research, pooled per actor and node."""

from __future__ import annotations

import numpy as np

from innostate.model.codebook import INSTRUMENT, IS_ENTERPRISE, IS_RESEARCH, KIND, SOURCE, STATUS
from innostate.model.kernels import weighted_total
from innostate.model.ledger import record_flow, spend
from innostate.model.params import Params, RndParams, per_step
from innostate.model.production import (
    advance,
    difficulty,
    noise,
    progress,
    throttle,
    yearly_gain,
)
from innostate.model.select import (
    best_levels,
    best_per_node,
    domestic_levels,
    ensure_slot,
    slot_index,
    team_levels,
)
from innostate.model.state import Floats, Ints, State


def step(state: State, params: Params, rng: np.random.Generator) -> State:
    """Spend project budgets and firms' own cash on R&D and raise capabilities.

    Project budgets are spent evenly over the remaining planned steps; firms
    spend ``self_rd_rate`` a year of their cash on their own nodes, a share
    ``revenue_focus`` of it where they sell (in proportion to last step's
    domestic revenue on each node) and the rest evenly. Everything an
    actor spends on a node in a step is pooled and goes through the production
    function once (:func:`innostate.model.production.progress`); the gain is
    credited to the contributions in proportion to their money times their
    factor. A project team's prerequisite k is available at ``max(team level,
    domestic_supply * domestic level, access * frontier)`` (access is 0 for an
    entity-listed lead); a firm's own R&D buys prerequisites on the market.
    Grants build node knowledge, which lowers difficulty for everyone; members
    close ``spillover`` a year of their gap to the lead; capability unused in a
    step depreciates; the leading firm on each node licenses research results
    (``transfer_rate``); platform services lower small private firms' costs.
    """
    rp, n, a = params.rnd, state.nodes, state.actors
    k = a.cap_node.shape[1]
    key_p, money_p, factor_p, rows = _project_contributions(state, params)
    node_p = state.projects.node[rows]
    key_s, money_s, factor_s = _own_contributions(state, params)
    keys = np.concatenate([key_p, key_s])
    money = np.concatenate([money_p, money_s])
    weighted = money * np.concatenate([factor_p, factor_s])
    size = a.cap_node.size
    pooled = np.asarray(np.bincount(keys, weights=money, minlength=size), dtype=np.float64)
    pooled_weighted = np.bincount(keys, weights=weighted, minlength=size)
    used = np.flatnonzero(pooled > 0)

    levels = a.cap_level.ravel()  # a view: the table is contiguous
    actor, node = used // k, a.cap_node.ravel()[used]
    d_eff = difficulty(state, rp)
    listed = a.entity_listed[actor]
    old = levels[used]
    gain = progress(
        rp,
        state.dt,
        pooled[used],
        d_eff[node],
        old,
        n.frontier[node],
        a.talent[actor],
        pooled_weighted[used] / pooled[used],
        np.where(listed, 0.0, n.access[node]),
        noise(rng, rp, state.dt, used.size),
    )
    levels[used] = advance(rp, old, gain, n.frontier[node])
    realised = np.zeros(size)
    realised[used] = levels[used] - old
    if rows.size:
        total = pooled_weighted[key_p]
        share = np.divide(weighted[: rows.size], total, out=np.zeros(rows.size), where=total > 0)
        state.projects.progress[rows] += realised[key_p] * share
        # what the pooled money buys a fully able team, shared by money: reviews judge a
        # project against it, so splitting money does not change the verdict, while a
        # project whose team works better (throttle, efficiency) than its lead's other
        # spending on the node scores better
        ideal = yearly_gain(rp, pooled[key_p] / state.dt, d_eff[node_p]) * state.dt
        money_share = money[: rows.size] / pooled[key_p]
        state.projects.expected[rows] += params.programmes.ambition * ideal * money_share
        _spillover(state, rp, rows, levels[key_p])
    _depreciate(state, rp, pooled)
    n.knowledge *= (1 - rp.knowledge_decay) ** state.dt
    n.services *= (1 - rp.services_decay) ** state.dt
    _transfer(state, rp)
    np.maximum(a.cap_level, 0.0, out=a.cap_level)
    update_levels(state)
    return state


def update_levels(state: State) -> None:
    """Domestic level (best enterprise: supply) and research level of every node."""
    n, a = state.nodes, state.actors
    n.domestic_level = domestic_levels(a, n.count)
    n.research_level = best_levels(a, n.count, IS_RESEARCH)


def _project_contributions(state: State, params: Params) -> tuple[Ints, Floats, Floats, Ints]:
    """Spend this step's project money; return slot keys, money, factors and project rows."""
    rp, n, a, pr = params.rnd, state.nodes, state.actors, state.projects
    rows = np.flatnonzero((pr.status[: pr.count] == STATUS["active"]) & (pr.budget[: pr.count] > 0))
    if rows.size == 0:
        empty = np.zeros(0)
        return np.zeros(0, dtype=np.int64), empty, empty, rows
    remaining = np.maximum(pr.end[rows] - state.step + 1, 1)
    money = pr.budget[rows] / remaining  # per real project
    pr.budget[rows] -= money
    pr.spent[rows] += money
    spend(state, weighted_total(money, pr.weight[rows]))

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
    cluster = _cluster_share(state, a.region[lead], node)
    factor = (
        throttle(state, node, available)
        * pr.efficiency[rows]
        * (1 + params.local_governments.cluster_bonus * cluster)
    )
    grants = pr.instrument[rows] == INSTRUMENT["basic_grant"]
    total = money * pr.weight[rows]
    np.add.at(n.knowledge, node[grants], rp.knowledge_per_bn * total[grants])
    # a synthetic lead stands for the firm that runs the project: money is per real project
    return lead * a.cap_node.shape[1] + slot, money, factor, rows


def _own_contributions(state: State, params: Params) -> tuple[Ints, Floats, Floats]:
    """Firms spend part of their cash on their own nodes; return slot keys, money, factors."""
    rp, n, a = params.rnd, state.nodes, state.actors
    index = slot_index(a)
    flat, actor, node = index.flat, index.actor, index.node
    slots = np.bincount(actor, minlength=a.count)
    firms = IS_ENTERPRISE[a.kind] & (a.cash > 0) & (slots > 0)
    budget = np.where(firms, a.cash * per_step(rp.self_rd_rate, state.dt), 0.0)
    a.cash -= budget
    spend(state, weighted_total(budget, a.weight))
    take = firms[actor]
    flat, actor, node = flat[take], actor[take], node[take]
    # firms spend part of their R&D where they sell (market pull), the rest evenly
    sold = a.slot_revenue.ravel()[flat]
    sold_total = np.bincount(actor, weights=sold, minlength=a.count)[actor]
    even = 1.0 / slots[actor]
    by_sales = np.divide(sold, sold_total, out=even.copy(), where=sold_total > 0)
    money = budget[actor] * ((1 - rp.revenue_focus) * even + rp.revenue_focus * by_sales)
    record_flow(
        state,
        SOURCE["enterprise_rd"],
        INSTRUMENT["self_funded"],
        actor,
        node,
        money * a.weight[actor],
    )
    # a firm buys prerequisites on the market: domestic supply or imports if open to it
    supply = np.stack(
        [
            np.maximum(rp.domestic_supply * n.domestic_level, n.access * n.frontier),
            rp.domestic_supply * n.domestic_level,
        ]
    )  # row 0: open to imports, row 1: entity-listed
    by_listing = np.stack(
        [
            throttle(state, np.arange(n.count), np.broadcast_to(supply[i], (n.count, n.count)))
            for i in range(2)
        ]
    )
    # platforms lower small firms' costs: as if their money went further
    small = (a.kind == KIND["private_firm"]) & ~a.strategic_force
    relief = np.where(small[actor], 1.0 + rp.services_effect * n.services[node], 1.0)
    factor = by_listing[a.entity_listed[actor].astype(np.int64), node] * relief
    return flat, money, factor


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


def _spillover(state: State, rp: RndParams, rows: Ints, lead_level: Floats) -> None:
    """Members holding the node close part of their gap to the lead (SKIN-style learning).

    A member in several projects of the node learns once, from its best lead, so
    splitting work into more projects does not speed learning up.
    """
    a, pr = state.actors, state.projects
    members, node = pr.members[rows], pr.node[rows]
    present = members >= 0
    safe = np.maximum(members, 0)
    match = (a.cap_node[safe] == node[:, None, None]) & present[:, :, None]  # (P, M, K)
    p_idx, m_idx, k_idx = np.nonzero(match)
    if p_idx.size == 0:
        return
    flat = safe[p_idx, m_idx] * a.cap_node.shape[1] + k_idx
    best = np.zeros(a.cap_node.size)
    np.maximum.at(best, flat, lead_level[p_idx])
    learners = np.unique(flat)
    levels = a.cap_level.ravel()
    gap = np.maximum(best[learners] - levels[learners], 0.0)
    levels[learners] += per_step(rp.spillover, state.dt) * gap


def _depreciate(state: State, rp: RndParams, pooled: Floats) -> None:
    """Capability on a node nobody spends on this step loses ``depreciation`` a year."""
    index = slot_index(state.actors)
    idle = index.flat[pooled[index.flat] <= 0]
    state.actors.cap_level.ravel()[idle] *= 1.0 - per_step(rp.depreciation, state.dt)


def _transfer(state: State, rp: RndParams) -> None:
    """The leading firm on each node licenses research results (transfer to supply).

    Where a university, institute or lab is ahead of every enterprise, the best
    enterprise on the node closes ``transfer_rate`` a year of the gap; a node
    with no firm working on it gets no transfer (research alone is not supply).
    """
    a, n = state.actors, state.nodes
    index = slot_index(a)
    level = a.cap_level.ravel()[index.flat]
    kind = a.kind[index.actor]
    research_best = best_levels(a, n.count, IS_RESEARCH)
    leader = best_per_node(index.node, level, IS_ENTERPRISE[kind], n.count)
    has = np.flatnonzero(leader >= 0)
    flat = index.flat[leader[has]]
    levels = a.cap_level.ravel()
    gap = np.maximum(research_best[has] - levels[flat], 0.0)
    levels[flat] += per_step(rp.transfer_rate, state.dt) * gap
