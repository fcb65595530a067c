"""Dates to steps: quarters like 2022Q4, ISO dates like 2022-10-07, months, or years."""

from __future__ import annotations

import re

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$")
_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def parse_month(text: str) -> tuple[int, int]:
    """Year and month (1-12) of a date string; a quarter maps to its first month.

    Raises ValueError with a readable message when the text is not a date.
    """
    text = str(text).strip()
    q = _QUARTER.match(text)
    if q:
        return int(q.group(1)), 3 * (int(q.group(2)) - 1) + 1
    m = _ISO.match(text)
    if m and (m.group(2) is None or 1 <= int(m.group(2)) <= 12):
        return int(m.group(1)), int(m.group(2) or 1)
    raise ValueError(f"'{text}' is not a date")


def step_index(start: str, when: str, steps_per_year: int) -> int:
    """Step in which ``when`` falls for a run starting at ``start`` (may be negative)."""
    y0, m0 = parse_month(start)
    y, m = parse_month(when)
    months_per_step = 12 // steps_per_year
    return (y - y0) * steps_per_year + (m - 1) // months_per_step - (m0 - 1) // months_per_step


def step_count(start: str, end: str, steps_per_year: int) -> int:
    """Number of steps from ``start`` to ``end`` inclusive."""
    return step_index(start, end, steps_per_year) + 1


def step_label(start: str, step: int, steps_per_year: int) -> str:
    """Human label of a step: 2022Q4 for quarters, 2022-10 for months, 2022 for years."""
    y0, m0 = parse_month(start)
    months = (m0 - 1) + step * (12 // steps_per_year)
    year, month = y0 + months // 12, months % 12 + 1
    if steps_per_year == 4:
        return f"{year}Q{(month - 1) // 3 + 1}"
    if steps_per_year == 1:
        return str(year)
    return f"{year}-{month:02d}"
