"""Compiled loops and sums shared by the mechanisms (issue 10, "Make it fast").

The model's arrays are large (about 950,000 capability slots at full scale) and a
step touches them a few dozen times, so the cost of a step is memory traffic and
numpy's temporaries, not arithmetic. Hot passes are therefore written as plain
loops compiled by numba (:func:`jit`): one pass over the slots instead of a chain
of whole-array expressions, no actor-sized temporaries, no ``np.add.at``.

Rules every compiled loop here keeps, so that results stay those of the numpy
formulation they replace:

- no ``fastmath``: floating-point operations happen in the written order, with
  IEEE semantics (``error_model="numpy"``: division by zero gives inf/nan, as in
  numpy, instead of raising);
- sums accumulate in the order ``np.bincount`` used (entry order), so they give
  the same bits;
- random numbers are drawn by the caller with numpy's Generator, never inside a
  compiled loop (the streams and their order are part of the model's results).

Compiled functions are cached on disk (``cache=True``): a fresh process loads
them in milliseconds instead of compiling them again. numba checks a cached
function against its own module's file only, not against the modules whose
compiled functions it calls (``production.progress_one`` inside ``rnd``'s
loops): after a change to ``production.py`` alone it would load the stale
machine code and give old results. So the cache lives in a folder named by a
digest of every source that compiled code comes from (:func:`cache_folder`):
any change to them starts a fresh cache.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar, cast

import numba
import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]

F = TypeVar("F", bound=Callable[..., Any])

_PACKAGE = Path(__file__).resolve().parents[1]
# every module with compiled functions, and every module they call into
COMPILED_SOURCES = (*sorted((_PACKAGE / "model").rglob("*.py")), _PACKAGE / "scenario" / "build.py")


def source_digest(sources: Iterable[Path]) -> str:
    """Digest of the sources' names and bytes: it changes when any of them does."""
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_folder(sources: Iterable[Path] = COMPILED_SOURCES) -> Path:
    """Where numba keeps compiled functions: one folder per version of the sources.

    Under ``NUMBA_CACHE_DIR`` when it is set, else the user's cache folder
    (``$XDG_CACHE_HOME`` or ``~/.cache``) ``/innostate/numba``.
    """
    base = os.environ.get("NUMBA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "innostate", "numba"
    )
    return Path(base) / source_digest(sources)


# set before the first @jit below runs: numba reads it when a function is decorated
numba.config.CACHE_DIR = str(cache_folder())  # type: ignore[attr-defined]


def jit(function: F) -> F:
    """Compile ``function`` with numba (nopython, cached, numpy's error model)."""
    compiled = numba.njit(cache=True, nogil=True, error_model="numpy")(function)
    return cast(F, compiled)


def weighted_total(amount: Floats, weight: Floats) -> float:
    """``sum(amount * weight)``: money per row times the real actors or projects it stands for.

    ``np.einsum`` sums with numpy's own vector loop. ``np.dot`` would call BLAS,
    which on a busy machine wakes its worker threads for every vector of more
    than about 10,000 entries (milliseconds each time) and whose rounding
    depends on the number of threads: einsum is faster and gives the same
    answer on any machine with the same numpy build.
    """
    return float(np.einsum("i,i->", amount, weight))


@jit
def power(x: float, exponent: float) -> float:
    """``x ** exponent`` as numpy computes ``array ** exponent`` (the operator, not np.power).

    For the exponents 2, 0.5, 1, -1 and 0 numpy calls square, sqrt, a copy,
    reciprocal and ones instead of ``pow``; ``pow(x, 2.0)`` can differ from
    ``x * x`` in the last bit, so compiled loops replacing such an expression
    use this to keep the results of the numpy formulation.
    """
    if exponent == 2.0:
        return x * x
    if exponent == 0.5:
        return math.sqrt(x)
    if exponent == 1.0:
        return x
    if exponent == -1.0:
        return 1.0 / x
    if exponent == 0.0:
        return 1.0
    return x**exponent  # type: ignore[no-any-return]
