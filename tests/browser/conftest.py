"""End-to-end harness: ``streamlit run`` in a subprocess, headless Debian Chromium via Playwright.

Modelled on streamlit's own ``e2e_playwright/conftest.py``: start the server on a free
port, wait for ``/_stcore/health``, then wait for the app's ``notRunning`` script state.
Unlike it, every page here is cut off from the outside network, and a test fails if its
page so much as asked for a host other than localhost: the dashboard must work on an
intranet.

Every test under ``tests/browser/`` gets the ``browser`` marker. Without
``/usr/bin/chromium`` (``apt-get install -y chromium fonts-noto-cjk``) the tests are
skipped, except in CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Frame,
    Page,
    Playwright,
    Request,
    Response,
    Route,
    sync_playwright,
)

REPO = Path(__file__).resolve().parents[2]
BROWSER_TESTS = Path(__file__).resolve().parent
ARTIFACTS = REPO / "tests" / "_artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
LOGS = ARTIFACTS / "logs"

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# Schemes that never reach the network (data: and blob: URLs, about:blank, srcdoc frames).
NON_NETWORK_SCHEMES = frozenset({"data", "blob", "about", "chrome", "chrome-extension"})

HEALTH_TIMEOUT_S = 60.0
APP_TIMEOUT_MS = 60_000  # first runs load data and build maps; CI machines are slow
VIEWPORT = {"width": 1600, "height": 1000}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in this folder ``browser``; skip them when there is no Chromium."""
    del config
    skip = None
    if not CHROMIUM.exists() and not in_ci():
        skip = pytest.mark.skip(reason=f"{CHROMIUM} not found (apt-get install -y chromium fonts-noto-cjk)")
    for item in items:
        if BROWSER_TESTS in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if skip is not None:
                item.add_marker(skip)


