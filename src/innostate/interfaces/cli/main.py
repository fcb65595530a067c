"""``innostate`` command line: run, compare, sweep, sensitivity, calibrate, discover, report,
calibration-report, scenarios, regimes, params, show, validate, export, data."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from innostate.data import DEFAULT_SCENARIO, builtin_text, describe_builtin, list_builtin
from innostate.experiments.store import DamagedRecordWarning, StoreError
from innostate.scenario.errors import Problem, ScenarioError

if TYPE_CHECKING:
    from innostate.scenario.override import Setting
    from innostate.scenario.schema import Scenario

app = typer.Typer(
    name="innostate",
    help="Simulate China's new national system (新型举国体制) for core-technology breakthroughs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)
MAX_SEED = 2**32 - 1  # the scenario schema's range for seeds


def _fail(exc: ScenarioError) -> typer.Exit:
    err.print(f"[bold red]Invalid input[/] ({len(exc.problems)} problem(s)):")
    for problem in exc.problems:
        err.print(f"  - {problem}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


# options shared by the ensemble commands, written once
Workers = Annotated[int | None, typer.Option(min=1, help="worker processes (default: usable CPUs)")]
Scale = Annotated[
    float | None, typer.Option(min=0.0001, max=10, help="multiply synthetic populations")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")]
Dask = Annotated[
    str | None,
    typer.Option(
        help="run on Dask: 'local' (a LocalCluster of --workers processes) or a scheduler "
        "address tcp://HOST:PORT"
    ),
]
OutDir = Annotated[Path | None, typer.Option("--out", help="output folder")]
EverySettings = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="set a parameter or scenario input in every run (PATH*=FACTOR scales, as for run)",
    ),
]
FreshDesign = Annotated[
    bool, typer.Option("--fresh", help="discard the stored runs of this design and recompute")
]


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="built-in name or YAML file")] = DEFAULT_SCENARIO,
    regime: Annotated[str | None, typer.Option(help="regime preset or user-defined name")] = None,
    seed: Annotated[
        int | None,
        typer.Option(min=0, max=MAX_SEED, help="root seed (default: the scenario's)"),
    ] = None,
    containment: Annotated[
        str, typer.Option(help="containment timeline: real, none or a scenario variant")
    ] = "real",
    scale: Annotated[
        float | None,
        typer.Option(
            min=0.0001,
            max=10,
            help="multiply synthetic populations, budgets unchanged (e.g. 0.01 for a quick look)",
        ),
    ] = None,
    out_dir: OutDir = None,
    settings: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="set a parameter or scenario input, e.g. --set regime.alignment=0.5 or "
            "--set budgets.central.growth_after=0.1; PATH*=FACTOR multiplies every number "
            "at or under PATH, e.g. --set 'budgets.central.values*=1.2' or "
            "'nodes.*.difficulty*=1.5' (repeatable)",
        ),
    ] = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="replace a run of other inputs in the output folder")
    ] = False,
    parameters: Annotated[
        str | None,
        typer.Option(
            "--parameters",
            help="parameter sets: posterior (default for prc-2012 and prc-2019 when a calibrated "
            "posterior is packaged), defaults, or a posterior folder from innostate calibrate",
        ),
    ] = None,
    quiet: Quiet = False,
    no_report: Annotated[bool, typer.Option("--no-report", help="skip report.html")] = False,
) -> None:
    """Run one simulation; write its tables, summary.json, manifest.json and report.html.

    The default folder is runs/SCENARIO-REGIME-CONTAINMENT-seedSEED, plus a
    short hash of --set, --scale and the parameter set when they are given.
    A calibrated run uses the parameter set replicate 0 of a comparison with
    the same root seed would use.
    """
    from innostate.experiments.run import resolve, simulate
    from innostate.experiments.store import check_folder, folder_lock, write_run
    from innostate.scenario.load import load_scenario, rescale

    try:
        loaded = rescale(load_scenario(scenario), scale)
        chosen = _settings(settings or [], loaded)
        posterior = _posterior(scenario, parameters)
        root = loaded.seed if seed is None else seed
        block = posterior.block(posterior.draw(root, 1)[0]) if posterior else None
        inputs = resolve(loaded, regime, containment, seed, chosen, parameters=block)
        folder = out_dir or Path("runs") / inputs.folder_name()
        with folder_lock(folder):  # fails on a bad folder before computing
            check_folder(folder, inputs.key(), fresh)
            result = _with_progress(lambda tick: simulate(inputs, on_step=tick), quiet)
            written = write_run(result, folder)  # removes an earlier report
            _headline(result.summary, result.label())
            if not no_report:
                from innostate.interfaces.report import write_run_report

                written.append(write_run_report(folder))
    except ScenarioError as exc:
        raise _fail(exc) from None
    except StoreError as exc:
        raise _refuse(exc) from None
    except KeyboardInterrupt:
        err.print("Interrupted: the run did not finish; run the same command again.")
        raise typer.Exit(code=130) from None
    out.print(f"Wrote {len(written)} files to [bold]{folder}[/]")


def _show_warning(message: Warning | str, *args: Any, **kwargs: Any) -> None:
    err.print(f"[yellow]Warning:[/] {message}", soft_wrap=True, highlight=False)


def _refuse(exc: Exception) -> typer.Exit:
    err.print(f"[bold red]Refused:[/] {exc}", soft_wrap=True, highlight=False)
    return typer.Exit(code=2)


def _settings(items: list[str], scenario: Scenario) -> dict[str, Setting]:
    """Parse ``--set path=value`` options and check them against the scenario.

    Values are numbers, or text for scenario inputs that are not numbers
    (``--set containment.rules_2022.date=2024Q4``); ``--set 'path*=factor'``
    scales (see scenario/override.py).
    """
    parsed: dict[str, Setting] = {}
    problems = []
    for item in items:
        path, sep, text = item.partition("=")
        if not sep or not path.strip():
            problems.append(
                Problem(
                    "--set", item, "expected PATH=VALUE", "write e.g. --set regime.alignment=0.5"
                )
            )
            continue
        try:
            parsed[path.strip()] = float(text)
        except ValueError:
            parsed[path.strip()] = text.strip()
    from innostate.scenario.override import split_settings

    try:  # checked here too, so that the messages name the --set option
        split_settings(scenario, parsed)
    except ScenarioError as exc:
        problems += exc.problems
    if problems:  # the malformed ones and the well-formed ones' problems in one message
        raise ScenarioError(problems)
    return parsed


def _posterior(scenario: str, parameters: str | None) -> Any:
    """The posterior of ``--parameters`` (None: the defaults), checked before any run."""
    from innostate.experiments.posterior import choose

    return choose(scenario, parameters)


def _names(text: str, option: str, example: str) -> list[str]:
    """A comma-separated list of names: at least one, each once."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if not names or repeated:
        message = f"'{', '.join(repeated)}' given twice" if repeated else "no names given"
        raise ScenarioError(
            [Problem(option, "", message, f"give each name once, e.g. {option} {example}")]
        )
    return names


