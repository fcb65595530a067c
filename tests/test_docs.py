"""Docs stay true to the code: parameter tables, mechanisms and README commands."""

import re
from pathlib import Path

from innostate.model.engine import MECHANISMS
from innostate.model.params import describe
from innostate.scenario.reference import refresh

ROOT = Path(__file__).parent.parent
TEST_COMMAND = 'python3 -m pip install -e ".[test]" && python3 -m pytest'


def test_parameter_tables_match_the_declarations():
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    assert refresh(text) == text, "run: python -m innostate.scenario.reference docs/model.md"
    for row in describe():
        assert f"| `{row['path']}` | {row['default']:g} |" in text


def test_data_tables_match_the_facts():
    text = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    assert refresh(text) == text, "run: python -m innostate.scenario.reference docs/data.md"
    for part in ("nodes", "populations", "budgets", "containment", "milestones"):
        assert f"<!-- data:{part} -->" in text


def test_every_mechanism_has_a_section():
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    for module in MECHANISMS:
        name = module.__name__.rsplit(".", 1)[-1]
        assert re.search(rf"^### 3\.\d+ {name}$", text, re.M), name


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert TEST_COMMAND in readme and TEST_COMMAND in ci.splitlines()
    assert "innostate run" in readme
