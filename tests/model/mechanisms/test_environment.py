import numpy as np

from innostate.model.codebook import IS_ENTERPRISE, SOURCES
from innostate.model.mechanisms import environment
from innostate.scenario.build import build
from innostate.scenario.load import load_scenario

from factory import actor, node, rng, world


def test_frontier_and_market_grow_per_step():
    w = world(nodes=[node("a", frontier_growth=0.4, market_growth=0.1)])
    s = w.state
    environment.step(s, w.params, rng())
    assert np.isclose(s.nodes.frontier[0], 8.0 + 0.4 / 4)
    assert np.isclose(s.nodes.market_size[0], 10.0 * 1.1**0.25)


def test_containment_events_act_on_their_date_only():
    w = world(
        nodes=[node("a"), node("b")],
        actors=[actor("huawei", capabilities={"a": 4.0})],
        containment=[
            {"id": "rule", "date": "2020Q3", "kind": "item_control", "nodes": {"a": 0.1}},
            {"id": "listing", "date": "2020Q2", "kind": "entity_listing", "actors": ["huawei"]},
            {"id": "talent", "date": "2020Q3", "kind": "talent_restriction", "talent_access": 0.5},
        ],
    )
    s = w.state
    seen = []
    for t in range(4):
        s.step = t
        environment.step(s, w.params, rng())
        seen.append(
            (s.nodes.access.copy(), bool(s.actors.entity_listed[0]), s.talent_access, s.crisis)
        )
    assert seen[0][1] is False and seen[1][1] is True  # listed from 2020Q2
    assert np.allclose(seen[1][0], [1.0, 1.0]) and np.allclose(seen[2][0], [0.1, 1.0])
    assert seen[1][2] == 1.0 and seen[2][2] == 0.5
    assert [x[3] for x in seen] == [False, True, True, False]  # shocks trigger crisis response


def test_budgets_arrive_in_pool_and_cash_and_are_booked_as_inflow():
    w = world(
        actors=[
            actor("firm", capabilities={"a": 4.0}, size=3.0),
            actor("firm2", capabilities={"a": 3.0}, size=1.0),
            actor("gov", kind="local_government"),
        ],
        budgets={
            "central": {"values": {2020: 40}},
            "enterprise_rd": {"values": {2020: 8}},
            "local": {"values": {2020: 4}},
        },
    )
    s = w.state
    environment.step(s, w.params, rng())
    assert np.isclose(s.ledger.central_pool, 10.0)
    assert np.allclose(s.actors.cash, [1.5, 0.5, 1.0])  # enterprise money by size
    assert np.isclose(s.ledger.inflow, 10 + 2 + 1)
    assert SOURCES[0] == "central"


def _national(scale: float):
    scenario = load_scenario("prc-2019").model_copy(update={"population_scale": scale})
    return build(scenario, seed=1)


def test_named_firms_get_the_same_share_of_enterprise_rd_at_any_population_scale():
    shares, totals = [], []
    for scale in (0.002, 0.02):
        w = _national(scale)
        a = w.state.actors
        before = a.cash * a.weight
        environment.step(w.state, w.params, np.random.default_rng(0))
        received = (a.cash * a.weight - before) * IS_ENTERPRISE[a.kind]
        named = np.arange(a.count) < w.named_count
        shares.append(received[named].sum() / received.sum())
        totals.append(received.sum())
    assert np.isclose(shares[0], shares[1], rtol=0.02)  # sizes are drawn: a little noise
    assert np.isclose(totals[0], totals[1], rtol=1e-9)  # the national total is exact


def test_a_firm_with_reported_rd_gets_its_share_of_enterprise_rd_first():
    w = world(
        actors=[
            actor("champion", capabilities={"a": 4.0}, size=1.0, rd_spending=RD),
            actor("other", capabilities={"a": 4.0}, size=1.0),
        ],
        budgets={"enterprise_rd": {"values": {2020: 40.0}}},
    )
    environment.step(w.state, w.params, rng())
    cash = w.state.actors.cash
    # 10 of 40 bn a year is a quarter of the budget: a quarter of this quarter's 10 bn
    assert np.isclose(cash[0], 2.5) and np.isclose(cash[1], 7.5)


RD = {"year": 2020, "bn_yuan": 10.0, "source": "a hand-made annual report"}
