"""Reference tables of the parameters, generated from their declarations for docs/model.md."""

from __future__ import annotations

import dataclasses
import re

from innostate.model.params import Params, describe


def parameter_table(group: str) -> str:
    """Markdown table of one parameter group (e.g. ``rnd``), its paths, defaults and ranges."""
    cls = {f.name: f.default_factory for f in dataclasses.fields(Params)}[group]
    rows = describe(cls, f"{group}.")  # type: ignore[arg-type]
    lines = ["| parameter | default | range | unit | meaning |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| `{r['path']}` | {r['default']:g} | {r['low']:g} to {r['high']:g} | {r['unit']} "
            f"| {r['meaning']} |"
        )
    return "\n".join(lines)


_BLOCK = re.compile(r"<!-- parameters:(\w+) -->\n.*?<!-- /parameters -->", re.S)


def refresh(text: str) -> str:
    """Rewrite every ``<!-- parameters:GROUP -->`` block of a document from the code."""
    return _BLOCK.sub(
        lambda m: (
            f"<!-- parameters:{m.group(1)} -->\n{parameter_table(m.group(1))}\n<!-- /parameters -->"
        ),
        text,
    )


if __name__ == "__main__":  # python -m innostate.scenario.reference docs/model.md
    import sys
    from pathlib import Path

    path = Path(sys.argv[1])
    path.write_text(refresh(path.read_text(encoding="utf-8")), encoding="utf-8")
