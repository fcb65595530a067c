"""Start levels of the national scenarios against the dated milestones they are set against.

A milestone dated in a scenario's first step or earlier has to be shown by the
start level (at least its level); a later one must still lie ahead (start level
below it), or the run could not be set against it (experiments/run.py
``milestones_against_run`` marks the first kind ``before_start``).
"""

import pytest

from innostate import simulate
from innostate.data import load_facts
from innostate.scenario.calendar import step_index
from innostate.scenario.load import load_scenario
from innostate.scenario.national import NATIONAL


def _violations(name: str) -> list[str]:
    scenario = load_scenario(name)
    cal = scenario.calendar
    start = {n.id: n.initial_level for n in scenario.nodes}
    out = []
    for m in scenario.milestones:
        step = step_index(cal.start, m.date, cal.steps_per_year)
        level = start[m.node]
        if step <= 0 and level < m.level:
            out.append(f"{m.node}: starts at {level:g} below '{m.what}' ({m.level:g}, {m.date})")
        if step > 0 and level >= m.level:
            out.append(f"{m.node}: starts at {level:g}, already '{m.what}' ({m.level:g}, {m.date})")
    return out


@pytest.mark.parametrize("name", NATIONAL)
def test_start_levels_agree_with_every_dated_milestone(name):
    assert _violations(name) == []


def test_the_2012_backtest_has_milestones_on_both_sides_of_its_start():
    scenario = load_scenario("prc-2012")
    cal = scenario.calendar
    steps = [step_index(cal.start, m.date, cal.steps_per_year) for m in scenario.milestones]
    before = {m.node for m, s in zip(scenario.milestones, steps, strict=True) if s <= 0}
    # the facts that fix the start levels of the checked nodes (milestones.yaml, with sources)
    assert {"supercomputers", "beidou", "deep_sea_submersibles"} <= before
    assert sum(s > 0 for s in steps) >= 20


def test_start_levels_of_2012_are_not_above_those_of_2019():
    for node in load_facts("technologies")["nodes"]:
        assert node["level_2012"] <= node["level_2019"], node["id"]


def test_milestones_at_or_before_the_start_get_no_lag():
    base = load_scenario("tiny")
    node = base.nodes[0]
    start = base.calendar.start  # tiny starts in a first quarter
    year = int(str(start)[:4])
    dated = [
        {"node": node.id, "level": 0.1, "date": f"{year - 1}-06", "what": "before"},
        {"node": node.id, "level": 0.1, "date": f"{year}-02", "what": "in the first step"},
        {"node": node.id, "level": 0.1, "date": f"{year}-05", "what": "second step"},
    ]
    data = base.model_dump()
    data["milestones"] = dated
    scenario = type(base).model_validate(data)
    rows = {r["what"]: r for r in simulate(scenario, seed=1).summary["milestones"]}
    assert rows["before"]["before_start"] and rows["before"]["lag_years"] is None
    assert rows["in the first step"]["before_start"]
    assert rows["in the first step"]["lag_years"] is None
    later = rows["second step"]
    assert not later["before_start"]
    assert later["run_date"] is not None and later["lag_years"] < 0  # level 0.1 held from the start
