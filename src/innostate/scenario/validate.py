"""Cross-reference checks on raw scenario data, run even when the schema finds problems.

Each check tolerates malformed parts of any type (the schema reports those) so
that every problem in a file is reported in one pass and none crashes the check.
Beyond cross-references, these checks keep a run finite and bounded: the
calendar's years and length, the number of actors and the work of a run, weights
that must not all be zero, and levels that must not start above the frontier.
"""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np

from innostate.scenario.calendar import parse_month, step_count, step_index
from innostate.scenario.regimes import PRESETS
from innostate.scenario.schema import FIRST_YEAR, LAST_YEAR, MAX_MONEY

Issue = tuple[tuple[str | int, ...], str, str]

MAX_YEARS = 100  # calendar length
MAX_ACTORS = 5_000_000  # actors of a run after population_scale (prc-2019 x 10)
# actors x steps of a run: prc-2019 at full scale is about 24 million and takes ~20 s,
# so this bound keeps any run under about a quarter of an hour
MAX_ACTOR_STEPS = 1_000_000_000


def cross_check(raw: dict[str, Any]) -> list[Issue]:
    """Every cross-reference problem as (field path, message, fix)."""
    issues: list[Issue] = []
    areas = _ids(raw, "areas", issues)
    nodes = _ids(raw, "nodes", issues)
    actors = _ids(raw, "actors", issues)
    regions = [r for r in _list(raw.get("regions")) if isinstance(r, str)]
    _check_nodes(raw, areas, nodes, issues)
    _check_actors(raw, regions, nodes, issues)
    _check_rd_spending(raw, issues)
    _check_populations(raw, regions, areas, issues)
    _check_containment(raw, nodes, actors, issues)
    _check_regimes(raw, issues)
    _check_size(raw, issues)
    _check_growth(raw, issues)
    frontier = _frontiers(raw)
    for i, milestone in _items(raw, "milestones"):
        if "node" in milestone and milestone["node"] not in nodes:
            issues.append((("milestones", i, "node"), *_unknown("node", milestone["node"], nodes)))
        _check_milestone_date(raw, milestone, i, issues)
    for i, node in _items(raw, "nodes"):
        level: Any = node.get("initial_level")
        top = frontier.get(str(node.get("id")))
        if _number(level) and top is not None and level > top:
            issues.append(
                (
                    ("nodes", i, "initial_level"),
                    f"initial level {level:g} is above the frontier {top:g}",
                    "the frontier is the world's best level: raise it or lower the level",
                )
            )
    return issues


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _number(value: Any) -> bool:
    """A real number (not a boolean, not NaN): safe to compare."""
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _frontiers(raw: dict[str, Any]) -> dict[str, float]:
    return {
        node["id"]: node["frontier"]
        for _, node in _items(raw, "nodes")
        if isinstance(node.get("id"), str) and _number(node.get("frontier"))
    }


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
    shown = str(name)[:80]  # a huge name would be slow to match and unreadable
    close = difflib.get_close_matches(shown, known, n=1, cutoff=0.6)
    fix = f"did you mean '{close[0]}'?" if close else f"use one of the {kind}s defined in the file"
    return f"unknown {kind} '{shown}'", fix


def _check_nodes(
    raw: dict[str, Any], areas: list[str], nodes: list[str], issues: list[Issue]
) -> None:
    graph: dict[str, list[str]] = {}
    for i, node in _items(raw, "nodes"):
        if "area" in node and _text(node["area"]) not in areas:
            issues.append((("nodes", i, "area"), *_unknown("area", node["area"], areas)))
        prereqs = node.get("prereqs") or {}
        if not isinstance(prereqs, dict):
            continue
        graph[str(node.get("id"))] = []
        for name in prereqs:
            path = ("nodes", i, "prereqs", name)
            if name not in nodes:
                issues.append((path, *_unknown("node", name, nodes)))
            elif name == node.get("id"):
                issues.append((path, "a node cannot be its own prerequisite", "remove this entry"))
            else:
                graph[str(node.get("id"))].append(str(name))
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


def _check_rd_spending(raw: dict[str, Any], issues: list[Issue]) -> None:
    """Reported firm R&D needs an enterprise_rd budget and may not exceed it."""
    budget = _mapping(_mapping(raw.get("budgets")).get("enterprise_rd")).get("values")
    values = {y: v for y, v in _mapping(budget).items() if isinstance(y, int) and _number(v)}
    total = 0.0
    for i, actor in _items(raw, "actors"):
        rd = _mapping(actor.get("rd_spending"))
        if not rd:
            continue
        path = ("actors", i, "rd_spending")
        if actor.get("kind") not in ("soe", "private_firm"):
            issues.append((path, "only firms (soe, private_firm) do own R&D", "remove it"))
        elif not values:
            issues.append(
                (
                    path,
                    "reported R&D needs an enterprise_rd budget with values",
                    "add budgets.enterprise_rd or remove rd_spending",
                )
            )
        elif _number(rd.get("bn_yuan")) and isinstance(rd.get("year"), int):
            total += rd["bn_yuan"] / rd_base(values, rd["year"])
    if total > 1.0:
        issues.append(
            (
                ("budgets", "enterprise_rd"),
                f"named firms' reported R&D is {total:.0%} of the enterprise_rd budget",
                "raise the budget or check the firms' rd_spending",
            )
        )


