"""Reference tables generated from the code and the facts, for docs/model.md and docs/data.md.

    python -m innostate.scenario.reference docs/model.md docs/data.md

rewrites every ``<!-- parameters:GROUP -->`` and ``<!-- data:PART -->`` block;
tests fail when a committed document differs from what this gives.
"""

from __future__ import annotations

import dataclasses
import re

from innostate.model.params import Params, describe


def parameter_table(group: str) -> str:
    """Markdown table of one parameter group (e.g. ``rnd``), its paths, defaults and ranges."""
    cls = {f.name: f.default_factory for f in dataclasses.fields(Params)}[group]
    rows = describe(cls, f"{group}.")  # type: ignore[arg-type]
    lines = ["| parameter | default | range | unit | meaning |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| `{r['path']}` | {r['default']:g} | {r['low']:g} to {r['high']:g} | {r['unit']} "
            f"| {r['meaning']} |"
        )
    return "\n".join(lines)


def data_table(part: str) -> str:
    """Markdown table of one part of the built-in national data."""
    from innostate.data import load_facts
    from innostate.scenario.national import national_scenario

    if part == "nodes":
        lines = [
            "| node | area | 2012 | 2019 | req. | difficulty | market | basis | confidence |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for n in load_facts("technologies")["nodes"]:
            lines.append(
                f"| `{n['id']}` | {n['area']} | {n['level_2012']:g} | {n['level_2019']:g} "
                f"| {n['requirement']:g} | {n['difficulty']} | {n['market']} | {n['basis']} "
                f"| {n['confidence']} |"
            )
    elif part == "containment":
        lines = ["| event | date | effect in the model |", "|---|---|---|"]
        facts = {e["id"]: e for e in load_facts("containment_events")["events"]}
        for m in load_facts("containment_map")["events"]:
            if m.get("effect") == "none":
                effect = f"none: {m['reason']}"
            else:
                parts = [f"`{k}` -> {v:g}" for k, v in m.get("nodes", {}).items()]
                parts += [f"lists `{a}`" for a in m.get("listings", [])]
                if m.get("talent_access") is not None:
                    parts.append(f"talent flows -> {m['talent_access']:g}")
                effect = ", ".join(parts)
            lines.append(f"| `{m['id']}` | {m.get('date', facts[m['id']]['date'])} | {effect} |")
    elif part == "milestones":
        lines = ["| node | level | date | milestone |", "|---|---|---|---|"]
        for m in load_facts("milestone_map")["milestones"]:
            lines.append(f"| `{m['node']}` | {m['level']:g} | {m['date']} | {m['meaning']} |")
    elif part == "populations":
        lines = [
            "| population | kind | count | R&D performers | researchers per performer (FTE) "
            "| basis |",
            "|---|---|---|---|---|---|",
        ]
        for p in national_scenario("prc-2019")["populations"]:
            lines.append(
                f"| {p['name_prefix']} | {p['kind']} | {p['count']:,} "
                f"| {p.get('rd_performer_share', 1.0):.0%} | {p['talent_mean']:g} | {p['source']} |"
            )
    elif part == "budgets":
        lines = [
            "| channel | values (bn yuan/year) | share modelled | growth after | basis |",
            "|---|---|---|---|---|",
        ]
        for channel, b in national_scenario("prc-2019")["budgets"].items():
            values = ", ".join(f"{y}: {v:g}" for y, v in b["values"].items())
            lines.append(
                f"| {channel} | {values} | {b['share']:g} | {b['growth_after']:g} | {b['source']} |"
            )
    else:
        raise KeyError(part)
    return "\n".join(lines)


_BLOCK = re.compile(r"<!-- (parameters|data):(\w+) -->\n.*?<!-- /\1 -->", re.S)


def refresh(text: str) -> str:
    """Rewrite every generated block of a document from the code and the facts."""

    def table(match: re.Match[str]) -> str:
        kind, name = match.group(1), match.group(2)
        body = parameter_table(name) if kind == "parameters" else data_table(name)
        return f"<!-- {kind}:{name} -->\n{body}\n<!-- /{kind} -->"

    return _BLOCK.sub(table, text)


if __name__ == "__main__":
    import sys
    from pathlib import Path

    for arg in sys.argv[1:]:
        path = Path(arg)
        path.write_text(refresh(path.read_text(encoding="utf-8")), encoding="utf-8")
