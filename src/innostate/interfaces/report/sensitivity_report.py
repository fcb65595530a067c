"""The sensitivity report: ranked indices and their charts (Morris mu*-sigma, Sobol' S1/ST)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd

from innostate.experiments.compare import INDICATORS
from innostate.experiments.gsa import COLUMNS, RANKED_BY, load_sensitivity
from innostate.experiments.store import write_text
from innostate.interfaces.report.page import Section, cards, figure, page, table

CSS = """
.caveats { background: #fff8e6; border-left: 4px solid #e0a100; padding: 8px 14px; margin: 0 0 12px;
           font-size: 13px; }
.caveats li { margin: 3px 0; }
"""
METHOD_NAMES = {
    "morris": "Morris elementary effects",
    "sobol": "Sobol' variance decomposition",
    "delta": "Borgonovo's delta (moment-independent)",
}
NOTES = {
    "morris": "mu* is the mean absolute elementary effect (in the output's unit), with its 95% "
    "bootstrap interval; sigma is the spread of the effects: high sigma against mu* means "
    "non-linear effects or interactions. Inputs near the origin barely matter.",
    "sobol": "S1: share of the output's variance due to the input alone; ST: with all its "
    "interactions. Whiskers: 95% bootstrap intervals. ST much above S1 means interactions.",
    "delta": "delta: how much the whole distribution of the output shifts when the input is "
    "known (0 to 1); S1 estimated from the same points. Whiskers: 95% bootstrap intervals. "
    "Delta has an upward bias at small samples: an input that does nothing still scores a little.",
}


def write_sensitivity_report(folder: Path) -> Path:
    """Build ``report.html`` in a sensitivity folder from the files it holds.

    Raises
    ------
    DamagedRun
        When a file of the analysis is missing or damaged (named in the message).
    """
    indices, per_sample, meta = load_sensitivity(folder)
    method = meta["method"]
    sections = [
        Section("design", "Design", _design(meta) + _caveats(meta)),
    ]
    for name in meta["outputs"]:
        part = indices[indices["output"] == name]
        label = INDICATORS.get(name, (name, ""))[0]
        sections.append(
            Section(
                f"output-{name}",
                f"{label.capitalize()} ({name})",
                _chart(part, method, name) + _ranked(part, method),
                NOTES[method],
            )
        )
    sections.append(
        Section(
            "samples",
            "Every sample point",
            table(per_sample, 4),
            "One row per parameter point: the inputs, and each output's mean and standard "
            "deviation over the replicates.",
        )
    )
    title = f"innostate sensitivity: {meta['scenario']}"
    subtitle = (
        f"{METHOD_NAMES[method]}; {len(meta['params'])} parameters, {meta['points']} points x "
        f"{meta['replicates']} replicates = {meta['runs']} runs; root seed {meta['root_seed']}; "
        f"population scale {meta['population_scale']:g}; innostate {meta['innostate_version']}"
    )
    return write_text(folder / "report.html", page(title, subtitle, sections, css=CSS))


def _design(meta: dict[str, Any]) -> str:
    size = (
        f"{meta['trajectories']} trajectories, {meta['levels']} levels"
        if meta["method"] == "morris"
        else f"N = {meta['points']} points"
        if meta["method"] == "delta"
        else f"{meta['points']} points"
    )
    items = [
        ("method", meta["method"]),
        ("parameters", str(len(meta["params"]))),
        ("design", size),
        ("replicates per point", str(meta["replicates"])),
        ("runs", f"{meta['runs']:,}"),
        ("regime / containment", f"{meta['regime']} / {meta['containment']}"),
    ]
    ranges = pd.DataFrame(
        [{"parameter": k, "low": v[0], "high": v[1]} for k, v in meta["params"].items()]
    )
    return cards(items) + "<h3>Ranges (uniform)</h3>" + table(ranges, 4, scroll=False)


def _caveats(meta: dict[str, Any]) -> str:
    items = []
    for name, found in meta["noise"].items():
        share = found.get("noise_share")
        if share is None:
            text = (
                f"{name}: one replicate per point, so seed noise is not measured and is part of "
                "every index; use at least 2 replicates."
                if found.get("replicate_sd") is None
                else f"{name}: the output does not vary between points."
            )
        else:
            text = (
                f"{name}: seed noise is {100 * share:.1f}% of the variance of the replicate means "
                f"(replicate SD {found['replicate_sd']:.4g}, SD between points "
                f"{found['sample_sd']:.4g})"
                + (
                    ": the indices are mostly noise; add replicates."
                    if share > 0.5
                    else "; differences between indices smaller than that are noise."
                )
            )
        items.append(text)
    if meta["method"] == "sobol" and meta["points"] < 64 * (len(meta["params"]) + 2):
        items.append(
            f"Sobol' base sample N = {meta['points'] // (len(meta['params']) + 2)}: the indices "
            "are rough (values above 1 or below 0 and wide intervals mean N is too small); "
            "use N = 64 or more for conclusions."
        )
    if meta["method"] == "morris" and (meta["trajectories"] or 0) < 10:
        items.append(
            f"{meta['trajectories']} Morris trajectories: a rough screening; 10 or more give a "
            "steadier ranking."
        )
    items.append(
        "The parameters are not calibrated: read the indices as what the model implies over "
        "the ranges given, not as facts about the world. Another range gives another ranking."
    )
    if meta.get("settings"):
        shown = ", ".join(f"{k}={v}" for k, v in meta["settings"].items())
        items.append(f"Held fixed in every run: {shown}.")
    inner = "".join(f"<li>{html.escape(text)}</li>" for text in items)
    return f'<div class="caveats" id="caveats"><b>Read with care</b><ul>{inner}</ul></div>'


def _chart(part: pd.DataFrame, method: str, name: str) -> str:
    import plotly.graph_objects as go

    fig = go.Figure()
    if method == "morris":
        fig.add_trace(
            go.Scatter(
                x=part["mu_star"],
                y=part["sigma"],
                mode="markers+text",
                text=part["parameter"],
                textposition="top center",
                marker={"size": 10, "color": "#1f77b4"},
                error_x={"type": "data", "array": part["mu_star_conf"], "color": "#9aa3b5"},
                hovertemplate="%{text}<br>mu* %{x:.4g}<br>sigma %{y:.4g}<extra></extra>",
                name="parameters",
            )
        )
        fig.update_layout(
            xaxis={"title": "mu* (mean absolute effect)", "rangemode": "tozero"},
            yaxis={"title": "sigma (spread of the effects)", "rangemode": "tozero"},
            showlegend=False,
        )
        return figure(fig, f"chart-morris-{name}", 460)
    ordered = part.sort_values(RANKED_BY[method])  # the largest on top of a horizontal bar chart
    pairs = [("S1", "#9ecae1"), ("ST", "#1f77b4")] if method == "sobol" else [
        ("S1", "#9ecae1"), ("delta", "#1f77b4")
    ]  # fmt: skip
    for column, colour in pairs:
        fig.add_trace(
            go.Bar(
                x=ordered[column],
                y=ordered["parameter"],
                orientation="h",
                name=column,
                marker={"color": colour},
                error_x={"type": "data", "array": ordered[f"{column}_conf"], "color": "#1d2433"},
                hovertemplate="%{y}: %{x:.3f}<extra>" + column + "</extra>",
            )
        )
    fig.update_layout(
        barmode="group",
        xaxis={"title": "index"},
        legend={"orientation": "h", "y": -0.2},
    )
    height = 160 + 44 * len(part)
    return figure(fig, f"chart-{method}-{name}", height)


def _ranked(part: pd.DataFrame, method: str) -> str:
    shown = part[["rank", "parameter", "low", "high", *COLUMNS[method]]]
    return "<h3>Ranked</h3>" + table(shown, 4, scroll=False)