def rd_base(values: dict[int, float], year: int) -> float:
    """The enterprise_rd budget's yearly value in ``year`` (interpolated, ends held)."""
    years = sorted(values)
    return float(np.interp(year, years, [values[y] for y in years])) or 1.0


def _check_actors(
    raw: dict[str, Any], regions: list[str], nodes: list[str], issues: list[Issue]
) -> None:
    frontier = _frontiers(raw)
    for i, actor in _items(raw, "actors"):
        if "region" in actor and _text(actor["region"]) not in regions:
            issues.append((("actors", i, "region"), *_unknown("region", actor["region"], regions)))
        for name, level in _mapping(actor.get("capabilities")).items():
            path = ("actors", i, "capabilities", name)
            if name not in nodes:
                issues.append((path, *_unknown("node", name, nodes)))
            elif _number(level) and level > frontier.get(name, 10.0):
                issues.append(
                    (
                        path,
                        f"level {level:g} is above the frontier {frontier[name]:g} of '{name}'",
                        "the frontier is the world's best level: lower the capability",
                    )
                )


def _check_populations(
    raw: dict[str, Any], regions: list[str], areas: list[str], issues: list[Issue]
) -> None:
    for i, pop in _items(raw, "populations"):
        weights = _mapping(pop.get("regions"))
        for name in weights:
            if name not in regions:
                issues.append(
                    (("populations", i, "regions", name), *_unknown("region", name, regions))
                )
        for j, name in enumerate(_list(pop.get("areas"))):
            if _text(name) not in areas:
                issues.append((("populations", i, "areas", j), *_unknown("area", name, areas)))
        known = [w for name, w in weights.items() if name in regions]
        if weights and all(_number(w) and w >= 0 for w in known) and sum(known) <= 0:
            issues.append(
                (
                    ("populations", i, "regions"),
                    "every region weight is 0, so actors have nowhere to be",
                    "give at least one region a positive weight, or remove 'regions:' "
                    "to spread actors evenly",
                )
            )
        owners = pop.get("ownership", {"private": 1.0})
        if isinstance(owners, dict) and all(_number(w) and w >= 0 for w in owners.values()):
            if sum(owners.values()) <= 0:
                issues.append(
                    (
                        ("populations", i, "ownership"),
                        "every ownership weight is 0 (or none is given)",
                        "give at least one ownership a positive weight, e.g. {private: 1.0}",
                    )
                )
        for key in ("alignment", "market_orientation"):
            rng = pop.get(key)
            if (
                isinstance(rng, dict)
                and _number(rng.get("low"))
                and _number(rng.get("high"))
                and rng["low"] > rng["high"]
            ):
                issues.append((("populations", i, key), "low is above high", "swap the two values"))


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
            if key not in cal:
                continue  # the schema reports a missing field
            try:
                parse_month(str(cal.get(key)))
            except ValueError:
                issues.append(
                    (
                        ("calendar", key),
                        f"'{str(cal.get(key))[:40]}' is not a quarter or date",
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
    if span:
        for key in ("start", "end"):
            year = parse_month(str(cal.get(key)))[0]
            if not FIRST_YEAR <= year <= LAST_YEAR:
                issues.append(
                    (
                        ("calendar", key),
                        f"year {year} is outside {FIRST_YEAR}..{LAST_YEAR}",
                        f"use a year from {FIRST_YEAR} to {LAST_YEAR}",
                    )
                )
                span = None
    if span and span[1] >= MAX_YEARS * spy:
        issues.append(
            (
                ("calendar", "end"),
                f"the calendar spans {span[1] // spy + 1} years, more than {MAX_YEARS}",
                f"simulate at most {MAX_YEARS} years: move end closer to start",
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
        if "actor" in earmark and _text(earmark["actor"]) not in actors:
            issues.append((("earmarks", i, "actor"), *_unknown("actor", earmark["actor"], actors)))


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
    for name in _mapping(event.get("nodes")):
        if name not in nodes:
            issues.append(((*path, "nodes", name), *_unknown("node", name, nodes)))
    for j, name in enumerate(_list(event.get("actors"))):
        if _text(name) not in actors:
            issues.append(((*path, "actors", j), *_unknown("actor", name, actors)))
    kind = _text(event.get("kind"))
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
        base = _text(spec.get("base", "new_national_system")) if isinstance(spec, dict) else None
        if isinstance(spec, dict) and base not in known:
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
            base = _text(nxt.get("base", "new_national_system")) if isinstance(nxt, dict) else None
    choice = _mapping(raw.get("regime"))
    preset = choice.get("preset", "new_national_system")
    if _text(preset) not in known:
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


def _check_milestone_date(
    raw: dict[str, Any], milestone: dict[str, Any], i: int, issues: list[Issue]
) -> None:
    """A milestone's date must be a date, and not after the end of the run.

    Dates before the start are allowed: they are milestones reached before the
    run begins (the national scenarios have several).
    """
    date = milestone.get("date")
    if date is None:
        return
    try:
        year, _ = parse_month(str(date))
    except ValueError:
        issues.append(
            (
                ("milestones", i, "date"),
                f"'{str(date)[:40]}' is not a date",
                "write a quarter like 2022Q4 or a date like 2022-10-07",
            )
        )
        return
    cal = _mapping(raw.get("calendar"))
    try:
        spy = cal.get("steps_per_year", 4) if cal.get("steps_per_year") in (1, 2, 4, 12) else 4
        after_end = step_index(str(cal.get("end")), str(date), spy) > 0
    except ValueError:
        return  # a bad calendar is reported on its own
    if after_end or year < FIRST_YEAR:
        issues.append(
            (
                ("milestones", i, "date"),
                f"date {date} is outside the calendar (after {cal.get('end')})"
                if after_end
                else f"year {year} is before {FIRST_YEAR}",
                "give a date inside the calendar (dates before the start are allowed) "
                "or widen the calendar"
                if after_end
                else f"use a year from {FIRST_YEAR}",
            )
        )


def _check_size(raw: dict[str, Any], issues: list[Issue]) -> None:
    """Refuse a run without actors, with too many actors, or too much work to finish."""
    scale = raw.get("population_scale", 1.0)
    if not _number(scale) or not 0 < scale <= 10:
        return  # the schema reports a bad scale
    problems = check_work(
        named=len(_items(raw, "actors")),
        counts=[p.get("count") for _, p in _items(raw, "populations")],
        scale=float(scale),
        calendar=_mapping(raw.get("calendar")),
    )
    issues.extend(((where,), message, fix) for where, message, fix in problems)


def check_work(
    named: int, counts: list[Any], scale: float, calendar: dict[str, Any]
) -> list[tuple[str, str, str]]:
    """Problems with the size of a run as (field, message, fix).

    Parameters
    ----------
    named
        Number of named actors.
    counts
        Population counts at scale 1 (entries that are not whole numbers are skipped).
    scale
        The population scale.
    calendar
        The calendar mapping (``start``, ``end``, ``steps_per_year``).
    """
    # the build keeps at least one actor of every non-empty population
    synthetic = sum(
        max(1, round(c * scale)) if c else 0
        for c in counts
        if isinstance(c, int) and not isinstance(c, bool) and c >= 0
    )
    actors = named + synthetic
    if actors == 0:
        return [
            (
                "actors",
                "the scenario has no actors (no named actors and no populations)",
                "add named actors under 'actors:' or synthetic ones under 'populations:'",
            )
        ]
    if actors > MAX_ACTORS:
        return [
            (
                "populations",
                f"the run would have {actors:,} actors, more than {MAX_ACTORS:,}",
                "lower the population counts or population_scale",
            )
        ]
    try:
        spy = calendar.get("steps_per_year", 4)
        steps = step_count(str(calendar.get("start")), str(calendar.get("end")), spy)
    except (ValueError, TypeError, ZeroDivisionError):
        return []  # a bad calendar is reported on its own
    if actors * steps > MAX_ACTOR_STEPS:
        return [
            (
                "population_scale",
                f"{actors:,} actors over {steps:,} steps is too much work for one run "
                f"(more than {MAX_ACTOR_STEPS:,} actor-steps, about a quarter of an hour)",
                "lower population_scale (e.g. --scale 0.1), shorten the calendar "
                "or use fewer steps_per_year",
            )
        ]
    return []


def _check_growth(raw: dict[str, Any], issues: list[Issue]) -> None:
    """Money paths may not grow past the money bound before the calendar ends."""
    try:
        end_year = parse_month(str(_mapping(raw.get("calendar")).get("end")))[0]
    except ValueError:
        return  # a bad calendar is reported on its own
    paths = [(("budgets", k), v) for k, v in _mapping(raw.get("budgets")).items()]
    paths += [(("earmarks", i), e) for i, e in _items(raw, "earmarks")]
    for where, money in paths:
        values = _mapping(_mapping(money).get("values"))
        growth = _mapping(money).get("growth_after", 0.05 if where[0] == "budgets" else 0.0)
        years = [y for y in values if isinstance(y, int) and _number(values[y])]
        if not years or not _number(growth) or not -1 <= growth <= 1:
            continue  # the schema reports bad values
        last = max(years)
        grown = values[last] * (1 + growth) ** max(0, end_year - last)
        if grown > MAX_MONEY:
            issues.append(
                (
                    (*where, "growth_after"),
                    f"growing {growth:g} a year after {last}, this reaches {grown:.3g} bn yuan "
                    f"a year by {end_year}, above {MAX_MONEY:,.0f}",
                    "lower growth_after, or give values for later years",
                )
            )
