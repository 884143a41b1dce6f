"""Bytes on the comm per state change, measured on real runs in a real Jupyter kernel.

A real ipykernel (started with jupyter_client) connects to a LocalCluster of the demo app that
this script runs (``LocalCluster.connect``), displays ``cw.ResultGraph(run)`` for a workflow
and waits for it. Every message the widget puts on the kernel's iopub socket is read back and
serialised again with the kernel's session (header, parent header, metadata, content, HMAC:
what a front end receives), then sorted:

- state deltas (the custom ``states`` messages, batched about 10 times a second);
- everything else the widget sends after it was displayed: summary updates (counts, elapsed),
  progress, and the final summary and states snapshot when the run ends.

Per workflow it prints the number of state changes the deltas carried, the number of delta
messages, and bytes per change: deltas alone, and everything. Only changes after the widget
exists travel as deltas: ``cw.run`` returns once it has published the canvas, and a 2,000-task
group takes seconds to publish here (2.6 s in 2026-11, twice that while the notebook also sent a
task-sent event per task), by which time many of its tasks have run (the widget starts from
their states; its last message, the final ``states``, weighs on "everything").
No alternative is printed beside it: the ways people follow states today (polling
``AsyncResult``, Flower's API: bench_tracking.py) send nothing to a notebook view.

    .venv/bin/python benchmarks/bench_comm_bytes.py

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import queue
import time
from dataclasses import dataclass

from jupyter_client.manager import start_new_kernel

from canvas_widgets.cluster import LocalCluster
from canvas_widgets.demo import app

CASES = {
    "guide chord, 11 tasks": "chord((add.s(i, i) for i in range(10)), xsum.s())",
    "chain of 20 sleeps of 0.2 s (changes alone)": "chain(sleep.si(0.2, i) for i in range(20))",
    "1,001 tasks: chord of 50 chains x 20": (
        "chord([chain(add.s(i, i), *[add.s(1) for _ in range(19)]) for i in range(50)], tsum.s())"
    ),
    "2,000-task group": "group(add.si(i, i) for i in range(2000))",
}

SETUP = """
import time
import canvas_widgets as cw
from celery import chain, chord, group
from canvas_widgets.cluster import LocalCluster
from canvas_widgets.demo import add, app, sleep, tsum, xsum
cluster = LocalCluster.connect(app, {url!r})
"""

RUN = """
canvas = {canvas}
run = cw.run(canvas, app=app)
graph = cw.ResultGraph(run)
display(graph)
run.wait(timeout=600)
time.sleep(2 * graph.summary_interval + 1)  # the final summary and states go out after the run
"""


@dataclass
class Tally:
    changes: int = 0
    deltas: int = 0
    delta_bytes: int = 0
    other: int = 0
    other_bytes: int = 0


def execute(client, code: str, session, on_msg=None, timeout: float = 900) -> None:
    msg_id = client.execute(code)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = client.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        if on_msg is not None:
            on_msg(msg)
        if msg["msg_type"] == "error":
            raise RuntimeError("\n".join(msg["content"]["traceback"]))
        if (
            msg["parent_header"].get("msg_id") == msg_id
            and msg["msg_type"] == "status"
            and msg["content"]["execution_state"] == "idle"
        ):
            return
    raise TimeoutError(code)


def wire_bytes(session, msg: dict) -> int:
    """The message as the kernel sent it: re-serialised with its own session (signed)."""
    rebuilt = {key: msg[key] for key in ("header", "parent_header", "metadata", "content")}
    return sum(len(frame) for frame in session.serialize(rebuilt))


def measure(client, session, canvas: str) -> Tally:
    tally = Tally()
    model: dict[str, str] = {}

    def on_msg(msg: dict) -> None:
        kind, content = msg["msg_type"], msg["content"]
        if kind == "comm_open" and "graph" in content.get("data", {}).get("state", {}):
            model["id"] = content["comm_id"]  # the ResultGraph (its opening state is not counted)
        if kind != "comm_msg" or content.get("comm_id") != model.get("id"):
            return
        size = wire_bytes(session, msg)
        data = content.get("data", {})
        if data.get("method") == "custom" and data["content"].get("type") == "states":
            tally.deltas += 1
            tally.delta_bytes += size
            tally.changes += len(data["content"]["changes"])
        else:
            tally.other += 1
            tally.other_bytes += size

    execute(client, RUN.format(canvas=canvas), session, on_msg)
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with LocalCluster(app, workers=args.workers) as cluster:
        manager, client = start_new_kernel(kernel_name="python3")
        try:
            session = manager.session
            execute(client, SETUP.format(url=cluster.broker_url), session)
            print(f"Comm bytes per state change, real kernel, LocalCluster of {args.workers}")
            print(
                f"{'workflow':<42} {'changes':>8} {'deltas':>7} {'B/change (deltas)':>18} "
                f"{'B/change (all)':>15} {'other msgs':>11}"
            )
            for name, canvas in CASES.items():
                t = measure(client, session, canvas)
                per = t.delta_bytes / max(t.changes, 1)
                per_all = (t.delta_bytes + t.other_bytes) / max(t.changes, 1)
                print(
                    f"{name:<42} {t.changes:>8} {t.deltas:>7} {per:>18.0f} {per_all:>15.0f} "
                    f"{t.other:>11}"
                )
            print(json.dumps({"note": "B = bytes of the signed Jupyter message, all frames"}))
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
