"""Finance: venture capital, guidance funds and policy banks channel capital.

Seed: table row "Financial institutions (policy banks, VCs, equity funds)":
"Channel capital into strategic industries", "Support commercialization and
scale-up of technology"; "What's New": the "invisible hand" (看不见的手) of the
market allocates "funding, talent, and intellectual property" (market
mobilisation).
"""

from __future__ import annotations

import numpy as np

from innostate.model.codebook import (
    INSTRUMENT,
    IS_ENTERPRISE,
    KIND,
    MISSION_INSTRUMENTS,
    OWNER,
    SOURCE,
)
from innostate.model.kernels import weighted_total
from innostate.model.ledger import record_flow
from innostate.model.params import Params, per_step, steps_in
from innostate.model.production import difficulty, market_value, progress, promised
from innostate.model.select import node_max, slot_index
from innostate.model.state import Floats, Ints, State, add_projects


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
    level = a.cap_level.ravel()[index.flat]
    enterprise = IS_ENTERPRISE[a.kind[actor]]
    multiple = np.zeros(actor.size)
    sales = a.slot_revenue.ravel()[index.flat]
    best = node_max(a, sales, n.count)[node]
    traction = np.divide(sales, best, out=np.zeros(actor.size), where=best > 0)
    multiple[enterprise] = expected_multiple(
        state,
        params,
        actor[enterprise],
        node[enterprise],
        level[enterprise],
        traction[enterprise],
    )
    hurdle, w = f.hurdle_multiple, f.guidance_policy_weight * params.regime.fund_alignment
    private = enterprise & (a.ownership[actor] == OWNER["private"])
    vc_share = np.where(private, _share_clearing(multiple, hurdle, f.deal_noise), 0.0)
    luck = rng.random((2, actor.size))  # which real firms pass: unbiased rounding
    _invest(
        state,
        params,
        KIND["vc_fund"],
        SOURCE["vc"],
        f.vc_deploy_rate,
        multiple,
        np.floor(a.weight[actor] * vc_share + luck[0]),
        actor,
        node,
    )
    policy = np.where(n.chokepoint, 1.0, n.priority / max(float(n.priority.max()), 1e-12))[node]
    hybrid = (1 - w) * multiple + w * hurdle * policy
    gf_share = _share_clearing(multiple, hurdle * (1 - w * policy), f.deal_noise)
    _invest(
        state,
        params,
        KIND["guidance_fund"],
        SOURCE["guidance_fund"],
        f.guidance_deploy_rate,
        hybrid,
        np.floor(a.weight[actor] * np.where(enterprise & (hybrid > 0), gf_share, 0.0) + luck[1]),
        actor,
        node,
    )
    return state


def _share_clearing(multiple: Floats, hurdle: Floats | float, sigma: float) -> Floats:
    """Share of real firms whose judged multiple ``multiple * e`` clears ``hurdle``.

    ``e`` is mean-one lognormal with log-sigma ``sigma``, drawn per real firm,
    so the share is ``Phi((ln(multiple / hurdle) - sigma**2 / 2) / sigma)``
    (1 at a hurdle of 0, a step at ``multiple = hurdle`` when ``sigma`` is 0).
    Taking the expected share instead of one draw per row keeps the number of
    deals independent of how many real firms a row stands for.
    """
    m = np.asarray(multiple, dtype=np.float64)
    h = np.broadcast_to(np.asarray(hurdle, dtype=np.float64), m.shape)
    positive = (m > 0) & (h > 0)
    ratio = np.log(np.where(positive, m, 1.0) / np.where(positive, h, 1.0))
    if sigma > 0:
        inside = _normal_cdf((ratio - 0.5 * sigma**2) / sigma)
    else:
        inside = (ratio >= 0).astype(np.float64)
    share: Floats = np.where(m <= 0, 0.0, np.where(h <= 0, 1.0, inside))
    return share


def _normal_cdf(x: Floats) -> Floats:
    """Standard normal distribution function (Abramowitz and Stegun 7.1.26, error < 2e-7)."""
    z = np.abs(x) / np.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    erf = 1.0 - poly * np.exp(-z * z)
    cdf: Floats = 0.5 * (1.0 + np.sign(x) * erf)
    return cdf


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
    """
    f, rp, n, a, dt = params.finance, params.rnd, state.nodes, state.actors, state.dt
    steps = steps_in(f.deal_duration_years, dt)
    count = actor.size
    open_to = np.where(a.entity_listed[actor], 0.0, n.access[node])
    per_step_gain = progress(
        rp,
        dt,
        np.full(count, f.deal_size / steps),
        difficulty(state, rp)[node],
        level,
        n.frontier[node],
        a.talent[actor],
        np.ones(count),
        open_to,
        np.ones(count),
    )
    growth = (1.0 + n.market_growth[node]) ** (steps * dt)
    value = market_value(state, params, node, per_step_gain * steps) * growth * traction
    multiple: Floats = params.regime.ip_appropriability * value / f.deal_size
    return multiple


def _invest(
    state: State,
    params: Params,
    fund_kind: int,
    source: int,
    rate_per_year: float,
    score: Floats,
    offered: Floats,
    actor: Ints,
    node: Ints,
) -> None:
    """Cut the funds' deployable capital into deals and give them to the best slots.

    Entries are capability slots (``actor``, ``node``) ranked by ``score``;
    ``offered`` is how many real firm-node slots of the entry pass the funds'
    screening (at most one deal each a step). ``floor(deployable /
    deal_size)`` deals over all real funds go to the best-ranked slots; money
    no slot takes stays in the funds. Each deal is a ``vc_backed`` project of
    the firm on that node, reviewed like other projects every
    ``review_interval_years`` (evaluation judges it by investors' criteria).
    """
    a, f = state.actors, params.finance
    funds = np.flatnonzero((a.kind == fund_kind) & (a.cash > 0))
    candidates = np.flatnonzero(offered > 0)  # no prospects, no deal
    if funds.size == 0 or candidates.size == 0:
        return
    deployable = a.cash[funds] * per_step(rate_per_year, state.dt)  # per real fund
    total = weighted_total(deployable, a.weight[funds])
    deals = np.floor(total / f.deal_size)
    if deals < 1:
        return
    # best slots first; each real firm-node slot takes at most one deal a step
    needed = int(min(candidates.size, np.ceil(deals / offered[candidates].min())))
    if needed < candidates.size:
        candidates = candidates[np.argpartition(-score[candidates], needed - 1)[:needed]]
    chosen = candidates[np.lexsort((candidates, -score[candidates]))]
    before = np.cumsum(offered[chosen]) - offered[chosen]
    taken = np.clip(deals - before, 0.0, offered[chosen])
    keep = taken > 0
    chosen, taken = chosen[keep], taken[keep]
    invested = float(taken.sum()) * f.deal_size
    # every fund pays the same share of what it could deploy
    a.cash[funds] -= deployable * (invested / total)
    investor = _investors(funds, deployable * a.weight[funds], taken * f.deal_size)
    duration = steps_in(f.deal_duration_years, state.dt)
    firms, where = actor[chosen], node[chosen]
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
    funds = np.flatnonzero((a.kind == KIND["guidance_fund"]) & (a.cash > 0))
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
    banks = np.flatnonzero(a.kind == KIND["policy_bank"])
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
