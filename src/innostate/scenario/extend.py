"""What-ifs: a scenario that ``extends`` another with partial overrides, and event templates.

Merging happens on the composed YAML trees, not on plain data, so that every
value of the merged scenario keeps the line it came from: a problem in a value
the child file wrote names that line; a problem in a value taken from the base
says so (and names the base and its line). Rules:

- mappings merge key by key, recursively;
- lists whose entries all have an ``id`` (nodes, actors, areas, earmarks,
  containment events ...) merge by id: an entry with a known id updates that
  entry's fields, a new id is appended, ``{id: X, remove: true}`` removes it;
  an empty list (``containment: []``) empties the base's list;
- any other list, and every scalar, replaces the base's value.

Event templates (``whatif:``) expand into ordinary containment events of the
``containment`` timeline, after the merge and before validation.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, model_validator

from innostate.scenario.errors import Problem, ScenarioError
from innostate.scenario.schema import DateText, Share, Strict

MAX_CHAIN = 20  # bases a scenario may stack (a chain longer than this is surely a mistake)
ORIGIN = "_innostate_base"  # attribute marking a YAML node that came from a base file
Node = yaml.Node


class LiftItemControls(Strict):
    """Set foreign access on some nodes from a date (1 = controls lifted)."""

    nodes: list[str] = Field(min_length=1)
    date: DateText
    access: Share = 1.0


class Delist(Strict):
    """Remove named actors from the entity list from a date."""

    actors: list[str] = Field(min_length=1)
    date: DateText


class Escalate(Strict):
    """Cut every node controlled by any event of the timeline to one access from a date."""

    date: DateText
    access: Share = 0.0


class WhatIf(Strict):
    """One event template: exactly one of its fields is given."""

    lift_item_controls: LiftItemControls | None = None
    delist: Delist | None = None
    escalate: Escalate | None = None

    @model_validator(mode="after")
    def _one(self) -> WhatIf:
        given = [k for k in type(self).model_fields if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of lift_item_controls, delist, escalate per entry"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class WhatIfs(Strict):
    """The ``whatif:`` list of a scenario file."""

    whatif: list[WhatIf]


def compose(
    raw: dict[str, Any],
    tree: Node,
    filename: str,
    chain: tuple[str, ...] = (),
) -> tuple[dict[str, Any], Node]:
    """Resolve ``extends`` and expand ``whatif`` templates of a parsed scenario file.

    Parameters
    ----------
    raw, tree
        The file's data and its composed YAML tree (for lines).
    filename
        The file's name, used in messages and to find a relative base.
    chain
        Files already being extended (to refuse cycles).

    Returns
    -------
    tuple
        The merged data (without ``extends`` and ``whatif``) and its tree,
        in which nodes taken from a base carry their origin.

    Raises
    ------
    ScenarioError
        For a missing base, a cycle, an entry that cannot be merged or a bad template.
    """
    from innostate.scenario.load import construct, read_text, read_yaml

    own = tree
    if not chain and Path(filename).is_file():  # the first file is part of any cycle too
        chain = (str(Path(filename).resolve()),)
    if "extends" in raw:
        base_path, label = _find_base(raw["extends"], filename, own)
        key = str(base_path.resolve())
        if key in chain or len(chain) >= MAX_CHAIN:
            cycle = key in chain
            raise ScenarioError(
                [
                    _at(
                        filename,
                        own,
                        "extends",
                        "scenarios extend each other in a cycle: "
                        + " -> ".join([*chain[chain.index(key) :], key])
                        if cycle
                        else f"more than {MAX_CHAIN} scenarios extend each other",
                        "extend a scenario that does not (through its own base) extend this file"
                        if cycle
                        else "extend the scenario further down the chain directly",
                    )
                ]
            )
        base_raw, parsed = read_yaml(read_text(base_path), label)
        assert parsed is not None  # read_yaml refuses an empty document
        base_raw, base_tree = compose(base_raw, parsed, str(base_path), (*chain, key))
        _mark_origin(base_tree, label)
        child = _without(own, ("extends", "whatif"))
        if "name" not in raw:  # a what-if is named after its file unless it says otherwise
            child.value.append(_pair("name", Path(filename).stem, own))
        problems: list[Problem] = []
        tree = _merge(base_tree, child, filename, (), problems)
        if problems:
            raise ScenarioError(problems)
    if "whatif" in raw:
        tree = _without(tree, ("whatif",))
        events = expand(raw["whatif"], own, construct(tree), filename)
        timeline = _field(tree, "containment")
        if isinstance(timeline, yaml.SequenceNode):
            timeline.value = [*timeline.value, *events]
        else:  # no timeline yet (or a wrong one, which validation reports)
            assert isinstance(tree, yaml.MappingNode)
            key_node, _ = _pair("containment", "", own)
            seq = yaml.SequenceNode("tag:yaml.org,2002:seq", events, own.start_mark, own.end_mark)
            tree.value = [(k, v) for k, v in tree.value if _scalar(k) != "containment"]
            tree.value.append((key_node, seq))
    return construct(tree), tree


def expand(templates: Any, own: Node, merged: dict[str, Any], filename: str) -> list[Node]:
    """Containment events (as YAML nodes) from a ``whatif:`` list of event templates.

    Parameters
    ----------
    templates
        The ``whatif`` value as read from the file.
    own
        The file's own YAML tree (for lines in messages).
    merged
        The scenario the templates apply to (after any ``extends``), whose node and
        actor ids the templates may name and whose timeline ``escalate`` reads.
    filename
        The file's name, for messages.

    Raises
    ------
    ScenarioError
        When a template is malformed or names an unknown node or actor.
    """
    from innostate.scenario.load import _from_pydantic, _problem
    from innostate.scenario.validate import _unknown

    try:
        parsed = WhatIfs.model_validate({"whatif": templates})
    except ValidationError as exc:
        malformed = [
            dataclasses.replace(
                p,
                message=p.message.removeprefix("Value error, "),
                fix="one template per '- ' entry, e.g. - delist: {actors: [huawei], date: 2027Q1}",
            )
            if p.message.startswith("Value error, ")
            else p
            for p in _from_pydantic(exc, filename, own)
        ]
        raise ScenarioError(malformed) from None
    nodes = [str(n.get("id")) for n in _records(merged.get("nodes"))]
    actors = [str(a.get("id")) for a in _records(merged.get("actors"))]
    controlled = [
        str(name)
        for event in _records(merged.get("containment"))
        if event.get("kind") == "item_control"
        for name in _mapping(event.get("nodes"))
    ]
    problems: list[Problem] = []
    events: list[dict[str, Any]] = []
    for i, entry in enumerate(parsed.whatif):
        for kind in WhatIf.model_fields:
            template = getattr(entry, kind)
            if template is not None:
                issue = _outside(template.date, _mapping(merged.get("calendar")))
                if issue is not None:
                    problems.append(_problem(filename, own, ("whatif", i, kind, "date"), *issue))
        if entry.lift_item_controls is not None:
            t = entry.lift_item_controls
            for j, name in enumerate(t.nodes):
                if name not in nodes:
                    where = ("whatif", i, "lift_item_controls", "nodes", j)
                    problems.append(_problem(filename, own, where, *_unknown("node", name, nodes)))
            events.append(
                _event(
                    i,
                    "lift_item_controls",
                    t.date,
                    "item_control",
                    f"What-if: foreign access to {', '.join(t.nodes)} set to {t.access:g}",
                    nodes={n: t.access for n in t.nodes},
                )
            )
            controlled += t.nodes
        elif entry.delist is not None:
            d = entry.delist
            for j, name in enumerate(d.actors):
                if name not in actors:
                    where = ("whatif", i, "delist", "actors", j)
                    problems.append(
                        _problem(filename, own, where, *_unknown("actor", name, actors))
                    )
            events.append(
                _event(
                    i,
                    "delist",
                    d.date,
                    "entity_delisting",
                    f"What-if: {', '.join(d.actors)} removed from the entity list",
                    actors=list(d.actors),
                )
            )
        elif entry.escalate is not None:
            e = entry.escalate
            cut = list(dict.fromkeys(controlled))  # every controlled node once, in order
            if not cut:
                problems.append(
                    _problem(
                        filename,
                        own,
                        ("whatif", i, "escalate"),
                        "the containment timeline controls no nodes, so there is nothing "
                        "to escalate",
                        "add item_control events first, or use lift_item_controls with nodes",
                    )
                )
            events.append(
                _event(
                    i,
                    "escalate",
                    e.date,
                    "item_control",
                    f"What-if: every controlled node ({len(cut)}) cut to access {e.access:g}",
                    nodes={n: e.access for n in cut},
                )
            )
    if problems:
        raise ScenarioError(problems)
    entries = _own_entries(own)
    out = []
    for i, event in enumerate(events):
        node = yaml.representer.SafeRepresenter().represent_data(event)
        _set_marks(node, entries[i] if i < len(entries) else own)
        out.append(node)
    return out


def _outside(date: str, calendar: dict[str, Any]) -> tuple[str, str] | None:
    """Why a template's date cannot be used with the calendar (None when it can)."""
    from innostate.scenario.calendar import step_index

    start, end = str(calendar.get("start")), str(calendar.get("end"))
    spy = calendar.get("steps_per_year", 4)
    try:
        span = step_index(start, end, spy if spy in (1, 2, 4, 12) else 4)
    except ValueError:
        return None  # a broken calendar is reported by validation
    try:
        at = step_index(start, date, spy if spy in (1, 2, 4, 12) else 4)
    except ValueError:
        return (
            f"'{date[:40]}' is not a date",
            "write a quarter like 2027Q1 or a date like 2027-01-01",
        )
    if not 0 <= at <= span:
        return (
            f"date {date} is outside the calendar {start}..{end}",
            "move the what-if inside the calendar or widen the calendar",
        )
    return None


