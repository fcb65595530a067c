"""Finance: venture capital, guidance funds and policy banks channel capital.

Seed: table row "Financial institutions (policy banks, VCs, equity funds)":
"Channel capital into strategic industries", "Support commercialization and
scale-up of technology"; "What's New": the "invisible hand" (看不见的手) of the
market allocates "funding, talent, and intellectual property" (market
mobilisation).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from innostate.model.codebook import (
    INSTRUMENT,
    IS_ENTERPRISE,
    KIND,
    MISSION_INSTRUMENTS,
    OWNER,
    SOURCE,
)
from innostate.model.kernels import jit, weighted_total
from innostate.model.ledger import record_flow
from innostate.model.params import Params, per_step, steps_in
from innostate.model.production import difficulty, gain_constants, progress_one, promised
from innostate.model.select import slot_index
from innostate.model.state import Bools, Floats, Ints, State, add_projects


def step(state: State, params: Params, rng: np.random.Generator) -> State:
    """Co-invest and lend alongside mission projects, then invest in firm-node slots.

    - Guidance funds first follow their mandate (:func:`_coinvest`): equity in
      this step's central mission projects on chokepoint nodes.
    - Policy banks lend to this step's mission projects on priority nodes
      (:func:`_lend`).
    - Investors value every capability slot (firm and node) of an enterprise
      by its expected multiple ``m`` (:func:`expected_multiple`) and judge each
      real firm with mean-one lognormal error ``deal_noise``: a slot row offers
      as many deals as the real firms it stands for whose judged multiple
      clears the investor's hurdle ``H`` (:func:`_share_clearing`), rounded
      to whole firms at random (unbiased).
    - VC funds (market logic) deploy ``vc_deploy_rate`` a year of their capital
      in private firms' slots, ``H = hurdle_multiple``, best ``m`` first; money
      no slot takes stays in the fund.
    - Guidance funds (hybrid) deploy ``guidance_deploy_rate`` a year of what
      they hold after co-investing, in any enterprise's slots, ``H =
      hurdle_multiple * (1 - w * policy)`` and ranked by ``(1 - w) * m + w *
      hurdle_multiple * policy``, with ``w = guidance_policy_weight x
      regime.fund_alignment`` and
      policy = the node's priority relative to the highest, 1 on chokepoints:
      they take lower returns on priority nodes.
    - Deployed capital is cut into deals of ``deal_size`` (:func:`_invest`).
    """
    f, a, n = params.finance, state.actors, state.nodes
    _coinvest(state, params)
    _lend(state, params)
    index = slot_index(a)
    actor, node = index.actor, index.node
    hurdle, w = f.hurdle_multiple, f.guidance_policy_weight * params.regime.fund_alignment
    policy = np.where(n.chokepoint, 1.0, n.priority / max(float(n.priority.max()), 1e-12))
    luck = rng.random((2, actor.size))  # which real firms pass: unbiased rounding
    # only slots that sold last step have traction, hence a multiple and offers: a first
    # pass finds them (a few per cent of the slots) and each node's best seller, a second
    # values and screens them; offers come back as compact columns per kind of fund
    selling = np.empty(actor.size, dtype=np.int64)
    best = np.zeros(n.count)
    count = _sellers(index.flat, node, a.slot_revenue.ravel(), selling, best)
    # per kind of fund (VC, guidance), the offering entries and their (score, deals offered)
    entries, offers = np.empty((2, count), dtype=np.int64), np.empty((2, 2, count))
    found = np.zeros(2, dtype=np.int64)
    _screen(
        selling[:count],
        index.flat,
        actor,
        node,
        a.cap_level.ravel(),
        a.slot_revenue.ravel(),
        best,
        a.kind,
        IS_ENTERPRISE,
        a.ownership == OWNER["private"],
        a.weight,
        policy,
        luck,
        hurdle,
        w,
        f.deal_noise,
        0.5 * f.deal_noise**2,
        _multiple_terms(state, params),
        entries,
        offers,
        found,
    )
    for fund, (kind, source, rate) in enumerate(
        (
            (KIND["vc_fund"], SOURCE["vc"], f.vc_deploy_rate),
            (KIND["guidance_fund"], SOURCE["guidance_fund"], f.guidance_deploy_rate),
        )
    ):
        score, offered = offers[fund, :, : found[fund]]
        _invest(state, params, kind, source, rate, entries[fund, : found[fund]], score, offered)
    return state


@jit
def _sellers(flat: Ints, node: Ints, sales: Floats, selling: Ints, best: Floats) -> int:
    # entries whose slot sold last step, in entry order, and each node's best sales
    # (select.node_max of the sales: they are never negative, and nodes without sales,
    # whose best stays 0, have no traction to judge)
    count = 0
    for e in range(flat.size):
        value = sales[flat[e]]
        if value > 0:
            selling[count] = e
            count += 1
            if value > best[node[e]]:
                best[node[e]] = value
    return count


@jit
def _screen(
    selling: Ints,
    flat: Ints,
    actor: Ints,
    node: Ints,
    level: Floats,
    sales: Floats,
    best: Floats,
    kind: Ints,
    is_enterprise: Bools,
    private: Bools,
    weight: Floats,
    policy: Floats,
    luck: Floats,
    hurdle: float,
    w: float,
    sigma: float,
    shift: float,
    terms: tuple[Any, ...],
    entries: Ints,
    offers: Floats,
    found: Ints,
) -> None:
    # the selling slots valued and screened by both kinds of funds (the numpy version built
    # about thirty slot-sized temporaries a step). A slot without sales has no traction, so
    # its multiple is 0 whatever the gain and no real firm of it passes either screen
    # (floor(luck) is 0): only selling slots can offer deals. Their inputs are gathered
    # first (loads only, so that the cache misses overlap), then valued in sequence.
    at = np.empty((3, selling.size), dtype=np.int64)  # entry, actor, node
    got = np.empty((6, selling.size))  # level, sales, real firms, private, two lucks
    count = 0
    for e in selling:
        i = actor[e]
        if not is_enterprise[kind[i]]:
            continue
        at[0, count], at[1, count], at[2, count] = e, i, node[e]
        got[0, count], got[1, count] = level[flat[e]], sales[flat[e]]
        got[2, count], got[3, count] = weight[i], 1.0 if private[i] else 0.0
        got[4, count], got[5, count] = luck[0, e], luck[1, e]
        count += 1
    for q in range(count):
        e, i, j = at[0, q], at[1, q], at[2, q]
        m = _multiple_at(got[0, q], got[1, q] / best[j], i, j, terms)
        vc_share = _share_clearing(m, hurdle, sigma, shift) if got[3, q] > 0 else 0.0
        _offer(entries, offers, found, 0, e, m, np.floor(got[2, q] * vc_share + got[4, q]))
        h = (1 - w) * m + w * hurdle * policy[j]
        gf_share = _share_clearing(m, hurdle * (1 - w * policy[j]), sigma, shift)
        real_passing = got[2, q] * (gf_share if h > 0 else 0.0)
        _offer(entries, offers, found, 1, e, h, np.floor(real_passing + got[5, q]))


@jit
def _offer(
    entries: Ints, offers: Floats, found: Ints, fund: int, entry: int, score: float, deals: float
) -> None:
    # append the entry and its (score, deals) to the fund kind's columns if it offers deals
    if deals > 0:
        at = found[fund]
        entries[fund, at] = entry
        offers[fund, 0, at], offers[fund, 1, at] = score, deals
        found[fund] = at + 1


@jit
def _share_clearing(multiple: float, hurdle: float, sigma: float, shift: float) -> float:
    """Share of real firms whose judged multiple ``multiple * e`` clears ``hurdle``.

    ``e`` is mean-one lognormal with log-sigma ``sigma``, drawn per real firm,
    so the share is ``Phi((ln(multiple / hurdle) - sigma**2 / 2) / sigma)``
    (1 at a hurdle of 0, a step at ``multiple = hurdle`` when ``sigma`` is 0).
    Taking the expected share instead of one draw per row keeps the number of
    deals independent of how many real firms a row stands for. ``shift`` is
    ``sigma**2 / 2``, computed once by the caller.
    """
    if multiple <= 0:
        return 0.0
    if hurdle <= 0:
        return 1.0
    ratio = math.log(multiple / hurdle)
    if sigma > 0:
        return _normal_cdf((ratio - shift) / sigma)
    return 1.0 if ratio >= 0 else 0.0


@jit
def _normal_cdf(x: float) -> float:
    """Standard normal distribution function (Abramowitz and Stegun 7.1.26, error < 2e-7)."""
    z = abs(x) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    erf = 1.0 - poly * math.exp(-z * z)
    sign = 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)
    return 0.5 * (1.0 + sign * erf)


def expected_multiple(
    state: State, params: Params, actor: Ints, node: Ints, level: Floats, traction: Floats
) -> Floats:
    """Exit value an investor expects to capture per yuan of a deal in a firm-node slot.

    ``ip_appropriability * market_value(node, gain) * (1 + market_growth) **
    years * traction / deal_size``, where ``gain`` is the progress a deal of
    ``deal_size`` spent over ``deal_duration_years`` buys the firm on the node
    (the production function with the firm's level, talent and catch-up, no
    noise), the market grows over the deal's years, and ``traction`` is the
    firm's domestic sales on the node relative to the best-selling supplier's
    (the chance the firm, not a rival, makes the sales: investors back firms
    that already sell). Exits are valued the same way with the realised gain
    (evaluation). Lower appropriability means lower multiples, so fewer deals
    clear the hurdle (the seed's "IP regimes" among the institutional tools).
    The step values every slot with the same formula in one compiled pass.
    """
    out = np.empty(actor.size)
    _multiples(actor, node, level, traction, out, _multiple_terms(state, params))
    return out


def _multiple_terms(state: State, params: Params) -> tuple[Any, ...]:
    """Inputs of :func:`_multiple_at` besides the slot's own: actors', nodes', constants."""
    f, rp, n, a, dt = params.finance, params.rnd, state.nodes, state.actors, state.dt
    steps = steps_in(f.deal_duration_years, dt)
    # market_value (production) per level of gain, and the market's growth over the deal
    open_sales = n.market_size * (1.0 - n.domestic_share)
    return (
        a.entity_listed,
        n.access,
        a.talent,
        difficulty(state, rp),
        n.frontier,
        f.exit_multiple * open_sales,
        (1.0 + n.market_growth) ** (steps * dt),
        f.deal_size / steps,
        steps,
        params.regime.ip_appropriability,
        f.deal_size,
        gain_constants(rp),
        dt,
    )


@jit
def _multiples(
    actor: Ints, node: Ints, level: Floats, traction: Floats, out: Floats, terms: tuple[Any, ...]
) -> None:
    for e in range(actor.size):
        out[e] = _multiple_at(level[e], traction[e], actor[e], node[e], terms)


@jit
def _multiple_at(level: float, traction: float, i: int, j: int, terms: tuple[Any, ...]) -> float:
    """:func:`expected_multiple` of actor ``i``'s slot on node ``j`` (compiled).

    ``terms`` is :func:`_multiple_terms`; the gain is :func:`progress_one`, the
    production function's one compiled form.
    """
    (
        listed,
        access,
        talent,
        difficulty,
        frontier,
        value_per_gain,
        growth,
        money,
        steps,
        appropriability,
        deal_size,
        constants,
        dt,
    ) = terms
    productivity, exponent, floor, catch_up_bonus, talent_half, steepness = constants
    per_step_gain = progress_one(
        money,
        difficulty[j],
        level,
        frontier[j],
        talent[i],
        1.0,
        0.0 if listed[i] else access[j],
        1.0,
        productivity,
        exponent,
        floor,
        catch_up_bonus,
        talent_half,
        steepness,
        dt,
    )
    value = value_per_gain[j] * (per_step_gain * steps) / frontier[j] * growth[j] * traction
    return appropriability * value / deal_size  # type: ignore[no-any-return]


def _invest(
    state: State,
    params: Params,
    fund_kind: int,
    source: int,
    rate_per_year: float,
    entry: Ints,
    score: Floats,
    offered: Floats,
) -> None:
    """Cut the funds' deployable capital into deals and give them to the best slots.

    Candidates are capability slots (``entry`` of the slot index, increasing)
    ranked by ``score``; ``offered`` (positive) is how many real firm-node slots
    of the entry pass the funds' screening (at most one deal each a step).
    ``floor(deployable / deal_size)`` deals over all real funds go to the
    best-ranked slots; money no slot takes stays in the funds. Each deal is a
    ``vc_backed`` project of the firm on that node, reviewed like other
    projects every ``review_interval_years`` (evaluation judges it by
    investors' criteria).
    """
    a, f = state.actors, params.finance
    funds = _of_kind(state, fund_kind)
    funds = funds[a.cash[funds] > 0]
    if funds.size == 0 or entry.size == 0:  # no capital or no prospects, no deal
        return
    deployable = a.cash[funds] * per_step(rate_per_year, state.dt)  # per real fund
    total = weighted_total(deployable, a.weight[funds])
    deals = np.floor(total / f.deal_size)
    if deals < 1:
        return
    # best slots first (ties to the lower entry); each real firm-node slot takes at most
    # one deal a step
    candidates = np.arange(entry.size)
    needed = int(min(entry.size, np.ceil(deals / offered.min())))
    if needed < entry.size:
        candidates = np.argpartition(-score, needed - 1)[:needed]
    chosen = candidates[np.lexsort((candidates, -score[candidates]))]
    before = np.cumsum(offered[chosen]) - offered[chosen]
    taken = np.clip(deals - before, 0.0, offered[chosen])
    keep = taken > 0
    chosen, taken = entry[chosen[keep]], taken[keep]
    invested = float(taken.sum()) * f.deal_size
    # every fund pays the same share of what it could deploy
    a.cash[funds] -= deployable * (invested / total)
    investor = _investors(funds, deployable * a.weight[funds], taken * f.deal_size)
    duration = steps_in(f.deal_duration_years, state.dt)
    index = slot_index(a)
    firms, where = index.actor[chosen], index.node[chosen]
    budget = np.full(chosen.size, f.deal_size)
    rows = add_projects(
        state,
        where,
        firms,
        INSTRUMENT["vc_backed"],
        budget,
        source,
        duration,
        promised(state, params, where, budget, duration * state.dt),
        weight=taken,
    )
    pr = state.projects
    pr.investor[rows] = investor
    review = steps_in(params.evaluation.review_interval_years, state.dt)
    pr.next_review[rows] = np.minimum(state.step + review, pr.end[rows])
    record_flow(state, source, INSTRUMENT["vc_backed"], firms, where, taken * f.deal_size)


def _of_kind(state: State, kind: int) -> Ints:
    """Rows of the actors of one kind (kinds never change: found once a run)."""
    a = state.actors
    rows: Ints = a.derived(f"finance.kind_{kind}", lambda: np.flatnonzero(a.kind == kind))
    return rows


def _investors(funds: Ints, capital: Floats, money: Floats) -> Ints:
    """The fund behind each deal: deals fill the funds' capital in order (largest first)."""
    order = np.argsort(-capital, kind="stable")
    filled = np.cumsum(capital[order])
    middle = np.cumsum(money) - 0.5 * money
    position = np.searchsorted(filled / filled[-1], middle / max(float(money.sum()), 1e-12))
    return funds[order][np.minimum(position, funds.size - 1)]


def _new_mission_projects(state: State) -> Ints:
    """Rows of this step's new directive, open-competition and horse-race projects."""
    pr = state.projects
    return np.flatnonzero(
        (pr.start[: pr.count] == state.step)
        & np.isin(pr.instrument[: pr.count], MISSION_INSTRUMENTS)
        & (pr.funding[: pr.count, SOURCE["central"]] > 0)
    )


def _coinvest(state: State, params: Params) -> None:
    """Guidance funds take equity in this step's mission projects on chokepoint nodes.

    Each such project gets ``guidance_coinvest x regime.fund_alignment`` per yuan
    of its central money (a regime decides how far the funds follow the state),
    scaled down pro rata when the funds' capital falls short; the funds pay as a
    syndicate in proportion to capital and the largest is recorded as the
    project's investor (it receives the stake's exit proceeds, see
    evaluation). Sized per yuan of central money, like bank loans, so it does
    not depend on how often calls come. Seed: guidance funds as state and hybrid
    capital that "Channel capital into strategic industries" and help
    "Tackle 'choke point' technologies".
    """
    a, n, pr, f = state.actors, state.nodes, state.projects, params.finance
    funds = _of_kind(state, KIND["guidance_fund"])
    funds = funds[a.cash[funds] > 0]
    rows = _new_mission_projects(state)
    rows = rows[n.chokepoint[pr.node[rows]]]
    ratio = f.guidance_coinvest * params.regime.fund_alignment
    if funds.size == 0 or rows.size == 0 or ratio <= 0:
        return
    capital = weighted_total(a.cash[funds], a.weight[funds])
    wanted = ratio * pr.funding[rows, SOURCE["central"]] * pr.weight[rows]
    equity = wanted * min(1.0, capital / max(float(wanted.sum()), 1e-12))
    a.cash[funds] -= a.cash[funds] * (float(equity.sum()) / capital)
    per_project = equity / pr.weight[rows]
    pr.budget[rows] += per_project
    pr.funding[rows, SOURCE["guidance_fund"]] += per_project
    pr.investor[rows] = funds[np.argmax(a.cash[funds] * a.weight[funds])]
    record_flow(
        state, SOURCE["guidance_fund"], pr.instrument[rows], pr.lead[rows], pr.node[rows], equity
    )


def _lend(state: State, params: Params) -> None:
    """Policy banks lend ``bank_leverage`` per yuan of central money to new priority projects."""
    a, n, pr, f = state.actors, state.nodes, state.projects, params.finance
    banks = _of_kind(state, KIND["policy_bank"])
    rows = _new_mission_projects(state)
    threshold = np.quantile(n.priority, f.priority_lending_quantile)
    rows = rows[n.priority[pr.node[rows]] >= threshold]
    if banks.size == 0 or rows.size == 0:
        return
    central = pr.funding[rows, SOURCE["central"]]
    capital = weighted_total(a.cash[banks], a.weight[banks])
    if capital <= 0:
        return
    wanted = f.bank_leverage * central * pr.weight[rows]
    capacity = capital * per_step(f.bank_lend_rate, state.dt)
    loans = wanted * min(1.0, capacity / max(float(wanted.sum()), 1e-12))
    # banks lend as a syndicate in proportion to capital; repayments go to the largest
    lender = banks[np.argmax(a.cash[banks] * a.weight[banks])]
    a.cash[banks] -= a.cash[banks] * (float(loans.sum()) / capital)
    per_project = loans / pr.weight[rows]
    pr.budget[rows] += per_project
    pr.funding[rows, SOURCE["policy_bank"]] += per_project
    pr.loan[rows] += per_project
    pr.lender[rows] = lender
    record_flow(
        state, SOURCE["policy_bank"], pr.instrument[rows], pr.lead[rows], pr.node[rows], loans
    )
