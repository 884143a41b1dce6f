"""JupyterLab and Chromium for the browser tests: start a server, open notebooks, run cells.

The server serves both JupyterLab (``/lab/tree/<name>``) and, when the ``notebook`` package (7+)
is installed, Notebook 7 (``/notebooks/<name>``); both expose their application object as
``window.jupyterapp``, and Notebook 7 is built of JupyterLab's own notebook components, so the
same code runs cells in either (``open_notebook(..., ui="notebook")``).

The fixtures in ``conftest.py`` wrap these; tests import the types from here for annotations::

    from browser_harness import Notebook

Waits end as soon as their condition holds (Playwright's auto-waiting ``expect`` and
``wait_for_function``, or polling the real state); their timeouts are generous because the machine
has 2 cores and other work runs beside the tests. Nothing sleeps to synchronise.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat
from ipykernel.kernelspec import get_kernel_dict
from ipywidgets import Widget
from ipywidgets.embed import dependency_state, embed_data
from nbformat.sign import NotebookNotary
from playwright.sync_api import Locator, Page, expect

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "EXPECT_TIMEOUT_MS",
    "REPO_ROOT",
    "UIS",
    "JupyterServer",
    "Notebook",
    "open_notebook",
    "run_jupyter_server",
    "write_notebook",
]

REPO_ROOT = Path(__file__).resolve().parent.parent.parent

CHROMIUM = Path(os.environ.get("CANVAS_WIDGETS_CHROMIUM", "/usr/bin/chromium"))
"""Debian's chromium: Playwright cannot download its own browser here."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

SERVER_START_TIMEOUT_S = 120.0
KERNEL_IDLE_TIMEOUT_MS = 120_000
CELL_TIMEOUT_MS = 120_000
UI_TIMEOUT_MS = 60_000
EXPECT_TIMEOUT_MS = 30_000
"""For ``expect(...)`` assertions (Playwright's own default is 5 s); conftest sets it."""

UIS = ("lab", "notebook")
"""The user interfaces a notebook can be opened in: JupyterLab 4 and Notebook 7."""

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
# The MIME types of a widget's saved state (notebook metadata) and of its view (an output).
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
"""Written into every test notebook, so JupyterLab opens no kernel-picker dialog."""

# JupyterLab user settings for a quiet, predictable UI: no news or update toasts, no extension
# manager reaching for PyPI, every cell attached to the DOM (windowing would detach off-screen
# cells and their widgets), no autosave writing while a test runs.
LAB_SETTINGS: dict[str, dict[str, object]] = {
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
        "doNotDisturbMode": True,
    },
    "@jupyterlab/extensionmanager-extension:plugin": {"enabled": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
}


