"""R&D: spending of projects and of firms' own research, pooled per actor and node."""

from __future__ import annotations

import math

import numpy as np

from innostate.model.codebook import (
    ACTOR_KINDS,
    INSTRUMENT,
    IS_ENTERPRISE,
    IS_RESEARCH,
    KIND,
    SOURCE,
    STATUS,
)
from innostate.model.kernels import jit, weighted_total
from innostate.model.ledger import spend
from innostate.model.params import Params, RndParams, per_step
from innostate.model.production import (
    advance_one,
    difficulty,
    gain_constants,
    noise_parameters,
    progress_one,
    throttle,
    yearly_gain,
)
from innostate.model.select import (
    best_holders,
    best_levels,
    ensure_slot,
    slot_index,
    team_levels,
)
from innostate.model.state import Bools, Floats, Ints, State


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
    key_p, money_p, factor_p, rows = _project_contributions(state, params)
    node_p = state.projects.node[rows]
    # everything below works on the slot entries (the used slots, in flat order), not on the
    # (N, K) table: no table-sized temporaries; new leads got their slots just above
    index = slot_index(a)
    entry_p = np.searchsorted(index.flat, key_p)
    weighted_p = money_p * factor_p
    pooled = np.zeros(index.flat.size)
    pooled_weighted = np.zeros(index.flat.size)
    _pool(entry_p, money_p, weighted_p, pooled, pooled_weighted)  # projects first, then
    _own_contributions(state, params, pooled, pooled_weighted)  # firms' own R&D
    used = np.flatnonzero(pooled > 0)

    d_eff = difficulty(state, rp)
    realised = np.zeros(index.flat.size)
    _progress_step(
        used,
        index.flat,
        index.actor,
        index.node,
        a.cap_level.ravel(),  # a view: the table is contiguous
        pooled,
        pooled_weighted,
        d_eff,
        n.frontier,
        n.access,
        a.talent,
        a.entity_listed,
        rng.standard_normal(used.size),  # lognormal noise (production.noise), exp in the loop
        *noise_parameters(rp, state.dt),
        realised,
        *gain_constants(rp),
        state.dt,
        rp.frontier_brake,
        rp.beyond_decay,
    )
    if rows.size:
        total = pooled_weighted[entry_p]
        share = np.divide(weighted_p, total, out=np.zeros(rows.size), where=total > 0)
        state.projects.progress[rows] += realised[entry_p] * share
        # what the pooled money buys a fully able team, shared by money: reviews judge a
        # project against it, so splitting money does not change the verdict, while a
        # project whose team works better (throttle, efficiency) than its lead's other
        # spending on the node scores better
        ideal = yearly_gain(rp, pooled[entry_p] / state.dt, d_eff[node_p]) * state.dt
        money_share = money_p / pooled[entry_p]
        state.projects.expected[rows] += params.programmes.ambition * ideal * money_share
        _spillover(state, rp, rows, a.cap_level.ravel()[key_p])
    _depreciate(state, rp, pooled)
    n.knowledge *= (1 - rp.knowledge_decay) ** state.dt
    n.services *= (1 - rp.services_decay) ** state.dt
    _transfer(state, rp)
    _clamp(index.flat, a.cap_level.ravel())
    update_levels(state)
    return state


@jit
def _pool(
    entry: Ints, money: Floats, weighted: Floats, pooled: Floats, pooled_weighted: Floats
) -> None:
    # add contributions in order, like np.bincount: the sums keep their bits
    for i in range(entry.size):
        pooled[entry[i]] += money[i]
        pooled_weighted[entry[i]] += weighted[i]


