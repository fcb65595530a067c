import numpy as np

from innostate.model.codebook import INSTRUMENT, SOURCE
from innostate.model.mechanisms import talent
from innostate.model.state import add_projects

from factory import actor, node, rng, world


def _world():
    w = world(
        actors=[
            actor("uni", kind="university", talent=1000.0),
            actor("funded", capabilities={"a": 4.0}, talent=100.0),
            actor("idle", capabilities={"a": 4.0}, talent=100.0),
        ]
    )
    add_projects(
        w.state,
        np.array([0]),
        np.array([1]),
        INSTRUMENT["directive"],
        np.array([1.0]),
        SOURCE["central"],
        12,
        np.array([1.0]),
    )
    w.state.projects.spent[0] = 0.5
    return w


def test_new_researchers_go_mostly_where_funded_projects_hire():
    w = _world()
    talent.step(w.state, w.params, rng())
    staff = w.state.actors.talent
    assert staff[1] > staff[2] + 10


def test_containment_of_talent_flows_cuts_returnees():
    open_, closed = _world(), _world()
    closed.state.talent_access = 0.0
    for w in (open_, closed):
        talent.step(w.state, w.params, rng())
    assert closed.state.actors.talent.sum() < open_.state.actors.talent.sum()


def _key_task_world(talent_programs: float):
    """Two funded teams of equal size and spending; only node 'key' is a key task now."""
    w = world(
        nodes=[node("key"), node("other")],
        actors=[
            actor("uni", kind="university", talent=1000.0),
            actor("on_key", capabilities={"key": 4.0}, talent=100.0),
            actor("off_key", capabilities={"other": 4.0}, talent=100.0),
        ],
        regime={"talent_programs": talent_programs},
    )
    add_projects(
        w.state,
        np.array([0, 1]),
        np.array([1, 2]),
        INSTRUMENT["directive"],
        np.array([1.0, 1.0]),
        SOURCE["central"],
        12,
        np.array([1.0, 1.0]),
    )
    w.state.projects.spent[:2] = 0.5
    w.state.nodes.task_weight[:] = [1.0, 0.0]
    return w


def test_talent_programmes_send_returnees_to_teams_on_key_tasks():
    # seed: "talent incentives" among the system's institutional tools
    def gap(programmes):
        w = _key_task_world(programmes)
        talent.step(w.state, w.params, rng())
        staff = w.state.actors.talent
        return staff[1] - staff[2]

    assert np.isclose(gap(0.0), 0.0)  # graduates follow spending alone
    returnees = 0.01 * 1.0 * 1200.0 * 0.25  # returnee_rate x programmes x staff x dt
    # all returnees join the key-task team (the rest of the flow adds a little by staff)
    assert np.isclose(gap(1.0), returnees, rtol=0.05)
