import numpy as np

from innostate.model.mechanisms import top_level_design

from factory import actor, node, params_with, rng, world


def _world(concentration: float):
    w = world(
        nodes=[
            node("cut", access=0.0, foreign_share=0.9),
            node("open", exposure=0.0, foreign_share=0.2),
        ],
        actors=[actor("firm", capabilities={"cut": 4.0, "open": 4.0})],
        regime={"concentration": concentration},
    )
    w.state.nodes.domestic_level[:] = [4.0, 4.0]
    return w


def test_priority_follows_gap_dependence_and_threat():
    w = _world(1.0)
    top_level_design.step(w.state, w.params, rng())
    n = w.state.nodes
    assert n.priority[0] > n.priority[1]
    assert np.isclose(n.priority.sum(), 1.0)
    assert n.chokepoint.tolist() == [True, False]


def test_concentration_sets_how_sharply_money_follows_priority():
    flat, sharp = _world(0.0), _world(6.0)
    for w in (flat, sharp):
        top_level_design.step(w.state, w.params, rng())
    assert np.allclose(flat.state.nodes.priority, 0.5)
    assert sharp.state.nodes.priority[0] > 0.99


def test_priorities_stay_between_plans_unless_a_shock_hits():
    w = _world(1.0)
    s = w.state
    top_level_design.step(s, w.params, rng())
    before = s.nodes.priority.copy()
    s.step, s.nodes.access[1] = 1, 0.0  # not a plan boundary, no crisis flagged
    top_level_design.step(s, w.params, rng())
    assert np.allclose(s.nodes.priority, before)
    s.crisis = True
    top_level_design.step(s, params_with(w), rng())
    assert not np.allclose(s.nodes.priority, before)
