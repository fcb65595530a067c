"""``--set PATH=VALUE`` for scenario inputs as well as model parameters, and
``--set PATH*=FACTOR`` to scale scenario inputs.

A path naming a model parameter (``regime.alignment``, ``rnd.productivity``; see
``innostate params``) sets that parameter. Any other path starting with a
scenario field sets that scenario input: ``budgets.central.growth_after``,
``budgets.central.values.2027`` (a new year is added), ``population_scale``,
``nodes.euv_lithography.difficulty`` (entries of lists are addressed by their id,
or by position in lists without ids, e.g. ``populations.0.count``); text values
are read as YAML scalars (``containment.rules_2022.date=2024Q4``). The changed
scenario is validated exactly like a file, so a negative budget is refused in
both; it is changed before its hash is computed, so the run store keys it.

A path ending in ``*`` multiplies every number at or under it by the factor
(finite, above 0): ``budgets.central.values*=1.2`` (every year of a money
path), ``budgets.central.share*=0.5`` (one number),
``nodes.euv_lithography.prereqs*=0.8`` (a mapping); a ``*`` part stands for
every entry of a list or mapping: ``nodes.*.difficulty*=1.5``,
``budgets.*.values*=0.9``. Whole-number fields are rounded (``populations.0.count*=1.5``).
The same syntax works as a design column (a column named ``PATH*`` holding
factors). Targets that hold text, dates or whole records (``nodes.*``) are
refused, as are model parameters (set those to a value). Values are set first,
then scaled, whatever the order given; the factor applies to the value in the
scenario file, once, however often the scenario is resolved again.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import math
import types
import typing
from functools import cache
from typing import Any

import yaml
from pydantic import BaseModel

from innostate.scenario.errors import Problem, ScenarioError
from innostate.scenario.schema import Scenario

Setting = float | str  # a number, or text for scenario inputs such as dates


@cache
def parameter_paths() -> frozenset[str]:
    """Dotted paths of every model parameter."""
    from innostate.model.params import describe

    return frozenset(row["path"] for row in describe())


def split_settings(
    scenario: Scenario, settings: dict[str, Setting], source: str = "--set"
) -> tuple[Scenario, dict[str, float]]:
    """Apply the scenario-input settings to a scenario; check and return the parameter ones.

    Parameters
    ----------
    scenario
        A validated scenario.
    settings
        Dotted path -> value, parameters and scenario inputs mixed; a text value
        is read as a YAML scalar (``2024Q4``, ``2022-10-07``, ``true``, ``market_led``).
    source
        How messages name the settings (``--set`` on the command line).

    Returns
    -------
    tuple
        The scenario with its inputs set (validated like a file) and the
        settings that name model parameters (names and ranges checked).

    Raises
    ------
    ScenarioError
        Naming every unknown path (with a suggestion), every value out of range
        and every problem the changed scenario has.
    """
    from innostate.model.params import Params
    from innostate.scenario.build import apply_settings

    paths = parameter_paths()
    params = {k: float(v) for k, v in settings.items() if k in paths and not isinstance(v, str)}
    inputs = {k: v for k, v in settings.items() if k not in paths}
    problems: list[Problem] = [
        Problem(source, k, f"'{v[:40]}' is not a number", "give a number, e.g. 0.5")
        for k, v in settings.items()
        if k in paths and isinstance(v, str)
    ]
    try:
        apply_settings(Params(), params)
    except ScenarioError as exc:
        problems += exc.problems
    if any(k.endswith("*") for k in inputs) or scenario._scaled is not None:
        scenario, inputs = _unscaled(scenario, inputs)
    if inputs:
        data = scenario.model_dump()
        named: dict[str, str] = {}  # field path as validation names it -> the --set path
        sets = {k: v for k, v in inputs.items() if not k.endswith("*")}
        failed = [_set(data, path, value, source, named) for path, value in sets.items()]
        # scaled after every value is set, in one order whatever the order given
        scales = sorted(set(inputs) - set(sets))
        failed += [_scale(data, k, inputs[k], source, named) for k in scales]
        problems += [p for p in failed if p is not None]
        if any(p is None for p in failed):  # values are checked even when other paths fail
            from innostate.scenario.load import validate_data

            before = scenario
            try:
                scenario = validate_data(data, source)
            except ScenarioError as exc:
                problems += [
                    dataclasses.replace(p, path=named.get(p.path, p.path)) for p in exc.problems
                ]
            else:
                if len(sets) < len(inputs):
                    scenario._scaled = (before, inputs, _fields(scenario))
    if problems:
        raise ScenarioError(problems)
    return scenario, params


def _fields(scenario: Scenario) -> tuple[Any, ...]:
    """The scenario's field values but its population scale, compared by identity."""
    return tuple(getattr(scenario, f) for f in Scenario.model_fields if f != "population_scale")


