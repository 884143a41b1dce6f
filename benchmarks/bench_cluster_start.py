"""How long LocalCluster takes to start, to run its first task, and to close.

For each run: ``LocalCluster(demo app, workers=W)`` from the call until every worker answered
a ping (start -> ready), until ``add.delay(2, 2).get()`` returned (start -> first result), and
how long ``close()`` took. Prints every run, then the median and the maximum.

    python benchmarks/bench_cluster_start.py -n 10
    python benchmarks/bench_cluster_start.py -n 5 --workers 2
    python benchmarks/bench_cluster_start.py -n 5 --in-kernel
"""

from __future__ import annotations

import argparse
import statistics
import time

T_IMPORT = time.perf_counter()
from canvas_widgets.cluster import LocalCluster  # noqa: E402
from canvas_widgets.demo import add, app  # noqa: E402

T_IMPORT = time.perf_counter() - T_IMPORT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--in-kernel", action="store_true", help="processes=False: threaded workers in here"
    )
    args = parser.parse_args()

    kind = "in-kernel threads" if args.in_kernel else "worker processes"
    print(
        f"LocalCluster(demo app, workers={args.workers}, concurrency={args.concurrency}), "
        f"{kind}, {args.runs} runs; importing canvas_widgets.cluster + demo took {T_IMPORT:.3f} s"
    )
    print(f"{'run':>4} {'start->ready':>13} {'start->result':>14} {'close':>8}")
    rows = []
    for run in range(1, args.runs + 1):
        t0 = time.perf_counter()
        cluster = LocalCluster(
            app,
            workers=args.workers,
            concurrency=args.concurrency,
            processes=not args.in_kernel,
        )
        ready = time.perf_counter() - t0
        assert add.delay(2, 2).get(timeout=10) == 4
        result = time.perf_counter() - t0
        t1 = time.perf_counter()
        cluster.close()
        close = time.perf_counter() - t1
        rows.append((ready, result, close))
        print(f"{run:>4} {ready:>12.3f}s {result:>13.3f}s {close:>7.3f}s")
    columns = list(zip(*rows, strict=True))
    print(
        " med "
        + " ".join(
            f"{statistics.median(c):>{w}.3f}s" for c, w in zip(columns, (12, 13, 7), strict=True)
        )
    )
    print(
        " max " + " ".join(f"{max(c):>{w}.3f}s" for c, w in zip(columns, (12, 13, 7), strict=True))
    )


if __name__ == "__main__":
    main()
