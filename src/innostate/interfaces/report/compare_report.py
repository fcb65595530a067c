"""The comparison report: bands over time per cell, regime differences with intervals."""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd

from innostate.experiments.compare import INDICATORS, SERIES, Comparison, load_comparison
from innostate.experiments.store import write_text
from innostate.interfaces.report.page import Section, figure, page, table

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash"]


def write_compare_report(folder: Path) -> Path:
    """Build ``report.html`` in a comparison folder from the files `compare` wrote."""
    result = load_comparison(folder)
    d = result.design
    sections = [
        Section(
            "reading",
            "Reading",
            _reading(result),
            f"Each regime against the baseline {d['baseline']}, paired by replicate (same "
            "seeds); a difference is clear when its 95% bootstrap interval excludes zero.",
        ),
        *[
            Section(
                f"band-{name}",
                f"{name.replace('_', ' ').capitalize()} over time",
                _bands(result, name),
                "Median over replicates (line) and 10-90% band, per regime (colour) and "
                "containment timeline (dash).",
            )
            for name in SERIES
        ],
        Section(
            "differences",
            "Differences from the baseline",
            _forest(result),
            "Mean paired difference at the end of the run with its 95% bootstrap interval.",
        ),
        Section(
            "cells",
            "End-of-run indicators per cell",
            _cells(result),
            "Median and 10-90% range over replicates.",
        ),
        Section(
            "runs",
            "Every run",
            table(result.runs, 3),
            "One row per (regime, containment, replicate) with its seed.",
        ),
    ]
    title = f"innostate comparison: {d['scenario']}"
    subtitle = (
        f"regimes {', '.join(d['regimes'])}; containment {', '.join(d['containments'])}; "
        f"{d['replicates']} replicates from root seed {d['root_seed']}; "
        f"population scale {d['population_scale']:g}; innostate {d['innostate_version']}"
    )
    return write_text(folder / "report.html", page(title, subtitle, sections))


def _reading(result: Comparison) -> str:
    if not result.reading:
        return "<p>Only one regime: nothing to compare against.</p>"
    items = "".join(f"<li>{html.escape(line)}</li>" for line in result.reading)
    return f'<ul class="reading">{items}</ul>'


def _style(result: Comparison, regime: str, containment: str) -> tuple[str, str]:
    colour = PALETTE[result.design["regimes"].index(regime) % len(PALETTE)]
    dash = DASHES[result.design["containments"].index(containment) % len(DASHES)]
    return colour, dash


def _bands(result: Comparison, name: str) -> str:
    import plotly.graph_objects as go

    fig = go.Figure()
    series = result.series
    for (regime, containment), cell in series.groupby(["regime", "containment"], sort=False):
        stats = cell.groupby("step")[name].quantile(np.array([0.1, 0.5, 0.9])).unstack()
        dates = cell.groupby("step")["date"].first()
        colour, dash = _style(result, str(regime), str(containment))
        label = f"{regime} / {containment}"
        fig.add_trace(
            go.Scatter(
                x=dates,
                y=stats[0.1],
                line={"width": 0},
                showlegend=False,
                hoverinfo="skip",
                legendgroup=label,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=dates,
                y=stats[0.9],
                fill="tonexty",
                line={"width": 0},
                fillcolor=_transparent(colour),
                showlegend=False,
                hoverinfo="skip",
                legendgroup=label,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=dates,
                y=stats[0.5],
                name=label,
                legendgroup=label,
                line={"color": colour, "dash": dash, "width": 2},
            )
        )
    fig.update_layout(
        yaxis={"title": name.replace("_", " ")},
        xaxis={"nticks": 14},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure(fig, f"chart-band-{name}", 440)


def _transparent(colour: str, alpha: float = 0.15) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _forest(result: Comparison) -> str:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    diffs = result.differences
    if diffs.empty:
        return "<p>Only one regime: nothing to compare against.</p>"
    names = list(INDICATORS)
    cols = 2
    rows = math.ceil(len(names) / cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[INDICATORS[n][0] for n in names],
        horizontal_spacing=0.25,
        vertical_spacing=0.08,
    )
    for i, name in enumerate(names):
        part = diffs[diffs["indicator"] == name]
        labels = [f"{r} | {c}" for r, c in zip(part["regime"], part["containment"], strict=True)]
        colours = ["#1d2433" if clear else "#aab" for clear in part["clear"]]
        fig.add_trace(
            go.Scatter(
                x=part["mean_difference"],
                y=labels,
                mode="markers",
                marker={"color": colours, "size": 9},
                showlegend=False,
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": part["ci_high"] - part["mean_difference"],
                    "arrayminus": part["mean_difference"] - part["ci_low"],
                },
                hovertemplate="%{y}: %{x:.3g}<extra></extra>",
            ),
            i // cols + 1,
            i % cols + 1,
        )
        fig.add_vline(
            x=0, line={"color": "#c0392b", "width": 1}, row=i // cols + 1, col=i % cols + 1
        )
    return figure(fig, "chart-differences", 200 + 170 * rows)


def _cells(result: Comparison) -> str:
    rows = []
    for (regime, containment), cell in result.runs.groupby(["regime", "containment"], sort=False):
        row: dict[str, object] = {"regime": regime, "containment": containment}
        for name in INDICATORS:
            low, mid, high = cell[name].quantile([0.1, 0.5, 0.9])
            row[name] = f"{mid:.3g} ({low:.3g} to {high:.3g})"
        rows.append(row)
    return table(pd.DataFrame(rows))
