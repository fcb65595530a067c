"""The calibration report: milestones against the posterior predictive, backtest figures,
posterior marginals and correlations, and the emulators' leave-one-out diagnostics."""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
import pandas as pd

from innostate.experiments.posterior import Posterior, load_posterior
from innostate.experiments.store import DamagedRun, write_text
from innostate.interfaces.report.page import Section, backtest_table, cards, figure, page, table
from innostate.scenario.errors import ScenarioError

CSS = """
.caveats { background: #fff8e6; border-left: 4px solid #e0a100; padding: 8px 14px; margin: 0 0 12px;
           font-size: 13px; }
.caveats li { margin: 3px 0; }
"""
SPLITS = {"in_sample": "In-sample (fitted)", "held_out": "Held out (not fitted)"}
JOINT = 0.5  # |r| above this: the pair is only jointly identified
BINS = 20


def write_calibration_report(folder: Path) -> Path:
    """Build ``calibration.html`` in a calibration's output folder from the files it holds.

    Parameters
    ----------
    folder
        The ``--out`` folder of ``innostate calibrate`` (posterior.parquet,
        calibration.json, predictive.parquet; emulator.parquet and waves.parquet
        when present).

    Returns
    -------
    Path
        ``folder / "calibration.html"``.

    Raises
    ------
    DamagedRun
        When a file is missing or damaged; the message names the file, field and fix.
    """
    folder = Path(folder)
    try:
        posterior = load_posterior(folder, "calibration folder")
    except ScenarioError as exc:
        raise DamagedRun("; ".join(str(p) for p in exc.problems)) from None
    if posterior.predictive is None:
        raise DamagedRun(
            f"{folder / 'predictive.parquet'}: missing. Fix: write it again with "
            "`innostate calibrate ... --out FOLDER`."
        )
    cal = posterior.calibration
    emulator = _optional(folder / "emulator.parquet")
    waves = _optional(folder / "waves.parquet")
    sections = [
        Section(
            "backtest",
            "Backtest",
            _summary(posterior, waves)
            + "<h3>Backtest figures</h3>"
            + backtest_table(cal.get("backtest", {})),
            "Share of milestones whose real date lies inside the posterior predictive 80% "
            "interval, mean absolute lag of the median run date behind the real date, and "
            "the median width of the 80% intervals (coverage must not come from width).",
        ),
    ]
    predictive = posterior.predictive
    for split, title in SPLITS.items():
        part = predictive[predictive["split"] == split]
        if len(part):
            sections.append(
                Section(
                    f"timeline-{split}",
                    f"Milestones: {title.lower()}",
                    _timeline(part, split, str(cal.get("horizon", ""))) + _milestones(part),
                    "Real date (black diamond, with its date precision as a bar) beside the "
                    "posterior predictive median (dot) and 80% interval (line). An arrow at "
                    "the right edge: the quantile lies past the horizon (never reached).",
                )
            )
    sections += [
        Section(
            "marginals",
            "Posterior marginals",
            _marginals(posterior),
            "Weighted histogram of each calibrated input over the posterior sets, within the "
            "range searched (the x axis spans it), with weighted quantiles below.",
        ),
        Section(
            "correlations",
            "Pairwise correlations",
            _correlations(posterior),
            f"Weighted correlation between calibrated inputs over the posterior sets; pairs "
            f"with |r| > {JOINT} are only jointly identified: the record pins down a "
            "combination of them, not each one.",
        ),
    ]
    if emulator is not None:
        sections.append(
            Section(
                "emulator",
                "Emulator diagnostics (leave-one-out)",
                _emulator(emulator),
                "Each design run left out in turn and predicted by the final wave's emulator: "
                "(observed - predicted) / sd. A good emulator has about 95% within +-2 and "
                "nearly all within +-3.",
            )
        )
    title = f"innostate calibration: {cal['name']}"
    subtitle = (
        f"scenario {cal['scenario']}, population scale {cal['population_scale']:g}, "
        f"{cal['steps_per_year']} steps per year; created {cal['created']}; "
        f"innostate {cal.get('innostate_version', '?')}"
    )
    return write_text(folder / "calibration.html", page(title, subtitle, sections, css=CSS))


def _optional(path: Path) -> pd.DataFrame | None:
    if not path.exists():
        return None
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise DamagedRun(
            f"{path}: not a readable Parquet table ({type(exc).__name__}). Fix: write it again "
            "with `innostate calibrate ... --out FOLDER`."
        ) from None


