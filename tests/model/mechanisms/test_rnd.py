import numpy as np

from innostate.model.codebook import INSTRUMENT, SOURCE
from innostate.model.mechanisms import rnd
from innostate.model.params import RndParams, per_step
from innostate.model.production import advance, difficulty, progress
from innostate.model.state import add_projects

from factory import actor, node, params_with, rng, world

ONE = np.ones(1)


def _progress(rp=None, money=1.0, level=4.0, access=1.0, throttle=1.0, talent=200.0):
    return progress(
        rp or RndParams(),
        0.25,
        money * ONE,
        10 * ONE,
        level * ONE,
        8 * ONE,
        talent * ONE,
        throttle * ONE,
        access * ONE,
        ONE,
    )[0]


def test_cutting_foreign_access_removes_the_catch_up_speed_up():
    open_, cut = _progress(access=1.0), _progress(access=0.0)
    assert np.isclose(open_ / cut, 1 + RndParams().catch_up_bonus * 0.5)  # gap (8-4)/8


def test_money_has_diminishing_returns():
    one, two = _progress(money=1.0), _progress(money=2.0)
    assert one < two < 2 * one


def test_progress_is_braked_past_the_frontier():
    rp = RndParams()
    level = np.array([7.0, 8.0, 9.0])
    new = advance(rp, level, np.full(3, 0.5), np.full(3, 8.0))
    assert np.isclose(new[0], 7.5)  # all of it below the frontier
    braked = np.log1p(rp.beyond_decay * rp.frontier_brake * 0.5) / rp.beyond_decay
    assert np.isclose(new[1] - 8.0, braked) and braked < 0.5 * rp.frontier_brake
    assert 0 < new[2] - 9.0 < new[1] - 8.0  # further beyond, slower still
    crossing = advance(rp, np.array([7.8]), np.array([0.5]), np.array([8.0]))[0]
    assert np.isclose(crossing, 8.0 + np.log1p(rp.beyond_decay * rp.frontier_brake * 0.3) / 3.0)
    no_decay = RndParams(beyond_decay=0.0)
    assert np.isclose(advance(no_decay, np.array([8.0]), np.array([0.5]), np.array([8.0]))[0],
                      8.0 + 0.5 * no_decay.frontier_brake)  # fmt: skip


def test_the_brake_past_the_frontier_does_not_depend_on_how_the_gain_is_split():
    # a gain in one step or in ten (a shorter step) ends at the same level: the brake is
    # integrated over the gain, not read once at the step's start
    rp = RndParams()
    frontier = np.array([8.0])
    whole = advance(rp, np.array([7.5]), np.array([4.0]), frontier)[0]
    level = np.array([7.5])
    for _ in range(10):
        level = advance(rp, level, np.array([0.4]), frontier)
    assert np.isclose(level[0], whole)
    # and no gain, however large, throws a slot far past the frontier in one step
    huge = advance(rp, np.array([7.0]), np.array([1e12]), frontier)[0]
    assert 8.0 < huge < 8.0 + 12.0


def test_lagging_prerequisites_throttle_progress():
    assert _progress(throttle=0.5) == 0.5 * _progress(throttle=1.0)


def _project_world(listed: bool):
    w = world(
        nodes=[node("litho", requirement=6.0, frontier=8.0), node("chip", prereqs={"litho": 1.0})],
        actors=[
            actor("lead", capabilities={"chip": 4.0}, talent=1000, entity_listed=listed),
            actor("member", capabilities={"chip": 2.0}),
        ],
        parameters={"rnd": {"noise": 0.0, "self_rd_rate": 0.0}},
    )
    s = w.state
    rows = add_projects(
        s,
        np.array([1]),
        np.array([0]),
        INSTRUMENT["directive"],
        np.array([12.0]),
        SOURCE["central"],
        12,
        np.array([1.0]),
    )
    s.projects.members[rows, 0] = 1
    return w


def test_projects_spend_evenly_and_raise_the_lead_and_its_members():
    w = _project_world(listed=False)
    s = w.state
    rnd.step(s, w.params, rng())
    assert np.isclose(s.projects.spent[0], 1.0) and np.isclose(s.ledger.outflow, 1.0)
    assert s.actors.cap_level[0, 0] > 4.0
    assert s.actors.cap_level[1, 0] > 2.0  # spillover from the lead
    assert np.isclose(s.nodes.domestic_level[1], s.actors.cap_level[0, 0])


def test_an_entity_listed_lead_cannot_import_prerequisites():
    free, listed = _project_world(False), _project_world(True)
    for w in (free, listed):
        rnd.step(w.state, w.params, rng())
    assert listed.state.projects.progress[0] < free.state.projects.progress[0]


