"""The production function: one per actor, node and step, whatever the project split."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from innostate.model.codebook import INSTRUMENT, SOURCE
from innostate.model.mechanisms import rnd
from innostate.model.params import RndParams, per_step, steps_in
from innostate.model.production import noise, promised
from innostate.model.state import add_projects

from factory import actor, node, rng, world


def _gain_from_split(parts: list[float], noise_sigma: float = 0.3):
    """Level gained by one lead whose step money is split over ``len(parts)`` projects."""
    w = world(
        nodes=[node("a")],
        actors=[actor("lead", capabilities={"a": 4.0}, talent=400)],
        parameters={"rnd": {"noise": noise_sigma}},
    )
    s = w.state
    budgets = np.asarray(parts) * 12  # 12 steps: each project spends 1/12 of it now
    rows = add_projects(
        s,
        np.zeros(len(parts), dtype=np.int64),
        np.zeros(len(parts), dtype=np.int64),
        INSTRUMENT["directive"],
        budgets,
        SOURCE["central"],
        12,
        np.ones(len(parts)),
    )
    rnd.step(s, w.params, rng(5))
    return s.actors.cap_level[0, 0] - 4.0, s.projects.progress[rows], s.projects.expected[rows]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(min_value=0.01, max_value=5.0), min_size=1, max_size=12),
    st.floats(min_value=0.0, max_value=1.0),
)
def test_splitting_money_into_projects_leaves_progress_unchanged(parts, sigma):
    whole, _, whole_expected = _gain_from_split([sum(parts)], sigma)
    split, credited, expected = _gain_from_split(parts, sigma)
    assert np.isclose(split, whole, rtol=1e-9)
    # the gain is credited to the projects by money share
    assert np.isclose(credited.sum(), split, rtol=1e-9)
    assert np.allclose(credited / credited.sum(), np.asarray(parts) / sum(parts))
    # and reviews see the same verdict: what was expected is shared the same way
    assert np.isclose(expected.sum(), whole_expected[0], rtol=1e-9)
    assert np.allclose(credited / expected, split / whole_expected[0])


def test_rates_per_year_compound_to_the_same_year_at_any_step_length():
    for rate in (0.1, 0.5, 0.9):
        for dt in (1 / 12, 0.25, 0.5, 1.0):
            kept = (1 - per_step(rate, dt)) ** round(1 / dt)
            assert np.isclose(kept, 1 - rate)
    assert steps_in(1.0, 0.25) == 4 and steps_in(3.0, 1 / 12) == 36 and steps_in(0.1, 0.5) == 1


def test_progress_noise_has_mean_one_and_the_same_yearly_spread_at_any_step_length():
    rp = RndParams(noise=0.3)
    generator = np.random.default_rng(0)
    spreads = []
    for dt in (1 / 12, 0.25, 0.5):
        steps = round(1 / dt)
        draws = noise(generator, rp, dt, 200_000 * steps).reshape(-1, steps)
        assert abs(draws.mean() - 1.0) < 0.01
        yearly = draws.mean(axis=1)  # equal money every step: a year is the mean of its steps
        spreads.append(yearly.std())
    assert np.allclose(spreads, np.sqrt(np.expm1(0.3**2)), rtol=0.03)


def test_what_a_call_promises_does_not_depend_on_the_step_length():
    w = world()
    node_ = np.array([0])
    budget = np.array([30.0])
    years = promised(w.state, w.params, node_, budget, 3.0)
    assert years[0] > 0
    assert np.isclose(promised(w.state, w.params, node_, budget * 2, 6.0)[0], 2 * years[0])
