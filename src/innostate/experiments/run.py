"""One simulation: scenario in, tables and headline indicators out."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from innostate._version import __version__
from innostate.experiments.posterior import DEFAULTS, Posterior, choose, run_key
from innostate.model import engine, metrics
from innostate.model.codebook import (
    ACTOR_KINDS,
    HOLDERS,
    INSTRUMENTS,
    OWNERSHIPS,
    SOURCES,
    STATUSES,
)
from innostate.model.metrics import self_reliance
from innostate.model.records import NODE_COLUMNS, Records
from innostate.scenario.build import World, build
from innostate.scenario.calendar import parse_month, step_index, step_label
from innostate.scenario.errors import ScenarioError
from innostate.scenario.load import load_scenario, rescale
from innostate.scenario.override import Setting
from innostate.scenario.schema import Scenario


@dataclass(repr=False)
class Result:
    """Everything one run produced: tables as DataFrames, headline summary and manifest.

    In a notebook a result shows its headline table; ``save`` and ``load`` write
    and read a run folder (the same files as ``innostate run``).
    """

    nodes: pd.DataFrame
    areas: pd.DataFrame
    flows: pd.DataFrame
    projects: pd.DataFrame
    events: pd.DataFrame
    breakthroughs: pd.DataFrame
    ledger: pd.DataFrame
    actors: pd.DataFrame
    summary: dict[str, Any]
    manifest: dict[str, Any] = field(default_factory=dict)

    TABLES = ("nodes", "areas", "flows", "projects", "events", "breakthroughs", "ledger", "actors")

    def tables(self) -> dict[str, pd.DataFrame]:
        """Output tables by name."""
        return {name: getattr(self, name) for name in self.TABLES}

    def headline(self) -> pd.DataFrame:
        """The headline indicators as a two-column table (indicator, value)."""
        s = self.summary
        rows = [
            ("actors", f"{s['actors']:,}"),
            (
                "self-reliance index, start -> end",
                f"{s['self_reliance_start']:.3f} -> {s['self_reliance_end']:.3f}",
            ),
            (
                "technologies meeting their requirement, start -> end",
                f"{s['nodes_meeting_requirement_start']} -> "
                f"{s['nodes_meeting_requirement_end']} of {s['nodes']}",
            ),
            ("chokepoints, start -> end", f"{s['chokepoints_start']} -> {s['chokepoints_end']}"),
            ("R&D spent (bn yuan)", f"{s['rd_spent_bn']:,.1f}"),
            ("waste share", f"{100 * s['waste_share']:.1f}%"),
            ("breakthroughs", str(s["breakthroughs"])),
            ("breakthroughs per 100 bn yuan", f"{s['breakthroughs_per_100bn']:.3f}"),
        ]
        return pd.DataFrame(rows, columns=["indicator", "value"])

    def label(self) -> str:
        """What was run: scenario, regime, containment, seed, dates, scale and settings."""
        m, s = self.manifest, self.summary
        parts = [
            f"{s.get('scenario', '?')} under {s.get('regime', '?')}",
            f"containment {m.get('containment', '?')}",
            f"seed {m.get('seed', '?')}",
            f"{s.get('start', '?')}..{s.get('end', '?')}",
        ]
        if m.get("population_scale", 1.0) != 1.0:
            parts.append(f"population scale {m['population_scale']:g}")
        if m.get("settings"):
            parts.append(", ".join(f"{k}={shown(v)}" for k, v in m["settings"].items()))
        return ", ".join(parts)

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"<Result {self.label()}: self-reliance {s['self_reliance_start']:.3f} -> "
            f"{s['self_reliance_end']:.3f}, {s['nodes_meeting_requirement_end']} of "
            f"{s['nodes']} technologies meet their requirement, {s['breakthroughs']} "
            f"breakthroughs, R&D {s['rd_spent_bn']:,.0f} bn yuan>"
        )

    def _repr_html_(self) -> str:
        import html

        table: str = self.headline().to_html(index=False, escape=True)
        return f"<p><b>{html.escape(self.label())}</b></p>{table}"

    def save(self, folder: str | Path, fresh: bool = False) -> Path:
        """Write the run's tables, summary and manifest into ``folder``.

        Raises
        ------
        KeyMismatch
            When ``folder`` holds a run made from other inputs and ``fresh`` is False.
        FolderBusy
            When another process is writing to ``folder``.
        """
        from innostate.experiments.store import check_folder, folder_lock, write_run

        path = Path(folder)
        with folder_lock(path):
            if "key" in self.manifest:
                check_folder(path, self.manifest["key"], fresh)
            write_run(self, path)
        return path

    @classmethod
    def load(cls, folder: str | Path) -> Result:
        """Read a run folder back, checking every file first.

        Raises
        ------
        DamagedRun
            Naming the file that is missing, damaged or changed since the run.
        """
        from innostate.experiments.store import DamagedRun, check_run

        path = Path(folder)
        manifest = check_run(path)
        manifest.pop("files", None)
        tables = {}
        for name in cls.TABLES:
            try:
                tables[name] = pd.read_parquet(path / f"{name}.parquet")
            except (OSError, ValueError) as exc:
                raise DamagedRun(
                    f"{path / name}.parquet cannot be read ({type(exc).__name__}). "
                    f"Fix: run again into {path}."
                ) from None
        summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
        return cls(**tables, summary=summary, manifest=manifest)


@dataclass(frozen=True)
class RunInputs:
    """Everything that decides a run's result, resolved in one place for `run` and `compare`.

    ``scenario`` already carries the population scale (and the scenario inputs
    of ``settings`` and of a posterior set); the other fields are the names and
    values the run uses, never None. ``parameters`` is the manifest's record of
    the parameter set: the defaults, or a posterior's set with its values (see
    :mod:`~innostate.experiments.posterior`); ``settings`` win over its values.
    """

    scenario: Scenario
    regime: str
    containment: str
    seed: int
    settings: dict[str, Setting]
    parameters: dict[str, Any] = field(default_factory=lambda: dict(DEFAULTS))

    def chosen(self) -> dict[str, Setting]:
        """Every setting the run applies: the posterior set's values, then ``settings``."""
        return {**self.parameters.get("values", {}), **self.settings}

    def key(self) -> dict[str, Any]:
        """The run's key: every input that decides its tables, as JSON-ready data.

        Two runs with equal keys give the same bytes; the store refuses to reuse
        a result whose key differs and says which entries changed.
        """
        from innostate.scenario.build import containment_timeline
        from innostate.scenario.regimes import regime_from

        s = self.scenario
        user = {name: (spec.base, _given(spec.overrides)) for name, spec in s.regimes.items()}
        regime = regime_from(self.regime, user, _given(s.regime.overrides))
        events = containment_timeline(s, self.containment)
        return {
            "innostate_version": __version__,
            "scenario": s.name,
            "scenario_hash": scenario_hash(s),
            # a digest per top-level section, so that a refusal can say which part changed
            "scenario_sections": _section_digests(s),
            "population_scale": s.population_scale,
            "regime": {"name": self.regime, **dataclasses.asdict(regime)},
            "containment": {
                "name": self.containment,
                "events": [e.model_dump(mode="json") for e in events],
            },
            "settings": dict(sorted(self.settings.items())),
            "seed": self.seed,
            # only a posterior set adds an entry: runs with the defaults keep their old keys
            **({"parameters": drawn} if (drawn := run_key(self.parameters)) else {}),
        }

    def folder_name(self, kind: str = "") -> str:
        """A default output folder name: scenario, choices, seed, and a short hash of the
        settings and the scale when they are set, so that variants never share a folder."""
        s = self.scenario
        name = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in s.name) or "scenario"
        if kind in ("compare", "sweep"):
            base = f"{kind}-{name}-seed{self.seed}"
        else:
            base = f"{name}-{self.regime}-{self.containment}-seed{self.seed}"
        drawn = run_key(self.parameters)
        if self.settings or s.population_scale != 1.0 or drawn:
            from innostate.experiments.store import digest

            variant: dict[str, Any] = {
                "settings": self.key()["settings"],
                "scale": s.population_scale,
            }
            if drawn:
                variant["parameters"] = drawn
            base += f"-{digest(variant)[:8]}"
        return base


