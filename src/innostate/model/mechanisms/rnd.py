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
    level_factor,
    noise_parameters,
    progress_one,
    throttle,
    yearly_gain,
)
from innostate.model.select import (
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
    level = a.cap_level.ravel()  # a view: the table is contiguous
    entry_p = np.searchsorted(index.flat, key_p)
    weighted_p = money_p * factor_p
    pooled = np.zeros(index.flat.size)
    pooled_weighted = np.zeros(index.flat.size)
    _pool(entry_p, money_p, weighted_p, pooled, pooled_weighted)  # projects first, then
    _own_contributions(state, params, pooled, pooled_weighted)  # firms' own R&D

    d_eff = difficulty(state, rp)
    before_p = level[key_p]
    funded = _count_funded(pooled)
    idle = np.empty(index.flat.size - funded, dtype=np.int64)
    n_idle = _progress_step(
        index.flat,
        index.actor,
        index.node,
        level,
        pooled,
        pooled_weighted,
        d_eff,
        n.frontier,
        n.access,
        a.talent,
        a.entity_listed,
        rng.standard_normal(funded),  # lognormal noise (production.noise), exp in the loop
        *noise_parameters(rp, state.dt),
        *gain_constants(rp),
        state.dt,
        rp.frontier_brake,
        rp.beyond_decay,
        idle,
    )
    if rows.size:
        after_p = level[key_p]
        total = pooled_weighted[entry_p]
        share = np.divide(weighted_p, total, out=np.zeros(rows.size), where=total > 0)
        state.projects.progress[rows] += (after_p - before_p) * share
        # what the pooled money buys a fully able team, shared by money: reviews judge a
        # project against it, so splitting money does not change the verdict, while a
        # project whose team works better (throttle, efficiency) than its lead's other
        # spending on the node scores better
        # at the lead's level before the step, as the production function saw it
        steep = d_eff[node_p] * level_factor(rp.level_steepness, before_p)
        ideal = yearly_gain(rp, pooled[entry_p] / state.dt, steep) * state.dt
        money_share = money_p / pooled[entry_p]
        state.projects.expected[rows] += params.programmes.ambition * ideal * money_share
        _spillover(state, rp, rows, after_p)
    _depreciate(state, rp, idle[:n_idle])
    n.knowledge *= (1 - rp.knowledge_decay) ** state.dt
    n.services *= (1 - rp.services_decay) ** state.dt
    _settle(state, per_step(rp.transfer_rate, state.dt))
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
def _count_funded(pooled: Floats) -> int:
    # the slots the production function runs on, counted before their noise is drawn
    count = 0
    for e in range(pooled.size):
        if pooled[e] > 0:
            count += 1
    return count


@jit
def _progress_step(
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
    productivity: float,
    exponent: float,
    floor: float,
    catch_up_bonus: float,
    talent_half: float,
    steepness: float,
    dt: float,
    brake: float,
    decay: float,
    idle: Ints,
) -> int:
    # the production function once per funded slot, in place (was ~20 slot-sized temporaries);
    # the slots nobody spent on are listed in ``idle`` (their count is returned) for _depreciate
    u = n_idle = 0
    for e in range(flat.size):
        if not pooled[e] > 0:
            if pooled[e] <= 0:
                idle[n_idle] = e
                n_idle += 1
            continue
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
            steepness,
            dt,
        )
        u += 1
        level[f] = advance_one(old, gain, frontier[j], brake, decay)
    return n_idle


def update_levels(state: State) -> None:
    """Domestic level (best enterprise: supply) and research level of every node.

    Both in one pass over the slots (:func:`innostate.model.select.best_levels`
    of enterprises and of research kinds).
    """
    _node_levels(state, settle=False, transfer=0.0)


