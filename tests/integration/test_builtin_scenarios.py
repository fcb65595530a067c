"""Every built-in scenario runs under every preset regime with the model's invariants."""

import numpy as np
import pytest

from innostate import simulate
from innostate.data import list_builtin
from innostate.model.engine import LEDGER_TOLERANCE
from innostate.scenario.load import load_scenario
from innostate.scenario.regimes import PRESETS


def _small(name):
    scenario = load_scenario(name)
    if scenario.population_scale * sum(p.count for p in scenario.populations) > 5000:
        scale = 5000 / sum(p.count for p in scenario.populations)
        scenario = scenario.model_copy(update={"population_scale": scale})
    return scenario


@pytest.mark.parametrize("regime", sorted(PRESETS))
@pytest.mark.parametrize("name", list_builtin())
def test_runs_with_balanced_ledger_finite_outputs_and_levels_in_range(name, regime):
    result = simulate(_small(name), regime=regime, seed=11)
    assert (result.ledger["imbalance"] <= LEDGER_TOLERANCE).all()
    for table, frame in result.tables().items():
        numeric = frame.select_dtypes("number")
        assert np.isfinite(numeric.to_numpy()).all(), table
    n = result.nodes
    assert n["domestic_level"].between(0, 10).all() and n["frontier"].between(0, 10).all()
    assert n["access"].between(0, 1).all() and n["domestic_share"].between(0, 1).all()
    assert n["self_reliance"].between(0, 1).all()
    assert (result.actors["cash"] >= -1e-9).all()
    p = result.projects
    assert (p["spent"] <= p[[c for c in p if c.startswith("funding_")]].sum(axis=1) + 1e-9).all()
    assert result.summary["max_ledger_imbalance"] <= LEDGER_TOLERANCE


def test_regimes_differ_on_the_same_scenario_and_seed():
    outcomes = {r: simulate("tiny", regime=r, seed=5).summary for r in PRESETS}
    instruments = {
        r: simulate("tiny", regime=r, seed=5).projects["instrument"].unique().tolist()
        for r in ("old_national_system", "market_led")
    }
    assert "open_competition" not in instruments["old_national_system"]
    assert "directive" not in instruments["market_led"]
    assert (
        outcomes["local_developmental"]["duplicate_projects"]
        > outcomes["new_national_system"]["duplicate_projects"]
    )
