from innostate.model.params import Regime
from innostate.scenario.build import build
from innostate.scenario.load import load_scenario, parse_scenario
from innostate.scenario.regimes import PRESETS, regime_from


def test_presets_are_parameter_sets_on_the_same_schema():
    assert set(PRESETS) == {
        "new_national_system",
        "old_national_system",
        "market_led",
        "local_developmental",
    }
    old = regime_from("old_national_system", {}, {})
    assert old.private_participation == 0 and old.market_finance == 0
    assert old.evaluation_weights.application == 0
    assert regime_from("new_national_system", {}, {}) == Regime()


def test_user_defined_regime_in_a_scenario_file():
    text = load_scenario("tiny").model_dump_json()
    del text
    from pathlib import Path

    import innostate.data

    yaml_text = Path(innostate.data.builtin_path("tiny")).read_text()
    yaml_text = yaml_text.replace(
        "regime: {preset: new_national_system}",
        "regime: {preset: cautious, overrides: {monitoring: 0.95}}\n"
        "regimes:\n  cautious: {base: market_led, overrides: {alignment: 0.5}}",
    )
    world = build(parse_scenario(yaml_text, "user.yaml"))
    assert world.regime_name == "cautious"
    assert world.params.regime.alignment == 0.5  # from the user regime
    assert world.params.regime.monitoring == 0.95  # the run's override on top
    assert world.params.regime.market_finance == 1.5  # inherited from market_led