# region Streamlit server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
            return bool(response.status == 200 and response.read().decode().strip() == "ok")
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class AppProcess:
    """A running ``streamlit run`` and where its output goes."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    log_file: IO[bytes]

    def log_tail(self, chars: int = 4000) -> str:
        self.log_file.flush()
        return self.log_path.read_text("utf-8", errors="replace")[-chars:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log_file.close()


def _link_project_files(script: Path) -> None:
    """Give a script outside the repo the repo's ``static/`` and ``.streamlit/``.

    Streamlit serves ``static/`` from the main script's folder and reads
    ``.streamlit/config.toml`` from the working directory (the script's folder here).
    """
    for name in ("static", ".streamlit"):
        target = script.parent / name
        if not target.exists():
            target.symlink_to(REPO / name, target_is_directory=True)


StartApp = Callable[..., str]


@pytest.fixture(scope="session")
def start_app() -> Iterator[StartApp]:
    """Factory: ``start_app(data_dir=None, env=None, script=None) -> base URL``.

    Starts ``python -m streamlit run <script>`` (default: the repo's ``app.py``) on a free
    port, with ``DASHBOARD_DATA_DIR`` set when ``data_dir`` is given and ``env`` added to
    the environment, and waits until ``/_stcore/health`` answers ``ok``. Servers are
    shared within the session per (script, data_dir, env) and stopped at its end. The
    server log is kept in ``tests/_artifacts/logs/``.
    """
    started: dict[tuple[object, ...], AppProcess] = {}
    LOGS.mkdir(parents=True, exist_ok=True)
    for old_log in LOGS.glob("streamlit-*.log"):  # keep only this session's logs
        old_log.unlink()

    def start(
        data_dir: Path | None = None,
        env: Mapping[str, str] | None = None,
        script: Path | None = None,
    ) -> str:
        script = (script or REPO / "app.py").resolve()
        key = (script, data_dir and Path(data_dir).resolve(), tuple(sorted((env or {}).items())))
        if key in started:
            return started[key].base_url
        if not script.is_file():
            raise FileNotFoundError(script)
        if script.parent != REPO:
            _link_project_files(script)

        port = free_port()
        base_url = f"http://localhost:{port}"
        full_env = {
            **os.environ,
            # Scripts in temporary folders import the dashboard package from the repo.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
            "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
            **(env or {}),
        }
        if data_dir is not None:
            full_env["DASHBOARD_DATA_DIR"] = str(data_dir)
        log_path = LOGS / f"streamlit-{script.stem}-{port}.log"
        log_file = log_path.open("wb")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(script),
                "--server.port",
                str(port),
                "--server.headless",
                "true",
            ],
            cwd=script.parent,
            env=full_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        # No --server.address: with it set (streamlit 1.67), a deep link such as /grid_map
        # never gets past the page skeleton, while "/" works.
        app = AppProcess(process, base_url, log_path, log_file)
        started[key] = app

        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while not is_healthy(base_url):
            if process.poll() is not None:
                pytest.fail(f"streamlit exited with {process.returncode}:\n{app.log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{base_url}/_stcore/health not ok after {HEALTH_TIMEOUT_S:.0f} s:\n{app.log_tail()}"
                )
            time.sleep(0.25)
        return base_url

    yield start
    for app in started.values():
        app.stop()


@pytest.fixture(scope="session")
def app_server(start_app: StartApp) -> str:
    """Base URL of the repo's ``app.py``, on ``$DASHBOARD_DATA_DIR`` when that is set."""
    data_dir = os.environ.get("DASHBOARD_DATA_DIR")
    return start_app(data_dir=Path(data_dir) if data_dir else None)


# endregion
# region Browser


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: apt-get install -y chromium fonts-noto-cjk"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


def is_local(url: str) -> bool:
    """True for URLs that stay on this machine (or never touch the network)."""
    parts = urlsplit(url)
    if parts.scheme in NON_NETWORK_SCHEMES:
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


def _is_base_path_probe(response: Response) -> bool:
    # Opened at /some_page, Streamlit's frontend first asks /some_page/_stcore/health and
    # /some_page/_stcore/host-config (in case the app is served under that path): a 404
    # there is expected.
    path = urlsplit(response.url).path
    return (
        response.status == 404
        and path.endswith(("/_stcore/health", "/_stcore/host-config"))
        and not (path.startswith("/_stcore/"))
    )


@dataclass
class NetworkLog:
    """Everything a page asked for. ``outside`` must stay empty."""

    requests: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # local requests that failed or got >= 400
    # (except Streamlit's base-path probes, see _is_base_path_probe)
    page_errors: list[str] = field(default_factory=list)  # uncaught exceptions in any frame
    console_errors: list[str] = field(default_factory=list)

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)
        if not is_local(request.url):
            self.outside.append(f"{request.method} {request.url} ({request.resource_type})")

    def on_response(self, response: Response) -> None:
        if response.status >= 400 and is_local(response.url) and not _is_base_path_probe(response):
            self.failed.append(f"{response.status} {response.url}")

    def on_request_failed(self, request: Request) -> None:
        if is_local(request.url):
            self.failed.append(f"{request.failure} {request.url}")

    def static_requests(self) -> list[str]:
        return [url for url in self.requests if urlsplit(url).path.startswith("/app/static/")]


@pytest.fixture
def network_log() -> NetworkLog:
    return NetworkLog()


def _block_outside(route: Route) -> None:
    if is_local(route.request.url):
        route.continue_()
    else:
        route.abort("blockedbyclient")


@pytest.fixture
def page(browser: Browser, network_log: NetworkLog) -> Iterator[Page]:
    """A zh-CN page, 1600x1000, whose requests to other hosts are aborted and fail the test."""
    context: BrowserContext = browser.new_context(
        viewport=VIEWPORT,  # type: ignore[arg-type]
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        device_scale_factor=1,
        service_workers="block",
    )
    context.on("request", network_log.on_request)
    context.on("response", network_log.on_response)
    context.on("requestfailed", network_log.on_request_failed)
    context.route("**/*", _block_outside)
    page = context.new_page()
    page.set_default_timeout(APP_TIMEOUT_MS)
    page.on("pageerror", lambda error: network_log.page_errors.append(str(error)))
    page.on(
        "console",
        lambda message: network_log.console_errors.append(message.text) if message.type == "error" else None,
    )
    page.on(
        "websocket",
        lambda ws: None if is_local(ws.url) else network_log.outside.append(f"WEBSOCKET {ws.url}"),
    )
    yield page
    context.close()
    if network_log.outside:
        pytest.fail("Requests left localhost:\n  " + "\n  ".join(network_log.outside))


# endregion
# region Helpers


def wait_for_app(page: Page, timeout_ms: int = APP_TIMEOUT_MS) -> None:
    """Wait until the Streamlit script has finished and the page has no exception box.

    Like streamlit's e2e ``wait_for_app_run``: the root element carries
    ``data-test-connection-state`` and ``data-test-script-state`` (initial → running →
    notRunning on every rerun). Call it after ``goto`` and after each interaction.
    """
    page.wait_for_timeout(250)  # let a rerun triggered just now flip the state first
    page.locator("[data-testid='stApp'][data-test-connection-state='CONNECTED']").wait_for(
        state="attached", timeout=timeout_ms
    )
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=timeout_ms
    )
    page.get_by_test_id("stStatusWidget").wait_for(state="detached", timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    while page.get_by_test_id("stSkeleton").count() and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    exceptions = page.get_by_test_id("stException")
    if exceptions.count():
        pytest.fail("The app shows an exception:\n" + "\n---\n".join(exceptions.all_inner_texts()))


def open_app(page: Page, base_url: str, path: str = "/") -> Page:
    """Go to ``base_url + path`` and wait for the app to finish its first run."""
    response = page.goto(base_url.rstrip("/") + path, wait_until="domcontentloaded")
    assert response is not None and response.ok, f"GET {path}: {response and response.status}"
    # Before its first run the app already reports "notRunning": wait until the main
    # area shows something, then for the run to finish (a click before that is lost).
    page.locator("[data-testid='stMain'] [data-testid='stVerticalBlock'] > *").first.wait_for(
        timeout=APP_TIMEOUT_MS
    )
    wait_for_app(page)
    return page


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG as ``tests/_artifacts/screenshots/<name>.png`` and return its path.

    Streamlit scrolls inside its main container, so the viewport is grown to the content
    height for the shot (then restored) to capture the whole page.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    original = page.viewport_size or VIEWPORT
    height = page.evaluate(
        """() => Math.max(
            document.documentElement.scrollHeight,
            ...Array.from(document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"]'))
                .map(e => e.scrollHeight))"""
    )
    if height > original["height"]:
        page.set_viewport_size({"width": original["width"], "height": min(int(height), 12_000)})
        page.wait_for_timeout(300)
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(original)  # type: ignore[arg-type]
    return path


FOLIUM_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


def folium_frame(page: Page, index: int = 0, timeout_ms: int = APP_TIMEOUT_MS) -> Frame:
    """The ``index``-th st_folium map's iframe, once Leaflet and its stylesheets are in it.

    st_folium renders each map in its own same-origin iframe
    (``/component/streamlit_folium.st_folium/index.html``), so locate Leaflet elements
    in the returned Frame, not in ``page``.
    """
    handle = page.locator(FOLIUM_IFRAME).nth(index).element_handle(timeout=timeout_ms)
    frame = handle.content_frame() if handle is not None else None
    assert frame is not None, f"no st_folium iframe #{index}"
    frame.wait_for_selector("#map_div.leaflet-container", state="attached", timeout=timeout_ms)
    # st_folium appends the stylesheets after the scripts have run: wait until they apply.
    frame.wait_for_function(
        """() => {
            const links = Array.from(document.querySelectorAll('link[rel="stylesheet"]'));
            return links.length > 0 && links.every(l => l.sheet !== null);
        }""",
        timeout=timeout_ms,
    )
    return frame


def wait_for_leaflet_paths(frame: Frame, minimum: int = 1, timeout_ms: int = APP_TIMEOUT_MS) -> int:
    """Wait until Leaflet has drawn at least ``minimum`` interactive vector paths; return the count."""
    frame.wait_for_function(
        "n => document.querySelectorAll('path.leaflet-interactive').length >= n",
        arg=minimum,
        timeout=timeout_ms,
    )
    return int(frame.evaluate("() => document.querySelectorAll('path.leaflet-interactive').length"))


def artifact_dir(*parts: str) -> Path:
    """A folder under ``tests/_artifacts/`` (created), e.g. for saved HTML."""
    path = ARTIFACTS.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


# endregion
