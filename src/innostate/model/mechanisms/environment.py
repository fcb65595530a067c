"""Environment: the frontier and markets move, containment events strike, budgets arrive."""

from __future__ import annotations

import numpy as np

from innostate.model.codebook import EVENT, IS_ENTERPRISE, KIND, SOURCES
from innostate.model.kernels import jit, weighted_total
from innostate.model.ledger import lapse, pay, receive
from innostate.model.params import Params, per_step
from innostate.model.state import Actors, Floats, Ints, State


def step(state: State, params: Params, rng: np.random.Generator) -> State:
    """Advance the world outside the innovation system by one step.

    The frontier grows by ``frontier_growth * dt`` with no ceiling (the level
    scale is open above: the world keeps moving), markets grow, this step's
    containment events set foreign access on nodes, entity listings and talent
    flows. Local governments' and policy banks' idle balances lapse to the
    treasury at ``idle_lapse`` a year (unspent appropriations are not carried
    forever). Then the exogenous budgets of the step arrive in the central pool
    and in actors' cash, split by size over the real actors each row stands
    for; a firm with reported R&D gets its reported share of the enterprise R&D
    budget first. Earmarked money (a fund phase paid in, say) goes to its named actor.
    """
    n, s, dt = state.nodes, state.schedule, state.dt
    n.frontier = n.frontier + n.frontier_growth * dt
    n.market_size = n.market_size * (1.0 + n.market_growth) ** dt
    _apply_events(state)
    _lapse_idle(state, params.environment.idle_lapse)
    _distribute_budgets(state, s.budgets[state.step], params.regime.market_finance)
    earmarked = s.earmark_budgets[state.step]
    pay(state, s.earmark_actor, earmarked)
    receive(state, float(earmarked.sum()))
    return state


def _apply_events(state: State) -> None:
    s = state.schedule
    today = np.flatnonzero(s.event_step == state.step)
    state.crisis = False
    for e in today:  # a handful of dated events, not actors
        new_access = s.event_access[e]
        hit = ~np.isnan(new_access)
        if hit.any():
            state.crisis |= bool((new_access[hit] < state.nodes.access[hit]).any())
            state.nodes.access[hit] = new_access[hit]
        if not np.isnan(s.event_talent[e]):
            state.talent_access = float(s.event_talent[e])
        changes = s.listing_event == e
        actors = s.listing_actor[changes]
        state.actors.entity_listed[actors] = s.listing_value[changes]
        state.crisis |= bool(
            s.event_kind[e] == EVENT["entity_listing"] and s.listing_value[changes].any()
        )
        state.events.append((state.step, "containment", int(e), -1, 0.0))


def _lapse_idle(state: State, rate_per_year: float) -> None:
    a = state.actors
    holders = a.derived(
        "environment.lapse_holders",
        lambda: (a.kind == KIND["local_government"]) | (a.kind == KIND["policy_bank"]),
    )
    lapsed = np.where(holders, a.cash * per_step(rate_per_year, state.dt), 0.0)
    a.cash -= lapsed
    lapse(state, weighted_total(lapsed, a.weight))


def _distribute_budgets(state: State, budget: Floats, market_finance: float) -> None:
    a = state.actors
    channel = dict(zip(SOURCES, budget, strict=True))
    state.ledger.central_pool += channel["central"]
    receive(state, channel["central"])
    market_scale = {"vc": market_finance, "guidance_fund": market_finance}
    recipients = a.derived("environment.recipients", lambda: _recipients(a))
    for name, (rows, size, total) in recipients.items():
        amount = channel[name] * market_scale.get(name, 1.0)
        if name == "enterprise_rd":
            # firms with reported R&D get their share of the national figure; the rest by size
            reported, share = a.derived("environment.reported", lambda: _reported(a))
            paid = amount * share
            pay(state, reported, paid[reported])
            receive(state, float(paid.sum()))
            amount -= float(paid.sum())
        if amount <= 0 or total <= 0:
            continue  # no recipient: the money is not appropriated
        _add_shares(a.cash, rows, size, amount, total)
        receive(state, amount)


def _recipients(a: Actors) -> dict[str, tuple[Ints, Floats, float]]:
    """Per budget channel: the rows receiving it, their sizes and the total real size.

    A row stands for ``weight`` real actors: shares are per real actor, so the
    national total and the named actors' share do not depend on population scale.
    """
    masks = {
        "local": a.kind == KIND["local_government"],
        "enterprise_rd": IS_ENTERPRISE[a.kind] & np.isnan(a.rd_share),  # the unreported firms
        "vc": a.kind == KIND["vc_fund"],
        "guidance_fund": a.kind == KIND["guidance_fund"],
        "policy_bank": a.kind == KIND["policy_bank"],
    }
    out = {}
    for name, mask in masks.items():
        size = np.where(mask, a.size, 0.0)
        rows = np.flatnonzero(mask)
        out[name] = (rows, size[rows], weighted_total(size, a.weight))
    return out


def _reported(a: Actors) -> tuple[Ints, Floats]:
    """Firms with reported R&D and their share of the enterprise R&D budget (0 elsewhere)."""
    reported = IS_ENTERPRISE[a.kind] & ~np.isnan(a.rd_share)
    share: Floats = np.where(reported, a.rd_share, 0.0)
    return np.flatnonzero(reported), share


@jit
def _add_shares(cash: Floats, rows: Ints, size: Floats, amount: float, total: float) -> None:
    # cash += amount * size / total on the recipients only (was a pass over every actor)
    for r in range(rows.size):
        cash[rows[r]] += amount * size[r] / total
