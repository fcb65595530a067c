"""Bad input: each real broken file gives a message naming file, field, line and fix."""

import codecs
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from innostate import ScenarioError, load_scenario, parse_scenario
from innostate.scenario import load
from innostate.scenario.load import MAX_FILE_BYTES, rescale

BROKEN = Path(__file__).parent / "broken"
TINY = Path(load.__file__).parent.parent / "data" / "scenarios" / "tiny.yaml"


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
        # bad numbers
        ("nan_budget.yaml", "budgets.central.values[2019]", "nan is not a finite", "finite"),
        ("inf_weight.yaml", "areas[0].strategic_weight", "inf is not a finite", "finite"),
        ("huge_budget.yaml", "budgets.central.values[2019]", "out of range", "<= 1,000,000"),
        ("budget_growth.yaml", "budgets.central.growth_after", "reaches 3.46e+06", "lower"),
        ("text_number.yaml", "budgets.central.values[2019]", "'1e6' is text", "decimal point"),
        ("cash_yes.yaml", "actors[7].cash", "True (yes/no/true/false) is not a number", "number"),
        ("flag_number.yaml", "actors[7].strategic_force", "not true or false", "true or false"),
        ("seed_negative.yaml", "seed", "-1 is out of range", ">= 0"),
        ("access_above_one.yaml", "containment[1].nodes.logic_chip", "1.5 is out of range", "<= 1"),
        ("negative_ownership.yaml", "populations[0].ownership.mixed", "-0.2 is out", ">= 0"),
        (
            "rd_performer_share_above_one.yaml",
            "populations[0].rd_performer_share",
            "1.5 is outside [0, 1]",
            "between 0 and 1",
        ),
        # YAML that would silently lose data
        ("duplicate_key.yaml", "budgets", "duplicate key 'budgets' at lines 94 and 116", "merge"),
        ("duplicate_field.yaml", "nodes[3].frontier", "at lines 27 and 28", "delete one"),
        # valid-looking files that used to crash or run for hours
        ("milestone_after_end.yaml", "milestones[0].date", "after 2028Q4", "widen the calendar"),
        (
            "milestone_not_a_date.yaml",
            "milestones[0].date",
            "'spring 2024' is not a date",
            "2022Q4",
        ),
        ("no_actors.yaml", "actors", "no actors", "populations:"),
        ("zero_region_weights.yaml", "populations[0].regions", "every region weight is 0", "even"),
        ("zero_ownership.yaml", "populations[0].ownership", "every ownership weight is 0", "1.0"),
        ("billion_population.yaml", "populations[0].count", "3000000000 is out", "2,000,000"),
        ("year_9999.yaml", "calendar.end", "year 9999 is outside 1900..2200", "1900 to 2200"),
        ("long_horizon.yaml", "calendar.end", "spans 151 years, more than 100", "at most 100"),
        ("too_much_work.yaml", "population_scale", "too much work", "lower population_scale"),
        ("level_above_frontier.yaml", "nodes[4].initial_level", "above the frontier 8", "raise"),
        (
            "capability_above_frontier.yaml",
            "actors[7].capabilities.satellite_nav",
            "level 9 is above the frontier 8",
            "lower the capability",
        ),
        # reported firm R&D
        ("rd_spending_university.yaml", "actors[5].rd_spending", "only firms", "remove it"),
        (
            "rd_spending_too_large.yaml",
            "budgets.enterprise_rd",
            "reported R&D is 150% of the enterprise_rd budget",
            "raise the budget",
        ),
        # names become folder names
        ("name_traversal.yaml", "name", "'../../escape' is not a plain name", "folder names"),
        ("name_absolute.yaml", "name", "'/tmp/escape' is not a plain name", "letters, digits"),
        ("regime_name_traversal.yaml", "regimes.../../x", "key '../../x' is not a plain", "folder"),
        # hostile or damaged files
        ("deep_nesting.yaml", "", "nested more than 40 levels deep", "brackets"),
        ("truncated.yaml", "", "malformed YAML", "correct the YAML syntax"),
        ("gb18030.yaml", "", "looks like GB18030/GBK", "save it as UTF-8"),
        ("impossible_date.yaml", "", "'2022-02-30' cannot be read as a date", "real date"),
        ("huge_integer.yaml", "", "cannot be read as a number: too many digits", "few digits"),
    ],
)
def test_each_broken_file_names_field_problem_and_fix(name, path, message, fix):
    found = [p for p in problems(name) if p.path == path and message in p.message]
    assert found, [str(p) for p in problems(name)]
    problem = found[0]
    assert fix in problem.fix
    assert problem.file.endswith(name) and problem.line is not None
    assert name in str(problem) and f":{problem.line}:" in str(problem)


