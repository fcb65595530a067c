"""Reading scenario files: YAML (safe loading only), all problems at once, with lines.

A scenario file is read defensively, because anything a file can hold must end
in a clear message rather than a crash or a hang: the size is capped, the
encoding is detected (UTF-8 with or without BOM, UTF-16/32 with a BOM) or
refused by name, the YAML is parsed once (with libyaml when available),
duplicate keys and very deep nesting are refused, and aliases may not expand
the document by more than a few thousand values (the "billion laughs" bomb).
"""

from __future__ import annotations

import codecs
import difflib
import math
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from innostate.scenario.errors import Problem, ScenarioError
from innostate.scenario.schema import Scenario, vocabulary
from innostate.scenario.validate import cross_check

PathPart = str | int

MAX_FILE_BYTES = 20_000_000  # prc-2019, the largest built-in scenario, is about 0.1 MB
MAX_DEPTH = 40  # the schema nests about 6 levels; libyaml crashes past ~30,000
MAX_ALIAS_VALUES = 10_000  # values aliases may add to the document
MAX_SHOWN = 60  # characters of a value quoted in a message

# libyaml's loader parses about ten times faster than the pure-Python one
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def load_scenario(source: str | Path) -> Scenario:
    """Load and validate a scenario from a YAML file or a built-in scenario name.

    Parameters
    ----------
    source
        Path of a YAML file, or the name of a built-in scenario (``tiny``).

    Returns
    -------
    Scenario
        The validated scenario.

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
    return parse_scenario(read_text(path), str(path))


def rescale(scenario: Scenario, scale: float | None) -> Scenario:
    """The scenario with another ``population_scale``, checked like a file's value.

    Parameters
    ----------
    scenario
        A validated scenario.
    scale
        The new population scale (None keeps the scenario's own).

    Raises
    ------
    ScenarioError
        When the scale is not a finite number in (0, 10], or the run would have
        too many actors or too much work.
    """
    from innostate.scenario.validate import check_work

    if scale is None:
        return scenario
    if not math.isfinite(scale) or not 0 < scale <= 10:
        raise ScenarioError(
            [Problem("--scale", "population_scale", f"{scale} is out of range", "use 0.0001 to 10")]
        )
    problems = check_work(
        named=len(scenario.actors),
        counts=[p.count for p in scenario.populations],
        scale=scale,
        calendar=scenario.calendar.model_dump(),
    )
    if problems:
        raise ScenarioError([Problem("--scale", path, msg, fix) for path, msg, fix in problems])
    return scenario.model_copy(update={"population_scale": scale})


def read_text(path: Path) -> str:
    """The text of a scenario file, refusing files too large or not in a known encoding.

    Raises
    ------
    ScenarioError
        When the file cannot be read, is larger than ``MAX_FILE_BYTES`` or is
        not text in UTF-8 (with or without BOM) or UTF-16/32 with a BOM.
    """
    filename = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ScenarioError([_too_large(filename, path.stat().st_size)])
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(
            [
                Problem(
                    filename,
                    "",
                    f"cannot read the file: {exc.strerror or exc}",
                    "check the path (it must be a file, not a folder) and its permissions",
                )
            ]
        ) from None
    return decode(data, filename)


def decode(data: bytes, filename: str) -> str:
    """Decode scenario file bytes: UTF-8 (BOM optional), or UTF-16/UTF-32 with a BOM.

    Windows PowerShell's ``>`` writes UTF-16 with a BOM; Chinese editions of
    Windows editors may save GB18030/GBK, which is refused by name, because
    guessing a legacy encoding could silently change names.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                raise ScenarioError(
                    [
                        Problem(
                            filename,
                            "",
                            f"the file starts with a {encoding.upper()} byte-order mark "
                            "but is damaged or cut short",
                            "save it again as UTF-8",
                        )
                    ]
                ) from None
    if b"\x00" in data[:200]:  # NUL is valid UTF-8, but no YAML text holds one
        raise ScenarioError(
            [
                Problem(
                    filename,
                    "",
                    "the file is not UTF-8 text: it looks like UTF-16 or UTF-32 without a "
                    "byte-order mark",
                    "save it as UTF-8 (in most editors: Save As, Encoding: UTF-8)",
                )
            ]
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        if exc.reason == "unexpected end of data":
            guess = "UTF-8 cut short in the middle of a character (a truncated file?)"
        elif _decodes(data, "gb18030"):
            guess = "GB18030/GBK (a Chinese Windows encoding)"
        else:
            guess = "a legacy encoding such as Latin-1 or Windows-1252"
        raise ScenarioError(
            [
                Problem(
                    filename,
                    "",
                    f"the file is not UTF-8 text (byte 0x{data[exc.start]:02X} at line {line}); "
                    f"it looks like {guess}",
                    "save it as UTF-8 (in most editors: Save As, Encoding: UTF-8)",
                    line=line,
                )
            ]
        ) from None


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _too_large(filename: str, size: int) -> Problem:
    return Problem(
        filename,
        "",
        f"the file is {size / 1e6:.1f} MB, above the {MAX_FILE_BYTES / 1e6:.0f} MB limit "
        "for scenario files",
        "check that this is a scenario file; the largest built-in one is about 0.1 MB",
    )


def parse_scenario(text: str, filename: str = "<scenario>") -> Scenario:
    """Validate scenario YAML text; ``filename`` is used in messages.

    Raises
    ------
    ScenarioError
        With every problem found.
    """
    raw, tree = read_yaml(text, filename)
    if "extends" in raw or "whatif" in raw:
        from innostate.scenario.extend import compose

        raw, tree = compose(raw, tree, filename)  # type: ignore[arg-type]
    return validate_data(raw, filename, tree)


def construct(tree: yaml.Node) -> dict[str, Any]:
    """The data of a composed (possibly merged) YAML mapping tree."""
    loader = _Loader("")
    try:
        data: dict[str, Any] = loader.construct_document(tree)
    finally:
        loader.dispose()
    return data


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
    """Parse YAML safely, once, into a mapping plus its node tree for line numbers.

    Raises
    ------
    ScenarioError
        On malformed YAML, a text too large or nested too deep, duplicate keys,
        aliases expanding to too many values, or a document that is not a mapping.
    """
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError([_too_large(filename, len(text.encode("utf-8")))])
    text = text.removeprefix("\ufeff")
    if _nesting_bound(text) > MAX_DEPTH:
        # libyaml composes recursively and would crash the interpreter on such input,
        # so measure the real depth on the event stream first (rare: a cheap bound failed)
        _check_depth(text, filename)
    loader = _Loader(text)
    try:
        tree = loader.get_single_node()
        problems = inspect_tree(tree, filename) if tree is not None else []
        if problems:
            raise ScenarioError(problems)
        raw = loader.construct_document(tree) if tree is not None else None
    except yaml.YAMLError as exc:
        raise ScenarioError([_malformed(exc, filename)]) from None
    except RecursionError:
        raise ScenarioError([_too_deep(filename, None)]) from None
    except (ValueError, OverflowError) as exc:  # e.g. 2019-02-30, or an int of 5,000 digits
        raise ScenarioError([_unreadable(tree, filename, exc)]) from None
    finally:
        loader.dispose()
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


def _malformed(exc: yaml.YAMLError, filename: str) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "nesting depth" in str(reason):  # newer libyaml stops deep nesting itself
        return _too_deep(filename, mark)
    return _at(
        filename,
        mark,
        f"malformed YAML: {shorten(reason, 160)}",
        "correct the YAML syntax at that line (indentation, a missing ':' or quote)",
    )


_UNREADABLE = {
    "timestamp": ("a date: no such day", "write a real date, e.g. 2022-10-07"),
    "int": ("a number: too many digits", "write a number of at most a few digits"),
}


def _unreadable(tree: yaml.Node, filename: str, exc: Exception) -> Problem:
    """The first scalar YAML cannot turn into a value (a date that does not exist ...)."""
    constructor = yaml.constructor.SafeConstructor()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            try:
                constructor.construct_object(node)
            except (ValueError, OverflowError, yaml.YAMLError):
                kind = node.tag.rsplit(":", 1)[-1]
                what, fix = _UNREADABLE.get(kind, (kind, "put the text in quotes"))
                return Problem(
                    filename,
                    "",
                    f"'{shorten(node.value)}' cannot be read as {what}",
                    fix,
                    line=node.start_mark.line + 1,
                    column=node.start_mark.column + 1,
                )
        elif isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in reversed(node.value) for part in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
    return Problem(filename, "", f"a value cannot be read: {shorten(str(exc), 120)}", "fix it")


def _too_deep(filename: str, mark: Any) -> Problem:
    return _at(
        filename,
        mark,
        f"values are nested more than {MAX_DEPTH} levels deep",
        "a scenario nests about 6 levels: check the brackets and indentation",
    )


def _at(filename: str, mark: Any, message: str, fix: str) -> Problem:
    """A whole-file problem placed at a YAML mark (line and column), if there is one."""
    return Problem(
        filename,
        "",
        message,
        fix,
        line=mark.line + 1 if mark else None,
        column=mark.column + 1 if mark else None,
    )


_INDICATORS = re.compile(r"(?:^|\s)[-?:](?=\s|$)")


def _nesting_bound(text: str) -> int:
    """A cheap upper bound on the nesting depth of a YAML text.

    Block nesting is at most the indentation plus the indicators on one line
    (``- - x``); flow collections (``[{``) sit inside one block node and add their
    bracket depth. Counting every column and indicator overestimates the depth.
    """
    lines = text.splitlines()
    indent = max((len(line) - len(line.lstrip(" ")) for line in lines), default=0)
    indicators = max((len(_INDICATORS.findall(line)) for line in lines), default=0)
    depth = deepest = 0
    for char in re.findall(r"[\[\]{}]", text):
        depth += 1 if char in "[{" else -1
        deepest = max(deepest, depth)
    return indent + indicators + 1 + deepest  # + 1: a mapping opened on the line


def _check_depth(text: str, filename: str) -> None:
    """Refuse a text nested deeper than ``MAX_DEPTH``, measured on the parser's events."""
    loader = _Loader(text)
    depth = 0
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise ScenarioError([_too_deep(filename, event.start_mark)])
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as exc:
        raise ScenarioError([_malformed(exc, filename)]) from None
    finally:
        loader.dispose()


def inspect_tree(tree: yaml.Node, filename: str) -> list[Problem]:
    """Problems in a composed YAML tree that safe loading lets through.

    - a key repeated in one mapping (YAML loaders keep the last one silently);
    - aliases (``*name``) to lists or mappings that expand the document by more
      than ``MAX_ALIAS_VALUES`` values, or that refer to their own container;
    - nesting deeper than ``MAX_DEPTH``.
    """
    problems: list[Problem] = []
    sizes: dict[int, int] = {}  # id(collection node) -> values it expands to
    open_nodes: set[int] = set()
    added = [0]  # values added by aliases

    def where(node: yaml.Node) -> dict[str, int]:
        return {"line": node.start_mark.line + 1, "column": node.start_mark.column + 1}

    def walk(node: yaml.Node, depth: int, path: tuple[PathPart, ...]) -> int:
        if isinstance(node, yaml.ScalarNode):
            return 1
        key = id(node)
        if key in open_nodes:
            problems.append(
                Problem(
                    filename,
                    dotted(path),
                    "an alias refers to the list or mapping that contains it",
                    "write the values out instead of the alias",
                    **where(node),
                )
            )
            return 1
        if key in sizes:  # the same node again: an alias
            added[0] += sizes[key]
            return sizes[key]
        if depth > MAX_DEPTH:
            problems.append(_too_deep(filename, node.start_mark))
            sizes[key] = 1
            return 1
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            _duplicates(node, filename, path, problems)
            for key_node, value in node.value:
                total += walk(key_node, depth + 1, path)
                total += walk(value, depth + 1, (*path, _key(key_node)))
        else:
            for i, item in enumerate(node.value):
                total += walk(item, depth + 1, (*path, i))
        open_nodes.discard(key)
        sizes[key] = total
        return total

    walk(tree, 0, ())
    if added[0] > MAX_ALIAS_VALUES:
        problems.append(
            Problem(
                filename,
                "",
                f"aliases (*name) to lists or mappings expand the file by {added[0]:,} values",
                f"write the values out: aliases may add at most {MAX_ALIAS_VALUES:,} values",
            )
        )
    return problems


def _key(node: yaml.Node) -> PathPart:
    """A mapping key as it appears in field paths: integers (years) as int."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag.endswith(":int"):
            try:
                return int(node.value)
            except ValueError:
                return str(node.value)
        return str(node.value)
    return "?"


def _duplicates(
    node: yaml.MappingNode, filename: str, path: tuple[PathPart, ...], problems: list[Problem]
) -> None:
    first: dict[tuple[str, str], int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
            continue
        line = key_node.start_mark.line + 1
        name = (key_node.tag, key_node.value)
        if name not in first:
            first[name] = line
            continue
        problems.append(
            Problem(
                filename,
                dotted((*path, _key(key_node))),
                f"duplicate key '{shorten(key_node.value)}' at lines {first[name]} and {line}: "
                "YAML would silently keep only the second",
                "merge the two into one entry or delete one of them",
                line=line,
                column=key_node.start_mark.column + 1,
            )
        )


def shorten(value: Any, limit: int = MAX_SHOWN) -> str:
    """``str(value)`` cut to ``limit`` characters, so that messages stay readable."""
    text = value if isinstance(value, str) else _brief(value, limit)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _brief(value: Any, limit: int) -> str:
    # never format a whole (possibly huge) structure just to cut it
    if isinstance(value, dict):
        return f"a mapping of {len(value)} key" + ("s" if len(value) != 1 else "")
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} item" + ("s" if len(value) != 1 else "")
    return repr(value)[: limit + 1] if not isinstance(value, int | float) else str(value)


def _problem(
    filename: str, tree: yaml.Node | None, path: tuple[PathPart, ...], message: str, fix: str
) -> Problem:
    from innostate.scenario.extend import origin

    node = _deepest(tree, path)
    where = _position(node)
    base = origin(node)
    message = shorten(message, 300)
    if base is not None:  # a value taken from the scenario this file extends
        at = f", line {where[0]}" if where else ""
        message += f" (this value comes from the base scenario {shorten(base, 160)}{at})"
        fix += "; override it in this file"
        where = None
    return Problem(
        filename,
        shorten(dotted(path), 160),
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
        key_error = bool(loc) and loc[-1] == "[key]"  # the key of a mapping, not its value
        loc = tuple(p for p in loc if p != "[key]")
        message, fix = _explain(err, loc, words)
        if key_error:
            message = f"key {message}"
        problems.append(_problem(filename, tree, loc, message, fix))
    return problems


_SIGNS = {
    "greater_than_equal": ">=",
    "greater_than": ">",
    "less_than_equal": "<=",
    "less_than": "<",
}


def _explain(err: Any, loc: tuple[PathPart, ...], words: list[str]) -> tuple[str, str]:
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    name = str(loc[-1]) if loc else ""
    shown = shorten(value)
    if kind == "extra_forbidden":
        others = [w for w in words if w != name]
        close = difflib.get_close_matches(name[:80], others, n=1, cutoff=0.6)
        fix = f"did you mean '{close[0]}'?" if close else "remove it (see `innostate show tiny`)"
        return f"unknown key '{shorten(name)}'", fix
    if kind == "missing":
        return f"required field '{name}' is missing", f"add '{name}:' here"
    if kind in _SIGNS:
        money = bool(loc) and loc[0] in ("budgets", "earmarks") and "values" in loc
        if money and kind.startswith("greater"):
            return f"negative budget {shown}", "budgets are bn yuan per year and must be >= 0"
        if _is_probability(err, loc):
            return f"{shown} is outside [0, 1]", "use a share or probability between 0 and 1"
        bound = next(iter(ctx.values()), "")
        if isinstance(bound, int | float):
            bound = f"{int(bound):,}" if float(bound).is_integer() else f"{bound:g}"
        return f"{shown} is out of range", f"use a value {_SIGNS[kind]} {bound}"
    if kind == "finite_number":
        return f"{shown} is not a finite number", "write a plain finite number, e.g. 0.5"
    if kind == "literal_error":
        allowed = str(ctx.get("expected", ""))
        options = [o.strip(" '") for o in allowed.replace(" or ", ",").split(",")]
        close = difflib.get_close_matches(shown, options, n=1, cutoff=0.5)
        fix = f"did you mean '{close[0]}'?" if close else f"use one of {allowed}"
        return f"'{shown}' is not allowed", fix
    if isinstance(value, bool) and kind in ("float_type", "int_type"):
        return (
            f"{shown} (yes/no/true/false) is not a number",
            "write a plain number, e.g. 0.5",
        )
    if kind in ("int_type", "int_from_float") and isinstance(value, float):
        return f"{shown} is not a whole number", "write a whole number, e.g. 12"
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
        if isinstance(value, str) and _is_float(value):
            # YAML 1.1 reads 1e5 (no decimal point) as text
            return f"'{shown}' is text, not a number", "write it with a decimal point, e.g. 1.0e5"
        return f"'{shown}' is not a number", "write a plain number, e.g. 0.5"
    if kind == "bool_type":
        return f"'{shown}' is not true or false", "write true or false"
    if kind == "string_type" and isinstance(value, dict | list):
        return f"expected a single name or text, not {shown}", "write one value, e.g. name: x"
    if kind == "string_type":
        return f"{shown} is not text", "put the value in quotes, e.g. '2019'"
    if kind == "string_pattern_mismatch":
        return (
            f"'{shown}' is not a plain name",
            "use letters, digits, '-', '_' and '.', starting with a letter or digit "
            "(names become folder names)",
        )
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "expected a mapping of keys to values", "indent 'key: value' lines under it"
    if kind == "list_type":
        return "expected a list", "write items as '- item' lines"
    if kind == "too_short":
        return "must not be empty", "add at least one entry"
    if kind == "too_long":
        return (
            f"has more than {ctx.get('max_length')} entries",
            "split the scenario or use synthetic populations",
        )
    return shorten(err["msg"], 200), "see docs/model.md for the field's meaning and range"


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


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


def locate(tree: yaml.Node | None, path: tuple[PathPart, ...]) -> tuple[int, int] | None:
    """Line and column (1-based) of the deepest node along ``path`` in a composed YAML tree."""
    return _position(_deepest(tree, path))


def _position(node: yaml.Node | None) -> tuple[int, int] | None:
    if node is None:
        return None
    return node.start_mark.line + 1, node.start_mark.column + 1


def _deepest(tree: yaml.Node | None, path: tuple[PathPart, ...]) -> yaml.Node | None:
    """The node messages point at for ``path``: the key of the deepest mapping entry
    reached, or the list or mapping where the path leaves the tree."""
    node, found = tree, None
    for part in path:
        if node is None:
            break
        found = node
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if str(k.value) == str(part)]
            if not match:
                return found
            found, node = match[0]
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
        else:
            return found
    return node if found is None else found


def dotted(path: tuple[PathPart, ...]) -> str:
    """('nodes', 2, 'frontier') -> 'nodes[2].frontier'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
