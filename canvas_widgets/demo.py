"""The demo Celery app: the canvas guide's tasks, a few that fail, sleep, report progress or
fan out at run time, and an exploratory pipeline over the bundled weather data
(``fetch | parse | summarise``, ``report``).

It lives in an importable module so that real ``celery worker`` processes can load it::

    python -m celery -A canvas_widgets.demo worker

Examples
--------
>>> from canvas_widgets.demo import add, tsum
>>> add(2, 2), tsum([1, 2, 3])
(4, 6)
>>> summary = summarise(parse(fetch("valley", "2023-07")))
>>> summary["station"], summary["days"], summary["max_tmax_c"]
('valley', 31, 32.5)
"""

from __future__ import annotations

import csv
import io
import os
import statistics
import time
from importlib import resources
from typing import TYPE_CHECKING

from celery import Celery, chain, chord, group
from celery.canvas import Signature

from .run import report_progress
from .weave import weave

if TYPE_CHECKING:
    from .cluster import LocalCluster

__all__ = [
    "CLUSTER_ENV",
    "STATIONS",
    "add",
    "app",
    "count",
    "fail",
    "fail_once",
    "fetch",
    "flaky",
    "guide_examples",
    "local_cluster",
    "mul",
    "on_error",
    "parse",
    "pipeline",
    "report",
    "sleep",
    "sleep_acked",
    "stages",
    "summarise",
    "tsum",
    "weather_csv",
    "weave",
    "xsum",
]

app = Celery("canvas_widgets.demo")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
)

#: Set by ``canvas-widgets demo`` for the JupyterLab it starts: the Redis URL of its cluster.
CLUSTER_ENV = "CANVAS_WIDGETS_DEMO_CLUSTER"


def local_cluster(workers: int = 1) -> LocalCluster:
    """The tutorials' cluster for this app: the one ``canvas-widgets demo`` runs (its URL is in
    the environment variable ``CANVAS_WIDGETS_DEMO_CLUSTER``), or else a new
    :class:`~canvas_widgets.LocalCluster` of ``workers`` worker processes. Close it when done
    (closing a cluster the command runs only gives the app its settings back)."""
    from .cluster import LocalCluster

    url = os.environ.get(CLUSTER_ENV)
    if url:
        return LocalCluster.connect(app, url)
    return LocalCluster(app, workers=workers)


@app.task
def add(x, y):
    """Return x + y."""
    return x + y


@app.task
def mul(x, y):
    """Return x * y."""
    return x * y


@app.task
def xsum(numbers):
    """Return the sum of a list of numbers."""
    return sum(numbers)


@app.task
def tsum(numbers):
    """Return the sum of a list of numbers (the chord body of the canvas guide)."""
    return sum(numbers)


@app.task
def fail(message="this task always fails"):
    """Raise ValueError with the given message."""
    raise ValueError(message)


@app.task(bind=True)
def fail_once(self, key, value=None):
    """Fail the first time it runs for a key, then return value: a transient failure.

    The marker lives in the result backend, which every worker shares.
    """
    marker = f"canvas-widgets-fail-once-{key}"
    if self.backend.get(marker) is None:
        self.backend.set(marker, "1")
        raise RuntimeError(f"the first attempt for {key!r} fails")
    return value


@app.task
def on_error(task_id):
    """An errback (``link_error``): return a line naming the failed task and its exception.

    It takes the failed task's id, so Celery sends it as a task of its own, which a run can
    follow (an errback taking ``(request, exc, traceback)`` is called inside the failing
    task's worker instead, and has no state of its own)."""
    return f"task {task_id} failed: {app.AsyncResult(task_id).result!r}"


@app.task
def sleep(seconds, value=None):
    """Sleep for some seconds, then return value."""
    time.sleep(seconds)
    return value


@app.task(acks_late=True, reject_on_worker_lost=True)
def sleep_acked(seconds, value=None):
    """Like sleep, but acknowledged only when done: re-run if its worker process dies."""
    time.sleep(seconds)
    return value


@app.task(bind=True, max_retries=3)
def flaky(self, value, failures=1):
    """Fail and retry ``failures`` times, then return value."""
    if self.request.retries < failures:
        raise self.retry(
            exc=RuntimeError(f"attempt {self.request.retries + 1} failed"), countdown=0.1
        )
    return value


@app.task(bind=True)
def count(self, n, delay=0.05):
    """Count to n, reporting progress after each step; return n."""
    for i in range(n):
        time.sleep(delay)
        report_progress(self, i + 1, n)
    return n


@app.task(bind=True)
def stages(self, names=("FETCHING", "PARSING"), seconds=0.5):
    """Go through states of its own, one per name (Celery stores any string a task gives
    ``update_state``), each for ``seconds``; return how many."""
    for i, name in enumerate(names):
        self.update_state(state=name, meta={"current": i, "total": len(names)})
        time.sleep(seconds)
    return len(names)


@app.task
def square(n, seconds=0.0):
    """Square n, after ``seconds`` of work."""
    time.sleep(seconds)
    return n * n


@app.task(bind=True)
def square_each(self, numbers, seconds=0.0):
    """Square each number in a task of its own: how many is known only once the list arrives.

    It replaces itself (``Task.replace``) with a group of ``square`` tasks, whose list of
    results becomes its own; the graph counts them in its details and draws how many are done
    on its node."""
    raise self.replace(group(square.si(n, seconds) for n in numbers))


