"""The result graph in headless Chromium, side by side with pyvis (vis-network, ``cw.to_html``).

For workflow graphs of about 1,000 and 10,000 tasks (and a 10,000-task group, which our view
draws as one summary node), on pages served from 127.0.0.1:

- time from data to a complete, laid-out first paint (our view: ``render()`` until the widget
  says ``data-cw-layout="done"`` and two animation frames passed; pyvis: ``drawGraph()`` until
  vis-network's first ``afterDrawing``). Parsing the data is left out of both;
- applying a batch of 1,000 state changes: the message handler's main-thread time, then until
  the next frame is painted (pyvis: ``nodes.update`` of 1,000 colours until ``afterDrawing``);
- bytes per state change on the comm: our delta message's content, and the whole Jupyter message
  (header, parent header, comm id: what the kernel writes on its iopub socket).

Run from the repository root, after ``npm run build`` in js/::

    .venv/bin/python benchmarks/bench_graph_render.py [--runs 3] [--timeout 120] [--shots DIR]

Figures are printed, never asserted. The machine has 2 cores; other work beside it shows.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

from celery import chain, chord, group

import canvas_widgets as cw
from canvas_widgets.demo import add, tsum
from canvas_widgets.result_view import delta_message, graph_payload, message_bytes

REPO = Path(__file__).resolve().parent.parent
BUNDLE = REPO / "canvas_widgets" / "static" / "graph.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def cases() -> dict[str, object]:
    """The canvases: every task drawn (1,001 and 10,001), and one our view summarises."""
    return {
        "1,001 tasks: chord of 50 chains x 20": chord(
            [chain(add.s(i, i), *[add.s(1) for _ in range(19)]) for i in range(50)], tsum.s()
        ),
        "10,001 tasks: chord of 100 chains x 100": chord(
            [chain(add.s(i, i), *[add.s(1) for _ in range(99)]) for i in range(100)], tsum.s()
        ),
        "10,000 tasks: one group": group(add.si(i, i) for i in range(10_000)),
    }


OURS_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>result graph</title>
<style>body { margin: 0; font: 13px sans-serif; } #root { width: 1200px; }</style></head>
<body><div id="root"></div>
<script type="module">
import widget from "/graph.js";
const name = new URLSearchParams(location.search).get("case");
const data = await (await fetch(`/${name}.json`)).json();
const handlers = {};
const model = {
  get: (key) => data[key],
  set() {}, save_changes() {},
  on(event, cb) { (handlers[event] ??= []).push(cb); },
  off() {},
  send(msg) {
    // No kernel here: refuse every request at once.
    const reply = { type: "reply", request_id: msg.request_id, ok: false, error: "no kernel" };
    setTimeout(() => emit(reply));
  },
  widget_manager: {},
};
const emit = (msg) => { for (const cb of handlers["msg:custom"] ?? []) cb(msg); };
const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
const el = document.getElementById("root");
const done = new Promise((resolve) => {
  const observer = new MutationObserver(() => {
    if (el.querySelector('[data-cw-layout="done"]')) { observer.disconnect(); resolve(); }
  });
  observer.observe(el, { attributes: true, subtree: true, childList: true });
});
await frames();
const t0 = performance.now();
widget.render({ model, el });
await done;
const laidOut = performance.now();
await frames();
const painted = performance.now();
const ids = data.graph.nodes.slice(0, 1000).map((n) => n.id);
const changes = Object.fromEntries(ids.map((id, i) => [id, i % 7 === 0 ? "FAILURE" : "SUCCESS"]));
const t2 = performance.now();
emit({ type: "states", changes });
const applied = performance.now();
const first = el.querySelector("[data-cw-task-id], [data-cw-summary]");
if (first) getComputedStyle(first).getPropertyValue("fill");
el.getBoundingClientRect();
const styled = performance.now();
await frames();
const repainted = performance.now();
window.__result = {
  layout_ms: laidOut - t0, paint_ms: painted - t0,
  apply_ms: applied - t2, apply_style_ms: styled - t2, apply_paint_ms: repainted - t2,
  nodes: el.querySelectorAll("[data-cw-task-id]").length,
  phases: Object.fromEntries(performance.getEntriesByType("measure")
    .filter((m) => m.name.startsWith("cw-graph")).map((m) => [m.name.slice(9), m.duration])),
  summaries: el.querySelectorAll("[data-cw-summary]").length,
};
</script></body></html>
"""

