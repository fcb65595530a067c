import numpy as np
import pytest

from innostate import simulate
from innostate.model import engine
from innostate.scenario.build import build
from innostate.scenario.load import load_scenario


@pytest.fixture(scope="module")
def tiny():
    return load_scenario("tiny")


def test_same_seed_same_tables_different_seed_different_outcomes(tiny):
    a, b, c = simulate(tiny, seed=3), simulate(tiny, seed=3), simulate(tiny, seed=4)
    for name, frame in a.tables().items():
        assert frame.equals(b.tables()[name]), name
    assert not a.nodes["domestic_level"].equals(c.nodes["domestic_level"])


def test_ledger_is_checked_every_step_and_a_leak_is_caught(tiny, monkeypatch):
    def leak(state, params, rng):
        state.actors.cash[0] += 1.0  # money from nowhere
        return state

    monkeypatch.setattr(engine, "MECHANISMS", (*engine.MECHANISMS[:-1], leak_module(leak)))
    world = build(tiny)
    with pytest.raises(engine.LedgerError, match="step 0"):
        engine.run(world.state, world.params, np.random.SeedSequence(0))


def leak_module(step):
    import types

    module = types.ModuleType("leak")
    module.step = step
    return module


def test_progress_callback_sees_every_step(tiny):
    seen = []
    simulate(tiny, on_step=lambda done, total: seen.append((done, total)))
    assert seen[0] == (1, 40) and seen[-1] == (40, 40) and len(seen) == 40