def test_alias_bomb_is_refused_without_expanding_it():
    (problem,) = problems("alias_bomb.yaml")
    assert "expand the file by 1,362,025,136 values" in problem.message
    assert "at most 10,000" in problem.fix


def test_small_aliases_and_merge_keys_still_work():
    vc = "  - {kind: vc_fund, count: 3, name_prefix: vc, nodes_per_actor: 0, cash_mean: 2.0}\n"
    text = TINY.read_text().replace(
        vc,
        "  - &vc {kind: vc_fund, count: 3, name_prefix: &prefix vc, nodes_per_actor: 0,"
        " cash_mean: 2.0}\n  - {<<: *vc, count: 2, name_prefix: *prefix}\n",
    )
    scenario = parse_scenario(text, "alias.yaml")
    extra = scenario.populations[-1]
    assert (extra.kind, extra.count, extra.name_prefix, extra.cash_mean) == ("vc_fund", 2, "vc", 2)


def test_wrong_types_in_cross_referenced_fields_are_reported_not_crashed_on():
    found = {(p.path, p.message) for p in problems("wrong_types.yaml")}
    assert ("regions", "expected a list") in found
    assert ("nodes[4].prereqs", "expected a mapping of keys to values") in found
    assert ("containment[0].actors", "expected a list") in found
    assert ("regime.preset", "expected a single name or text, not a list of 1 item") in found


def test_quoted_values_are_cut_short_in_messages():
    text = TINY.read_text().replace("seed: 7", "seed: " + "9" * 5000 + "x")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "long.yaml")
    (problem,) = info.value.problems
    assert problem.path == "seed" and len(str(problem)) < 200 and "..." in problem.message


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32"])
def test_unicode_files_with_a_byte_order_mark_are_read(tmp_path, encoding):
    text = TINY.read_text().replace("name: tiny", "name: tiny\n# 新型举国体制")
    data = text.encode(encoding)
    if encoding == "utf-16-be":  # Python writes no BOM for an explicit byte order
        data = codecs.BOM_UTF16_BE + data
    path = tmp_path / "scenario.yaml"
    path.write_bytes(data)
    assert load_scenario(path) == load_scenario("tiny")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("name: tiny\n# café\n".encode("latin-1"), "legacy encoding such as Latin-1"),
        ("name: tiny\n# 举国".encode()[:-1], "cut short in the middle of a character"),
        ("name: tiny\n".encode("utf-16-le"), "UTF-16 or UTF-32 without a byte-order mark"),
        (codecs.BOM_UTF16_LE + b"n\x00a", "damaged or cut short"),
    ],
)
def test_other_encodings_are_refused_by_name(tmp_path, data, message):
    path = tmp_path / "scenario.yaml"
    path.write_bytes(data)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    (problem,) = info.value.problems
    assert message in problem.message and "UTF-8" in problem.fix


def test_files_above_the_size_limit_are_refused_before_reading(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:  # sparse: no 20 MB written to disk
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(ScenarioError, match="above the 20 MB limit"):
        load_scenario(path)


def test_a_folder_is_not_read_as_a_scenario(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read the file"):
        load_scenario(tmp_path)


def test_nesting_deeper_than_libyaml_can_take_is_refused_in_a_subprocess(tmp_path):
    # libyaml composes recursively: 100,000 levels would crash the interpreter itself,
    # so this runs in a child process that must exit with an input error
    path = tmp_path / "deep.yaml"
    path.write_text("name: tiny\nseed:\n" + "- " * 100_000 + "x\n")
    code = f"from innostate import load_scenario; load_scenario({str(path)!r})"
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert child.returncode == 1 and "nested more than 40 levels deep" in child.stderr


def test_the_file_is_parsed_once_with_libyaml(monkeypatch):
    made = []

    class Counting(load._Loader):  # type: ignore[name-defined,misc]
        def __init__(self, text):
            made.append(self)
            super().__init__(text)

    monkeypatch.setattr(load, "_Loader", Counting)
    load_scenario("tiny")
    assert len(made) == 1
    if hasattr(yaml, "CSafeLoader"):
        assert issubclass(Counting, yaml.CSafeLoader)


def test_rescale_checks_the_scale_and_the_size_of_the_run():
    scenario = load_scenario("tiny")
    assert rescale(scenario, 0.5).population_scale == 0.5
    assert rescale(scenario, None) is scenario
    for bad in (float("nan"), float("inf"), 0.0, 11.0):
        with pytest.raises(ScenarioError, match="out of range"):
            rescale(scenario, bad)
    text = (BROKEN / "too_much_work.yaml").read_text()
    small = parse_scenario(text.replace("seed: 7", "seed: 7\npopulation_scale: 0.1"), "w.yaml")
    with pytest.raises(ScenarioError, match="too much work") as info:
        rescale(small, 1.0)
    assert info.value.problems[0].file == "--scale"
