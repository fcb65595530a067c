import numpy as np

from innostate.model.codebook import CENTRAL_INSTRUMENTS, INSTRUMENT, SOURCE
from innostate.model.mechanisms import coordination
from innostate.model.state import add_projects

from factory import actor, node, rng, world

ROW = {name: k for k, name in enumerate(CENTRAL_INSTRUMENTS)}


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
    assert np.allclose(w.state.nodes.instrument_allocation, [[0.1, 0.9]] * 5)
    assert np.allclose(w.state.region_allocation, [[0.1, 0.9], [0.1, 0.9]])


def test_no_alignment_follows_local_industry():
    w = _world(0.0)
    coordination.step(w.state, w.params, rng())
    assert np.allclose(w.state.region_allocation, [[1.0, 0.0], [0.0, 1.0]])  # own industry


def _ministries_world(alignment: float):
    """'lab' is research-strong, 'market' is a large market with strong firms, 'base'
    is what the others are built on."""
    w = world(
        nodes=[
            node("lab", market_size=1.0),
            node("market", market_size=100.0),
            node("base", market_size=1.0),
            node("top", market_size=1.0, prereqs={"base": 1.0}),
        ],
        actors=[actor("firm", capabilities={"market": 4.0})],
        regime={"alignment": alignment},
    )
    n = w.state.nodes
    n.priority[:] = [0.0, 0.0, 0.0, 1.0]
    n.research_level[:] = [6.0, 0.0, 0.0, 0.0]
    n.domestic_level[:] = [0.0, 6.0, 1.0, 1.0]
    return w


def test_each_ministry_follows_its_own_mandate_when_not_aligned():
    # seed: "State Council and ministries (MOST, NDRC, MIIT, etc.)"
    w = _ministries_world(0.0)
    coordination.step(w.state, w.params, rng())
    alloc = w.state.nodes.instrument_allocation
    assert np.argmax(alloc[ROW["directive"]]) == 0  # MOST: research strength
    assert np.argmax(alloc[ROW["basic_grant"]]) == 0
    assert np.argmax(alloc[ROW["open_competition"]]) == 1  # MIIT: large, strong market
    assert np.argmax(alloc[ROW["horse_race"]]) == 1
    assert np.allclose(alloc[ROW["services"]], [0, 0, 1, 0])  # NDRC: what others build on
    assert np.allclose(alloc.sum(axis=1), 1.0)


def test_alignment_decides_how_far_ministries_follow_the_centre():
    half = _ministries_world(0.5)
    coordination.step(half.state, half.params, rng())
    alloc = half.state.nodes.instrument_allocation
    # the centre's one priority node gets half of each (own preferences: about nothing)
    assert np.allclose(alloc[:, 3], 0.5, atol=0.01)
    assert np.isclose(alloc[ROW["services"], 2], 0.5)


def _monitored_world(monitoring: float, reallocation: float, memory: float = 0.5):
    """Two equally prioritised nodes whose teams report 0.9; on 'a' they deliver 0.1."""
    w = world(
        nodes=[node("a"), node("b")],
        actors=[actor("f1", capabilities={"a": 4.0}), actor("f2", capabilities={"b": 4.0})],
        regime={"monitoring": monitoring, "alignment": 1.0},
        parameters={"coordination": {"reallocation": reallocation, "performance_memory": memory}},
    )
    s = w.state
    rows = add_projects(
        s,
        np.array([0, 1]),
        np.array([0, 1]),
        INSTRUMENT["directive"],
        np.array([1.0, 1.0]),
        SOURCE["central"],
        12,
        np.array([1.0, 1.0]),
    )
    s.projects.tech_score[rows] = [0.1, 0.9]
    s.projects.reported_score[rows] = [0.9, 0.9]
    s.nodes.priority[:] = [0.5, 0.5]
    return w


def _run(w, steps=16):
    for t in range(6, 6 + steps):  # past the first review (a year after the start)
        w.state.step = t
        coordination.step(w.state, w.params, rng())
    return w.state.nodes


def test_leading_groups_learn_which_programmes_fail_as_far_as_monitoring_sees():
    watched = _run(_monitored_world(1.0, 1.0))
    assert watched.performance[0] < 0.3 < 0.8 < watched.performance[1]
    blind = _run(_monitored_world(0.0, 1.0))
    assert np.allclose(blind.performance, blind.performance[0])  # both report 0.9


def test_reallocation_moves_money_from_failing_to_delivering_programmes():
    # seed: leading groups "align ministries and regions with Party directives"
    steady = _run(_monitored_world(1.0, 0.0))
    assert np.allclose(steady.allocation, 0.5)
    shifted = _run(_monitored_world(1.0, 2.0))
    assert shifted.allocation[0] < 0.1 < 0.9 < shifted.allocation[1]


def test_performance_memory_sets_how_fast_the_record_moves():
    def record(memory):
        return _run(_monitored_world(1.0, 1.0, memory), steps=1).performance[0]

    assert record(0.0) == 1.0
    assert record(0.2) > record(0.9) > 0.1
