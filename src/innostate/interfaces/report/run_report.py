"""The run report: one offline HTML file next to a run's tables."""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from innostate.experiments.store import DamagedRun, check_run, write_text
from innostate.interfaces.report.page import Section, cards, credibility, figure, page, table
from innostate.model.codebook import SOURCES

KIND_COLOURS = {
    "national_lab": "#6a3d9a",
    "university": "#1f78b4",
    "research_institute": "#a6cee3",
    "soe": "#e31a1c",
    "private_firm": "#33a02c",
    "policy_bank": "#b15928",
    "guidance_fund": "#ff7f00",
    "vc_fund": "#fdbf6f",
    "local_government": "#999999",
    "ministry": "#444444",
    "central_leadership": "#000000",
    "leading_group": "#222222",
}
LEVEL_LINES = (  # small multiples: column, legend name, line style
    ("domestic_level", "domestic level", {"color": "#1f78b4"}),
    ("frontier", "frontier", {"color": "#555", "dash": "dash"}),
    ("requirement", "requirement", {"color": "#c0392b", "dash": "dot"}),
)


def load_run(folder: Path) -> dict[str, Any]:
    """The tables, summary and manifest of a run folder, each file checked first.

    Raises
    ------
    DamagedRun
        When the folder does not exist, a file is missing, or a file is damaged
        (cut short, changed since the run, not Parquet or JSON, or not the
        mapping a run writes); the message names the file.
    """
    if not folder.is_dir():
        raise DamagedRun(
            f"{folder}: no such folder. Fix: give the folder `innostate run --out` wrote."
        )
    manifest = check_run(folder)  # every file against the digest the run recorded
    needed = ["nodes", "areas", "flows", "projects", "events", "breakthroughs", "actors"]
    files = [f"{n}.parquet" for n in needed] + ["summary.json"]
    missing = [f for f in files if not (folder / f).exists()]
    if missing:
        raise DamagedRun(
            f"{folder} is not a finished run: missing {', '.join(missing)}. "
            "Fix: give the folder `innostate run --out` wrote."
        )
    run: dict[str, Any] = {"manifest": manifest}
    for name in needed:
        path = folder / f"{name}.parquet"
        try:
            run[name] = pd.read_parquet(path)
        except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
            raise _damaged(path, exc) from None
    path = folder / "summary.json"
    try:
        run["summary"] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _damaged(path, exc) from None
    if not isinstance(run["summary"], dict):
        raise _damaged(path, ValueError("not a JSON object"))
    if not isinstance(run["summary"].get("series"), dict):
        raise _damaged(path, ValueError("no indicator series: written by an older innostate"))
    return run


def _damaged(path: Path, exc: Exception) -> DamagedRun:
    reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
    return DamagedRun(
        f"{path} is damaged ({reason}). Fix: run the simulation again into this folder "
        "(innostate run ... --out FOLDER) to rewrite its files."
    )


def write_run_report(folder: Path) -> Path:
    """Build ``report.html`` in a run folder from the files the run wrote.

    Raises
    ------
    DamagedRun
        When the folder is missing, or a file in it is missing or damaged.
    """
    run = load_run(folder)
    s, m = run["summary"], run["manifest"]
    sections = [
        Section(
            "headline",
            "Headline indicators",
            credibility(
                m.get("parameters"),
                m.get("population_scale"),
                m.get("steps_per_year"),
                str(s["scenario"]),
            )
            + _headline(s),
        ),
        Section(
            "reliance",
            "Self-reliance over time",
            _reliance(run),
            "Self-reliance index: market-weighted mean over technologies of min(1, domestic "
            "level / requirement). Markers on top are containment events (hover for names).",
        ),
        Section(
            "nodes",
            "Technologies against the frontier",
            _small_multiples(run),
            "Domestic level (solid), global frontier (dashed) and requirement (dotted) per "
            "technology, grouped by mission area.",
        ),
        Section(
            "chokepoints",
            "Chokepoint map",
            _heatmap(run),
            "Each technology at the end of each year: requirement met, gap with foreign "
            "access open, or gap with foreign access cut (below half).",
        ),
        Section(
            "money",
            "Where the money went",
            _sankey(run),
            "Money committed by source, through instruments, to kinds of performer "
            "(self-funded R&D and platform services as spent), bn yuan over the run.",
        ),
        Section(
            "network",
            "Consortium network",
            _network(run),
            "Who worked with whom in funded consortia: lead-member links of the actors with "
            "the most project money; size by money, colour by kind.",
        ),
        Section("breakthroughs", "Breakthroughs and their provenance", _breakthroughs(run)),
        Section("assumptions", "Assumptions", _assumptions(m)),
    ]
    title = f"innostate run: {s['scenario']} under {s['regime']}"
    subtitle = (
        f"{s['start']} to {s['end']}, containment {m.get('containment', 'real')}, "
        f"seed {m['seed']}, {s['actors']:,} actors, innostate {m['innostate_version']}"
    )
    return write_text(folder / "report.html", page(title, subtitle, sections))


