"""The page around the charts: one offline HTML file, plotly.js embedded once."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

from innostate.experiments.posterior import BUILTIN_POSTERIORS, misses, packaged_folder

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d2433;
       background: #f6f7f9; }
header { background: #1d2433; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; opacity: .8; font-size: 14px; }
main { max-width: 1280px; margin: 0 auto; padding: 12px 24px 48px; }
section { background: #fff; border-radius: 8px; padding: 16px 20px; margin: 16px 0;
          box-shadow: 0 1px 3px rgba(0,0,0,.08); }
h2 { font-size: 18px; margin: 0 0 8px; }
p.note { color: #556; font-size: 13px; margin: 4px 0 8px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px; }
.card { background: #f0f3f8; border-radius: 6px; padding: 10px 12px; }
.card .v { font-size: 20px; font-weight: 600; } .card .k { font-size: 12px; color: #556; }
table { border-collapse: collapse; font-size: 12px; width: 100%; }
th, td { border-bottom: 1px solid #e3e6ec; padding: 4px 6px; text-align: left;
         vertical-align: top; }
th { background: #f0f3f8; position: sticky; top: 0; }
.scroll { max-height: 420px; overflow: auto; }
ul.reading li { margin: 4px 0; font-size: 14px; }
nav a { color: #9cc3ff; margin-right: 14px; font-size: 13px; }
.credibility { border-left: 4px solid #2c7a4b; background: #eef7f1; padding: 8px 14px;
               margin: 0 0 12px; font-size: 13px; }
.credibility.uncalibrated { border-left-color: #b36b00; background: #fff4e0; }
.credibility .warn { color: #a33; font-weight: 600; }
.credibility table { width: auto; margin: 6px 0; }
"""


@dataclass
class Section:
    """One titled block of the page: HTML content plus an optional explanatory note."""

    anchor: str
    title: str
    body: str
    note: str = ""


def figure(fig: Any, div_id: str, height: int) -> str:
    """A plotly figure as a div (plotly.js itself is embedded once by :func:`page`)."""
    fig.update_layout(
        height=height, margin={"l": 50, "r": 20, "t": 40, "b": 40}, template="plotly_white"
    )
    html_text: str = fig.to_html(
        include_plotlyjs=False,
        full_html=False,
        div_id=div_id,
        default_height=f"{height}px",
        config={"responsive": True, "displaylogo": False},
    )
    return html_text


