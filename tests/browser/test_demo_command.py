"""The README's main job: ``canvas-widgets demo`` starts a cluster and JupyterLab, and the
quickstart notebook, run in the browser, uses that cluster and shows its live graph complete."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import redis
from playwright.sync_api import Page, expect

from .browser_harness import (
    SERVER_START_TIMEOUT_S,
    JupyterServer,
    Notebook,
    free_port,
    lab_options,
    prepare_jupyter,
    stop_process_group,
    wait_until_ready,
)

QUICKSTART = "01-quickstart.ipynb"
GRAPH_CELL = 9  # run.graph of the chord of ten additions and their sum


def _read_until(log: Path, pattern: str, proc: subprocess.Popen, timeout: float) -> re.Match:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, log.read_text(errors="replace"))
        if found:
            return found
        assert proc.poll() is None, f"the command exited early:\n{log.read_text()}"
        time.sleep(0.2)
    raise AssertionError(f"no line matching {pattern!r} in time:\n{log.read_text()}")


def test_demo_command_serves_the_quickstart_on_its_own_cluster(page: Page) -> None:
    with tempfile.TemporaryDirectory(prefix="cw-demo-") as tmp:
        base = Path(tmp)
        env = prepare_jupyter(base)
        token, port = secrets.token_hex(16), free_port()
        env["JUPYTER_TOKEN"] = token
        tutorials = base / "tutorials"
        log = base / "demo.log"
        command = [sys.executable, "-m", "canvas_widgets.cli", "demo", "--dir", str(tutorials)]
        command += ["--port", str(port), "--no-browser", "--", *lab_options(base)]
        with log.open("ab") as out:
            proc = subprocess.Popen(
                command, cwd=base, env=env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        try:
            copied = _read_until(log, r"tutorials in .*: (\d+) copied, 0 kept", proc, 30)
            assert int(copied[1]) == len(list(tutorials.glob("*.ipynb"))) >= 7
            url = _read_until(log, r"Redis at (redis://\S+),", proc, 60)[1]
            server = JupyterServer(f"http://127.0.0.1:{port}", token, tutorials, log, 0.0)
            wait_until_ready(proc, server, time.monotonic() + SERVER_START_TIMEOUT_S)

            page.goto(server.url(f"lab/tree/{QUICKSTART}", reset=""))
            notebook = Notebook(page, server, QUICKSTART)
            notebook.wait_for_kernel_idle()
            assert notebook.run_all(), server.log_tail()
            # The notebook used the command's cluster, not one of its own.
            assert f"at {url}, connected" in notebook.output_text(3)
            graph = notebook.output(GRAPH_CELL)
            done = graph.locator('[data-cw-task-id][data-cw-state="SUCCESS"]')
            expect(done).to_have_count(11)
            notebook.close()
        finally:
            proc.terminate()  # as Ctrl-C: JupyterLab stops, then the cluster
            try:
                code = proc.wait(timeout=60)
            finally:
                stop_process_group(proc)
        assert code == 130, log.read_text()
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        with client, pytest.raises(redis.ConnectionError):
            client.ping()  # the cluster's Redis is gone with the command
        assert os.listdir(tutorials)  # the user's copies stay