Tick = Callable[[int, int], None]
T = TypeVar("T")


def _with_progress(job: Callable[[Tick | None], T], quiet: bool, label: str = "simulating") -> T:
    """Run ``job(tick)`` with a progress bar (done, total, ETA) on a terminal, quiet otherwise.

    The ETA is the mean time per item done in this session times the items left
    (items resumed from disk do not count towards the speed).
    """
    if quiet or not err.is_terminal:
        return job(None)
    import time

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[eta]}"),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None, eta="")
        start: list[float] = []

        def tick(done: int, total: int) -> None:
            if not start:
                start.extend((time.monotonic(), done))
            elapsed, first = time.monotonic() - start[0], start[1]
            eta = ""
            if done > first and done < total:
                left = elapsed / (done - first) * (total - done)
                eta = f"ETA {int(left // 60)}:{int(left % 60):02d}"
            bar.update(task, completed=done, total=total, eta=eta)

        return job(tick)


def _run_ensemble(job: Callable[[Tick | None], T], quiet: bool, folder: Path | None) -> T:
    """Run an ensemble (compare, sweep, sensitivity) with a progress bar.

    Damaged stored runs are reported and run again; every way the runs can stop
    (store refused, backend missing, a worker killed, Ctrl-C) ends with a message
    saying what was kept in ``folder`` and how to go on.
    """
    from innostate.experiments.backends import WorkerDied
    from innostate.experiments.design import BackendUnavailable
    from innostate.experiments.ensemble import Interrupted, WorkerMismatch

    try:
        with warnings.catch_warnings():  # damaged records: say so, then run them again
            warnings.simplefilter("always", DamagedRecordWarning)
            warnings.showwarning = _show_warning
            return _with_progress(job, quiet, label="runs")
    except (StoreError, BackendUnavailable, WorkerMismatch) as exc:
        raise _refuse(exc) from None
    except WorkerDied as exc:
        err.print(
            f"[bold red]Stopped:[/] {exc}. The finished runs are saved in {folder}/runs. "
            "Fix: run the same command again with fewer --workers (each holds one run in "
            "memory) or a smaller --scale.",
            soft_wrap=True,
        )
        raise typer.Exit(code=1) from None
    except Interrupted as exc:
        err.print(
            f"Interrupted: {exc.done} of {exc.total} runs are saved in {exc.folder}. "
            "Run the same command again to resume.",
            soft_wrap=True,
        )
        raise typer.Exit(code=130) from None


