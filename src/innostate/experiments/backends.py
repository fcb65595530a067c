"""Running many tasks: in this process for one worker, else on a local process pool.

Whatever the backend, each result is handed to the caller the moment its task
finishes (so it can be saved at once), an interrupt stops the work promptly
(queued tasks are cancelled, running workers are stopped) and worker processes
never outlive the process that started them.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any


class WorkerDied(RuntimeError):
    """A worker process ended abruptly (killed, often for lack of memory)."""


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, not the machine's count)."""
    count = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if count is not None:
        return int(count() or 1)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def execute(
    fn: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    workers: int,
    on_done: Callable[[int, Any], None],
    executor: Executor | None = None,
) -> None:
    """Run ``fn(*task)`` for every task; call ``on_done(index, result)`` as each one finishes.

    Parameters
    ----------
    fn
        A module-level function (process pools pickle it by name).
    tasks
        Argument tuples, one per task.
    workers
        1 runs the tasks one after the other in this process; more starts a
        pool of that many spawned processes (never more than there are tasks).
    on_done
        Called in this process, in the order tasks finish.
    executor
        Any ``concurrent.futures`` executor (e.g. Dask's ``Client.get_executor()``)
        to use instead of the local backends; it is not shut down here.

    Raises
    ------
    WorkerDied
        When a worker process ended abruptly (e.g. killed for lack of memory).
    KeyboardInterrupt, or the first exception a task or ``on_done`` raises,
    after cancelling the queued tasks and stopping the local workers.
    """
    if executor is None and (workers <= 1 or len(tasks) <= 1):
        for index, task in enumerate(tasks):
            on_done(index, fn(*task))
        return
    pool = executor or ProcessPoolExecutor(
        max_workers=min(workers, len(tasks)),
        mp_context=multiprocessing.get_context("spawn"),  # clean workers on every platform
        initializer=_worker_start,
    )
    before = set(multiprocessing.active_children())
    futures: dict[Future[Any], int] = {}
    try:
        for index, task in enumerate(tasks):
            futures[pool.submit(fn, *task)] = index
        for future in as_completed(futures):
            on_done(futures[future], future.result())
    except BaseException as exc:
        for future in futures:
            future.cancel()
        if executor is None:
            _stop(pool, before)
        if isinstance(exc, BrokenProcessPool):
            raise WorkerDied(
                "a worker process ended abruptly, often because the machine ran out of memory"
            ) from None
        raise
    if executor is None:
        pool.shutdown()


def _stop(pool: Executor, before: set[multiprocessing.process.BaseProcess]) -> None:
    """Drop queued tasks and end the pool's workers now instead of waiting for their tasks."""
    pool.shutdown(wait=False, cancel_futures=True)
    workers = set(multiprocessing.active_children()) - before
    for process in workers:
        process.terminate()
    for process in workers:
        process.join(timeout=10)


def _worker_start() -> None:
    """Set up a worker: Ctrl-C is the parent's to handle; exit when the parent dies."""
    # a terminal sends SIGINT to the whole process group; the parent decides what stops
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:  # a killed parent cannot shut us down, so watch it ourselves
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()


def _exit_with(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()  # returns when the parent's sentinel closes, i.e. when it has died
    os._exit(1)
