"""`--set` reaching scenario inputs by dotted path, checked like a file."""

import pytest

from innostate import ScenarioError, load_scenario
from innostate.experiments.run import resolve, simulate
from innostate.scenario.override import split_settings


@pytest.fixture(scope="module")
def tiny():
    return load_scenario("tiny")


def refused(scenario, settings):
    with pytest.raises(ScenarioError) as info:
        split_settings(scenario, settings)
    return info.value.problems


def test_scenario_inputs_are_set_and_parameters_returned(tiny):
    settings = {
        "budgets.central.growth_after": 0.1,
        "budgets.central.values.2027": 900,
        "nodes.logic_chip.difficulty": 200,
        "containment.rules_2022.nodes.eda": 0.9,
        "actors.champion.cash": 5,
        "populations.0.count": 7,
        "population_scale": 0.05,
        "regime.alignment": 0.5,
        "rnd.productivity": 1.5,
    }
    changed, params = split_settings(tiny, settings)
    assert params == {"regime.alignment": 0.5, "rnd.productivity": 1.5}
    assert changed.budgets["central"].growth_after == 0.1
    assert changed.budgets["central"].values[2027] == 900.0
    assert next(n for n in changed.nodes if n.id == "logic_chip").difficulty == 200
    assert next(e for e in changed.containment if e.id == "rules_2022").nodes["eda"] == 0.9
    assert next(a for a in changed.actors if a.id == "champion").cash == 5
    assert changed.populations[0].count == 7 and isinstance(changed.populations[0].count, int)
    assert changed.population_scale == 0.05
    assert tiny.budgets["central"].growth_after != 0.1  # the loaded scenario is untouched


@pytest.mark.parametrize(
    ("settings", "path", "message", "fix"),
    [
        (
            {"budgets.central.values.2019": -5},
            "budgets.central.values.2019",
            "negative budget -5",
            ">= 0",
        ),
        ({"budgets.central.growth_after": float("nan")}, "", "not a finite number", "finite"),
        (
            {"nodes.logic_chip.difficulty": 0},
            "nodes.logic_chip.difficulty",
            "out of range",
            ">= 0.01",
        ),
        ({"population_scale": 50}, "population_scale", "out of range", "<= 10"),
        (
            {"nodes.logic_chp.difficulty": 2},
            "",
            "unknown id 'nodes.logic_chp'",
            "'nodes.logic_chip",
        ),
        ({"budget.central.share": 0.1}, "", "unknown parameter or scenario", "'budgets.central.sh"),
        ({"regime.alignmen": 0.3}, "", "unknown parameter", "did you mean 'regime.alignment'?"),
        ({"nodes.eda.dificulty": 3}, "", "unknown", "did you mean 'nodes.eda.difficulty'?"),
        ({"budgets.central": 1}, "", "holds a mapping, not a number", "growth_after"),
        ({"seed.x": 1}, "", "single value", "--set seed=VALUE"),
        ({"populations.99.count": 1}, "", "addressed by position", "from 0 to"),
        ({"regime.monitoring": 3}, "regime.monitoring", "3 is out of range", "use a value"),
    ],
)
def test_bad_settings_are_refused_with_path_message_and_fix(tiny, settings, path, message, fix):
    problems = refused(tiny, settings)
    found = [p for p in problems if message in p.message and fix in p.fix]
    assert found, [str(p) for p in problems]
    assert found[0].file == "--set"
    if path:
        assert found[0].path == path


def test_scenario_settings_change_the_key_before_it_is_computed(tiny):
    plain = resolve(tiny)
    changed = resolve(tiny, settings={"budgets.central.growth_after": 0.3})
    assert changed.scenario.budgets["central"].growth_after == 0.3
    old, new = plain.key(), changed.key()
    assert old["scenario_hash"] != new["scenario_hash"]
    assert old["scenario_sections"]["budgets"] != new["scenario_sections"]["budgets"]
    assert new["settings"] == {"budgets.central.growth_after": 0.3}
    assert plain.folder_name() != changed.folder_name()
    # resolving again (as compare does per cell) gives the same key
    again = resolve(changed.scenario, settings=changed.settings)
    assert again.key() == new


