"""Writing results to disk atomically: a failure never leaves a half-written file behind."""

from __future__ import annotations

import json
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
    """Write a mapping as indented JSON, atomically."""
    return write_text(path, json.dumps(payload, indent=2) + "\n")


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
