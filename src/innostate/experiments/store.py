"""Writing a run to disk: Parquet tables, summary.json and manifest.json, atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from innostate.experiments.run import Result


def write_run(result: Result, out: Path) -> list[Path]:
    """Write every table as Parquet plus ``summary.json`` and ``manifest.json`` into ``out``.

    Each file is written to a temporary name and renamed, so a failure never
    leaves a half-written file behind. Returns the paths written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in result.tables().items():
        path = out / f"{name}.parquet"
        table = pa.Table.from_pandas(frame, preserve_index=False)
        tmp = path.with_suffix(".parquet.tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, path)
        written.append(path)
    for name, payload in (("summary", result.summary), ("manifest", result.manifest)):
        written.append(_write_json(out / f"{name}.json", payload))
    return written


def _write_json(path: Path, payload: dict[str, Any]) -> Path:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
