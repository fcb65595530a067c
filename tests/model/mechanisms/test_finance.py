import numpy as np

from innostate.model.codebook import INSTRUMENT, KIND, SOURCE
from innostate.model.mechanisms import adoption, finance
from innostate.model.state import add_projects
from innostate.scenario.build import build
from innostate.scenario.load import load_scenario

from factory import actor, index, node, rng, world


def _sells(w, ident, node_id, revenue=1.0):
    """Give an actor domestic sales on one of its nodes (investors back firms that sell)."""
    a = w.state.actors
    i, j = index(w, ident), w.node_ids.index(node_id)
    a.slot_revenue[i, int(np.flatnonzero(a.cap_node[i] == j)[0])] = revenue


def _world(**regime):
    w = world(
        nodes=[node("big", market_size=100.0), node("priority", market_size=1.0)],
        actors=[
            actor("startup", capabilities={"big": 5.0}, talent=1000),
            actor("soe", kind="soe", capabilities={"priority": 5.0}, talent=1000),
            actor("vc", kind="vc_fund", cash=10.0),
            actor("gf", kind="guidance_fund", cash=10.0),
            actor("bank", kind="policy_bank", cash=100.0),
        ],
        regime=regime,
        parameters={"finance": {"guidance_policy_weight": 1.0}},
    )
    _sells(w, "startup", "big")
    _sells(w, "soe", "priority")
    return w


def _deals(w):
    p = w.state.projects
    return {
        w.actor_ids[i]: w.actor_ids[f]
        for i, f in zip(p.lead[: p.count], p.investor[: p.count], strict=True)
    }


def test_vc_invests_in_private_firms_and_guidance_funds_follow_priority():
    w = _world()
    s = w.state
    s.nodes.priority[:] = [0.0, 1.0]
    s.nodes.chokepoint[:] = False
    stock = s.money_stock()
    finance.step(s, w.params, rng())
    p = s.projects
    assert _deals(w) == {"startup": "vc", "soe": "gf"}
    assert (p.instrument[: p.count] == INSTRUMENT["vc_backed"]).all()
    # one real firm-node slot takes one deal: the fund pays one deal_size, the rest waits
    deal = w.params.finance.deal_size
    assert np.isclose(s.actors.cash[index(w, "vc")], 10.0 - deal)
    assert np.isclose(p.budget[0], deal)
    assert np.isclose(s.money_stock(), stock)  # fund cash became project budget
    # equity projects are reviewed like others, not only at their end
    assert (p.next_review[: p.count] < p.end[: p.count]).all()


def test_vc_picks_the_node_with_the_best_expected_return_not_the_best_level():
    w = world(
        nodes=[node("niche", market_size=2.0), node("mass", market_size=200.0)],
        actors=[
            actor("firm", capabilities={"niche": 6.0, "mass": 4.5}, talent=1000),
            actor("vc", kind="vc_fund", cash=10.0),
        ],
    )
    _sells(w, "firm", "niche")
    _sells(w, "firm", "mass")
    finance.step(w.state, w.params, rng())
    p = w.state.projects
    assert p.count == 1 and w.node_ids[p.node[0]] == "mass"


def _firms_world(ip, n_firms=30):
    """Many private firms on one node with prospects around the hurdle, and ample VC capital."""
    firms = [
        actor(f"f{i}", capabilities={"a": 5.0}, talent=float(t))
        for i, t in enumerate(np.geomspace(20, 20000, n_firms))
    ]
    w = world(
        nodes=[node("a", market_size=100.0)],
        actors=[*firms, actor("vc", kind="vc_fund", cash=100.0)],
        regime={"ip_appropriability": ip},
    )
    for i in range(n_firms):
        _sells(w, f"f{i}", "a")
    return w


def test_appropriability_decides_how_many_deals_clear_the_hurdle():
    deals, idle = [], []
    for ip in (0.2, 0.9):
        w = _firms_world(ip)
        finance.step(w.state, w.params, rng())
        p = w.state.projects
        deals.append(float(p.weight[: p.count].sum()))
        idle.append(float(w.state.actors.cash[index(w, "vc")]))
    assert 0 < deals[0] < deals[1]
    assert idle[0] > idle[1]  # capital without prospects stays in the fund


