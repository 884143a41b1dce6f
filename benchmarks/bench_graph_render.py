"""The result graph in headless Chromium, side by side with pyvis (vis-network), tuned and default.

For workflow graphs of about 1,000 and 10,000 tasks (and a 10,000-task group, which our view
draws as one summary node; and one task, what each view costs before there is any graph), on
pages served from 127.0.0.1:

- time from data to a complete, laid-out first paint. Every view is timed to the same point:
  from the call that starts drawing until two animation frames after the view's drawing is
  complete in JavaScript, i.e. until the frame that shows it has been produced (rasterised,
  ready to display). Ours: ``render()`` until the widget says ``data-cw-layout="done"``, plus
  two frames. pyvis: ``drawGraph()`` until vis-network's first ``afterDrawing``, plus two frames.
  (Until 2025-06 pyvis was stopped at ``afterDrawing`` itself, which leaves out rasterising the
  canvas and compositing it, while ours included them: unfair to us by one or two frames.)
  Parsing the data is left out of both: our page has it parsed, pyvis has it in its script.
  Both start drawing ``SETTLE_MS`` (half a second) after their page has loaded, as a widget in
  a notebook draws into a page loaded long before. A page just loaded leaves the browser busy
  for a while (traced: another renderer process starting, the page's worker threads at work),
  and that work fell into the timed span at random. Loads of the 1,001-task graph (12 of each,
  taking turns, 2026-11): ours 52-185 ms, median 76; settled 40-69 ms, median 52. Tuned
  pyvis 278-566 ms, median 341; settled 187-261 ms, median 222;
- the views:

  - ``ours``: canvas_widgets/static/graph.js with a stand-in anywidget model;
  - ``pyvis``: ``cw.to_html`` -- pyvis at its fastest: hierarchical layout with levels
    computed in Python, physics off (a graph of unconnected parts, such as the 10,000-task
    group, gets its positions from Python too). The speed-up printed is against this one;
  - ``pyvis-default``: what a user gets from pyvis without tuning:
    ``Network(directed=True)``, ``from_nx(graph)`` of the same networkx graph, physics on with
    its default stabilisation (1,000 iterations), timed to the first ``afterDrawing`` after
    ``stabilizationIterationsDone``, plus two frames. Only ``cdn_resources="in_line"`` is set
    (and the CDN links pyvis adds anyway are dropped, as ``cw.to_html`` does), so that the page
    works offline: the same vis-network code, from the page instead of a CDN;

- applying a batch of 1,000 state changes: the message handler's main-thread time, then until
  the frame that shows them is produced (ours: two frames after the handler; pyvis:
  ``nodes.update`` of 1,000 colours, until ``afterDrawing`` plus two frames);
- bytes per state change on the comm: our delta message's content, and the whole Jupyter message
  (header, parent header, comm id: what the kernel writes on its iopub socket);
- loading each view's code in a fresh page (fetch included): our ``graph.js``, which anywidget
  sends with every widget, and pyvis's in-line vis-network.

Our view also reports its phases (``performance.measure`` entries named ``cw-graph ...``):
scene, layout, draw -- the JavaScript; the rest of its first paint is the browser's style,
layout, paint and rasterising of the SVG, and waiting for the frames.

Run from the repository root, after ``npm run build`` in js/::

    .venv/bin/python benchmarks/bench_graph_render.py [--runs 3] [--timeout 120] [--shots DIR]
        [--views ours,pyvis,pyvis-default] [--huge]

``--huge`` adds a graph of 100,001 drawn tasks (a chord of 100 chains of 1,000).

Figures are printed, never asserted. The machine has 2 cores; other work beside it shows.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import re
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

import pyvis
from celery import chain, chord, group

import canvas_widgets as cw
from canvas_widgets.demo import add, tsum
from canvas_widgets.result_view import delta_message, graph_payload, message_bytes

REPO = Path(__file__).resolve().parent.parent
BUNDLE = REPO / "canvas_widgets" / "static" / "graph.js"
CHROMIUM = "/usr/bin/chromium"
# Every view starts drawing this long after its page has loaded (see the module's docstring).
SETTLE_MS = 500
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def cases(huge: bool = False) -> dict[str, object]:
    """The canvases: one task (what a view costs before any graph), every task drawn (1,001 and
    10,001; 100,001 with ``huge``), and one our view summarises."""
    found: dict[str, object] = {
        "1 task: what a view costs": add.s(1, 1),
        "1,001 tasks: chord of 50 chains x 20": chord(
            [chain(add.s(i, i), *[add.s(1) for _ in range(19)]) for i in range(50)], tsum.s()
        ),
        "10,001 tasks: chord of 100 chains x 100": chord(
            [chain(add.s(i, i), *[add.s(1) for _ in range(99)]) for i in range(100)], tsum.s()
        ),
        "10,000 tasks: one group": group(add.si(i, i) for i in range(10_000)),
    }
    if huge:
        found["100,001 tasks: chord of 100 chains x 1,000"] = chord(
            [chain(add.s(i, i), *[add.s(1) for _ in range(999)]) for i in range(100)], tsum.s()
        )
    return found


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
await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
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

# Appended in place of pyvis's own `drawGraph();` call, with FIRST_DRAWING one of the two below.
PYVIS_TIMING = """
window.addEventListener("load", function () { setTimeout(function () {
window.__t0 = performance.now();
var __frames = function (cb) {
  requestAnimationFrame(function () { requestAnimationFrame(cb); });
};
var __net = drawGraph();
FIRST_DRAWING
__firstDrawing(function () {
  __frames(function () {
    var painted = performance.now();
    var ids = __net.body.data.nodes.getIds().slice(0, 1000);
    var t2 = performance.now();
    __net.body.data.nodes.update(ids.map(function (id, i) {
      return { id: id, color: i % 7 === 0 ? "#e57373" : "#81c784" };
    }));
    var applied = performance.now();
    __net.once("afterDrawing", function () {
      __frames(function () {
        window.__result = { paint_ms: painted - window.__t0, apply_ms: applied - t2,
                            apply_paint_ms: performance.now() - t2,
                            nodes: __net.body.data.nodes.length };
      });
    });
  });
});
}, SETTLE_MS); });
"""
# Tuned (cw.to_html, physics off): its first drawing is the graph.
PYVIS_TUNED_FIRST = """
var __firstDrawing = function (cb) { __net.once("afterDrawing", cb); };
"""
# Default (physics on): the first drawing after stabilisation.
PYVIS_DEFAULT_FIRST = """
var __firstDrawing = function (cb) {
  __net.once("stabilizationIterationsDone", function () { __net.once("afterDrawing", cb); });
};
"""

# pyvis's template links Bootstrap (and, by default, vis-network) from CDNs; the pages must not
# reach out to the network (as in canvas_widgets.graph.to_html).
REMOTE_ASSETS = re.compile(r"<(?:link|script)\b[^>]*\bhttps?://[^>]*>(?:\s*</script>)?")

VIEWS = ("ours", "pyvis", "pyvis-default")

# vis-network as cw.to_html puts it in its pages (pyvis's in-line copy).
VIS_NETWORK = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2" / "vis-network.min.js"

# Loading a view's code in a fresh page, fetch included: ours an ES module (what anywidget
# imports; it sends the module with every widget), vis-network a classic script.
LOAD_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"></head><body><script type="module">
const params = new URLSearchParams(location.search);
const src = params.get("src");
const t0 = performance.now();
if (params.get("kind") === "module") {
  await import(src);
} else {
  await new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement("script"), { src });
    script.onload = resolve;
    script.onerror = reject;
    document.head.append(script);
  });
}
window.__result = { load_ms: performance.now() - t0 };
</script></body></html>
"""


