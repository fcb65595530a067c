"""The packaged fact tables are well-formed, sourced and consistent with each other."""

import re

import pytest

from innostate.data import builtin_text, load_facts, load_rd_stats
from innostate.data.sources import FACT_TABLES, fact_rows
from innostate.scenario.national import NATIONAL, national_scenario, population_fact, render
from innostate.scenario.validate import find_cycle

URL = re.compile(r"^https?://\S+$")
CONFIDENCE = {"high", "medium", "low"}


def test_rd_stats_rows_each_have_a_source_url_and_confidence():
    rows = load_rd_stats()
    assert len(rows) > 100
    for r in rows:
        float(r["value"])
        assert URL.match(r["source_url"]), r
        assert r["confidence"] in CONFIDENCE, r


def test_population_values_each_have_a_source_url_and_confidence():
    for section, body in load_facts("population_stats").items():
        if not isinstance(body, dict):
            continue
        for entry in (
            (body.get("values") or []) + (body.get("batches") or []) + (body.get("totals") or [])
        ):
            assert URL.match(entry["source"]), (section, entry)
            assert entry["confidence"] in CONFIDENCE, (section, entry)


def test_named_facts_have_unique_ids_sources_and_confidence():
    chokepoints = load_facts("chokepoints")["chokepoints"]
    actors = [a for g in load_facts("actors").values() if isinstance(g, list) for a in g]
    events = load_facts("containment_events")["events"]
    for items in (chokepoints, actors, events):
        ids = [x["id"] for x in items]
        assert len(ids) == len(set(ids))
        for x in items:
            assert x.get("sources"), x["id"]
            assert all(URL.match(s) for s in x["sources"]), x["id"]
    assert len(chokepoints) == 35
    for x in actors + events:
        assert x["confidence"] in CONFIDENCE


def test_technology_graph_covers_the_35_chokepoints_and_is_a_dag():
    techs = load_facts("technologies")
    nodes = {n["id"]: n for n in techs["nodes"]}
    assert len(nodes) == len(techs["nodes"])
    choke = {c["id"] for c in load_facts("chokepoints")["chokepoints"]}
    assert choke <= {n["ref"] for n in techs["nodes"]}
    areas = {a["id"] for a in techs["areas"]}
    programmes = {m.get("program") for m in load_facts("milestones")["milestones"]}
    events = {e["id"] for e in load_facts("containment_events")["events"]}
    for n in techs["nodes"]:
        assert n["area"] in areas
        assert set(n["prereqs"]) <= set(nodes), n["id"]
        assert n["difficulty"] in techs["rules"]["difficulty_bn_per_step"]
        assert n["market"] in techs["rules"]["market_bn_per_year"]
        assert n["basis"] and n["confidence"] in CONFIDENCE
        assert 0 < n["level_2012"] <= n["level_2019"] <= 10
        for ref in n["facts"]:
            table, _, key = ref.partition(":")
            known = {"chokepoints": choke, "milestones": programmes, "containment": events}[table]
            assert key in known, ref
        if not n["facts"]:
            assert n["basis"].startswith("rule"), n["id"]
    graph = {k: list(v["prereqs"]) for k, v in nodes.items()}
    assert find_cycle(graph) is None


def test_missions_are_sourced_plans_and_mark_nodes_from_the_year_they_were_issued():
    techs = load_facts("technologies")
    missions = {m["id"]: m for m in techs["missions"]}
    for m in missions.values():
        assert m["sources"] and all(URL.match(u) for u in m["sources"]), m["id"]
        assert m["confidence"] in CONFIDENCE and 1990 <= m["year"] <= 2025
    named = {n["id"]: n["mission"] for n in techs["nodes"] if n.get("mission")}
    assert {"lunar_exploration", "beidou", "c919_airframe", "deep_sea_submersibles"} <= set(named)
    assert all(set(ids) <= set(missions) for ids in named.values())
    for name in NATIONAL:
        spec = load_facts("national")["scenarios"][name]
        start = int(str(spec["start"])[:4])
        marked = {n["id"] for n in national_scenario(name)["nodes"] if n["mission"]}
        due = {k for k, ids in named.items() if any(missions[i]["year"] <= start for i in ids)}
        assert marked == due, name


def test_every_named_actor_is_profiled_or_explained():
    facts = {a["id"] for g in load_facts("actors").values() if isinstance(g, list) for a in g}
    profiles = load_facts("actor_profiles")
    profiled = {p["id"] for p in profiles["actors"]}
    assert profiled | set(profiles["not_agents"]) == facts
    nodes = {n["id"] for n in load_facts("technologies")["nodes"]}
    regions = set(load_facts("national")["regions"])
    for p in profiles["actors"]:
        assert set(p.get("capabilities", {})) <= nodes, p["id"]
        assert p["region"] in regions, p["id"]


def test_every_containment_event_is_mapped_onto_nodes_and_actors():
    events = {e["id"] for e in load_facts("containment_events")["events"]}
    mapping = load_facts("containment_map")["events"]
    assert {m["id"] for m in mapping} == events
    nodes = {n["id"] for n in load_facts("technologies")["nodes"]}
    profiled = {p["id"] for p in load_facts("actor_profiles")["actors"]}
    for m in mapping:
        if m.get("effect") == "none":
            assert m["reason"]
            continue
        assert set(m.get("nodes", {})) <= nodes and set(m.get("listings", [])) <= profiled
        assert all(0 <= v <= 1 for v in m.get("nodes", {}).values())


def test_population_references_resolve_to_the_national_scale():
    assert population_fact("national_high_tech_enterprises@2023") == 460000
    assert population_fact("little_giant_smes@2024-09") == 14600
    with pytest.raises(LookupError):
        population_fact("national_high_tech_enterprises@1999")


@pytest.mark.parametrize("name", NATIONAL)
def test_committed_national_scenarios_match_the_facts(name):
    assert builtin_text(name) == render(name), "run: python -m innostate.scenario.national"


def test_sources_listing_covers_every_table():
    rows = fact_rows()
    assert {r["table"] for r in rows} == set(FACT_TABLES)
    numeric = [r for r in rows if r["table"] in ("rd_stats", "population_stats")]
    assert all(r["source"] and r["confidence"] for r in numeric)
    with pytest.raises(KeyError):
        fact_rows("nope")