def _summary(posterior: Posterior, waves: pd.DataFrame | None) -> str:
    cal = posterior.calibration
    items = [
        ("calibrated inputs", str(len(posterior.paths))),
        ("posterior parameter sets", str(len(posterior.sets))),
        ("waves", str(cal.get("waves", "?"))),
        ("runs", f"{cal['runs']:,}" if isinstance(cal.get("runs"), int) else "?"),
        ("horizon", str(cal.get("horizon", "?"))),
        ("seed", str(cal.get("seed", "?"))),
    ]
    out = cards(items)
    if waves is not None and len(waves):
        out += "<h3>Waves</h3>" + table(waves, 3, scroll=False)
    return out


def _finite(values: pd.Series, cap: float) -> np.ndarray:
    """Quantiles past the horizon (+inf) drawn at the chart's right edge."""
    return np.where(np.isfinite(values.to_numpy(dtype=float)), values.to_numpy(dtype=float), cap)


def _timeline(part: pd.DataFrame, split: str, horizon: str) -> str:
    import plotly.graph_objects as go

    part = part.sort_values("real_year")
    finite = pd.concat([part["real_year"], part[["q10", "q50", "q90"]].stack()])
    finite = finite[np.isfinite(finite.to_numpy(dtype=float))]
    cap = math.ceil(float(finite.max())) + 1 if len(finite) else 2031.0
    labels = part["id"].astype(str).tolist()
    q10, q50, q90 = (_finite(part[q], cap) for q in ("q10", "q50", "q90"))
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=q50,
            y=labels,
            mode="markers",
            marker={"size": 9, "color": "#1f77b4"},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": q90 - q50,
                "arrayminus": q50 - q10,
                "color": "#1f77b4",
                "thickness": 2,
            },
            name="posterior predictive median and 80% interval",
            customdata=np.stack([part["reached_share"].to_numpy(dtype=float)], axis=1),
            hovertemplate="%{y}<br>median %{x:.2f}<br>reached by the horizon in "
            "%{customdata[0]:.0%} of runs<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=part["real_year"],
            y=labels,
            mode="markers",
            marker={"symbol": "diamond", "size": 10, "color": "#1d2433"},
            error_x={
                "type": "data",
                "array": part["precision_years"].to_numpy(dtype=float) / 2,
                "color": "#888",
            },
            name="real date (bar: its precision)",
            text=part["real_date"].astype(str),
            hovertemplate="%{y}<br>real %{text} (%{x:.2f})<extra></extra>",
        )
    )
    censored = ~np.isfinite(part["q90"].to_numpy(dtype=float))
    if censored.any():
        fig.add_trace(
            go.Scatter(
                x=np.full(int(censored.sum()), cap),
                y=np.array(labels)[censored],
                mode="markers",
                marker={"symbol": "triangle-right", "size": 11, "color": "#c0392b"},
                name=f"past the horizon {horizon}".strip(),
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        xaxis={"title": "year"},
        yaxis={"autorange": "reversed"},
        legend={"orientation": "h", "y": -0.3},
    )
    return figure(fig, f"chart-timeline-{split}", 180 + 28 * len(part))


def _milestones(part: pd.DataFrame) -> str:
    shown = part[
        ["id", "real_date", "precision_years", "q10", "q50", "q90", "inside_80", "lag_years"]
    ].copy()
    shown["reached"] = (100 * part["reached_share"]).map("{:.0f}%".format)
    for column in ("q10", "q50", "q90", "lag_years"):
        shown[column] = shown[column].map(_year)
    shown["inside_80"] = shown["inside_80"].map({True: "yes", False: "no"})
    shown = shown.rename(columns={"inside_80": "inside 80%", "lag_years": "lag (years)"})
    return table(shown, 2, scroll=False)


def _year(value: float) -> str:
    return "after the horizon" if not math.isfinite(value) else f"{value:.2f}"


def _weighted_corr(sets: pd.DataFrame, paths: list[str]) -> np.ndarray:
    """Weighted Pearson correlation matrix of the inputs (constant inputs: 0 off-diagonal)."""
    w = sets["weight"].to_numpy(dtype=float)
    x = sets[paths].to_numpy(dtype=float)
    centred = x - w @ x
    cov = (centred * w[:, None]).T @ centred
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    corr = np.where(np.isfinite(corr), corr, 0.0)
    np.fill_diagonal(corr, 1.0)
    return np.asarray(corr)


def _marginals(posterior: Posterior) -> str:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    paths = posterior.paths
    ranges = posterior.calibration.get("parameters", {})
    columns = min(3, len(paths))
    rows = math.ceil(len(paths) / columns)
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=paths)
    w = posterior.sets["weight"].to_numpy(dtype=float)
    summary = []
    for k, path in enumerate(paths):
        values = posterior.sets[path].to_numpy(dtype=float)
        span = ranges.get(path, {})
        low = float(span.get("low", values.min()))
        high = float(span.get("high", values.max()))
        if high <= low:
            high = low + 1e-9
        density, edges = np.histogram(values, bins=BINS, range=(low, high), weights=w)
        fig.add_trace(
            go.Bar(
                x=(edges[:-1] + edges[1:]) / 2,
                y=density,
                width=np.diff(edges),
                marker={"color": "#1f77b4"},
                name=path,
                showlegend=False,
                hovertemplate=path + " %{x:.4g}: weight %{y:.3f}<extra></extra>",
            ),
            row=k // columns + 1,
            col=k % columns + 1,
        )
        order = np.argsort(values)
        cum = np.cumsum(w[order])
        q = [float(values[order][np.searchsorted(cum, p)]) for p in (0.1, 0.5, 0.9)]
        summary.append(
            {
                "input": path,
                "searched low": low,
                "searched high": high,
                "weighted mean": float(w @ values),
                "10%": q[0],
                "median": q[1],
                "90%": q[2],
            }
        )
    fig.update_layout(bargap=0)
    chart = figure(fig, "chart-marginals", 260 * rows)
    return chart + table(pd.DataFrame(summary), 4, scroll=False)


