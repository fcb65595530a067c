"""The run store: keyed results, refused mismatches, checked records, atomic locked writes."""

import json

import pandas as pd
import pytest

from innostate.data import builtin_text
from innostate.experiments.compare import compare
from innostate.experiments.run import resolve, simulate
from innostate.experiments.store import (
    DamagedRecordWarning,
    DamagedRun,
    FolderBusy,
    KeyMismatch,
    check_folder,
    check_run,
    folder_lock,
    write_json,
    write_run,
)

GRID = (["new_national_system", "market_led"], ["real"], 2)
CENTRAL = "central: {values: {2019: 40, 2028: 60}}"
USER_REGIME = "regime: {preset: new_national_system}"


def scenario_file(tmp_path, name="my.yaml", budget=1, alignment=0.5):
    """tiny with a user regime, the central budget multiplied by ``budget``."""
    text = builtin_text("tiny").replace(
        CENTRAL, f"central: {{values: {{2019: {40 * budget}, 2028: {60 * budget}}}}}"
    )
    text = text.replace(
        USER_REGIME,
        USER_REGIME + f"\nregimes:\n  cautious: {{base: new_national_system, overrides: "
        f"{{alignment: {alignment}}}}}",
    )
    assert CENTRAL in builtin_text("tiny") and USER_REGIME in builtin_text("tiny")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_grid(path, out, **kw):
    regimes, containments, replicates = GRID
    return compare(path, regimes, containments, replicates, 3, out, workers=1, **kw)


def test_resume_after_an_edited_scenario_is_refused_and_says_what_changed(tmp_path):
    out = tmp_path / "cmp"
    first = run_grid(scenario_file(tmp_path), out)
    edited = scenario_file(tmp_path, "edited.yaml", budget=10)
    with pytest.raises(KeyMismatch, match=r"4 runs made from other inputs \(scenario_sections"):
        run_grid(edited, out)
    with pytest.raises(KeyMismatch, match=r"scenario_sections.budgets: \w+ -> \w+; scenario_hash"):
        run_grid(edited, out)
    again = run_grid(edited, out, fresh=True)  # recomputed, never mixed
    assert (again.runs["rd_spent_bn"] > first.runs["rd_spent_bn"]).all()
    fresh = run_grid(edited, tmp_path / "clean")
    pd.testing.assert_frame_equal(again.runs, fresh.runs)


def test_resume_at_another_scale_or_regime_definition_is_refused(tmp_path):
    out = tmp_path / "cmp"
    path = scenario_file(tmp_path)
    compare(path, ["cautious"], ["real"], 2, 3, out, workers=1)
    with pytest.raises(KeyMismatch, match=r"population_scale: 1.0 -> 0.5"):
        compare(path, ["cautious"], ["real"], 2, 3, out, workers=1, scale=0.5)
    other = scenario_file(tmp_path, "other.yaml", alignment=0.3)
    with pytest.raises(KeyMismatch, match=r"regime.alignment: 0.5 -> 0.3"):
        compare(other, ["cautious"], ["real"], 2, 3, out, workers=1)
    with pytest.raises(KeyMismatch, match=r"settings.rnd.noise: \(none\) -> 0.0"):
        compare(path, ["cautious"], ["real"], 2, 3, out, workers=1, settings={"rnd.noise": 0})
    with pytest.raises(KeyMismatch, match=r"seed: "):
        compare(path, ["cautious"], ["real"], 2, 4, out, workers=1)


def test_a_damaged_or_edited_record_warns_and_is_computed_again(tmp_path):
    path = scenario_file(tmp_path)
    first = run_grid(path, tmp_path)
    records = sorted((tmp_path / "runs").glob("*.json"))
    records[0].write_text(records[0].read_text()[:50])  # truncated
    stored = json.loads(records[1].read_text())
    stored["record"]["end"]["self_reliance_end"] = 0.99  # hand-edited
    records[1].write_text(json.dumps(stored))
    calls = []
    with pytest.warns(DamagedRecordWarning) as caught:
        again = run_grid(path, tmp_path, on_run=lambda d, t: calls.append(d))
    assert sorted(str(w.message).split(" ")[0] for w in caught) == [
        str(records[0]),
        str(records[1]),
    ]
    assert calls == [2, 3, 4]  # two kept, two computed again
    pd.testing.assert_frame_equal(first.runs, again.runs)


def test_a_second_writer_on_one_folder_is_refused(tmp_path):
    with folder_lock(tmp_path):
        with pytest.raises(FolderBusy, match="being written by another innostate process"):
            with folder_lock(tmp_path):
                pass
    with folder_lock(tmp_path):  # released when the holder is done
        pass


def test_run_folders_are_checked_when_read_and_refused_for_other_inputs(tmp_path):
    inputs = resolve("tiny", seed=1)
    write_run(simulate(inputs), tmp_path)
    manifest = check_run(tmp_path)
    assert manifest["key"] == inputs.key() and "nodes.parquet" in manifest["files"]
    check_folder(tmp_path, inputs.key())  # same inputs: may be written again
    with pytest.raises(KeyMismatch, match="seed: 1 -> 2"):
        check_folder(tmp_path, resolve("tiny", seed=2).key())
    check_folder(tmp_path, resolve("tiny", seed=2).key(), fresh=True)
    with (tmp_path / "ledger.parquet").open("ab") as handle:
        handle.write(b"x")
    with pytest.raises(DamagedRun, match=r"ledger.parquet is damaged or was written by another"):
        check_run(tmp_path)
    (tmp_path / "manifest.json").write_text("{")
    with pytest.raises(DamagedRun, match=r"manifest.json is damaged"):
        check_run(tmp_path)


def test_a_refused_write_leaves_no_temporary_file(tmp_path):
    write_json(tmp_path / "a.json", {"x": 1.0})
    with pytest.raises(ValueError, match=r"y\[1\] is not finite"):
        write_json(tmp_path / "a.json", {"y": [1.0, float("inf")]})
    assert json.loads((tmp_path / "a.json").read_text()) == {"x": 1.0}  # the old file, whole
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_scale_and_settings_reach_the_manifest_and_the_folder_name():
    plain = resolve("tiny")
    varied = resolve("tiny", settings={"rnd.noise": 0}, scale=0.5)
    assert plain.folder_name() == "tiny-new_national_system-real-seed7"
    assert varied.folder_name().startswith("tiny-new_national_system-real-seed7-")
    assert varied.folder_name() != resolve("tiny", scale=0.5).folder_name()
    manifest = simulate(varied).manifest
    assert manifest["settings"] == {"rnd.noise": 0.0} and manifest["population_scale"] == 0.5


def test_concurrent_writers_of_one_file_never_collide(tmp_path):
    import threading

    target = tmp_path / "record.json"
    errors = []

    def writer(value):
        try:
            for _ in range(200):
                write_json(target, {"value": value, "pad": "x" * 10_000})
        except Exception as exc:  # a shared temporary name would fail here
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(v,)) for v in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert json.loads(target.read_text())["value"] in range(4)  # whole, from one writer
    assert [p.name for p in tmp_path.iterdir()] == ["record.json"]