def test_a_setting_and_the_same_change_in_a_file_give_the_same_run(tmp_path, tiny):
    path = tmp_path / "faster.yaml"
    path.write_text("extends: tiny\nname: tiny\nnodes: [{id: eda, difficulty: 5}]\n")
    by_file = simulate(path, scale=0.5)
    by_setting = simulate("tiny", settings={"nodes.eda.difficulty": 5}, scale=0.5)
    assert by_file.nodes.equals(by_setting.nodes)
    assert by_file.manifest["scenario_hash"] == by_setting.manifest["scenario_hash"]
    assert not by_setting.nodes.equals(simulate("tiny", scale=0.5).nodes)


def test_python_api_names_the_settings_argument(tiny):
    with pytest.raises(ScenarioError) as info:
        resolve(tiny, settings={"budgets.central.values.2019": -1})
    assert info.value.problems[0].file == "settings"


def test_text_settings_are_read_as_yaml_scalars(tiny):
    changed, params = split_settings(
        tiny,
        {
            "containment.rules_2022.date": "2022-12-01",
            "regime.preset": "market_led",
            "actors.champion.entity_listed": "true",
            "calendar.end": "2027Q4",
        },
    )
    assert params == {}
    assert next(e for e in changed.containment if e.id == "rules_2022").date == "2022-12-01"
    assert changed.regime.preset == "market_led" and changed.calendar.end == "2027Q4"
    assert next(a for a in changed.actors if a.id == "champion").entity_listed is True
    problems = refused(tiny, {"calendar.end": "2300Q1", "regime.alignment": "high"})
    assert any(p.path == "calendar.end" and "outside 1900..2200" in p.message for p in problems)
    assert any(p.path == "regime.alignment" and "not a number" in p.message for p in problems)


# ---------------------------------------------------------------- PATH*=FACTOR scales inputs


def test_a_factor_scales_every_year_of_a_money_path(tiny):
    changed, params = split_settings(tiny, {"budgets.central.values*": 1.5})
    assert params == {}
    assert changed.budgets["central"].values == {2019: 60.0, 2028: 90.0}
    assert changed.budgets["local"].values == tiny.budgets["local"].values


def test_a_factor_scales_a_scalar_a_list_entry_and_a_mapping(tiny):
    changed, _ = split_settings(
        tiny,
        {
            "budgets.central.growth_after*": 2,
            "nodes.logic_chip.difficulty*": 0.5,
            "nodes.logic_chip.prereqs*": 0.5,
            "populations.0.count*": 1.5,
        },
    )
    before = next(n for n in tiny.nodes if n.id == "logic_chip")
    after = next(n for n in changed.nodes if n.id == "logic_chip")
    assert changed.budgets["central"].growth_after == 2 * tiny.budgets["central"].growth_after
    assert after.difficulty == 0.5 * before.difficulty
    assert after.prereqs == {k: 0.5 * v for k, v in before.prereqs.items()}
    count = changed.populations[0].count  # a whole-number field stays whole
    assert isinstance(count, int) and count == round(1.5 * tiny.populations[0].count)


def test_a_wildcard_scales_every_entry_of_a_list_or_mapping(tiny):
    changed, _ = split_settings(tiny, {"nodes.*.difficulty*": 2, "budgets.*.share*": 0.5})
    assert [n.difficulty for n in changed.nodes] == [2 * n.difficulty for n in tiny.nodes]
    assert all(changed.budgets[c].share == 0.5 * b.share for c, b in tiny.budgets.items())


def test_values_are_set_before_they_are_scaled_whatever_the_order(tiny):
    one = {"budgets.central.values*": 2, "budgets.central.values.2027": 100}
    two = dict(reversed(one.items()))
    first, _ = split_settings(tiny, one)
    second, _ = split_settings(tiny, two)
    assert first.budgets["central"].values[2027] == 200
    assert first.model_dump() == second.model_dump()