def _headline(summary: dict[str, Any], title: str) -> None:
    table = Table(title=title)  # names the containment, scale and settings too
    table.add_column("indicator")
    table.add_column("value", justify="right")
    rows = [
        ("actors", f"{summary['actors']:,}"),
        (
            "self-reliance index, start -> end",
            f"{summary['self_reliance_start']:.3f} -> {summary['self_reliance_end']:.3f}",
        ),
        (
            "nodes meeting requirement, start -> end",
            f"{summary['nodes_meeting_requirement_start']} -> "
            f"{summary['nodes_meeting_requirement_end']} of {summary['nodes']}",
        ),
        (
            "chokepoints, start -> end",
            f"{summary['chokepoints_start']} -> {summary['chokepoints_end']}",
        ),
        ("R&D spent (bn yuan)", f"{summary['rd_spent_bn']:,.1f}"),
        *[
            (f"  committed from {k} (bn yuan)", f"{v:,.1f}")
            for k, v in summary["money_by_source_bn"].items()
        ],
        ("lapsed to the treasury, unspent (bn yuan)", f"{summary['lapsed_bn']:,.1f}"),
        (
            "held at the end, not yet spent (bn yuan)",
            f"{sum(summary['idle_end_bn'].values()):,.1f}",
        ),
        (
            "waste: cut or duplicate projects (bn yuan)",
            f"{summary['waste_bn']:,.1f} ({100 * summary['waste_share']:.1f}%)",
        ),
        (
            "projects / cut / duplicates",
            f"{summary['projects']} / {summary['projects_cut']} / {summary['duplicate_projects']}",
        ),
        ("breakthroughs", str(summary["breakthroughs"])),
        ("breakthroughs per 100 bn yuan", f"{summary['breakthroughs_per_100bn']:.3f}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    out.print(table)


def _listing(title: str, items: dict[str, str]) -> None:
    table = Table(title=title)
    table.add_column("name")
    table.add_column("description")
    for name, text in items.items():
        table.add_row(name, text)
    out.print(table)


@app.command()
def scenarios() -> None:
    """List the built-in scenarios."""
    items = describe_builtin()
    _listing(
        "Built-in scenarios",
        {n + (" (default)" if n == DEFAULT_SCENARIO else ""): t for n, t in items.items()},
    )


@app.command()
def regimes() -> None:
    """List the built-in regime presets."""
    from innostate.scenario.regimes import describe_presets

    _listing("Regime presets", describe_presets())


@app.command()
def params(
    match: Annotated[
        str | None, typer.Argument(help="only parameters whose path contains this, e.g. rnd.")
    ] = None,
    csv_out: Annotated[bool, typer.Option("--csv", help="write CSV to standard output")] = False,
) -> None:
    """List every model parameter: dotted path (for --set), default, range, unit and meaning."""
    from innostate.model.params import describe

    rows = [r for r in describe() if match is None or match in r["path"]]
    if not rows:
        err.print(f"No parameter path contains '{match}'. Fix: run `innostate params` for all.")
        raise typer.Exit(code=2)
    columns = ("path", "default", "low", "high", "unit", "meaning")
    if csv_out:
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=columns)
        writer.writeheader()
        writer.writerows({c: r[c] for c in columns} for r in rows)
        return
    view = Table(title=f"{len(rows)} parameters (set one with --set PATH=VALUE)")
    view.add_column("path", no_wrap=True)
    view.add_column("default", justify="right")
    view.add_column("range", justify="right")
    view.add_column("unit")
    view.add_column("meaning", overflow="fold")
    for r in rows:
        view.add_row(
            r["path"],
            f"{r['default']:g}",
            f"{r['low']:g} to {r['high']:g}",
            r["unit"],
            r["meaning"],
        )
    out.print(view)


@app.command()
def show(scenario: Annotated[str, typer.Argument(help="built-in scenario name")]) -> None:
    """Print a built-in scenario's YAML, to copy and edit."""
    if scenario not in list_builtin():
        err.print(
            f"No built-in scenario '{scenario}'. Fix: use one of {', '.join(list_builtin())}."
        )
        raise typer.Exit(code=2)
    sys.stdout.write(builtin_text(scenario))


@app.command()
def validate(path: Annotated[Path, typer.Argument(help="scenario YAML file")]) -> None:
    """Check a scenario file: exit 0 when valid, 2 with every problem when not."""
    from innostate.scenario.load import load_scenario

    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        raise _fail(exc) from None
    out.print(
        f"{path}: valid scenario '{scenario.name}' ({len(scenario.nodes)} nodes, "
        f"{len(scenario.actors)} named actors, {len(scenario.populations)} populations)"
    )


@app.command()
def report(
    run_dir: Annotated[
        Path, typer.Argument(help="folder of a run, comparison, sensitivity analysis or discovery")
    ],
) -> None:
    """Rebuild report.html of a finished run, comparison, sensitivity analysis or discovery."""
    from innostate.experiments.store import DamagedRun, folder_lock
    from innostate.interfaces.report import (
        write_compare_report,
        write_discovery_report,
        write_run_report,
        write_sensitivity_report,
    )

    try:
        if not run_dir.is_dir():
            raise DamagedRun(f"{run_dir}: no such folder. Fix: give the folder innostate wrote.")
        with folder_lock(run_dir):  # not while a run or comparison is writing there
            if (run_dir / "comparison.json").exists():
                path = write_compare_report(run_dir)
            elif (run_dir / "sensitivity.json").exists():
                path = write_sensitivity_report(run_dir)
            elif (run_dir / "discovery.json").exists():
                path = write_discovery_report(run_dir)
            else:
                path = write_run_report(run_dir)
    except StoreError as exc:
        err.print(str(exc), soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(code=2) from None
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        # files that read but lack what a run writes: edited by hand or another version
        err.print(
            f"{run_dir}: a file in this folder is damaged or was written by another version "
            f"of innostate ({type(exc).__name__}: {str(exc)[:120]}). Fix: run the simulation "
            "again into this folder.",
            soft_wrap=True,
            markup=False,
            highlight=False,
        )
        raise typer.Exit(code=2) from None
    out.print(f"Wrote [bold]{path}[/]")


@app.command("calibration-report")
def calibration_report(
    folder: Annotated[Path, typer.Argument(help="the --out folder of innostate calibrate")],
) -> None:
    """Write FOLDER/calibration.html: milestones against the posterior predictive, backtest
    figures, posterior marginals and correlations, emulator diagnostics (offline HTML)."""
    from innostate.experiments.store import DamagedRun, folder_lock
    from innostate.interfaces.report import write_calibration_report

    try:
        if not folder.is_dir():
            raise DamagedRun(
                f"{folder}: no such folder. Fix: give the --out folder of innostate calibrate."
            )
        with folder_lock(folder):  # not while a calibration is writing there
            path = write_calibration_report(folder)
    except StoreError as exc:
        err.print(str(exc), soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(code=2) from None
    out.print(f"Wrote [bold]{path}[/]")


@app.command()
def export(
    run_dir: Annotated[Path, typer.Argument(help="folder of a run, a comparison or a sweep")],
    to: Annotated[str, typer.Option("--to", help="csv or xlsx")] = "csv",
) -> None:
    """Export a finished run's, comparison's or sweep's tables as CSV files or one Excel workbook.

    CSV files go to RUN_DIR/csv/; the workbook is RUN_DIR/tables.xlsx (one sheet
    per table; needs the optional openpyxl: pip install 'innostate[excel]').
    """
    from innostate.experiments.export import export_folder

    try:
        written = export_folder(run_dir, to)
    except (StoreError, ValueError) as exc:
        err.print(str(exc), soft_wrap=True, highlight=False)
        raise typer.Exit(code=2) from None
    out.print(
        f"Wrote {len(written)} file(s): [bold]{written[0].parent if to == 'csv' else written[0]}[/]"
    )


@app.command()
def compare(
    scenario: Annotated[str, typer.Argument(help="built-in name or YAML file")] = DEFAULT_SCENARIO,
    regimes: Annotated[
        str, typer.Option(help="comma-separated regimes; the first is the baseline")
    ] = "new_national_system,old_national_system,market_led",
    containment: Annotated[
        str, typer.Option(help="comma-separated containment timelines; the first is the baseline")
    ] = "real",
    replicates: Annotated[int, typer.Option(min=1, help="runs per cell (seeds)")] = 20,
    seed: Annotated[
        int | None,
        typer.Option(min=0, max=MAX_SEED, help="root seed (default: the scenario's)"),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="local worker processes (default: usable CPUs)")
    ] = None,
    scale: Scale = None,
    settings: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="set a parameter or scenario input in every run, e.g. --set rnd.noise=0 "
            "(PATH*=FACTOR scales, as for run)",
        ),
    ] = None,
    out_dir: OutDir = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="discard the stored runs of this grid and recompute")
    ] = False,
    parameters: Annotated[
        str | None,
        typer.Option(
            "--parameters",
            help="parameter sets: posterior (default for prc-2012 and prc-2019 when a calibrated "
            "posterior is packaged), defaults, or a posterior folder from innostate calibrate",
        ),
    ] = None,
    quiet: Quiet = False,
    no_report: Annotated[bool, typer.Option("--no-report", help="skip report.html")] = False,
) -> None:
    """Run a regime x containment grid as ensembles and compare the cells.

    Any grid works, one regime or one timeline included. Differences are paired
    by replicate: each regime against the first (per timeline), each timeline
    against the first (per regime), and their interaction. Finished runs are
    kept in OUT/runs with the key of their inputs: run the same command again
    to resume; runs made from other inputs are refused (or recomputed with --fresh).
    With a calibrated posterior, replicate r uses the r-th parameter set drawn
    from the root seed in every cell, so differences stay paired.
    """
    from innostate.experiments.compare import compare as run_grid
    from innostate.experiments.run import resolve
    from innostate.scenario.load import load_scenario, rescale

    try:
        names = _names(regimes, "--regimes", "new_national_system,market_led")
        timelines = _names(containment, "--containment", "real,none")
        loaded = rescale(load_scenario(scenario), scale)
        inputs = resolve(loaded, seed=seed, settings=_settings(settings or [], loaded))
        posterior = _posterior(scenario, parameters)
        folder = out_dir or Path("runs") / inputs.folder_name("compare")
        if posterior is not None:  # not the folder of the same grid with the defaults
            folder = out_dir or folder.with_name(f"{folder.name}-{posterior.name}")
        result = _run_ensemble(
            lambda tick: run_grid(
                inputs.scenario,
                names,
                timelines,
                replicates,
                inputs.seed,
                folder,
                workers=workers,
                on_run=tick,
                settings=inputs.settings,
                fresh=fresh,
                parameters=posterior if posterior is not None else "defaults",
            ),
            quiet,
            folder,
        )
    except ScenarioError as exc:
        raise _fail(exc) from None
    for line in result.reading:
        out.print(f"- {line}", soft_wrap=True, highlight=False, markup=False)
    if not no_report:
        from innostate.interfaces.report import write_compare_report

        write_compare_report(folder)
    out.print(f"Wrote the comparison of {len(result.runs)} runs to [bold]{folder}[/]")


