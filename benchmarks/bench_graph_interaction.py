"""Does the result graph stay smooth? Pan and zoom in headless Chromium, side by side with pyvis.

The pages and graphs of bench_graph_render.py (1,001 and 10,001 drawn tasks; ours with a
stand-in anywidget model, tuned pyvis from ``cw.to_html``), each driven by real input through
the browser (Playwright's mouse, i.e. the DevTools protocol), one gesture after another:

- ``pan``: a drag of 40 pointer moves over the graph as first drawn (fitted);
- ``zoom in``: 30 wheel notches in, over the middle (ours with Ctrl, which zooms without a
  click first); ours crosses into drawing borders and labels on the way, at 10,001 tasks too
  (until 2026-11 the gesture was 20 notches, which stopped short of today's label scale);
- ``pan, zoomed in``: the same drag again, now close enough to read.

For each it prints the time the gesture took (from the first input to the last one handled,
plus two frames: input waits for frames the browser is still producing), the frames seen
(animation frames on the main thread), and the longest gap between two of them. At 60 frames a
second a frame is 16.7 ms; a gap of 100 ms is a visible stall.

``--huge`` adds the 100,001-task graph, ours alone (tuned pyvis takes about two minutes to draw
it once, see bench_graph_render.py).

Run from the repository root, after ``npm run build`` in js/::

    .venv/bin/python benchmarks/bench_graph_interaction.py [--runs 3] [--huge]

Figures are printed, never asserted. The machine has 2 cores; other work beside it shows.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from pathlib import Path

from bench_graph_render import BUNDLE, CHROMIUM, CHROMIUM_ARGS, page_url, prepare, serve

GRAPHS = ("1,001 tasks: chord of 50 chains x 20", "10,001 tasks: chord of 100 chains x 100")
HUGE = "100,001 tasks: chord of 100 chains x 1,000"
VIEWS = ("ours", "pyvis")
# Wheel notches of the zoom: ours goes from the fitted 10,001-task graph (scale 0.06) to 0.8,
# past the scale where labels appear (0.5).
NOTCHES = 30
GESTURES = ("pan", "zoom in", "pan, zoomed in")

# Animation frames, recorded from the page's main thread until told to stop.
RECORD = """() => {
  window.__frames = [];
  window.__stop = false;
  const loop = (t) => {
    window.__frames.push(t);
    if (!window.__stop) requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
}"""
STOP = """() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => {
  window.__stop = true;
  resolve(window.__frames);
})))"""


def gesture(page, kind: str, x: float, y: float, view: str) -> dict[str, float]:
    page.mouse.move(x, y)
    page.wait_for_timeout(300)  # what the move before it left to draw
    page.evaluate(RECORD)
    started = time.perf_counter()
    if kind == "zoom in":
        modifier = "Control" if view == "ours" else None
        if modifier:
            page.keyboard.down(modifier)
        for _ in range(NOTCHES):
            page.mouse.wheel(0, -60)
        if modifier:
            page.keyboard.up(modifier)
    else:
        page.mouse.down()
        for i in range(1, 41):
            page.mouse.move(x + 5 * i, y + 2 * i)
        page.mouse.up()
    frames = page.evaluate(STOP)
    took = time.perf_counter() - started
    gaps = [b - a for a, b in itertools.pairwise(frames)]
    return {"ms": took * 1000, "frames": len(frames), "longest": max(gaps, default=0.0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="page loads per view and graph")
    parser.add_argument("--huge", action="store_true", help=f"add {HUGE}, ours alone")
    args = parser.parse_args()
    graphs = {name: VIEWS for name in GRAPHS}
    if args.huge:
        graphs[HUGE] = ("ours",)
    if not BUNDLE.exists():
        raise SystemExit(f"{BUNDLE} is missing: run `npm run build` in js/ first")
    from playwright.sync_api import sync_playwright

    results: dict[tuple[str, str, str], list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="cw-bench-") as tmp:
        site = Path(tmp)
        info = prepare(site, args.huge, VIEWS, ours_alone=[HUGE])
        with serve(site) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name, views in graphs.items():
                for _ in range(args.runs):
                    for view in views:  # taking turns, as bench_graph_render.py does
                        page = browser.new_page(viewport={"width": 1280, "height": 800})
                        page.goto(page_url(base, view, info[name]["case"]))
                        page.wait_for_function(
                            "() => window.__result", polling=100, timeout=120_000
                        )
                        stage = page.locator("svg.cw-svg" if view == "ours" else "canvas").first
                        box = stage.bounding_box()
                        assert box is not None
                        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
                        for kind in GESTURES:
                            results.setdefault((name, view, kind), []).append(
                                gesture(page, kind, x, y, view)
                            )
                        page.close()
            browser.close()

    print(f"\nPan and zoom, headless Chromium, median of {args.runs} loads")
    print(f"{'graph':42} {'gesture':16} {'view':6} {'took ms':>8} {'frames':>7} {'longest':>8}")
    for name, views in graphs.items():
        for kind in GESTURES:
            for view in views:
                runs = results[(name, view, kind)]
                row = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                longest = " ".join(f"{r['longest']:.0f}" for r in runs)
                print(
                    f"{name:42} {kind:16} {view:6} {row['ms']:8.0f} {row['frames']:7.0f} "
                    f"{row['longest']:8.0f}   (longest gap per load: {longest} ms)"
                )


if __name__ == "__main__":
    main()