def _own_entries(own: Node) -> list[Node]:
    """The entries of a file's ``whatif`` list, as YAML nodes."""
    value = _field(own, "whatif")
    return list(value.value) if isinstance(value, yaml.SequenceNode) else []


def _event(i: int, template: str, date: str, kind: str, text: str, **what: Any) -> dict[str, Any]:
    return {
        "id": f"whatif_{i + 1}_{template}",
        "date": date,
        "kind": kind,
        **what,
        "description": f"{text} from {date} (whatif[{i}] {template})",
    }


def _set_marks(node: Node, near: Node) -> None:
    """Give generated nodes the position of the template they come from."""
    stack = [node]
    while stack:
        item = stack.pop()
        item.start_mark, item.end_mark = near.start_mark, near.end_mark
        if isinstance(item, yaml.MappingNode):
            stack.extend(itertools.chain.from_iterable(item.value))
        elif isinstance(item, yaml.SequenceNode):
            stack.extend(item.value)


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _records(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _find_base(name: Any, filename: str, tree: Node) -> tuple[Path, str]:
    """The file a scenario extends: a path relative to the file, or a built-in name."""
    from innostate.data import builtin_path, list_builtin

    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(
            [
                _at(
                    filename,
                    tree,
                    "extends",
                    "expected the name of a built-in scenario or a path to a scenario file",
                    f"write e.g. extends: {list_builtin()[-1]}",
                )
            ]
        )
    candidate = Path(filename).parent / name
    if candidate.is_file():
        return candidate, str(candidate)
    if name in list_builtin():
        return builtin_path(name), name
    close = difflib.get_close_matches(name, list_builtin(), n=1, cutoff=0.6)
    fix = (
        f"did you mean '{close[0]}'?"
        if close
        else f"give a path relative to this file or one of: {', '.join(list_builtin())}"
    )
    raise ScenarioError(
        [
            _at(
                filename,
                tree,
                "extends",
                f"no such scenario file or built-in scenario '{name}'",
                fix,
            )
        ]
    )


def _at(filename: str, tree: Node | None, key: str, message: str, fix: str) -> Problem:
    from innostate.scenario.load import locate

    where = locate(tree, (key,))
    return Problem(
        filename,
        key,
        message,
        fix,
        line=where[0] if where else None,
        column=where[1] if where else None,
    )


def _mark_origin(tree: Node, label: str) -> None:
    """Mark every node of a base tree with the base's name, keeping marks from deeper bases."""
    stack = [tree]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if getattr(node, ORIGIN, None) is None:
            setattr(node, ORIGIN, label)
        if isinstance(node, yaml.MappingNode):
            stack.extend(itertools.chain.from_iterable(node.value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def origin(node: Node | None) -> str | None:
    """The base file a node of a merged tree came from, or None for the child file's own."""
    return getattr(node, ORIGIN, None) if node is not None else None


def _without(tree: Node, keys: tuple[str, ...]) -> yaml.MappingNode:
    """A copy of a mapping node without some keys."""
    assert isinstance(tree, yaml.MappingNode)
    pairs = [(k, v) for k, v in tree.value if _scalar(k) not in keys]
    return yaml.MappingNode(tree.tag, pairs, tree.start_mark, tree.end_mark, tree.flow_style)


def _scalar(node: Node) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def _pair(key: str, value: str, near: Node) -> tuple[Node, Node]:
    tag = "tag:yaml.org,2002:str"
    return (
        yaml.ScalarNode(tag, key, near.start_mark, near.start_mark),
        yaml.ScalarNode(tag, value, near.start_mark, near.start_mark),
    )


def _merge(
    base: Node, child: Node, filename: str, path: tuple[Any, ...], problems: list[Problem]
) -> Node:
    """The child's node merged into the base's (mappings by key, records by id)."""
    if isinstance(base, yaml.MappingNode) and isinstance(child, yaml.MappingNode):
        pairs = list(base.value)
        where = {(k.tag, _scalar(k)): i for i, (k, _) in enumerate(pairs)}
        for key, value in child.value:
            i = where.get((key.tag, _scalar(key)))
            if i is None:
                where[(key.tag, _scalar(key))] = len(pairs)
                pairs.append((key, value))
            else:
                inner = (*path, _scalar(key))
                pairs[i] = (key, _merge(pairs[i][1], value, filename, inner, problems))
        return yaml.MappingNode(base.tag, pairs, child.start_mark, child.end_mark, base.flow_style)
    if (
        isinstance(base, yaml.SequenceNode)
        and isinstance(child, yaml.SequenceNode)
        and base.value
        and child.value  # an empty list empties the base's (`containment: []`)
        and all(_record_id(item) is not None for item in base.value)
    ):
        return _merge_records(base, child, filename, path, problems)
    return child


def _record_id(node: Node) -> str | None:
    """The ``id`` of a record (a mapping with a scalar ``id``), else None."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for key, value in node.value:
        if _scalar(key) == "id" and isinstance(value, yaml.ScalarNode):
            return str(value.value)
    return None


def _merge_records(
    base: yaml.SequenceNode,
    child: yaml.SequenceNode,
    filename: str,
    path: tuple[Any, ...],
    problems: list[Problem],
) -> Node:
    items: list[Node | None] = list(base.value)
    where = {_record_id(item): i for i, item in enumerate(base.value)}
    field = ".".join(str(p) for p in path if p)
    for item in child.value:
        line = item.start_mark.line + 1
        rid = _record_id(item)
        if rid is None:
            problems.append(
                Problem(
                    filename,
                    field,
                    "an entry without an id: entries of this list merge with the base's by id",
                    "add 'id:' (an existing id updates that entry, a new one adds an entry)",
                    line=line,
                )
            )
            continue
        remove = _field(item, "remove")
        if remove is not None:
            if not (isinstance(remove, yaml.ScalarNode) and remove.tag.endswith(":bool")):
                problems.append(
                    Problem(
                        filename,
                        f"{field}.{rid}.remove",
                        f"'{getattr(remove, 'value', '?')}' is not true or false",
                        "write remove: true to remove the base's entry with this id",
                        line=remove.start_mark.line + 1,
                    )
                )
                continue
            item = _without(item, ("remove",))
            if remove.value.lower() in ("true", "yes", "on"):
                if rid not in where or items[where[rid]] is None:
                    known = [k for k in where if k is not None]
                    close = difflib.get_close_matches(rid, known, n=1, cutoff=0.6)
                    problems.append(
                        Problem(
                            filename,
                            f"{field}.{rid}",
                            f"cannot remove '{rid}': the base has no entry with this id in {field}",
                            f"did you mean '{close[0]}'?" if close else "check the id",
                            line=line,
                        )
                    )
                else:
                    items[where[rid]] = None
                continue
        if rid in where and items[where[rid]] is not None:
            i = where[rid]
            items[i] = _merge(items[i], item, filename, (*path, rid), problems)  # type: ignore[arg-type]
        else:
            where[rid] = len(items)
            items.append(item)
    kept = [item for item in items if item is not None]
    return yaml.SequenceNode(base.tag, kept, child.start_mark, child.end_mark, base.flow_style)


def _field(node: Node, name: str) -> Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if _scalar(key) == name:
                found: Node = value
                return found
    return None