def _settle(state: State, transfer: float) -> None:
    """Transfer research results to the leading firms, clamp levels at 0, update node levels.

    The leading firm on each node licenses research results: where a university,
    institute or lab is ahead of every enterprise, the best enterprise on the
    node closes ``transfer`` (a step's share) of the gap; a node with no firm
    working on it gets no transfer (research alone is not supply). Then levels
    below 0 are set to 0 and :func:`update_levels` runs, all in one pass.
    """
    _node_levels(state, settle=True, transfer=transfer)


def _node_levels(state: State, settle: bool, transfer: float) -> None:
    n, a = state.nodes, state.actors
    index = slot_index(a)
    n.domestic_level, n.research_level = np.zeros(n.count), np.zeros(n.count)
    _level_pass(
        index.node,
        index.flat,
        index.actor,
        a.cap_level.ravel(),
        a.kind,
        IS_ENTERPRISE,
        IS_RESEARCH,
        settle,
        transfer,
        n.domestic_level,
        n.research_level,
    )


@jit
def _level_pass(
    node: Ints,
    flat: Ints,
    actor: Ints,
    level: Floats,
    kind: Ints,
    is_enterprise: Bools,
    is_research: Bools,
    settle: bool,
    transfer: float,
    domestic: Floats,
    research: Floats,
) -> None:
    # select._best_levels of enterprises and of research kinds (other kinds count as 0).
    # With ``settle``, the same pass first finds what the transfer needs, from the levels
    # before the clamp (select._best_levels of research, select._best_holders of
    # enterprises), and clamps; the transfer then only raises each node's leading firm,
    # whose new level is the node's new domestic level unless another slot's is as high
    # (no level is -0.0 or nan, so the order in which these max see the values does not matter)
    seen = np.zeros(domestic.size, dtype=np.bool_)
    research_before = np.zeros(domestic.size)
    leader = np.full(domestic.size, -1)
    leader_level = np.zeros(domestic.size)
    for e in range(node.size):
        j, k, f = node[e], kind[actor[e]], flat[e]
        value = level[f]
        if settle:
            value_research = value if is_research[k] else 0.0
            if not seen[j] or value_research > research_before[j]:
                research_before[j] = value_research
            if is_enterprise[k] and (leader[j] < 0 or value > leader_level[j]):
                leader[j], leader_level[j] = e, value
            if value < 0.0:  # max(value, 0.0) changes nothing else: no write, no dirty line
                value = 0.0
                level[f] = value
        value_domestic = value if is_enterprise[k] else 0.0
        value_research = value if is_research[k] else 0.0
        if not seen[j]:
            domestic[j], research[j] = value_domestic, value_research
            seen[j] = True
            continue
        if value_domestic > domestic[j]:  # max(): the first of equal values stays
            domestic[j] = value_domestic
        if value_research > research[j]:
            research[j] = value_research
    if not settle:
        return
    for j in range(domestic.size):
        if leader[j] < 0:
            continue
        old = leader_level[j]
        new = max(old + transfer * max(research_before[j] - old, 0.0), 0.0)
        level[flat[leader[j]]] = new
        domestic[j] = max(domestic[j], new)


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
    # what the market offers (domestic supply, imports if open to the lead), raised to the
    # team's own levels in place: one (P, J) table instead of five
    available = np.where(a.entity_listed[lead], 0.0, 1.0)[:, None] * n.access[None, :]
    available *= n.frontier
    np.maximum(rp.domestic_supply * n.domestic_level, available, out=available)
    team_levels(a, team, n.count, out=available)
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
    budget = np.zeros(a.count)
    by_kind = np.zeros(len(ACTOR_KINDS))
    by_node = np.zeros(n.count)
    _own_spending(
        index.flat,
        index.actor,
        index.node,
        index.count,
        a.slot_revenue.ravel(),
        a.kind,
        IS_ENTERPRISE,
        a.cash,
        per_step(rp.self_rd_rate, state.dt),
        a.weight,
        a.entity_listed,
        a.strategic_force,
        KIND["private_firm"],
        by_listing,
        1.0 + rp.services_effect * n.services,
        rp.revenue_focus,
        budget,
        pooled,
        pooled_weighted,
        by_kind,
        by_node,
    )
    spend(state, weighted_total(budget, a.weight))
    source, instrument = SOURCE["enterprise_rd"], INSTRUMENT["self_funded"]
    state.ledger.flows[source, instrument] += by_kind
    state.ledger.node_flows[source, instrument] += by_node


