"""Seed-paired intervals for the bench scripts (numpy only: scipy is not a dependency)."""

from __future__ import annotations

import numpy as np

# two-sided 95% quantiles of Student's t by degrees of freedom (standard tables)
T975 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    12: 2.179,
    15: 2.131,
    20: 2.086,
    25: 2.060,
    30: 2.042,
}


def t975(df: int) -> float:
    """95% two-sided t quantile; the next tabulated smaller df (conservative), 1.96 beyond 30."""
    if df > 30:
        return 1.96
    return T975[max(k for k in T975 if k <= df)]


def half_width(values: np.ndarray) -> np.ndarray:
    """Half-width of the 95% t interval of the mean over axis 0 (NaN with fewer than 2 rows)."""
    n = values.shape[0]
    if n < 2:
        return np.full(values.shape[1:], np.nan)
    result: np.ndarray = t975(n - 1) * values.std(axis=0, ddof=1) / np.sqrt(n)
    return result
