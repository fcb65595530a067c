import numpy as np

from innostate.model.codebook import INSTRUMENT, SOURCE
from innostate.model.mechanisms import talent
from innostate.model.state import add_projects

from factory import actor, rng, world


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
