"""``--set PATH=VALUE`` for scenario inputs as well as model parameters.

A path naming a model parameter (``regime.alignment``, ``rnd.productivity``; see
``innostate params``) sets that parameter. Any other path starting with a
scenario field sets that scenario input: ``budgets.central.growth_after``,
``budgets.central.values.2027`` (a new year is added), ``population_scale``,
``nodes.euv_lithography.difficulty`` (entries of lists are addressed by their id,
or by position in lists without ids, e.g. ``populations.0.count``); text values
are read as YAML scalars (``containment.rules_2022.date=2024Q4``). The changed
scenario is validated exactly like a file, so a negative budget is refused in
both; it is changed before its hash is computed, so the run store keys it.
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
    if inputs:
        data = scenario.model_dump()
        named: dict[str, str] = {}  # field path as validation names it -> the --set path
        failed = [_set(data, path, value, source, named) for path, value in inputs.items()]
        problems += [p for p in failed if p is not None]
        if any(p is None for p in failed):  # values are checked even when other paths fail
            from innostate.scenario.load import validate_data

            try:
                scenario = validate_data(data, source)
            except ScenarioError as exc:
                problems += [
                    dataclasses.replace(p, path=named.get(p.path, p.path)) for p in exc.problems
                ]
    if problems:
        raise ScenarioError(problems)
    return scenario, params


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
