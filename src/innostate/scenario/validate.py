"""Cross-reference checks on raw scenario data, run even when the schema finds problems.

Each check tolerates malformed parts (the schema reports those) so that every
problem in a file is reported in one pass.
"""

from __future__ import annotations

import difflib
from typing import Any

from innostate.scenario.calendar import parse_month, step_index
from innostate.scenario.regimes import PRESETS

Issue = tuple[tuple[str | int, ...], str, str]


def cross_check(raw: dict[str, Any]) -> list[Issue]:
    """Every cross-reference problem as (field path, message, fix)."""
    issues: list[Issue] = []
    areas = _ids(raw, "areas", issues)
    nodes = _ids(raw, "nodes", issues)
    actors = _ids(raw, "actors", issues)
    regions = [r for r in raw.get("regions") or [] if isinstance(r, str)]
    _check_nodes(raw, areas, nodes, issues)
    _check_actors(raw, regions, nodes, issues)
    _check_populations(raw, regions, areas, issues)
    _check_budgets(raw, issues)
    _check_containment(raw, nodes, actors, issues)
    _check_regimes(raw, issues)
    for i, milestone in _items(raw, "milestones"):
        if "node" in milestone and milestone["node"] not in nodes:
            issues.append((("milestones", i, "node"), *_unknown("node", milestone["node"], nodes)))
    return issues


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(raw: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    value = raw.get(key)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _ids(raw: dict[str, Any], key: str, issues: list[Issue]) -> list[str]:
    seen: list[str] = []
    for i, item in _items(raw, key):
        ident = item.get("id")
        if not isinstance(ident, str):
            continue
        if ident in seen:
            issues.append(
                ((key, i, "id"), f"duplicate id '{ident}'", "give every entry its own id")
            )
        seen.append(ident)
    return seen


def _unknown(kind: str, name: Any, known: list[str]) -> tuple[str, str]:
    close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
    fix = f"did you mean '{close[0]}'?" if close else f"use one of the {kind}s defined in the file"
    return f"unknown {kind} '{name}'", fix


def _check_nodes(
    raw: dict[str, Any], areas: list[str], nodes: list[str], issues: list[Issue]
) -> None:
    graph: dict[str, list[str]] = {}
    for i, node in _items(raw, "nodes"):
        if "area" in node and node["area"] not in areas:
            issues.append((("nodes", i, "area"), *_unknown("area", node["area"], areas)))
        prereqs = node.get("prereqs") or {}
        if not isinstance(prereqs, dict):
            continue
        graph[str(node.get("id"))] = []
        for name, weight in prereqs.items():
            path = ("nodes", i, "prereqs", name)
            if name not in nodes:
                issues.append((path, *_unknown("node", name, nodes)))
            elif name == node.get("id"):
                issues.append((path, "a node cannot be its own prerequisite", "remove this entry"))
            else:
                graph[str(node.get("id"))].append(name)
            if isinstance(weight, int | float) and weight < 0:
                issues.append((path, f"negative prerequisite weight {weight}", "use a weight >= 0"))
    cycle = find_cycle(graph)
    if cycle:
        first = next((i for i, n in _items(raw, "nodes") if n.get("id") == cycle[0]), 0)
        issues.append(
            (
                ("nodes", first, "prereqs"),
                "prerequisites form a cycle: " + " -> ".join(cycle),
                "remove one edge of the cycle: technologies must form a DAG",
            )
        )


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """A cycle in a prerequisite graph as [a, b, ..., a], or None if it is a DAG."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for start in graph:
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def _check_actors(
    raw: dict[str, Any], regions: list[str], nodes: list[str], issues: list[Issue]
) -> None:
    for i, actor in _items(raw, "actors"):
        if "region" in actor and actor["region"] not in regions:
            issues.append((("actors", i, "region"), *_unknown("region", actor["region"], regions)))
        caps = actor.get("capabilities") or {}
        if not isinstance(caps, dict):
            continue
        for name, level in caps.items():
            path = ("actors", i, "capabilities", name)
            if name not in nodes:
                issues.append((path, *_unknown("node", name, nodes)))
            if isinstance(level, int | float) and not 0 <= level <= 10:
                issues.append(
                    (
                        path,
                        f"level {level} is outside the 0-10 scale",
                        "use a level between 0 and 10",
                    )
                )


def _check_populations(
    raw: dict[str, Any], regions: list[str], areas: list[str], issues: list[Issue]
) -> None:
    for i, pop in _items(raw, "populations"):
        for name in pop.get("regions") or {}:
            if name not in regions:
                issues.append(
                    (("populations", i, "regions", name), *_unknown("region", name, regions))
                )
        for j, name in enumerate(pop.get("areas") or []):
            if name not in areas:
                issues.append((("populations", i, "areas", j), *_unknown("area", name, areas)))
        for key in ("alignment", "market_orientation"):
            rng = pop.get(key)
            if (
                isinstance(rng, dict)
                and isinstance(rng.get("low"), int | float)
                and isinstance(rng.get("high"), int | float)
                and rng["low"] > rng["high"]
            ):
                issues.append((("populations", i, key), "low is above high", "swap the two values"))


def _check_budgets(raw: dict[str, Any], issues: list[Issue]) -> None:
    budgets = raw.get("budgets")
    if not isinstance(budgets, dict):
        return
    for channel, budget in budgets.items():
        values = budget.get("values") if isinstance(budget, dict) else None
        if not isinstance(values, dict):
            continue
        for year, value in values.items():
            if isinstance(value, int | float) and value < 0:
                issues.append(
                    (
                        ("budgets", channel, "values", year),
                        f"negative budget {value}",
                        "budgets are bn yuan per year and must be >= 0",
                    )
                )


def _check_containment(
    raw: dict[str, Any], nodes: list[str], actors: list[str], issues: list[Issue]
) -> None:
    cal = _mapping(raw.get("calendar"))
    start, end = cal.get("start"), cal.get("end")
    spy = cal.get("steps_per_year", 4) if cal.get("steps_per_year") in (1, 2, 4, 12) else 4
    span = None
    try:
        span = (0, step_index(str(start), str(end), spy))
    except ValueError:
        for key in ("start", "end"):
            try:
                parse_month(str(cal.get(key)))
            except ValueError:
                issues.append(
                    (
                        ("calendar", key),
                        f"'{cal.get(key)}' is not a quarter or date",
                        "write a quarter like 2019Q1 or a date like 2019-01-01",
                    )
                )
    if span and span[1] < 0:
        issues.append(
            (
                ("calendar", "end"),
                "the calendar ends before it starts",
                "set end to a quarter after start",
            )
        )
    timelines: list[tuple[tuple[str | int, ...], Any]] = [
        (("containment",), raw.get("containment"))
    ]
    for name, events in _mapping(raw.get("containment_variants")).items():
        if name in ("real", "none"):
            issues.append(
                (
                    ("containment_variants", name),
                    f"'{name}' is a reserved timeline name",
                    "rename the variant: 'real' is `containment`, 'none' is empty",
                )
            )
        timelines.append((("containment_variants", name), events))
    for prefix, events in timelines:
        _ids({"x": events}, "x", issues)
        for i, event in _items({"x": events}, "x"):
            _check_event(
                event, (*prefix, i), str(start), str(end), spy, span, nodes, actors, issues
            )
    for i, earmark in _items(raw, "earmarks"):
        if "actor" in earmark and earmark["actor"] not in actors:
            issues.append((("earmarks", i, "actor"), *_unknown("actor", earmark["actor"], actors)))
        for year, value in _mapping(earmark.get("values")).items():
            if isinstance(value, int | float) and value < 0:
                issues.append(
                    (
                        ("earmarks", i, "values", year),
                        f"negative budget {value}",
                        "budgets are bn yuan per year and must be >= 0",
                    )
                )


def _check_event(
    event: dict[str, Any],
    path: tuple[str | int, ...],
    start: str,
    end: str,
    spy: int,
    span: tuple[int, int] | None,
    nodes: list[str],
    actors: list[str],
    issues: list[Issue],
) -> None:
    date = event.get("date")
    if date is not None and span:
        try:
            at = step_index(start, str(date), spy)
            if not span[0] <= at <= span[1]:
                issues.append(
                    (
                        (*path, "date"),
                        f"date {date} is outside the calendar {start}..{end}",
                        "move the event inside the calendar or widen the calendar",
                    )
                )
        except ValueError:
            issues.append(
                (
                    (*path, "date"),
                    f"'{date}' is not a date",
                    "write a quarter like 2022Q4 or a date like 2022-10-07",
                )
            )
    for name, access in _mapping(event.get("nodes")).items():
        if name not in nodes:
            issues.append(((*path, "nodes", name), *_unknown("node", name, nodes)))
        if isinstance(access, int | float) and not 0 <= access <= 1:
            issues.append(
                (
                    (*path, "nodes", name),
                    f"{access} is outside [0, 1]",
                    "foreign access is a share between 0 and 1",
                )
            )
    for j, name in enumerate(event.get("actors") or []):
        if name not in actors:
            issues.append(((*path, "actors", j), *_unknown("actor", name, actors)))
    kind = event.get("kind")
    needs = {
        "item_control": "nodes",
        "entity_listing": "actors",
        "entity_delisting": "actors",
        "talent_restriction": "talent_access",
    }
    if kind in needs and not event.get(needs[kind]):
        issues.append(
            ((*path, needs[kind]), f"a {kind} event needs '{needs[kind]}'", f"add '{needs[kind]}:'")
        )


def _check_regimes(raw: dict[str, Any], issues: list[Issue]) -> None:
    user = _mapping(raw.get("regimes"))
    known = list(PRESETS) + list(user)
    for name, spec in user.items():
        base = spec.get("base", "new_national_system") if isinstance(spec, dict) else None
        if base is not None and base not in known:
            issues.append((("regimes", name, "base"), *_unknown("regime", base, known)))
        seen = [name]
        while isinstance(base, str) and base in user:
            if base in seen:
                issues.append(
                    (
                        ("regimes", name, "base"),
                        "regime bases form a loop: " + " -> ".join([*seen, base]),
                        "base one of them on a built-in preset",
                    )
                )
                break
            seen.append(base)
            nxt = user[base]
            base = nxt.get("base", "new_national_system") if isinstance(nxt, dict) else None
    choice = _mapping(raw.get("regime"))
    preset = choice.get("preset", "new_national_system")
    if preset not in known:
        issues.append((("regime", "preset"), *_unknown("regime", preset, known)))
    mix = (
        (choice.get("overrides") or {}).get("instrument_mix")
        if isinstance(choice.get("overrides"), dict)
        else None
    )
    if (
        isinstance(mix, dict)
        and len(mix) == 5
        and all(isinstance(v, int | float) for v in mix.values())
        and sum(mix.values()) <= 0
    ):
        issues.append(
            (
                ("regime", "overrides", "instrument_mix"),
                "the instrument shares are all 0",
                "give at least one instrument a positive share",
            )
        )
