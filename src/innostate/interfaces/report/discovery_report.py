"""The scenario-discovery report: PRIM boxes, their peeling trajectory and a CART tree."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from innostate.experiments.discovery import Discovery, describe_limit, load_discovery
from innostate.experiments.store import write_text
from innostate.interfaces.report.page import Section, cards, figure, page, table

CSS = """
pre.tree { background: #f0f3f8; padding: 10px 14px; font-size: 12px; overflow-x: auto; }
ul.rules li { margin: 4px 0; font-size: 14px; }
"""
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]


def write_discovery_report(folder: Path) -> Path:
    """Build ``report.html`` in a discovery folder from the files it holds.

    Raises
    ------
    DamagedRun
        When a file of the discovery is missing or damaged (named in the message).
    """
    result = load_discovery(folder)
    sections = [
        Section(
            "question",
            "Question",
            _question(result),
            "Coverage: the share of all runs of interest inside a box. Density: the share "
            "of the runs inside a box that are of interest.",
        ),
        Section(
            "boxes",
            "PRIM boxes",
            _rules(result)
            + _limits_chart(result)
            + table(result.boxes.astype(object).where(result.boxes.notna(), ""), 4, scroll=False),
            "Each box's limits on the inputs it restricts, as a share of each input's range "
            "(bars); inputs not listed are free.",
        ),
        Section(
            "trajectory",
            "Peeling trajectory",
            _trajectory(result),
            "Every box along the peeling, from all runs (right) to the smallest box (left): "
            "coverage traded for density. The ringed point is the box kept.",
        ),
        Section(
            "tree",
            "CART tree",
            table(result.leaves, 3, scroll=False)
            + f'<pre class="tree">{html.escape(result.tree)}</pre>',
            "A shallow classification tree over the same inputs; each leaf is a rule. "
            "weights: [runs not of interest, runs of interest] in the leaf.",
        ),
    ]
    title = "innostate scenario discovery"
    subtitle = f"runs where {result.where}; inputs {', '.join(result.inputs)}"
    return write_text(folder / "report.html", page(title, subtitle, sections, css=CSS))


def _question(result: Discovery) -> str:
    items = [
        ("condition", result.where),
        ("runs", f"{result.runs:,}"),
        ("runs of interest", f"{result.of_interest:,}"),
        ("share of all runs", f"{result.base_density:.0%}"),
    ]
    for stats in result.box_stats.to_dict("records"):
        items.append(
            (
                f"box {stats['box']}: coverage / density",
                f"{stats['coverage']:.0%} / {stats['density']:.0%}",
            )
        )
    return cards(items)


def _rules(result: Discovery) -> str:
    lines = "".join(f"<li>{html.escape(line)}</li>" for line in result.box_rules())
    how = "".join(
        f"<li>box {s['box']}: {html.escape(str(s['how']))}</li>"
        for s in result.box_stats.to_dict("records")
    )
    return f'<ul class="rules">{lines}</ul><p class="note">Chosen as: </p><ul>{how}</ul>'


def _limits_chart(result: Discovery) -> str:
    import plotly.graph_objects as go

    fig = go.Figure()
    limits = result.boxes
    if limits.empty:
        return "<p>No box restricts any input.</p>"
    for number, group in limits.groupby("box", sort=True):
        colour = PALETTE[(int(str(number)) - 1) % len(PALETTE)]
        ranges = group[group["kind"] == "range"]
        span = (ranges["full_high"] - ranges["full_low"]).where(lambda s: s > 0, 1.0)
        low = (ranges["low"] - ranges["full_low"]) / span
        high = (ranges["high"] - ranges["full_low"]) / span
        labels = [describe_limit(r) for r in ranges.to_dict("records")]
        sets = group[group["kind"] == "set"]
        fig.add_trace(
            go.Bar(
                x=pd.concat([high - low, pd.Series([1.0] * len(sets))], ignore_index=True),
                base=pd.concat([low, pd.Series([0.0] * len(sets))], ignore_index=True),
                y=[*ranges["input"], *sets["input"]],
                orientation="h",
                name=f"box {number}",
                marker={"color": colour, "opacity": 0.7},
                text=[*labels, *[describe_limit(r) for r in sets.to_dict("records")]],
                textposition="inside",
                hovertemplate="%{text}<extra>box " + str(number) + "</extra>",
            )
        )
    fig.update_layout(
        barmode="group",
        xaxis={"title": "share of the input's range (sets: the values kept)", "range": [0, 1]},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure(fig, "chart-limits", 160 + 50 * limits["input"].nunique())


def _trajectory(result: Discovery) -> str:
    import plotly.graph_objects as go

    fig = go.Figure()
    for number, steps in result.trajectory.groupby("box", sort=True):
        colour = PALETTE[(int(str(number)) - 1) % len(PALETTE)]
        fig.add_trace(
            go.Scatter(
                x=steps["coverage"],
                y=steps["density"],
                mode="lines+markers",
                name=f"box {number}",
                marker={"color": steps["restricted"], "colorscale": "Viridis", "size": 7},
                line={"color": colour, "width": 1},
                customdata=steps[["step", "restricted", "runs"]],
                hovertemplate="step %{customdata[0]}: coverage %{x:.0%}, density %{y:.0%}, "
                "%{customdata[1]} inputs restricted, %{customdata[2]} runs<extra></extra>",
            )
        )
        kept = steps[steps["chosen"]]
        fig.add_trace(
            go.Scatter(
                x=kept["coverage"],
                y=kept["density"],
                mode="markers",
                name=f"box {number} kept (before pasting)",
                marker={
                    "size": 16,
                    "color": "rgba(0,0,0,0)",
                    "line": {"color": colour, "width": 2},
                },
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        xaxis={"title": "coverage", "tickformat": ".0%", "range": [0, 1.05]},
        yaxis={"title": "density", "tickformat": ".0%", "range": [0, 1.05]},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure(fig, "chart-trajectory", 460)