@app.command()
def sweep(
    scenario: Annotated[str, typer.Argument(help="built-in name or YAML file")] = DEFAULT_SCENARIO,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="an input to vary: PATH=LOW:HIGH:N (N levels), PATH=v1,v2,... or, for lhs, "
            "PATH=LOW:HIGH; PATH is a dotted path as for --set (PATH* for factors), regime or "
            "containment "
            "(repeatable)",
        ),
    ] = None,
    design: Annotated[
        str, typer.Option(help="factorial (every combination), lhs (Latin hypercube) or FILE.csv")
    ] = "factorial",
    samples: Annotated[
        int | None, typer.Option(min=1, help="design rows of a Latin hypercube")
    ] = None,
    replicates: Annotated[int, typer.Option(min=1, help="runs per design row (seeds)")] = 1,
    seed: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=MAX_SEED,
            help="root seed of the runs and the hypercube (default: the scenario's)",
        ),
    ] = None,
    workers: Workers = None,
    dask: Dask = None,
    scale: Scale = None,
    settings: EverySettings = None,
    out_dir: OutDir = None,
    fresh: FreshDesign = False,
    quiet: Quiet = False,
) -> None:
    """Run an experiment design: every row of a factorial, Latin hypercube or CSV table.

    Writes OUT/runs.parquet (one row per design row and replicate: the design's
    columns, row, replicate, seed and every headline indicator), OUT/series.parquet
    (per-step series) and OUT/sweep.json. Replicate k has the same seed in every
    row. Finished runs are kept in OUT/runs: run the same command again to resume.
    """
    import time

    from innostate.experiments.design import build_design
    from innostate.experiments.design import sweep as run_sweep
    from innostate.experiments.run import resolve
    from innostate.experiments.store import digest
    from innostate.scenario.load import load_scenario, rescale

    folder = out_dir
    try:
        backend = _dask_backend(dask)
        loaded = rescale(load_scenario(scenario), scale)
        inputs = resolve(loaded, seed=seed, settings=_settings(settings or [], loaded))
        table = build_design(param or [], design, samples, inputs.seed)
        if folder is None:
            base = inputs.folder_name("sweep")  # and a short hash of the design
            folder = Path("runs") / f"{base}-{digest(table.to_json())[:8]}"
        started = time.monotonic()
        result = _run_ensemble(
            lambda tick: run_sweep(
                table,
                inputs.scenario,
                replicates,
                workers,
                backend,
                folder,
                inputs.seed,
                on_progress=tick,
                settings=inputs.settings,
                fresh=fresh,
                source=design if design not in ("factorial", "lhs") else "--param",
            ),
            quiet,
            folder,
        )
    except ScenarioError as exc:
        raise _fail(exc) from None
    _sweep_summary(result, time.monotonic() - started)
    out.print(f"Wrote the sweep of {len(result.runs)} runs to [bold]{folder}[/]")


