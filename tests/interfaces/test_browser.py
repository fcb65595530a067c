"""Reports open offline in a real browser (Debian's Chromium driven by Playwright).

Chromium comes from Debian (`apt-get install -y chromium`, done by scripts/test.sh when
it is missing; INNOSTATE_CHROMIUM names another one); Playwright never downloads a browser.
"""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from innostate.experiments.compare import INDICATORS, compare
from innostate.experiments.discovery import discover, write_discovery
from innostate.experiments.gsa import sensitivity
from innostate.experiments.run import simulate
from innostate.experiments.store import write_run
from innostate.interfaces.report import (
    write_compare_report,
    write_discovery_report,
    write_run_report,
    write_sensitivity_report,
)
from innostate.scenario.load import load_scenario

CHROMIUM = Path(os.environ.get("INNOSTATE_CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# every chart's traces and how many data points they carry
CHARTS = """() => {
  const size = v => !v ? 0 : (typeof v.length === 'number'
      ? Array.from(v).reduce((n, e) => n + (e && typeof e.length === 'number'
                                             && typeof e !== 'string' ? e.length : 1), 0)
      : 0);
  return Array.from(document.querySelectorAll('.plotly-graph-div')).map(el => ({
    id: el.id,
    rendered: !!el.querySelector('.main-svg'),
    points: (el._fullData || el.data || []).reduce((n, t) =>
        n + size(t.x) + size(t.z) + size(t.link && t.link.value), 0),
  }));
}"""


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


# each verdict table: its kind, its visible size, and its cells' classes
VERDICTS = """() => Array.from(document.querySelectorAll('table.verdict')).map(t => ({
  kind: t.dataset.kind,
  height: t.getBoundingClientRect().height,
  rows: t.querySelectorAll('tbody tr').length,
  classes: Array.from(t.querySelectorAll('tbody td')).map(td => td.className),
}))"""


def open_report(browser, report: Path, screenshot: Path, extra: str = "() => null"):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    errors, remote = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "request",
        lambda r: remote.append(r.url) if not r.url.startswith(("file:", "data:")) else None,
    )
    page.goto(report.as_uri())
    page.wait_for_function(
        "Array.from(document.querySelectorAll('.plotly-graph-div'))"
        ".every(el => el.querySelector('.main-svg'))"
    )
    charts = page.evaluate(CHARTS)
    found = page.evaluate(extra)
    page.screenshot(path=str(screenshot), full_page=True)
    page.close()
    assert errors == [], errors
    assert remote == [], remote  # nothing fetched from the network: the file is self-contained
    assert screenshot.stat().st_size > 10_000
    return charts, found


@pytest.mark.parametrize(("name", "scale"), [("tiny", 1.0), ("prc-2019", 0.004)])
def test_run_report_renders_every_chart_with_data(browser, tmp_path, name, scale):
    scenario = load_scenario(name).model_copy(update={"population_scale": scale})
    write_run(simulate(scenario), tmp_path)
    charts, _ = open_report(browser, write_run_report(tmp_path), tmp_path / "run-report.png")
    ids = {c["id"] for c in charts}
    assert {"chart-reliance", "chart-chokepoints", "chart-sankey", "chart-network"} <= ids
    assert any(i.startswith("chart-nodes-") for i in ids)
    for chart in charts:
        assert chart["rendered"] and chart["points"] > 0, chart


@pytest.mark.parametrize(
    ("regimes", "kinds"),
    [
        (["new_national_system", "market_led"], ["regime", "containment", "interaction"]),
        (["new_national_system"], ["containment"]),
    ],
)
def test_compare_report_renders_verdicts_bands_and_differences(browser, tmp_path, regimes, kinds):
    tiny = load_scenario("tiny")
    compare(tiny, regimes, ["real", "none"], 3, 4, tmp_path, workers=1)
    charts, verdicts = open_report(
        browser, write_compare_report(tmp_path), tmp_path / "compare.png", VERDICTS
    )
    ids = {c["id"] for c in charts}
    assert {"chart-differences", "chart-band-self_reliance", "chart-efficiency"} <= ids
    for chart in charts:
        assert chart["rendered"] and chart["points"] > 0, chart
    assert [v["kind"] for v in verdicts] == kinds
    for table in verdicts:
        assert table["height"] > 100 and table["rows"] == len(INDICATORS)
        assert set(table["classes"]) <= {"better", "worse", "higher", "lower", "noise"}
    assert any(c in ("better", "worse") for v in verdicts for c in v["classes"])
    text = (tmp_path / "report.html").read_text()
    assert "seed noise only" in text and "not calibrated" in text and "3 replicate(s)" in text
    if len(regimes) > 1:
        assert "market_led against new_national_system" in text


@pytest.mark.parametrize(
    ("method", "options", "chart"),
    [
        ("morris", {"trajectories": 2}, "chart-morris-self_reliance_end"),
        ("sobol", {"samples": 2}, "chart-sobol-self_reliance_end"),
    ],
)
def test_sensitivity_report_renders_its_chart_and_ranked_table(
    browser, tmp_path, method, options, chart
):
    ranges = {"rnd.productivity": (0.1, 0.5), "regime.alignment": (0.2, 1.0)}
    outputs = ["self_reliance_end", "breakthroughs"]
    sensitivity("tiny", ranges, outputs, method, 2, workers=1, out=tmp_path, **options)
    charts, _ = open_report(browser, write_sensitivity_report(tmp_path), tmp_path / "gsa.png")
    ids = {c["id"] for c in charts}
    assert chart in ids and chart.replace("self_reliance_end", "breakthroughs") in ids
    for found in charts:
        assert found["rendered"] and found["points"] > 0, found
    text = (tmp_path / "report.html").read_text()
    assert "Read with care" in text and "seed noise is" in text and "Ranked" in text


def test_discovery_report_renders_boxes_trajectory_and_tree(browser, tmp_path):
    rng = np.random.default_rng(3)
    table = pd.DataFrame(
        {"a": rng.uniform(0, 1, 400), "b": rng.uniform(0, 1, 400), "regime": rng.choice(
            ["x", "y"], 400)}
    )  # fmt: skip
    inside = (table["a"] > 0.5) & (table["b"] < 0.5) & (table["regime"] == "x")
    table["breakthroughs"] = np.where(inside, 3, 1)
    write_discovery(discover(table, "breakthroughs >= 3", boxes=2), tmp_path)
    charts, _ = open_report(browser, write_discovery_report(tmp_path), tmp_path / "prim.png")
    assert {c["id"] for c in charts} == {"chart-limits", "chart-trajectory"}
    for found in charts:
        assert found["rendered"] and found["points"] > 0, found
    text = (tmp_path / "report.html").read_text()
    assert "regime in {x}" in text and "CART tree" in text and "coverage" in text


def test_calibration_report_renders_timelines_marginals_correlations_and_emulator(
    browser, tmp_path
):
    from innostate.interfaces.report import write_calibration_report

    from factory import write_posterior

    folder = write_posterior(tmp_path / "posterior")
    charts, _ = open_report(browser, write_calibration_report(folder), tmp_path / "cal.png")
    ids = {c["id"] for c in charts}
    assert {
        "chart-timeline-in_sample",
        "chart-timeline-held_out",
        "chart-marginals",
        "chart-correlations",
        "chart-emulator",
    } <= ids
    for chart in charts:
        assert chart["rendered"] and chart["points"] > 0, chart
