"""What-ifs: `extends:` with partial overrides, and event templates (`whatif:`)."""

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from innostate import ScenarioError, load_scenario
from innostate.scenario.build import budget_path

BROKEN = Path(__file__).parent / "broken"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.problems


def by_id(records):
    return {r.id: r for r in records}


def test_an_empty_what_if_equals_its_base_except_the_name(tmp_path):
    child = load_scenario(write(tmp_path, "same.yaml", "extends: tiny\n"))
    base = load_scenario("tiny")
    assert child.name == "same"  # named after its file
    assert child.model_dump(exclude={"name"}) == base.model_dump(exclude={"name"})
    named = load_scenario(write(tmp_path, "other.yaml", "extends: tiny\nname: mine\n"))
    assert named.name == "mine"


def test_mappings_merge_and_one_year_of_one_channel_changes(tmp_path):
    text = "extends: tiny\nbudgets:\n  central:\n    values: {2027: 900}\n    growth_after: 0.2\n"
    child = load_scenario(write(tmp_path, "budget.yaml", text))
    base = load_scenario("tiny")
    central = child.budgets["central"]
    assert central.values == {**base.budgets["central"].values, 2027: 900.0}
    assert central.growth_after == 0.2 and central.share == base.budgets["central"].share
    assert {k: v for k, v in child.budgets.items() if k != "central"} == {
        k: v for k, v in base.budgets.items() if k != "central"
    }
    # the new year is used: the path passes through 900 in 2027
    path = budget_path(central, "2019Q1", 40, 4)
    assert path[32] == pytest.approx(900.0 / 4 * central.share)


def test_records_merge_by_id_update_append_and_remove(tmp_path):
    text = """extends: tiny
nodes:
  - {id: eda, difficulty: 30, prereqs: {photoresist: 0.5}}
  - {id: sic_power, name: SiC power devices, area: semiconductors, frontier: 7.0,
     requirement: 6.0, difficulty: 10.0, market_size: 20, initial_level: 5.0}
actors:
  - {id: champion, cash: 99}
containment:
  - {id: talent_2022, remove: true}
  - {id: rules_2022, nodes: {eda: 1.0}}
"""
    child = load_scenario(write(tmp_path, "records.yaml", text))
    base = load_scenario("tiny")
    nodes, old = by_id(child.nodes), by_id(base.nodes)
    assert [n.id for n in child.nodes] == [*[n.id for n in base.nodes], "sic_power"]
    assert nodes["eda"].difficulty == 30 and nodes["eda"].frontier == old["eda"].frontier
    assert nodes["eda"].prereqs == {**old["eda"].prereqs, "photoresist": 0.5}
    champion = by_id(child.actors)["champion"]
    assert champion.cash == 99 and champion.kind == by_id(base.actors)["champion"].kind
    events = by_id(child.containment)
    assert "talent_2022" not in events and len(events) == len(base.containment) - 1
    # a mapping inside a record merges too: the other nodes of the event stay
    assert events["rules_2022"].nodes == {**by_id(base.containment)["rules_2022"].nodes, "eda": 1.0}


def test_other_lists_and_scalars_replace(tmp_path):
    text = "extends: tiny\nregions: [beijing, shanghai, shenzhen, hefei, wuhan]\nseed: 11\n"
    child = load_scenario(write(tmp_path, "lists.yaml", text))
    assert child.regions == ["beijing", "shanghai", "shenzhen", "hefei", "wuhan"]
    assert child.seed == 11


def test_chains_of_extends_and_relative_paths(tmp_path):
    write(
        tmp_path, "first.yaml", "extends: tiny\nseed: 3\nbudgets: {central: {values: {2027: 1}}}\n"
    )
    (tmp_path / "sub").mkdir()
    second = write(tmp_path / "sub", "second.yaml", "extends: ../first.yaml\nname: second\n")
    child = load_scenario(second)
    assert child.name == "second" and child.seed == 3
    assert child.budgets["central"].values[2027] == 1.0


def test_a_value_from_the_child_is_located_in_the_child(tmp_path):
    [problem] = problems_of(BROKEN / "extends_negative_budget.yaml")
    assert problem.file.endswith("extends_negative_budget.yaml") and problem.line == 6
    assert problem.path == "budgets.central.values[2027]"
    assert "negative budget -900" in problem.message and "base" not in problem.message


def test_a_problem_in_a_value_from_the_base_says_it_comes_from_the_base(tmp_path):
    # removing a node that the base's other entries still name
    path = write(tmp_path, "gone.yaml", "extends: tiny\nnodes: [{id: lithography, remove: true}]\n")
    found = problems_of(path)
    assert all(p.file == str(path) for p in found)
    prereq = [p for p in found if p.path == "nodes[2].prereqs.lithography"]
    assert prereq and "unknown node 'lithography'" in prereq[0].message
    assert "comes from the base scenario tiny, line 27" in prereq[0].message
    assert prereq[0].line is None and "override it in this file" in prereq[0].fix


@pytest.mark.parametrize(
    ("name", "path", "message", "fix"),
    [
        (
            "extends_missing_base.yaml",
            "extends",
            "no such scenario file",
            "did you mean 'prc-2019'?",
        ),
        ("extends_cycle_a.yaml", "extends", "extend each other in a cycle", "does not"),
        ("extends_remove_unknown.yaml", "nodes.lithografy", "cannot remove 'lithografy'", "'lith"),
        ("extends_entry_without_id.yaml", "nodes", "an entry without an id", "add 'id:'"),
        ("extends_remove_not_bool.yaml", "nodes.lithography.remove", "not true or false", "true"),
        ("whatif_unknown_node.yaml", "whatif[0].lift_item_controls.nodes[1]", "unknown node", "'l"),
        ("whatif_two_templates.yaml", "whatif[0]", "exactly one of", "one template per"),
        ("whatif_date_outside.yaml", "whatif[0].delist.date", "outside the calendar", "inside"),
    ],
)
def test_broken_what_ifs_name_file_line_field_and_fix(name, path, message, fix):
    found = [p for p in problems_of(BROKEN / name) if p.path == path and message in p.message]
    assert found, [str(p) for p in problems_of(BROKEN / name)]
    assert fix in found[0].fix and found[0].line is not None
    assert name in str(found[0])