def _dask_backend(dask: str | None) -> str | None:
    """The backend of a --dask value: None, dask-local or a scheduler address."""
    if dask is None:
        return None
    if dask == "local":
        return "dask-local"
    if dask.startswith(("tcp://", "tls://")):
        return dask
    raise ScenarioError(
        [
            Problem(
                "--dask",
                dask,
                "not a Dask backend",
                "use --dask local or --dask tcp://HOST:PORT (a running scheduler)",
            )
        ]
    )


def _sweep_summary(result: Any, seconds: float) -> None:
    """What ran, and each headline indicator over the runs: mean, sd, min and max."""
    from innostate.experiments.ensemble import INDICATORS

    runs, d = result.runs, result.design
    over = ", ".join(d["columns"]) or "no inputs"
    view = Table(
        title=f"{d['rows']} design row(s) over {over} x {d['replicates']} replicate(s): "
        f"{len(runs)} runs in {seconds:,.1f} s (computed or resumed)"
    )
    for column in ("indicator", "mean", "sd", "min", "max"):
        view.add_column(column, justify="left" if column == "indicator" else "right")
    for name, (label, _) in INDICATORS.items():
        values = runs[name]
        sd = values.std() if len(values) > 1 else 0.0
        view.add_row(label, *(f"{v:,.3g}" for v in (values.mean(), sd, values.min(), values.max())))
    out.print(view)