def guide_examples() -> dict[str, tuple[Signature, object]]:
    """The runnable examples of Celery's canvas guide, each with the value its run returns.

    Built afresh on every call: a signature that has been frozen or run must not be reused.

    Examples
    --------
    >>> examples = guide_examples()
    >>> canvas, value = examples["chord"]
    >>> value
    90
    """
    pairs = [(i, i) for i in range(10)]
    return {
        "simple chain": (chain(add.s(4, 4), mul.s(8), mul.s(10)), 640),
        "pipes": (add.s(2, 2) | mul.s(8) | mul.s(10), 320),
        "partial chain": (add.s(2, 2) | add.s(4) | add.s(8), 16),
        "immutable chain": (add.si(2, 2) | add.si(4, 4) | add.si(8, 8), 16),
        "group": (group(add.s(2, 2), add.s(4, 4)), [4, 8]),
        "group of five": (group(add.s(i, i) for i in range(5)), [0, 2, 4, 6, 8]),
        "chord": (chord((add.s(i, i) for i in range(10)), xsum.s()), 90),
        "chord of 100": (chord([add.s(i, i) for i in range(100)], tsum.s()), 9900),
        "chain of chains": (chain(add.s(4, 4) | mul.s(2), add.s(3) | mul.s(10)), 190),
        "group piped into a task": (group(add.s(i, i) for i in range(10)) | xsum.s(), 90),
        "map": (xsum.map([list(range(10)), list(range(100))]), [45, 4950]),
        "starmap": (add.starmap(pairs), [x + y for x, y in pairs]),
        "chunks": (add.chunks(pairs, 4), [[0, 2, 4, 6], [8, 10, 12, 14], [16, 18]]),
    }


# ------------------------------------------------------------------ the weather data pipeline

#: The stations of the bundled weather data (``canvas_widgets/data/weather.csv``).
STATIONS = ("harbour", "upland", "valley", "steppe")
_FIELDS = ("date", "station", "tmin_c", "tmax_c", "precip_mm")


def weather_csv() -> str:
    """The bundled CSV: a year (2023) of synthetic daily readings at four made-up stations.

    Columns ``date, station, tmin_c, tmax_c, precip_mm``; see ``canvas_widgets/data/README.md``.

    Examples
    --------
    >>> weather_csv().splitlines()[0]
    'date,station,tmin_c,tmax_c,precip_mm'
    """
    return resources.files("canvas_widgets").joinpath("data", "weather.csv").read_text()


@app.task
def fetch(station, period=""):
    """Return the CSV rows of one station (header included), for dates starting with period
    (``"2023-07"`` for July, ``""`` for the whole year)."""
    lines = weather_csv().splitlines()
    rows = [line for line in lines[1:] if line.split(",", 2)[1] == station]
    if not rows:
        raise ValueError(f"no station {station!r} in the weather data; try one of {STATIONS}")
    return "\n".join([lines[0], *(row for row in rows if row.startswith(period))]) + "\n"


@app.task
def parse(text):
    """Parse CSV text into records: dicts with numbers for the readings."""
    records = []
    for row in csv.DictReader(io.StringIO(text)):
        missing = [field for field in _FIELDS if not row.get(field)]
        if missing:
            raise ValueError(f"row {row!r} lacks {', '.join(missing)}")
        records.append(
            {
                "date": row["date"],
                "station": row["station"],
                **{field: float(row[field]) for field in ("tmin_c", "tmax_c", "precip_mm")},
            }
        )
    return records


@app.task
def summarise(records):
    """Summarise one station's records: days, mean/extreme temperatures, rain and wet days."""
    if not records:
        raise ValueError("no records to summarise (is the period right?)")
    return {
        "station": records[0]["station"],
        "days": len(records),
        "mean_tmax_c": round(statistics.fmean(r["tmax_c"] for r in records), 1),
        "max_tmax_c": max(r["tmax_c"] for r in records),
        "min_tmin_c": min(r["tmin_c"] for r in records),
        "precip_mm": round(sum(r["precip_mm"] for r in records), 1),
        "wet_days": sum(r["precip_mm"] > 0 for r in records),
    }


@app.task
def report(summaries):
    """Join the stations' summaries into one table, warmest first (a chord body)."""
    lines = [f"{'station':<8} {'days':>4} {'mean max':>8} {'max':>5} {'min':>5} {'rain mm':>8}"]
    for s in sorted(summaries, key=lambda s: s["mean_tmax_c"], reverse=True):
        lines.append(
            f"{s['station']:<8} {s['days']:>4} {s['mean_tmax_c']:>8.1f} {s['max_tmax_c']:>5.1f} "
            f"{s['min_tmin_c']:>5.1f} {s['precip_mm']:>8.1f}"
        )
    return "\n".join(lines)


def pipeline(stations=STATIONS, period: str = "") -> Signature:
    """The exploratory pipeline: for each station ``fetch | parse | summarise`` in parallel,
    then one ``report`` of them all (a chord whose header members are chains).

    Examples
    --------
    >>> from canvas_widgets.canvas import kind_of
    >>> kind_of(pipeline()), len(pipeline(["valley", "steppe"], "2023-07").tasks)
    ('chord', 2)
    """
    return chord(
        [fetch.s(station, period) | parse.s() | summarise.s() for station in stations], report.s()
    )