def pyvis_default_html(graph) -> str:
    """pyvis as a user gets it: Network(directed=True) and from_nx, nothing tuned."""
    from pyvis.network import Network

    net = Network(directed=True, cdn_resources="in_line")  # in_line: offline, same vis-network
    net.from_nx(graph)
    return REMOTE_ASSETS.sub("", net.generate_html())


def with_timing(html: str, first_drawing: str) -> str:
    """pyvis's page with its `drawGraph();` call replaced by the timed one."""
    cut = html.rfind("drawGraph();")
    timing = PYVIS_TIMING.replace("FIRST_DRAWING", first_drawing)
    timing = timing.replace("SETTLE_MS", str(SETTLE_MS))
    return html[:cut] + timing + html[cut + len("drawGraph();") :]


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


def prepare(
    site: Path, huge: bool = False, views: Iterable[str] = VIEWS, ours_alone: Iterable[str] = ()
) -> dict[str, dict]:
    """Write the pages of ``views`` for every graph (of ours alone for the graphs named in
    ``ours_alone``: pyvis builds its page of 100,001 nodes in minutes) and return their names
    and sizes."""
    views, ours_alone = set(views), set(ours_alone)
    (site / "graph.js").write_bytes(BUNDLE.read_bytes())
    (site / "ours.html").write_text(OURS_PAGE.replace("SETTLE_MS", str(SETTLE_MS)))
    (site / "vis-network.min.js").write_bytes(VIS_NETWORK.read_bytes())
    (site / "load.html").write_text(LOAD_PAGE)
    info = {}
    for i, (name, canvas) in enumerate(cases(huge).items()):
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
        if "pyvis" in views and name not in ours_alone:
            html = cw.to_html(graph, site / f"pyvis{i}.html").read_text()
            (site / f"pyvis{i}.html").write_text(with_timing(html, PYVIS_TUNED_FIRST))
        if "pyvis-default" in views and name not in ours_alone:
            default = with_timing(pyvis_default_html(graph), PYVIS_DEFAULT_FIRST)
            (site / f"pyvis-default{i}.html").write_text(default)
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


