"""Benchmarks on the street demo (run with ``python -m pytest -m benchmark tests/benchmarks -s``).

Targets from the foundation issue: cold start to the first full render of the overview
under 5 s, a filter change under 0.5 s of server time, the map page's payload under 2 MB.
Each prints its median and writes it to tests/_artifacts/benchmarks.json; the README
records the figures. They are not part of the default run (timed tests flake on a busy CI).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from streamlit.testing.v1 import AppTest

from dashboard.core.loading import load_dataset
from dashboard.core.periods import parse_period
from dashboard.maps import grid_map
from dashboard.maps.assets import render_html
from dashboard.metrics import METRICS, compute
from tests.browser.conftest import free_port, is_healthy
from tests.conftest import REPO

pytestmark = pytest.mark.benchmark
RESULTS = REPO / "tests" / "_artifacts" / "benchmarks.json"


def _record(name: str, value: float, unit: str) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    results[name] = {"median": round(value, 3), "unit": unit}
    RESULTS.write_text(json.dumps(results, indent=2))
    print(f"\n{name}: {value:.3f} {unit}")


def test_cold_start_to_first_full_overview(browser: Browser) -> None:
    """From `streamlit run` to the overview's six KPI cards and league table drawn, in a browser."""
    times = []
    for _ in range(3):
        port = free_port()
        started = time.perf_counter()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
            ],
            cwd=REPO,
            env={**os.environ, "DASHBOARD_DATA_DIR": str(REPO)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while not is_healthy(f"http://localhost:{port}"):
                time.sleep(0.05)
            page = browser.new_page()
            page.goto(f"http://localhost:{port}/")
            page.get_by_test_id("stMetric").nth(5).wait_for(timeout=60_000)
            page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
            times.append(time.perf_counter() - started)
            page.close()
        finally:
            process.terminate()
            process.wait(timeout=10)
    median = statistics.median(times)
    _record("cold_start_to_overview_s", median, "s")
    assert median < 5.0


@pytest.mark.usefixtures("fresh_caches")
def test_filter_change_server_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A full run of the overview for a month not seen before, with the data already loaded."""
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(REPO))
    AppTest.from_file(str(REPO / "app.py"), default_timeout=120).run()  # loads the data once
    times = []
    for month in ("2026-10", "2026-09", "2026-08", "2026-07", "2026-06", "2026-05", "2026-04"):
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
        at.query_params["period"] = month
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
        assert not at.exception
    median = statistics.median(times)
    _record("filter_change_server_s", median, "s")
    assert median < 0.5


def test_grid_map_payload() -> None:
    """The bytes the map page sends to the browser for its map (HTML + inline GeoJSON), assets aside."""
    dataset = load_dataset(REPO)
    values = compute(
        dataset.issues, dataset.units, "grid", parse_period("2026-10"), dataset.as_of, dataset.settings
    )
    m = grid_map(
        dataset.grids,
        values,
        METRICS["resolution_rate"],
        dataset.communities,
        dataset.streets,
        dataset.settings,
        "zh",
    )
    size = len(render_html(m).encode("utf-8"))
    _record("grid_map_payload_mb", size / 1e6, "MB")
    assert size < 2_000_000


def test_metrics_for_a_month_by_grid() -> None:
    """The registry over the whole street for one month, by grid (no cache)."""
    dataset = load_dataset(REPO)
    period = parse_period("2026-10")
    times = []
    for _ in range(7):
        started = time.perf_counter()
        compute(dataset.issues, dataset.units, "grid", period, dataset.as_of, dataset.settings)
        times.append(time.perf_counter() - started)
    _record("metrics_month_by_grid_s", statistics.median(times), "s")


def test_load_street_demo() -> None:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        load_dataset(Path(REPO))
        times.append(time.perf_counter() - started)
    _record("load_street_demo_s", statistics.median(times), "s")


@pytest.mark.usefixtures("fresh_caches")
def test_closed_loop_page_server_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A full run of the closed-loop page (all tabs are computed) for a month not seen before."""
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(REPO))
    warm = AppTest.from_file(str(REPO / "app.py"), default_timeout=120).run()
    warm.switch_page("pages/closed_loop.py").run()
    times = []
    for month in ("2026-10", "2026-09", "2026-08", "2026-07", "2026-06"):
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
        at.query_params["period"] = month
        at.run()
        at.switch_page("pages/closed_loop.py")
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
        assert not at.exception
    median = statistics.median(times)
    _record("closed_loop_page_server_s", median, "s")
    assert median < 1.0


def test_suggested_service_point_on_the_street_demo() -> None:
    """The volunteer page's suggested site (800 m reach over every grid of the street): median of 3."""
    from dashboard import volunteers

    dataset = load_dataset(REPO)
    assert dataset.service_points is not None
    times = []
    for _ in range(3):
        start = time.perf_counter()
        volunteers.suggest_site(dataset.grids, dataset.service_points)
        times.append(time.perf_counter() - start)
    _record("suggest_site_street", statistics.median(times), "s")
