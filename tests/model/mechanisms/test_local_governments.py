import numpy as np

from innostate.model.codebook import INSTRUMENT, SOURCE
from innostate.model.mechanisms import local_governments
from innostate.model.state import add_projects

from factory import actor, node, rng, world

REGIONS = [f"r{i}" for i in range(10)]


def _world(monitoring: float, autonomy: float):
    return world(
        nodes=[node("hot", market_size=100.0), node("cold", market_size=1.0)],
        actors=[
            actor(f"gov{i}", kind="local_government", region=r, cash=10.0)
            for i, r in enumerate(REGIONS)
        ]
        + [actor(f"firm{i}", region=r, capabilities={"hot": 2.0}) for i, r in enumerate(REGIONS)],
        regions=REGIONS,
        regime={"monitoring": monitoring, "local_autonomy": autonomy, "alignment": 0.2},
    )


def _duplicates(monitoring: float, autonomy: float) -> int:
    total = 0
    for seed in range(5):
        w = _world(monitoring, autonomy)
        w.state.region_allocation = np.tile([0.9, 0.1], (len(REGIONS), 1))
        local_governments.step(w.state, w.params, rng(seed))
        p = w.state.projects
        assert (p.instrument[: p.count] == INSTRUMENT["local_programme"]).all()
        total += int(p.duplicate[: p.count].sum())
    return total


def test_low_monitoring_and_high_autonomy_produce_duplicate_local_projects():
    assert _duplicates(monitoring=0.1, autonomy=0.9) > 5 * _duplicates(monitoring=0.9, autonomy=0.1)


def test_local_governments_match_central_money_in_their_region():
    w = world(
        nodes=[node("a")],
        actors=[
            actor("gov", kind="local_government", cash=1.0),
            actor("firm", capabilities={"a": 4.0}),
        ],
        regime={"local_autonomy": 0.0},
    )
    s = w.state
    s.step = 1  # not a call round: matching only
    add_projects(
        s,
        np.array([0]),
        np.array([1]),
        INSTRUMENT["directive"],
        np.array([2.0]),
        SOURCE["central"],
        12,
        np.array([1.0]),
    )
    local_governments.step(s, w.params, rng())
    assert np.isclose(s.projects.funding[0, SOURCE["local"]], 0.3 * 2.0)  # match_rate
    assert np.isclose(s.actors.cash[0], 1.0 - 0.6)


def test_matching_never_exceeds_local_cash():
    w = world(
        nodes=[node("a")],
        actors=[
            actor("gov", kind="local_government", cash=0.1),
            actor("firm", capabilities={"a": 4.0}),
        ],
    )
    s = w.state
    s.step = 1
    add_projects(
        s,
        np.array([0, 0]),
        np.array([1, 1]),
        INSTRUMENT["directive"],
        np.array([2.0, 2.0]),
        SOURCE["central"],
        12,
        np.array([1.0, 1.0]),
    )
    local_governments.step(s, w.params, rng())
    assert np.isclose(s.projects.funding[:2, SOURCE["local"]].sum(), 0.1)
    assert s.actors.cash[0] >= 0
