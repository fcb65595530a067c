import numpy as np

from innostate.model.codebook import MISSION_INSTRUMENTS, SOURCE
from innostate.model.mechanisms import coordination, programmes, top_level_design

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


def _chain_world(**top_level_design):
    """Chokepoints in a chain: 'tool' needs 'material', 'chip' needs 'tool'.

    All three lag their requirement, depend on cut-off foreign supply and are
    equally strategic; only their place in the prerequisite graph differs.
    """
    cut = {"access": 0.0, "foreign_share": 0.9, "initial_level": 1.0}
    w = world(
        nodes=[
            node("material", **cut),
            node("tool", prereqs={"material": 1.0}, **cut),
            node("chip", prereqs={"tool": 1.0}, **cut),
        ],
        actors=[
            actor("firm", capabilities={"material": 1.0, "tool": 1.0, "chip": 1.0}, talent=500),
        ],
        parameters={"top_level_design": top_level_design},
    )
    w.state.nodes.domestic_level[:] = 1.0
    return w


def _mission_money(w) -> np.ndarray:
    """Central mission money each node receives at one call round from a pool of 100."""
    s = w.state
    s.ledger.central_pool = 100.0
    top_level_design.step(s, w.params, rng())
    coordination.step(s, w.params, rng())
    programmes.step(s, w.params, rng())
    flows = s.ledger.node_flows[SOURCE["central"]]
    return np.asarray(flows[list(MISSION_INSTRUMENTS)].sum(axis=0))


def test_readiness_is_the_share_of_prerequisites_met_at_home():
    w = _chain_world()
    n = w.state.nodes
    n.domestic_level[:] = [3.0, 1.0, 1.0]  # material half-way to its requirement of 6
    assert np.allclose(top_level_design.readiness(w.state), [1.0, 0.5, 1.0 / 6.0])


def test_tractability_moves_money_from_nodes_with_missing_prerequisites_to_the_prerequisites():
    # seed: top-level design "defines national mission areas, aligns funding"
    off = _mission_money(_chain_world(tractability_weight=0.0, sequencing=0.0))
    on = _mission_money(_chain_world(tractability_weight=2.0, sequencing=0.0))
    assert np.isclose(off.sum(), on.sum())
    assert on[2] < 0.5 * off[2]  # chip: its tool is 1 of 6 levels
    assert on[0] > off[0]  # material has no prerequisites: fully tractable


def test_sequencing_puts_the_deepest_unmet_prerequisite_first():
    w = _chain_world(sequencing=1.0, tractability_weight=0.0)
    top_level_design.step(w.state, w.params, rng())
    n = w.state.nodes
    assert n.key_task.tolist() == [True, True, True]  # all three on the plan
    assert n.task_weight.tolist() == [1.0, 0.0, 0.0]  # only the material goes first
    unsequenced = _chain_world(sequencing=0.0, tractability_weight=0.0)
    top_level_design.step(unsequenced.state, unsequenced.params, rng())
    assert unsequenced.state.nodes.task_weight.tolist() == [1.0, 1.0, 1.0]


def test_key_tasks_move_up_the_graph_once_their_prerequisites_are_met():
    w = _chain_world(sequencing=1.0)
    s = w.state
    top_level_design.step(s, w.params, rng())
    s.nodes.domestic_level[0] = 6.0  # the material now meets its requirement
    s.step = 8  # 2022: a yearly re-plan inside the 2021-25 plan
    top_level_design.step(s, w.params, rng())
    assert s.nodes.task_weight.tolist() == [1.0, 1.0, 0.0]


def test_the_key_task_bonus_raises_the_sequenced_key_tasks():
    def shares(bonus):
        w = _chain_world(sequencing=1.0, tractability_weight=0.0, key_task_bonus=bonus)
        top_level_design.step(w.state, w.params, rng())
        return w.state.nodes.priority

    plain, boosted = shares(0.0), shares(4.0)
    assert np.isclose(plain[0], plain[1])  # same gap, dependence and threat
    assert boosted[0] > 2 * boosted[1]


def test_the_envelope_grows_with_the_chokepoint_gap_and_enters_through_the_ledger():
    def added(domestic_level, response):
        w = _chain_world(envelope_response=response)
        s = w.state
        s.schedule.budgets[:, SOURCE["central"]] = 10.0
        s.nodes.domestic_level[:] = domestic_level
        s.step = 1  # no crisis, no plan
        top_level_design.step(s, w.params, rng())
        assert np.isclose(s.ledger.central_pool, s.ledger.inflow)
        return s.ledger.central_pool

    far, near = added(1.0, 0.5), added(5.0, 0.5)
    assert np.isclose(far, 0.5 * (5.0 / 6.0) * 10.0)  # every node 5 of 6 levels short
    assert 0 < near < far
    assert added(1.0, 0.0) == 0.0
    assert added(6.0, 0.5) == 0.0  # requirement met: no chokepoint left


def _mission_world(mission_weight: float):
    """A flagship mission with no foreign dependence next to a cut-off chokepoint.

    'lunar' is made at home (no foreign share, no exposure) and named by a plan;
    'chip' depends on a cut-off foreign supply. Both lag their requirement equally.
    """
    w = world(
        nodes=[
            node("lunar", area="space", foreign_share=0.0, exposure=0.0, mission=True),
            node("chip", access=0.0, foreign_share=0.9),
        ],
        actors=[actor("firm", capabilities={"lunar": 4.0, "chip": 4.0})],
        parameters={"top_level_design": {"mission_weight": mission_weight}},
    )
    w.state.nodes.domestic_level[:] = 4.0
    return w


def test_a_flagship_mission_gets_money_without_foreign_dependence():
    # seed, "Track Record of Delivery": the lunar missions, BeiDou, the C919 and deep-sea
    # exploration are credited to the system; none of them was a foreign chokepoint
    def lunar_money(weight):
        money = _mission_money(_mission_world(weight))
        return money[0] / money.sum()

    none, some, more = lunar_money(0.0), lunar_money(3.0), lunar_money(10.0)
    assert none < some < more
    assert more > 2 * none


def test_mission_weight_leaves_nodes_no_plan_names_alone():
    def shares(weight):
        w = _mission_world(weight)
        w.state.nodes.mission[:] = False
        top_level_design.step(w.state, w.params, rng())
        return w.state.nodes.priority

    assert np.allclose(shares(0.0), shares(10.0))
