"""Adoption: domestic market share, supplier revenue and learning by doing."""

from __future__ import annotations

import numpy as np

from innostate.model.codebook import IS_ENTERPRISE, STATUS
from innostate.model.kernels import jit, power
from innostate.model.ledger import receive
from innostate.model.params import AdoptionParams, Params, per_step
from innostate.model.select import slot_index
from innostate.model.state import Bools, Floats, Ints, State


def target_share(
    ap: AdoptionParams, level: Floats, frontier: Floats, requirement: Floats, access: Floats
) -> Floats:
    """Domestic market share buyers move towards, shape (J,).

    Buyers choose by the quality gap ``sharpness * (level / frontier - 1)`` plus
    ``procurement_preference`` and ``security_premium * (1 - access)``
    (logistic). Foreign supply can serve at most ``access`` of the market: the
    rest must buy domestic supply that is good enough, i.e. the usable share
    ``clip(1 - (requirement - level) / usable_band, 0, 1)``.
    """
    logit = (
        ap.sharpness * (level / frontier - 1.0)
        + ap.procurement_preference
        + ap.security_premium * (1.0 - access)
    )
    chosen = 1.0 / (1.0 + np.exp(-logit))
    forced = (1.0 - access) * usability(ap, level, requirement)
    return np.maximum(chosen, forced)


def step(state: State, params: Params, rng: np.random.Generator) -> State:
    """Move domestic shares, pay domestic suppliers and let use teach them.

    Shares move ``adjustment`` a year of the way to :func:`target_share`.
    Domestic revenue ``share * market_size * dt`` goes to enterprises working on
    the node in proportion to ``level ** revenue_concentration`` among those
    within the usable band, counting every real firm a row stands for;
    ``rd_reinvestment`` of it comes back as R&D cash (the rest leaves the
    innovation ledger). A supplier closes ``learning_by_doing x (its share of
    domestic sales) x (domestic market share)`` a year of its gap to the
    frontier: the volume it sells at home teaches it, so when foreign supply is
    cut and buyers turn to domestic suppliers, those suppliers learn faster.
    Users cut off from foreign supply co-develop with the suppliers they buy
    from (:func:`codevelop`). Active projects record their lead's revenue and
    the uptake of their result (:func:`record_uptake`).
    """
    ap, n, a, dt = params.adoption, state.nodes, state.actors, state.dt
    target = target_share(ap, n.domestic_level, n.frontier, n.requirement, n.access)
    n.domestic_share += per_step(ap.adjustment, dt) * (target - n.domestic_share)
    revenue = n.domestic_share * n.market_size * dt

    # a first compiled pass finds the supplier slots (usable enterprises: a few per cent of the
    # slots) with their weights and each node's total, and zeroes the others' revenue; a
    # second pays the suppliers, books the R&D cash they bring (reinvested revenue, then
    # co-development money, in that order per actor as np.add.at did) and applies learning
    # by doing. Only suppliers' levels move, so the best enterprise slot of each node
    # (domestic supply) is the first pass's best non-supplier merged with the suppliers.
    index = slot_index(a)
    levels = a.cap_level.ravel()
    # the suppliers' entry, actor, node and flat slot, and their weight, real firms, level
    # and actor's cash, side by side: the second pass reads them in sequence instead of
    # gathering from slot-sized tables (suppliers are scattered: each gather is a miss)
    sellers = np.empty((4, index.flat.size), dtype=np.int64)
    values = np.empty((4, index.flat.size))
    total = np.zeros(n.count)
    best = np.zeros(n.count)
    holder = np.full(n.count, -1, dtype=np.int64)
    count = _survey(
        index.flat,
        index.actor,
        index.node,
        levels,
        a.slot_revenue.ravel(),
        a.cash,
        a.kind,
        IS_ENTERPRISE,
        a.weight,
        n.requirement - ap.usable_band,
        ap.revenue_concentration,
        sellers,
        values,
        total,
        best,
        holder,
    )
    money_in = np.zeros(2)  # reinvested revenue and co-development money, bn yuan
    _sell_and_learn(
        sellers[:, :count],
        values[:, :count],
        levels,
        a.slot_revenue.ravel(),
        a.cash,
        total,
        revenue,
        codevelop(state, ap),
        n.frontier,
        n.domestic_share,
        ap.rd_reinvestment,
        ap.codevelopment,
        ap.learning_by_doing,
        dt,
        money_in,
        best,
        holder,
    )
    receive(state, float(money_in[0]))
    receive(state, float(money_in[1]))
    # levels are never negative (rnd clamps them), so a node's best enterprise level is
    # what select.domestic_levels gives: other kinds' slots count as 0
    n.domestic_level = np.where(holder >= 0, best, 0.0)

    pr = state.projects
    rows = np.flatnonzero(pr.status[: pr.count] == STATUS["active"])
    lead, proj_node = pr.lead[rows], pr.node[rows]
    match = a.cap_node[lead] == proj_node[:, None]
    pr.revenue[rows] += np.where(match, a.slot_revenue[lead], 0.0).sum(axis=1)
    record_uptake(state, ap, rows, holder)
    return state


