"""Evaluation: reviews score projects, cut the weakest and fund the best further."""

from __future__ import annotations

import numpy as np

from innostate.model.codebook import INSTRUMENT, IS_ENTERPRISE, SOURCE, STATUS
from innostate.model.kernels import weighted_total
from innostate.model.ledger import pay, receive, record_flow, refund
from innostate.model.params import Params, steps_in
from innostate.model.production import market_value, promised
from innostate.model.select import best_levels
from innostate.model.state import Floats, Ints, State


def scores(
    params: Params,
    progress: Floats,
    target: Floats,
    uptake: Floats,
    spent: Floats,
    usable: Floats,
    grant: np.ndarray,
) -> tuple[Floats, Floats, Floats]:
    """Technical, application and weighted scores of reviewed projects, each in [0, 1].

    Technical: progress against what was expected by now (``expected``: ambition
    x what the project's share of its lead's pooled money bought a fully able
    team, accrued by rnd). Application: the project's own uptake, the domestic
    sales its result added through its supplier since it started (recorded by
    adoption: the lead's added sales, or for a research-led project those of the
    enterprise that took the result up), against the promise of
    ``application_revenue_ratio`` yuan of added sales per yuan spent. Existing
    sales earn nothing: an incumbent whose project adds nothing scores 0, a
    research result that firms adopt scores well. Users can adopt only usable
    supply: the application part counts ``usable x application + (1 - usable)
    x technical``, ``usable`` the node's usability at the project's start. The
    regime's ``evaluation_weights`` combine them; basic grants are judged on
    technical progress only. Seed: "What's New": "project evaluation now incorporates
    both technical outcomes and real-world application".
    """
    ev, w = params.evaluation, params.regime.evaluation_weights
    tech = np.clip(np.divide(progress, target, out=np.zeros_like(progress), where=target > 0), 0, 1)
    promised = spent * ev.application_revenue_ratio
    app = np.clip(
        np.divide(uptake, promised, out=np.zeros_like(uptake), where=promised > 0),
        0,
        1,
    )
    # users can only adopt usable supply: on a node whose domestic supply was unusable at
    # the start the application weight falls on technical progress
    judged = usable * app + (1.0 - usable) * tech
    total = max(w.technical + w.application, 1e-12)
    combined = (w.technical * tech + w.application * judged) / total
    return tech, app, np.where(grant, tech, combined)


def step(state: State, params: Params, rng: np.random.Generator) -> State:
    """Review the projects due this step.

    Reported score = true score + ``misreporting * (1 - monitoring) * U(0, 1)``.
    At an interim review a project reporting below ``cut_threshold`` is cut and
    its unspent money returns to its funders; in a horse race only the best
    reported team of each race survives its first review. At the planned end a
    project completes; if it reports at least ``follow_on_threshold`` it gets
    ``follow_on_share`` of its central funding again from the pool and runs
    another term. Equity-backed (``vc_backed``) projects are judged by their
    investors instead (:func:`investor_scores`): stopped at an interim review
    below ``stop_score``, never followed on by the centre, and at completion
    they, and completed projects with a guidance-fund stake, pay their
    investors exit proceeds (:func:`_settle`). Policy-bank loans are repaid
    from the lead's cash where it can. Leads' reputation moves towards their
    latest score.
    """
    ev, pr = params.evaluation, state.projects
    t = state.step
    active = pr.status[: pr.count] == STATUS["active"]
    rows = np.flatnonzero(active & ((pr.next_review[: pr.count] <= t) | (pr.end[: pr.count] <= t)))
    if rows.size == 0:
        return state
    tech, app, score = scores(
        params,
        pr.progress[rows],
        pr.expected[rows],
        pr.uptake[rows],
        pr.spent[rows],
        pr.base_usable[rows],
        pr.instrument[rows] == INSTRUMENT["basic_grant"],
    )
    bias = ev.misreporting * (1 - params.regime.monitoring) * rng.random(rows.size)
    reported = np.minimum(score + bias, 1.0 + ev.misreporting)
    # equity-backed projects answer to their investors, who read progress and sales
    equity = pr.instrument[rows] == INSTRUMENT["vc_backed"]
    best_sales = best_sales_per_node(state)
    progress_ratio, traction, judged = investor_scores(state, rows, best_sales)
    tech, app = np.where(equity, progress_ratio, tech), np.where(equity, traction, app)
    score, reported = np.where(equity, judged, score), np.where(equity, judged, reported)
    pr.tech_score[rows], pr.app_score[rows], pr.reported_score[rows] = tech, app, reported

    finishing = pr.end[rows] <= t
    threshold = np.where(equity, params.finance.stop_score, ev.cut_threshold)
    cut = ~finishing & (reported < threshold)
    cut |= _race_losers(pr.race[rows], reported, ~finishing)
    pr.race[rows[~finishing & (pr.race[rows] >= 0)]] = -1  # a race is decided once

    _update_reputation(state, pr.lead[rows], score, ev.reputation_rate)
    _stop(state, rows[cut], STATUS["cut"])
    done = rows[finishing]
    follow = (reported[finishing] >= ev.follow_on_threshold) & ~equity[finishing]
    _settle(state, params, done[~follow], best_sales)
    _stop(state, done[~follow], STATUS["completed"])
    _follow_on(state, params, done[follow])
    keep = rows[~cut & ~finishing]
    review = steps_in(ev.review_interval_years, state.dt)
    pr.next_review[keep] = np.minimum(t + review, pr.end[keep])
    return state


