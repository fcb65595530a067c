import numpy as np

from innostate.model.mechanisms import adoption

from factory import actor, node, rng, world


def _world(access: float):
    w = world(
        nodes=[node("a", access=access, requirement=6.0, foreign_share=0.9, market_size=40.0)],
        actors=[actor("good", capabilities={"a": 5.5}), actor("weak", capabilities={"a": 1.0})],
    )
    w.state.nodes.domestic_level[:] = 5.5
    return w


def test_cutting_foreign_access_raises_domestic_market_share():
    open_, cut = _world(1.0), _world(0.0)
    for w in (open_, cut):
        for t in range(8):
            w.state.step = t
            adoption.step(w.state, w.params, rng())
    assert cut.state.nodes.domestic_share[0] > open_.state.nodes.domestic_share[0] + 0.3


def test_revenue_goes_to_usable_domestic_suppliers_and_teaches_them():
    w = _world(0.0)
    s = w.state
    adoption.step(s, w.params, rng())
    assert s.actors.slot_revenue[0, 0] > 0 and s.actors.slot_revenue[1].sum() == 0
    revenue = s.nodes.domestic_share[0] * s.nodes.market_size[0] / 4
    assert np.isclose(s.actors.slot_revenue.sum(), revenue)
    # rd_reinvestment, plus co-development paid by users cut off from foreign supply
    # (access 0: every domestic purchase is forced)
    assert np.isclose(s.ledger.inflow, (0.08 + 0.05) * revenue)
    assert s.actors.cap_level[0, 0] > 5.5  # learning by doing


def test_target_share_is_forced_only_when_domestic_supply_is_usable():
    ap = _world(0.0).params.adoption
    one = np.ones(1)
    usable = adoption.target_share(ap, 6.0 * one, 8 * one, 6 * one, 0 * one)[0]
    useless = adoption.target_share(ap, 1.0 * one, 8 * one, 6 * one, 0 * one)[0]
    assert usable == 1.0 and useless < 0.2


def test_lead_users_cut_off_from_foreign_supply_fund_their_domestic_supplier():
    from innostate.model.codebook import INSTRUMENT, SOURCE
    from innostate.model.mechanisms import rnd

    def supplier_rd(codevelopment: float, access: float) -> float:
        w = world(
            nodes=[node("a", access=access, requirement=6.0, market_size=40.0)],
            actors=[actor("supplier", capabilities={"a": 5.5}, cash=0.0, talent=100)],
            parameters={"adoption": {"codevelopment": codevelopment}},
        )
        s, spent = w.state, 0.0
        for t in range(8):
            s.step = t
            s.ledger.node_flows[...] = 0.0
            rnd.step(s, w.params, rng(t))
            adoption.step(s, w.params, rng(t))
            spent += s.ledger.node_flows[SOURCE["enterprise_rd"], INSTRUMENT["self_funded"], 0]
        return float(spent)

    # with containment, users' development money raises the supplier's R&D on the node
    assert supplier_rd(0.2, access=0.0) > 1.5 * supplier_rd(0.0, access=0.0)
    # with full foreign access nobody is cut off: no co-development
    assert supplier_rd(0.2, access=1.0) == supplier_rd(0.0, access=1.0)
