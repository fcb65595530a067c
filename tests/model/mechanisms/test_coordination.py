import numpy as np

from innostate.model.mechanisms import coordination

from factory import actor, node, rng, world


def _world(alignment: float):
    w = world(
        nodes=[node("a", market_size=100.0), node("b", market_size=1.0)],
        actors=[
            actor("n1", capabilities={"a": 5.0}, region="north"),
            actor("s1", capabilities={"b": 5.0}, region="south"),
        ],
        regime={"alignment": alignment},
    )
    w.state.nodes.priority[:] = [0.1, 0.9]
    w.state.nodes.domestic_level[:] = [5.0, 5.0]
    return w


def test_full_alignment_follows_central_priority():
    w = _world(1.0)
    coordination.step(w.state, w.params, rng())
    assert np.allclose(w.state.nodes.allocation, [0.1, 0.9])
    assert np.allclose(w.state.region_allocation, [[0.1, 0.9], [0.1, 0.9]])


def test_no_alignment_follows_prestige_and_local_industry():
    w = _world(0.0)
    coordination.step(w.state, w.params, rng())
    assert w.state.nodes.allocation[0] > 0.9  # ministries favour the large, strong market
    assert np.allclose(w.state.region_allocation, [[1.0, 0.0], [0.0, 1.0]])  # own industry
