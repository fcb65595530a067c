"""The national scenarios: scale, named actors in outputs, the containment timeline acting."""

import numpy as np
import pytest

from innostate import simulate
from innostate.model.mechanisms import environment
from innostate.scenario.build import build
from innostate.scenario.load import load_scenario
from innostate.scenario.schema import Scenario

SMALL = 0.004  # about 2,000 synthetic actors


@pytest.fixture(scope="module")
def prc2019() -> Scenario:
    return load_scenario("prc-2019")


def small(scenario: Scenario) -> Scenario:
    return scenario.model_copy(update={"population_scale": SMALL})


def test_default_scenario_builds_the_national_population(prc2019):
    counts = sum(p.count for p in prc2019.populations) + len(prc2019.actors)
    assert 450_000 < counts < 550_000
    kinds = {a.kind for a in prc2019.actors}
    assert {
        "central_leadership",
        "ministry",
        "national_lab",
        "university",
        "soe",
        "private_firm",
        "guidance_fund",
        "policy_bank",
        "local_government",
    } <= kinds
    assert len({a.region for a in prc2019.actors if a.kind == "local_government"}) == len(
        prc2019.regions
    )


def test_projects_name_the_real_actors_that_led_them(prc2019):
    result = simulate(small(prc2019), seed=1)
    named = result.projects[result.projects["lead_named"]]
    assert len(named) > 0
    names = set(named["lead_name"])
    assert {
        "Huawei Technologies",
        "Semiconductor Manufacturing International Corporation",
        "Chinese Academy of Sciences",
    } <= names


def _access_and_listing(scenario, containment):
    """Foreign access per node and listing per named actor, step by step."""
    world = build(small(scenario), containment=containment)
    s = world.state
    access, listed = [], []
    for t in range(s.schedule.steps):
        s.step = t
        environment.step(s, world.params, np.random.default_rng(0))
        access.append(s.nodes.access.copy())
        listed.append(s.actors.entity_listed[: world.named_count].copy())
    return world, np.array(access), np.array(listed)


def test_real_timeline_cuts_nodes_and_lists_actors_on_their_dates(prc2019):
    world, access, listed = _access_and_listing(prc2019, "real")
    node = world.node_ids.index
    actor = world.actor_ids.index
    oct_2022 = (2022 - 2019) * 4 + 3  # 2022Q4
    for name in ("logic_14nm", "logic_7nm", "dram", "nand"):
        assert access[oct_2022 - 1, node(name)] > access[oct_2022, node(name)], name
        assert (access[oct_2022:, node(name)] <= 0.2).all(), name
    may_2019 = 1  # 2019Q2
    assert not listed[may_2019 - 1, actor("huawei")] and listed[may_2019:, actor("huawei")].all()
    dec_2020 = 7  # 2020Q4
    assert not listed[dec_2020 - 1, actor("smic")] and listed[dec_2020, actor("smic")]
    assert listed[0, actor("nudt")]  # listed in 2015, before the run


def test_no_containment_changes_nothing(prc2019):
    _, access, listed = _access_and_listing(prc2019, "none")
    assert (access == access[0]).all()
    assert (listed == listed[0]).all()


def test_variants_move_or_tighten_the_timeline(prc2019):
    _, real, _ = _access_and_listing(prc2019, "real")
    world, early, _ = _access_and_listing(prc2019, "early")
    _, severe, _ = _access_and_listing(prc2019, "severe")
    logic = world.node_ids.index("logic_14nm")
    oct_2020 = (2020 - 2019) * 4 + 3
    assert early[oct_2020, logic] < real[oct_2020, logic]
    jan_2025 = (2025 - 2019) * 4
    assert (severe[jan_2025:, logic] == 0).all() and real[-1, logic] > 0
    with pytest.raises(Exception, match="unknown containment timeline"):
        build(small(prc2019), containment="mild")