def _headline(s: dict[str, Any]) -> str:
    items = [
        (
            "self-reliance index, start -> end",
            f"{s['self_reliance_start']:.3f} -> {s['self_reliance_end']:.3f}",
        ),
        (
            "technologies meeting their requirement",
            f"{s['nodes_meeting_requirement_start']} -> {s['nodes_meeting_requirement_end']} "
            f"of {s['nodes']}",
        ),
        ("chokepoints, start -> end", f"{s['chokepoints_start']} -> {s['chokepoints_end']}"),
        ("R&D spent (bn yuan)", f"{s['rd_spent_bn']:,.0f}"),
        ("waste: cut or duplicate projects", f"{s['waste_bn']:,.0f} bn ({s['waste_share']:.1%})"),
        ("lapsed to the treasury (bn yuan)", f"{s.get('lapsed_bn', 0.0):,.0f}"),
        ("breakthroughs", str(s["breakthroughs"])),
        ("breakthroughs per 100 bn yuan", f"{s['breakthroughs_per_100bn']:.3f}"),
        (
            "projects / cut / duplicates",
            f"{s['projects']:,} / {s['projects_cut']:,} / {s['duplicate_projects']:,}",
        ),
    ]
    reached = pd.DataFrame(
        [
            {
                "technology": k,
                "met requirement": v["date"] if v else "not by the end",
                "years": v["years"] if v else None,
                "how": (
                    "at the start" if v and v["met_at_start"] else "during the run" if v else ""
                ),
            }
            for k, v in s["time_to_requirement"].items()
        ]
    )
    money = pd.DataFrame(
        [{"source": k, "committed (bn yuan)": v} for k, v in s["money_by_source_bn"].items()]
    )
    idle = pd.DataFrame(
        [{"holder": k, "held at the end (bn yuan)": v} for k, v in s.get("idle_end_bn", {}).items()]
    )
    milestones = ""
    if s.get("milestones"):
        frame = pd.DataFrame(s["milestones"])[
            ["node", "level", "what", "real_date", "run_date", "lag_years", "confidence"]
        ]
        milestones = "<h3>Milestones against the run</h3>" + table(frame, 2)
    return (
        cards(items)
        + "<h3>Money by source</h3>"
        + table(money, 1, scroll=False)
        + "<h3>Money not yet spent at the end, by holder</h3>"
        + table(idle, 1, scroll=False)
        + "<h3>Time to requirement</h3>"
        + table(reached, 2)
        + milestones
    )


def _containment_markers(run: dict[str, Any], year_of: dict[int, float], top: float) -> Any:
    import plotly.graph_objects as go

    events = run["events"][run["events"]["kind"] == "containment"]
    if events.empty:
        return None
    grouped = events.groupby("step")["id"].apply(lambda ids: "<br>".join(ids))
    return go.Scatter(
        x=[year_of[int(step)] for step in grouped.index],
        y=[top] * len(grouped),
        mode="markers",
        marker={"symbol": "triangle-down", "size": 11, "color": "#c0392b"},
        name="containment events",
        text=list(grouped.values),
        hovertemplate="%{text}<extra></extra>",
    )