def table(frame: pd.DataFrame, digits: int = 3, scroll: bool = True) -> str:
    """A DataFrame as an HTML table with escaped cells."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = "".join(f"<td>{html.escape(_fmt(v, digits))}</td>" for v in values)
        rows.append(f"<tr>{cells}</tr>")
    body = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return f'<div class="scroll">{body}</div>' if scroll else body


def cards(items: list[tuple[str, str]]) -> str:
    """Headline numbers as a grid of cards: (label, value)."""
    inner = "".join(
        f'<div class="card"><div class="v">{html.escape(v)}</div>'
        f'<div class="k">{html.escape(k)}</div></div>'
        for k, v in items
    )
    return f'<div class="cards">{inner}</div>'


def page(title: str, subtitle: str, sections: list[Section], css: str = "") -> str:
    """The whole report: CSS (plus ``css``), plotly.js once, a navigation bar and the sections."""
    from plotly.offline import get_plotlyjs

    nav = "".join(f'<a href="#{s.anchor}">{html.escape(s.title)}</a>' for s in sections)
    blocks = "".join(
        f'<section id="{s.anchor}"><h2>{html.escape(s.title)}</h2>'
        + (f'<p class="note">{html.escape(s.note)}</p>' if s.note else "")
        + s.body
        + "</section>"
        for s in sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{CSS}{css}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f"<header><h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p><nav>{nav}</nav>"
        f"</header><main>{blocks}</main></body></html>\n"
    )


def _fmt(value: Any, digits: int) -> str:
    if isinstance(value, float):
        return f"{value:,.{digits}f}" if abs(value) < 1e6 else f"{value:,.0f}"
    return "" if value is None else str(value)


def _not_accepted(scenario: str) -> str:
    """For a built-in scenario whose packaged posterior is not accepted: why it is not used."""
    name = BUILTIN_POSTERIORS.get(scenario)
    folder = packaged_folder(name) if name else None
    if folder is None:
        return ""
    missed = misses(json.loads((folder / "calibration.json").read_text()))
    if not missed:
        return ""
    return (
        f" A calibration of this model is packaged ({html.escape(str(name))}), but its backtest "
        f"misses the acceptance figures ({html.escape('; '.join(missed))}), so runs do not use "
        "it by default; <code>--parameters posterior</code> uses it."
    )


def credibility(
    parameters: dict[str, Any] | None,
    population_scale: float | None,
    steps_per_year: int | None,
    scenario: str,
    unit: str = "run",
) -> str:
    """The credibility box: calibrated or not, which posterior, its backtest, and mismatches.

    Parameters
    ----------
    parameters
        The run's (manifest) or comparison's ``parameters`` record; None or
        ``source: defaults`` for an uncalibrated one.
    population_scale, steps_per_year, scenario
        The run's, compared with the calibration's (None: not recorded).
    unit
        ``run`` or ``comparison``, for the wording.
    """
    if not parameters or parameters.get("source") != "posterior":
        return (
            '<div class="credibility uncalibrated" id="credibility"><b>Uncalibrated</b>: '
            "parameters are defaults, intervals carry seed noise only. The model has not been "
            "fitted to the historical record for this "
            f"{html.escape(unit)}; read results as what the stated assumptions imply "
            f"(docs/model.md, docs/calibration.md).{_not_accepted(scenario)}</div>"
        )
    cal = parameters.get("calibration", {})
    name = html.escape(str(parameters.get("posterior")))
    facts = (
        f"posterior <b>{name}</b>, created {html.escape(str(cal.get('created', '?')))}, "
        f"calibrated on {html.escape(str(cal.get('scenario', '?')))} at population scale "
        f"{_num(cal.get('population_scale'))} with {_num(cal.get('steps_per_year'))} steps per "
        f"year ({_num(cal.get('waves'))} waves, {_num(cal.get('runs'))} runs)"
    )
    if "sets" in parameters:
        sets = parameters["sets"]
        used = f"replicates use {len(set(sets))} distinct parameter set(s) drawn by weight"
    else:
        used = f"this run uses parameter set {parameters.get('set')}"
    lines = [f"<b>Calibrated</b>: {facts}; {used}, so intervals carry parameter uncertainty "
             "as well as seed noise."]  # fmt: skip
    warnings = []
    missed = misses(cal)
    if missed:
        warnings.append(
            "this posterior misses the acceptance figures of its backtest ("
            + html.escape("; ".join(missed))
            + "): its parameters fit the record only as well as the figures below show."
        )
    scale = cal.get("population_scale")
    if population_scale is not None and scale is not None and float(scale) != population_scale:
        warnings.append(
            f"this {unit} runs at population scale {population_scale:g}, the calibration at "
            f"{float(scale):g}: levels and dates differ with scale, so the backtest does not "
            "carry over; run at the calibration's scale or recalibrate."
        )
    steps = cal.get("steps_per_year")
    if steps_per_year is not None and steps is not None and int(steps) != steps_per_year:
        warnings.append(
            f"this {unit} has {steps_per_year} steps per year, the calibration {int(steps)}: "
            "rates per year hold, but timing differs; recalibrate at this step length."
        )
    if cal.get("scenario") and cal["scenario"] != scenario:
        lines.append(
            f"Scenario {html.escape(scenario)} differs from the calibration's "
            f"({html.escape(str(cal['scenario']))}): the backtest below is the calibration's."
        )
    if parameters.get("overridden"):
        shown = ", ".join(html.escape(str(p)) for p in parameters["overridden"])
        lines.append(f"Set by hand over the posterior's values: {shown}.")
    body = "".join(f"<p>{line}</p>" for line in lines)
    body += "".join(f'<p class="warn">Warning: {html.escape(w)}</p>' for w in warnings)
    body += backtest_table(cal.get("backtest", {}))
    return f'<div class="credibility" id="credibility">{body}</div>'


def backtest_table(backtest: dict[str, Any]) -> str:
    """The backtest's figures, in-sample and held-out, as a small table."""
    if not backtest:
        return ""
    rows = [
        {
            "milestones": split.replace("_", "-"),
            "count": figures.get("milestones"),
            "inside 80% interval": _share(figures.get("coverage_80")),
            "mean absolute lag (years)": figures.get("mean_abs_lag_years"),
            "median 80% interval width (years)": figures.get("median_interval_width_years"),
            "unreached by 2030": figures.get("unreached_by_2030"),
        }
        for split, figures in backtest.items()
    ]
    return table(pd.DataFrame(rows), 2, scroll=False)


def _share(value: Any) -> str:
    return "" if value is None else f"{100 * float(value):.0f}%"


def _num(value: Any) -> str:
    if value is None:
        return "?"
    return f"{value:g}" if isinstance(value, float) else html.escape(str(value))
