"""Benchmarks of live run tracking on a real LocalCluster (Redis + one prefork worker, c=2).

Prints figures, asserts nothing about time. Three measurements:

(a) overhead: wall time of a 2,000-task chord run with ``canvas_widgets.run()`` + ``wait()``
    against the same canvas sent with plain ``apply_async().get()``, alternated, median of N
    rounds each. The plain rounds run with no tracking at all (the event monitor is stopped), so
    the tracked rounds also pay for starting it again.
(b) lag: from a task event's ``timestamp`` (taken at the worker) to the new state being in
    ``WorkflowRun.states`` (measured by wrapping ``WorkflowRun._apply_event``), under the load of
    the 2,000-task chord and under light load (a chain of small tasks); plus the lag to the
    batched ``on_change`` callback, which is what a widget sees.
(c) completion: how long after the last task really finished (the largest ``date_done`` in the
    result backend) a watcher shows the run complete: our ``WorkflowRun``, a loop polling
    ``AsyncResult(id).state`` for every task id every 0.5 s, and Flower's ``/api/tasks``
    polled every 0.5 s (when Flower is installed).

Run::

    .venv/bin/python benchmarks/bench_tracking.py            # full size
    .venv/bin/python benchmarks/bench_tracking.py --tasks 200 --rounds 1   # quick look
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from celery import chain, chord
from celery.result import AsyncResult

import canvas_widgets as cw
from canvas_widgets.demo import add, app, tsum
from canvas_widgets.graph import frozen_graph
from canvas_widgets.run import WorkflowRun
from canvas_widgets.tracking import EventMonitor, fetch_states

POLL_INTERVAL = 0.5


def chord_canvas(n: int):
    return chord([add.s(i, i) for i in range(n)], tsum.s())


def chord_value(n: int) -> int:
    return n * (n - 1)


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of values, nearest rank."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:,.0f} ms"


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    line = "  ".join("-" * w for w in widths)
    print(line)
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    print(line)


def finished_at(task_ids: list[str]) -> float:
    """When the last of these tasks finished: the largest ``date_done`` in the backend."""
    metas = fetch_states(app, task_ids)
    stamps = []
    for meta in metas.values():
        done = meta.get("date_done")
        if done is None:
            continue
        if isinstance(done, str):
            done = datetime.fromisoformat(done)
        if done.tzinfo is None:
            done = done.replace(tzinfo=timezone.utc)
        stamps.append(done.timestamp())
    if len(stamps) != len(task_ids):
        raise RuntimeError(f"only {len(stamps)} of {len(task_ids)} tasks have a date_done")
    return max(stamps)


# --- (a) overhead, and (b) lag under load ------------------------------------------------------


class LagRecorder:
    """Wraps ``WorkflowRun._apply_event`` to record event-timestamp-to-state lags."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._original = WorkflowRun._apply_event

    def __enter__(self) -> LagRecorder:
        original, lags = self._original, self.lags

        def recording(run: WorkflowRun, state: str, event: dict) -> None:
            task_id = event["uuid"]
            before = run._states.get(task_id)
            original(run, state, event)
            if run._states.get(task_id) != before and event.get("timestamp"):
                lags.append(time.time() - event["timestamp"])

        WorkflowRun._apply_event = recording
        return self

    def __exit__(self, *exc: object) -> None:
        WorkflowRun._apply_event = self._original


def callback_lags(run: WorkflowRun, into: list[float]) -> None:
    """Record, for each change handed to on_change, now minus the worker's event timestamp."""
    stamp_of = {
        "SENT": "sent_at",
        "RECEIVED": "received_at",
        "STARTED": "started_at",
        "SUCCESS": "succeeded_at",
        "FAILURE": "failed_at",
        "RETRY": "retried_at",
    }

    def on_change(run: WorkflowRun, changes: dict[str, str]) -> None:
        now = time.time()
        for task_id, state in changes.items():
            stamp = run.info(task_id).get(stamp_of.get(state, ""))
            if isinstance(stamp, float):
                into.append(now - stamp)

    run.on_change(on_change)


#: The ways (a) runs the chord. Celery's ``.get()`` of a chord result follows its parents: on
#: every message it drains it asks the backend for each header result not yet known (~22,000
#: extra GETs for 2,000 tasks here), which slows the cluster it waits on. "lean" waits
#: without that, so it is the cheapest plain baseline.
KINDS = {
    "tracked": "cw.run() + wait()",
    "plain": "apply_async().get()",
    "lean": "apply_async().get(follow_parents=False)",
}