# ---------------------------------------------------------------------------------------------
# JupyterLab
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JupyterServer:
    """A running JupyterLab server."""

    base_url: str
    """``http://127.0.0.1:<port>``, without a trailing slash."""
    token: str
    root_dir: Path
    """Where notebooks live: ``/lab/tree/<name>`` opens ``root_dir / name``."""
    log_path: Path
    """The server's output; kernel start-up errors land here too."""
    startup_seconds: float
    """From process start to the first answer of ``/api/status``."""

    def url(self, path: str, **query: str) -> str:
        """An absolute URL for ``path`` (e.g. ``"lab/tree/x.ipynb"``) with the token appended.

        A query value of ``""`` gives a bare flag (``reset=""`` -> ``?reset``).
        """
        params = [f"{k}={v}" if v else k for k, v in query.items()] + [f"token={self.token}"]
        return f"{self.base_url}/{path.lstrip('/')}?{'&'.join(params)}"

    def api(self, method: str, path: str, body: object = None) -> object:
        """Call the REST API (``/api/<path>``) with the token; returns the decoded JSON or None."""
        request = urllib.request.Request(
            f"{self.base_url}/api/{path.lstrip('/')}",
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = response.read()
        return json.loads(payload) if payload else None

    def log_tail(self, lines: int = 60) -> str:
        """The end of the server's log."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_lab_settings(settings_dir: Path) -> None:
    for plugin_id, values in LAB_SETTINGS.items():
        package, plugin = plugin_id.split(":")
        target = settings_dir / package / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values, indent=2))


def _write_kernelspec(data_dir: Path) -> None:
    # `data_dir` goes first on JUPYTER_PATH, so this `python3` wins over the one ipykernel put into
    # the venv (a bare "python" argv). The user data dir would not: inside a venv, Jupyter puts
    # the environment's directories before the user's.
    spec_dir = data_dir / "kernels" / KERNELSPEC["name"]
    spec_dir.mkdir(parents=True, exist_ok=True)
    kernel = get_kernel_dict()  # ipykernel's own spec for this interpreter
    kernel.update(
        argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        display_name=KERNELSPEC["display_name"],
        language=KERNELSPEC["language"],
        # Until the project is installed (editable) into the venv, the kernel finds it here.
        env={"PYTHONPATH": str(REPO_ROOT)},
        metadata={"debugger": False},
    )
    (spec_dir / "kernel.json").write_text(json.dumps(kernel, indent=2))


def _server_env(base: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_PATH", "JUPYTER_TOKEN", "JUPYTER_PREFER_ENV_PATH"):
        env.pop(name, None)
    jupyter_path = [
        str(base / "data"),
        *filter(None, env.get("JUPYTER_PATH", "").split(os.pathsep)),
    ]
    pythonpath = [str(REPO_ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env.update(
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTER_DATA_DIR=str(base / "data"),
        JUPYTER_PATH=os.pathsep.join(jupyter_path),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(base / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
        JUPYTER_PLATFORM_DIRS="1",
        IPYTHONDIR=str(base / "ipython"),
        PYTHONPATH=os.pathsep.join(dict.fromkeys(pythonpath)),
        PYTHONUNBUFFERED="1",
    )
    return env


def _read_log(log_path: Path) -> str:
    return log_path.read_text(errors="replace")[-4000:]


def wait_until_ready(proc: subprocess.Popen[bytes], server: JupyterServer, deadline: float) -> None:
    status_url = f"{server.base_url}/api/status?token={server.token}"
    while True:
        if proc.poll() is not None:
            raise RuntimeError(
                f"JupyterLab exited with code {proc.returncode} before answering; its log:\n"
                + _read_log(server.log_path)
            )
        try:
            with urllib.request.urlopen(status_url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"JupyterLab did not answer /api/status within {SERVER_START_TIMEOUT_S:.0f} s; "
                "its log:\n" + _read_log(server.log_path)
            )
        time.sleep(0.2)  # the polling interval: the loop itself checks the real state


def stop_process_group(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    # The server leads its own process group, so its kernels get the signal too.
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def prepare_jupyter(base: Path) -> dict[str, str]:
    """Make the directories a JupyterLab writes under ``base`` (root, config, data with the
    ``python3`` kernelspec of this interpreter, runtime, settings, workspaces); return the
    environment to start it in."""
    for name in ("root", "config", "data", "runtime", "settings", "workspaces", "ipython"):
        (base / name).mkdir(parents=True, exist_ok=True)
    _write_lab_settings(base / "settings")
    _write_kernelspec(base / "data")
    return _server_env(base)


def lab_options(base: Path) -> list[str]:
    """The ``jupyter lab`` options every test server has, for a ``base`` made by
    :func:`prepare_jupyter` (the port, token and root directory are the caller's)."""
    return [
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port_retries=0",
        f"--LabApp.user_settings_dir={base / 'settings'}",
        f"--LabApp.workspaces_dir={base / 'workspaces'}",
        # Tests drive JupyterLab's own commands through `window.jupyterapp`, as galata
        # (JupyterLab's Playwright helpers) does.
        "--LabApp.expose_app_in_browser=True",
        # The same for Notebook 7 (the `notebook` package), served by this server too.
        "--JupyterNotebookApp.expose_app_in_browser=True",
        "--ServerApp.terminals_enabled=False",
        # The "pypi" extension manager would query PyPI from the server.
        "--LabApp.extension_manager=readonly",
    ]


@contextmanager
def run_jupyter_server(base: Path) -> Iterator[JupyterServer]:
    """Run JupyterLab with everything it writes under ``base`` (an empty directory).

    127.0.0.1 only, a free port, a random token, XSRF checks on (the default), its own root, config,
    data (the ``python3`` kernelspec: this interpreter), runtime, settings and workspaces
    directories. Stopped on exit: SIGTERM to its process group, SIGKILL if it lingers.
    """
    env = prepare_jupyter(base)
    root = base / "root"
    log_path = base / "jupyterlab.log"

    for _attempt in range(3):  # a free port can be taken between finding it and binding it
        port, token = free_port(), secrets.token_hex(24)
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--ServerApp.port={port}"]
        cmd += [f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]
        cmd += lab_options(base)
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI often run as root
            cmd.append("--allow-root")
        started = time.monotonic()
        with log_path.open("ab") as log:
            proc = subprocess.Popen(
                cmd,
                cwd=root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            server = JupyterServer(
                base_url=f"http://127.0.0.1:{port}",
                token=token,
                root_dir=root,
                log_path=log_path,
                startup_seconds=0.0,
            )
            try:
                wait_until_ready(proc, server, started + SERVER_START_TIMEOUT_S)
            except RuntimeError:
                if "address already in use" in _read_log(log_path).lower():
                    continue
                raise
            yield replace(server, startup_seconds=time.monotonic() - started)
            return
        finally:
            stop_process_group(proc)
    raise RuntimeError(f"JupyterLab found no free port in 3 tries; its log: {log_path}")


# ---------------------------------------------------------------------------------------------
# Notebooks
# ---------------------------------------------------------------------------------------------

# The notebook panel of a path in the running JupyterLab (exposed as window.jupyterapp).
_FIND_PANEL = """(path) => {
  const app = window.jupyterapp;
  if (!app) return null;
  for (const widget of app.shell.widgets("main")) {
    if (widget.context && widget.context.path === path && widget.content) return widget;
  }
  return null;
}"""

_KERNEL_IDLE = f"""(path) => {{
  const panel = ({_FIND_PANEL})(path);
  if (!panel || !panel.context.isReady) return false;
  const session = panel.sessionContext.session;
  const kernel = session && session.kernel;
  return !!kernel && kernel.connectionStatus === "connected" && kernel.status === "idle";
}}"""

# The notebook's kernel restarted, as Kernel > Restart Kernel does once its dialog is confirmed.
_RESTART = f"""async (path) => {{
  const panel = ({_FIND_PANEL})(path);
  if (!panel) return false;
  await panel.sessionContext.session.kernel.restart();
  return true;
}}"""

# Resolves when the cells have run: JupyterLab's NotebookActions wait for the execute replies.
# The race bounds it, since page.evaluate itself has no timeout.
_RUN = f"""async ([path, command, index, timeoutMs]) => {{
  const app = window.jupyterapp;
  const panel = ({_FIND_PANEL})(path);
  if (!panel) throw new Error("no notebook panel for " + path);
  app.shell.activateById(panel.id);
  if (index !== null) {{
    panel.content.deselectAll();
    panel.content.activeCellIndex = index;
  }}
  let timer;
  const timeout = new Promise((_, reject) => {{
    timer = setTimeout(
      () => reject(new Error(command + " did not finish within " + timeoutMs + " ms")),
      timeoutMs,
    );
  }});
  try {{
    return await Promise.race([app.commands.execute(command), timeout]);
  }} finally {{
    clearTimeout(timer);
  }}
}}"""

_OUTPUTS = f"""([path, index]) => {{
  const panel = ({_FIND_PANEL})(path);
  const cell = panel.content.widgets[index];
  return cell.model.outputs ? cell.model.outputs.toJSON() : [];
}}"""


@dataclass
class Notebook:
    """A notebook open in JupyterLab (or Notebook 7) in a Playwright page. Cells are counted
    from 0."""

    page: Page
    server: JupyterServer
    path: str
    """Relative to the server's root dir."""
    ui: str = "lab"
    """Which user interface it is open in: ``"lab"`` (JupyterLab) or ``"notebook"`` (Notebook 7)."""
    open_seconds: float = 0.0
    """From ``page.goto`` to the kernel being idle."""
    _closed: bool = field(default=False, repr=False)

    def cell(self, index: int) -> Locator:
        """The cell's DOM element."""
        cells = self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
        return cells.nth(index)

    def output(self, index: int) -> Locator:
        """The output area of a cell (text, rich outputs and widgets alike)."""
        return self.cell(index).locator(".jp-OutputArea")

    def wait_for_kernel_idle(self, timeout_ms: float = KERNEL_IDLE_TIMEOUT_MS) -> None:
        """Wait until the notebook's kernel is connected and idle."""
        self.page.wait_for_function(_KERNEL_IDLE, arg=self.path, timeout=timeout_ms)

    def restart_kernel(self) -> None:
        """Restart the notebook's kernel (as Kernel > Restart Kernel does, without its dialog)
        and wait until the new one is idle."""
        assert self.page.evaluate(_RESTART, self.path), f"no notebook {self.path} open"
        self.wait_for_kernel_idle()

    def run_cell(self, index: int, timeout_ms: float = CELL_TIMEOUT_MS) -> bool:
        """Run one cell from the browser (JupyterLab's ``notebook:run-cell``) and wait for it.

        Returns False when the cell raised.
        """
        return self._run("notebook:run-cell", index, timeout_ms)

    def run_all(self, timeout_ms: float = CELL_TIMEOUT_MS) -> bool:
        """Run every cell (Run > Run All Cells) and wait until the last one has run.

        Returns False when a cell raised; as in JupyterLab, the cells after it do not run.
        """
        return self._run("notebook:run-all-cells", None, timeout_ms)

    def _run(self, command: str, index: int | None, timeout_ms: float) -> bool:
        self.wait_for_kernel_idle()
        return bool(self.page.evaluate(_RUN, [self.path, command, index, timeout_ms]))

    def outputs(self, index: int) -> list[dict[str, object]]:
        """The cell's outputs as nbformat dicts, read from JupyterLab's model."""
        return self.page.evaluate(_OUTPUTS, [self.path, index])

    def output_text(self, index: int) -> str:
        """The cell's stream, error and text/plain outputs as one string."""
        parts: list[str] = []
        for out in self.outputs(index):
            kind = out.get("output_type")
            if kind == "stream":
                text = out.get("text", "")
            elif kind == "error":
                text = f"{out.get('ename')}: {out.get('evalue')}"
            else:
                data = out.get("data")
                text = data.get("text/plain", "") if isinstance(data, dict) else ""
            parts.append("".join(text) if isinstance(text, list) else str(text))
        return "".join(parts)

    def wait_for_output(
        self, index: int, contains: str, timeout_ms: float = CELL_TIMEOUT_MS
    ) -> Locator:
        """Wait until the cell's rendered output shows ``contains``; returns the output area."""
        area = self.output(index)
        expect(area).to_contain_text(contains, timeout=timeout_ms)
        return area

    def close(self) -> None:
        """Shut down the notebook's kernel (the page stays as it is)."""
        if self._closed:
            return
        self._closed = True
        try:
            sessions = self.server.api("GET", "sessions")
            for session in sessions if isinstance(sessions, list) else []:
                if session.get("path") == self.path:
                    self.server.api("DELETE", f"sessions/{session['id']}")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # the server is going away anyway


def write_notebook(
    directory: Path,
    cells: list[str],
    name: str | None = None,
    saved_views: Mapping[int, Widget] | None = None,
) -> Path:
    """Write a notebook of code cells with the test kernelspec (so no kernel picker opens).

    Blank lines around each cell's source are dropped, so triple-quoted cells read well.
    ``saved_views`` (cell index -> widget) are saved as those cells' outputs, their state in
    the notebook's metadata, as JupyterLab saves widgets: reopened, they have no widget in the
    kernel behind them.
    """
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source.strip("\n")) for source in cells]
    if saved_views:
        views = list(saved_views.values())
        saved = embed_data(views, state=dependency_state(views, drop_defaults=False))
        nb.metadata["widgets"] = {WIDGET_STATE: saved["manager_state"]}
        for index, view in zip(saved_views, saved["view_specs"], strict=True):
            nb.cells[index].execution_count = 1
            nb.cells[index].outputs = [
                nbformat.v4.new_output("display_data", data={WIDGET_VIEW: view})
            ]
    path = directory / (name or f"test-{uuid.uuid4().hex[:10]}.ipynb")
    nbformat.write(nb, path)
    return path


def open_notebook(
    page: Page,
    server: JupyterServer,
    cells: list[str],
    ui: str = "lab",
    saved_views: Mapping[int, Widget] | None = None,
) -> Notebook:
    """Write a notebook of ``cells`` (and ``saved_views``, see :func:`write_notebook`) into the
    server's root, open it, wait for an idle kernel.

    ``ui`` is ``"lab"`` (JupyterLab) or ``"notebook"`` (Notebook 7, which needs the ``notebook``
    package). Nothing runs yet: call :meth:`Notebook.run_all` or :meth:`Notebook.run_cell`.
    """
    if ui not in UIS:
        raise ValueError(f"ui is one of {', '.join(map(repr, UIS))}, not {ui!r}")
    path = write_notebook(server.root_dir, cells, saved_views=saved_views)
    if saved_views:
        # Widget outputs are shown only in a trusted notebook: sign it with the key of the
        # server's data directory (see prepare_jupyter), as the user who saved it would have.
        notary = NotebookNotary(data_dir=str(server.root_dir.parent / "data"))
        notary.sign(nbformat.read(path, as_version=4))
    started = time.monotonic()
    if ui == "lab":
        # `reset` starts from an empty workspace, so notebooks of earlier tests do not reopen.
        page.goto(server.url(f"lab/tree/{path.name}", reset=""))
    else:  # Notebook 7: one notebook per page, no workspace to reset
        page.goto(server.url(f"notebooks/{path.name}"))
    nb = Notebook(page=page, server=server, path=path.name, ui=ui)
    if cells:
        expect(nb.cell(len(cells) - 1)).to_be_attached(timeout=UI_TIMEOUT_MS)
    nb.wait_for_kernel_idle()
    nb.open_seconds = time.monotonic() - started
    return nb
