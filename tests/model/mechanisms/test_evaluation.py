import numpy as np

from innostate.model.codebook import INSTRUMENT, SOURCE, STATUS
from innostate.model.mechanisms import adoption, evaluation
from innostate.model.records import Records, record
from innostate.model.state import add_projects

from factory import actor, node, rng, world


def _prototype(application_weight: float, usable: float = 1.0):
    """A project on track technically whose result has no users (no uptake)."""
    w = world(
        actors=[actor("lab", kind="research_institute", capabilities={"a": 4.0})],
        regime={
            "evaluation_weights": {
                "technical": 1 - application_weight,
                "application": application_weight,
            },
            "monitoring": 1.0,
        },
        parameters={"evaluation": {"cut_threshold": 0.6}},
    )
    s = w.state
    add_projects(
        s,
        np.array([0]),
        np.array([0]),
        INSTRUMENT["directive"],
        np.array([8.0]),
        SOURCE["central"],
        12,
        np.array([1.2]),
    )
    p = s.projects
    s.step = p.next_review[0] = 3
    p.progress[0], p.spent[0], p.budget[0] = 0.4, 2.0, 6.0
    p.expected[0] = 0.3  # 0.4 achieved of 0.3 due: on track
    p.base_usable[0] = usable  # how usable the node's domestic supply was at the start
    evaluation.step(s, w.params, rng())
    return w


def test_application_weight_decides_the_fate_of_a_prototype_without_users():
    kept, cut = _prototype(0.0), _prototype(0.5)
    assert kept.state.projects.status[0] == STATUS["active"]
    assert cut.state.projects.status[0] == STATUS["cut"]
    assert np.isclose(cut.state.ledger.central_pool, 6.0)  # unspent money returns to the pool
    assert cut.state.projects.budget[0] == 0.0


def test_no_sales_are_asked_of_a_node_whose_domestic_supply_is_unusable():
    # users cannot adopt what is far below the requirement: technical progress alone counts
    kept = _prototype(1.0, usable=0.0)
    assert kept.state.projects.status[0] == STATUS["active"]
    assert kept.state.projects.reported_score[0] == 1.0


def test_horse_race_keeps_only_the_best_team_at_review():
    w = world(
        actors=[actor(f"t{i}", capabilities={"a": 4.0}) for i in range(3)],
        regime={"monitoring": 1.0},
    )
    s = w.state
    rows = add_projects(
        s,
        np.zeros(3, dtype=np.int64),
        np.arange(3),
        INSTRUMENT["horse_race"],
        np.full(3, 3.0),
        SOURCE["central"],
        12,
        np.full(3, 1.2),
    )
    p = s.projects
    p.race[rows], p.next_review[rows], s.step = 7, 3, 3
    p.progress[rows] = [0.35, 0.5, 0.4]
    p.expected[rows] = 0.4
    p.spent[rows], p.revenue[rows] = 1.0, 1.0
    evaluation.step(s, w.params, rng())
    assert p.status[rows].tolist() == [STATUS["cut"], STATUS["active"], STATUS["cut"]]
    assert (p.race[rows] == -1).all()


def test_misreporting_shrinks_with_monitoring():
    def bias(monitoring):
        w = world(actors=[actor("x", capabilities={"a": 4.0})], regime={"monitoring": monitoring})
        s = w.state
        rows = add_projects(
            s,
            np.zeros(50, dtype=np.int64),
            np.zeros(50, dtype=np.int64),
            INSTRUMENT["directive"],
            np.ones(50),
            SOURCE["central"],
            12,
            np.ones(50),
        )
        s.step = 3
        s.projects.next_review[rows] = 3
        evaluation.step(s, w.params, rng())
        p = s.projects
        return float((p.reported_score[rows] - 0).mean())  # true score is 0: no progress

    assert bias(0.0) > 0.15 and bias(1.0) == 0.0


def _equity_world(technical=0.5, ip=0.6):
    """A firm selling on node a (the only supplier: traction 1), a VC fund and a guidance fund."""
    w = world(
        actors=[
            actor("firm", capabilities={"a": 5.0}),
            actor("vc", kind="vc_fund"),
            actor("gf", kind="guidance_fund"),
            actor("idle", capabilities={"a": 5.0}),
        ],
        regime={
            "evaluation_weights": {"technical": technical, "application": 1 - technical},
            "ip_appropriability": ip,
        },
    )
    w.state.actors.slot_revenue[0, 0] = 2.0
    return w


def _deal(s, lead, progress, expected, end=7, budget=0.0):
    row = add_projects(
        s,
        np.array([0]),
        np.array([lead]),
        INSTRUMENT["vc_backed"],
        np.array([1.0]),
        SOURCE["vc"],
        end + 1,
        np.array([0.5]),
    )[0]
    p = s.projects
    p.investor[row], p.progress[row], p.expected[row] = 1, progress, expected
    p.spent[row], p.budget[row] = 1.0 - budget, budget
    return row


def _exit_value(w, progress, ip):
    n = w.state.nodes
    open_sales = n.market_size[0] * (1 - n.domestic_share[0])
    return ip * w.params.finance.exit_multiple * open_sales * progress / n.frontier[0]


