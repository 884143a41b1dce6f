"""Write the tutorial notebooks 02-07 (01, the quickstart, is kept by hand).

Each notebook is a list of cells: ``md(...)`` for text, ``code(..., expect=...)`` for code whose
``text/plain`` result ``tests/notebooks/test_notebooks.py`` checks. Outputs are never written.

    python notebooks/make_notebooks.py
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def md(text: str):
    return new_markdown_cell(text.strip())


def code(source: str, expect: str | None = None):
    cell = new_code_cell(source.strip())
    if expect is not None:
        cell.metadata["canvas_widgets"] = {"expect": expect}
    return cell


def start(imports: str):
    return [
        code(imports),
        md(
            "A real `redis-server` and one real `celery worker` process: the ones "
            "`canvas-widgets demo` started, or this notebook's own (closed at the end)."
        ),
        code("from canvas_widgets.demo import local_cluster\n\ncluster = local_cluster()\ncluster"),
    ]


def stop():
    return [
        md(
            "## Clean up\nStop this notebook's worker and Redis; on the cluster "
            "`canvas-widgets demo` runs, only give the app its settings back (the command "
            "stops that one when it ends)."
        ),
        code("cluster.close()"),
    ]


# ---------------------------------------------------------------------------------------- 02

SIGNATURES = [
    md("""
# Signatures and partials

