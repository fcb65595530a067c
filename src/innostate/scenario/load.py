"""Reading scenario files: YAML (safe loading only), all problems at once, with lines."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from innostate.scenario.errors import Problem, ScenarioError
from innostate.scenario.schema import Scenario, vocabulary
from innostate.scenario.validate import cross_check

PathPart = str | int


def load_scenario(source: str | Path) -> Scenario:
    """Load and validate a scenario from a YAML file or a built-in scenario name.

    Raises
    ------
    ScenarioError
        With every problem found: file, field path, line, message and fix.
    """
    from innostate.data import builtin_path, list_builtin

    path = Path(source)
    if not path.exists():
        if str(source) in list_builtin():
            path = builtin_path(str(source))
        else:
            names = ", ".join(list_builtin())
            raise ScenarioError(
                [
                    Problem(
                        str(source),
                        "",
                        "no such file or built-in scenario",
                        f"give a path to a YAML file or one of: {names}",
                    )
                ]
            )
    return parse_scenario(path.read_text(encoding="utf-8"), str(path))


def parse_scenario(text: str, filename: str = "<scenario>") -> Scenario:
    """Validate scenario YAML text; ``filename`` is used in messages."""
    raw, tree = read_yaml(text, filename)
    return validate_data(raw, filename, tree)


def validate_data(
    raw: dict[str, Any], filename: str = "<data>", tree: yaml.Node | None = None
) -> Scenario:
    """Validate already-parsed scenario data (schema and cross-references together)."""
    problems: list[Problem] = []
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        problems.extend(_from_pydantic(exc, filename, tree))
    for path, message, fix in cross_check(raw):
        problems.append(_problem(filename, tree, path, message, fix))
    if problems or scenario is None:
        raise ScenarioError(_unique(problems))
    return scenario


def read_yaml(text: str, filename: str) -> tuple[dict[str, Any], yaml.Node | None]:
    """Parse YAML safely into a mapping, plus its node tree for line numbers."""
    try:
        tree = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(
            [
                Problem(
                    filename,
                    "",
                    f"malformed YAML: {reason}",
                    "correct the YAML syntax at that line (indentation, a missing ':' or quote)",
                    line=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None,
                )
            ]
        ) from None
    if not isinstance(raw, dict):
        raise ScenarioError(
            [
                Problem(
                    filename,
                    "",
                    "the file is empty or not a mapping of keys to values",
                    "start from `innostate show tiny` and edit it",
                )
            ]
        )
    return raw, tree


def locate(tree: yaml.Node | None, path: tuple[PathPart, ...]) -> tuple[int, int] | None:
    """Line and column (1-based) of the deepest node along ``path`` in a composed YAML tree."""
    node, found = tree, None
    for part in path:
        if node is None:
            break
        found = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if str(k.value) == str(part)]
            if not match:
                return found
            key, node = match[0]
            found = (key.start_mark.line + 1, key.start_mark.column + 1)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
        else:
            return found
    if node is not None and found is None:
        found = (node.start_mark.line + 1, node.start_mark.column + 1)
    return found


def dotted(path: tuple[PathPart, ...]) -> str:
    """('nodes', 2, 'frontier') -> 'nodes[2].frontier'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problem(
    filename: str, tree: yaml.Node | None, path: tuple[PathPart, ...], message: str, fix: str
) -> Problem:
    where = locate(tree, path)
    return Problem(
        filename,
        dotted(path),
        message,
        fix,
        line=where[0] if where else None,
        column=where[1] if where else None,
    )


def _from_pydantic(exc: ValidationError, filename: str, tree: yaml.Node | None) -> list[Problem]:
    problems = []
    words = sorted(vocabulary())
    for err in exc.errors():
        # drop pydantic's union/function tags from the location
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function")))
        loc = tuple(p for p in loc if p not in ("float", "int", "str", "bool"))
        message, fix = _explain(err, loc, words)
        problems.append(_problem(filename, tree, loc, message, fix))
    return problems


def _explain(err: Any, loc: tuple[PathPart, ...], words: list[str]) -> tuple[str, str]:
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    name = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(name, words, n=1, cutoff=0.6)
        fix = f"did you mean '{close[0]}'?" if close else "remove it (see `innostate show tiny`)"
        return f"unknown key '{name}'", fix
    if kind == "missing":
        return f"required field '{name}' is missing", f"add '{name}:' here"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        if loc and loc[0] == "budgets" and kind.startswith("greater"):
            return f"negative budget {value}", "budgets are bn yuan per year and must be >= 0"
        bound = next(iter(ctx.values()), "")
        low_high = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
        sign = low_high.get(
            {
                "greater_than_equal": "ge",
                "greater_than": "gt",
                "less_than_equal": "le",
                "less_than": "lt",
            }[kind],
            "",
        )
        if _is_probability(err, loc):
            return f"{value} is outside [0, 1]", "use a share or probability between 0 and 1"
        return f"{value} is out of range", f"use a value {sign} {bound}"
    if kind == "literal_error":
        allowed = str(ctx.get("expected", ""))
        options = [o.strip(" '") for o in allowed.replace(" or ", ",").split(",")]
        close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.5)
        fix = f"did you mean '{close[0]}'?" if close else f"use one of {allowed}"
        return f"'{value}' is not allowed", fix
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
        return f"'{value}' is not a number", "write a plain number, e.g. 0.5"
    if kind in ("dict_type", "model_type"):
        return "expected a mapping of keys to values", "indent 'key: value' lines under it"
    if kind == "list_type":
        return "expected a list", "write items as '- item' lines"
    if kind == "too_short":
        return "must not be empty", "add at least one entry"
    return err["msg"], "see docs/model.md for the field's meaning and range"


def _is_probability(err: Any, loc: tuple[PathPart, ...]) -> bool:
    """True when the field at ``loc`` is declared with the range [0, 1]."""
    info = _field_at(loc)
    if info is None:
        return False
    low = [getattr(m, "ge", None) for m in info.metadata if getattr(m, "ge", None) is not None]
    high = [getattr(m, "le", None) for m in info.metadata if getattr(m, "le", None) is not None]
    return low == [0] and high == [1]


def _field_at(loc: tuple[PathPart, ...]) -> Any:
    """The pydantic FieldInfo a validation location points at, or None."""
    model: Any = Scenario
    info = None
    for part in loc:
        if not isinstance(part, str) or model is None or part not in model.model_fields:
            continue  # list indices and dict keys
        info = model.model_fields[part]
        model = _inner_model(info.annotation)
    return info


def _inner_model(annotation: Any) -> Any:
    """The BaseModel inside X, list[X], dict[K, X] or X | None, else None."""
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in reversed(getattr(annotation, "__args__", ())):
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        key = (p.path, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