def _unscaled(
    scenario: Scenario, inputs: dict[str, Setting]
) -> tuple[Scenario, dict[str, Setting]]:
    """The scenario before earlier scalings, and the settings that made it merged with ``inputs``.

    A scaled scenario resolved again with the same settings (as compare, sweeps and
    sensitivity runs do) is rebuilt from the scenario before them, so that each
    factor applies once. A scenario changed since (other than its population
    scale, which is kept) is taken as it is.
    """
    mark = scenario._scaled
    if mark is None:
        return scenario, inputs
    before, applied, fields = mark
    if any(a is not b for a, b in zip(_fields(scenario), fields, strict=True)):
        return scenario, inputs
    return before.model_copy(update={"population_scale": scenario.population_scale}), {
        **applied,
        **inputs,
    }


def _scale(
    data: dict[str, Any], key: str, factor: Setting, source: str, named: dict[str, str]
) -> Problem | None:
    """Multiply every number at or under ``key`` (``PATH*``) by ``factor``; else a Problem."""
    path = key[:-1].removesuffix(".")  # PATH.* = PATH*: every number under PATH
    example = "e.g. budgets.central.values*=1.2"
    if isinstance(factor, str) or not math.isfinite(factor) or factor <= 0:
        shown = f"'{factor[:40]}'" if isinstance(factor, str) else f"{factor:g}"
        return Problem(
            source,
            key,
            f"factor {shown} is not a finite number above 0",
            f"give a factor such as 1.2 (20% more) or 0.8 (20% less), {example}",
        )
    if path in parameter_paths():
        return Problem(
            source,
            key,
            f"'{path}' is a model parameter: factors scale scenario inputs",
            f"set the parameter to a value instead, e.g. {path}=VALUE (`innostate params` "
            "shows its default)",
        )
    parts = path.split(".")
    if not path:
        return Problem(source, key, "no path before '*'", f"write PATH*=FACTOR, {example}")
    if parts[0] not in Scenario.model_fields:
        return _unknown(key, parts[0], list(Scenario.model_fields), source)
    found: list[tuple[Any, Any, tuple[str | int, ...], Any]] = []
    problem = _walk(data, Scenario, parts, 0, (), found, key, source)
    if problem is not None:
        return problem
    if not found:
        return Problem(
            source, key, f"'{path}' matches no entries", "check the list or mapping is not empty"
        )
    from innostate.scenario.load import dotted

    leaves: list[tuple[Any, Any, tuple[str | int, ...]]] = []
    for container, k, concrete, annotation in found:
        where = dotted(concrete)
        kind = _numeric(annotation)
        if kind != "number":
            fix = f"scale one of its numbers, {example}" if kind == "records" else example
            what = "records" if kind == "records" else "no numbers"
            return Problem(source, key, f"'{where}' holds {what}: nothing to scale", fix)
        before = len(leaves)
        _numbers(container, k, concrete, leaves)
        if len(leaves) == before:
            return Problem(
                source, key, f"'{where}' is not set in this scenario: nothing to scale", example
            )
    for container, k, concrete in leaves:
        old = container[k]
        new = old * float(factor)
        # whole-number fields stay whole (a population count): rounded half to even
        container[k] = round(new) if isinstance(old, int) and math.isfinite(new) else new
        named[dotted(concrete)] = key
    return None


