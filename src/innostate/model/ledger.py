"""Money movements between accounts, recorded so the ledger can be checked every step.

Accounts are the central pool, each actor's cash and each project's budget.
Money enters only as declared exogenous inflows (budgets, reinvested revenue,
exit proceeds) and leaves only as R&D spending or as idle appropriations that
lapse to the treasury; :func:`imbalance` measures any other creation or loss.

Actor cash and project budgets are per real actor or project; a row stands for
``weight`` of them, so an amount in bn yuan moved to or from a row is divided by
its weight (see :func:`pay`).
"""

from __future__ import annotations

import numpy as np

from innostate.model.state import Floats, Ints, State


def record_flow(
    state: State,
    source: int,
    instrument: int | Ints,
    performer: Ints,
    node: Ints,
    amount: Floats,
) -> None:
    """Add committed or spent money to this step's flows by performer kind and by node."""
    kinds = state.actors.kind[performer]
    instruments = np.broadcast_to(np.asarray(instrument), kinds.shape)
    for table, column in (
        (state.ledger.flows[source], kinds),
        (state.ledger.node_flows[source], node),
    ):
        # bincount over the flattened (instrument, column) cell is far faster than add.at
        width = table.shape[1]
        cells = np.bincount(instruments * width + column, weights=amount, minlength=table.size)
        table += cells.reshape(table.shape)


def pay(state: State, actor: Ints, amount: Floats) -> None:
    """Add ``amount`` bn yuan in all (negative: take it) to the cash of each actor row."""
    a = state.actors
    np.add.at(a.cash, actor, amount / a.weight[actor])


def refund(state: State, rows: Ints) -> None:
    """Return the unspent budget of project ``rows`` to the accounts that paid it, pro rata."""
    p = state.projects
    remaining = p.budget[rows] * p.weight[rows]
    total = p.funding[rows].sum(axis=1)
    share = np.divide(
        p.funding[rows],
        total[:, None],
        out=np.zeros_like(p.funding[rows]),
        where=total[:, None] > 0,
    )
    back = share * remaining[:, None]
    # central money goes back to the pool; other sources to the actor that paid
    state.ledger.central_pool += float(back[:, 0].sum())
    payer_of_source = (
        p.local_funder[rows],  # local
        p.lead[rows],  # enterprise: the lead's own cash
        p.investor[rows],  # guidance fund
        p.investor[rows],  # vc
        p.lender[rows],  # policy bank
    )
    for column, payer in enumerate(payer_of_source, start=1):
        # a missing payer can only happen with zero money from that source
        pay(state, np.where(payer >= 0, payer, 0), np.where(payer >= 0, back[:, column], 0.0))
    p.budget[rows] = 0.0


def spend(state: State, amount: float) -> None:
    """Book money leaving the system as R&D spending."""
    state.ledger.outflow += amount


def lapse(state: State, amount: float) -> None:
    """Book idle money returned to the treasury (it leaves the innovation system)."""
    state.ledger.lapsed += amount


def receive(state: State, amount: float) -> None:
    """Book money entering the system from outside (budgets, revenue, exits)."""
    state.ledger.inflow += amount


def imbalance(stock_before: float, state: State) -> float:
    """Relative error of stock_after - stock_before - inflow + outflow (0 when balanced)."""
    stock_after = state.money_stock()
    ledger = state.ledger
    error = stock_after - stock_before - ledger.inflow + ledger.outflow + ledger.lapsed
    scale = max(abs(stock_before), abs(stock_after), state.ledger.inflow, 1e-12)
    return abs(error) / scale
