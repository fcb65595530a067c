"""Executing tasks: results handed over as each finishes, failures stop the rest."""

import os

import pytest

from innostate.experiments.backends import WorkerDied, execute, usable_cpus


def square(x):
    return x * x


def fail_on(x, bad):
    if x == bad:
        raise ValueError(f"task {x} failed")
    return x


def die(x):
    os._exit(3)  # as if the OS killed the worker


def test_sequential_hands_over_each_result_before_starting_the_next():
    seen = []

    def task(x):
        seen.append(("run", x))
        return x

    execute(task, [(1,), (2,), (3,)], 1, lambda i, r: seen.append(("done", r)))
    assert seen == [("run", 1), ("done", 1), ("run", 2), ("done", 2), ("run", 3), ("done", 3)]


@pytest.mark.parametrize("workers", [1, 2])
def test_every_result_arrives_once_with_its_index(workers):
    got = {}
    execute(square, [(x,) for x in range(6)], workers, lambda i, r: got.setdefault(i, r))
    assert got == {x: x * x for x in range(6)}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_task_stops_the_work_and_raises_its_error(workers):
    done = []
    with pytest.raises(ValueError, match="task 0 failed"):
        execute(fail_on, [(x, 0) for x in range(4)], workers, lambda i, r: done.append(r))
    assert 0 not in done


def test_a_worker_that_dies_is_reported_as_such():
    with pytest.raises(WorkerDied, match="ended abruptly"):
        execute(die, [(1,), (2,)], 2, lambda i, r: None)


def test_usable_cpus_is_the_affinity_mask():
    assert usable_cpus() == len(os.sched_getaffinity(0))
