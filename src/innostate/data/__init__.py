"""Built-in scenarios (and, later, packaged facts), read through importlib.resources."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

DEFAULT_SCENARIO = "prc-2019"


def _folder() -> Path:
    return Path(str(resources.files("innostate.data").joinpath("scenarios")))


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