def code_loads(browser, base: str, runs: int) -> dict[str, tuple[int, float]]:
    """Each view's code: its size in bytes, and the median time to load it in a fresh page."""
    codes = {"ours (graph.js)": (BUNDLE, "module"), "pyvis (vis-network)": (VIS_NETWORK, "script")}
    times: dict[str, list[float]] = {name: [] for name in codes}
    for _ in range(runs):
        for name, (path, kind) in codes.items():  # taking turns
            result = measure(browser, f"{base}/load.html?src=/{path.name}&kind={kind}", 60)
            if result and "load_ms" in result:
                times[name].append(result["load_ms"])
    return {
        name: (codes[name][0].stat().st_size, statistics.median(values))
        for name, values in times.items()
        if values
    }


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


def page_url(base: str, view: str, case: str) -> str:
    if view == "ours":
        return f"{base}/ours.html?case={case}"
    return f"{base}/{view}{case[4:]}.html"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="page loads per view and graph")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per page load")
    parser.add_argument("--shots", type=Path, help="save a screenshot of each page here")
    parser.add_argument(
        "--huge", action="store_true", help="add a 100,001-task graph (about 15 s to freeze)"
    )
    parser.add_argument(
        "--views", default=",".join(VIEWS), help=f"comma-separated, of {', '.join(VIEWS)}"
    )
    args = parser.parse_args()
    views = [v for v in args.views.split(",") if v]
    if unknown := set(views) - set(VIEWS):
        raise SystemExit(f"unknown views {sorted(unknown)}: choose from {', '.join(VIEWS)}")
    if not BUNDLE.exists():
        raise SystemExit(f"{BUNDLE} is missing: run `npm run build` in js/ first")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="cw-bench-") as tmp:
        site = Path(tmp)
        info = prepare(site, args.huge, views)
        rows = []
        with serve(site) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name, meta in info.items():
                results: dict[str, list] = {view: [] for view in views}
                for run in range(args.runs):
                    # The views take turns, so that whatever else the machine does hits each.
                    for view in views:
                        if any(r and "error" in r for r in results[view]):
                            continue  # timed out once: once is enough
                        shot = None
                        if args.shots and run == 0:
                            args.shots.mkdir(parents=True, exist_ok=True)
                            shot = args.shots / f"{view}-{meta['case']}.png"
                        url = page_url(base, view, meta["case"])
                        results[view].append(measure(browser, url, args.timeout, shot))
                rows.append((name, meta, results))
            code = code_loads(browser, base, max(args.runs, 5))
            browser.close()

    def col(results: list, key: str) -> list[float]:
        return [r[key] for r in results if r and key in r]

    def median(results: list, key: str) -> float | None:
        values = col(results, key)
        return statistics.median(values) if values else None

    print(f"\nResult graph vs pyvis (vis-network), headless Chromium, median of {args.runs} loads")
    print(
        f"{'graph':42} {'view':13} {'first paint ms':>14} {'1,000 changes: apply ms':>24} "
        f"{'to paint ms':>12} {'drawn':>8}"
    )
    for name, meta, results in rows:
        for view in views:
            errors = [r["error"] for r in results[view] if r and "error" in r]
            paint = (
                fmt(col(results[view], "paint_ms"))
                if not errors
                else f">{args.timeout * 1000:7.0f}"
            )
            drawn = col(results[view], "nodes")
            drawn_txt = f"{int(drawn[0])}" if drawn else "-"
            summaries = col(results[view], "summaries")
            if summaries and summaries[0]:
                drawn_txt += f"+{int(summaries[0])}s"
            print(
                f"{name:42} {view:13} {paint:>14} {fmt(col(results[view], 'apply_ms')):>24} "
                f"{fmt(col(results[view], 'apply_paint_ms')):>12} {drawn_txt:>8}"
            )
        ours = median(results.get("ours", []), "paint_ms")
        notes = []
        for view in views[1:] if views[0] == "ours" else []:
            theirs = median(results[view], "paint_ms")
            if ours and theirs:
                notes.append(f"{theirs / ours:.1f}x faster first paint than {view}")
            else:
                notes.append(f"{view} did not finish")
        # Every load, not only the median: a first paint near a frame boundary lands on
        # either side of it (50 or 67 ms, say), which a median alone hides.
        for view in views:
            loads = sorted(round(v) for v in col(results[view], "paint_ms"))
            if loads:
                notes.append(f"{view} loads {' '.join(map(str, loads))} ms")
        phases = [r["phases"] for r in results.get("ours", []) if r and "phases" in r]
        if phases:
            notes.append(
                "ours: "
                + ", ".join(
                    f"{k} {statistics.median(p[k] for p in phases):.0f} ms" for k in phases[0]
                )
            )
        notes.append(
            f"payload {meta['payload_mb']:.2f} MB, freeze in Python {meta['freeze_s']:.2f} s"
        )
        print(f"{'':42} {'':13} " + "; ".join(notes))
    print(f"\nLoading a view's code in a fresh page (median of {max(args.runs, 5)})")
    for name, (size, ms) in code.items():
        print(f"  {name:40} {size / 1024:8.0f} KiB {ms:8.0f} ms")
    print("\nBytes on the comm per state change")
    for key, value in comm_bytes().items():
        print(f"  {key:40} {value:8.1f}")


if __name__ == "__main__":
    main()
