"""Docs stay true to the code: parameter tables, mechanisms and README commands."""

import re
from pathlib import Path

from innostate.model.engine import MECHANISMS
from innostate.model.params import describe
from innostate.scenario.reference import refresh

ROOT = Path(__file__).parent.parent
TEST_COMMAND = "./scripts/test.sh"


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
    assert f"```bash\n{TEST_COMMAND}\n```" in readme and TEST_COMMAND in ci.splitlines()
    assert "innostate run" in readme
    # CI sets nothing up for the tests itself: the README's command does it all
    commands = [line for line in ci.splitlines() if line and not line.startswith("#")]
    assert commands[-1] == TEST_COMMAND
    assert not any("apt-get" in line or "pytest" in line for line in commands)


def test_the_readme_what_if_file_is_valid(tmp_path):
    from innostate import load_scenario

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What-ifs in two lines", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "lift-2027.yaml"
    path.write_text(block, encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.name == "lift-2027"
    added = [e for e in scenario.containment if e.id.startswith("whatif_")]
    assert [e.kind for e in added] == ["item_control", "entity_delisting"]


def test_the_experiments_examples_run(tmp_path, monkeypatch):
    """Every Python block of docs/experiments.md runs as written (EMA Workbench is not a
    dependency: its block is checked by hand against the version the text names)."""
    text = (ROOT / "docs" / "experiments.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 4 and "ema_workbench" in blocks[-1]
    monkeypatch.chdir(tmp_path)  # the examples write into runs/
    for block in blocks[:-1]:
        exec(compile(block, "docs/experiments.md", "exec"), {})
    assert (tmp_path / "runs" / "lhs-demo" / "runs.parquet").exists()