A *signature* is a task call written down but not made yet: the task's name, its arguments and
its execution options, in a dict you can store, send and pass to other tasks. Every canvas
(chain, group, chord) is built from signatures. This notebook follows the
[canvas guide](https://docs.celeryq.dev/en/stable/userguide/canvas.html)'s first part: `.s()`,
`.si()`, partial arguments, options, `clone()`, and callbacks (`link`, `link_error`), and shows
each one in the builder.
"""),
    *start("""
import canvas_widgets as cw
from celery import group, signature
from canvas_widgets.demo import add, app, fail, mul, on_error
"""),
    md("""
## `.s()`: a task call, not made yet
`add.s(2, 2)` is the call `add(2, 2)` kept for later. Nothing is sent until it is run.
"""),
    code("sig = add.s(2, 2)\nsig", expect="canvas_widgets.demo.add(2, 2)"),
    md("It is a dict: this is what travels to the workers, and what a canvas file stores."),
    code(
        "cw.to_dict(sig)",
        expect="{'task': 'canvas_widgets.demo.add',\n 'args': [2, 2],\n 'kwargs': {},\n"
        " 'options': {},\n 'subtask_type': None,\n 'immutable': False}",
    ),
    md("The same signature by the task's name alone, as a process without the task code would:"),
    code("signature('canvas_widgets.demo.add', args=(2, 2), app=app) == sig", expect="True"),
    code("run = cw.run(sig, app=app)\nrun.wait(timeout=60)", expect="4"),
    md("The builder shows it as one block; select it to edit its arguments in the inspector."),
    code("cw.CanvasBuilder(app, canvas=sig)"),
    md("""
## Partials: leave arguments for later
A signature may lack arguments: `add.s(2)` still needs `x`. The arguments given later are
*prepended*, which is how a chain feeds a step the previous step's result.
"""),
    code("partial = add.s(2)\npartial.clone(args=(8,))", expect="canvas_widgets.demo.add(8, 2)"),
    md("On its own, a partial cannot run, and the check says so before anything is sent:"),
    code(
        "[str(problem) for problem in cw.validate(partial, app)]",
        expect='["error: task: canvas_widgets.demo.add(x, y) cannot take these arguments: it is '
        "called with args (2,): missing a required argument: 'y'.\"]",
    ),  # fmt: skip
    md("In a chain it is fine: the previous result fills the missing argument."),
    code("canvas = add.s(2, 2) | partial\ncw.validate(canvas, app)", expect="[]"),
    code("cw.run(canvas, app=app).wait(timeout=60)", expect="6"),
    code("cw.CanvasBuilder(app, canvas=canvas)"),
    md("""
## `.si()`: immutable signatures
Sometimes a step should *not* receive the previous result, only run after it. `.si()` makes a
signature immutable: nothing is prepended.
"""),
    code(
        "canvas = add.si(2, 2) | add.si(4, 4)\ncw.run(canvas, app=app).wait(timeout=60)", expect="8"
    ),  # fmt: skip
    code("cw.CanvasBuilder(app, canvas=canvas)"),
    md("""
## Options: how and when to run
Options are `apply_async`'s keyword arguments kept in the signature: `countdown`, `expires`,
`queue`, `priority`... `.set()` adds them and returns the signature.
"""),
    code("sig = add.s(2, 2).set(countdown=1)\nsig.options", expect="{'countdown': 1}"),
    code("print(cw.to_python(sig))"),
    code("cw.run(sig, app=app).wait(timeout=60)", expect="4"),
    code("cw.CanvasBuilder(app, canvas=sig)"),
    md("""
## `clone()`: one template, many calls
`clone()` copies a signature, optionally with more arguments or options: one partial makes a
whole group.
"""),
    code(
        "template = add.s(100)\ncanvas = group(template.clone(args=(i,)) for i in range(4))\n"
        "cw.run(canvas, app=app).wait(timeout=60)",
        expect="[100, 101, 102, 103]",
    ),  # fmt: skip
    code("cw.CanvasBuilder(app, canvas=canvas)"),
    md("""
## Callbacks: `link` and `link_error`
`link` runs a signature with the task's result when it succeeds (a one-step chain that does not
change the run's value); `link_error` runs one when it fails. Both are options, so they travel
in the dict.
"""),
    code(
        "sig = add.s(2, 2)\nsig.link(mul.s(10))\nrun = cw.run(sig, app=app)\nrun.wait(timeout=60)",
        expect="4",
    ),  # fmt: skip
    md("The run's value is the task's; the callback's result is in the run's graph:"),
    code(
        """
graph = run.to_networkx()
[(graph.nodes[n]["callback"], graph.nodes[n]["result"]) for n in graph]
""",
        expect="[(None, '4'), ('link', '40')]",
    ),  # fmt: skip
    code("run.graph"),
    md("""
An errback gets the failed task's id (and so can look up its exception). Taking just the id, it
is sent as a task of its own, which the run follows like any other.
"""),
    code("""
sig = fail.si("bad input").set(link_error=on_error.s())
run = cw.run(sig, app=app)
try:
    run.wait(timeout=60)
except ValueError as exc:
    print("the run failed:", repr(exc))
"""),
    code(
        """
graph = run.to_networkx()
[(graph.nodes[n]["callback"], graph.nodes[n]["state"]) for n in graph]
""",
        expect="[(None, 'FAILURE'), ('link_error', 'SUCCESS')]",
    ),  # fmt: skip
    code("cw.CanvasBuilder(app, canvas=sig)"),
    code("run.graph"),
    *stop(),
]

# ---------------------------------------------------------------------------------------- 03

PRIMITIVES = [
    md("""
# The primitives: chain, group, chord, map, starmap, chunks

Celery composes signatures with six primitives. Each one below is built, checked, run, and shown
in the builder; at the end, they are nested. The values are those of the canvas guide.
"""),
    *start("""
import canvas_widgets as cw
from celery import chain, chord, group
from canvas_widgets.demo import add, app, mul, tsum, xsum
"""),
    md("""
## chain: one after another
Each step gets the previous step's result as its first argument. `|` builds a chain too.
"""),
    code(
        "canvas = chain(add.s(4, 4), mul.s(8), mul.s(10))\n"
        "cw.run(canvas, app=app).wait(timeout=60)",
        expect="640",
    ),  # fmt: skip
    code("cw.CanvasBuilder(app, canvas=canvas)"),
    md("## group: side by side\nIts value is the list of its members' values, in order."),
    code(
        "canvas = group(add.s(i, i) for i in range(5))\ncw.run(canvas, app=app).wait(timeout=60)",
        expect="[0, 2, 4, 6, 8]",
    ),  # fmt: skip
    code("cw.CanvasBuilder(app, canvas=canvas)"),
    md("""
## chord: a group, then one task with all their results
The *header* runs in parallel; the *body* gets the list of their results.
"""),
    code(
        "canvas = chord((add.s(i, i) for i in range(10)), xsum.s())\n"
        "run = cw.run(canvas, app=app)\nrun.wait(timeout=60)",
        expect="90",
    ),  # fmt: skip
    code("run.counts()", expect="{'SUCCESS': 11}"),
    code("run.graph"),
    md("""
## A group piped into a task becomes a chord
Chaining a group with `|` (or `chain(...)`) rewrites it into a chord at once: the next step
needs all of the group's results.
"""),
    code(
        "canvas = group(add.s(i, i) for i in range(10)) | xsum.s()\ntype(canvas).__name__",
        expect="'_chord'",
    ),  # fmt: skip
    code("cw.run(canvas, app=app).wait(timeout=60)", expect="90"),
    md("""
## map and starmap: one task over a list, inside one task
`xsum.map(items)` calls `xsum(item)` for each item; `add.starmap(pairs)` calls `add(*pair)`.
They run *sequentially inside one task*: cheap for many small calls, but not parallel.
"""),
    code(
        "canvas = xsum.map([list(range(10)), list(range(100))])\n"
        "cw.run(canvas, app=app).wait(timeout=60)",
        expect="[45, 4950]",
    ),  # fmt: skip
    code("cw.CanvasBuilder(app, canvas=canvas)"),
    code(
        "canvas = add.starmap([(1, 1), (2, 2), (3, 3)])\ncw.run(canvas, app=app).wait(timeout=60)",
        expect="[2, 4, 6]",
    ),  # fmt: skip
    code("cw.CanvasBuilder(app, canvas=canvas)"),
    md("""
## chunks: a long list in parallel pieces
`add.chunks(pairs, 4)` splits the pairs into chunks of 4: a group of starmap tasks, one per chunk.
"""),
    code(
        "pairs = [(i, i) for i in range(10)]\ncanvas = add.chunks(pairs, 4)\n"
        "run = cw.run(canvas, app=app)\nrun.wait(timeout=60)",
        expect="[[0, 2, 4, 6], [8, 10, 12, 14], [16, 18]]",
    ),  # fmt: skip
    code("len(run.task_ids)", expect="3"),
    code("cw.CanvasBuilder(app, canvas=canvas)"),
    code("run.graph"),
    md("""
## Nesting
Primitives nest: here a chord whose header members are chains, followed by two more steps.
The check and the graph see the whole structure before anything is sent.
"""),
    code(
        """
canvas = chain(
    chord([add.s(i, i) | mul.s(10) for i in range(4)], tsum.s()),
    add.s(1),
    mul.s(2),
)
cw.validate(canvas, app)
""",
        expect="[]",
    ),  # fmt: skip
    code("run = cw.run(canvas, app=app)\nrun.wait(timeout=60)", expect="242"),
    code("len(run.task_ids)", expect="11"),
    code("cw.CanvasBuilder(app, canvas=canvas)"),
    code("run.graph"),
    *stop(),
]

# ---------------------------------------------------------------------------------------- 04

ERRORS = [
    md("""
# When things fail: failing chords, errbacks, retries, revoking

A canvas fails in more ways than a single task: a chord's body never runs when one header task
fails; an errback runs instead; a task may retry before it succeeds; and a long run can be
stopped. The run records every task's state, so the live graph points at the task at fault.
"""),
    *start("""
import time
import canvas_widgets as cw
from celery import chain, chord, group
from canvas_widgets.demo import add, app, fail, flaky, on_error, sleep, xsum
"""),
    md("""
## A failing chord
One header task raises. The others still run; the body does not: Celery marks it failed with a
`ChordError`. Waiting on the run raises the first task's exception.
"""),
    code(
        """
canvas = chord([add.s(1, 1), fail.si("bad row 2"), add.s(3, 3)], xsum.s())
run = cw.run(canvas, app=app)
try:
    run.wait(timeout=60)
except ValueError as exc:
    error = exc
error
""",
        expect="ValueError('bad row 2')",
    ),  # fmt: skip
    md("""
Which task failed, where in the canvas, and why (the run's states are in canvas order, so the
first failure is the task at fault; the body follows it, marked failed by Celery):
"""),
    code(
        """
graph = run.to_networkx()
failed = [t for t, state in run.states.items() if state == "FAILURE"]
graph.nodes[failed[0]]["path"], run.info(failed[0])["exception"]
""",
        expect="('chord.header[1]', \"ValueError('bad row 2')\")",
    ),  # fmt: skip
    code("run.counts()['SUCCESS']", expect="2"),
    md("The live graph colours the failed task red; click it for its traceback."),
    code("run.graph"),
    md("""
## Errbacks
`link_error` runs a task when its parent fails: to record the failure, alert, or clean up.
"""),
    code(
        """
canvas = fail.si("disk full").set(link_error=on_error.s())
run = cw.run(canvas, app=app)
try:
    run.wait(timeout=60)
except ValueError:
    pass
run.counts()
""",
        expect="{'FAILURE': 1, 'SUCCESS': 1}",
    ),  # fmt: skip
    code(
        """
[errback] = [t for t in run.task_ids if run.info(t)["name"].endswith("on_error")]
"disk full" in run.info(errback)["result"]
""",
        expect="True",
    ),  # fmt: skip
    code("run.graph"),
    md("""
## Retries
`flaky(value, failures=2)` fails twice, retrying itself each time (`self.retry`), then succeeds.
Retries keep the task id: one node, whose `retries` count says what happened.
"""),
    code("run = cw.run(flaky.s(42, failures=2), app=app)\nrun.wait(timeout=60)", expect="42"),
    code("run.info(run.task_ids[0])['retries']", expect="2"),
    md("""
## Revoking
A long run can be stopped. `run.revoke(terminate=True)` stops the running task and makes sure
the steps not yet sent never run (the graph's "Terminate" button does the same; "Revoke" lets the
running task finish). `run.revoke(task_id=t)` stops only task `t` and what depends on it (a
chain's later steps, a chord's body), as "Revoke from here" does in the graph's details of a task
that has not finished; the rest of the run goes on. An in-kernel cluster
(`LocalCluster(app, processes=False)`) runs tasks in threads, which cannot be killed: there a
terminate revokes all the same, and warns (`cw.NotTerminated`) that the running task goes on.
"""),
    code(
        """
run = cw.run(chain(sleep.si(60), add.si(1, 1)), app=app)
deadline = time.monotonic() + 60
while "STARTED" not in run.states.values() and time.monotonic() < deadline:
    time.sleep(0.1)
len(run.revoke(terminate=True))
""",
        expect="2",
    ),  # fmt: skip
    code(
        """
deadline = time.monotonic() + 60
while not run.done and time.monotonic() < deadline:
    time.sleep(0.1)
run.counts()
""",
        expect="{'REVOKED': 2}",
    ),  # fmt: skip
    code("run.graph"),
    *stop(),
]

# ---------------------------------------------------------------------------------------- 05

PROGRESS = [
    md("""
# Progress and monitoring

A long task can say how far it got; a run can be followed live, from callbacks or the graph,
and found again by its id after the notebook lost it (a kernel restart, say).
"""),
    *start("""
import time
import canvas_widgets as cw
from celery import group
from canvas_widgets.demo import app, count, square_each, xsum
"""),
    md("""
## A task that reports progress
`count(n)` calls `cw.report_progress(self, i, n)` after each step, from inside the task (it is
bound: `@app.task(bind=True)`). It stores state `PROGRESS` with `current` and `total` in the
result backend (for anyone who reads it later) and sends a `task-progress` event with the same
(for live views, which draw it as a bar on the task's node).
"""),
    code("""
run = cw.run(group(count.s(20, 0.05), count.s(40, 0.05)), app=app)
run.graph
"""),
    md("The graph above fills in as it runs. The run's own record of the progress:"),
    code(
        """
seen = []
run.on_change(lambda run, changes: seen.append(changes))
run.wait(timeout=60)
""",
        expect="[20, 40]",
    ),  # fmt: skip
    code("[run.info(t)['progress']['current'] for t in run.task_ids]", expect="[20, 40]"),
    md("""
`on_change` was called with the states as they moved, in batches of `{task id: new state}`
(about ten a second; registered after the run began, it saw the moves from then on). The
last state each task was handed:
"""),
    code(
        "[[changes[t] for changes in seen if t in changes][-1] for t in run.task_ids]",
        expect="['SUCCESS', 'SUCCESS']",
    ),
    md("""
## A task that fans out as it runs
`square_each(numbers)` cannot know how many squares to run before its list arrives: it replaces
itself (`self.replace(group(...))`) with one `square` task per number, whose results become its
own. Those tasks are in no canvas, so no graph can draw them before they run. The run follows
them by the task that sent them: `square_each`'s node fills in as they finish, its details say
how many it sent and how they stand, and revoking the run revokes them too.
"""),
    code("""
run = cw.run(square_each.si(list(range(1, 9)), 0.5) | xsum.s(), app=app)
run.graph
"""),
    code("run.wait(timeout=60)", expect="204"),
    code("len(run.spawned(run.task_ids[0]))  # the squares it sent", expect="8"),
    md("""
## Attaching to a run by its id
A run is stored (its frozen canvas, with every task id) in the result backend under its id.
Drop the run object, as a kernel restart would, and rebuild it from the id alone:
"""),
    code("""
run = cw.run(count.s(30, 0.05), app=app)
run_id = run.id
del run
"""),
    code("again = cw.WorkflowRun.attach(run_id, app)\nagain.wait(timeout=60)", expect="30"),
    code("again.counts()", expect="{'SUCCESS': 1}"),
    code("again.graph"),
    *stop(),
]

# ---------------------------------------------------------------------------------------- 06

WEAVE = [
    md("""
# Your own primitive: `weave`

Celery's primitives are classes registered with `Signature.register_type`: that is how a dict
with `"subtask_type": "chunks"` becomes a `chunks` again. You can add your own the same way.
`canvas_widgets.weave` is one, in the spirit of the canvas guide's wish for a "weave": split a
list into chunks, apply a task to each chunk in parallel, join the results.

It is a signature (a dict) with its own `subtask_type`, so it survives JSON and plain Celery.
Given its items, it stands for a chord that canvas_widgets runs and draws in full. Given none,
it takes the previous chain step's result and runs as one task, `canvas_widgets.weave`, that
builds the chord on the worker and *replaces* itself with it (`Task.replace`). Read
`canvas_widgets/weave.py`: it is short.
"""),
    *start("""
import json
import canvas_widgets as cw
from celery import signature
from canvas_widgets.demo import app, fetch, parse, summarise, xsum
from canvas_widgets.weave import weave
"""),
    md("## A weave\nThe sum of 0..99 as ten sums of ten numbers, then the sum of those:"),
    code("w = weave(xsum.s(), range(100), 10, join=xsum.s())\nw"),
    code("w.apply_async().get(timeout=60)", expect="4950"),
    md("## It is a canvas dict like any other\nand Celery reads it back as a weave:"),
    code(
        "d = json.loads(json.dumps(w))\nd['subtask_type'], d['kwargs']['n']", expect="('weave', 10)"
    ),  # fmt: skip
    code("type(signature(d, app=app)).__name__", expect="'weave'"),
    md("""
## What it stands for
`expand()` gives the chord it becomes, built from Celery's own primitives:
"""),
    code(
        "chord = w.expand()\nlen(chord.tasks), chord.body.task",
        expect="(10, 'canvas_widgets.demo.xsum')",
    ),  # fmt: skip
    md("""
## canvas_widgets and a new type
Three things tell canvas_widgets about a type (see `canvas_widgets.custom_types`): `expand()`,
`canvas_slots` (the kwargs that hold a signature: here `task` and `join`) and, for the
palette, `canvas_template()`. With them, `cw.validate` checks the weave and its expansion, the
builder shows it as a block with a slot for each signature, and the palette offers it.
"""),
    code("cw.validate(w, app)", expect="[]"),
    code(
        "cw.validate(weave(xsum.s(), [], 10), app)[0].message",
        expect="'cannot be expanded: weave: the list of items is empty (a chord of nothing "
        "never joins)'",
    ),  # fmt: skip
    code("cw.CanvasBuilder(app, canvas=w)"),
    md("""
`cw.run` sends the expansion, so the live graph knows every chunk before it runs, in a box named
`weave`:
"""),
    code("run = cw.run(w, app=app)\nrun.wait(timeout=60)", expect="4950"),
    code("len(run.states), set(run.states.values())", expect="(11, {'SUCCESS'})"),
    code("run.graph"),
    md("""
## A weave as a step of a chain
Without its own items, a weave takes the previous step's result: here the July readings of one
station, summarised a week at a time. Its chunks are known only once the list is there, on the
worker: the builder and the graph show it as one step.
"""),
    code("""
canvas = fetch.s("valley", "2023-07") | parse.s() | weave(summarise.s(), n=7)
cw.CanvasBuilder(app, canvas=canvas)
"""),
    code(
        """
run = cw.run(canvas, app=app)
weeks = run.wait(timeout=60)
[(week["days"], week["max_tmax_c"]) for week in weeks]
""",
        expect="[(7, 29.3), (7, 27.9), (7, 32.1), (7, 32.5), (3, 30.2)]",
    ),  # fmt: skip
    code("run.graph"),
    *stop(),
]

# ---------------------------------------------------------------------------------------- 07

PIPELINE = [
    md("""
# An exploratory data pipeline, from notebook to command line

The package ships a small CSV: a year of daily readings (min/max temperature, rain) at four
made-up weather stations (synthetic, see `canvas_widgets/data/README.md`). The demo app has the
tasks of a small pipeline over it: `fetch` (one station's rows), `parse` (CSV to records),
`summarise` (one station's figures) and `report` (a table of them all).

The plan: try the steps one by one, compose them into a canvas, save it as a canvas dict, and
run that file from the command line, as a scheduled job would.
"""),
    *start("""
import json
import sys
from pathlib import Path
import canvas_widgets as cw
from celery import chord
from canvas_widgets.demo import STATIONS, app, fetch, parse, report, summarise
"""),
    md("""
## The steps, one at a time
First, what does the data look like? `fetch(station, period)` returns the station's CSV rows
whose date starts with `period`: `'2023-01'` is January, `'2023-01-0'` its first nine days.
"""),
    code("print(fetch('harbour', '2023-01-0'))"),
    code(
        "records = cw.run(fetch.s('harbour', '2023-01') | parse.s(), app=app).wait(timeout=60)\n"
        "len(records), records[0]",
        expect="(31,\n {'date': '2023-01-01',\n  'station': 'harbour',\n  'tmin_c': 1.9,\n"
        "  'tmax_c': 9.4,\n  'precip_mm': 0.0})",
    ),  # fmt: skip
    code(
        "summarise(records)",
        expect="{'station': 'harbour',\n 'days': 31,\n 'mean_tmax_c': 6.2,\n 'max_tmax_c': 10.4,\n"
        " 'min_tmin_c': -2.8,\n 'precip_mm': 74.6,\n 'wet_days': 15}",
    ),  # fmt: skip
    md("""
## The pipeline
For every station, `fetch | parse | summarise` (a chain), all stations in parallel (the chord's
header), then one `report` of the summaries (the chord's body).
"""),
    code(
        """
pipeline = chord(
    [fetch.s(station) | parse.s() | summarise.s() for station in STATIONS],
    report.s(),
)
cw.validate(pipeline, app)
""",
        expect="[]",
    ),  # fmt: skip
    md(
        "In the builder: change a station or add a period (`'2023-07'`) in the inspector, and "
        "`builder.canvas` follows."
    ),  # fmt: skip
    code("builder = cw.CanvasBuilder(app, canvas=pipeline)\nbuilder"),
    code("run = builder.run()\nprint(run.wait(timeout=60))"),
    code("run.counts()", expect="{'SUCCESS': 13}"),
    code("run.graph"),
    md("""
## Save it
The canvas dict is the document: a JSON file that `canvas-widgets`, `cw.CanvasBuilder(app,
canvas=...)` or plain `celery.signature(d, app=app)` can read.
"""),
    code(
        """
Path("pipeline.json").write_text(json.dumps(builder.to_dict(), indent=2))
len(json.loads(Path("pipeline.json").read_text())["kwargs"]["header"])
""",
        expect="4",
    ),  # fmt: skip
    md("""
## Run it from the command line
`canvas-widgets show` prints the saved canvas as a tree and checks it against the app:
"""),
    code("""
cli = Path(sys.executable).with_name("canvas-widgets")  # the command, installed beside Python
!{cli} show pipeline.json --app canvas_widgets.demo:app
"""),
    md("""
`canvas-widgets run` runs it: here on its own fresh LocalCluster (`--local`); without `--local`
on the broker the app is configured with. Progress goes to stderr, the final value to stdout
(here into a file), and the exit code says whether it worked.
"""),
    code(
        "!{cli} run pipeline.json --app canvas_widgets.demo:app --local --timeout 120 > report.txt"
    ),
    code("print(Path('report.txt').read_text())"),
    code(
        "Path('report.txt').read_text().splitlines()[1]",
        expect="'valley    365     16.3  32.5  -6.5    477.1'",
    ),  # fmt: skip
    *stop(),
]

NOTEBOOKS = {
    "02-signatures-and-partials.ipynb": SIGNATURES,
    "03-primitives.ipynb": PRIMITIVES,
    "04-errors.ipynb": ERRORS,
    "05-progress-and-monitoring.ipynb": PROGRESS,
    "06-your-own-primitive.ipynb": WEAVE,
    "07-data-pipeline.ipynb": PIPELINE,
}


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        notebook = new_notebook(cells=cells, metadata={"kernelspec": KERNELSPEC})
        for i, cell in enumerate(notebook.cells):
            cell.id = (
                f"cell-{i:02d}"  # stable ids: regenerating changes nothing that did not change
            )
        nbformat.validate(notebook)
        nbformat.write(notebook, HERE / name)
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
