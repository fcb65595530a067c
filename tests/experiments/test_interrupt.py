"""Interrupted comparisons: kill -9 and Ctrl-C keep every finished run, leave no worker behind,
and the resumed tables equal an uninterrupted run's."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from innostate.experiments.compare import compare
from innostate.experiments.ensemble import stored as stored_records
from innostate.experiments.store import read_record

GRID = (["new_national_system", "old_national_system", "market_led"], ["real", "none"], 6, 11)
SCRIPT = """
import signal, sys
from pathlib import Path
signal.signal(signal.SIGINT, signal.default_int_handler)  # whatever the test runner ignores
from innostate.experiments.compare import compare
regimes, containments, replicates, seed = {grid!r}
compare("tiny", regimes, containments, replicates, seed, Path(sys.argv[1]), workers={workers},
        on_run=lambda done, total: print("saved", done, flush=True))
"""
CLI = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
from innostate.interfaces.cli.main import main
main()
"""


def children(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pids: set[int], limit: float = 60) -> set[int]:
    """The pids still alive after waiting up to ``limit`` seconds (a hang guard)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.2)
    return {p for p in pids if alive(p)}


def start(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def saved_after(proc: subprocess.Popen, count: int) -> int:
    """Read progress lines until ``count`` runs are reported saved; return the last count."""
    assert proc.stdout is not None
    done = 0
    for line in proc.stdout:
        done = int(line.split()[1])
        if done >= count:
            break
    return done


def reference(tmp_path_factory) -> pd.DataFrame:
    regimes, containments, replicates, seed = GRID
    out = tmp_path_factory.mktemp("reference")
    return compare("tiny", regimes, containments, replicates, seed, out, workers=1)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    return reference(tmp_path_factory)


def test_opening_a_folder_clears_the_temporary_files_of_writes_cut_short(tmp_path):
    cut = tmp_path / ".new_national_system__none__r001.json.wqdwheab.tmp"
    cut.write_text('{"key": {"seed"')  # what a kill -9 in the middle of a write leaves
    assert stored_records(tmp_path, [], fresh=False) == {}
    assert not cut.exists()


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_kill_9_loses_at_most_the_runs_in_flight(tmp_path, uninterrupted, workers):
    proc = start(SCRIPT.format(grid=GRID, workers=workers), str(tmp_path))
    reported = saved_after(proc, 4)
    workers_seen = children(proc.pid)
    proc.kill()
    proc.communicate(timeout=60)  # also closes the pipes
    assert wait_gone(workers_seen) == set()  # no worker outlives its parent
    stored = list((tmp_path / "runs").glob("*.json"))
    assert len(stored) >= reported  # every run reported saved is on disk
    # a record is written whole or not at all (a write cut by the kill may leave only
    # its temporary file, which the resume clears)
    assert all(read_record(path) is not None for path in stored)
    regimes, containments, replicates, seed = GRID
    calls = []
    resumed = compare(
        "tiny",
        regimes,
        containments,
        replicates,
        seed,
        tmp_path,
        workers=workers,
        on_run=lambda d, t: calls.append(d),
    )
    assert calls[0] == len(stored)  # nothing finished was computed again
    assert not list((tmp_path / "runs").glob(".*.tmp"))  # no temporary file is left
    pd.testing.assert_frame_equal(resumed.runs, uninterrupted.runs)
    pd.testing.assert_frame_equal(resumed.series, uninterrupted.series)
    pd.testing.assert_frame_equal(resumed.differences, uninterrupted.differences)


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_stops_keeps_finished_runs_and_says_how_to_resume(tmp_path, workers):
    regimes, containments, replicates, seed = GRID
    args = ["compare", "tiny", "--regimes", ",".join(regimes), "--containment"]
    args += [",".join(containments), "--replicates", str(replicates), "--seed", str(seed)]
    args += ["--workers", workers, "--out", str(tmp_path), "-q", "--no-report"]
    proc = start(CLI, *args)
    deadline = time.monotonic() + 120
    while len(list((tmp_path / "runs").glob("*.json"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers_seen = children(proc.pid)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert wait_gone(workers_seen) == set()
    stored = len(list((tmp_path / "runs").glob("*.json")))
    total = len(regimes) * len(containments) * replicates
    assert stored < total  # it stopped instead of finishing the queue
    assert f"Interrupted: {stored} of {total} runs are saved" in " ".join(stderr.split())
    assert "Run the same command again to resume" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "runs.parquet").exists()


def test_progress_advances_run_by_run_with_one_worker(tmp_path):
    calls = []
    compare("tiny", ["market_led"], ["real", "none"], 2, 1, tmp_path, workers=1,
            on_run=lambda d, t: calls.append((d, t)))  # fmt: skip
    assert calls == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    assert os.path.exists(tmp_path / "runs.parquet")
