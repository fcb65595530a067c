"""Executors with one call shape (``concurrent.futures``): sequential or a local process pool."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class SequentialExecutor(Executor):
    """Runs each task at submission in this process; the default for tests and one worker."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # the caller sees it through the future, as with a pool
            future.set_exception(exc)
        return future


def local_executor(workers: int) -> Executor:
    """A sequential executor for one worker, else a pool of ``workers`` processes.

    Worker processes are spawned (not forked) so that they start clean on every
    platform; use the executor as a context manager so they are shut down even
    when a run fails.
    """
    if workers <= 1:
        return SequentialExecutor()
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
