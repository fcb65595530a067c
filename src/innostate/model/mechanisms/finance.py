"""Finance: venture capital, guidance funds and policy banks channel capital."""

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
from innostate.model.ledger import record_flow
from innostate.model.params import Params, per_step, steps_in
from innostate.model.production import promised
from innostate.model.state import Floats, Ints, State, add_projects


def step(state: State, params: Params, rng: np.random.Generator) -> State:
    """Invest fund capital in firms and lend bank capital to priority projects.

    - VC funds (market logic) deploy ``vc_deploy_rate`` a year of their capital
      in the private firms with the highest expected return: market size of the
      firm's best node x its relative level x ``ip_appropriability``, judged
      with lognormal error ``deal_noise``.
    - Guidance funds (hybrid) deploy ``guidance_deploy_rate`` a year of theirs,
      scoring any enterprise by ``(1 - w) * return + w * priority`` with
      ``w = guidance_policy_weight``.
    - Deployed capital is cut into deals of ``deal_size``: the number of deals
      follows the money, not the number of fund rows, and the best-scoring real
      firms get one deal each (a synthetic firm row takes as many as the real
      firms it stands for). Each deal is a ``vc_backed`` project of the firm on
      its best node (exit proceeds come back at completion, see evaluation).
    - Policy banks lend ``bank_leverage`` per yuan of central money to this
      step's mission projects on nodes at or above the priority quantile,
      within ``bank_lend_rate`` a year of their capital.
    """
    f = params.finance
    a, n = state.actors, state.nodes
    best_slot = a.cap_level.argmax(axis=1)
    best_node = a.cap_node[np.arange(a.count), best_slot]
    best_level = a.cap_level[np.arange(a.count), best_slot]
    has_node = best_node >= 0
    safe_node = np.maximum(best_node, 0)
    expected = (
        n.market_size[safe_node]
        * best_level
        / n.frontier[safe_node]
        * params.regime.ip_appropriability
    )
    expected = expected / max(float(expected.max()), 1e-12)
    enterprise = IS_ENTERPRISE[a.kind] & has_node
    vc_target = enterprise & (a.ownership == OWNER["private"])
    noise = rng.lognormal(0.0, f.deal_noise, a.count)
    _invest(
        state,
        params,
        KIND["vc_fund"],
        SOURCE["vc"],
        f.vc_deploy_rate,
        np.where(vc_target, expected * noise, -np.inf),
        best_node,
    )
    w = f.guidance_policy_weight
    priority = n.priority[safe_node] / max(float(n.priority.max()), 1e-12)
    hybrid = (1 - w) * expected + w * priority
    _invest(
        state,
        params,
        KIND["guidance_fund"],
        SOURCE["guidance_fund"],
        f.guidance_deploy_rate,
        np.where(enterprise, hybrid * noise, -np.inf),
        best_node,
    )
    _lend(state, params)
    return state


def _invest(
    state: State,
    params: Params,
    fund_kind: int,
    source: int,
    rate_per_year: float,
    score: Floats,
    best_node: Ints,
) -> None:
    """Cut the funds' deployable capital into deals and give them to the best firms."""
    a, f = state.actors, params.finance
    funds = np.flatnonzero((a.kind == fund_kind) & (a.cash > 0))
    candidates = np.flatnonzero(np.isfinite(score) & (score > 0))  # no prospects, no deal
    if funds.size == 0 or candidates.size == 0:
        return
    deployable = a.cash[funds] * per_step(rate_per_year, state.dt)  # per real fund
    total = float(np.dot(deployable, a.weight[funds]))
    deals = np.floor(total / f.deal_size)
    if deals < 1:
        return
    # best firms first; each real firm takes at most one deal a step
    needed = int(min(candidates.size, np.ceil(deals / a.weight[candidates].min())))
    if needed < candidates.size:
        candidates = candidates[np.argpartition(-score[candidates], needed - 1)[:needed]]
    firms = candidates[np.lexsort((candidates, -score[candidates]))]
    before = np.cumsum(a.weight[firms]) - a.weight[firms]
    taken = np.clip(deals - before, 0.0, a.weight[firms])
    keep = taken > 0
    firms, taken = firms[keep], taken[keep]
    invested = float(taken.sum()) * f.deal_size
    # every fund pays the same share of what it could deploy
    a.cash[funds] -= deployable * (invested / total)
    investor = _investors(funds, deployable * a.weight[funds], taken * f.deal_size)
    duration = steps_in(f.deal_duration_years, state.dt)
    node = best_node[firms]
    budget = np.full(firms.size, f.deal_size)
    rows = add_projects(
        state,
        node,
        firms,
        INSTRUMENT["vc_backed"],
        budget,
        source,
        duration,
        promised(state, params, node, budget, duration * state.dt),
        weight=taken,
    )
    state.projects.investor[rows] = investor
    record_flow(state, source, INSTRUMENT["vc_backed"], firms, node, taken * f.deal_size)


def _investors(funds: Ints, capital: Floats, money: Floats) -> Ints:
    """The fund behind each deal: deals fill the funds' capital in order (largest first)."""
    order = np.argsort(-capital, kind="stable")
    filled = np.cumsum(capital[order])
    middle = np.cumsum(money) - 0.5 * money
    position = np.searchsorted(filled / filled[-1], middle / max(float(money.sum()), 1e-12))
    return funds[order][np.minimum(position, funds.size - 1)]


def _lend(state: State, params: Params) -> None:
    a, n, pr, f = state.actors, state.nodes, state.projects, params.finance
    banks = np.flatnonzero(a.kind == KIND["policy_bank"])
    central = pr.funding[: pr.count, SOURCE["central"]]
    threshold = np.quantile(n.priority, f.priority_lending_quantile)
    rows = np.flatnonzero(
        (pr.start[: pr.count] == state.step)
        & np.isin(pr.instrument[: pr.count], MISSION_INSTRUMENTS)
        & (n.priority[pr.node[: pr.count]] >= threshold)
        & (central > 0)
    )
    if banks.size == 0 or rows.size == 0:
        return
    capital = float(np.dot(a.cash[banks], a.weight[banks]))
    if capital <= 0:
        return
    wanted = f.bank_leverage * central[rows] * pr.weight[rows]
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
