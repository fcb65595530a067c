"""The run store: results on disk, keyed by every input that decided them.

- Every write goes to a unique temporary name beside its target and is renamed
  into place, so a crash never leaves a half-written file and two writers never
  share a temporary file.
- One process at a time writes to an output folder (:func:`folder_lock`); a
  second one is refused at once instead of mixing its tables with the first's.
- A run's *key* (scenario hash, population scale, resolved regime and
  containment definitions, parameter settings, innostate version, seed) is
  stored with it. Reusing a result made with another key is refused with a
  message that says what changed (:class:`KeyMismatch`).
- Records carry a digest and run folders a digest per file, checked when read:
  a damaged or hand-edited file is never used as if it were a result.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from innostate.experiments.run import Result

LOCK_NAME = ".innostate.lock"
# files of a run folder besides the tables; the manifest is written last and lists the others
RUN_FILES = ("summary.json", "manifest.json")


class StoreError(Exception):
    """An output folder that cannot be used as asked; the message says why and what to do."""


class FolderBusy(StoreError):
    """Another process is writing to the same output folder."""


class KeyMismatch(StoreError):
    """Stored results were made from other inputs than the ones asked for now."""

    def __init__(self, where: Path, changes: list[str], count: int = 1) -> None:
        self.changes = changes
        what = "a run" if count == 1 else f"{count} runs"
        them = "it" if count == 1 else "them"
        listed = "; ".join(changes)
        super().__init__(
            f"{where} holds {what} made from other inputs ({listed}). Fix: discard {them} "
            "and compute afresh (--fresh, or fresh=True in Python), or choose another "
            "output folder."
        )


class DamagedRun(StoreError):
    """A run folder with a missing, unreadable or altered file."""


class DamagedRecordWarning(UserWarning):
    """A stored record that failed its check and is treated as missing."""


# ---------------------------------------------------------------------------- writing files


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (unique temporary name, then rename)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes private files; keep the usual mode
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it, then put it back
    os.umask(mask)
    return mask


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    return write_bytes(path, text.encode("utf-8"))


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


DICTIONARY_BYTES = 64 * 1024


def write_table(path: Path, frame: pd.DataFrame) -> Path:
    """Write a DataFrame as Parquet (no index), atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    # a column whose dictionary outgrows 64 KiB is written plain: unique ids, names and
    # measured floats gain nothing from one (the 1 MiB default spent a third of the writing
    # on half a million actors); columns of a few names (kind, region, node) keep theirs
    pq.write_table(
        pa.Table.from_pandas(frame, preserve_index=False),
        sink,
        dictionary_pagesize_limit=DICTIONARY_BYTES,
    )
    return write_bytes(path, sink.getvalue().to_pybytes())


def json_safe(value: Any) -> Any:
    """Non-finite floats as None, so that the JSON written is valid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def digest(payload: Any) -> str:
    """SHA-256 of a JSON-ready value in canonical form (sorted keys, no spaces)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------------------- folder lock


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold the output folder for this process; refuse at once if another one holds it.

    The lock is an OS file lock, released by the OS however the holder ends
    (even after kill -9), so a crashed run never leaves the folder locked.

    Raises
    ------
    FolderBusy
        When another process holds the folder.
    """
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            _lock(fd)
        except OSError:
            raise FolderBusy(
                f"{folder} is being written by another innostate process. Fix: wait for it "
                "to finish, or choose another output folder."
            ) from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _lock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


# ---------------------------------------------------------------------------- keys


def key_changes(old: dict[str, Any], new: dict[str, Any], limit: int = 6) -> list[str]:
    """What differs between two run keys, as short ``name: old -> new`` phrases."""
    before, after = _flatten(old), _flatten(new)
    changes = []
    for name in sorted(set(before) | set(after), key=_key_order):
        if before.get(name) != after.get(name):
            changes.append(f"{name}: {_short(before.get(name))} -> {_short(after.get(name))}")
    if len(changes) > limit:
        changes = [*changes[:limit], f"and {len(changes) - limit} more"]
    return changes


ORDER = (
    "scenario_sections",
    "scenario_hash",
    "population_scale",
    "seed",
    "regime",
    "containment",
    "settings",
)


def _key_order(name: str) -> tuple[int, str]:
    top = name.split(".")[0]
    return (ORDER.index(top) if top in ORDER else len(ORDER), name)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for k, v in value.items():
            flat.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return flat
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return _flatten({str(i): v for i, v in enumerate(value)}, prefix)
    return {prefix: value}


def _short(value: Any) -> str:
    if value is None:
        return "(none)"
    text = str(value)
    if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
        return text[:12]  # a hash: the first characters tell them apart
    return text if len(text) <= 40 else text[:37] + "..."


# ---------------------------------------------------------------------------- records


def write_record(path: Path, record: dict[str, Any]) -> dict[str, Any]:
    """Write one finished run's record with a digest of its contents.

    Returns the record as it will read back (non-finite floats as None), so
    that fresh and resumed records build the same tables.
    """
    payload: dict[str, Any] = json.loads(json.dumps(json_safe(record)))
    write_text(path, json.dumps({"digest": digest(payload), "record": payload}))
    return payload


def read_record(path: Path) -> dict[str, Any] | None:
    """A stored record, or None when absent; a damaged one warns and counts as missing."""
    if not path.exists():
        return None
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        record = stored["record"]
        if not isinstance(record, dict) or stored["digest"] != digest(record):
            raise ValueError("its contents do not match their digest")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        reason = exc if isinstance(exc, ValueError | OSError) else "it is not a run record"
        warnings.warn(
            f"{path} is damaged or was edited ({reason}); it will be computed again.",
            DamagedRecordWarning,
            stacklevel=2,
        )
        return None
    return record


# ---------------------------------------------------------------------------- run folders


def stored_key(folder: Path) -> dict[str, Any] | None:
    """The key of the finished run in ``folder``, or None when it holds none."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        key = manifest["key"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return key if isinstance(key, dict) else None


