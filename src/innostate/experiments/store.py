"""Writing results to disk atomically: a failure never leaves a half-written file behind."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from innostate.experiments.run import Result


def write_text(path: Path, text: str) -> Path:
    """Write text to a temporary name beside ``path``, then rename it into place."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def write_json(path: Path, payload: dict[str, Any]) -> Path:
    """Write a mapping as indented, strict JSON, atomically.

    Raises
    ------
    ValueError
        Naming the file and field when a value is NaN or infinite: strict JSON
        has no such numbers, and a reader such as ``jq`` or a browser would fail.
    """
    try:
        text = json.dumps(payload, indent=2, allow_nan=False)
    except ValueError:
        where = non_finite(payload) or "a value"
        raise ValueError(f"{path.name}: {where} is not finite (strict JSON has no NaN)") from None
    return write_text(path, text + "\n")


def non_finite(value: Any, where: str = "") -> str | None:
    """The path (``milestones[0].lag_years``) of the first NaN or infinite float, else None."""
    if isinstance(value, float) and not math.isfinite(value):
        return where or "the value"
    if isinstance(value, dict):
        children = [(f"{where}.{k}" if where else str(k), v) for k, v in value.items()]
    elif isinstance(value, list | tuple):
        children = [(f"{where}[{i}]", v) for i, v in enumerate(value)]
    else:
        return None
    for path, child in children:
        found = non_finite(child, path)
        if found:
            return found
    return None


def write_table(path: Path, frame: pd.DataFrame) -> Path:
    """Write a DataFrame as Parquet (no index), atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp)
    os.replace(tmp, path)
    return path


def write_run(result: Result, out: Path) -> list[Path]:
    """Write every table as Parquet plus ``summary.json`` and ``manifest.json`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = [
        write_table(out / f"{name}.parquet", frame) for name, frame in result.tables().items()
    ]
    written.append(write_json(out / "summary.json", result.summary))
    written.append(write_json(out / "manifest.json", result.manifest))
    return written