def test_a_factor_applies_once_however_often_the_scenario_is_resolved(tiny):
    settings = {"budgets.central.values*": 1.2, "budgets.central.values.2027": 100}
    inputs = resolve(tiny, settings=settings, scale=0.5)
    again = resolve(inputs.scenario, settings=inputs.settings)  # as compare and sweeps do
    assert again.scenario.budgets["central"].values[2027] == pytest.approx(120)
    assert again.key() == inputs.key()
    assert again.scenario.population_scale == 0.5
    # a design row adding a factor on top of the run's settings starts from the file too
    row = resolve(inputs.scenario, settings={**inputs.settings, "nodes.eda.difficulty*": 2})
    assert row.scenario.budgets["central"].values[2019] == pytest.approx(48)


def test_a_scaled_run_is_keyed_by_the_scaled_scenario(tiny):
    plain, scaled = resolve(tiny), resolve(tiny, settings={"nodes.*.difficulty*": 1.5})
    assert plain.key()["scenario_hash"] != scaled.key()["scenario_hash"]
    assert scaled.key()["settings"] == {"nodes.*.difficulty*": 1.5}
    assert plain.folder_name() != scaled.folder_name()
    # the same numbers written by value give the same scenario hash
    by_value = {f"nodes.{n.id}.difficulty": 1.5 * n.difficulty for n in tiny.nodes}
    assert resolve(tiny, settings=by_value).key()["scenario_hash"] == scaled.key()["scenario_hash"]


@pytest.mark.parametrize(
    ("settings", "message", "fix"),
    [
        ({"budgets.central.values*": 0}, "factor 0 is not a finite number above 0", "1.2"),
        ({"budgets.central.values*": -1}, "not a finite number above 0", "0.8"),
        ({"budgets.central.values*": float("inf")}, "not a finite number above 0", "1.2"),
        ({"budgets.central.values*": "more"}, "factor 'more' is not a finite", "1.2"),
        ({"budgets.centrl.values*": 2}, "unknown", "did you mean 'budgets.central.values*'?"),
        ({"nodes.logic_chp.difficulty*": 2}, "unknown id", "'nodes.logic_chip.difficulty*'"),
        ({"rnd.productivity*": 2}, "is a model parameter", "rnd.productivity=VALUE"),
        ({"nodes.*": 2}, "holds records", "scale one of its numbers"),
        ({"calendar.end*": 2}, "holds no numbers", "budgets.central.values*=1.2"),
        ({"actors.*.name*": 2}, "holds no numbers", "budgets.central.values*=1.2"),
        ({"calendar.*.x*": 2}, "named fields, not entries", "name a field of 'calendar'"),
        ({"regime.overrides.alignment*": 2}, "is not set in this scenario", "e.g."),
        ({"seed.x*": 2}, "single value", "seed*=FACTOR"),
        ({"*": 2}, "no path before '*'", "PATH*=FACTOR"),
    ],
)
def test_bad_factors_and_paths_are_refused_with_message_and_fix(tiny, settings, message, fix):
    problems = refused(tiny, settings)
    found = [p for p in problems if message in p.message and fix in p.fix]
    assert found, [str(p) for p in problems]
    assert found[0].file == "--set" and found[0].path == next(iter(settings))


def test_a_scaled_value_out_of_range_is_named_by_the_factor(tiny):
    problems = refused(tiny, {"budgets.*.share*": 3})
    assert problems and all(p.path == "budgets.*.share*" for p in problems)
    assert any("outside [0, 1]" in p.message for p in problems)


def test_a_design_column_scales_each_row(tiny):
    import pandas as pd

    from innostate.experiments.design import check_design

    design = pd.DataFrame({"budgets.central.values*": [0.5, 2.0], "regime.alignment": [0.4, 0.6]})
    points = check_design(design, tiny, settings={"nodes.*.difficulty*": 3})
    central = [p.inputs.scenario.budgets["central"].values[2019] for p in points]
    assert central == [20.0, 80.0]
    for p in points:  # the run's own factor applies once in every row
        assert [n.difficulty for n in p.inputs.scenario.nodes] == [
            3 * n.difficulty for n in tiny.nodes
        ]
    assert points[0].key["scenario_hash"] != points[1].key["scenario_hash"]
    with pytest.raises(ScenarioError) as info:
        check_design(pd.DataFrame({"budgets.central.values*": [1.0, -1.0]}), tiny)
    problem = info.value.problems[0]
    assert problem.file == "design" and problem.path == "budgets.central.values*"
    assert "above 0" in problem.message and "row 1" in problem.message