@app.command()
def sensitivity(
    scenario: Annotated[str, typer.Argument(help="built-in name or YAML file")] = DEFAULT_SCENARIO,
    method: Annotated[str, typer.Option(help="morris, sobol or delta")] = "morris",
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="a parameter or numeric scenario input to vary: PATH=LOW:HIGH (repeatable)",
        ),
    ] = None,
    output: Annotated[
        list[str] | None,
        typer.Option(
            "--output", help="indicator to analyse (repeatable; default self_reliance_end)"
        ),
    ] = None,
    replicates: Annotated[
        int, typer.Option(min=1, help="runs per sample point (seeds), averaged")
    ] = 5,
    samples: Annotated[
        int | None,
        typer.Option(
            min=1, help="sobol: base sample N, a power of two (default 64); delta: points"
        ),
    ] = None,
    trajectories: Annotated[int, typer.Option(min=2, help="morris: trajectories")] = 10,
    levels: Annotated[int, typer.Option(min=2, help="morris: grid levels")] = 4,
    regime: Annotated[str | None, typer.Option(help="regime of every run")] = None,
    containment: Annotated[
        str | None, typer.Option(help="containment timeline of every run")
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=MAX_SEED,
            help="root seed of the runs and the sample (default: the scenario's)",
        ),
    ] = None,
    workers: Workers = None,
    dask: Dask = None,
    scale: Scale = None,
    settings: EverySettings = None,
    out_dir: OutDir = None,
    fresh: FreshDesign = False,
    quiet: Quiet = False,
    no_report: Annotated[bool, typer.Option("--no-report", help="skip report.html")] = False,
) -> None:
    """Global sensitivity analysis with SALib: which inputs move an indicator.

    Samples the --param ranges (Morris trajectories, Sobol' N x (D + 2) points or
    delta's Latin hypercube), runs each point --replicates times with the same
    seeds, averages the replicates and ranks the inputs with 95% confidence
    intervals. Writes OUT/indices.csv, indices.parquet, samples.parquet,
    sensitivity.json and report.html; the runs are kept in OUT/runs (run the
    same command again to resume).
    """
    import time

    from innostate.experiments.gsa import run_count
    from innostate.experiments.gsa import sensitivity as analyse
    from innostate.experiments.run import resolve
    from innostate.experiments.store import digest
    from innostate.scenario.load import load_scenario, rescale

    folder = out_dir
    try:
        backend = _dask_backend(dask)
        ranges, problems = _ranges(param or [])
        names = output or ["self_reliance_end"]
        loaded = rescale(load_scenario(scenario), scale)
        inputs = resolve(loaded, regime, containment, seed, _settings(settings or [], loaded))
        _check_sensitivity(
            inputs.scenario, ranges, problems, inputs.settings, method, samples, names
        )
        if folder is None:
            variant = [method, ranges, samples, trajectories, levels, replicates]
            base = inputs.folder_name("sensitivity")
            folder = Path("runs") / f"{base}-{method}-{digest(variant)[:8]}"
        points = run_count(method, len(ranges), samples, trajectories)
        err.print(
            f"{method}: {points} sample points x {replicates} replicates = "
            f"{points * replicates:,} runs",
            highlight=False,
        )
        started = time.monotonic()
        indices = _run_ensemble(
            lambda tick: analyse(
                inputs.scenario,
                ranges,
                names,
                method,
                replicates,
                samples,
                trajectories,
                levels,
                regime=regime,
                containment=containment,
                settings=inputs.settings,
                root_seed=inputs.seed,
                workers=workers,
                out=folder,
                on_run=tick,
                backend=backend,
                fresh=fresh,
            ),
            quiet,
            folder,
        )
    except ScenarioError as exc:
        raise _fail(exc) from None
    _indices_tables(indices, method)
    if not no_report:
        from innostate.interfaces.report import write_sensitivity_report

        write_sensitivity_report(folder)
    out.print(
        f"Wrote the {method} analysis of {indices.attrs['runs']:,} runs "
        f"({time.monotonic() - started:.0f} s) to [bold]{folder}[/]"
    )


def _ranges(
    items: list[str], option: str = "--param", what: str = "sensitivity"
) -> tuple[dict[str, tuple[float, float]], list[Problem]]:
    """Parse ``--param PATH=LOW:HIGH`` options: the ranges, and the malformed ones' problems."""
    from innostate.experiments.design import parse_param

    ranges: dict[str, tuple[float, float]] = {}
    problems = []
    for item in items:
        try:
            path, found = parse_param(item, option)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        if not isinstance(found, tuple):
            problems.append(
                Problem(
                    option,
                    item,
                    f"{what} needs a range LOW:HIGH (inputs vary uniformly over it)",
                    f"write e.g. {option} regime.alignment=0.2:1.0",
                )
            )
        elif path in ranges:
            problems.append(Problem(option, path, "given twice", "give each path once"))
        else:
            ranges[path] = found
    if not items:
        problems.append(
            Problem(
                option, "", "no parameter to vary", f"give e.g. {option} regime.alignment=0.2:1.0"
            )
        )
    return ranges, problems


def _check_sensitivity(
    scenario: Scenario,
    ranges: dict[str, tuple[float, float]],
    problems: list[Problem],
    settings: dict[str, Setting],
    method: str,
    samples: int | None,
    outputs: list[str],
) -> None:
    """Every problem of a sensitivity command at once, before any run."""
    from innostate.experiments.gsa import check_ranges, check_sobol_samples, problem_list

    if ranges:
        problems += problem_list(check_ranges, scenario, ranges, settings, "--param")
    problems += problem_list(_check_choice, method, outputs)
    if method == "sobol" and samples is not None:
        problems += problem_list(check_sobol_samples, samples)
    if problems:
        raise ScenarioError(problems)


def _check_choice(method: str, outputs: list[str]) -> None:
    from innostate.experiments.gsa import check_method, check_outputs

    check_method(method)
    check_outputs(outputs)


def _indices_tables(indices: Any, method: str) -> None:
    from innostate.experiments.gsa import COLUMNS, RANKED_BY

    noise = indices.attrs.get("noise", {})
    for name, part in indices.groupby("output", sort=False):
        view = Table(title=f"{name}: inputs ranked by {RANKED_BY[method]}")
        view.add_column("rank", justify="right")
        view.add_column("parameter", no_wrap=True)
        for column in COLUMNS[method]:
            view.add_column(column.replace("_conf", " ±95%"), justify="right")
        for row in part.to_dict("records"):
            view.add_row(
                str(row["rank"]), row["parameter"], *(f"{row[c]:.3g}" for c in COLUMNS[method])
            )
        out.print(view, width=None if out.is_terminal else 120)  # files and pipes: no cut digits
        found = noise.get(name, {})
        if found.get("noise_share") is not None:
            out.print(
                f"  seed noise: {100 * found['noise_share']:.1f}% of the variance of the "
                f"replicate means (replicate SD {found['replicate_sd']:.4g})",
                highlight=False,
            )