def _reliance(run: dict[str, Any]) -> str:
    import plotly.graph_objects as go

    nodes, areas = run["nodes"], run["areas"]
    index = pd.Series(run["summary"]["series"]["self_reliance"])  # by step, from the run
    year_of = dict(zip(nodes["step"], nodes["year"], strict=False))
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[year_of[t] for t in index.index],
            y=index.values,
            name="national index",
            line={"width": 4, "color": "#1d2433"},
        )
    )
    for area, rows in areas.groupby("area", sort=False):
        fig.add_trace(
            go.Scatter(
                x=rows["year"],
                y=rows["self_reliance"],
                name=str(area),
                line={"width": 1.5},
                opacity=0.8,
            )
        )
    markers = _containment_markers(run, year_of, 1.04)
    if markers is not None:
        fig.add_trace(markers)
        for x in markers.x:
            fig.add_vline(x=x, line={"color": "#c0392b", "width": 1, "dash": "dot"}, opacity=0.35)
    fig.update_layout(
        yaxis={"title": "self-reliance", "range": [0, 1.08]},
        xaxis={"title": "year"},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure(fig, "chart-reliance", 460)


def _small_multiples(run: dict[str, Any]) -> str:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    nodes = run["nodes"]
    out = []
    for number, (area, rows) in enumerate(nodes.groupby("area", sort=False)):
        names = list(dict.fromkeys(rows["node"]))
        cols = 4
        nrows = math.ceil(len(names) / cols)
        fig = make_subplots(
            rows=nrows,
            cols=cols,
            subplot_titles=names,
            shared_xaxes=True,
            vertical_spacing=min(0.12, 0.5 / nrows),
        )
        for i, name in enumerate(names):
            one = rows[rows["node"] == name]
            r, c = i // cols + 1, i % cols + 1
            first = i == 0
            for column, name, line in LEVEL_LINES:
                fig.add_trace(
                    go.Scatter(
                        x=one["year"],
                        y=one[column],
                        name=name,
                        line=line,
                        showlegend=first,
                        legendgroup=name,
                    ),
                    r,
                    c,
                )
        fig.update_yaxes(range=[0, 10.3])
        # the legend sits in the empty right-hand margin, clear of the subplot titles
        fig.update_layout(legend={"orientation": "v", "y": 1, "x": 1.01})
        out.append(
            f"<h3>{html.escape(str(area))}</h3>"
            + figure(fig, f"chart-nodes-{number}", 120 + 200 * nrows)
        )
    return "".join(out)


def _heatmap(run: dict[str, Any]) -> str:
    import plotly.graph_objects as go

    nodes = run["nodes"]
    year_end = nodes.groupby(nodes["year"].astype(int))["step"].max()
    rows = nodes[nodes["step"].isin(year_end.values)]
    order = list(dict.fromkeys(rows.sort_values(["area", "node"], kind="stable")["node"]))
    state = np.where(
        rows["domestic_level"] >= rows["requirement"], 0, np.where(rows["access"] < 0.5, 2, 1)
    )
    frame = rows.assign(state=state, y=rows["year"].astype(int))
    z = frame.pivot(index="node", columns="y", values="state").loc[order]
    gap = frame.pivot(index="node", columns="y", values="gap").loc[order]
    access = frame.pivot(index="node", columns="y", values="access").loc[order]
    hover = [
        [f"gap to frontier {g:.2f}, foreign access {a:.2f}" for g, a in zip(gr, ar, strict=True)]
        for gr, ar in zip(gap.values, access.values, strict=True)
    ]
    scale = [
        [0, "#2e9e5b"],
        [0.333, "#2e9e5b"],
        [0.334, "#f0a030"],
        [0.666, "#f0a030"],
        [0.667, "#c0392b"],
        [1, "#c0392b"],
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z.values,
            x=[str(c) for c in z.columns],
            y=order,
            zmin=0,
            zmax=2,
            colorscale=scale,
            text=hover,
            hovertemplate="%{y} %{x}: %{text}<extra></extra>",
            colorbar={"tickvals": [0.33, 1, 1.67], "ticktext": ["met", "gap, open", "gap, cut"]},
        )
    )
    fig.update_layout(yaxis={"autorange": "reversed"})
    return figure(fig, "chart-chokepoints", max(360, 16 * len(order) + 80))