def shown(value: Setting) -> str:
    """A setting's value as written in labels: numbers short (0.5, 1e+03), text as is."""
    return value if isinstance(value, str) else f"{value:g}"


def _named_for_python(exc: ScenarioError) -> ScenarioError:
    """The same problems, naming the Python argument instead of the command-line option."""
    names = {"--set": "settings", "--scale": "scale"}
    return ScenarioError(
        [dataclasses.replace(p, file=names.get(p.file, p.file)) for p in exc.problems]
    )


def _section_digests(scenario: Scenario) -> dict[str, str]:
    from innostate.experiments.store import digest

    dump = scenario.model_dump(mode="json")
    dump.pop("population_scale", None)
    return {name: digest(value)[:12] for name, value in sorted(dump.items())}


def _given(overrides: Any) -> dict[str, Any]:
    """The fields a user set in an overrides model (nested, without the unset ones)."""
    given: dict[str, Any] = overrides.model_dump(exclude_none=True)
    return given


def resolve(
    scenario: Scenario | str | Path,
    regime: str | None = None,
    containment: str | None = None,
    seed: int | None = None,
    settings: dict[str, Setting] | None = None,
    scale: float | None = None,
    parameters: dict[str, Any] | None = None,
) -> RunInputs:
    """Resolve a run's inputs: load the scenario, apply the scale, check every choice.

    ``parameters`` is a parameter-set record (``Posterior.block``; None: the
    defaults): its values are applied first, then ``settings`` over them.

    Raises
    ------
    ScenarioError
        When the scenario is invalid, a regime or containment name is unknown,
        a setting names no parameter or scenario input or is out of range, or the
        scale is not positive.
    """
    from innostate.scenario.build import check_choices
    from innostate.scenario.override import split_settings

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    try:  # the scale is checked like a file's value, and against the size of the run
        scenario = rescale(scenario, scale)
    except ScenarioError as exc:
        raise _named_for_python(exc) from None
    chosen = {str(k): v if isinstance(v, str) else float(v) for k, v in (settings or {}).items()}
    block = dict(parameters) if parameters else dict(DEFAULTS)
    if block.get("values"):
        # the set's inputs that --set does not replace, applied first and named by the posterior
        kept: dict[str, Setting] = {
            str(k): float(v) for k, v in block["values"].items() if k not in chosen
        }
        block["overridden"] = sorted(k for k in block["values"] if k in chosen)
        scenario, _ = split_settings(scenario, kept, f"posterior {block.get('posterior')}")
    try:  # names and ranges checked before any run; scenario inputs set before hashing
        scenario, _ = split_settings(scenario, chosen)
    except ScenarioError as exc:
        raise _named_for_python(exc) from None
    check_choices(scenario, regime, containment)
    return RunInputs(
        scenario=scenario,
        regime=regime or scenario.regime.preset,
        containment=containment or "real",
        seed=scenario.seed if seed is None else int(seed),
        settings=chosen,
        parameters=block,
    )


