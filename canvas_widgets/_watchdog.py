"""Stops a LocalCluster's processes when the process that started it dies without closing it.

Run as ``python -m canvas_widgets._watchdog CLUSTER_DIR`` with a pipe on stdin whose only write
end the cluster's owner holds. The pipe reaches end-of-file when the owner exits, however it
exits (a kernel killed with SIGKILL runs no atexit hook). ``done`` on the pipe means the owner
closed the cluster itself: nothing to do. Otherwise every process group listed in
``CLUSTER_DIR/pids`` gets SIGTERM, then SIGKILL, and the directory is removed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import time
from pathlib import Path

PIDS_FILE = "pids"


def main(cluster_dir: str) -> None:
    if sys.stdin.read().strip() == "done":
        return
    directory = Path(cluster_dir)
    try:
        pids = [int(line) for line in (directory / PIDS_FILE).read_text().split()]
    except FileNotFoundError:
        pids = []
    _signal_groups(pids, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(map(_group_alive, pids)):
        time.sleep(0.1)
    _signal_groups(pids, signal.SIGKILL)
    shutil.rmtree(directory, ignore_errors=True)


def _signal_groups(pids: list[int], signum: int) -> None:
    for pid in pids:  # each process was started in a session (and group) of its own
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signum)


def _group_alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


if __name__ == "__main__":
    main(sys.argv[1])