def _sankey(run: dict[str, Any]) -> str:
    import plotly.graph_objects as go

    flows = run["flows"]
    if flows.empty:
        return "<p>No money moved in this run.</p>"
    first = flows.groupby(["source", "instrument"])["amount"].sum().reset_index()
    second = flows.groupby(["instrument", "performer_kind"])["amount"].sum().reset_index()
    labels = (
        list(dict.fromkeys(first["source"]))
        + list(dict.fromkeys(first["instrument"]))
        + list(dict.fromkeys(second["performer_kind"]))
    )
    sources = len(dict.fromkeys(first["source"]))
    instruments = len(dict.fromkeys(first["instrument"]))
    index = {("s", n): i for i, n in enumerate(labels[:sources])}
    index |= {("i", n): sources + i for i, n in enumerate(labels[sources : sources + instruments])}
    index |= {
        ("k", n): sources + instruments + i for i, n in enumerate(labels[sources + instruments :])
    }
    link_src = [index[("s", r)] for r in first["source"]] + [
        index[("i", r)] for r in second["instrument"]
    ]
    link_dst = [index[("i", r)] for r in first["instrument"]] + [
        index[("k", r)] for r in second["performer_kind"]
    ]
    values = list(first["amount"]) + list(second["amount"])
    fig = go.Figure(
        go.Sankey(
            node={"label": labels, "pad": 14, "thickness": 14},
            link={"source": link_src, "target": link_dst, "value": values},
            valueformat=",.1f",
            valuesuffix=" bn yuan",
        )
    )
    return figure(fig, "chart-sankey", 520)


