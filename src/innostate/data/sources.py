"""Every packaged fact as a flat row with its source and confidence (`innostate data sources`)."""

from __future__ import annotations

from typing import Any

from innostate.data import load_facts, load_rd_stats

FACT_TABLES = (
    "rd_stats",
    "population_stats",
    "chokepoints",
    "milestones",
    "containment_events",
    "actors",
    "technologies",
)


def _first(sources: Any) -> str:
    if isinstance(sources, list):
        return "; ".join(str(s) for s in sources)
    return str(sources or "")


def fact_rows(table: str | None = None) -> list[dict[str, str]]:
    """Rows of (table, key, fact, value, source, confidence), optionally for one table."""
    if table is not None and table not in FACT_TABLES:
        raise KeyError(table)
    rows: list[dict[str, str]] = []

    def add(name: str, key: str, fact: str, value: Any, source: Any, confidence: Any) -> None:
        rows.append(
            {
                "table": name,
                "key": key,
                "fact": " ".join(str(fact).split()),
                "value": "" if value is None else str(value),
                "source": _first(source),
                "confidence": str(confidence or ""),
            }
        )

    wanted = FACT_TABLES if table is None else (table,)
    if "rd_stats" in wanted:
        for r in load_rd_stats():
            add(
                "rd_stats",
                f"{r['metric']}@{r['year']}",
                r["metric"],
                f"{r['value']} {r['unit']}",
                r["source_url"],
                r["confidence"],
            )
    if "population_stats" in wanted:
        for section, body in load_facts("population_stats").items():
            if not isinstance(body, dict):
                continue
            for entry in (
                (body.get("values") or [])
                + (body.get("batches") or [])
                + (body.get("totals") or [])
            ):
                when = entry.get("year", entry.get("as_of", ""))
                metric = entry.get("metric", section)
                value = entry.get(
                    "value", entry.get("announced", entry.get("current_after_review"))
                )
                add(
                    "population_stats",
                    f"{section}:{metric}@{when}",
                    metric,
                    f"{value} {body.get('unit', '')}".strip(),
                    entry.get("source"),
                    entry.get("confidence"),
                )
    if "chokepoints" in wanted:
        for c in load_facts("chokepoints")["chokepoints"]:
            add(
                "chokepoints",
                c["id"],
                c.get("status_2018") or c["name_en"],
                "",
                c.get("sources"),
                c.get("membership_confidence"),
            )
            for p in c.get("progress") or []:
                add(
                    "chokepoints",
                    f"{c['id']}@{p['date']}",
                    p["event"],
                    "",
                    p.get("sources"),
                    p.get("confidence"),
                )
    if "milestones" in wanted:
        facts = load_facts("milestones")
        for m in facts.get("institutional", []) + facts["milestones"]:
            add(
                "milestones",
                f"{m.get('program', 'institutional')}@{m.get('date')}",
                m["what"],
                "",
                m.get("sources"),
                m.get("confidence"),
            )
    if "containment_events" in wanted:
        events = load_facts("containment_events")
        for e in events["events"] + (events.get("countermeasures") or []):
            add(
                "containment_events",
                e["id"],
                e["summary"],
                e.get("date"),
                e.get("sources"),
                e.get("confidence"),
            )
    if "actors" in wanted:
        for group in load_facts("actors").values():
            for a in group if isinstance(group, list) else []:
                add(
                    "actors",
                    a["id"],
                    a.get("role", a["name"]),
                    a.get("size", ""),
                    a.get("sources"),
                    a.get("confidence"),
                )
    if "technologies" in wanted:
        for n in load_facts("technologies")["nodes"]:
            add(
                "technologies",
                n["id"],
                n["basis"],
                f"level 2019 {n['level_2019']}",
                n.get("facts"),
                n.get("confidence"),
            )
    return rows