@jit
def _progress_step(
    used: Ints,
    flat: Ints,
    actor: Ints,
    node: Ints,
    level: Floats,
    pooled: Floats,
    pooled_weighted: Floats,
    difficulty: Floats,
    frontier: Floats,
    access: Floats,
    talent: Floats,
    listed: Bools,
    normal: Floats,
    noise_mean: float,
    noise_sigma: float,
    realised: Floats,
    productivity: float,
    exponent: float,
    floor: float,
    catch_up_bonus: float,
    talent_half: float,
    dt: float,
    brake: float,
    decay: float,
) -> None:
    # the production function once per funded slot, in place (was ~20 slot-sized temporaries)
    for u in range(used.size):
        e = used[u]
        i, j, f = actor[e], node[e], flat[e]
        old = level[f]
        gain = progress_one(
            pooled[e],
            difficulty[j],
            old,
            frontier[j],
            talent[i],
            pooled_weighted[e] / pooled[e],
            0.0 if listed[i] else access[j],  # an entity-listed firm cannot import
            math.exp(noise_mean + noise_sigma * normal[u]),  # as numpy's lognormal computes it
            productivity,
            exponent,
            floor,
            catch_up_bonus,
            talent_half,
            dt,
        )
        level[f] = advance_one(old, gain, frontier[j], brake, decay)
        realised[e] = level[f] - old


@jit
def _clamp(flat: Ints, level: Floats) -> None:
    # levels never go below 0; unused slots are at 0 already, so only the used ones are checked
    for e in range(flat.size):
        level[flat[e]] = max(level[flat[e]], 0.0)


def update_levels(state: State) -> None:
    """Domestic level (best enterprise: supply) and research level of every node.

    Both in one pass over the slots (:func:`innostate.model.select.best_levels`
    of enterprises and of research kinds).
    """
    n, a = state.nodes, state.actors
    index = slot_index(a)
    n.domestic_level, n.research_level = np.zeros(n.count), np.zeros(n.count)
    _two_best_levels(
        index.node,
        index.flat,
        index.actor,
        a.cap_level.ravel(),
        a.kind,
        IS_ENTERPRISE,
        IS_RESEARCH,
        n.domestic_level,
        n.research_level,
    )


@jit
def _two_best_levels(
    node: Ints,
    flat: Ints,
    actor: Ints,
    level: Floats,
    kind: Ints,
    first: Bools,
    second: Bools,
    out_first: Floats,
    out_second: Floats,
) -> None:
    # select._best_levels for two kind groups at once (same rule: other kinds count as 0)
    seen = np.zeros(out_first.size, dtype=np.bool_)
    for e in range(node.size):
        j, k = node[e], kind[actor[e]]
        value_first = level[flat[e]] if first[k] else 0.0
        value_second = level[flat[e]] if second[k] else 0.0
        if not seen[j]:
            out_first[j], out_second[j] = value_first, value_second
            seen[j] = True
            continue
        out_first[j] = max(out_first[j], value_first)
        out_second[j] = max(out_second[j], value_second)


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


def _own_contributions(
    state: State, params: Params, pooled: Floats, pooled_weighted: Floats
) -> None:
    """Firms spend part of their cash on their own nodes; add it to the slots' pools."""
    rp, n, a = params.rnd, state.nodes, state.actors
    index = slot_index(a)
    budget = np.zeros(a.count)
    firm = np.zeros(a.count, dtype=np.bool_)
    _own_budgets(
        a.kind,
        IS_ENTERPRISE,
        a.cash,
        index.count,
        per_step(rp.self_rd_rate, state.dt),
        budget,
        firm,
    )
    spend(state, weighted_total(budget, a.weight))
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
    by_kind = np.zeros(len(ACTOR_KINDS))
    by_node = np.zeros(n.count)
    _own_spending(
        index.flat,
        index.actor,
        index.node,
        index.count,
        a.slot_revenue.ravel(),
        budget,
        firm,
        a.weight,
        a.kind,
        a.entity_listed,
        small,
        by_listing,
        1.0 + rp.services_effect * n.services,
        rp.revenue_focus,
        pooled,
        pooled_weighted,
        by_kind,
        by_node,
    )
    source, instrument = SOURCE["enterprise_rd"], INSTRUMENT["self_funded"]
    state.ledger.flows[source, instrument] += by_kind
    state.ledger.node_flows[source, instrument] += by_node


