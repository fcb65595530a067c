import numpy as np

from innostate.model.codebook import INSTRUMENT, KIND, SOURCE
from innostate.model.mechanisms import finance
from innostate.model.state import add_projects
from innostate.scenario.build import build
from innostate.scenario.load import load_scenario

from factory import actor, index, node, rng, world


def _world(**regime):
    return world(
        nodes=[node("big", market_size=100.0), node("priority", market_size=1.0)],
        actors=[
            actor("startup", capabilities={"big": 5.0}),
            actor("soe", kind="soe", capabilities={"priority": 5.0}),
            actor("vc", kind="vc_fund", cash=10.0),
            actor("gf", kind="guidance_fund", cash=10.0),
            actor("bank", kind="policy_bank", cash=100.0),
        ],
        regime=regime,
        parameters={"finance": {"guidance_policy_weight": 1.0}},
    )


def test_vc_invests_in_private_firms_and_guidance_funds_follow_priority():
    w = _world()
    s = w.state
    s.nodes.priority[:] = [0.0, 1.0]
    stock = s.money_stock()
    finance.step(s, w.params, rng())
    p = s.projects
    deals = {
        w.actor_ids[i]: w.actor_ids[f]
        for i, f in zip(p.lead[: p.count], p.investor[: p.count], strict=True)
    }
    assert deals == {"startup": "vc", "soe": "gf"}
    assert (p.instrument[: p.count] == INSTRUMENT["vc_backed"]).all()
    # one real firm takes one deal: the fund pays one deal_size, the rest waits
    deal = w.params.finance.deal_size
    assert np.isclose(s.actors.cash[index(w, "vc")], 10.0 - deal)
    assert np.isclose(p.budget[0], deal)
    assert np.isclose(s.money_stock(), stock)  # fund cash became project budget


def test_policy_banks_lend_to_new_priority_mission_projects():
    w = _world()
    s = w.state
    s.nodes.priority[:] = [0.2, 0.8]
    add_projects(
        s,
        np.array([1, 0]),
        np.array([1, 0]),
        INSTRUMENT["directive"],
        np.array([4.0, 4.0]),
        SOURCE["central"],
        12,
        np.array([1.0, 1.0]),
    )
    finance.step(s, w.params, rng())
    loans = s.projects.loan[:2]
    assert loans[0] > 0 and loans[1] == 0  # only the node at or above the priority quantile
    assert np.isclose(loans[0], 0.5 * 4.0)  # bank_leverage


def test_no_market_finance_means_no_deals_without_fund_capital():
    w = _world(market_finance=0.0)
    s = w.state
    s.actors.cash[[index(w, "vc"), index(w, "gf")]] = 0.0
    finance.step(s, w.params, rng())
    assert s.projects.count == 0


def test_deal_count_follows_capital_not_the_number_of_fund_rows():
    deals = []
    for scale in (0.002, 0.02):
        scenario = load_scenario("prc-2019").model_copy(update={"population_scale": scale})
        w = build(scenario, seed=1)
        s = w.state
        vc = s.actors.kind == KIND["vc_fund"]
        s.actors.cash[vc] = 1.0  # the same capital per real fund at both scales
        finance.step(s, w.params, rng())
        p = s.projects
        backed = p.instrument[: p.count] == INSTRUMENT["vc_backed"]
        deals.append(p.weight[: p.count][backed].sum())
    assert deals[0] > 0
    assert abs(deals[0] - deals[1]) <= 2  # a synthetic fund row stands for 1/scale funds
