"""Scenario discovery: under which inputs does an outcome of interest happen?

Given a table of runs (one row per run: the design's inputs and the outcomes,
as a sweep writes it) and a condition on it (``nodes_meeting_requirement_end >=
5``, a pandas query), two descriptions of the runs that meet it:

- **PRIM boxes** (Friedman and Fisher's Patient Rule Induction Method, as used
  for scenario discovery by Bryant and Lempert 2010): limits on a few inputs
  inside which most runs meet the condition. Starting from every run, the box
  is *peeled*: at each step the peel that raises the share of runs of
  interest the most per run removed is taken, among cutting the lowest or the
  highest ``alpha`` share of the runs still in the box along one numeric input,
  or dropping one value of a categorical input. Peeling stops when no peel
  raises that share or the box would hold less than ``min_mass`` of the runs.
  Each step is a candidate box, with its

  - *coverage*: the share of all runs of interest that are inside it, and
  - *density*: the share of the runs inside it that are of interest;

  this peeling trajectory trades one for the other. The box kept is the one
  with the largest coverage among those whose density reaches ``threshold``
  (the densest of them when several have that coverage), or, when none does,
  the knee of the trajectory (the point farthest from the chord joining its
  ends, both axes scaled to 0-1). *Pasting* (optional) then
  widens the kept box again, ``alpha`` of its runs at a time, wherever that
  does not lower its density. With ``boxes`` above one, the runs of each box
  are set aside and PRIM looks for the next box among the others (covering).
- **A CART tree** (scikit-learn's ``DecisionTreeClassifier``, shallow): the
  same question answered by a few yes/no splits; every leaf is a rule with its
  coverage and density. Categorical inputs are one-hot encoded.

This module's PRIM is small on purpose: EMA Workbench's PRIM needs Python
3.12 from version 3.0 on, and its 2.5 line brings statsmodels, seaborn and
Platypus; the standalone ``PRIM`` package is GPL-licensed and unmaintained.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from innostate.scenario.errors import Problem, ScenarioError

# columns of a sweep table that describe the run, not the design
RUN_COLUMNS = ("row", "sample", "replicate", "seed")


@dataclass
class Discovery:
    """What scenario discovery found.

    ``boxes``: one row per box and restricted input (``box``, ``input``, ``kind``
    range or set, ``low``, ``high``, ``values``, ``full_low``, ``full_high``,
    ``all_values``); ``box_stats``: one row per box (``coverage``, ``density``,
    ``mass``, ``runs``, ``of_interest``, ``how`` it was chosen); ``trajectory``:
    every peeling step of every box (``box``, ``step``, ``coverage``, ``density``,
    ``mass``, ``restricted``, ``chosen``); ``leaves``: the tree's leaves as rules
    with ``runs``, ``of_interest``, ``coverage``, ``density`` and ``predicted``;
    ``tree``: the tree as text.
    """

    where: str
    inputs: list[str]
    runs: int
    of_interest: int
    boxes: pd.DataFrame
    box_stats: pd.DataFrame
    trajectory: pd.DataFrame
    leaves: pd.DataFrame
    tree: str
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def base_density(self) -> float:
        """The share of all runs that meet the condition."""
        return self.of_interest / self.runs if self.runs else 0.0

    def box_rules(self) -> list[str]:
        """Each box as one readable line: its limits, coverage and density."""
        lines = []
        for stats in self.box_stats.to_dict("records"):
            limits = self.boxes[self.boxes["box"] == stats["box"]]
            parts = [describe_limit(row) for row in limits.to_dict("records")]
            lines.append(
                f"box {stats['box']}: {' and '.join(parts) or 'no restriction'} "
                f"(coverage {stats['coverage']:.0%}, density {stats['density']:.0%}, "
                f"{stats['runs']} runs)"
            )
        return lines

    def __repr__(self) -> str:
        return (
            f"<Discovery '{self.where}': {self.of_interest} of {self.runs} runs; "
            f"{len(self.box_stats)} PRIM box(es), {len(self.leaves)} tree leaves; "
            "see .boxes, .box_stats, .trajectory, .leaves, .tree>"
        )


def describe_limit(row: Mapping[Any, Any]) -> str:
    """One restricted input of a box as text: ``0.2 <= x <= 0.6`` or ``regime in {a, b}``."""
    if row["kind"] == "set":
        return f"{row['input']} in {{{row['values']}}}"
    low = "" if row["low"] <= row["full_low"] else f"{row['low']:.4g} <= "
    high = "" if row["high"] >= row["full_high"] else f" <= {row['high']:.4g}"
    return f"{low}{row['input']}{high}"


def discover(
    table: pd.DataFrame | str | Path,
    where: str,
    inputs: list[str] | None = None,
    alpha: float = 0.05,
    threshold: float = 0.8,
    min_mass: float = 0.05,
    paste: bool = True,
    boxes: int = 1,
    depth: int = 3,
) -> Discovery:
    """Find the inputs under which the runs meet ``where``: PRIM boxes and a CART tree.

    Parameters
    ----------
    table
        One row per run: input columns and outcome columns (a sweep's runs
        table), or the folder a sweep wrote (its files are checked first).
    where
        A pandas query over the table's columns, true for the runs of interest,
        e.g. ``"nodes_meeting_requirement_end >= 5"``.
    inputs
        The columns to explain with (default: every column that is not an
        indicator or a run column such as ``replicate``, and that varies).
    alpha
        Share of the box's runs removed by one peel (and added by one paste).
    threshold
        Density a box must reach to be kept (else the trajectory's knee is kept).
    min_mass
        Smallest share of the runs a box may hold (also CART's smallest leaf).
    paste
        Widen the kept box again where that does not lower its density.
    boxes
        How many boxes to look for, each among the runs outside the earlier ones.
    depth
        Depth of the CART tree.

    Raises
    ------
    ScenarioError
        When the condition names an unknown column (the valid names are
        listed), is not a true/false test, or no run (or every run) meets it;
        or an input is not a column.
    DamagedRun
        When ``table`` is a folder that is not a finished sweep.
    """
    from innostate.experiments.compare import INDICATORS

    if not 0 < alpha < 0.5 or not 0 < min_mass < 1 or boxes < 1 or depth < 1:
        raise _error(
            "settings",
            "alpha must be in (0, 0.5), min_mass in (0, 1), boxes and depth at least 1",
            "e.g. alpha=0.05, min_mass=0.05, boxes=1, depth=3",
        )
    columns: list[str] | None = None
    if not isinstance(table, pd.DataFrame):
        from innostate.experiments.design import load_sweep

        found = load_sweep(table)
        table, columns = found.runs, list(found.design.get("columns", []))
    interest = of_interest(table, where)
    if inputs is not None:
        chosen = list(inputs)
    else:
        chosen = [c for c in design_inputs(table, INDICATORS) if columns is None or c in columns]
    unknown = [c for c in chosen if c not in table.columns]
    if unknown or not chosen:
        raise _error(
            "inputs",
            f"no column '{', '.join(unknown)}'" if unknown else "no input varies in this table",
            f"use some of {', '.join(design_inputs(table, INDICATORS)) or 'the design columns'}",
        )
    x = table[chosen].reset_index(drop=True)
    y = interest.to_numpy()
    box_limits, stats, steps = prim(x, y, alpha, threshold, min_mass, paste, boxes)
    leaves, text = cart(x, y, depth, min_mass)
    return Discovery(
        where=where,
        inputs=chosen,
        runs=len(y),
        of_interest=int(y.sum()),
        boxes=box_limits,
        box_stats=stats,
        trajectory=steps,
        leaves=leaves,
        tree=text,
        settings={
            "alpha": alpha,
            "threshold": threshold,
            "min_mass": min_mass,
            "paste": paste,
            "boxes": boxes,
            "depth": depth,
        },
    )


def of_interest(table: pd.DataFrame, where: str) -> pd.Series:
    """The runs that meet ``where``, as a boolean Series.

    Raises
    ------
    ScenarioError
        For an unknown name (listing the valid ones), a condition that is not
        a true/false test, or one that no run or every run meets.
    """
    valid = ", ".join(str(c) for c in table.columns)
    try:
        found = table.eval(where)
    except (NameError, KeyError) as exc:  # pandas' UndefinedVariableError is a NameError
        raise _error(
            "where", f"'{where}': {exc}", f"name one of the table's columns: {valid}"
        ) from None
    except (SyntaxError, ValueError, TypeError) as exc:
        raise _error(
            "where",
            f"'{where}' is not a condition pandas can read ({type(exc).__name__}: {exc})",
            'write e.g. "nodes_meeting_requirement_end >= 5"',
        ) from None
    if not isinstance(found, pd.Series) or found.dtype != bool:
        raise _error(
            "where",
            f"'{where}' is not a true/false test of each run",
            'compare a column with a value, e.g. "self_reliance_end > 0.5"',
        )
    count = int(found.sum())
    if count == 0 or count == len(found):
        ranges = "; ".join(
            f"{c} {table[c].min():.4g} to {table[c].max():.4g}"
            for c in table.columns
            if c in where and pd.api.types.is_numeric_dtype(table[c])
        )
        raise _error(
            "where",
            f"{'no' if count == 0 else 'every'} run of {len(found)} meets '{where}'"
            + (f" ({ranges})" if ranges else ""),
            "choose a condition that some runs meet and others do not",
        )
    return found.reset_index(drop=True)


def design_inputs(table: pd.DataFrame, outcomes: Any = ()) -> list[str]:
    """Columns that describe the design: not an outcome, not a run column, and varying."""
    return [
        str(c)
        for c in table.columns
        if c not in outcomes and c not in RUN_COLUMNS and table[c].nunique(dropna=False) > 1
    ]


TABLES = ("boxes", "box_stats", "trajectory", "leaves")


def write_discovery(result: Discovery, folder: Path) -> list[Path]:
    """Write the tables (Parquet and CSV), tree.txt and discovery.json (with digests)."""
    from innostate.experiments.store import file_digest, write_json, write_table, write_text

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.html").unlink(missing_ok=True)  # it describes older files
    written = []
    for name in TABLES:
        frame = getattr(result, name)
        written.append(write_table(folder / f"{name}.parquet", frame))
        written.append(write_text(folder / f"{name}.csv", frame.to_csv(index=False)))
    written.append(write_text(folder / "tree.txt", result.tree))
    files = {path.name: file_digest(path) for path in written}
    meta = {k: v for k, v in asdict(result).items() if k not in (*TABLES, "tree")}
    meta["rules"] = result.box_rules()
    written.append(write_json(folder / "discovery.json", {**meta, "files": files}))
    return written


def load_discovery(folder: Path) -> Discovery:
    """Read a written discovery back (for rebuilding its report).

    Raises
    ------
    DamagedRun
        Naming the file that is missing, unreadable or altered.
    """
    from innostate.experiments.store import check_files

    meta = check_files(folder, "discovery.json")
    tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in TABLES}
    return Discovery(
        where=meta["where"],
        inputs=list(meta["inputs"]),
        runs=int(meta["runs"]),
        of_interest=int(meta["of_interest"]),
        tree=(folder / "tree.txt").read_text(encoding="utf-8"),
        settings=dict(meta.get("settings", {})),
        **tables,
    )


# ---------------------------------------------------------------------------- PRIM


class _Box:
    """Box limits over the inputs: [low, high] for numeric ones, a set of codes for the others."""

    def __init__(self, low: np.ndarray, high: np.ndarray, allowed: list[set[int] | None]):
        self.low, self.high, self.allowed = low, high, allowed

    def copy(self) -> _Box:
        return _Box(
            self.low.copy(),
            self.high.copy(),
            [None if a is None else set(a) for a in self.allowed],
        )

    def contains(self, values: np.ndarray) -> np.ndarray:
        inside = np.ones(len(values), dtype=bool)
        for j, allowed in enumerate(self.allowed):
            column = values[:, j]
            if allowed is None:
                inside &= (column >= self.low[j]) & (column <= self.high[j])
            else:
                inside &= np.isin(column, list(allowed))
        return inside


def prim(
    x: pd.DataFrame,
    y: np.ndarray,
    alpha: float = 0.05,
    threshold: float = 0.8,
    min_mass: float = 0.05,
    paste: bool = True,
    boxes: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """PRIM boxes (see the module docstring): their limits, their statistics, the trajectories.

    Parameters
    ----------
    x
        Inputs, one row per run; numeric columns get ranges, the others sets of values.
    y
        True for the runs of interest.
    alpha, threshold, min_mass, paste, boxes
        As for :func:`discover`.
    """
    y = np.asarray(y, dtype=bool)
    values, categories = _encode(x)
    numeric = [c is None for c in categories]
    full = _Box(
        np.array([values[:, j].min() if numeric[j] else 0.0 for j in range(x.shape[1])]),
        np.array([values[:, j].max() if numeric[j] else 0.0 for j in range(x.shape[1])]),
        [None if numeric[j] else set(range(len(c or []))) for j, c in enumerate(categories)],
    )
    total, interesting = len(y), int(y.sum())
    remaining = np.ones(total, dtype=bool)
    limits, stats, steps = [], [], []
    for number in range(1, boxes + 1):
        if y[remaining].sum() == 0 or remaining.sum() < 2:
            break
        trajectory = _peel(values, y, remaining, full, alpha, min_mass, numeric)
        rows = [_stats(values, y, remaining, box, total, interesting) for box in trajectory]
        pick, how = _choose(rows, threshold)
        box = trajectory[pick]
        if paste:
            box = _paste(values, y, remaining, box, full, alpha, numeric)
        for k, row in enumerate(rows):
            steps.append(
                {
                    "box": number,
                    "step": k,
                    **row,
                    "restricted": _restricted(trajectory[k], full, numeric),
                    "chosen": k == pick,
                }
            )
        final = _stats(values, y, remaining, box, total, interesting)
        stats.append({"box": number, **final, "how": how + (", pasted" if paste else "")})
        limits += _limits(box, full, x, categories, numeric, number)
        remaining &= ~box.contains(values)
    limit_columns = [
        "box", "input", "kind", "low", "high", "values", "full_low", "full_high", "all_values",
    ]  # fmt: skip
    step_columns = [
        "box", "step", "coverage", "density", "mass", "runs", "of_interest", "restricted", "chosen",
    ]  # fmt: skip
    stat_columns = ["box", "coverage", "density", "mass", "runs", "of_interest", "how"]
    return (
        pd.DataFrame(limits, columns=limit_columns),
        pd.DataFrame(stats, columns=stat_columns),
        pd.DataFrame(steps, columns=step_columns),
    )


def _encode(x: pd.DataFrame) -> tuple[np.ndarray, list[list[str] | None]]:
    """Inputs as floats: numeric columns as they are, the others as category codes."""
    columns: list[np.ndarray] = []
    categories: list[list[str] | None] = []
    for name in x.columns:
        column = x[name]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            columns.append(column.to_numpy(dtype=float))
            categories.append(None)
        else:
            labels = sorted({str(v) for v in column})
            codes = column.astype(str).map({v: i for i, v in enumerate(labels)})
            columns.append(codes.to_numpy(dtype=float))
            categories.append(labels)
    return np.column_stack(columns), categories


def _peel(
    values: np.ndarray,
    y: np.ndarray,
    remaining: np.ndarray,
    full: _Box,
    alpha: float,
    min_mass: float,
    numeric: list[bool],
) -> list[_Box]:
    """The peeling trajectory: the full box, then each peel's box."""
    box = full.copy()
    inside = remaining & box.contains(values)
    trajectory = [box.copy()]
    smallest = max(1, math.ceil(min_mass * remaining.sum()))
    while True:
        n, density = int(inside.sum()), float(y[inside].mean())
        if density >= 1.0:
            break
        best: tuple[float, int, _Box, np.ndarray] | None = None
        for candidate in _peels(values, inside, box, alpha, numeric):
            kept = inside & candidate.contains(values)
            m = int(kept.sum())
            if m < smallest or m == n:
                continue
            gain = (float(y[kept].mean()) - density) / (n - m)  # per run removed
            if best is None or gain > best[0] or (gain == best[0] and m > best[1]):
                best = (gain, m, candidate, kept)
        if best is None or best[0] <= 0:
            break
        box, inside = best[2], best[3]
        trajectory.append(box.copy())
    return trajectory


def _peels(
    values: np.ndarray, inside: np.ndarray, box: _Box, alpha: float, numeric: list[bool]
) -> list[_Box]:
    """Candidate boxes, each one peel smaller than ``box``."""
    found = []
    for j in range(values.shape[1]):
        column = values[inside, j]
        if numeric[j]:
            ordered = np.sort(column)
            k = max(1, math.ceil(alpha * len(ordered)))
            cut_low, cut_high = ordered[k - 1], ordered[len(ordered) - k]
            above, below = column[column > cut_low], column[column < cut_high]
            if above.size:  # the k lowest runs go (with their ties)
                peeled = box.copy()
                peeled.low[j] = above.min()
                found.append(peeled)
            if below.size:
                peeled = box.copy()
                peeled.high[j] = below.max()
                found.append(peeled)
        else:
            present = set(np.unique(column).astype(int))
            if len(present) > 1:
                for code in present:
                    peeled = box.copy()
                    peeled.allowed[j] = (peeled.allowed[j] or set()) & (present - {code})
                    found.append(peeled)
    return found


def _paste(
    values: np.ndarray,
    y: np.ndarray,
    remaining: np.ndarray,
    box: _Box,
    full: _Box,
    alpha: float,
    numeric: list[bool],
) -> _Box:
    """Widen ``box`` one input at a time while that raises (or keeps) its density."""
    while True:
        inside = remaining & box.contains(values)
        n, density = int(inside.sum()), float(y[inside].mean())
        step = max(1, math.ceil(alpha * n))
        best: tuple[float, int, _Box] | None = None
        for j in range(values.shape[1]):
            candidates = []
            if numeric[j]:
                others = box.copy()
                others.low[j], others.high[j] = full.low[j], full.high[j]
                pool = remaining & others.contains(values)  # runs inside on every other input
                below = np.sort(values[pool & (values[:, j] < box.low[j]), j])[::-1]
                above = np.sort(values[pool & (values[:, j] > box.high[j]), j])
                if below.size:
                    wider = box.copy()
                    wider.low[j] = below[min(step, below.size) - 1]
                    candidates.append(wider)
                if above.size:
                    wider = box.copy()
                    wider.high[j] = above[min(step, above.size) - 1]
                    candidates.append(wider)
            else:
                allowed = box.allowed[j] or set()
                for code in (full.allowed[j] or set()) - allowed:
                    wider = box.copy()
                    wider.allowed[j] = allowed | {code}
                    candidates.append(wider)
            for wider in candidates:
                kept = remaining & wider.contains(values)
                m = int(kept.sum())
                if m == n:
                    continue
                new = float(y[kept].mean())
                if new >= density and (best is None or new > best[0]):
                    best = (new, m, wider)
        if best is None:
            return box
        box = best[2]


def _stats(
    values: np.ndarray,
    y: np.ndarray,
    remaining: np.ndarray,
    box: _Box,
    total: int,
    interesting: int,
) -> dict[str, Any]:
    inside = remaining & box.contains(values)
    n, hits = int(inside.sum()), int(y[inside].sum())
    return {
        "coverage": hits / interesting if interesting else 0.0,
        "density": hits / n if n else 0.0,
        "mass": n / total,
        "runs": n,
        "of_interest": hits,
    }


def _choose(rows: list[dict[str, Any]], threshold: float) -> tuple[int, str]:
    """The box kept: the widest reaching ``threshold`` density, else the trajectory's knee."""
    dense = [k for k, r in enumerate(rows) if r["density"] >= threshold]
    if dense:
        # equal coverage: the denser box, then the earlier (wider) one
        pick = max(dense, key=lambda k: (rows[k]["coverage"], rows[k]["density"], -k))
        return pick, f"largest coverage with density >= {threshold:g}"
    if len(rows) < 3:
        return len(rows) - 1, "last peel (too few steps for a knee)"
    cov = np.array([r["coverage"] for r in rows])
    den = np.array([r["density"] for r in rows])

    def scaled(v: np.ndarray) -> np.ndarray:
        span = v.max() - v.min()
        return (v - v.min()) / span if span > 0 else np.zeros_like(v)

    if np.ptp(cov) == 0 or np.ptp(den) == 0:  # no trade-off: the densest, then the widest
        pick = max(range(len(rows)), key=lambda k: (den[k], cov[k], -k))
        return pick, f"densest box of the trajectory (no box reaches {threshold:g})"
    points = np.column_stack([scaled(cov), scaled(den)])
    chord = points[-1] - points[0]
    length = float(np.hypot(*chord))
    if length == 0:
        return len(rows) - 1, "last peel"
    offset = points - points[0]
    distance = np.abs(chord[0] * offset[:, 1] - chord[1] * offset[:, 0]) / length
    return int(np.argmax(distance)), f"knee of the trajectory (no box reaches {threshold:g})"


def _restricted(box: _Box, full: _Box, numeric: list[bool]) -> int:
    count = 0
    for j, is_numeric in enumerate(numeric):
        if is_numeric:
            count += bool(box.low[j] > full.low[j] or box.high[j] < full.high[j])
        else:
            count += box.allowed[j] != full.allowed[j]
    return count


def _limits(
    box: _Box,
    full: _Box,
    x: pd.DataFrame,
    categories: list[list[str] | None],
    numeric: list[bool],
    number: int,
) -> list[dict[str, Any]]:
    rows = []
    for j, name in enumerate(x.columns):
        if numeric[j]:
            if box.low[j] > full.low[j] or box.high[j] < full.high[j]:
                rows.append(
                    {
                        "box": number,
                        "input": str(name),
                        "kind": "range",
                        "low": float(box.low[j]),
                        "high": float(box.high[j]),
                        "values": "",
                        "full_low": float(full.low[j]),
                        "full_high": float(full.high[j]),
                        "all_values": "",
                    }
                )
        elif box.allowed[j] != full.allowed[j]:
            labels = categories[j] or []
            rows.append(
                {
                    "box": number,
                    "input": str(name),
                    "kind": "set",
                    "low": math.nan,
                    "high": math.nan,
                    "values": ", ".join(labels[c] for c in sorted(box.allowed[j] or set())),
                    "full_low": math.nan,
                    "full_high": math.nan,
                    "all_values": ", ".join(labels),
                }
            )
    return rows


# ---------------------------------------------------------------------------- CART


def cart(
    x: pd.DataFrame, y: np.ndarray, depth: int = 3, min_mass: float = 0.05
) -> tuple[pd.DataFrame, str]:
    """A shallow classification tree: its leaves as rules (with coverage and density) and text.

    Categorical inputs are one-hot encoded (``regime=market_led``); a leaf's rule
    merges the splits on its path into one condition per input.
    """
    from sklearn.tree import DecisionTreeClassifier, export_text

    y = np.asarray(y, dtype=bool)
    categorical = [
        str(c)
        for c in x.columns
        if not pd.api.types.is_numeric_dtype(x[c]) or pd.api.types.is_bool_dtype(x[c])
    ]
    encoded = pd.get_dummies(x.astype({c: str for c in categorical}), columns=categorical,
                             prefix_sep="=", dtype=float)  # fmt: skip
    names = [str(c) for c in encoded.columns]
    tree = DecisionTreeClassifier(
        max_depth=depth, min_samples_leaf=max(1, math.ceil(min_mass * len(y))), random_state=0
    )
    tree.fit(encoded.to_numpy(dtype=float), y)
    text: str = export_text(tree, feature_names=names, show_weights=True)
    leaf_of = tree.apply(encoded.to_numpy(dtype=float))
    structure = tree.tree_
    interesting = int(y.sum())
    rows = []
    for leaf, conditions in _paths(structure, names, set(categorical)).items():
        members = leaf_of == leaf
        n, hits = int(members.sum()), int(y[members].sum())
        rows.append(
            {
                "leaf": int(leaf),
                "rule": " and ".join(conditions) or "every run",
                "runs": n,
                "of_interest": hits,
                "coverage": hits / interesting if interesting else 0.0,
                "density": hits / n if n else 0.0,
                "predicted": hits / n > 0.5 if n else False,
            }
        )
    leaves = pd.DataFrame(rows).sort_values(["density", "runs"], ascending=False)
    return leaves.reset_index(drop=True), text


def _paths(structure: Any, names: list[str], categorical: set[str]) -> dict[int, list[str]]:
    """Each leaf's conditions, one per input: ranges merged, categories as = / not in."""
    found: dict[int, list[str]] = {}

    def walk(node: int, bounds: dict[str, list[float]], sets: dict[str, list[set[str]]]) -> None:
        left, right = structure.children_left[node], structure.children_right[node]
        if left == right:  # a leaf
            found[node] = _conditions(bounds, sets)
            return
        name, cut = names[structure.feature[node]], float(structure.threshold[node])
        column, _, value = name.partition("=")
        if column in categorical and value:
            walk(left, bounds, {**sets, column: [*sets.get(column, []), {"!" + value}]})
            walk(right, bounds, {**sets, column: [*sets.get(column, []), {value}]})
        else:
            low, high = bounds.get(name, [-math.inf, math.inf])
            walk(left, {**bounds, name: [low, min(high, cut)]}, sets)
            walk(right, {**bounds, name: [max(low, cut), high]}, sets)

    walk(0, {}, {})
    return found


def _conditions(bounds: dict[str, list[float]], sets: dict[str, list[set[str]]]) -> list[str]:
    parts = []
    for name, (low, high) in bounds.items():
        if math.isfinite(low) and math.isfinite(high):
            parts.append(f"{low:.4g} < {name} <= {high:.4g}")
        elif math.isfinite(low):
            parts.append(f"{name} > {low:.4g}")
        else:
            parts.append(f"{name} <= {high:.4g}")
    for name, tests in sets.items():
        equal = [next(iter(t)) for t in tests if not next(iter(t)).startswith("!")]
        excluded = sorted(next(iter(t))[1:] for t in tests if next(iter(t)).startswith("!"))
        if equal:
            parts.append(f"{name} = {equal[0]}")
        else:
            parts.append(f"{name} not in {{{', '.join(excluded)}}}")
    return parts


def _error(path: str, message: str, fix: str) -> ScenarioError:
    return ScenarioError([Problem("discover", path, message, fix)])
