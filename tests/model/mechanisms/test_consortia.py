from innostate.model.codebook import INSTRUMENT, SOURCE
from innostate.model.mechanisms import consortia
from innostate.model.state import add_projects

from factory import actor, node, rng, world


def _world(coordination: float, partner_kind: str = "soe"):
    w = world(
        nodes=[
            node("litho", requirement=6.0),
            node("resist", requirement=6.0),
            node("chip", prereqs={"litho": 0.7, "resist": 0.3}),
        ],
        actors=[
            actor("lead", kind="private_firm", capabilities={"chip": 5.0}),
            actor("litho_maker", kind=partner_kind, capabilities={"litho": 6.0}, alignment=0.9),
            actor("weak_litho", kind="private_firm", capabilities={"litho": 1.0}),
            actor(
                "resist_lab", kind="research_institute", capabilities={"resist": 5.5}, alignment=0.9
            ),
        ],
        regime={"coordination": coordination},
        # partners value the market enough to join across silos even without coordination
        parameters={"consortia": {"market_return_weight": 1.0}},
    )
    import numpy as np

    add_projects(
        w.state,
        np.array([2]),
        np.array([0]),
        INSTRUMENT["open_competition"],
        np.array([5.0]),
        SOURCE["central"],
        12,
        np.array([1.0]),
    )
    return w


def test_lead_recruits_partners_covering_the_prerequisites_it_lacks():
    w = _world(coordination=0.9)
    consortia.step(w.state, w.params, rng())
    members = [w.actor_ids[m] for m in w.state.projects.members[0] if m >= 0]
    assert members == ["litho_maker", "resist_lab"]  # heaviest prerequisite first


def test_silo_crossing_costs_efficiency_that_coordination_reduces():
    low, high = _world(coordination=0.0), _world(coordination=1.0)
    for w in (low, high):
        consortia.step(w.state, w.params, rng())
    assert low.state.projects.efficiency[0] < high.state.projects.efficiency[0] < 1.0


def test_no_recruitment_when_the_lead_already_covers_prerequisites():
    w = world(
        nodes=[node("litho"), node("chip", prereqs={"litho": 1.0})],
        actors=[
            actor("lead", capabilities={"chip": 5.0, "litho": 6.0}),
            actor("other", kind="soe", capabilities={"litho": 7.0}),
        ],
    )
    import numpy as np

    add_projects(
        w.state,
        np.array([1]),
        np.array([0]),
        INSTRUMENT["directive"],
        np.array([1.0]),
        SOURCE["central"],
        12,
        np.array([1.0]),
    )
    consortia.step(w.state, w.params, rng())
    assert (w.state.projects.members[0] < 0).all()
    assert w.state.projects.efficiency[0] == 1.0