@app.command()
def calibrate(
    scenario: Annotated[str, typer.Argument(help="built-in name or YAML file")] = DEFAULT_SCENARIO,
    params: Annotated[
        list[str] | None,
        typer.Option(
            "--params",
            help="a parameter or numeric scenario input to calibrate: PATH=LOW:HIGH, the "
            "prior range (repeatable)",
        ),
    ] = None,
    waves: Annotated[int, typer.Option(min=1, help="waves of history matching")] = 3,
    points: Annotated[
        int | None,
        typer.Option(min=4, help="design points per wave (default 10 per parameter, at least 8)"),
    ] = None,
    replicates: Annotated[
        int, typer.Option(min=1, help="runs per design point (seeds); 2+ measures seed noise")
    ] = 2,
    predictive: Annotated[
        int, typer.Option(min=2, help="posterior predictive runs (draws of the posterior)")
    ] = 40,
    soft_targets: Annotated[
        bool,
        typer.Option("--soft-targets", help="also fit the judged 2019 levels of technologies.yaml"),
    ] = False,
    seed: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=MAX_SEED,
            help="root seed of runs, designs and posterior (default: scenario's)",
        ),
    ] = None,
    workers: Workers = None,
    scale: Scale = None,
    settings: Annotated[
        list[str] | None,
        typer.Option("--set", help="set a parameter or scenario input in every run"),
    ] = None,
    out_dir: OutDir = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="discard the stored runs and compute them again")
    ] = False,
    quiet: Quiet = False,
) -> None:
    """Calibrate parameters on the dated milestones: history matching with emulators.

    Each wave runs a maximin design over the parameter region not yet ruled
    out, fits a Gaussian-process emulator of each fitted milestone's run date
    and rules out points whose implausibility exceeds 3. The posterior
    (OUT/posterior.parquet, at most 200 weighted sets) is then checked by
    running draws of it (OUT/predictive.parquet: 80% intervals against the
    real dates, fitted up to 2020 and held out 2021-22). Runs are kept in
    OUT/wave-K/runs and OUT/predictive/runs: run the same command again to
    resume. The report is OUT/calibration.html. See docs/calibration.md.
    """
    import time

    from innostate.experiments.calibration import calibrate as run_calibration
    from innostate.experiments.run import resolve
    from innostate.experiments.store import digest
    from innostate.scenario.load import load_scenario, rescale

    folder = out_dir
    try:
        ranges, problems = _ranges(params or [], "--params", "calibration")
        if problems:
            raise ScenarioError(problems)
        loaded = rescale(load_scenario(scenario), scale)
        inputs = resolve(loaded, seed=seed, settings=_settings(settings or [], loaded))
        if folder is None:
            variant = [ranges, waves, points, replicates, predictive, soft_targets]
            base = inputs.folder_name("sweep").replace("sweep-", "calibrate-", 1)
            folder = Path("runs") / f"{base}-{digest(variant)[:8]}"
        started = time.monotonic()
        result = _run_ensemble(
            lambda tick: run_calibration(
                inputs.scenario,
                ranges,
                folder,
                waves=waves,
                points=points,
                replicates=replicates,
                predictive=predictive,
                workers=workers,
                root_seed=inputs.seed,
                settings=inputs.settings,
                soft_targets=soft_targets,
                fresh=fresh,
                on_progress=tick,
                on_stage=lambda line: err.print(line, highlight=False),
            ),
            quiet,
            folder,
        )
    except ScenarioError as exc:
        raise _fail(exc) from None
    _calibration_summary(result)
    from innostate.interfaces.report import write_calibration_report

    report = write_calibration_report(folder)
    out.print(
        f"Wrote the calibration ({result.meta['runs']:,} runs, "
        f"{time.monotonic() - started:,.0f} s) and [bold]{report.name}[/] to [bold]{folder}[/]"
    )


def _calibration_summary(result: Any) -> None:
    """The posterior's 10-50-90% of each parameter and the backtest of each split."""
    import numpy as np

    post = result.posterior
    view = Table(title=f"posterior: {len(post)} weighted parameter sets")
    for column in ("parameter", "prior", "q10", "q50", "q90"):
        view.add_column(column, justify="left" if column == "parameter" else "right")
    for path, bounds in result.meta["parameters"].items():
        values, weight = post[path].to_numpy(), post["weight"].to_numpy()
        order = np.argsort(values, kind="stable")
        cum = np.cumsum(weight[order])
        qs = [values[order][min(np.searchsorted(cum, q), len(cum) - 1)] for q in (0.1, 0.5, 0.9)]
        view.add_row(path, f"{bounds['low']:g}:{bounds['high']:g}", *(f"{q:.4g}" for q in qs))
    out.print(view)
    view = Table(title="backtest: posterior predictive 80% intervals against the real dates")
    columns = ("split", "milestones", "coverage", "mean |lag| (y)", "median width (y)", "unreached")
    for column in columns:
        view.add_column(column, justify="left" if column == "split" else "right")

    def shown(value: Any, fmt: str) -> str:
        return "-" if value is None else format(value, fmt)

    for split, b in result.meta["backtest"].items():
        view.add_row(
            split,
            str(b["milestones"]),
            shown(b["coverage_80"], ".0%"),
            shown(b["mean_abs_lag_years"], ".2f"),
            shown(b["median_interval_width_years"], ".2f"),
            str(b["unreached_by_2030"]),
        )
    out.print(view)