def _race_losers(race: Ints, reported: Floats, interim: np.ndarray) -> np.ndarray:
    """True for every horse-race team that is not the best reported of its race."""
    racing = (race >= 0) & interim
    losers = np.zeros(race.size, dtype=bool)
    if not racing.any():
        return losers
    idx = np.flatnonzero(racing)
    order = idx[np.lexsort((idx, -reported[idx], race[idx]))]  # per race, best first
    _, first = np.unique(race[order], return_index=True)
    losers[order] = True
    losers[order[first]] = False
    return losers


def _stop(state: State, rows: Ints, status: int) -> None:
    pr = state.projects
    _repay(state, rows)
    refund(state, rows)
    pr.status[rows] = status
    pr.stopped[rows] = state.step
    if status == STATUS["cut"]:
        state.events.extend(
            (state.step, "cut", int(r), int(pr.node[r]), float(pr.spent[r])) for r in rows
        )


def _repay(state: State, rows: Ints) -> None:
    """Leads repay outstanding policy-bank loans from their cash, as far as it goes."""
    a, pr = state.actors, state.projects
    rows = rows[pr.loan[rows] > 0]
    for r in rows:  # few loans end in a step; sequential so one lead's cash is not spent twice
        lead, lender, k = pr.lead[r], pr.lender[r], float(pr.weight[r])
        paid = min(float(pr.loan[r]) * k, float(a.cash[lead] * a.weight[lead]))
        a.cash[lead] -= paid / a.weight[lead]
        a.cash[lender] += paid / a.weight[lender]
        pr.loan[r] -= paid / k


def best_sales_per_node(state: State) -> Floats:
    """Domestic sales of the best-selling supplier on each node in the last step, (J,).

    Only enterprises sell (adoption), so this is the best enterprise slot's revenue.
    """
    return best_levels(state.actors, state.nodes.count, IS_ENTERPRISE, state.actors.slot_revenue)


def investor_scores(state: State, rows: Ints, best_sales: Floats) -> tuple[Floats, Floats, Floats]:
    """Investors' view of projects: progress ratio, market traction and their product.

    Progress ratio = progress / ``expected`` (what the project's money should
    have bought by now, see rnd), clipped to [0, 1]. Traction = the lead's
    domestic sales on the node in the last step relative to the best-selling
    supplier's there (``best_sales``, :func:`best_sales_per_node`; 0 when it
    sells nothing). Investors read the firm's books
    and the market, not the government's evaluation weights. Seed: "Support
    commercialization and scale-up of technology" (financial institutions).
    """
    a, pr = state.actors, state.projects
    progress, expected = pr.progress[rows], pr.expected[rows]
    ratio = np.clip(
        np.divide(progress, expected, out=np.zeros(rows.size), where=expected > 0), 0.0, 1.0
    )
    lead, node = pr.lead[rows], pr.node[rows]
    sales = np.where(a.cap_node[lead] == node[:, None], a.slot_revenue[lead], 0.0).sum(axis=1)
    best = best_sales[node]
    traction = np.clip(np.divide(sales, best, out=np.zeros(rows.size), where=best > 0), 0.0, 1.0)
    return ratio, traction, ratio * traction


def _settle(state: State, params: Params, rows: Ints, best_sales: Floats) -> None:
    """Equity exits: completed projects pay their investors the value they created.

    Proceeds per real project = ``ip_appropriability x`` the market value of
    the project's progress on its node (:func:`innostate.model.production.market_value`)
    ``x`` traction (:func:`investor_scores`) ``x`` the investors' stake (their
    share of the project's funding: all of an equity deal, the co-invested
    share of a mission project). Proceeds are outside money (buyers and later
    investors pay them). The government's evaluation weights play no part.
    """
    pr = state.projects
    stake = pr.funding[rows, SOURCE["vc"]] + pr.funding[rows, SOURCE["guidance_fund"]]
    rows = rows[(pr.investor[rows] >= 0) & (stake > 0)]
    if rows.size == 0:
        return
    share = (pr.funding[rows, SOURCE["vc"]] + pr.funding[rows, SOURCE["guidance_fund"]]) / (
        pr.funding[rows].sum(axis=1)
    )
    _, traction, _ = investor_scores(state, rows, best_sales)
    value = market_value(state, params, pr.node[rows], pr.progress[rows])
    captured = params.regime.ip_appropriability * value * traction * share
    proceeds = captured * pr.weight[rows]
    pay(state, pr.investor[rows], proceeds)
    receive(state, float(proceeds.sum()))


def _follow_on(state: State, params: Params, rows: Ints) -> None:
    pr, ev = state.projects, params.evaluation
    if rows.size == 0:
        return
    wanted = ev.follow_on_share * pr.funding[rows, SOURCE["central"]]
    total = weighted_total(wanted, pr.weight[rows])
    scale = min(1.0, state.ledger.central_pool / max(total, 1e-12))
    extra = wanted * scale  # per real project
    state.ledger.central_pool -= total * scale
    term = steps_in(params.programmes.project_duration_years, state.dt)
    pr.budget[rows] += extra
    pr.funding[rows, SOURCE["central"]] += extra
    pr.target[rows] += promised(state, params, pr.node[rows], extra, term * state.dt)
    pr.end[rows] += term
    pr.next_review[rows] = state.step + steps_in(ev.review_interval_years, state.dt)
    record_flow(
        state,
        SOURCE["central"],
        pr.instrument[rows],
        pr.lead[rows],
        pr.node[rows],
        extra * pr.weight[rows],
    )


def _update_reputation(state: State, lead: Ints, score: Floats, rate: float) -> None:
    a = state.actors
    # per reviewed lead (sums in row order, as np.bincount over all actors gave them)
    reviewed, group = np.unique(lead, return_inverse=True)
    mean = np.bincount(group, weights=score) / np.bincount(group)
    a.reputation[reviewed] = (1 - rate) * a.reputation[reviewed] + rate * mean
