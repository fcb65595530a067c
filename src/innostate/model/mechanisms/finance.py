"""Finance: venture capital, guidance funds and policy banks channel capital."""

from __future__ import annotations

import numpy as np

from innostate.model.ledger import record_flow
from innostate.model.mechanisms.rnd import promised
from innostate.model.params import Params
from innostate.model.state import (
    INSTRUMENT,
    IS_ENTERPRISE,
    KIND,
    OWNER,
    SOURCE,
    Floats,
    Ints,
    State,
    add_projects,
)


def step(state: State, params: Params, rng: np.random.Generator) -> State:
    """Invest fund capital in firms and lend bank capital to priority projects.

    - VC funds (market logic) invest ``vc_deploy_rate`` of their capital in the
      private firms with the highest expected return: market size of the firm's
      best node x its relative level x ``ip_appropriability``, with noise.
    - Guidance funds (hybrid) invest ``guidance_deploy_rate`` of theirs, scoring
      any enterprise by ``(1 - w) * return + w * priority`` with
      ``w = guidance_policy_weight``.
    - Each deal becomes a ``vc_backed`` project of the firm on that node, funded
      by the fund (exit proceeds come back at completion, see evaluation).
    - Policy banks lend ``bank_leverage`` per yuan of central money to this
      step's mission projects on nodes at or above the priority quantile,
      within ``bank_lend_rate`` of their capital.
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
    noise = rng.lognormal(0.0, 0.3, a.count)
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
    rate: float,
    score: Floats,
    best_node: Ints,
) -> None:
    """Match funds (largest first) to the best-scoring distinct firms, one deal each."""
    a, f = state.actors, params.finance
    funds = np.flatnonzero((a.kind == fund_kind) & (a.cash * rate >= f.min_deal))
    if funds.size == 0:
        return
    funds = funds[np.argsort(-a.cash[funds], kind="stable")]
    candidates = np.flatnonzero(np.isfinite(score))
    deals = min(funds.size, candidates.size)
    if deals == 0:
        return
    top = candidates[np.argpartition(-score[candidates], deals - 1)[:deals]]
    firms = top[np.lexsort((top, -score[top]))]
    funds = funds[:deals]
    amount = a.cash[funds] * rate
    a.cash[funds] -= amount
    duration = int(f.deal_duration_steps)
    rows = add_projects(
        state,
        best_node[firms],
        firms,
        INSTRUMENT["vc_backed"],
        amount,
        source,
        duration,
        promised(state, params, best_node[firms], amount, duration),
    )
    state.projects.investor[rows] = funds
    record_flow(state, source, INSTRUMENT["vc_backed"], firms, best_node[firms], amount)


def _lend(state: State, params: Params) -> None:
    a, n, pr, f = state.actors, state.nodes, state.projects, params.finance
    banks = np.flatnonzero(a.kind == KIND["policy_bank"])
    central = pr.funding[: pr.count, SOURCE["central"]]
    threshold = np.quantile(n.priority, f.priority_lending_quantile)
    rows = np.flatnonzero(
        (pr.start[: pr.count] == state.step)
        & np.isin(
            pr.instrument[: pr.count],
            (INSTRUMENT["directive"], INSTRUMENT["open_competition"], INSTRUMENT["horse_race"]),
        )
        & (n.priority[pr.node[: pr.count]] >= threshold)
        & (central > 0)
    )
    if banks.size == 0 or rows.size == 0:
        return
    wanted = f.bank_leverage * central[rows]
    capacity = a.cash[banks].sum() * f.bank_lend_rate
    loans = wanted * min(1.0, capacity / max(float(wanted.sum()), 1e-12))
    # banks lend as a syndicate in proportion to capital; repayments go to the largest
    lender = banks[np.argmax(a.cash[banks])]
    share = a.cash[banks] / max(float(a.cash[banks].sum()), 1e-12)
    np.subtract.at(a.cash, banks, share * loans.sum())
    pr.budget[rows] += loans
    pr.funding[rows, SOURCE["policy_bank"]] += loans
    pr.loan[rows] += loans
    pr.lender[rows] = lender
    record_flow(
        state, SOURCE["policy_bank"], pr.instrument[rows], pr.lead[rows], pr.node[rows], loans
    )