# Appended in place of pyvis's own `drawGraph();` call.
PYVIS_TIMING = """
window.__t0 = performance.now();
var __net = drawGraph();
__net.once("afterDrawing", function () {
  var painted = performance.now();
  var ids = __net.body.data.nodes.getIds().slice(0, 1000);
  var t2 = performance.now();
  __net.body.data.nodes.update(ids.map(function (id, i) {
    return { id: id, color: i % 7 === 0 ? "#e57373" : "#81c784" };
  }));
  var applied = performance.now();
  __net.once("afterDrawing", function () {
    window.__result = { paint_ms: painted - window.__t0, apply_ms: applied - t2,
                        apply_paint_ms: performance.now() - t2,
                        nodes: __net.body.data.nodes.length };
  });
});
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path):
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def prepare(site: Path) -> dict[str, dict]:
    (site / "graph.js").write_bytes(BUNDLE.read_bytes())
    (site / "ours.html").write_text(OURS_PAGE)
    info = {}
    for i, (name, canvas) in enumerate(cases().items()):
        started = time.perf_counter()
        graph = cw.workflow_graph(canvas)
        freeze_s = time.perf_counter() - started
        payload = graph_payload(graph, run_id="bench")
        states = dict.fromkeys(graph.nodes, "PENDING")
        summary = {
            "total": len(states),
            "done": 0,
            "failed": 0,
            "counts": {},
            "started_at": None,
            "elapsed": None,
            "finished": False,
        }
        data = {"graph": payload, "states": states, "summary": summary}
        (site / f"case{i}.json").write_text(json.dumps(data))
        html = cw.to_html(graph, site / f"pyvis{i}.html").read_text()
        cut = html.rfind("drawGraph();")
        (site / f"pyvis{i}.html").write_text(html[:cut] + PYVIS_TIMING + html[cut + 12 :])
        info[name] = {
            "case": f"case{i}",
            "tasks": len(states),
            "freeze_s": freeze_s,
            "payload_mb": len(json.dumps(payload)) / 1e6,
        }
    return info


def measure(browser, url: str, timeout_s: float, shot: Path | None = None) -> dict | None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto(url, timeout=timeout_s * 1000)
        page.wait_for_function("() => window.__result", timeout=timeout_s * 1000, polling=100)
        if shot is not None:
            page.screenshot(path=str(shot))
        return page.evaluate("() => window.__result")
    except Exception as exc:  # a timeout: reported as such
        return {"error": type(exc).__name__}
    finally:
        page.close()


def comm_bytes() -> dict[str, float]:
    """Bytes per state change: the delta's content, and the whole Jupyter message around it."""
    from jupyter_client.session import Session

    session = Session(key=b"secret-key-for-signing", username="bench")
    parent = session.msg("execute_request", {})["header"]
    ids = [str(uuid.uuid4()) for _ in range(1000)]

    def wire(message: dict) -> int:
        content = {"comm_id": uuid.uuid4().hex, "data": {"method": "custom", "content": message}}
        msg = session.msg("comm_msg", content=content, parent=parent)
        return sum(len(frame) for frame in session.serialize(msg))

    one = delta_message({ids[0]: "SUCCESS"})
    batch10 = delta_message(dict.fromkeys(ids[:10], "SUCCESS"))
    batch = delta_message(dict.fromkeys(ids, "SUCCESS"))
    return {
        "content, 1 change": message_bytes(one),
        "content per change, batch of 1,000": message_bytes(batch) / 1000,
        "wire, 1 change": wire(one),
        "wire per change, batch of 10": wire(batch10) / 10,
        "wire per change, batch of 1,000": wire(batch) / 1000,
    }


def fmt(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):8.0f}" if len(values) > 0 else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="page loads per view and graph")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per page load")
    parser.add_argument("--shots", type=Path, help="save a screenshot of each page here")
    args = parser.parse_args()
    if not BUNDLE.exists():
        raise SystemExit(f"{BUNDLE} is missing: run `npm run build` in js/ first")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="cw-bench-") as tmp:
        site = Path(tmp)
        info = prepare(site)
        rows = []
        with serve(site) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name, meta in info.items():
                ours, theirs = [], []
                for run in range(args.runs):
                    shot = args.shots and run == 0
                    if shot:
                        args.shots.mkdir(parents=True, exist_ok=True)
                    ours.append(
                        measure(
                            browser,
                            f"{base}/ours.html?case={meta['case']}",
                            args.timeout,
                            args.shots / f"ours-{meta['case']}.png" if shot else None,
                        )
                    )
                    theirs.append(
                        measure(
                            browser,
                            f"{base}/pyvis{meta['case'][4:]}.html",
                            args.timeout,
                            args.shots / f"pyvis-{meta['case']}.png" if shot else None,
                        )
                    )
                    if theirs[-1] and "error" in theirs[-1]:
                        break  # pyvis timed out: once is enough
                rows.append((name, meta, ours, theirs))
            browser.close()

    def col(results: list, key: str) -> list[float]:
        return [r[key] for r in results if r and key in r]

    print(f"\nResult graph vs pyvis (vis-network), headless Chromium, median of {args.runs} loads")
    print(
        f"{'graph':42} {'view':6} {'first paint ms':>14} {'1,000 changes: apply ms':>24} "
        f"{'to paint ms':>12} {'drawn':>8}"
    )
    for name, meta, ours, theirs in rows:
        for view, results in (("ours", ours), ("pyvis", theirs)):
            errors = [r["error"] for r in results if r and "error" in r]
            paint = fmt(col(results, "paint_ms")) if not errors else f">{args.timeout * 1000:7.0f}"
            drawn = col(results, "nodes")
            drawn_txt = f"{int(drawn[0])}" if drawn else "-"
            if view == "ours" and col(results, "summaries") and col(results, "summaries")[0]:
                drawn_txt += f"+{int(col(results, 'summaries')[0])}s"
            print(
                f"{name:42} {view:6} {paint:>14} {fmt(col(results, 'apply_ms')):>24} "
                f"{fmt(col(results, 'apply_paint_ms')):>12} {drawn_txt:>8}"
            )
        speedup = (
            statistics.median(col(theirs, "paint_ms")) / statistics.median(col(ours, "paint_ms"))
            if col(theirs, "paint_ms") and col(ours, "paint_ms")
            else None
        )
        extra = f"{speedup:.1f}x faster first paint" if speedup else "pyvis did not finish"
        phases = [r["phases"] for r in ours if r and "phases" in r]
        if phases:
            extra += "; ours: " + ", ".join(
                f"{k} {statistics.median(p[k] for p in phases):.0f} ms" for k in phases[0]
            )
        print(
            f"{'':42} {'':6} {extra}; payload {meta['payload_mb']:.2f} MB, "
            f"freeze in Python {meta['freeze_s']:.2f} s"
        )
    print("\nBytes on the comm per state change")
    for key, value in comm_bytes().items():
        print(f"  {key:40} {value:8.1f}")


if __name__ == "__main__":
    main()
