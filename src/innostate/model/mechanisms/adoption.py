"""Adoption: domestic market share, supplier revenue and learning by doing."""

from __future__ import annotations

import numpy as np

from innostate.model.codebook import IS_ENTERPRISE, STATUS
from innostate.model.kernels import jit, power
from innostate.model.ledger import receive
from innostate.model.params import AdoptionParams, Params, per_step
from innostate.model.select import best_holders, domestic_levels, slot_index
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

    # one compiled pass pays every supplier slot, books the R&D cash it brings (reinvested
    # revenue, then co-development money, in that order per actor as np.add.at did) and
    # applies learning by doing; a first pass sums each node's supplier weights
    index = slot_index(a)
    levels = a.cap_level.ravel()
    weight = np.zeros(index.flat.size)
    total = np.zeros(n.count)
    _supplier_weights(
        index.flat,
        index.actor,
        index.node,
        levels,
        a.kind,
        IS_ENTERPRISE,
        a.weight,
        n.requirement - ap.usable_band,
        ap.revenue_concentration,
        weight,
        total,
    )
    money_in = np.zeros(2)  # reinvested revenue and co-development money, bn yuan
    _sell_and_learn(
        index.flat,
        index.actor,
        index.node,
        index.count,
        levels,
        a.slot_revenue.ravel(),
        a.cash,
        a.weight,
        weight,
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
    )
    receive(state, float(money_in[0]))
    receive(state, float(money_in[1]))
    n.domestic_level = domestic_levels(a, n.count)

    pr = state.projects
    rows = np.flatnonzero(pr.status[: pr.count] == STATUS["active"])
    lead, proj_node = pr.lead[rows], pr.node[rows]
    match = a.cap_node[lead] == proj_node[:, None]
    pr.revenue[rows] += np.where(match, a.slot_revenue[lead], 0.0).sum(axis=1)
    record_uptake(state, ap, rows)
    return state


@jit
def _supplier_weights(
    flat: Ints,
    actor: Ints,
    node: Ints,
    level: Floats,
    kind: Ints,
    is_enterprise: Bools,
    real: Floats,
    usable_from: Floats,
    concentration: float,
    weight: Floats,
    total: Floats,
) -> None:
    # enterprises within the usable band sell, weighted by level ** concentration
    for e in range(flat.size):
        i, j = actor[e], node[e]
        if is_enterprise[kind[i]] and level[flat[e]] >= usable_from[j]:
            weight[e] = real[i] * power(level[flat[e]], concentration)
        total[j] += weight[e]


@jit
def _sell_and_learn(
    flat: Ints,
    actor: Ints,
    node: Ints,
    slots: Ints,
    level: Floats,
    slot_revenue: Floats,
    cash: Floats,
    real: Floats,
    weight: Floats,
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
) -> None:
    e = 0
    while e < flat.size:  # an actor's entries are consecutive
        i = actor[e]
        end = e + slots[i]
        for q in range(e, end):  # revenue first, then co-development (np.add.at's order)
            j = node[q]
            share = (weight[q] / total[j] if total[j] > 0 else 0.0) / real[i]  # one real firm's
            earned = share * revenue[j]  # per real firm; without a usable supplier, nothing
            slot_revenue[flat[q]] = earned
            reinvested = reinvestment * earned
            cash[i] += reinvested
            money_in[0] += reinvested * real[i]
        for q in range(e, end):
            j = node[q]
            share = (weight[q] / total[j] if total[j] > 0 else 0.0) / real[i]
            paid = codevelopment * share * forced[j]
            cash[i] += paid
            money_in[1] += paid * real[i]
            # learning by doing follows the volume sold at home: a supplier's share of
            # domestic sales times the node's domestic market share, so buyers forced onto
            # domestic supply teach their suppliers (forced innovation)
            rate = min(learning * share * domestic_share[j], 1.0)
            if rate > 0:  # a slot that sells nothing learns nothing (and needs no pow)
                gap = max(frontier[j] - level[flat[q]], 0.0)
                level[flat[q]] += (1.0 - power(1.0 - rate, dt)) * gap  # a yearly share, with dt
        e = end


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


def record_uptake(state: State, ap: AdoptionParams, rows: Ints) -> None:
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
    what evaluation scores against the promise. Seed: "What's New": "project
    evaluation now incorporates both technical outcomes and real-world
    application"; table row "Enterprises": "Commercialize R&D results".
    """
    n, a, pr = state.nodes, state.actors, state.projects
    if rows.size == 0:
        return
    k = a.cap_node.shape[1]
    lead, node = pr.lead[rows], pr.node[rows]
    enterprise = IS_ENTERPRISE[a.kind]
    levels, revenues = a.cap_level.ravel(), a.slot_revenue.ravel()

    lead_flat = _slot_of(a.cap_node[lead], node, lead * k)
    # research-led: the best enterprise member holding the node, else the node's leader
    members = pr.members[rows]
    safe = np.maximum(members, 0)
    on_node = (a.cap_node[safe] == node[:, None, None]) & ((members >= 0) & enterprise[safe])[
        :, :, None
    ]  # (P, M, K)
    member_level = np.where(on_node, a.cap_level[safe], -1.0).reshape(rows.size, -1)
    best = member_level.argmax(axis=1)  # position m * K + slot
    best_member = safe[np.arange(rows.size), best // k]
    member_flat = np.where(member_level.max(axis=1) >= 0, best_member * k + best % k, -1)
    index = slot_index(a)
    entry = best_holders(a, n.count, IS_ENTERPRISE)
    leader_flat = np.where(entry >= 0, index.flat[np.maximum(entry, 0)], -1)[node]
    supplier = np.where(
        enterprise[lead], lead_flat, np.where(member_flat >= 0, member_flat, leader_flat)
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


def _slot_of(cap_node: Ints, node: Ints, base: Ints) -> Ints:
    """Flat slot position of each (actor row, node) pair, -1 where the actor lacks the node."""
    match = cap_node == node[:, None]
    flat: Ints = np.where(match.any(axis=1), base + match.argmax(axis=1), -1)
    return flat
