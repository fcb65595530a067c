"""scripts/test.sh, the README's test command: it sets up Chromium, then installs and tests.

The script runs with stand-ins for apt-get, sudo, id and python3 on PATH that
record their arguments, so that nothing is installed and no tests run twice.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SCRIPT = ROOT / "scripts" / "test.sh"
RECORD = '#!/bin/sh\necho "{name} $*" >> "$LOG"\n'


def run_script(tmp_path, *, chromium, uid="0", sudo=True, apt=True):
    """Run scripts/test.sh with recording stand-ins; return (exit code, calls, stderr)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fakes = {"python3": RECORD, "id": f"#!/bin/sh\necho {uid}\n"}
    if apt:
        fakes["apt-get"] = RECORD
    if sudo:  # records itself, then runs the command
        fakes["sudo"] = RECORD + 'exec "$@"\n'
    for name, text in fakes.items():
        path = bin_dir / name
        path.write_text(text.replace("{name}", name))
        path.chmod(0o755)
    for tool in ("dirname", "env"):  # the few real tools the script needs
        (bin_dir / tool).symlink_to(shutil.which(tool) or f"/usr/bin/{tool}")
    log = tmp_path / "calls.log"
    env = {"PATH": str(bin_dir), "LOG": str(log), "INNOSTATE_CHROMIUM": str(chromium)}
    done = subprocess.run(
        [shutil.which("bash") or "/bin/bash", str(SCRIPT), "-k", "quick"],
        env=env,
        capture_output=True,
        text=True,
    )
    calls = log.read_text().splitlines() if log.exists() else []
    return done.returncode, calls, done.stderr


@pytest.fixture
def present(tmp_path):
    browser = tmp_path / "chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    return browser


def test_the_script_is_executable_and_strict():
    assert os.access(SCRIPT, os.X_OK)
    assert "set -euo pipefail" in SCRIPT.read_text()


def test_with_chromium_present_it_only_installs_and_runs_pytest(tmp_path, present):
    code, calls, _ = run_script(tmp_path, chromium=present)
    assert code == 0
    assert calls == ["python3 -m pip install -e .[test]", "python3 -m pytest -k quick"]


def test_as_root_it_installs_debian_chromium_first(tmp_path):
    code, calls, _ = run_script(tmp_path, chromium=tmp_path / "missing")
    assert code == 0
    assert calls == [
        "apt-get update -qq",
        "apt-get install -y -qq chromium",
        "python3 -m pip install -e .[test]",
        "python3 -m pytest -k quick",
    ]


def test_as_a_user_it_installs_chromium_through_sudo(tmp_path):
    code, calls, _ = run_script(tmp_path, chromium=tmp_path / "missing", uid="1000")
    assert code == 0
    assert calls[:2] == ["sudo apt-get update -qq", "apt-get update -qq"]
    assert "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium" in calls


def test_without_root_or_sudo_it_stops_with_a_clear_message(tmp_path):
    code, calls, stderr = run_script(
        tmp_path, chromium=tmp_path / "missing", uid="1000", sudo=False
    )
    assert code == 1 and calls == []
    assert "needs root" in stderr and "apt-get install -y chromium" in stderr


def test_without_apt_get_it_says_how_to_point_at_another_chromium(tmp_path):
    code, calls, stderr = run_script(tmp_path, chromium=tmp_path / "missing", apt=False)
    assert code == 1 and calls == []
    assert "INNOSTATE_CHROMIUM" in stderr
