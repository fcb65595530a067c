"""The command line, run in-process."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from innostate.interfaces.cli.main import app

runner = CliRunner()
BROKEN = Path(__file__).parent.parent / "scenario" / "broken"


def test_run_writes_tables_summary_manifest_and_prints_headlines(tmp_path):
    result = runner.invoke(app, ["run", "tiny", "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "self-reliance index" in result.output and "breakthroughs" in result.output
    # money not spent is a result: what lapsed and what is still held are shown
    assert "lapsed to the treasury" in result.output and "held at the end" in result.output
    for name in (
        "nodes",
        "areas",
        "flows",
        "projects",
        "events",
        "breakthroughs",
        "ledger",
        "actors",
    ):
        assert (tmp_path / f"{name}.parquet").stat().st_size > 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["regime"] == "new_national_system" and manifest["seed"] == 7
    assert len(manifest["scenario_hash"]) == 64
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["scenario"] == "tiny"


def test_same_inputs_give_byte_identical_parquet(tmp_path):
    for folder in ("a", "b"):
        runner.invoke(
            app,
            [
                "run",
                "tiny",
                "--seed",
                "5",
                "--regime",
                "market_led",
                "--out",
                str(tmp_path / folder),
                "-q",
            ],
        )
    for path in (tmp_path / "a").glob("*.parquet"):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_validate_accepts_good_and_rejects_bad_files_with_exit_2():
    good = runner.invoke(app, ["validate", "src/innostate/data/scenarios/tiny.yaml"])
    assert good.exit_code == 0 and "valid scenario 'tiny'" in good.output
    bad = runner.invoke(app, ["validate", str(BROKEN / "many.yaml")])
    assert bad.exit_code == 2
    assert "unknown node 'lithografy'" in bad.output and "Traceback" not in bad.output


def test_run_on_bad_input_exits_2_without_traceback():
    result = runner.invoke(app, ["run", str(BROKEN / "cycle.yaml"), "-q"])
    assert result.exit_code == 2
    assert "cycle" in result.output and "Traceback" not in result.output


def test_scenarios_show_and_regimes_list_what_is_built_in():
    listing = runner.invoke(app, ["scenarios"])
    assert "tiny" in listing.output
    shown = runner.invoke(app, ["show", "tiny"])
    assert shown.exit_code == 0 and shown.output.startswith("# tiny")
    assert runner.invoke(app, ["show", "nope"]).exit_code == 2
    assert "market_led" in runner.invoke(app, ["regimes"]).output


def test_run_writes_a_report_unless_told_not_to(tmp_path):
    with_report = runner.invoke(app, ["run", "tiny", "--out", str(tmp_path / "a"), "-q"])
    assert with_report.exit_code == 0 and (tmp_path / "a" / "report.html").exists()
    without = runner.invoke(app, ["run", "tiny", "--out", str(tmp_path / "b"), "-q", "--no-report"])
    assert without.exit_code == 0 and not (tmp_path / "b" / "report.html").exists()
    rebuilt = runner.invoke(app, ["report", str(tmp_path / "b")])
    assert rebuilt.exit_code == 0 and (tmp_path / "b" / "report.html").exists()


def test_report_on_a_folder_that_is_not_a_run_exits_2(tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a finished run" in result.output and "Traceback" not in result.output


def test_compare_writes_the_per_run_table_and_report(tmp_path):
    import pandas as pd

    result = runner.invoke(
        app,
        [
            "compare",
            "tiny",
            "--regimes",
            "new_national_system,market_led",
            "--containment",
            "real,severe",
            "--replicates",
            "2",
            "--out",
            str(tmp_path),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    assert len(runs) == 2 * 2 * 2 and runs["seed"].nunique() == 2
    assert (tmp_path / "report.html").exists()
    assert "market_led against new_national_system" in result.output


def test_compare_with_an_unknown_regime_exits_2(tmp_path):
    result = runner.invoke(
        app,
        [
            "compare",
            "tiny",
            "--regimes",
            "new_national_system,marxet_led",
            "--replicates",
            "1",
            "--out",
            str(tmp_path),
            "-q",
        ],
    )
    assert result.exit_code == 2 and "unknown regime 'marxet_led'" in result.output


def test_an_unwritable_output_folder_fails_before_the_run(tmp_path):
    import subprocess
    import sys

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from innostate.interfaces.cli.main import main; main()",
            "run",
            "tiny",
            "-q",
            "--out",
            str(blocker / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "Could not read or write a file" in result.stderr
    assert "Traceback" not in result.stderr


def test_set_overrides_parameters_by_dotted_path(tmp_path):
    ok = runner.invoke(
        app,
        [
            "run",
            "tiny",
            "-q",
            "--no-report",
            "--out",
            str(tmp_path),
            "--set",
            "regime.alignment=0.3",
            "--set",
            "rnd.noise=0",
        ],
    )
    assert ok.exit_code == 0, ok.output
    params = json.loads((tmp_path / "manifest.json").read_text())["parameter_values"]
    assert params["regime"]["alignment"] == 0.3 and params["rnd"]["noise"] == 0.0
    bad = runner.invoke(
        app,
        [
            "run",
            "tiny",
            "-q",
            "--out",
            str(tmp_path),
            "--set",
            "rnd.productivty=2",
            "--set",
            "regime.monitoring=3",
            "--set",
            "x",
        ],
    )
    assert bad.exit_code == 2
    for text in ("did you mean 'rnd.productivity'?", "3 is out of range", "expected PATH=VALUE"):
        assert text in bad.output


def test_run_scales_scenario_inputs_by_a_factor(tmp_path):
    args = ["run", "tiny", "-q", "--no-report", "--out", str(tmp_path)]
    ok = runner.invoke(app, [*args, "--set", "budgets.central.values*=1.5"])
    assert ok.exit_code == 0, ok.output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["settings"] == {"budgets.central.values*": 1.5}


def test_compare_of_one_regime_gives_containment_differences(tmp_path):
    grid = ["--regimes", "new_national_system", "--containment", "real,none", "--replicates", "3"]
    result = runner.invoke(
        app, ["compare", "tiny", *grid, "--workers", "1", "--out", str(tmp_path), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert "Containment none against real under new_national_system" in result.output
    assert (tmp_path / "report.html").exists()
    (tmp_path / "differences.parquet").write_bytes(b"edited")
    damaged = runner.invoke(app, ["report", str(tmp_path)])
    assert damaged.exit_code == 2
    assert "differences.parquet is damaged" in " ".join(damaged.output.split())


def test_run_into_a_folder_of_other_inputs_is_refused_unless_fresh(tmp_path):
    args = ["run", "tiny", "-q", "--no-report", "--out", str(tmp_path)]
    assert runner.invoke(app, [*args, "--seed", "1"]).exit_code == 0
    assert runner.invoke(app, [*args, "--seed", "1"]).exit_code == 0  # same inputs: fine
    refused = runner.invoke(app, [*args, "--seed", "2"])
    assert refused.exit_code == 2 and "seed: 1 -> 2" in refused.output
    assert "--fresh" in refused.output
    replaced = runner.invoke(app, [*args, "--seed", "2", "--fresh"])
    assert replaced.exit_code == 0
    assert json.loads((tmp_path / "manifest.json").read_text())["seed"] == 2


def test_default_folders_carry_a_hash_of_settings_and_scale(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for extra in ([], ["--set", "rnd.noise=0"], ["--scale", "0.5"]):
        assert runner.invoke(app, ["run", "tiny", "-q", "--no-report", *extra]).exit_code == 0
    folders = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert len(folders) == 3 and "tiny-new_national_system-real-seed7" in folders
    for folder in folders:
        manifest = json.loads((tmp_path / "runs" / folder / "manifest.json").read_text())
        if folder.endswith("seed7"):
            assert manifest["settings"] == {} and manifest["population_scale"] == 1.0
    scaled = [f for f in folders if f != "tiny-new_national_system-real-seed7"]
    scales = {
        json.loads((tmp_path / "runs" / f / "manifest.json").read_text())["population_scale"]
        for f in scaled
    }
    assert scales == {1.0, 0.5}


def test_no_report_removes_a_stale_report(tmp_path):
    args = ["run", "tiny", "-q", "--out", str(tmp_path)]
    assert runner.invoke(app, args).exit_code == 0 and (tmp_path / "report.html").exists()
    assert runner.invoke(app, [*args, "--no-report"]).exit_code == 0
    assert not (tmp_path / "report.html").exists()


def test_report_and_export_name_a_damaged_file(tmp_path):
    assert runner.invoke(app, ["run", "tiny", "-q", "--no-report", "--out", str(tmp_path)])
    (tmp_path / "projects.parquet").write_bytes(b"PAR1 broken")
    for command in (["report", str(tmp_path)], ["export", str(tmp_path), "--to", "csv"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2
        assert "projects.parquet is damaged" in " ".join(result.output.split())
        assert "Traceback" not in result.output


def test_export_writes_csv_files_and_an_excel_workbook(tmp_path):
    import pandas as pd

    assert runner.invoke(app, ["run", "tiny", "-q", "--no-report", "--out", str(tmp_path)])
    csv = runner.invoke(app, ["export", str(tmp_path), "--to", "csv"])
    assert csv.exit_code == 0, csv.output
    nodes = pd.read_csv(tmp_path / "csv" / "nodes.csv")
    stored = pd.read_parquet(tmp_path / "nodes.parquet")
    stored["period"] = stored["period"].astype(str)  # periods are written as their labels
    pd.testing.assert_frame_equal(nodes, stored, check_dtype=False)
    xlsx = runner.invoke(app, ["export", str(tmp_path), "--to", "xlsx"])
    assert xlsx.exit_code == 0, xlsx.output
    book = pd.read_excel(tmp_path / "tables.xlsx", sheet_name=None)
    assert set(book) == {p.stem for p in tmp_path.glob("*.parquet")}
    assert len(book["ledger"]) == len(pd.read_parquet(tmp_path / "ledger.parquet"))
    bad = runner.invoke(app, ["export", str(tmp_path), "--to", "pdf"])
    assert bad.exit_code == 2 and "use one of csv, xlsx" in bad.output


@pytest.mark.slow
def test_two_runs_on_one_folder_never_leave_it_mixed(tmp_path):
    import subprocess
    import sys

    from innostate.experiments.store import check_run

    code = "from innostate.interfaces.cli.main import main; main()"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                code,
                "run",
                "tiny",
                "-q",
                "--seed",
                seed,
                "--out",
                str(tmp_path),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in ("1", "2")
    ]
    outcomes = [(p.wait(timeout=300), p.communicate()[1]) for p in procs]
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0, 2], outcomes  # one wins; the other is refused with a reason
    (refusal,) = [" ".join(err.split()) for code, err in outcomes if code == 2]
    assert "another innostate process" in refusal or "made from other inputs" in refusal
    manifest = check_run(tmp_path)  # every table is the winner's, checked by digest
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["regime"] == manifest["regime"] and manifest["seed"] in (1, 2)
    assert (tmp_path / "report.html").exists()
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.yaml")), ids=lambda p: p.name)
def test_validate_refuses_every_broken_file_with_exit_2_and_its_name(path):
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # no exception escaped the command
    assert path.name in result.output and "Fix:" in result.output
    assert "This is a bug" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "tiny", "--seed", "-1"], "--seed"),
        (["run", "tiny", "--seed", str(2**32)], "--seed"),
        (["run", "tiny", "--scale", "nan"], "--scale"),
        (["run", "tiny", "--scale", "0"], "--scale"),
        (["compare", "tiny", "--seed", "-5"], "--seed"),
        (["run", "tiny", "--set", "regime.alignment=nan"], "nan is out of range"),
        (["run", "tiny", "--set", "regime.alignment=inf"], "inf is out of range"),
        (["run", "tiny", "--set", "budgets.central.values*=0"], "factor 0 is not a finite"),
        (["run", "tiny", "--set", "rnd.noise*=2"], "is a model parameter"),
        (["compare", "tiny", "--regimes", ","], "--regimes: no names given"),
        (["compare", "tiny", "--regimes", "market_led,market_led"], "given twice"),
        (["compare", "tiny", "--containment", "real,real"], "'real' given twice"),
    ],
)
def test_bad_command_line_values_get_a_clear_message_and_exit_2(tmp_path, args, message):
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 2, result.output
    assert message in result.output and "This is a bug" not in result.output
    assert not (tmp_path / "out" / "summary.json").exists()


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A finished tiny run without a report, to copy and damage."""
    folder = tmp_path_factory.mktemp("finished") / "run"
    result = runner.invoke(app, ["run", "tiny", "--out", str(folder), "-q", "--no-report"])
    assert result.exit_code == 0, result.output
    return folder


