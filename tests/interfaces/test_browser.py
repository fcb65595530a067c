"""Reports open offline in a real browser (Debian's Chromium driven by Playwright).

Chromium comes from Debian (`apt-get install -y chromium`, done by scripts/test.sh when
it is missing; INNOSTATE_CHROMIUM names another one); Playwright never downloads a browser.
"""

import os
from pathlib import Path

import pytest

from innostate.experiments.compare import compare
from innostate.experiments.run import simulate
from innostate.experiments.store import write_run
from innostate.interfaces.report import write_compare_report, write_run_report
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


def open_report(browser, report: Path, screenshot: Path) -> list[dict]:
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
    page.screenshot(path=str(screenshot), full_page=True)
    page.close()
    assert errors == [], errors
    assert remote == [], remote  # nothing fetched from the network: the file is self-contained
    assert screenshot.stat().st_size > 10_000
    return charts


@pytest.mark.parametrize(("name", "scale"), [("tiny", 1.0), ("prc-2019", 0.004)])
def test_run_report_renders_every_chart_with_data(browser, tmp_path, name, scale):
    scenario = load_scenario(name).model_copy(update={"population_scale": scale})
    write_run(simulate(scenario), tmp_path)
    charts = open_report(browser, write_run_report(tmp_path), tmp_path / "run-report.png")
    ids = {c["id"] for c in charts}
    assert {"chart-reliance", "chart-chokepoints", "chart-sankey", "chart-network"} <= ids
    assert any(i.startswith("chart-nodes-") for i in ids)
    for chart in charts:
        assert chart["rendered"] and chart["points"] > 0, chart


def test_compare_report_renders_bands_and_differences(browser, tmp_path):
    tiny = load_scenario("tiny")
    compare(tiny, ["new_national_system", "market_led"], ["real", "none"], 3, 4, tmp_path)
    charts = open_report(browser, write_compare_report(tmp_path), tmp_path / "compare.png")
    ids = {c["id"] for c in charts}
    assert "chart-differences" in ids and "chart-band-self_reliance" in ids
    for chart in charts:
        assert chart["rendered"] and chart["points"] > 0, chart
    text = (tmp_path / "report.html").read_text()
    assert "market_led against new_national_system" in text
