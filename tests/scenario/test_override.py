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