def test_screening_counts_real_firms_not_rows():
    """One row standing for 40 firms gets the deals of 40 identical one-firm rows."""

    def deals(rows, weight, seed):
        firms = [actor(f"f{i}", capabilities={"a": 5.0}, talent=300) for i in range(rows)]
        w = world(
            nodes=[node("a", market_size=100.0)],
            actors=[*firms, actor("vc", kind="vc_fund", cash=100.0)],
            regime={"ip_appropriability": 0.3},
        )
        s = w.state
        s.actors.weight[:rows] = weight
        for i in range(rows):
            _sells(w, f"f{i}", "a")
        finance.step(s, w.params, rng(seed))
        return float(s.projects.weight[: s.projects.count].sum())

    one_row = [deals(1, 40.0, seed) for seed in range(8)]
    many_rows = [deals(40, 1.0, seed) for seed in range(8)]
    assert 5 < np.mean(one_row) < 35  # the hurdle takes some firms, not all or none
    assert abs(np.mean(one_row) - np.mean(many_rows)) < 3


def _coinvested(fund_alignment: float) -> float:
    """Guidance equity put into a directive project on a chokepoint under a regime."""
    w = _world(fund_alignment=fund_alignment)
    s = w.state
    s.actors.slot_revenue[:] = 0.0
    s.nodes.chokepoint[:] = True
    rows = add_projects(
        s,
        np.array([0]),
        np.array([0]),
        INSTRUMENT["directive"],
        np.array([4.0]),
        SOURCE["central"],
        12,
        np.array([1.0]),
    )
    finance.step(s, w.params, rng())
    return float(s.projects.funding[rows[0], SOURCE["guidance_fund"]])


def test_fund_alignment_decides_how_far_guidance_funds_follow_the_state():
    coinvest = _world().params.finance.guidance_coinvest
    assert np.isclose(_coinvested(1.0), coinvest * 4.0)
    assert np.isclose(_coinvested(0.5), 0.5 * coinvest * 4.0)
    assert _coinvested(0.0) == 0.0  # market-led funds take no mission mandate


def test_guidance_funds_coinvest_in_mission_projects_on_chokepoints():
    w = _world()
    s = w.state
    s.actors.slot_revenue[:] = 0.0  # no firm sells: no market deals, only the mandate
    s.nodes.chokepoint[:] = [True, False]
    rows = add_projects(
        s,
        np.array([0, 1]),
        np.array([0, 1]),
        INSTRUMENT["directive"],
        np.array([4.0, 4.0]),
        SOURCE["central"],
        12,
        np.array([1.0, 1.0]),
    )
    stock = s.money_stock()
    finance.step(s, w.params, rng())
    p = s.projects
    equity = p.funding[rows, SOURCE["guidance_fund"]]
    coinvest = w.params.finance.guidance_coinvest
    assert np.isclose(equity[0], coinvest * 4.0) and equity[1] == 0.0
    assert w.actor_ids[p.investor[rows[0]]] == "gf" and p.investor[rows[1]] == -1
    assert np.isclose(s.actors.cash[index(w, "gf")], 10.0 - coinvest * 4.0)
    assert p.count == 2  # no equity deal without sales
    assert np.isclose(s.money_stock(), stock)


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
        adoption.step(s, w.params, rng())  # firms sell before investors judge them
        vc = s.actors.kind == KIND["vc_fund"]
        # the same capital per real fund at both scales, few enough deals that money binds
        # (where prospects bind, the count follows the sampled firms: see the test above)
        s.actors.cash[vc] = 0.001
        finance.step(s, w.params, rng())
        p = s.projects
        backed = p.instrument[: p.count] == INSTRUMENT["vc_backed"]
        deals.append(p.weight[: p.count][backed].sum())
    assert deals[0] > 0
    assert abs(deals[0] - deals[1]) <= 2  # a synthetic fund row stands for 1/scale funds