def test_grants_build_knowledge_that_lowers_difficulty():
    w = world(
        actors=[actor("uni", kind="university", capabilities={"a": 3.0})],
        parameters={"rnd": {"noise": 0.0}},
    )
    s = w.state
    add_projects(
        s,
        np.array([0]),
        np.array([0]),
        INSTRUMENT["basic_grant"],
        np.array([12.0]),
        SOURCE["central"],
        12,
        np.array([1.0]),
    )
    before = difficulty(s, w.params.rnd)[0]
    rnd.step(s, w.params, rng())
    assert s.nodes.knowledge[0] > 0
    assert difficulty(s, w.params.rnd)[0] < before


def test_firms_do_self_funded_rnd_from_cash():
    w = world(actors=[actor("firm", capabilities={"a": 4.0}, cash=4.0, talent=500)])
    s = w.state
    rnd.step(s, w.params, rng())
    spent = 4.0 * per_step(w.params.rnd.self_rd_rate, s.dt)  # a yearly rate, one quarter
    assert np.isclose(s.actors.cash[0], 4.0 - spent)
    assert np.isclose(s.ledger.outflow, spent)
    assert s.actors.cap_level[0, 0] > 4.0


def _supply_world(firm_level: float | None):
    actors = [actor("uni", kind="university", capabilities={"a": 7.0})]
    if firm_level is not None:
        actors.append(actor("firm", capabilities={"a": firm_level}))
    return world(
        nodes=[node("a", requirement=6.0)],
        actors=actors,
        parameters={"rnd": {"noise": 0.0, "self_rd_rate": 0.0}},
    )


def test_research_capability_alone_is_not_domestic_supply():
    w = _supply_world(firm_level=None)
    assert w.state.nodes.research_level[0] == 7.0
    assert w.state.nodes.domestic_level[0] == 0.0  # no firm can supply
    rnd.step(w.state, w.params, rng())
    assert w.state.nodes.domestic_level[0] == 0.0


def test_the_leading_firm_licenses_research_results():
    w = _supply_world(firm_level=3.0)
    s = w.state
    rnd.step(s, w.params, rng())
    kept = 1 - per_step(w.params.rnd.depreciation, s.dt)  # neither spent anything
    depreciated = 3.0 * kept
    closed = per_step(w.params.rnd.transfer_rate, s.dt) * (7.0 * kept - depreciated)
    assert np.isclose(s.nodes.domestic_level[0], depreciated + closed)


def test_unused_capability_depreciates_and_used_capability_does_not():
    w = world(
        actors=[
            actor("idle", capabilities={"a": 4.0}),
            actor("busy", capabilities={"a": 4.0}, cash=1.0, talent=100),
        ],
        parameters={"rnd": {"noise": 0.0, "transfer_rate": 0.0}},
    )
    rnd.step(w.state, w.params, rng())
    level = w.state.actors.cap_level[:, 0]
    assert level[0] < 4.0 < level[1]


def test_progress_slows_as_the_slot_climbs_the_scale():
    # a rung costs exp(level_steepness) times more money per level climbed, from level 5
    flat, steep = RndParams(level_steepness=0.0), RndParams(level_steepness=0.5)
    for level in (3.0, 5.0, 7.0):
        ratio = _progress(steep, level=level) / _progress(flat, level=level)
        assert np.isclose(ratio, np.exp(-flat.returns_exponent * 0.5 * (level - 5.0)))
    # so the upper rungs take longer: from 7 a step gains less than from 4
    high, low = _progress(steep, level=7.0), _progress(steep, level=4.0)
    assert high / low < _progress(flat, level=7.0) / _progress(flat, level=4.0)


def _years_to_climb(steepness: float, start: float, rung: float = 0.5) -> float:
    """Years a funded firm takes from ``start`` up one rung, stepping quarters."""
    w = world(
        nodes=[node("a", frontier=9.0, requirement=9.0)],
        actors=[actor("firm", capabilities={"a": start}, talent=400)],
        parameters={"rnd": {"noise": 0.0, "level_steepness": steepness, "depreciation": 0.0}},
    )
    s = w.state
    for quarter in range(400):
        s.actors.cash[0] = 40.0  # the same own R&D every quarter
        rnd.step(s, w.params, rng())
        if s.actors.cap_level[0, 0] >= start + rung:
            return (quarter + 1) * s.dt
    return np.inf


def test_time_between_rungs_grows_up_the_scale_only_with_steepness():
    flat = _years_to_climb(0.0, 6.5) / _years_to_climb(0.0, 4.5)
    steep = _years_to_climb(0.5, 6.5) / _years_to_climb(0.5, 4.5)
    assert steep > 1.5 * flat


def test_reviews_expect_what_money_buys_at_the_lead_s_level():
    # the technical score compares progress with what the money buys a fully able team at
    # the lead's level: the slow-down up the scale is no failure of the team
    def ratio(steepness):
        w = _project_world(listed=False)
        w.state.actors.cap_level[0, 0] = 7.0
        params = params_with(w, rnd={"level_steepness": steepness})
        rnd.step(w.state, params, rng())
        pr = w.state.projects
        return pr.progress[0] / pr.expected[0]

    assert np.isclose(ratio(0.0), ratio(1.0))