def _network(run: dict[str, Any], limit: int = 120) -> str:
    import plotly.graph_objects as go

    projects, actors = run["projects"], run["actors"].set_index("actor")
    teams = projects[projects["member_count"] > 0]
    if teams.empty:
        return "<p>No consortium formed in this run.</p>"
    money = teams[[f"funding_{s}" for s in SOURCES]].sum(axis=1)
    edges = [
        (lead, member, value)
        for lead, members, value in zip(teams["lead"], teams["members"], money, strict=True)
        for member in str(members).split(";")
        if member
    ]
    links = pd.DataFrame(edges, columns=["a", "b", "money"])
    weight = pd.concat([links.groupby("a")["money"].sum(), links.groupby("b")["money"].sum()])
    weight = weight.groupby(level=0).sum().sort_values(ascending=False)
    keep = list(weight.index[:limit])
    shown = links[links["a"].isin(keep) & links["b"].isin(keep)]
    pos = _layout(keep, shown)
    xs, ys = [], []
    for a, b in zip(shown["a"], shown["b"], strict=True):
        xs += [pos[a][0], pos[b][0], None]
        ys += [pos[a][1], pos[b][1], None]
    fig = go.Figure(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"width": 0.5, "color": "#bbb"},
            hoverinfo="skip",
            name="consortium links",
        )
    )
    info = actors.loc[keep]
    for kind, group in info.groupby("kind", sort=False):
        ids = list(group.index)
        fig.add_trace(
            go.Scatter(
                x=[pos[i][0] for i in ids],
                y=[pos[i][1] for i in ids],
                mode="markers",
                name=str(kind),
                marker={
                    "size": [6 + 24 * math.sqrt(weight[i] / weight.iloc[0]) for i in ids],
                    "color": KIND_COLOURS.get(str(kind), "#777"),
                    "line": {"width": 0.5},
                },
                text=[f"{group.loc[i, 'name']}: {weight[i]:,.1f} bn yuan" for i in ids],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    fig.update_layout(
        xaxis={"visible": False}, yaxis={"visible": False}, legend={"orientation": "h", "y": -0.05}
    )
    own = actors["ownership"]
    research = actors["kind"].isin(["university", "research_institute", "national_lab"])
    cross_owner = own.reindex(links["a"]).to_numpy() != own.reindex(links["b"]).to_numpy()
    cross_sector = (
        research.reindex(links["a"]).to_numpy() != research.reindex(links["b"]).to_numpy()
    )
    degree = pd.concat([links["a"], links["b"]]).value_counts()
    metrics = pd.DataFrame(
        [
            {"metric": "consortia (projects with partners)", "value": f"{len(teams):,}"},
            {
                "metric": "mean partners per consortium",
                "value": f"{teams['member_count'].mean():.2f}",
            },
            {"metric": "actors in consortia", "value": f"{len(weight):,}"},
            {"metric": "lead-member links", "value": f"{len(links):,}"},
            {"metric": "links crossing ownership", "value": f"{cross_owner.mean():.1%}"},
            {
                "metric": "links crossing research and industry",
                "value": f"{cross_sector.mean():.1%}",
            },
            {
                "metric": "most connected actors",
                "value": ", ".join(
                    f"{actors.loc[a, 'name']} ({n})" for a, n in degree.head(5).items()
                ),
            },
        ]
    )
    return figure(fig, "chart-network", 620) + table(metrics, scroll=False)


def _layout(
    ids: list[str], links: pd.DataFrame, iterations: int = 150
) -> dict[str, tuple[float, float]]:
    """A deterministic force-directed layout (Fruchterman-Reingold) of a small graph."""
    n = len(ids)
    angle = 2 * np.pi * np.arange(n) / max(n, 1)
    pos = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    where = {a: i for i, a in enumerate(ids)}
    src = np.array([where[a] for a in links["a"]], dtype=int)
    dst = np.array([where[b] for b in links["b"]], dtype=int)
    k = 1.0 / math.sqrt(max(n, 1))
    step = 0.1
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.linalg.norm(delta, axis=2), 1e-3)
        move = (delta / dist[..., None] * (k * k / dist)[..., None]).sum(axis=1)
        pull = pos[src] - pos[dst]
        length = np.maximum(np.linalg.norm(pull, axis=1), 1e-3)
        force = pull * (length / k)[:, None]
        np.add.at(move, src, -force)
        np.add.at(move, dst, force)
        size = np.maximum(np.linalg.norm(move, axis=1), 1e-9)
        pos += move / size[:, None] * np.minimum(size, step)[:, None]
        step *= 0.98
    return {a: (float(pos[i, 0]), float(pos[i, 1])) for a, i in where.items()}


def _breakthroughs(run: dict[str, Any]) -> str:
    frame = run["breakthroughs"]
    if frame.empty:
        return "<p>No technology met its requirement during this run.</p>"
    names = run["actors"].set_index("actor")["name"]
    members = [
        ", ".join(names.get(m, m) for m in str(ms).split(";") if m) for ms in frame["members"]
    ]
    money = frame[[f"funding_{s}" for s in SOURCES]].rename(columns=lambda c: c[8:])
    view = pd.concat(
        [
            frame[["node", "date", "lead_name"]].assign(members=members),
            frame[["instrument"]],
            money,
        ],
        axis=1,
    )
    return table(view.rename(columns={"lead_name": "lead"}), 2)


def _assumptions(manifest: dict[str, Any]) -> str:
    keys = [
        "scenario",
        "scenario_hash",
        "regime",
        "containment",
        "seed",
        "population_scale",
        "actors",
        "steps",
        "innostate_version",
        "started",
        "finished",
    ]
    rows = [{"item": k, "value": manifest.get(k, "")} for k in keys]
    drawn = manifest.get("parameters") or {}
    calibrated = drawn.get("source") == "posterior"
    rows.append(
        {
            "item": "parameter set",
            "value": f"posterior {drawn.get('posterior')}, set {drawn.get('set')}"
            if calibrated
            else "defaults (uncalibrated)",
        }
    )
    run = pd.DataFrame(rows)
    flat = _flatten(manifest.get("parameter_values", {}))
    params = pd.DataFrame([{"parameter": k, "value": v} for k, v in flat.items()])
    return (
        table(run, scroll=False)
        + "<h3>Parameters of this run</h3>"
        + table(params, 4)
        + '<p class="note">innostate explores scenarios under explicit, editable '
        + (
            "assumptions; the calibrated inputs come from the posterior named above "
            "(see docs/calibration.md).</p>"
            if calibrated
            else "assumptions; the parameters of this run are not calibrated (see "
            "docs/model.md, docs/data.md and docs/calibration.md).</p>"
        )
    )


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out |= _flatten(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out
