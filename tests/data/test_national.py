"""The national scenarios: scale, named actors in outputs, the containment timeline acting."""

import numpy as np
import pytest

from innostate import simulate
from innostate.data import load_facts
from innostate.model.codebook import KIND
from innostate.model.mechanisms import environment
from innostate.scenario.build import build
from innostate.scenario.load import load_scenario
from innostate.scenario.national import interpolate, performer_share, rd_series
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


def _synthetic_firms(world):
    """Mask of the synthetic enterprise rows of a built world."""
    a = world.state.actors
    synthetic = np.arange(a.count) >= world.named_count
    return synthetic & np.isin(a.kind, [KIND["private_firm"], KIND["soe"]])


def _enterprise_researchers_fact(start_year: int) -> float:
    """Enterprise researcher FTE from the facts: R&D personnel x enterprises' GERD share."""
    fte = {
        int(e["year"]): float(e["value"]) * 1e6
        for e in load_facts("population_stats")["rd_personnel_fte"]["values"]
    }
    share = interpolate(rd_series("gerd_enterprises_share"), start_year) / 100.0
    return interpolate(fte, start_year) * share


@pytest.mark.parametrize("scale", [0.02, 0.5])
def test_synthetic_firms_hold_the_enterprise_researchers_of_the_facts(prc2019, scale):
    world = build(prc2019.model_copy(update={"population_scale": scale}))
    a, firms = world.state.actors, _synthetic_firms(world)
    total = np.dot(a.talent[firms], a.weight[firms])
    # talent_mean (3 decimals) and the performer share (4 decimals) are rounded in the file
    assert total == pytest.approx(_enterprise_researchers_fact(2019), rel=1e-4)
    # R&D performers: 28% of high-tech enterprises (2018 industrial share) and every little giant
    performs = firms & (a.talent > 0)
    expected = 0.28 * (446_200 + 13_800) + 14_600
    assert a.weight[performs].sum() == pytest.approx(expected, rel=2e-3)


def test_r_and_d_performers_have_tens_of_researchers_and_are_the_largest_firms(prc2019):
    world = build(prc2019.model_copy(update={"population_scale": 0.02}))
    a, firms = world.state.actors, _synthetic_firms(world)
    performs = firms & (a.talent > 0)
    mean = np.dot(a.talent[performs], a.weight[performs]) / a.weight[performs].sum()
    # Fujian 2019: 23.8 FTE per industrial firm with R&D activities (population_stats)
    assert 15 < mean < 50
    assert np.nanmax(np.where(performs, a.talent, np.nan)) > 1000  # champions of the tail
    # the old rule spread the same researchers over every firm: about 8 each
    assert np.dot(a.talent[firms], a.weight[firms]) / a.weight[firms].sum() < 10
    # within a population, no firm without R&D is larger than a firm with R&D
    for prefix in ("high_tech_private-", "high_tech_state-"):
        rows = np.array([i.startswith(prefix) for i in world.actor_ids])
        doing, idle = rows & performs, rows & ~performs
        assert idle.any() and doing.any()
        assert a.size[idle].max() <= a.size[doing].min()


def test_the_2012_backtest_has_fewer_firms_doing_r_and_d():
    plan = load_facts("national")["populations"]
    high_tech = next(p for p in plan if p["name"] == "high_tech_private")
    assert performer_share(high_tech, 2019) == pytest.approx(0.28)
    # 11.5% in 2011 and 28.0% in 2018, interpolated
    assert performer_share(high_tech, 2012) == pytest.approx(0.115 + (0.28 - 0.115) / 7)
    giants = next(p for p in plan if p["name"] == "little_giant")
    assert performer_share(giants, 2012) == 1.0
