"""Bad input: each real broken file gives a message naming file, field, line and fix."""

from pathlib import Path

import pytest

from innostate import ScenarioError, load_scenario, parse_scenario

BROKEN = Path(__file__).parent / "broken"


def problems(name):
    with pytest.raises(ScenarioError) as info:
        load_scenario(BROKEN / name)
    return info.value.problems


@pytest.mark.parametrize(
    ("name", "path", "message", "fix"),
    [
        (
            "unknown_node.yaml",
            "nodes[3].prereqs.lithografy",
            "unknown node 'lithografy'",
            "did you mean 'lithography'?",
        ),
        (
            "cycle.yaml",
            "nodes[0].prereqs",
            "cycle: eda -> satellite_nav -> logic_chip -> eda",
            "remove one edge",
        ),
        ("negative_budget.yaml", "budgets.central.values[2019]", "negative budget -40", ">= 0"),
        (
            "probability.yaml",
            "regime.overrides.alignment",
            "1.7 is outside [0, 1]",
            "between 0 and 1",
        ),
        (
            "date_outside.yaml",
            "containment[1].date",
            "outside the calendar 2019Q1..2028Q4",
            "move the event inside the calendar",
        ),
        ("typo.yaml", "nodes[3].frontir", "unknown key 'frontir'", "did you mean 'frontier'?"),
        ("malformed.yaml", "", "malformed YAML", "correct the YAML syntax"),
    ],
)
def test_each_broken_file_names_field_problem_and_fix(name, path, message, fix):
    found = [p for p in problems(name) if p.path == path and message in p.message]
    assert found, [str(p) for p in problems(name)]
    problem = found[0]
    assert fix in problem.fix
    assert problem.file.endswith(name) and problem.line is not None
    assert name in str(problem) and f":{problem.line}:" in str(problem)


def test_malformed_yaml_reports_line_and_column():
    (problem,) = problems("malformed.yaml")
    assert (problem.line, problem.column) == (26, 9)


def test_all_problems_are_reported_at_once():
    messages = " | ".join(p.message for p in problems("many.yaml"))
    for expected in (
        "unknown key 'frontir'",
        "unknown node 'lithografy'",
        "negative budget",
        "outside the calendar",
        "unknown regime 'new_nationl_system'",
    ):
        assert expected in messages


def test_event_kinds_need_their_targets():
    text = (BROKEN.parent.parent.parent / "src/innostate/data/scenarios/tiny.yaml").read_text()
    text = text.replace(
        "kind: talent_restriction, talent_access: 0.6,", "kind: talent_restriction,"
    )
    with pytest.raises(ScenarioError, match="needs 'talent_access'"):
        parse_scenario(text, "edited.yaml")


def test_user_regime_loops_and_empty_files_are_rejected():
    with pytest.raises(ScenarioError, match="empty or not a mapping"):
        parse_scenario("", "empty.yaml")
    text = (BROKEN.parent.parent.parent / "src/innostate/data/scenarios/tiny.yaml").read_text()
    text += "regimes:\n  a: {base: b}\n  b: {base: a}\n"
    with pytest.raises(ScenarioError, match="loop"):
        parse_scenario(text, "loop.yaml")


def test_missing_file_names_the_builtins():
    with pytest.raises(ScenarioError, match="tiny"):
        load_scenario("no-such-scenario")