@app.command()
def discover(
    sweep_dir: Annotated[Path, typer.Argument(help="folder written by innostate sweep")],
    where: Annotated[
        str,
        typer.Option(
            help='runs of interest, a pandas query, e.g. "nodes_meeting_requirement_end >= 5"'
        ),
    ],
    inputs: Annotated[
        str | None,
        typer.Option(
            help="comma-separated design columns to explain with (default: all that vary)"
        ),
    ] = None,
    alpha: Annotated[
        float, typer.Option(min=0.001, max=0.49, help="PRIM: share of the box peeled per step")
    ] = 0.05,
    threshold: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="PRIM: density the kept box must reach")
    ] = 0.8,
    min_mass: Annotated[
        float, typer.Option(min=0.001, max=0.99, help="smallest share of the runs in a box or leaf")
    ] = 0.05,
    boxes: Annotated[int, typer.Option(min=1, max=10, help="PRIM boxes to look for")] = 1,
    depth: Annotated[int, typer.Option(min=1, max=8, help="CART tree depth")] = 3,
    no_paste: Annotated[bool, typer.Option("--no-paste", help="PRIM: no pasting")] = False,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="output folder (default SWEEP_DIR/discovery)")
    ] = None,
    no_report: Annotated[bool, typer.Option("--no-report", help="skip report.html")] = False,
) -> None:
    """Scenario discovery: under which inputs do the sweep's runs meet a condition?

    PRIM boxes (limits on a few inputs inside which most runs meet it, with
    coverage and density) and a shallow CART tree over the design's columns.
    Writes boxes, box_stats, trajectory and leaves (Parquet and CSV), tree.txt,
    discovery.json and report.html.
    """
    from innostate.experiments.discovery import discover as find
    from innostate.experiments.discovery import write_discovery
    from innostate.experiments.store import folder_lock

    folder = out_dir or sweep_dir / "discovery"
    try:
        chosen = _names(inputs, "--inputs", "regime.alignment,regime") if inputs else None
        result = find(
            sweep_dir, where, chosen, alpha, threshold, min_mass, not no_paste, boxes, depth
        )
        with folder_lock(folder):
            write_discovery(result, folder)
            if not no_report:
                from innostate.interfaces.report import write_discovery_report

                write_discovery_report(folder)
    except ScenarioError as exc:
        raise _fail(exc) from None
    except StoreError as exc:
        raise _refuse(exc) from None
    out.print(
        f"{result.of_interest} of {result.runs} runs ({result.base_density:.0%}) meet '{where}'.",
        highlight=False,
        markup=False,
    )
    out.print("PRIM:", highlight=False)
    for line in result.box_rules():
        out.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
    out.print("CART leaves (most dense first):", highlight=False)
    for leaf in result.leaves.to_dict("records"):
        out.print(
            f"  {leaf['rule']}: {leaf['of_interest']} of {leaf['runs']} runs "
            f"(coverage {leaf['coverage']:.0%}, density {leaf['density']:.0%})",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    out.print(f"Wrote the discovery to [bold]{folder}[/]")


data_app = typer.Typer(
    help="The packaged facts behind the built-in scenarios.", no_args_is_help=True
)
app.add_typer(data_app, name="data")


@data_app.command("sources")
def data_sources(
    table: Annotated[str | None, typer.Option(help="only this fact table")] = None,
    csv_out: Annotated[bool, typer.Option("--csv", help="write CSV to standard output")] = False,
) -> None:
    """List every packaged fact with its source and confidence."""
    from innostate.data.sources import FACT_TABLES, fact_rows

    try:
        rows = fact_rows(table)
    except KeyError:
        err.print(f"No fact table '{table}'. Fix: use one of {', '.join(FACT_TABLES)}.")
        raise typer.Exit(code=2) from None
    if csv_out:
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        return
    view = Table(title=f"{len(rows)} facts" + (f" in {table}" if table else ""))
    for column in ("table", "key", "fact", "value", "source", "confidence"):
        view.add_column(column, overflow="fold")
    for row in rows:
        view.add_row(*(row[c] for c in ("table", "key", "fact", "value", "source", "confidence")))
    out.print(view)


def main() -> None:
    """Entry point of the ``innostate`` script.

    Input problems exit with code 2 and their messages; a file that cannot be
    read or written exits with code 1 and says so; anything else is a bug in
    innostate: it exits with code 1 and a one-line message, with the traceback
    shown only when INNOSTATE_DEBUG is set.
    """
    import os

    try:
        app(standalone_mode=True)
    except SystemExit:
        raise
    except OSError as exc:  # a path that cannot be read or written: the user's to fix
        err.print(f"[bold red]Could not read or write a file:[/] {exc}", soft_wrap=True)
        err.print("Fix: check the path and its permissions, or choose another --out folder.")
        raise SystemExit(1) from None
    except Exception as exc:  # the last line of defence: a bug, reported without a traceback
        if os.environ.get("INNOSTATE_DEBUG"):
            raise
        err.print(f"[bold red]innostate failed:[/] {type(exc).__name__}: {exc}", soft_wrap=True)
        err.print(
            "This is a bug, not a problem with your input: rerun with INNOSTATE_DEBUG=1 "
            "and report the traceback."
        )
        raise SystemExit(1) from None