def bench_overhead(n: int, rounds: int) -> tuple[dict[str, list[float]], list[float]]:
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    state_lags: list[float] = []
    expected = chord_value(n)
    # Warm up each path once (worker pool, imports, connections), untimed.
    assert cw.run(chord_canvas(50), app=app).wait(timeout=120) == chord_value(50)
    assert chord_canvas(50).apply_async().get(timeout=120) == chord_value(50)
    order = list(KINDS)
    for i in range(rounds):
        for kind in order[i % len(order) :] + order[: i % len(order)]:  # rotate who goes first
            canvas = chord_canvas(n)
            gc.collect()
            if kind == "tracked":
                with LagRecorder() as recorder:
                    t0 = time.perf_counter()
                    run = cw.run(canvas, app=app)
                    value = run.wait(timeout=600)
                    times[kind].append(time.perf_counter() - t0)
                state_lags += recorder.lags
                del run
            else:
                EventMonitor.stop_for(app)  # no client-side tracking at all
                t0 = time.perf_counter()
                result = canvas.apply_async()
                value = result.get(timeout=600, follow_parents=kind == "plain")
                times[kind].append(time.perf_counter() - t0)
                del result
            assert value == expected, (kind, value)
            print(f"  round {i + 1} {KINDS[kind]:40s} {times[kind][-1]:.2f} s")
    return times, state_lags


def bench_light_lag(steps: int) -> tuple[list[float], list[float]]:
    """Lags while little else happens: a chain of small tasks, one at a time."""
    cb_lags: list[float] = []
    with LagRecorder() as recorder:
        run = cw.run(chain(add.si(i, i) for i in range(steps)), app=app)
        callback_lags(run, cb_lags)
        run.wait(timeout=120)
        time.sleep(0.3)  # let the dispatcher hand over the last batch
    return recorder.lags, cb_lags


# --- (c) completion seen by each watcher -----------------------------------------------------


def watch_workflowrun(n: int) -> dict:
    last_change = {}

    def on_change(run: WorkflowRun, changes: dict[str, str]) -> None:
        if run.done:
            last_change.setdefault("at", time.time())

    t0 = time.time()
    run = cw.run(chord_canvas(n), app=app)
    run.on_change(on_change)
    value = run.wait(timeout=600)
    seen = time.time()
    deadline = time.time() + 10
    while "at" not in last_change and time.time() < deadline:
        time.sleep(0.005)
    assert value == chord_value(n)
    finish = finished_at(run.task_ids)
    return {
        "watcher": "WorkflowRun.wait() returns",
        "lag": seen - finish,
        "wall": seen - t0,
        "cost": "events + 1 MGET/s",
        "extra": {
            "watcher": "WorkflowRun on_change (widget)",
            "lag": last_change["at"] - finish if "at" in last_change else None,
            "wall": None,
            "cost": "batched 10/s",
        },
    }


def publish_frozen(n: int) -> tuple[list[str], float]:
    frozen = cw.freeze(chord_canvas(n), app)
    ids = list(frozen_graph(frozen))
    t0 = time.time()
    frozen.apply_async()
    return ids, t0


def watch_polling(n: int, timeout: float) -> dict:
    ids, t0 = publish_frozen(n)
    loops = []
    while True:
        start = time.perf_counter()
        done = all(AsyncResult(i, app=app).state == "SUCCESS" for i in ids)
        loops.append(time.perf_counter() - start)
        if done:
            seen = time.time()
            break
        if time.time() - t0 > timeout:
            raise TimeoutError(f"the polling loop did not see the run complete in {timeout} s")
        time.sleep(POLL_INTERVAL)
    return {
        "watcher": f"AsyncResult(id).state loop, every {POLL_INTERVAL} s",
        "lag": seen - finished_at(ids),
        "wall": seen - t0,
        "cost": f"{len(ids)} GETs, {ms(statistics.median(loops))}/loop",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(url: str, timeout: float = 30) -> object:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)


def start_flower(broker_url: str, log_dir: Path) -> tuple[subprocess.Popen, str] | str:
    """Start Flower on 127.0.0.1 and wait until it sees task events; return (process, base url),
    or why it cannot run."""
    try:
        import flower  # noqa: F401
    except ImportError:
        return "Flower is not installed (.venv/bin/python -m pip install flower): not measured"
    port = free_port()
    env = {**os.environ, "FLOWER_UNAUTHENTICATED_API": "true"}
    log_path = log_dir / "flower.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "canvas_widgets.demo", "-b", broker_url,
             "--result-backend", broker_url, "flower", f"--port={port}", "--address=127.0.0.1"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    probe = None
    while time.time() < deadline:
        if proc.poll() is not None:
            return "Flower exited at start; its log ends with:\n" + log_path.read_text()[-2000:]
        try:
            if probe is None:
                http_json(f"{base}/api/workers", timeout=5)
                probe = add.delay(0, 0)  # events travel over pub/sub: wait until Flower has one
            elif http_json(f"{base}/api/task/info/{probe.id}", timeout=5).get("state") == "SUCCESS":
                probe.forget()
                return proc, base
        except (urllib.error.URLError, OSError, ValueError):
            if probe is not None and probe.ready():
                probe = None  # sent before Flower subscribed: send another one
        time.sleep(0.2)
    proc.kill()
    proc.wait()
    tail = log_path.read_text()[-2000:]
    return f"Flower did not show a task within 60 s; its log ends with:\n{tail}"