def _walk(
    node: Any,
    annotation: Any,
    parts: list[str],
    i: int,
    concrete: tuple[str | int, ...],
    found: list[tuple[Any, Any, tuple[str | int, ...], Any]],
    key: str,
    source: str,
) -> Problem | None:
    """Collect (container, key, path, annotation) of every entry ``parts`` names; ``*`` = all."""
    annotation = _unwrap(annotation)
    part, last = parts[i], i == len(parts) - 1
    prefix = ".".join(parts[:i])
    keys: list[Any]
    if node is None:
        return Problem(
            source, key, f"'{prefix}' is not set in this scenario", "scale another input"
        )
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = annotation.model_fields
        if part not in fields:
            if part == "*":
                return Problem(
                    source,
                    key,
                    f"'{prefix}' has named fields, not entries: '*' stands for every entry "
                    "of a list or mapping",
                    f"name a field of '{prefix}', e.g. {prefix}.{next(iter(fields))}*=1.2",
                )
            known = [f"{prefix}.{f}" if prefix else f for f in fields]
            return _unknown(key, ".".join(parts[: i + 1]), known, source)
        keys, child = [part], fields[part].annotation
    elif typing.get_origin(annotation) is dict and isinstance(node, dict):
        if part == "*":
            keys = list(node)
        else:
            k = _dict_key(node, part, typing.get_args(annotation)[0])
            if k not in node:
                known = [f"{prefix}.{name}" for name in node]
                return _unknown(key, ".".join(parts[: i + 1]), known, source)
            keys = [k]
        child = typing.get_args(annotation)[1]
    elif typing.get_origin(annotation) is list and isinstance(node, list):
        ids = [item.get("id") if isinstance(item, dict) else None for item in node]
        by_id = any(n is not None for n in ids)
        if part == "*":
            keys = list(range(len(node)))
        elif by_id and part in ids:
            keys = [ids.index(part)]
        elif not by_id and part.isdigit() and int(part) < len(node):
            keys = [int(part)]
        else:
            known = [f"{prefix}.{n}" for n in (ids if by_id else range(len(node)))]
            what = "id" if by_id else "position"
            return _unknown(key, ".".join(parts[: i + 1]), known, source, what=what)
        child = typing.get_args(annotation)[0]
    else:
        return Problem(
            source,
            key,
            f"'{prefix}' is a single value: it has no part '{part}'",
            f"write {prefix}*=FACTOR",
        )
    for k in keys:
        if last:
            found.append((node, k, (*concrete, k), child))
        else:
            problem = _walk(node[k], child, parts, i + 1, (*concrete, k), found, key, source)
            if problem is not None:
                return problem
    return None


def _numeric(annotation: Any) -> str:
    """``number`` when a field holds numbers (or mappings and lists of them), else
    ``records`` (models) or ``other`` (text, dates, choices)."""
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin in (dict, list):
        return _numeric(typing.get_args(annotation)[-1])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "records"
    if annotation in (int, float):
        return "number"
    return "other"


def _numbers(
    container: Any,
    key: Any,
    concrete: tuple[str | int, ...],
    out: list[tuple[Any, Any, tuple[str | int, ...]]],
) -> None:
    """Every number at or under ``container[key]`` (mapping values and list items)."""
    value = container[key]
    if isinstance(value, dict):
        for k in value:
            _numbers(value, k, (*concrete, k), out)
    elif isinstance(value, list):
        for k in range(len(value)):
            _numbers(value, k, (*concrete, k), out)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        out.append((container, key, concrete))