def test_equity_exits_pay_the_market_value_created_not_the_evaluation_score():
    paid = {}
    for technical, ip in ((1.0, 0.6), (0.0, 0.6), (1.0, 0.3)):
        w = _equity_world(technical, ip)
        s = w.state
        _deal(s, 0, progress=0.3, expected=0.5)
        s.step = 7
        evaluation.step(s, w.params, rng())
        paid[technical, ip] = s.actors.cash[1]
        assert s.projects.status[0] == STATUS["completed"]
        assert np.isclose(s.ledger.inflow, paid[technical, ip])  # outside money
    assert np.isclose(paid[1.0, 0.6], _exit_value(w, 0.3, 0.6)) and paid[1.0, 0.6] > 0
    assert paid[1.0, 0.6] == paid[0.0, 0.6]  # the government's weights play no part
    assert np.isclose(paid[1.0, 0.3], 0.5 * paid[1.0, 0.6])  # appropriability does


def test_investors_stop_failing_equity_projects_whatever_the_evaluation_weights():
    for technical in (1.0, 0.0):
        w = _equity_world(technical)
        s = w.state
        on_track = _deal(s, 0, progress=0.4, expected=0.5, budget=0.5)
        failing = _deal(s, 0, progress=0.02, expected=0.5, budget=0.5)
        no_sales = _deal(s, 3, progress=0.5, expected=0.5, budget=0.5)  # a product nobody buys
        s.step = 3
        s.projects.next_review[[on_track, failing, no_sales]] = 3
        evaluation.step(s, w.params, rng())
        p = s.projects
        assert p.status[on_track] == STATUS["active"]
        assert p.status[[failing, no_sales]].tolist() == [STATUS["cut"]] * 2
        assert np.isclose(s.actors.cash[1], 2 * 0.5)  # unspent money back to the fund
        assert s.ledger.inflow == 0.0  # a stopped deal has no exit
        assert p.next_review[on_track] > 3  # reviewed again at the next interval


def test_completed_mission_projects_pay_the_guidance_stake():
    w = _equity_world()
    s = w.state
    row = add_projects(
        s,
        np.array([0]),
        np.array([0]),
        INSTRUMENT["directive"],
        np.array([4.0]),
        SOURCE["central"],
        8,
        np.array([0.5]),
    )[0]
    p = s.projects
    p.funding[row, SOURCE["guidance_fund"]] = 1.0  # guidance equity: a fifth of the money
    p.investor[row], p.progress[row], p.expected[row], p.spent[row] = 2, 0.2, 1.0, 5.0
    p.budget[row] = 0.0
    s.step = 7
    evaluation.step(s, w.params, rng())
    assert p.status[row] == STATUS["completed"]
    assert np.isclose(s.actors.cash[2], _exit_value(w, 0.2, 0.6) / 5)


def test_breakthroughs_are_credited_to_the_equity_project_that_made_them():
    w = _equity_world()
    s = w.state
    row = _deal(s, 0, progress=1.5, expected=0.5, end=20, budget=0.5)
    s.actors.cap_level[0, 0] = 6.5  # requirement 6
    s.nodes.domestic_level[0] = 6.5
    rec = Records.allocate(s.schedule.steps, s.nodes.count)
    record(s, rec, 0.0)
    assert rec.breakthroughs == [(0, 0, int(row), 0)]


def _reviewed(lead: str, actors: list, adopt: dict[str, float], progress: float):
    """Start a directive project, let adoption see ``adopt`` levels, review after a year.

    ``adopt`` maps actors to the level they hold on the node from step 1 on (what
    the project's R&D, or a licence of its result, gave them).
    """
    w = world(
        nodes=[node("a", requirement=6.0, market_size=40.0, foreign_share=0.8)],
        actors=actors,
        regime={"evaluation_weights": {"technical": 0.0, "application": 1.0}, "monitoring": 1.0},
    )
    s = w.state
    ids = w.actor_ids
    rows = add_projects(
        s,
        np.array([0]),
        np.array([ids.index(lead)]),
        INSTRUMENT["directive"],
        np.array([2.0]),
        SOURCE["central"],
        12,
        np.array([1.0]),
    )
    p = s.projects
    for t in range(5):
        s.step = t
        if t == 1:
            for who, level in adopt.items():
                s.actors.cap_level[ids.index(who), 0] = level
            p.progress[rows] = progress
        p.spent[rows] += 0.05
        adoption.step(s, w.params, rng())
    p.next_review[rows] = 4
    evaluation.step(s, w.params, rng())
    return p.app_score[0], p.revenue[0]


def test_a_research_result_that_firms_adopt_scores_well_on_application():
    actors = [
        actor("lab", kind="research_institute", capabilities={"a": 5.0}),
        actor("firm", capabilities={"a": 4.5}),
    ]
    # the lab's project lifts it to 6; the node's leading firm licenses it up to 5.8
    adopted, _ = _reviewed("lab", actors, {"lab": 6.0, "firm": 5.8}, progress=1.0)
    not_adopted, _ = _reviewed("lab", actors, {"lab": 6.0}, progress=1.0)
    assert adopted > 0.9
    assert not_adopted == 0.0


def test_an_incumbent_project_that_adds_nothing_scores_nothing_on_application():
    actors = [actor("incumbent", kind="soe", capabilities={"a": 7.0})]
    app, revenue = _reviewed("incumbent", actors, {}, progress=0.0)
    assert revenue > 5.0  # it sells a lot: the old rule scored it 1 on existing sales
    assert app == 0.0
    # the same incumbent whose project does move it ahead earns its added sales
    gained, _ = _reviewed("incumbent", actors, {"incumbent": 7.8}, progress=0.8)
    assert gained > 0.9
