"""Regional clusters: a lead in a region holding much of a node's capability works better."""

import numpy as np

from innostate.model.codebook import INSTRUMENT, SOURCE
from innostate.model.mechanisms import coordination, rnd
from innostate.model.state import add_projects

from factory import actor, node, rng, world


def _progress(cluster_bonus: float) -> float:
    """Progress of a project led in the north, where all the node's capability is."""
    w = world(
        nodes=[node("a")],
        actors=[
            actor("lead", capabilities={"a": 4.0}, talent=500.0, region="north"),
            actor("neighbour", capabilities={"a": 4.0}, region="north"),
        ],
        parameters={"local_governments": {"cluster_bonus": cluster_bonus}, "rnd": {"noise": 0.0}},
    )
    coordination.step(w.state, w.params, rng())  # builds the regional capability mass
    add_projects(
        w.state,
        np.array([0]),
        np.array([0]),
        INSTRUMENT["directive"],
        np.array([4.0]),
        SOURCE["central"],
        4,
        np.array([1.0]),
    )
    rnd.step(w.state, w.params, rng())
    return float(w.state.projects.progress[0])


def test_the_cluster_bonus_speeds_up_projects_in_a_strong_regional_cluster():
    # seed: "local governments and regional clusters", subnational implementers
    plain, clustered = _progress(0.0), _progress(2.0)
    assert plain > 0
    assert np.isclose(clustered, 3.0 * plain)  # 1 + bonus x the region's whole share
