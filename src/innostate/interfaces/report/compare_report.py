"""The comparison report: verdicts first, then spending, bands over time and every difference."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from innostate.experiments.compare import (
    INDICATORS,
    KINDS,
    SERIES,
    Comparison,
    amount,
    load_comparison,
    verdict,
)
from innostate.experiments.store import write_text
from innostate.interfaces.report.page import Section, credibility, figure, page, table

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash"]
SYMBOLS = ["circle", "square", "diamond", "cross", "triangle-up"]
MIN_REPLICATES = 10  # below this, percentile intervals are too rough to trust
KIND_TITLES = {
    "regime": "Regimes against {r0}, within each containment timeline",
    "containment": "Containment timelines against {c0}, within each regime",
    "interaction": "Interaction: how a regime difference changes from {c0} to another timeline",
}
CSS = """
.caveats { background: #fff8e6; border-left: 4px solid #e0a100; padding: 8px 14px; margin: 0 0 12px;
           font-size: 13px; }
.caveats li { margin: 3px 0; }
table.verdict td, table.verdict th { font-size: 12px; min-width: 150px; }
table.verdict td.better { background: #d4e6f7; } table.verdict td.worse { background: #fbd9bd; }
table.verdict td.noise { color: #667; } table.verdict td.higher, table.verdict td.lower
{ background: #eef0f4; }
.wide { overflow-x: auto; }  /* every row shows, also in print; wide grids scroll sideways */
.legend span { display: inline-block; padding: 2px 8px; margin-right: 8px; font-size: 12px; }
"""


def write_compare_report(folder: Path) -> Path:
    """Build ``report.html`` in a comparison folder from the files `compare` wrote.

    Raises
    ------
    DamagedRun
        When a file of the comparison is missing or damaged (named in the message).
    """
    result = load_comparison(folder)
    d = result.design
    sections = [
        Section(
            "verdict",
            "Verdict",
            credibility(
                d.get("parameters"),
                d.get("population_scale"),
                d.get("steps_per_year"),
                str(d["scenario"]),
                "comparison",
            )
            + _caveats(result)
            + _verdicts(result),
            "Mean paired difference (same seeds in every cell) with its 95% bootstrap "
            "interval, and the difference as a share of the reference cell's mean. Better "
            "(blue) and worse (orange) only when the interval excludes zero.",
        ),
        Section("reading", "Reading", _reading(result)),
        Section(
            "spending",
            "Spending and what it bought",
            _efficiency_chart(result) + _spending(result),
            "R&D spent beside the outcomes, and outcomes per 100 bn yuan: a regime that "
            "spends more is not better for that alone. One point per run.",
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
            "Every difference",
            _forest(result),
            "Mean paired difference at the end of the run with its 95% bootstrap interval; "
            "grey: within noise (the interval includes zero).",
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
            "One row per (regime, containment, replicate) with its seed (and, when "
            "calibrated, the posterior parameter set it used).",
        ),
    ]
    title = f"innostate comparison: {d['scenario']}"
    subtitle = (
        f"regimes {', '.join(d['regimes'])}; containment {', '.join(d['containments'])}; "
        f"{d['replicates']} replicates from root seed {d['root_seed']}; "
        f"population scale {d['population_scale']:g}; innostate {d['innostate_version']}"
    )
    return write_text(folder / "report.html", page(title, subtitle, sections, css=CSS))


def verdict_cell(row: dict[str, Any]) -> tuple[str, str]:
    """The text and CSS class of one verdict entry.

    A clear difference reads as a size with the interval of that size ("worse by
    0.03 (95% CI 0.02 to 0.04)"); one within noise keeps its signs, since its
    interval spans zero.
    """
    name, diff = row["indicator"], row["mean_difference"]
    seen = verdict(row)
    base = row["baseline_mean"]
    share = f", {100 * diff / abs(base):+.1f}% of baseline" if base and math.isfinite(base) else ""
    share = share.replace("-", "\u2212")
    if seen == "noise":
        low, high = amount(name, row["ci_low"], True), amount(name, row["ci_high"], True)
        return f"within noise: {amount(name, diff, True)} (95% CI {low} to {high})", seen
    low, high = sorted((abs(row["ci_low"]), abs(row["ci_high"])))
    interval = f"95% CI {amount(name, low)} to {amount(name, high)}"
    return f"{seen} by {amount(name, abs(diff))} ({interval}){share}", seen


def _caveats(result: Comparison) -> str:
    d = result.design
    scale = float(d["population_scale"])
    n = int(d["replicates"])
    calibrated = (d.get("parameters") or {}).get("source") == "posterior"
    items = [
        "Intervals cover seed noise and parameter uncertainty: replicate r draws one "
        "posterior parameter set, the same in every cell, so differences stay paired. "
        "Read differences as what the calibrated model implies, not as forecasts."
        if calibrated
        else "Intervals cover seed noise only: every run has the same parameters and differs "
        "in its random draws. They say nothing about uncertainty in the parameters.",
        *(
            []
            if calibrated
            else [
                "The parameters are not calibrated: read differences as what the model "
                "implies under its stated assumptions (docs/model.md), not as forecasts."
            ]
        ),
        (
            f"Population scale {scale:g}: levels differ from a full-scale run, so compare "
            "only with runs at the same scale."
            if scale != 1
            else "Full population scale (1)."
        ),
        f"{n} replicate(s) per cell"
        + (
            f": fewer than {MIN_REPLICATES}, so the intervals are rough; use more replicates "
            "before drawing conclusions."
            if n < MIN_REPLICATES
            else "."
        ),
    ]
    if d.get("settings"):
        shown = ", ".join(
            f"{k}={v}" if isinstance(v, str) else f"{k}={v:g}" for k, v in d["settings"].items()
        )
        items.append(f"Parameters set for every run: {shown}.")
    inner = "".join(f"<li>{html.escape(text)}</li>" for text in items)
    return f'<div class="caveats" id="caveats"><b>Read with care</b><ul>{inner}</ul></div>'


def _verdicts(result: Comparison) -> str:
    diffs = result.differences
    if diffs.empty:
        return "<p>One cell only: nothing to compare against.</p>"
    d = result.design
    names = {"r0": d["regimes"][0], "c0": d["containments"][0]}
    legend = (
        '<p class="legend"><span style="background:#d4e6f7">better</span>'
        '<span style="background:#fbd9bd">worse</span>'
        '<span style="background:#eef0f4">higher / lower (neither better nor worse)</span>'
        '<span style="color:#667">within noise</span></p>'
    )
    blocks = [legend]
    for kind in KINDS:
        part = diffs[diffs["kind"] == kind]
        if part.empty:
            continue
        contrasts = list(dict.fromkeys(part["contrast"]))
        head = "".join(f"<th>{html.escape(c)}</th>" for c in contrasts)
        rows = []
        for name, (label, better) in INDICATORS.items():
            cells = []
            for contrast in contrasts:
                (row,) = part[(part["indicator"] == name) & (part["contrast"] == contrast)].to_dict(
                    "records"
                )
                text, css = verdict_cell(row)
                cells.append(f'<td class="{css}">{html.escape(text)}</td>')
            aim = {"higher": " (higher is better)", "lower": " (lower is better)"}.get(better, "")
            rows.append(f"<tr><th>{html.escape(label + aim)}</th>{''.join(cells)}</tr>")
        title = KIND_TITLES[kind].format(**names)
        blocks.append(
            f"<h3>{html.escape(title)}</h3>"
            f'<div class="wide"><table class="verdict" data-kind="{kind}"><thead><tr>'
            f"<th>indicator</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )
    return "".join(blocks)


def _reading(result: Comparison) -> str:
    if not result.reading:
        return "<p>One cell only: nothing to compare against.</p>"
    items = "".join(f"<li>{html.escape(line)}</li>" for line in result.reading)
    return f'<ul class="reading">{items}</ul>'


def _style(result: Comparison, regime: str, containment: str) -> tuple[str, str]:
    colour = PALETTE[result.design["regimes"].index(regime) % len(PALETTE)]
    dash = DASHES[result.design["containments"].index(containment) % len(DASHES)]
    return colour, dash


def _efficiency_chart(result: Comparison) -> str:
    import plotly.graph_objects as go

    fig = go.Figure()
    for (regime, containment), cell in result.runs.groupby(["regime", "containment"], sort=False):
        colour, _ = _style(result, str(regime), str(containment))
        symbol = SYMBOLS[result.design["containments"].index(containment) % len(SYMBOLS)]
        fig.add_trace(
            go.Scatter(
                x=cell["rd_spent_bn"],
                y=cell["nodes_meeting_requirement_end"],
                mode="markers",
                name=f"{regime} / {containment}",
                marker={"color": colour, "symbol": symbol, "size": 8, "opacity": 0.75},
                hovertemplate="R&D spent %{x:,.0f} bn<br>technologies meeting their "
                "requirement %{y}<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(
        xaxis={"title": "R&D spent over the run (bn yuan)"},
        yaxis={"title": "technologies meeting their requirement at the end"},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure(fig, "chart-efficiency", 420)


def _spending(result: Comparison) -> str:
    columns = {
        "rd_spent_bn": "R&D spent",
        "breakthroughs": "breakthroughs",
        "nodes_meeting_requirement_end": "technologies meeting requirement",
        "breakthroughs_per_100bn": "breakthroughs per 100 bn",
        "nodes_met_per_100bn": "technologies meeting requirement per 100 bn",
    }
    rows = []
    for (regime, containment), cell in result.runs.groupby(["regime", "containment"], sort=False):
        row: dict[str, object] = {"regime": regime, "containment": containment}
        for name, label in columns.items():
            row[label] = amount(name, float(cell[name].median()), level=True)
        rows.append(row)
    return table(pd.DataFrame(rows), scroll=False)


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
        return "<p>One cell only: nothing to compare against.</p>"
    names = list(INDICATORS)
    cols = 1  # one column: the contrast labels are long and need the width
    rows = math.ceil(len(names) / cols)
    contrasts = list(dict.fromkeys(diffs["contrast"]))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[INDICATORS[n][0] for n in names],
        vertical_spacing=0.35 / rows,
    )
    for i, name in enumerate(names):
        part = diffs[diffs["indicator"] == name]
        # one trace per colour: plotly's error bars take a single colour per trace
        for clear, colour in ((True, "#1d2433"), (False, "#9aa3b5")):
            shown = part[part["clear"] == clear]
            fig.add_trace(
                go.Scatter(
                    x=shown["mean_difference"],
                    y=shown["contrast"],
                    mode="markers",
                    marker={"color": colour, "size": 8},
                    showlegend=False,
                    error_x={
                        "type": "data",
                        "symmetric": False,
                        "array": shown["ci_high"] - shown["mean_difference"],
                        "arrayminus": shown["mean_difference"] - shown["ci_low"],
                        "color": colour,
                    },
                    hovertemplate="%{y}: %{x:.3g}<extra></extra>",
                ),
                i // cols + 1,
                i % cols + 1,
            )
        fig.update_yaxes(
            categoryorder="array",
            categoryarray=contrasts[::-1],
            row=i // cols + 1,
            col=i % cols + 1,
        )
        fig.add_vline(
            x=0, line={"color": "#c0392b", "width": 1}, row=i // cols + 1, col=i % cols + 1
        )
    return figure(fig, "chart-differences", 120 + (60 + 22 * len(contrasts)) * rows)


def _cells(result: Comparison) -> str:
    rows = []
    for (regime, containment), cell in result.runs.groupby(["regime", "containment"], sort=False):
        row: dict[str, object] = {"regime": regime, "containment": containment}
        for name, (label, _) in INDICATORS.items():
            low, mid, high = (
                amount(name, float(v), level=True) for v in cell[name].quantile([0.1, 0.5, 0.9])
            )
            row[label] = f"{mid} ({low} to {high})"
        rows.append(row)
    return table(pd.DataFrame(rows))
