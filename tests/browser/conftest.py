"""Fixtures of the browser tier: a real JupyterLab server and headless Chromium (Playwright).

``jupyter_server`` (session) -> :class:`browser_harness.JupyterServer`
    JupyterLab on 127.0.0.1, a free port, a random token, throw-away root, settings, runtime and
    kernelspec directories; its ``python3`` kernel is this interpreter with the repository on
    ``PYTHONPATH``.
``browser`` (session) -> ``playwright.sync_api.Browser``
    Chromium from Debian's ``/usr/bin/chromium``.
``page`` (function) -> ``playwright.sync_api.Page``
    A fresh context and page. When the test fails: a screenshot in ``test-artifacts/``, the
    browser's console errors and the end of the server log, printed.
``notebook_factory`` (function) -> ``(cells: list[str], ui="lab") -> browser_harness.Notebook``
    :func:`browser_harness.open_notebook` on ``page`` and ``jupyter_server``, in JupyterLab or
    (``ui="notebook"``) Notebook 7; the kernels of the notebooks it opened are shut down after
    the test.

Every test collected under this folder gets the ``browser`` marker.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from .browser_harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    EXPECT_TIMEOUT_MS,
    UI_TIMEOUT_MS,
    JupyterServer,
    Notebook,
    open_notebook,
    run_jupyter_server,
)

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parent.parent / "test-artifacts"

# Auto-waiting assertions get room for a loaded 2-core machine; they return as soon as they hold.
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A conftest's hooks see the whole session's items: mark only the ones under this folder.
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    # Keep each phase's report on the item, so the page fixture knows at teardown if it failed.
    report = yield
    setattr(item, f"cw_report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def jupyter_server() -> Iterator[JupyterServer]:
    """JupyterLab for the whole session, in a temporary directory removed afterwards."""
    with (
        tempfile.TemporaryDirectory(prefix="cw-jupyter-", ignore_cleanup_errors=True) as base,
        run_jupyter_server(Path(base)) as server,
    ):
        print(f"JupyterLab answered after {server.startup_seconds:.1f} s at {server.base_url}")
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium (Debian's package), shared by the session."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`; "
            "`./dev test` does it), or set CANVAS_WIDGETS_CHROMIUM to a Chromium binary"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a fresh browser context; on failure, a screenshot and the console errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: errors.append(f"console.error: {msg.text}") if msg.type == "error" else None,
    )
    try:
        yield page
    finally:
        report = getattr(request.node, "cw_report_call", None)
        if report is not None and report.failed:
            _report_failure(page, request, errors)
        context.close()


def _report_failure(page: Page, request: pytest.FixtureRequest, errors: list[str]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.name)
    shot = ARTIFACTS / f"{name}.png"
    try:
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot of the failed test: {shot}")
    except Exception as exc:  # the page may be what broke
        print(f"no screenshot: {exc}")
    if errors:
        print("browser console errors:\n  " + "\n  ".join(errors))
    if "jupyter_server" in request.fixturenames:
        server: JupyterServer = request.getfixturevalue("jupyter_server")
        print(f"end of the JupyterLab log:\n{server.log_tail()}")


@pytest.fixture
def notebook_factory(
    page: Page, jupyter_server: JupyterServer
) -> Iterator[Callable[..., Notebook]]:
    """``notebook_factory(cells, ui="lab", saved_views=None) -> Notebook``, opened in ``page``
    (JupyterLab, or Notebook 7 with ``ui="notebook"``); kernels shut down after."""
    opened: list[Notebook] = []

    def factory(cells: list[str], ui: str = "lab", saved_views=None) -> Notebook:
        nb = open_notebook(page, jupyter_server, cells, ui=ui, saved_views=saved_views)
        opened.append(nb)
        return nb

    yield factory
    for nb in opened:
        nb.close()
