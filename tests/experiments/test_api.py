"""The Python API as a notebook user meets it: repr, save and load, compare, errors."""

import pandas as pd
import pytest

import innostate
from innostate.experiments.store import KeyMismatch


@pytest.fixture(scope="module")
def result():
    return innostate.simulate("tiny", seed=3, scale=0.5, settings={"rnd.noise": 0})


def test_a_result_shows_its_inputs_and_headline(result):
    text = repr(result)
    assert text.startswith("<Result tiny under new_national_system, containment real, seed 3")
    assert "population scale 0.5" in text and "rnd.noise=0" in text and "breakthroughs" in text
    assert len(text) < 400
    page = result._repr_html_()
    assert "<table" in page and "self-reliance index, start -&gt; end" in page
    assert list(result.headline().columns) == ["indicator", "value"]


def test_save_and_load_round_trip_and_refuse_other_inputs(result, tmp_path):
    result.save(tmp_path / "run")
    loaded = innostate.load(tmp_path / "run")
    for name, frame in result.tables().items():
        pd.testing.assert_frame_equal(getattr(loaded, name), frame)
    assert loaded.summary["self_reliance_end"] == result.summary["self_reliance_end"]
    assert loaded.manifest["key"] == result.manifest["key"]
    other = innostate.simulate("tiny", seed=4)
    with pytest.raises(KeyMismatch, match="fresh=True"):
        other.save(tmp_path / "run")
    other.save(tmp_path / "run", fresh=True)
    assert innostate.load(tmp_path / "run").manifest["seed"] == 4


def test_compare_returns_tables_without_writing_anything(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cmp = innostate.compare("tiny", ["new_national_system"], ["real", "none"], replicates=2)
    assert isinstance(cmp.differences, pd.DataFrame) and len(cmp.runs) == 4
    assert repr(cmp).startswith("<Comparison tiny: 1 regime(s) x 2 containment timeline(s)")
    assert list(tmp_path.iterdir()) == []


def test_api_errors_name_arguments_not_command_line_options():
    with pytest.raises(innostate.ScenarioError) as caught:
        innostate.simulate("tiny", settings={"regime.alignment": 2})
    assert "settings: regime.alignment: 2 is out of range" in str(caught.value)
    assert "--set" not in str(caught.value)
    with pytest.raises(innostate.ScenarioError, match="scale"):
        innostate.simulate("tiny", scale=0)
    with pytest.raises(innostate.ScenarioError, match="expected lists of names"):
        innostate.compare("tiny", "market_led")


def test_per_step_tables_carry_calendar_periods(result, tmp_path):
    for table in (result.nodes, result.areas, result.ledger):
        assert isinstance(table["period"].dtype, pd.PeriodDtype)
        assert table["period"].iloc[0] == pd.Period("2019Q1", freq="Q")
    assert result.ledger["period"].iloc[-1] == pd.Period("2028Q4", freq="Q")
    result.save(tmp_path / "periods")
    loaded = innostate.load(tmp_path / "periods")
    assert loaded.nodes["period"].dtype == result.nodes["period"].dtype


def test_periods_follow_the_step_length():
    from innostate.experiments.run import step_periods

    assert list(step_periods("2019Q1", 3, 12).astype(str)) == ["2019-01", "2019-02", "2019-03"]
    assert list(step_periods("2019Q3", 2, 2).astype(str)) == ["2019-07", "2020-01"]
    assert list(step_periods("2019Q1", 2, 1).astype(str)) == ["2019", "2020"]
