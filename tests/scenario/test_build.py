import numpy as np

from innostate.scenario.build import budget_path, build
from innostate.scenario.calendar import step_index, step_label
from innostate.scenario.load import load_scenario
from innostate.scenario.schema import Budget


def test_calendar_maps_dates_to_steps_and_labels():
    assert step_index("2019Q1", "2022-10-07", 4) == 15
    assert step_label("2019Q1", 15, 4) == "2022Q4"
    assert step_label("2019Q1", 13, 12) == "2020-02"


def test_budget_paths_interpolate_then_grow():
    path = budget_path(Budget(values={2020: 40, 2022: 80}, growth_after=0.1), "2020Q1", 16, 4)
    assert np.isclose(path[0], 10) and np.isclose(path[4], 15) and np.isclose(path[8], 20)
    assert np.isclose(path[12] * 4, 80 * 1.1)


def test_population_scale_and_seed_shape_the_synthetic_population():
    tiny = load_scenario("tiny")
    full = build(tiny)
    half = build(tiny.model_copy(update={"population_scale": 0.5}))
    # firms halve; universities and institutes keep rows on each of their nodes; VCs halve
    assert (full.state.actors.count, half.state.actors.count) == (19 + 41, 19 + 15 + 5 + 3 + 2)
    # the rows stand for every real actor at any scale
    for w in (full, half):
        assert np.isclose(w.state.actors.weight.sum(), 19 + 41)
    again = build(tiny)
    assert np.array_equal(full.state.actors.cap_level, again.state.actors.cap_level)
    other = build(tiny, seed=99)
    assert not np.array_equal(full.state.actors.cap_level, other.state.actors.cap_level)
    assert full.actor_ids[:3] == ["central", "st_commission", "most"]