def check_folder(folder: Path, key: dict[str, Any], fresh: bool = False) -> None:
    """Refuse to replace a finished run made from other inputs, unless ``fresh``.

    Raises
    ------
    KeyMismatch
        When ``folder`` holds a finished run with another key.
    """
    old = stored_key(folder)
    if old is not None and old != key and not fresh:
        raise KeyMismatch(folder, key_changes(old, key))


def write_run(result: Result, out: Path) -> list[Path]:
    """Write every table as Parquet plus ``summary.json`` and ``manifest.json`` into ``out``.

    The manifest goes last and lists a digest of every other file, so a folder
    with a manifest holds one complete run, checked by :func:`check_run`. A
    report left from an earlier run is removed (it would describe other tables).
    The caller holds :func:`folder_lock` when other processes may write here.
    """
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("manifest.json", "report.html"):  # the folder is incomplete until the end
        (out / stale).unlink(missing_ok=True)
    written = [
        write_table(out / f"{name}.parquet", frame) for name, frame in result.tables().items()
    ]
    written.append(write_json(out / "summary.json", result.summary))
    files = {path.name: file_digest(path) for path in written}
    written.append(write_json(out / "manifest.json", {**result.manifest, "files": files}))
    return written


def check_run(folder: Path) -> dict[str, Any]:
    """The manifest of a finished run folder, after checking every file it lists.

    Raises
    ------
    DamagedRun
        Naming the file that is missing, unreadable or altered.
    """
    return check_files(folder, "manifest.json")


def check_files(folder: Path, index: str) -> dict[str, Any]:
    """Read the JSON ``index`` of a finished folder and check the digest of every file it lists.

    Raises
    ------
    DamagedRun
        Naming the file that is missing, unreadable or altered.
    """
    path = folder / index
    if not folder.is_dir():
        raise DamagedRun(f"{folder}: no such folder. Fix: give the folder innostate wrote.")
    if not path.exists():
        raise DamagedRun(
            f"{folder} is not a finished run: missing {index}. Fix: give the folder "
            "innostate wrote (--out), or run again into it."
        )
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(meta, dict):
            raise ValueError("not a JSON object")
        files = meta.get("files", {})
        if not isinstance(files, dict):
            raise ValueError("'files' is not a mapping")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DamagedRun(f"{path} is damaged ({exc}). Fix: run again into {folder}.") from None
    for name, expected in files.items():
        listed = folder / str(name)
        if not listed.exists():
            raise DamagedRun(
                f"{folder} is not a finished run: missing {name}. Fix: run again into it."
            )
        if file_digest(listed) != expected:
            raise DamagedRun(
                f"{listed} is damaged or was written by another version (it differs from the "
                f"digest recorded when the run finished). Fix: run again into {folder}."
            )
    return meta


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
