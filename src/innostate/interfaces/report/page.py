"""The page around the charts: one offline HTML file, plotly.js embedded once."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import pandas as pd

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
