"""Interrupted sweeps: kill -9 and Ctrl-C keep every finished run, and a resumed sweep's
tables equal an uninterrupted one's."""

import signal
import time

import pandas as pd
import pytest

from experiments.test_interrupt import CLI, children, saved_after, start, wait_gone
from innostate.experiments import factorial, sweep

LEVELS = {"regime.alignment": [0.2, 0.6, 1.0], "regime": ["market_led", "new_national_system"]}
REPLICATES, SEED = 2, 11
SCRIPT = """
import signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)  # whatever the test runner ignores
from innostate.experiments import factorial, sweep
sweep(factorial({levels!r}), "tiny", {replicates}, workers={workers}, out=sys.argv[1],
      root_seed={seed}, on_progress=lambda done, total: print("saved", done, flush=True))
"""


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    return sweep(factorial(LEVELS), "tiny", REPLICATES, workers=1, out=out, root_seed=SEED)


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_a_killed_sweep_resumes_to_the_same_tables(tmp_path, uninterrupted, workers):
    code = SCRIPT.format(levels=LEVELS, replicates=REPLICATES, workers=workers, seed=SEED)
    proc = start(code, str(tmp_path))
    reported = saved_after(proc, 3)
    workers_seen = children(proc.pid)
    proc.kill()
    proc.communicate(timeout=60)
    assert wait_gone(workers_seen) == set()  # no worker outlives its parent
    stored = list((tmp_path / "runs").glob("*.json"))
    assert reported <= len(stored) < 12  # every run reported saved is on disk; not all ran
    assert not list((tmp_path / "runs").glob(".*.tmp"))
    calls = []
    resumed = sweep(
        factorial(LEVELS), "tiny", REPLICATES, workers=workers, out=tmp_path, root_seed=SEED,
        on_progress=lambda done, total: calls.append(done),
    )  # fmt: skip
    assert calls[0] == len(stored)  # nothing finished was computed again
    pd.testing.assert_frame_equal(resumed.runs, uninterrupted.runs)
    pd.testing.assert_frame_equal(resumed.series, uninterrupted.series)


@pytest.mark.slow
def test_ctrl_c_stops_a_sweep_keeps_finished_runs_and_says_how_to_resume(tmp_path, uninterrupted):
    args = ["sweep", "tiny", "--param", "regime.alignment=0.2:1.0:3"]
    args += ["--param", "regime=market_led,new_national_system", "--replicates", str(REPLICATES)]
    args += ["--seed", str(SEED), "--workers", "2", "--out", str(tmp_path), "-q"]
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
    assert stored < 12
    assert f"Interrupted: {stored} of 12 runs are saved" in " ".join(stderr.split())
    assert "Run the same command again to resume" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "runs.parquet").exists()
    proc = start(CLI, *args)  # the same command again finishes the sweep
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "runs.parquet"), uninterrupted.runs)
