"""Adoption: domestic market share, supplier revenue and learning by doing."""

from __future__ import annotations

import numpy as np

from innostate.model.codebook import IS_ENTERPRISE, STATUS
from innostate.model.ledger import receive
from innostate.model.params import AdoptionParams, Params, per_step
from innostate.model.select import domestic_levels, slot_entries, slot_index
from innostate.model.state import Floats, State


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
    usable = np.clip(1.0 - (requirement - level) / ap.usable_band, 0.0, 1.0)
    forced = (1.0 - access) * usable
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
    Active projects record their lead's revenue.
    """
    ap, n, a, dt = params.adoption, state.nodes, state.actors, state.dt
    target = target_share(ap, n.domestic_level, n.frontier, n.requirement, n.access)
    n.domestic_share += per_step(ap.adjustment, dt) * (target - n.domestic_share)
    revenue = n.domestic_share * n.market_size * dt

    actor, node, level = slot_entries(a)
    usable = level >= n.requirement[node] - ap.usable_band
    supplier = IS_ENTERPRISE[a.kind[actor]] & usable
    weight = np.where(supplier, a.weight[actor] * level**ap.revenue_concentration, 0.0)
    total = np.bincount(node, weights=weight, minlength=n.count)
    group = np.divide(weight, total[node], out=np.zeros_like(weight), where=total[node] > 0)
    share = group / a.weight[actor]  # the share of one real firm of the row
    earned = share * revenue[node]  # per real firm
    # nodes without a usable domestic supplier earn nothing: buyers go without
    flat = slot_index(a).flat
    a.slot_revenue = np.zeros(a.cap_node.shape)
    a.slot_revenue.ravel()[flat] = earned
    reinvested = ap.rd_reinvestment * earned
    np.add.at(a.cash, actor, reinvested)
    receive(state, float(np.dot(reinvested, a.weight[actor])))

    # learning by doing follows the volume sold at home: a supplier's share of domestic
    # sales times the node's domestic market share, so buyers forced onto domestic
    # supply teach their suppliers (forced innovation)
    gap = np.maximum(n.frontier[node] - level, 0.0)
    rate = np.minimum(ap.learning_by_doing * share * n.domestic_share[node], 1.0)
    learned = (1.0 - (1.0 - rate) ** dt) * gap  # a yearly share, converted with dt
    a.cap_level.ravel()[flat] += learned  # ravel is a view of the contiguous table
    n.domestic_level = domestic_levels(a, n.count)

    pr = state.projects
    rows = np.flatnonzero(pr.status[: pr.count] == STATUS["active"])
    lead, proj_node = pr.lead[rows], pr.node[rows]
    match = a.cap_node[lead] == proj_node[:, None]
    pr.revenue[rows] += np.where(match, a.slot_revenue[lead], 0.0).sum(axis=1)
    return state
