"""The answers come from the model, not from how a run is set up.

On ``prc-2019`` the headline indicators (self-reliance at the end, nodes meeting their
requirement, breakthroughs) must agree within seed noise across the population scale,
the number of steps a year, how often calls are issued and how long projects run.

Tolerances, from ``bench/invariance.py`` (3 seeds per setting): the seed standard
deviation of the end self-reliance is about 0.01 and of the nodes met about 1, so the
difference of two means over 3 seeds has a standard deviation of about 0.008 and 0.8.
The tests allow about three of those: 0.025 in self-reliance, 2.5 nodes and 2.5
breakthroughs between any two settings. Before the invariance work the same settings
moved the answers by 6.5 nodes (scale 0.01 to 0.2), 21 nodes (2 to 12 steps a year)
and 15 nodes (calls every quarter to every three years).
"""

from __future__ import annotations

from functools import cache
from itertools import combinations

import numpy as np
import pytest

from innostate import simulate
from innostate.scenario.load import load_scenario
from innostate.scenario.schema import Scenario

SEEDS = (1, 2, 3)
TOLERANCE = {
    "self_reliance_end": 0.025,
    "nodes_meeting_requirement_end": 2.5,
    "breakthroughs": 2.5,
}


@cache
def national(scale: float, steps_per_year: int = 4) -> Scenario:
    scenario = load_scenario("prc-2019").model_copy(update={"population_scale": scale})
    calendar = scenario.calendar.model_copy(update={"steps_per_year": steps_per_year})
    return scenario.model_copy(update={"calendar": calendar})


def headline(scenario: Scenario, settings: tuple[tuple[str, float], ...] = ()) -> dict:
    """Mean of the headline indicators over the seeds."""
    runs = [simulate(scenario, seed=seed, settings=dict(settings)).summary for seed in SEEDS]
    return {k: float(np.mean([run[k] for run in runs])) for k in TOLERANCE}


def assert_agree(results: dict[str, dict]) -> None:
    for (a, ha), (b, hb) in combinations(results.items(), 2):
        for k, tolerance in TOLERANCE.items():
            assert abs(ha[k] - hb[k]) <= tolerance, (k, a, ha[k], b, hb[k])


@pytest.mark.slow
def test_population_scale_does_not_change_the_answer():
    assert_agree({f"scale {s}": headline(national(s)) for s in (0.02, 0.1, 0.5)})


@pytest.mark.slow
def test_step_length_does_not_change_the_answer():
    assert_agree({f"{n} steps/year": headline(national(0.02, n)) for n in (2, 4, 12)})


@pytest.mark.slow
def test_call_rhythm_and_project_length_do_not_change_the_answer():
    base = national(0.02)
    settings = {
        "calls every half year": (("programmes.call_interval_years", 0.5),),
        "yearly calls, 3-year projects": (),
        "calls every 2 years": (("programmes.call_interval_years", 2.0),),
        "2-year projects": (("programmes.project_duration_years", 2.0),),
        "4-year projects": (("programmes.project_duration_years", 4.0),),
    }
    assert_agree({name: headline(base, s) for name, s in settings.items()})