@jit
def _survey(
    flat: Ints,
    actor: Ints,
    node: Ints,
    level: Floats,
    slot_revenue: Floats,
    cash: Floats,
    kind: Ints,
    is_enterprise: Bools,
    real: Floats,
    usable_from: Floats,
    concentration: float,
    sellers: Ints,
    values: Floats,
    total: Floats,
    best: Floats,
    holder: Ints,
) -> int:
    # enterprises within the usable band sell, weighted by level ** concentration; the other
    # slots earn nothing this step, and their levels do not move: rank enterprises' for
    # domestic supply now (first strict maximum: lowest entry on ties, as select.best_holders)
    count = 0
    previous = -1
    for e in range(flat.size):
        i, j, f = actor[e], node[e], flat[e]
        if i != previous:
            previous = i
            if cash[i] == 0.0:  # adding a slot's 0.0 earnings turned -0.0 into 0.0: keep that
                cash[i] = 0.0
        if is_enterprise[kind[i]]:
            if level[f] >= usable_from[j]:
                w = real[i] * power(level[f], concentration)
                sellers[0, count], sellers[1, count] = e, i
                sellers[2, count], sellers[3, count] = j, f
                values[0, count], values[1, count] = w, real[i]
                values[2, count], values[3, count] = level[f], cash[i]
                count += 1
                total[j] += w
                continue
            if holder[j] < 0 or level[f] > best[j]:
                holder[j] = e
                best[j] = level[f]
        if slot_revenue[f] != 0.0:  # most slots never sell: reading is cheaper than writing
            slot_revenue[f] = 0.0
    return count


@jit
def _sell_and_learn(
    sellers: Ints,
    values: Floats,
    level: Floats,
    slot_revenue: Floats,
    cash: Floats,
    total: Floats,
    revenue: Floats,
    forced: Floats,
    frontier: Floats,
    domestic_share: Floats,
    reinvestment: float,
    codevelopment: float,
    learning: float,
    dt: float,
    money_in: Floats,
    best: Floats,
    holder: Ints,
) -> None:
    entry, actor, node, flat = sellers[0], sellers[1], sellers[2], sellers[3]
    weight, real, old = values[0], values[1], values[2]
    reinvested_in, codeveloped_in = money_in[0], money_in[1]
    s = 0
    while s < entry.size:  # an actor's suppliers are consecutive
        i, held = actor[s], values[3, s]
        end = s + 1
        while end < entry.size and actor[end] == i:
            end += 1
        for q in range(s, end):  # revenue first, then co-development (np.add.at's order)
            j = node[q]
            share = (weight[q] / total[j] if total[j] > 0 else 0.0) / real[q]  # one real firm's
            earned = share * revenue[j]  # per real firm; without a usable supplier, nothing
            slot_revenue[flat[q]] = earned
            reinvested = reinvestment * earned
            held += reinvested
            reinvested_in += reinvested * real[q]
        for q in range(s, end):
            j = node[q]
            share = (weight[q] / total[j] if total[j] > 0 else 0.0) / real[q]
            paid = codevelopment * share * forced[j]
            held += paid
            codeveloped_in += paid * real[q]
            # learning by doing follows the volume sold at home: a supplier's share of
            # domestic sales times the node's domestic market share, so buyers forced onto
            # domestic supply teach their suppliers (forced innovation)
            rate = min(learning * share * domestic_share[j], 1.0)
            new = old[q]
            if rate > 0:  # a slot that sells nothing learns nothing (and needs no pow)
                gap = max(frontier[j] - new, 0.0)
                new += (1.0 - power(1.0 - rate, dt)) * gap  # a yearly share, with dt
                level[flat[q]] = new
            # the supplier joins the ranking for domestic supply: highest level, lowest entry
            e = entry[q]
            if holder[j] < 0 or new > best[j] or (new == best[j] and e < holder[j]):
                holder[j] = e
                best[j] = new
        cash[i] = held
        s = end
    money_in[0], money_in[1] = reinvested_in, codeveloped_in


def codevelop(state: State, ap: AdoptionParams) -> Floats:
    """Lead users who lost foreign supply co-develop with their domestic suppliers.

    Users that foreign supply can no longer serve (``1 - access`` of the
    market) and who buy at home, ``min(domestic_share, 1 - access) x
    market_size x dt``, pay ``codevelopment`` of that purchase value on top as
    development money to the suppliers they buy from, split like domestic
    revenue (one real firm's share of the node's domestic sales).
    The money comes from outside the innovation ledger (users' budgets) and
    joins the suppliers' R&D cash, which rnd spends where they sell
    (``revenue_focus``): demand pull from lead users. Seed: table row
    "Enterprises": "Co-develop technologies with strategic application value";
    "Strategic Context": "survive and compete under conditions of technological
    containment".

    Returns the forced purchases per node, (J,) bn yuan; the adoption step pays
    ``codevelopment x share x`` them to each supplier.
    """
    n = state.nodes
    forced: Floats = np.minimum(n.domestic_share, 1.0 - n.access) * n.market_size * state.dt
    return forced


