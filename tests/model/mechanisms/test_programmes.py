import numpy as np

from innostate.model.codebook import INSTRUMENT, SOURCE
from innostate.model.mechanisms import programmes

from factory import actor, node, rng, world

ACTORS = [
    actor(
        "national_team", kind="soe", strategic_force=True, alignment=1.0, capabilities={"a": 3.0}
    ),
    actor("private_star", kind="private_firm", alignment=0.2, capabilities={"a": 6.0}),
    actor("private_mid", kind="private_firm", alignment=0.2, capabilities={"a": 5.0}),
    actor("uni", kind="university", capabilities={"a": 2.0}),
]


def _run(mix: dict[str, float], **regime):
    w = world(
        nodes=[node("a")],
        actors=ACTORS,
        regime={"instrument_mix": mix, **regime},
        parameters={"programmes": {"selection_noise": 0.0}},
    )
    w.state.ledger.central_pool = 10.0
    programmes.step(w.state, w.params, rng())
    p = w.state.projects
    return w, [w.actor_ids[i] for i in p.lead[: p.count]], p


ONLY = {k: 0.0 for k in ("directive", "open_competition", "horse_race", "basic_grant", "services")}


def test_open_competition_picks_the_most_capable_bidder_whatever_its_ownership():
    _, leads, p = _run({**ONLY, "open_competition": 1.0}, private_participation=1.0)
    assert leads == ["private_star"]
    assert p.instrument[0] == INSTRUMENT["open_competition"]
    assert np.isclose(p.funding[0, SOURCE["central"]], 10.0)


def test_directive_under_high_directive_selection_picks_the_national_team():
    _, leads, _ = _run({**ONLY, "directive": 1.0}, directive_selection=1.0)
    assert leads == ["national_team"]


def test_directive_on_capability_alone_still_excludes_ordinary_private_firms():
    _, leads, _ = _run({**ONLY, "directive": 1.0}, directive_selection=0.0)
    assert leads == ["national_team"]  # the only state actor or strategic force able to lead


def test_no_private_participation_shuts_private_firms_out_of_open_calls():
    _, leads, _ = _run({**ONLY, "open_competition": 1.0}, private_participation=0.0)
    assert leads == ["national_team"]


def test_horse_race_funds_several_teams_in_one_race():
    _w, leads, p = _run({**ONLY, "horse_race": 1.0}, private_participation=1.0)
    assert sorted(leads) == ["national_team", "private_mid", "private_star"]
    assert len(set(p.race[: p.count])) == 1 and p.race[0] >= 0
    assert np.allclose(p.budget[: p.count], 10.0 / 3)


def test_basic_grants_go_to_research_organisations():
    w, leads, _ = _run({**ONLY, "basic_grant": 1.0})
    assert leads == ["uni"]
    assert w.state.ledger.central_pool == 0.0


def test_services_build_platform_stock_and_are_spent_at_once():
    w, leads, _ = _run({**ONLY, "services": 1.0})
    assert leads == []
    assert w.state.nodes.services[0] > 0
    assert np.isclose(w.state.ledger.outflow, 10.0)


def test_calls_only_at_call_rounds():
    w = world(nodes=[node("a")], actors=ACTORS)
    w.state.ledger.central_pool, w.state.step = 10.0, 1
    programmes.step(w.state, w.params, rng())
    assert w.state.projects.count == 0 and w.state.ledger.central_pool == 10.0


def _open_call(actors, reputation=None, **parameters):
    w = world(
        nodes=[node("a")],
        actors=actors,
        regime={"instrument_mix": {**ONLY, "open_competition": 1.0}, "private_participation": 1.0},
        parameters={
            **parameters,
            "programmes": {"selection_noise": 0.0, **parameters.get("programmes", {})},
        },
    )
    if reputation is not None:
        w.state.actors.reputation[:] = reputation  # earned at reviews
    w.state.ledger.central_pool = 10.0
    programmes.step(w.state, w.params, rng())
    return w.actor_ids[w.state.projects.lead[0]]


def test_selection_ranks_on_talent_not_on_capability_alone():
    actors = [
        actor("tiny_star", capabilities={"a": 6.0}, talent=8),  # talent factor 0.04
        actor("staffed", capabilities={"a": 4.0}, talent=400),  # talent factor 0.67
    ]
    assert _open_call(actors) == "staffed"
    # with talent saturating at a handful of researchers, capability decides again
    assert _open_call(actors, rnd={"talent_half": 1}) == "tiny_star"


def test_selection_rewards_a_good_review_record():
    actors = [actor("proven", capabilities={"a": 5.0}), actor("failed", capabilities={"a": 5.5})]
    assert _open_call(actors, [0.9, 0.1]) == "proven"
    assert _open_call(actors, [0.9, 0.1], programmes={"reputation_weight": 0.0}) == "failed"