def simulate(
    scenario: Scenario | str | Path | RunInputs,
    regime: str | None = None,
    seed: int | None = None,
    on_step: Callable[[int, int], None] | None = None,
    containment: str | None = None,
    settings: dict[str, Setting] | None = None,
    scale: float | None = None,
    parameters: str | Path | Posterior | None = None,
) -> Result:
    """Run one simulation.

    Parameters
    ----------
    scenario
        A validated :class:`Scenario`, a path to a YAML file or a built-in name
        (or inputs already resolved by :func:`resolve`, when the others are None).
    regime
        Regime preset or user-defined regime name; defaults to the scenario's.
    seed
        Root seed; defaults to the scenario's. Same inputs and seed give the same tables.
    on_step
        Called as ``on_step(done, total)`` after each step, e.g. for a progress bar.
    containment
        Containment timeline: ``real`` (default), ``none`` or a variant of the scenario.
    settings
        Parameters or scenario inputs set by dotted path, e.g.
        ``{"regime.alignment": 0.5, "budgets.central.growth_after": 0.1}``.
    scale
        Multiply the synthetic populations (budgets unchanged), e.g. 0.05 for a
        quick look; levels differ from full scale, so compare like with like.
    parameters
        Which parameter set: None (a calibrated posterior for the built-in
        national scenarios when one is packaged, else the defaults),
        ``"posterior"``, ``"defaults"``, or a posterior folder. A single run uses
        the set replicate 0 of a comparison with this root seed would use;
        ``settings`` win over the set's values.

    Returns
    -------
    Result
        Tables of nodes, areas, flows, projects, events, breakthroughs, ledger
        and actors, plus the headline ``summary`` and the run ``manifest``.
    """
    if isinstance(scenario, RunInputs):
        if any(v is not None for v in (regime, seed, containment, settings, scale, parameters)):
            raise TypeError("simulate(inputs): resolved inputs take no other choices")
        inputs = scenario
    else:
        posterior = choose(scenario, parameters, "parameters")
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        root = scenario.seed if seed is None else int(seed)
        block = posterior.block(posterior.draw(root, 1)[0]) if posterior else None
        inputs = resolve(scenario, regime, containment, seed, settings, scale, block)
    from threadpoolctl import threadpool_limits

    started = datetime.now(UTC)
    # one BLAS thread: a multi-threaded matrix product sums in another order, so the last
    # digits of a run would depend on the cores of the machine or worker that ran it
    with threadpool_limits(limits=1, user_api="blas"):
        world = build(
            inputs.scenario,
            regime=inputs.regime,
            seed=inputs.seed,
            containment=inputs.containment,
            settings=inputs.chosen(),
        )
        rec = engine.run(world.state, world.params, np.random.SeedSequence(inputs.seed), on_step)
        result = tables(world, rec)
    key = inputs.key()
    result.manifest = {
        "innostate_version": __version__,
        "scenario": inputs.scenario.name,
        "scenario_hash": key["scenario_hash"],
        "regime": world.regime_name,
        "containment": world.containment,
        "seed": inputs.seed,
        "population_scale": inputs.scenario.population_scale,
        "settings": key["settings"],
        "actors": world.state.actors.count,
        "steps": world.state.schedule.steps,
        "started": started.isoformat(),
        "finished": datetime.now(UTC).isoformat(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        # which parameter set: the defaults or a posterior's (see experiments/posterior.py)
        "parameters": inputs.parameters,
        "steps_per_year": world.state.schedule.steps_per_year,
        # every model parameter's value as the run used it
        "parameter_values": dataclasses.asdict(world.params),
        "key": key,
    }
    return result


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the scenario's canonical JSON form, without its population scale.

    The scale is a key entry of its own, so a changed scale is reported as such.
    """
    dump = scenario.model_dump(mode="json")
    dump.pop("population_scale", None)
    text = json.dumps(dump, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def step_periods(start: str, steps: int, steps_per_year: int) -> pd.PeriodIndex:
    """The calendar period of every step as pandas Periods (quarters, months, years...)."""
    year, month = parse_month(start)
    months = 12 // steps_per_year
    freq = {1: "Y", 4: "Q"}.get(steps_per_year, f"{months}M")
    first = pd.Period(year=year, month=month, freq="M").asfreq(freq, how="start")
    return pd.period_range(first, periods=steps, freq=freq)


def tables(world: World, rec: Records) -> Result:
    """Turn a run's records into DataFrames and compute the summary."""
    s = world.state
    sched = s.schedule
    steps, j = sched.steps, s.nodes.count
    start = world.scenario.calendar.start
    labels = [step_label(start, t, sched.steps_per_year) for t in range(steps)]
    period = step_periods(start, steps, sched.steps_per_year)
    year = sched.start_year + np.arange(steps) / sched.steps_per_year

    node_area = np.array(world.area_ids)[s.nodes.area]
    nodes = pd.DataFrame(
        {
            "step": np.repeat(np.arange(steps), j),
            "date": np.repeat(labels, j),
            "period": np.repeat(period, j),
            "year": np.repeat(year, j),
            "node": np.tile(world.node_ids, steps),
            "area": np.tile(node_area, steps),
            **{c: rec.node[c].ravel() for c in NODE_COLUMNS},
            "gap": (rec.node["frontier"] - rec.node["domestic_level"]).ravel(),
            "self_reliance": self_reliance(
                rec.node["domestic_level"], rec.node["requirement"]
            ).ravel(),
            "chokepoint": rec.chokepoint.ravel(),
        }
    )
    areas = _areas(world, rec, labels, year)
    flows = _flows(rec, labels)
    ids, names = world.actor_ids.to_arrow(), world.actor_names.to_arrow()
    projects = _projects(world, ids, names)
    breakthroughs = _breakthroughs(world, rec, labels, projects)
    events = _events(world, labels)
    ledger = pd.DataFrame(
        {
            "step": np.arange(steps),
            "date": labels,
            "period": period,
            "inflow": rec.inflow,
            "outflow": rec.outflow,
            "stock": rec.stock,
            "imbalance": rec.imbalance,
            "lapsed": rec.lapsed,
            "central_pool": rec.central_pool,
            "active_projects": rec.active_projects,
            # money held at the end of each step, by holder (idle balances)
            **{f"held_{h}": rec.held[:, k] for k, h in enumerate(HOLDERS)},
        }
    )
    a = s.actors
    actors = pd.DataFrame(
        {
            "actor": strings(ids),
            "name": strings(names),
            "kind": code_names(ACTOR_KINDS, a.kind),
            "region": code_names(world.region_ids, a.region),
            "ownership": code_names(OWNERSHIPS, a.ownership),
            "strategic_force": a.strategic_force,
            "named": np.arange(a.count) < world.named_count,
            "entity_listed": a.entity_listed,
            "cash": a.cash,
            "talent": a.talent,
            "reputation": a.reputation,
            "best_level": a.cap_level.max(axis=1),
        }
    )
    summary = _summary(world, rec, labels)
    return Result(nodes, areas, flows, projects, events, breakthroughs, ledger, actors, summary)


def strings(values: pa.Array) -> pd.api.extensions.ExtensionArray:
    """Arrow strings as a pandas string column (the same dtype as from a list of str)."""
    column: pd.api.extensions.ExtensionArray = pd.array(
        values, dtype=pd.StringDtype(na_value=np.nan)
    )
    return column


def code_names(names: Sequence[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """The names of integer codes as a pandas string column (the same dtype as from a list).

    Arrow looks the codes up in a dictionary of the few names: converting a numpy
    array of ~500,000 strings (the actors table's kind, region and ownership)
    into pandas strings took about 0.3 s a column.
    """
    decoded = pa.DictionaryArray.from_arrays(
        pa.array(np.asarray(codes, dtype=np.int32)), pa.array(list(names), type=pa.large_string())
    ).dictionary_decode()
    column: pd.api.extensions.ExtensionArray = pd.array(
        decoded, dtype=pd.StringDtype(na_value=np.nan)
    )
    return column


def _areas(world: World, rec: Records, labels: list[str], year: np.ndarray) -> pd.DataFrame:
    s = world.state
    steps, n_areas = len(labels), len(world.area_ids)
    market = rec.node["market_size"]
    reliance = self_reliance(rec.node["domestic_level"], rec.node["requirement"])
    columns: dict[str, Any] = {
        "step": np.repeat(np.arange(steps), n_areas),
        "date": np.repeat(labels, n_areas),
        "period": np.repeat(
            step_periods(world.scenario.calendar.start, steps, s.schedule.steps_per_year),
            n_areas,
        ),
        "year": np.repeat(year, n_areas),
        "area": np.tile(world.area_ids, steps),
    }
    onehot = np.eye(n_areas)[s.nodes.area]  # (J, A)
    weight = market @ onehot
    columns["self_reliance"] = ((reliance * market) @ onehot / np.maximum(weight, 1e-12)).ravel()
    columns["domestic_share"] = (
        (rec.node["domestic_share"] * market) @ onehot / np.maximum(weight, 1e-12)
    ).ravel()
    by_area = rec.node_flows @ onehot  # (T, S, I, A)
    for k, source in enumerate(SOURCES):
        columns[f"spend_{source}"] = by_area[:, k].sum(axis=1).ravel()
    for k, instrument in enumerate(INSTRUMENTS):
        columns[f"spend_{instrument}"] = by_area[:, :, k].sum(axis=1).ravel()
    return pd.DataFrame(columns)


def _flows(rec: Records, labels: list[str]) -> pd.DataFrame:
    t, src, ins, kind = np.nonzero(rec.flows)
    return pd.DataFrame(
        {
            "step": t,
            "date": np.array(labels)[t],
            "source": np.array(SOURCES)[src],
            "instrument": np.array(INSTRUMENTS)[ins],
            "performer_kind": np.array(ACTOR_KINDS)[kind],
            "amount": rec.flows[t, src, ins, kind],
        }
    )


def _projects(world: World, ids: pa.Array, names: pa.Array) -> pd.DataFrame:
    pr, a = world.state.projects, world.state.actors
    n = pr.count
    # ids and names of leads and members taken from the actors' Arrow columns: no Python
    # string per actor (about 500,000 at national scale) or per project
    members = pr.members[:n]
    joined = members >= 0
    offsets = np.concatenate([[0], np.cumsum(joined.sum(axis=1))]).astype(np.int64)
    member_ids = pc.binary_join(
        pa.LargeListArray.from_arrays(offsets, ids.take(members[joined])),
        pa.scalar(";", pa.large_string()),
    )
    leads = pr.lead[:n]
    cut = pr.status[:n] == STATUSES.index("cut")
    table = pd.DataFrame(
        {
            "project": np.arange(n),
            "node": np.array(world.node_ids)[pr.node[:n]],
            "area": np.array(world.area_ids)[world.state.nodes.area[pr.node[:n]]],
            "instrument": np.array(INSTRUMENTS)[pr.instrument[:n]],
            "lead": strings(ids.take(leads)),
            "lead_name": strings(names.take(leads)),
            "lead_kind": np.array(ACTOR_KINDS)[a.kind[pr.lead[:n]]],
            "lead_named": pr.lead[:n] < world.named_count,
            "members": strings(member_ids),
            "member_count": (members >= 0).sum(axis=1),
            "status": np.array(STATUSES)[pr.status[:n]],
            "start": pr.start[:n],
            "end": pr.end[:n],
            "stopped": pr.stopped[:n],
            "duplicate": pr.duplicate[:n],
            "weight": pr.weight[:n],
            **{f"funding_{s}": pr.funding[:n, k] for k, s in enumerate(SOURCES)},
            "spent": pr.spent[:n],
            "progress": pr.progress[:n],
            "target": pr.target[:n],
            "revenue": pr.revenue[:n],
            "uptake": pr.uptake[:n],
            "efficiency": pr.efficiency[:n],
            "tech_score": pr.tech_score[:n],
            "app_score": pr.app_score[:n],
            "reported_score": pr.reported_score[:n],
            "wasted": pr.spent[:n] * pr.weight[:n] * (cut | pr.duplicate[:n]),
        }
    )
    return table


def _breakthroughs(
    world: World, rec: Records, labels: list[str], projects: pd.DataFrame
) -> pd.DataFrame:
    rows = []
    for step, node, project, actor in rec.breakthroughs:
        row: dict[str, Any] = {
            "node": world.node_ids[node],
            "step": step,
            "date": labels[step],
            "holder": world.actor_ids[actor],
            "holder_name": world.actor_names[actor],
            "project": project,
        }
        if project >= 0:
            p = projects.iloc[project]
            row.update(
                lead=p["lead"],
                lead_name=p["lead_name"],
                members=p["members"],
                instrument=p["instrument"],
                **{f"funding_{s}": float(p[f"funding_{s}"]) for s in SOURCES},
            )
        else:
            row.update(
                lead=world.actor_ids[actor],
                lead_name=world.actor_names[actor],
                members="",
                instrument="self_funded",
                **{f"funding_{s}": 0.0 for s in SOURCES},
            )
        rows.append(row)
    columns = [
        "node",
        "step",
        "date",
        "holder",
        "holder_name",
        "project",
        "lead",
        "lead_name",
        "members",
        "instrument",
        *[f"funding_{s}" for s in SOURCES],
    ]
    return pd.DataFrame(rows, columns=columns)


def _events(world: World, labels: list[str]) -> pd.DataFrame:
    rows = []
    for step, kind, a, b, value in world.state.events:
        if kind == "containment":
            ev = world.scenario.containment[a]
            rows.append((step, labels[step], kind, ev.id, "", -1, ev.kind + ": " + ev.description))
        elif kind == "breakthrough":
            rows.append(
                (
                    step,
                    labels[step],
                    kind,
                    world.node_ids[a],
                    world.node_ids[a],
                    b,
                    f"domestic level met the requirement; held by {world.actor_ids[int(value)]}",
                )
            )
        else:  # cut
            rows.append(
                (
                    step,
                    labels[step],
                    kind,
                    f"project-{a}",
                    world.node_ids[b],
                    a,
                    f"cut at review after {value:.3f} bn yuan spent",
                )
            )
    return pd.DataFrame(rows, columns=["step", "date", "kind", "id", "node", "project", "detail"])


def _summary(world: World, rec: Records, labels: list[str]) -> dict[str, Any]:
    s = world.state
    spy = s.schedule.steps_per_year
    broke_through = {node for _, node, _, _ in rec.breakthroughs}
    reached = {
        world.node_ids[j]: (
            None
            if s.nodes.reached_step[j] < 0
            else {
                "date": labels[int(s.nodes.reached_step[j])],
                "years": round(float(s.nodes.reached_step[j]) / spy, 4),
                "met_at_start": j not in broke_through,
            }
        )
        for j in range(s.nodes.count)
    }
    committed = rec.flows.sum(axis=(0, 2, 3))
    return {
        "scenario": world.scenario.name,
        "regime": world.regime_name,
        "start": labels[0],
        "end": labels[-1],
        "actors": s.actors.count,
        **metrics.headline(s, rec),
        "series": {"date": labels, **metrics.series(rec)},
        "time_to_requirement": reached,
        "money_by_source_bn": {src: float(committed[k]) for k, src in enumerate(SOURCES)},
        "milestones": milestones_against_run(world, rec, labels),
    }


def milestones_against_run(world: World, rec: Records, labels: list[str]) -> list[dict[str, Any]]:
    """Each dated real milestone next to the date the run's domestic level reached its level.

    ``run_date`` is None when the run never reached the level; ``lag_years`` is
    run minus real (positive: the run is late). Milestones dated in the run's
    first step or earlier are marked ``before_start`` and get no lag: the start
    level has to show them, not the run (tests/data/test_start_levels.py checks
    that the built-in scenarios start at or above them, and below later ones).
    """
    sched = world.state.schedule
    cal = world.scenario.calendar
    out = []
    for m in world.scenario.milestones:
        j = world.node_ids.index(m.node)
        reached = np.flatnonzero(rec.node["domestic_level"][:, j] >= m.level)
        year, month = parse_month(m.date)
        real = year + (month - 1) / 12
        run = sched.start_year + reached[0] / sched.steps_per_year if reached.size else None
        before = step_index(cal.start, m.date, cal.steps_per_year) <= 0
        out.append(
            {
                "node": m.node,
                "level": m.level,
                "what": m.what,
                "real_date": m.date,
                "confidence": m.confidence,
                "before_start": before,
                "run_date": labels[int(reached[0])] if reached.size else None,
                "lag_years": None if run is None or before else round(float(run - real), 2),
            }
        )
    return out