def test_report_on_a_damaged_run_folder_names_the_damaged_file(tmp_path, finished_run):
    folder = Path(shutil.copytree(finished_run, tmp_path / "run"))
    table = folder / "projects.parquet"
    table.write_bytes(table.read_bytes()[:200])  # cut short, as by a full disk
    result = runner.invoke(app, ["report", str(folder)])
    assert result.exit_code == 2 and "projects.parquet is damaged" in result.output
    table.unlink()
    assert "missing projects.parquet" in runner.invoke(app, ["report", str(folder)]).output


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("summary.json", '{"scenario": ', "summary.json is damaged"),
        ("manifest.json", "[1, 2]", "manifest.json is damaged (not a JSON object)"),
        ("summary.json", '{"scenario": "tiny"}', "damaged or was written by another version"),
    ],
)
def test_report_on_damaged_json_says_which_file(tmp_path, finished_run, name, text, message):
    folder = Path(shutil.copytree(finished_run, tmp_path / "run"))
    (folder / name).write_text(text)
    result = runner.invoke(app, ["report", str(folder)])
    assert result.exit_code == 2 and message in result.output, result.output
    assert "This is a bug" not in result.output


def test_report_on_a_missing_folder_says_so(tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "no such folder" in result.output


def test_params_lists_every_parameter_with_default_range_unit_and_meaning():
    import csv
    import io

    from innostate.model.params import describe

    result = runner.invoke(app, ["params", "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["path"] for r in rows] == [r["path"] for r in describe()]
    alignment = next(r for r in rows if r["path"] == "regime.alignment")
    expected = next(r for r in describe() if r["path"] == "regime.alignment")
    assert float(alignment["default"]) == expected["default"]
    assert (float(alignment["low"]), float(alignment["high"])) == (0, 1)
    assert alignment["unit"] and alignment["meaning"] == expected["meaning"]


def test_params_filters_by_path_and_shows_a_table():
    table = runner.invoke(app, ["params", "regime.alignment"], terminal_width=200)
    assert table.exit_code == 0 and "regime.alignment" in table.output
    assert "0 to 1" in table.output and "rnd.productivity" not in table.output
    none = runner.invoke(app, ["params", "no_such_thing"])
    assert none.exit_code == 2 and "No parameter path contains 'no_such_thing'" in none.output


def test_run_of_a_what_if_file_that_extends_a_built_in(tmp_path):
    what_if = tmp_path / "lift2027.yaml"
    what_if.write_text(
        "extends: tiny\n"
        "whatif:\n"
        "  - lift_item_controls: {nodes: [logic_chip, lithography], date: 2027Q1}\n"
    )
    assert runner.invoke(app, ["validate", str(what_if)]).exit_code == 0
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", str(what_if), "-q", "--no-report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario"] == "lift2027"
    events = manifest["key"]["containment"]["events"]
    assert events[-1]["id"] == "whatif_1_lift_item_controls"
    assert events[-1]["nodes"] == {"logic_chip": 1.0, "lithography": 1.0}


def test_a_broken_what_if_names_the_child_file_and_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: tiny\nnodes:\n  - {id: eda, difficulty: -1}\n")
    result = runner.invoke(app, ["run", str(bad), "-q", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert f"{bad}:3" in text and "nodes[0].difficulty: -1 is out of range" in text
    assert "This is a bug" not in result.output


def test_set_reaches_scenario_inputs_and_keys_the_run(tmp_path):
    args = ["run", "tiny", "-q", "--no-report", "--out", str(tmp_path)]
    ok = runner.invoke(app, [*args, "--set", "budgets.central.growth_after=0.2"])
    assert ok.exit_code == 0, ok.output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["settings"] == {"budgets.central.growth_after": 0.2}
    assert manifest["key"]["scenario_hash"] != load_tiny_hash()
    # the same folder without the setting: another scenario, refused
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2 and "budgets" in refused.output
    bad = runner.invoke(
        app,
        [*args, "--set", "budgets.central.values.2019=-3", "--set", "nodes.eda.dificulty=3"],
    )
    assert bad.exit_code == 2
    text = " ".join(bad.output.split())
    assert "--set: budgets.central.values.2019: negative budget -3" in text
    assert "did you mean 'nodes.eda.difficulty'?" in text


def load_tiny_hash():
    from innostate import load_scenario
    from innostate.experiments.run import scenario_hash

    return scenario_hash(load_scenario("tiny"))


def test_compare_with_a_scenario_setting_runs_every_cell_with_it(tmp_path):
    grid = ["--regimes", "new_national_system", "--containment", "real,none", "--replicates", "2"]
    setting = ["--set", "nodes.eda.difficulty=5"]
    result = runner.invoke(
        app,
        ["compare", "tiny", *grid, *setting, "--workers", "1", "--out", str(tmp_path), "-q"],
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(p.read_text())["record"] for p in (tmp_path / "runs").glob("*.json")]
    keys = [r["key"] for r in records]
    assert len(keys) == 4 and all(k["settings"] == {"nodes.eda.difficulty": 5.0} for k in keys)
    assert all(k["scenario_hash"] != load_tiny_hash() for k in keys)


def test_set_takes_text_for_dates_and_names_of_the_scenario(tmp_path):
    args = ["run", "tiny", "-q", "--no-report", "--out", str(tmp_path)]
    moved = runner.invoke(app, [*args, "--set", "containment.rules_2022.date=2024Q4"])
    assert moved.exit_code == 0, moved.output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["settings"] == {"containment.rules_2022.date": "2024Q4"}
    events = {e["id"]: e for e in manifest["key"]["containment"]["events"]}
    assert events["rules_2022"]["date"] == "2024Q4"
    bad = runner.invoke(
        app, [*args, "--fresh", "--set", "regime.alignment=high", "--set", "nodes.eda.frontier=x"]
    )
    assert bad.exit_code == 2
    text = " ".join(bad.output.split())
    assert "regime.alignment: 'high' is not a number" in text
    assert "nodes.eda.frontier: 'x' is not a number" in text


def test_sweep_writes_tidy_tables_and_a_summary(tmp_path):
    import pandas as pd

    args = ["sweep", "tiny", "--param", "regime.alignment=0.2:1.0:2", "--param"]
    args += ["regime=market_led,new_national_system", "--replicates", "2", "--workers", "1"]
    result = runner.invoke(app, [*args, "--scale", "0.5", "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    assert len(runs) == 2 * 2 * 2 and runs["seed"].nunique() == 2
    assert list(runs.columns[:5]) == ["regime.alignment", "regime", "row", "replicate", "seed"]
    assert (tmp_path / "series.parquet").exists() and (tmp_path / "sweep.json").exists()
    assert "4 design row(s) over regime.alignment, regime x 2 replicate(s)" in result.output
    assert "self-reliance index at the end" in result.output
    exported = runner.invoke(app, ["export", str(tmp_path)])
    assert exported.exit_code == 0, exported.output
    assert len(pd.read_csv(tmp_path / "csv" / "runs.csv")) == 8


def test_sweep_lhs_and_csv_designs(tmp_path):
    import pandas as pd

    lhs = ["sweep", "tiny", "--design", "lhs", "--samples", "3", "--param", "rnd.noise=0:2", "-q"]
    result = runner.invoke(app, [*lhs, "--workers", "1", "--out", str(tmp_path / "lhs")])
    assert result.exit_code == 0, result.output
    noise = pd.read_parquet(tmp_path / "lhs" / "runs.parquet")["rnd.noise"]
    assert len(noise) == 3 and noise.between(0, 2).all()
    table = tmp_path / "design.csv"
    table.write_text("regime,budgets.central.values.2019\nmarket_led,40\nmarket_led,80\n")
    csv = ["sweep", "tiny", "--design", str(table), "--scale", "0.5", "--workers", "1"]
    result = runner.invoke(app, [*csv, "--out", str(tmp_path / "csv"), "-q"])
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(tmp_path / "csv" / "runs.parquet")) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "regime.alignmnt=0:1:3"], "did you mean 'regime.alignment'?"),
        (
            ["--param", "regime.alignment=0:3:4"],
            "3 is out of range (row 3). Fix: use a value from 0 to 1",
        ),
        (["--param", "regime=market_lead"], "unknown regime 'market_lead' (row 0). Fix: use one"),
        (["--param", "regime.alignment=0:1"], "a factorial design needs levels"),
        (["--param", "rnd.noise=0:1", "--design", "lhs"], "a Latin hypercube needs --samples"),
        (["--param", "rnd.noise=0,1", "--dask", "spark"], "use --dask local or --dask tcp://"),
        (["--param", "rnd.noise=0,1", "--design", "missing.csv"], "cannot be read as a CSV"),
    ],
)
def test_sweep_input_problems_exit_2_before_any_run(tmp_path, args, message):
    result = runner.invoke(app, ["sweep", "tiny", *args, "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert not (tmp_path / "out" / "runs").exists()


def test_sweep_with_an_unreachable_dask_scheduler_exits_2(tmp_path, monkeypatch):
    monkeypatch.setattr("innostate.experiments.design.CONNECT_TIMEOUT", 2)
    args = ["sweep", "tiny", "--param", "rnd.noise=0,1", "--dask", "tcp://127.0.0.1:9"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path), "-q"])
    assert result.exit_code == 2, result.output
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in " ".join(result.output.split())


def test_sensitivity_prints_ranked_indices_and_writes_tables_and_report(tmp_path):
    args = ["sensitivity", "tiny", "--method", "morris", "--param", "rnd.productivity=0.1:0.5"]
    args += ["--param", "top_level_design.plan_start_year=2016:2025", "--trajectories", "2"]
    args += ["--replicates", "2", "--output", "self_reliance_end", "--workers", "1"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    assert "= 12 runs" in result.output and "ranked by mu_star" in result.output
    assert "seed noise" in result.output
    ranked = pd.read_csv(tmp_path / "indices.csv")
    assert list(ranked["parameter"]) == ["rnd.productivity", "top_level_design.plan_start_year"]
    for name in ("indices.parquet", "samples.parquet", "sensitivity.json", "report.html"):
        assert (tmp_path / name).stat().st_size > 0
    (tmp_path / "report.html").unlink()
    assert runner.invoke(app, ["report", str(tmp_path)]).exit_code == 0
    assert (tmp_path / "report.html").exists()


def test_sensitivity_input_problems_exit_2_before_any_run(tmp_path):
    args = ["sensitivity", "tiny", "--method", "sobol", "--samples", "12"]
    args += ["--param", "rnd.productivty=0.1:0.5", "--param", "rnd.noise=1", "--param"]
    args += ["regime.alignment=0.9:0.1", "--output", "nodes_met_end", "--out", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "Traceback" not in result.output
    for text in (
        "power of two, got 12",
        "use 8 or 16",
        "did you mean 'rnd.productivity'",
        "rnd.noise=1: sensitivity needs a range LOW:HIGH",
        "0.9:0.1 is empty",
        "unknown output 'nodes_met_end'",
    ):
        assert text in result.output, text
    assert not (tmp_path / "runs").exists()


def test_discover_prints_boxes_and_rules_and_names_valid_columns(tmp_path):
    sweep = ["sweep", "tiny", "--param", "rnd.productivity=0.1:0.5:3", "--param"]
    sweep += ["regime=new_national_system,market_led", "--workers", "1"]
    assert runner.invoke(app, [*sweep, "--out", str(tmp_path), "-q"]).exit_code == 0
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    median = runs["self_reliance_end"].median()
    result = runner.invoke(
        app, ["discover", str(tmp_path), "--where", f"self_reliance_end > {median}"]
    )
    assert result.exit_code == 0, result.output
    assert "3 of 6 runs" in result.output and "box 1:" in result.output
    assert "CART leaves" in result.output and "coverage" in result.output
    for name in ("boxes.csv", "leaves.csv", "tree.txt", "discovery.json", "report.html"):
        assert (tmp_path / "discovery" / name).stat().st_size > 0
    bad = runner.invoke(app, ["discover", str(tmp_path), "--where", "nodes_met_end >= 40"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    assert "nodes_meeting_requirement_end" in bad.output and "rnd.productivity" in bad.output
    missing = runner.invoke(app, ["discover", str(tmp_path / "nope"), "--where", "a > 1"])
    assert missing.exit_code == 2 and "no such folder" in missing.output