def _correlations(posterior: Posterior) -> str:
    import plotly.graph_objects as go

    paths = posterior.paths
    if len(paths) < 2:
        return "<p>One calibrated input: no pairs.</p>"
    corr = _weighted_corr(posterior.sets, paths)
    fig = go.Figure(
        go.Heatmap(
            z=corr,
            x=paths,
            y=paths,
            zmin=-1,
            zmax=1,
            colorscale="RdBu",
            reversescale=True,
            text=[[f"{v:.2f}" for v in row] for row in corr],
            texttemplate="%{text}",
            hovertemplate="%{y} / %{x}: r = %{z:.2f}<extra></extra>",
        )
    )
    fig.update_layout(yaxis={"autorange": "reversed"})
    chart = figure(fig, "chart-correlations", 160 + 50 * len(paths))
    pairs = [
        (f"{paths[i]} / {paths[j]}", float(corr[i, j]))
        for i in range(len(paths))
        for j in range(i + 1, len(paths))
        if abs(corr[i, j]) > JOINT
    ]
    if not pairs:
        return chart + f"<p>No pair with |r| > {JOINT}: each input is identified on its own.</p>"
    items = "".join(
        f"<li><b>{html.escape(pair)}</b> (r = {r:+.2f}): only jointly identified</li>"
        for pair, r in pairs
    )
    return chart + f'<div class="caveats" id="joint"><ul>{items}</ul></div>'


def _emulator(emulator: pd.DataFrame) -> str:
    import plotly.graph_objects as go

    missing = [c for c in ("target", "standardised") if c not in emulator.columns]
    if missing:
        return f"<p>emulator.parquet lacks {', '.join(missing)}: no diagnostics.</p>"
    rows = []
    fig = go.Figure()
    for target, group in emulator.groupby("target", sort=True):
        z = group["standardised"].to_numpy(dtype=float)
        z = z[np.isfinite(z)]
        rows.append(
            {
                "target": str(target),
                "runs": int(z.size),
                "within +-2": f"{100 * np.mean(np.abs(z) <= 2):.0f}%" if z.size else "",
                "within +-3": f"{100 * np.mean(np.abs(z) <= 3):.0f}%" if z.size else "",
                "largest |error|": float(np.abs(z).max()) if z.size else float("nan"),
            }
        )
        fig.add_trace(
            go.Box(
                x=[str(target)] * z.size,
                y=z,
                name=str(target),
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
            )
        )
    fig.add_hrect(y0=-2, y1=2, fillcolor="#2ca02c", opacity=0.08, line_width=0)
    fig.update_layout(yaxis={"title": "standardised error"}, showlegend=False)
    all_z = emulator["standardised"].to_numpy(dtype=float)
    all_z = all_z[np.isfinite(all_z)]
    overall = cards(
        [
            ("within +-2, all targets", f"{100 * np.mean(np.abs(all_z) <= 2):.0f}%"),
            ("within +-3, all targets", f"{100 * np.mean(np.abs(all_z) <= 3):.0f}%"),
        ]
    ) if all_z.size else ""  # fmt: skip
    return overall + figure(fig, "chart-emulator", 420) + table(pd.DataFrame(rows), 2, False)