@jit
def _own_budgets(
    kind: Ints,
    is_enterprise: Bools,
    cash: Floats,
    slots: Ints,
    rate: float,
    budget: Floats,
    firm: Bools,
) -> None:
    # enterprises with cash and at least one slot set aside ``rate`` of their cash
    for i in range(cash.size):
        if is_enterprise[kind[i]] and cash[i] > 0 and slots[i] > 0:
            firm[i] = True
            budget[i] = cash[i] * rate
            cash[i] -= budget[i]


@jit
def _own_spending(
    flat: Ints,
    actor: Ints,
    node: Ints,
    slots: Ints,
    sold: Floats,
    budget: Floats,
    firm: Bools,
    weight: Floats,
    kind: Ints,
    listed: Bools,
    small: Bools,
    by_listing: Floats,
    relief: Floats,
    focus: float,
    pooled: Floats,
    pooled_weighted: Floats,
    by_kind: Floats,
    by_node: Floats,
) -> None:
    # firms spend part of their R&D where they sell (market pull), the rest evenly; an
    # actor's entries are consecutive (flat order), so its sales total is summed first
    e = 0
    while e < flat.size:
        i = actor[e]
        end = e + slots[i]
        if not firm[i]:
            e = end
            continue
        total = 0.0
        for q in range(e, end):
            total += sold[flat[q]]
        even = 1.0 / slots[i]
        for q in range(e, end):
            j = node[q]
            by_sales = sold[flat[q]] / total if total > 0 else even
            money = budget[i] * ((1 - focus) * even + focus * by_sales)
            by_kind[kind[i]] += money * weight[i]
            by_node[j] += money * weight[i]
            factor = by_listing[1 if listed[i] else 0, j] * (relief[j] if small[i] else 1.0)
            pooled[q] += money
            pooled_weighted[q] += money * factor
        e = end


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
    # best lead level per learning slot: sort the few pairs instead of a table-sized maximum.at
    order = np.argsort(flat, kind="stable")
    learners, first = np.unique(flat[order], return_index=True)
    best = np.maximum.reduceat(lead_level[p_idx][order], first)
    levels = a.cap_level.ravel()
    gap = np.maximum(best - levels[learners], 0.0)
    levels[learners] += per_step(rp.spillover, state.dt) * gap


def _depreciate(state: State, rp: RndParams, pooled: Floats) -> None:
    """Capability on a node nobody spends on this step loses ``depreciation`` a year."""
    keep = 1.0 - per_step(rp.depreciation, state.dt)
    _depreciate_idle(slot_index(state.actors).flat, pooled, state.actors.cap_level.ravel(), keep)


@jit
def _depreciate_idle(flat: Ints, pooled: Floats, level: Floats, keep: float) -> None:
    for e in range(flat.size):
        if pooled[e] <= 0:
            level[flat[e]] *= keep


def _transfer(state: State, rp: RndParams) -> None:
    """The leading firm on each node licenses research results (transfer to supply).

    Where a university, institute or lab is ahead of every enterprise, the best
    enterprise on the node closes ``transfer_rate`` a year of the gap; a node
    with no firm working on it gets no transfer (research alone is not supply).
    """
    a, n = state.actors, state.nodes
    research_best = best_levels(a, n.count, IS_RESEARCH)
    leader = best_holders(a, n.count, IS_ENTERPRISE)
    has = np.flatnonzero(leader >= 0)
    flat = slot_index(a).flat[leader[has]]
    levels = a.cap_level.ravel()
    gap = np.maximum(research_best[has] - levels[flat], 0.0)
    levels[flat] += per_step(rp.transfer_rate, state.dt) * gap