def usability(ap: AdoptionParams, level: Floats, requirement: Floats) -> Floats:
    """Usability of domestic supply at ``level``: ``clip(1 - (requirement - level) / band, 0, 1)``.

    ``band`` is ``usable_band``: supply that far below the requirement is of no use.
    """
    usable: Floats = np.clip(1.0 - (requirement - level) / ap.usable_band, 0.0, 1.0)
    return usable


def record_uptake(state: State, ap: AdoptionParams, rows: Ints, leader: Ints) -> None:
    """Record how far domestic users take up the result of each active project.

    The result reaches users through a supplier: the lead itself if it is an
    enterprise; for a research-led project (university, institute, lab) its
    best enterprise member on the node or, without one, the node's leading
    enterprise, which licenses research results (rnd's transfer). At the
    project's first step the supplier's market share and level are its
    baseline. Every step the project adds ``(supplier's market share -
    baseline share) x market_size x dt`` to its added domestic sales (signed;
    shares, not sales, so market growth is not counted as uptake). The part of
    them due to the project is the share of the supplier's level gain the
    project delivered, ``min(progress, gain, levels the lead holds above the
    supplier's baseline) / gain``: a supplier can only take up what the lead
    knows beyond it, and splitting a lead's money over projects splits the
    credit with the progress. ``uptake = max(added sales, 0) x that share`` is
    what evaluation scores against the promise. ``leader`` is each node's best
    enterprise slot entry (-1 where none), as the step ranked it after learning.
    Seed: "What's New": "project
    evaluation now incorporates both technical outcomes and real-world
    application"; table row "Enterprises": "Commercialize R&D results".
    """
    n, a, pr = state.nodes, state.actors, state.projects
    if rows.size == 0:
        return
    lead, node = pr.lead[rows], pr.node[rows]
    levels, revenues = a.cap_level.ravel(), a.slot_revenue.ravel()
    index = slot_index(a)
    leader_flat = np.where(leader >= 0, index.flat[np.maximum(leader, 0)], -1)
    lead_flat, supplier = np.empty(rows.size, dtype=np.int64), np.empty(rows.size, dtype=np.int64)
    _suppliers(
        lead,
        node,
        pr.members[rows],
        a.cap_node,
        a.cap_level,
        a.kind,
        IS_ENTERPRISE,
        leader_flat,
        lead_flat,
        supplier,
    )
    has = supplier >= 0
    at = np.maximum(supplier, 0)
    level = np.where(has, levels[at], 0.0)
    market = n.market_size[node] * state.dt
    share = np.where(has & (market > 0), revenues[at] / np.where(market > 0, market, 1.0), 0.0)
    lead_level = np.where(lead_flat >= 0, levels[np.maximum(lead_flat, 0)], 0.0)

    new = pr.start[rows] == state.step
    pr.base_share[rows[new]], pr.base_level[rows[new]] = share[new], level[new]
    pr.base_usable[rows[new]] = usability(ap, n.domestic_level, n.requirement)[node[new]]
    pr.added_sales[rows] += (share - pr.base_share[rows]) * market
    gain = level - pr.base_level[rows]
    headroom = np.maximum(lead_level - pr.base_level[rows], 0.0)
    delivered = np.clip(np.minimum(np.minimum(pr.progress[rows], gain), headroom), 0.0, None)
    credit = np.divide(delivered, gain, out=np.zeros(rows.size), where=gain > 0)
    pr.uptake[rows] = np.maximum(pr.added_sales[rows], 0.0) * credit


@jit
def _suppliers(
    lead: Ints,
    node: Ints,
    members: Ints,
    cap_node: Ints,
    cap_level: Floats,
    kind: Ints,
    is_enterprise: Bools,
    leader_flat: Ints,
    lead_flat: Ints,
    supplier: Ints,
) -> None:
    # per project: the lead's slot on the node, and the supplier of its result (the lead if
    # an enterprise; else the best enterprise member on the node, the first of equals in
    # member and slot order; else the node's leader); -1 where there is none
    k = cap_node.shape[1]
    for p in range(lead.size):
        i, j = lead[p], node[p]
        lead_flat[p] = -1
        for s in range(k):
            if cap_node[i, s] == j:
                lead_flat[p] = i * k + s
                break
        if is_enterprise[kind[i]]:
            supplier[p] = lead_flat[p]
            continue
        best, at = -1.0, -1  # levels are never negative
        for m in range(members.shape[1]):
            member = members[p, m]
            if member < 0 or not is_enterprise[kind[member]]:
                continue
            for s in range(k):
                if cap_node[member, s] == j and cap_level[member, s] > best:
                    best, at = cap_level[member, s], member * k + s
        supplier[p] = at if at >= 0 else leader_flat[j]
