"""Built-in scenarios (and, later, packaged facts), read through importlib.resources."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

DEFAULT_SCENARIO = "prc-2019"


def _folder() -> Path:
    return Path(str(resources.files("innostate.data").joinpath("scenarios")))


def facts_folder() -> Path:
    """Folder of the packaged fact tables (each number with its source and confidence)."""
    return Path(str(resources.files("innostate.data").joinpath("facts")))


def load_facts(name: str) -> dict[str, Any]:
    """A packaged YAML fact table by name (e.g. ``technologies``, ``chokepoints``)."""
    loaded = yaml.safe_load((facts_folder() / f"{name}.yaml").read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError(f"fact table {name} is not a mapping")
    return loaded


def load_rd_stats() -> list[dict[str, str]]:
    """Rows of rd_stats.csv: year, metric, value, unit, source_url, confidence."""
    with (facts_folder() / "rd_stats.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def list_builtin() -> list[str]:
    """Names of the built-in scenarios."""
    return sorted(p.stem for p in _folder().glob("*.yaml"))


def builtin_path(name: str) -> Path:
    """Path of a built-in scenario file."""
    path = _folder() / f"{name}.yaml"
    if not path.exists():
        raise KeyError(name)
    return path


def builtin_text(name: str) -> str:
    """The YAML text of a built-in scenario, for users to copy and edit."""
    return builtin_path(name).read_text(encoding="utf-8")


def describe_builtin() -> dict[str, str]:
    """Built-in scenario name -> its one-line description."""
    out = {}
    for name in list_builtin():
        raw = yaml.safe_load(builtin_text(name)) or {}
        out[name] = (
            str(raw.get("description", "")).strip().splitlines()[0]
            if raw.get("description")
            else ""
        )
    return out
