"""Property: any mutation of a valid scenario is refused with named problems, or it runs.

Numbers become NaN, infinite, negative, huge or text; keys are deleted or
repeated; lists and mappings change type. Whatever happens, validation either
fails with a ScenarioError whose problems name the file, field and line (exit 2
from the CLI), or the scenario runs and every output is finite. Never anything
else: no crash, no "This is a bug".
"""

import copy
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from innostate import ScenarioError, parse_scenario
from innostate.data import builtin_text
from innostate.experiments.run import simulate
from innostate.interfaces.cli.main import app
from innostate.scenario.load import validate_data

FILE = "mutant.yaml"
BASE = yaml.safe_load(builtin_text("tiny"))
BASE["calendar"]["end"] = "2025Q1"  # 25 quarters keep each run about a second
SPECIAL = [
    math.nan,
    math.inf,
    -math.inf,
    -1,
    -0.5,
    0,
    0.0,
    1e-300,
    0.5,
    1,
    3,
    11,
    2500,
    1e6,
    1e12,
    1e308,
    "",
    "text",
    "1e5",
    True,
    False,
    None,
    [],
    {},
    [1, "a"],
    {"a": 1},
    "2019Q1",
    "9999Q4",
    "eda",
    "champion",
    "beijing",
]
values = st.one_of(
    st.sampled_from(SPECIAL),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.text(max_size=8),
)


plausible = st.one_of(
    st.sampled_from([0, 0.0, 1e-300, 1e-9, 1, 10, 100, 1e6]),
    st.floats(min_value=0, max_value=10),
    st.integers(min_value=0, max_value=100),
)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict | list):
        for key, child in node.items() if isinstance(node, dict) else enumerate(node):
            found += _paths(child, (*prefix, key))
    return found


def _mutate(raw: dict[str, Any], data: st.DataObject) -> None:
    how = data.draw(st.sampled_from(["number", "number", "value", "delete", "retype"]), "how")
    paths = _paths(raw)
    if how == "number":  # plausible numbers in numeric fields: many such scenarios run
        paths = [p for p in paths if _is_number(_get(raw, p))] or paths
    path = data.draw(st.sampled_from(paths), label="path")
    parent = _get(raw, path[:-1])
    key, old = path[-1], parent[path[-1]]
    if how == "number":
        parent[key] = data.draw(plausible, label="number")
    elif how == "value":
        parent[key] = data.draw(values, label="value")
    elif how == "delete":
        del parent[key]
    else:  # a mapping becomes a list and the other way round; a scalar a list
        parent[key] = list(old.values()) if isinstance(old, dict) else {} if old else [old]


def _finite(result: Any) -> None:
    json.dumps(result.summary, allow_nan=False)  # raises on NaN or infinity
    for name, frame in result.tables().items():
        numbers = frame.select_dtypes("number").to_numpy(dtype=float)
        assert np.isfinite(numbers).all(), f"non-finite values in the {name} table"


runner = CliRunner()


@settings(
    max_examples=60,
    deadline=None,
    database=None,  # no .hypothesis folder in the project
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_a_mutated_scenario_is_refused_by_name_or_runs_with_finite_outputs(tmp_path_factory, data):
    raw = copy.deepcopy(BASE)
    for _ in range(data.draw(st.integers(1, 2), label="mutations")):
        _mutate(raw, data)
    text = yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)
    if data.draw(st.integers(0, 9), label="repeat a key") == 0:
        key = data.draw(st.sampled_from(sorted(raw)), label="repeated key")
        text += yaml.safe_dump({key: raw[key]}, allow_unicode=True)
    path = Path(tmp_path_factory.mktemp("mutant")) / FILE
    path.write_text(text, encoding="utf-8")

    cli = runner.invoke(app, ["validate", str(path)])
    assert cli.exit_code in (0, 2), cli.output
    assert "This is a bug" not in cli.output
    try:
        scenario = parse_scenario(text, FILE)
    except ScenarioError as exc:
        event("refused")
        assert cli.exit_code == 2 and FILE in cli.output
        for problem in exc.problems:
            assert problem.file == FILE and problem.path and problem.line is not None, problem
            assert problem.message and problem.fix
        return
    event("ran")
    assert cli.exit_code == 0, cli.output
    _finite(simulate(scenario))


junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=6) | st.integers(), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None, database=None)
@given(data=st.data())
def test_any_value_anywhere_is_reported_never_crashed_on(data):
    # faster than the test above (nothing runs), so it tries many more shapes
    raw = copy.deepcopy(BASE)
    path = data.draw(st.sampled_from(_paths(raw)), label="path")
    _get(raw, path[:-1])[path[-1]] = data.draw(junk, label="junk")
    try:
        validate_data(raw, FILE)
    except ScenarioError as exc:
        assert exc.problems and all(p.file == FILE and p.path for p in exc.problems)