@jit
def _own_spending(
    flat: Ints,
    actor: Ints,
    node: Ints,
    slots: Ints,
    sold: Floats,
    kind: Ints,
    is_enterprise: Bools,
    cash: Floats,
    rate: float,
    weight: Floats,
    listed: Bools,
    strategic_force: Bools,
    private_firm: int,
    by_listing: Floats,
    relief: Floats,
    focus: float,
    budget: Floats,
    pooled: Floats,
    pooled_weighted: Floats,
    by_kind: Floats,
    by_node: Floats,
) -> None:
    # enterprises with cash and at least one slot set aside ``rate`` of their cash and spend
    # it where they sell (market pull) and evenly; an actor's entries are consecutive (flat
    # order), so its sales total is summed first
    e = 0
    while e < flat.size:
        i = actor[e]
        end = e + slots[i]
        if not (is_enterprise[kind[i]] and cash[i] > 0):
            e = end
            continue
        budget[i] = cash[i] * rate
        cash[i] -= budget[i]
        total = 0.0
        for q in range(e, end):
            total += sold[flat[q]]
        even = 1.0 / slots[i]
        listing = 1 if listed[i] else 0
        # platforms lower small firms' costs: as if their money went further
        small = kind[i] == private_firm and not strategic_force[i]
        for q in range(e, end):
            j = node[q]
            by_sales = sold[flat[q]] / total if total > 0 else even
            money = budget[i] * ((1 - focus) * even + focus * by_sales)
            weighted = money * weight[i]
            by_kind[kind[i]] += weighted
            by_node[j] += weighted
            factor = by_listing[listing, j] * (relief[j] if small else 1.0)
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
    _learn(
        pr.members,
        pr.node,
        rows,
        a.cap_node,
        a.cap_level.ravel(),
        lead_level,
        per_step(rp.spillover, state.dt),
    )


@jit
def _learn(
    members: Ints,
    project_node: Ints,
    rows: Ints,
    cap_node: Ints,
    level: Floats,
    lead_level: Floats,
    rate: float,
) -> None:
    # the (member slot, lead level) pairs of the projects' members holding the project's node
    # (was a (P, M, K) match table), then the best lead per learning slot: sorting the few
    # pairs beats a table-sized maximum.at; equal slots are adjacent after the sort
    k = cap_node.shape[1]
    pairs = 0
    for p in range(rows.size):
        for m in members[rows[p]]:
            if m >= 0:
                for s in range(k):
                    pairs += cap_node[m, s] == project_node[rows[p]]
    slot = np.empty(pairs, dtype=np.int64)
    lead = np.empty(pairs)
    pairs = 0
    for p in range(rows.size):
        for m in members[rows[p]]:
            if m >= 0:
                for s in range(k):
                    if cap_node[m, s] == project_node[rows[p]]:
                        slot[pairs], lead[pairs] = m * k + s, lead_level[p]
                        pairs += 1
    order = np.argsort(slot)
    q = 0
    while q < pairs:
        f, best = slot[order[q]], lead[order[q]]
        q += 1
        while q < pairs and slot[order[q]] == f:
            best = max(best, lead[order[q]])
            q += 1
        level[f] += rate * max(best - level[f], 0.0)


def _depreciate(state: State, rp: RndParams, idle: Ints) -> None:
    """Capability on a node nobody spends on this step (the ``idle`` slot entries) depreciates."""
    keep = 1.0 - per_step(rp.depreciation, state.dt)
    state.actors.cap_level.ravel()[slot_index(state.actors).flat[idle]] *= keep