def test_a_cycle_names_every_file_in_it():
    [problem] = problems_of(BROKEN / "extends_cycle_a.yaml")
    assert "extends_cycle_a.yaml -> " in problem.message
    assert "extends_cycle_b.yaml -> " in problem.message


def test_lift_item_controls_expands_into_an_item_control_event(tmp_path):
    text = """extends: tiny
whatif:
  - lift_item_controls: {nodes: [logic_chip, lithography], date: 2027Q1}
  - lift_item_controls: {nodes: [eda], date: 2027-06-01, access: 0.5}
"""
    child = load_scenario(write(tmp_path, "lift.yaml", text))
    base = load_scenario("tiny")
    assert child.containment[: len(base.containment)] == base.containment
    lift, half = child.containment[len(base.containment) :]
    assert lift.kind == "item_control" and lift.date == "2027Q1"
    assert lift.nodes == {"logic_chip": 1.0, "lithography": 1.0}
    assert lift.id == "whatif_1_lift_item_controls" and "logic_chip" in lift.description
    assert half.nodes == {"eda": 0.5} and half.date == "2027-06-01"


def test_delist_expands_into_an_entity_delisting_event(tmp_path):
    text = "extends: tiny\nwhatif:\n  - delist: {actors: [champion], date: 2026Q2}\n"
    event = load_scenario(write(tmp_path, "delist.yaml", text)).containment[-1]
    assert event.kind == "entity_delisting" and event.actors == ["champion"]
    assert event.date == "2026Q2" and event.id == "whatif_1_delist"


def test_escalate_cuts_every_node_controlled_in_the_timeline(tmp_path):
    text = "extends: tiny\nwhatif:\n  - escalate: {date: 2025Q1}\n"
    event = load_scenario(write(tmp_path, "escalate.yaml", text)).containment[-1]
    controlled = {
        node
        for e in load_scenario("tiny").containment
        if e.kind == "item_control"
        for node in e.nodes
    }
    assert event.kind == "item_control" and set(event.nodes) == controlled
    assert set(event.nodes.values()) == {0.0} and event.date == "2025Q1"


def test_escalate_without_controlled_nodes_is_refused(tmp_path):
    text = """extends: tiny
containment: []
whatif:
  - escalate: {date: 2025Q1, access: 0.1}
"""
    [problem] = problems_of(write(tmp_path, "nothing.yaml", text))
    assert problem.path == "whatif[0].escalate" and "controls no nodes" in problem.message
    assert problem.line == 4


def test_templates_work_without_extends_and_the_run_uses_them(tmp_path):
    from innostate import simulate

    text = (Path(__file__).parents[2] / "src/innostate/data/scenarios/tiny.yaml").read_text()
    text += "\nwhatif:\n  - lift_item_controls: {nodes: [logic_chip], date: 2027Q1}\n"
    result = simulate(write(tmp_path, "inline.yaml", text), scale=0.5)
    nodes = result.nodes[result.nodes.node == "logic_chip"]
    assert (nodes[nodes.date >= "2027Q1"].access == 1.0).all()
    assert (nodes[(nodes.date >= "2023Q1") & (nodes.date < "2027Q1")].access == 0.2).all()
    assert "whatif_1_lift_item_controls" in set(result.events.id)


VALUES = st.one_of(
    st.sampled_from([None, True, "", "x", "eda", "champion", "2027Q1", -1, 0, 0.5, 1e308, [], {}]),
    st.floats(allow_nan=True),
    st.lists(st.sampled_from(["eda", "logic_chip", "champion", "nope"]), max_size=3),
)
FIELDS = st.sampled_from(["id", "remove", "difficulty", "nodes", "actors", "date", "access", "zz"])
RECORDS = st.dictionaries(FIELDS, VALUES, max_size=4)
CHILDREN = st.fixed_dictionaries(
    {},
    optional={
        "nodes": st.one_of(VALUES, st.lists(RECORDS, max_size=3)),
        "containment": st.one_of(VALUES, st.lists(RECORDS, max_size=3)),
        "budgets": st.dictionaries(
            st.sampled_from(["central", "local", "nope"]),
            st.one_of(
                VALUES,
                st.fixed_dictionaries(
                    {"values": st.dictionaries(st.integers(2000, 2040), VALUES, max_size=2)}
                ),
            ),
            max_size=2,
        ),
        "whatif": st.one_of(
            VALUES,
            st.lists(
                st.dictionaries(
                    st.sampled_from(["lift_item_controls", "delist", "escalate", "lift"]),
                    st.one_of(VALUES, RECORDS),
                    max_size=2,
                ),
                max_size=3,
            ),
        ),
        "extends": st.sampled_from(["tiny", "nope", "", "../tiny"]),
    },
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(child=CHILDREN)
def test_any_what_if_file_loads_or_is_refused_naming_the_file(tmp_path, child):
    path = tmp_path / "mutant.yaml"
    path.write_text(yaml.safe_dump({"extends": "tiny", **child}), encoding="utf-8")
    try:
        load_scenario(path)
    except ScenarioError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == str(path), str(problem)
            assert problem.message and problem.fix, str(problem)
