import numpy as np
import pytest

from innostate.scenario.build import (
    Labels,
    budget_path,
    build,
    gumbel_top_k,
    population_talent,
    rd_performers,
)
from innostate.scenario.calendar import step_index, step_label
from innostate.scenario.load import load_scenario
from innostate.scenario.schema import Budget, Population


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


def test_rd_performers_are_the_largest_rows_up_to_the_share_by_weight():
    size = np.array([5.0, 1.0, 3.0, 2.0, 4.0])
    weight = np.array([1.0, 10.0, 1.0, 10.0, 1.0])  # 23 real actors
    # by size the rows' weight midpoints are 0.5, 1.5, 2.5, 8 and 18 real actors:
    # 0.2 x 23 = 4.6 takes the three largest, 0.4 x 23 = 9.2 the size-2 row as well
    assert rd_performers(size, weight, 0.2).tolist() == [True, False, True, False, True]
    assert rd_performers(size, weight, 0.4).tolist() == [True, False, True, True, True]
    assert not rd_performers(size, weight, 0.0).any()
    assert rd_performers(size, weight, 1.0).all()


def test_population_researchers_go_to_performers_and_keep_their_total():
    pop = Population(kind="private_firm", count=23, talent_mean=50.0, rd_performer_share=0.4)
    size = np.array([5.0, 1.0, 3.0, 2.0, 4.0])
    weight = np.array([1.0, 10.0, 1.0, 10.0, 1.0])
    talent = population_talent(pop, size, weight)
    assert talent[1] == 0.0 and (talent[[0, 2, 3, 4]] > 0).all()
    assert np.dot(talent, weight) == pytest.approx(50.0 * 0.4 * 23)
    assert talent[0] / talent[2] == pytest.approx(5.0 / 3.0)  # in proportion to size
    # every actor performing (the default) is talent_mean x size
    everyone = pop.model_copy(update={"rd_performer_share": 1.0})
    assert np.array_equal(population_talent(everyone, size, weight), 50.0 * size)
    nobody = pop.model_copy(update={"rd_performer_share": 0.0})
    assert not population_talent(nobody, size, weight).any()


@pytest.mark.parametrize("case", range(12))
def test_gumbel_top_k_picks_what_numpy_gumbel_keys_pick(case):
    """The compiled loop, skipping uniforms that cannot enter, picks the nodes of the
    plain formulation: the k largest of log_weight + rng.gumbel(), from the same stream."""
    setup = np.random.default_rng(case)
    j = int(setup.integers(2, 60))
    k = int(setup.integers(1, min(j, 5) + 1))
    if case % 3 == 0:  # few distinct weights, as from a scenario's market sizes
        log_weight = np.log(setup.choice([3.0, 12.0, 40.0, 120.0, 400.0], j))
    else:
        log_weight = setup.normal(0.0, 1.0 + case, j)
    if case % 2 == 0:  # nodes outside a population's areas
        ok = setup.random(j) < 0.5
        ok[setup.permutation(j)[:k]] = True
        log_weight = np.where(ok, log_weight, -np.inf)
    picked = gumbel_top_k(np.random.default_rng(case), log_weight, 2000, k)
    keys = log_weight + np.random.default_rng(case).gumbel(size=(2000, j))
    expected = np.sort(np.argsort(-keys, axis=1, kind="stable")[:, :k], axis=1)
    assert np.array_equal(picked, expected)


def test_labels_behave_as_the_list_of_every_label():
    labels = Labels(["a", "x 1", "a"], [("x ", 1, 3), ("y-1-", 0, 2), ("x ", 1, 2)])
    full = ["a", "x 1", "a", "x 1", "x 2", "x 3", "y-1-0", "y-1-1", "x 1", "x 2"]
    assert list(labels) == full and len(labels) == len(full) and labels == full
    assert [labels[i] for i in range(-len(full), len(full))] == full + full
    assert labels[1:8:3] == full[1:8:3] and labels[np.int64(6)] == "y-1-0"
    assert all(labels.index(label) == full.index(label) for label in full)
    assert all(label not in labels for label in ["x 0", "x 4", "x 01", "y-1-2", "y-1-", 3])
    assert labels.to_arrow().to_pylist() == full
    with pytest.raises(IndexError):
        labels[len(full)]