def _set(
    data: dict[str, Any], path: str, value: Setting, source: str, named: dict[str, str]
) -> Problem | None:
    """Set ``path`` in scenario data to ``value``; a Problem when the path leads nowhere.

    On success ``named`` maps the field's path as validation reports it
    (``nodes[3].difficulty``) to ``path``, so that messages use the user's words.
    """
    from innostate.scenario.load import dotted

    parts = path.split(".")
    if parts[0] not in Scenario.model_fields:
        return _unknown(path, path, [], source)
    node: Any = data
    annotation: Any = Scenario
    done: list[str] = []
    concrete: list[str | int] = []  # the same path with list positions, as validation has it
    key: Any
    for k, part in enumerate(parts):
        last = k == len(parts) - 1
        annotation = _unwrap(annotation)
        prefix = ".".join(done)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            fields = annotation.model_fields
            if part not in fields:
                known = [f"{prefix}.{f}" if prefix else f for f in fields]
                return _unknown(path, ".".join([*done, part]), known, source)
            annotation, key = fields[part].annotation, part
        elif typing.get_origin(annotation) is dict:
            key = _dict_key(node, part, typing.get_args(annotation)[0])
            if key not in node and not last:
                known = [f"{prefix}.{name}" for name in node]
                return _unknown(path, ".".join([*done, part]), known, source)
            annotation = typing.get_args(annotation)[1]
        elif typing.get_origin(annotation) is list and isinstance(node, list):
            ids = [item.get("id") if isinstance(item, dict) else None for item in node]
            by_id = any(i is not None for i in ids)
            if by_id and part in ids:
                key = ids.index(part)
            elif not by_id and part.isdigit() and int(part) < len(node):
                key = int(part)  # lists without ids (populations, milestones) by position
            else:
                known = [f"{prefix}.{i}" for i in (ids if by_id else range(len(node)))]
                what = "id" if by_id else "position"
                return _unknown(path, ".".join([*done, part]), known, source, what=what)
            annotation = typing.get_args(annotation)[0]
        else:
            return Problem(
                source,
                path,
                f"'{prefix}' is a single value: it has no part '{part}'",
                f"write --set {prefix}=VALUE",
            )
        done.append(part)
        if last:
            old = node.get(key) if isinstance(node, dict) else node[key]
            if isinstance(old, dict | list):
                return Problem(
                    source,
                    path,
                    f"'{path}' holds a {'mapping' if isinstance(old, dict) else 'list'}, "
                    "not a number",
                    "set one of its values, e.g. budgets.central.growth_after=0.1",
                )
            node[key] = _typed(value, old)
            named[dotted((*concrete, key))] = path
        else:
            node = node[key]
            concrete.append(key)
    return None


def _typed(value: Setting, old: Any) -> Any:
    """A setting as the scenario holds it: whole numbers for integer fields, text as YAML."""
    if isinstance(value, str):
        try:  # 2024Q4 stays text, 2022-10-07 becomes a date, true a boolean, 3 a number
            read = yaml.safe_load(value)
        except yaml.YAMLError:
            return value
        return read if isinstance(read, str | int | float | bool | datetime.date) else value
    value = float(value)
    exact = isinstance(old, int) and not isinstance(old, bool)
    return int(value) if exact and math.isfinite(value) and value.is_integer() else value


def _unwrap(annotation: Any) -> Any:
    """X from Annotated[X, ...] and from X | None."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = options[0]
        else:
            return annotation


def _dict_key(node: dict[Any, Any], part: str, key_type: Any) -> Any:
    """A mapping key as the data holds it: years are numbers, names are text."""
    if _unwrap(key_type) is int or any(isinstance(k, int) for k in node):
        try:
            return int(part)
        except ValueError:
            return part
    return part


def _unknown(path: str, where: str, known: list[str], source: str, what: str = "name") -> Problem:
    """An unknown path, with the closest parameter or scenario field as a suggestion."""
    if what == "position":
        return Problem(
            source,
            path,
            f"no entry '{where}': entries of this list are addressed by position",
            f"use a position from 0 to {len(known) - 1}" if known else "the list is empty",
        )
    rest = path[len(where) :]
    close = difflib.get_close_matches(where, known, n=1, cutoff=0.6)
    if not close and what == "name":
        # a parameter, or a misspelt first part (budget.central.share -> budgets.central.share)
        close = difflib.get_close_matches(path, sorted(parameter_paths()), n=1, cutoff=0.6)
        rest = ""
        if not close:
            head, dot, tail = path.partition(".")
            top = difflib.get_close_matches(head, list(Scenario.model_fields), n=1, cutoff=0.6)
            close, rest = [f"{top[0]}{dot}{tail}"] if top else [], ""
    if close:
        fix = f"did you mean '{close[0]}{rest}'?"
    elif what == "id":
        shown = ", ".join(known[:8]) + (" ..." if len(known) > 8 else "")
        fix = f"use one of: {shown}" if known else "this list has no entries to set"
    else:
        fix = "see `innostate params` for parameters and docs/model.md for scenario fields"
    label = "id" if what == "id" else "parameter or scenario field"
    return Problem(source, path, f"unknown {label} '{where}'", fix)
