"""summary.json and manifest.json are strict JSON: NaN and infinity are refused by name."""

import json
import math

import pytest

from innostate.experiments.store import non_finite, write_json


def test_finite_payloads_are_written_as_strict_json(tmp_path):
    path = write_json(tmp_path / "summary.json", {"a": 1.5, "b": [1, {"c": None}]})
    assert json.loads(path.read_text(), parse_constant=pytest.fail) == {
        "a": 1.5,
        "b": [1, {"c": None}],
    }


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused_naming_the_field(tmp_path, bad):
    payload = {"scenario": "tiny", "milestones": [{"lag_years": 1.0}, {"lag_years": bad}]}
    with pytest.raises(ValueError, match=r"summary.json: milestones\[1\].lag_years is not finite"):
        write_json(tmp_path / "summary.json", payload)
    assert not (tmp_path / "summary.json").exists()


def test_non_finite_finds_the_first_bad_value_or_none():
    assert non_finite({"a": [1, 2.0, "x"], "b": {"c": True}}) is None
    assert non_finite([0.0, {"k": math.nan}]) == "[1].k"
    assert non_finite(math.inf) == "the value"