def watch_flower(n: int, base: str, timeout: float) -> dict:
    ids, t0 = publish_frozen(n)
    wanted = set(ids)
    loops = []
    while True:
        start = time.perf_counter()
        tasks = http_json(f"{base}/api/tasks?state=SUCCESS&limit={len(ids) * 4}")
        loops.append(time.perf_counter() - start)
        if wanted <= tasks.keys():
            seen = time.time()
            break
        if time.time() - t0 > timeout:
            missing = len(wanted - tasks.keys())
            raise TimeoutError(f"Flower lacks {missing} of {len(ids)} tasks after {timeout} s")
        time.sleep(POLL_INTERVAL)
    return {
        "watcher": f"Flower /api/tasks, every {POLL_INTERVAL} s",
        "lag": seen - finished_at(ids),
        "wall": seen - t0,
        "cost": f"{ms(statistics.median(loops))}/request",
    }


def seconds_row(label: str, values: list[float], ratio: float) -> list[str]:
    stats = (statistics.median(values), min(values), max(values))
    return [label, *(f"{v:.2f} s" for v in stats), f"{ratio:.3f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=2000, help="chord header size")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each kind for (a)")
    parser.add_argument("--chain", type=int, default=30, help="chain length for light-load lag")
    parser.add_argument("--no-flower", action="store_true", help="skip Flower in (c)")
    parser.add_argument("--timeout", type=float, default=300, help="give up on a watcher after")
    args = parser.parse_args()

    log_dir = Path(tempfile.mkdtemp(prefix="bench-tracking-"))
    flower_proc = None
    t_start = time.time()
    with cw.LocalCluster(app, workers=1, concurrency=2) as cluster:
        try:
            print(f"cluster: {cluster!r}, {os.cpu_count()} cores")
            print(f"\n(a) overhead: chord of {args.tasks} add + tsum, {args.rounds} rounds each")
            times, load_lags = bench_overhead(args.tasks, args.rounds)
            medians = {kind: statistics.median(values) for kind, values in times.items()}
            table(
                f"(a) wall time of a {args.tasks}-task chord (median of {args.rounds})",
                ["how", "median", "min", "max", "tracked / this"],
                [
                    seconds_row(label, times[kind], medians["tracked"] / medians[kind])
                    for kind, label in KINDS.items()
                ],
            )
            for kind in ("plain", "lean"):
                ratio = medians["tracked"] / medians[kind]
                verdict = "met" if ratio <= 1.05 else "NOT met"
                print(f"target: tracked / {KINDS[kind]} <= 1.05 -> {ratio:.3f}, {verdict}")

            light_lags, cb_lags = bench_light_lag(args.chain)
            rows = []
            for label, lags in (
                (f"event -> run.states, under load ({args.tasks}-task chord)", load_lags),
                (f"event -> run.states, light load (chain of {args.chain})", light_lags),
                (f"event -> on_change callback, light load (chain of {args.chain})", cb_lags),
            ):
                if lags:
                    rows.append([label, len(lags), *(ms(pct(lags, q)) for q in (50, 95, 100))])
            header = ["what", "n", "p50", "p95", "max"]
            table("(b) lag from the worker's event timestamp", header, rows)
            p95 = pct(load_lags, 95) if load_lags else float("nan")
            print(f"target: p95 <= 100 ms (under load) -> {'met' if p95 <= 0.1 else 'NOT met'}")

            print(f"\n(c) completion: chord of {args.tasks}, one run per watcher")
            results = []
            first = watch_workflowrun(args.tasks)
            results += [first, first.pop("extra")]
            results.append(watch_polling(args.tasks, args.timeout))
            flower_note = None
            if args.no_flower:
                flower_note = "Flower skipped (--no-flower)"
            else:
                EventMonitor.stop_for(app)  # Flower alone watches its run
                started = start_flower(cluster.broker_url, log_dir)
                if isinstance(started, str):
                    flower_note = started
                else:
                    flower_proc, base = started
                    results.append(watch_flower(args.tasks, base, args.timeout))
            table(
                "(c) how long after the last task finished each watcher shows the run complete",
                ["watcher", "after last finish", "publish -> complete", "cost per look"],
                [
                    [r["watcher"], ms(r["lag"]), ms(r["wall"]) if r["wall"] else "", r["cost"]]
                    for r in results
                ],
            )
            if flower_note:
                print(flower_note)
        finally:
            EventMonitor.stop_for(app)
            gc.collect()  # results of this cluster's backend must go while its Redis runs
            if flower_proc is not None:
                flower_proc.terminate()
                try:
                    flower_proc.wait(10)
                except subprocess.TimeoutExpired:
                    flower_proc.kill()
                    flower_proc.wait()
            shutil.rmtree(log_dir, ignore_errors=True)
    print(f"\ntotal {time.time() - t_start:.0f} s")


if __name__ == "__main__":
    main()
