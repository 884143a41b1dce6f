"""ResultGraph: the live graph of a workflow run — every task of the canvas drawn before it runs,
coloured by its Celery state as the run goes, with the details of any task one click away.

The widget is thin: its data is made by :mod:`canvas_widgets.result_view` from the
:class:`~canvas_widgets.WorkflowRun` it shows. The front end lives in ``js/src/graph/``.

How the view stays current (messages sent before a view exists are lost):

- ``graph`` is synced once per run: the structure (nodes, edges, containers). It changes only
  when the view's "Retry from here" (a ``retry`` message) makes a new run, which the widget
  then follows (:attr:`ResultGraph.run` is the new run; ``run.retry_of`` names the old one).
- State changes travel as custom messages ``{"type": "states", "changes": {id: state}}``,
  batched by the run (at most about 10 a second), to every view that is open; tasks that
  started or finished among them add their timeline bars, ``"spans": {id: [worker, start,
  end]}`` (epoch seconds; ``end`` null while running).
- A view that opens (or re-opens) starts from the ``states`` trait and asks for a snapshot by
  message (``{"type": "snapshot"}``, answered with the current states); states only move
  forward, so a delta that crosses the snapshot on the way is merged harmlessly. The
  ``states`` trait itself is written only twice — when the widget is made and when the run is
  over (before ``run.wait()`` returns, with the timeline's bars in ``spans``) — so a saved
  notebook shows the outcome, without the whole map travelling every second.
- ``summary`` (counts, done, failed, elapsed) is small and updated at most once a second.
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections.abc import Mapping
from typing import Any

import anywidget
import traitlets
from celery import Celery
from celery.canvas import Signature

from ..graph import workflow_graph
from ..result_view import (
    FULL_DETAIL_LIMIT,
    delta_message,
    details_text,
    graph_payload,
    run_summary,
    timeline_spans,
)
from ..run import NotTerminated, WorkflowRun, task_arguments
from ..tracking import is_running, own_progress
from ._bundle import bundle
from ._requests import Refused, answer

__all__ = ["ResultGraph"]

log = logging.getLogger(__name__)

_SETTABLE = frozenset({"layout"})


class ResultGraph(anywidget.AnyWidget):
    """The live result graph of a :class:`~canvas_widgets.WorkflowRun`.

    Parameters
    ----------
    run : WorkflowRun
        The run to show (``cw.run(canvas, app=app)``; ``run.graph`` makes this widget too).
    layout : ipywidgets.Layout, optional
        The widget's layout, as for any ipywidget.

    Raises
    ------
    TypeError
        For an unknown keyword argument, or a ``run`` that is not a WorkflowRun.

    Attributes
    ----------
    graph : dict, default {}
        The workflow's structure, synced once: ``run_id``, ``nodes`` (``id``, ``name``,
        ``kind``, ``label``, ``path``, ``container``, ``callback``), ``edges`` (``source``,
        ``target``, ``kind``) and ``containers`` (path -> ``kind``, ``label``, ``parent``, ``id``).
    states : dict, default {}
        Task id -> Celery state when the widget was made, and again when the run is over.
        Live changes come by message in between (see the module's notes).
    summary : dict, default {}
        ``total``, ``done``, ``failed``, ``counts`` (per state), ``started_at``, ``elapsed``
        (seconds), ``finished`` (whether the run is over) and ``not_run`` (the tasks that will
        never run, counted by state); at most one update a second.
    spans : dict, default {}
        Task id -> its timeline bar ``[worker, start, end]``, written when the run is over
        (while it runs, bars come by message), so that a saved notebook keeps its timeline.

    Examples
    --------
    A preview of a canvas that is not run (all its tasks PENDING):

    >>> from celery import chord
    >>> from canvas_widgets.demo import add, tsum
    >>> g = ResultGraph.preview(chord([add.s(1, 1), add.s(2, 2)], tsum.s()))
    >>> len(g.graph["nodes"]), sorted(set(g.states.values())), g.summary["total"]
    (3, ['PENDING'], 3)
    """

    _esm = bundle("graph.js")

    graph = traitlets.Dict(help="The workflow's structure: nodes, edges, containers.").tag(
        sync=True
    )
    states = traitlets.Dict(help="Task id -> state: at display, and when the run is over.").tag(
        sync=True
    )
    summary = traitlets.Dict(help="Counts per state, done, failed, elapsed, finished.").tag(
        sync=True
    )
    spans = traitlets.Dict(help="Task id -> its timeline bar, once the run is over.").tag(sync=True)

    #: Seconds between updates of the ``summary`` trait while the run goes.
    summary_interval = 1.0
    #: Seconds between looks at the progress of tasks in state PROGRESS.
    progress_interval = 0.5

    def __init__(self, run: WorkflowRun, **kwargs: Any) -> None:
        _check_kwargs("ResultGraph()", kwargs)
        if not isinstance(run, WorkflowRun):
            raise TypeError(
                f"ResultGraph() shows a WorkflowRun (from cw.run(canvas, app=app)), not "
                f"{type(run).__name__}; for a canvas that is not run, use ResultGraph.preview()"
            )
        self._run: WorkflowRun | None = None
        self._preview_graph = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._progress_sent: dict[str, Any] = {}
        self._finished_at: float | None = None
        super().__init__(**kwargs)
        self.on_msg(self._on_custom_msg)
        self._follow_run(run)

    def _follow_run(self, run: WorkflowRun) -> None:
        """Show ``run`` from now on: its structure, states and summary, then its changes."""
        with self._lock:
            self._run = run
            self._progress_sent = {}
            self._finished_at = None
        # Subscribe before the snapshot: a change in between arrives twice, never not at all.
        run.on_change(self._on_run_change)
        snapshot = run.states
        with self.hold_sync():
            self.graph = graph_payload(run.to_networkx(), run_id=run.id)
            self.states = snapshot
            self.summary = self._summary(snapshot, False)
            self.spans = {}
        # The final states, summary and bars: at once if the run is over, else when it is.
        run.on_settled(self._on_settled)
        if not _settled(run):
            threading.Thread(
                target=self._tick, args=(run,), name=f"cw-result-graph-{run.id}", daemon=True
            ).start()

    @classmethod
    def preview(
        cls, canvas: Signature | Mapping, app: Celery | None = None, **kwargs: Any
    ) -> ResultGraph:
        """The graph of a canvas that is not run: every task drawn, all PENDING, no actions.

        The canvas is frozen on a copy (:func:`~canvas_widgets.workflow_graph`); nothing is sent.
        """
        _check_kwargs("ResultGraph.preview()", kwargs)
        graph = workflow_graph(canvas, app)
        self = cls.__new__(cls)
        self._run = None
        self._preview_graph = graph
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._progress_sent = {}
        self._finished_at = None
        snapshot = dict.fromkeys(graph.nodes, "PENDING")
        anywidget.AnyWidget.__init__(
            self,
            graph=graph_payload(graph),
            states=snapshot,
            summary=run_summary(snapshot, None, time.time(), finished=False),
            **kwargs,
        )
        self.on_msg(self._on_custom_msg)
        return self

    @classmethod
    def attach(cls, run_id: str, app: Celery, **kwargs: Any) -> ResultGraph:
        """The graph of a run started earlier (say, before a kernel restart), by its id.

        See :meth:`WorkflowRun.attach`; raises ``KeyError`` for a run the backend does not know.
        """
        return cls(WorkflowRun.attach(run_id, app), **kwargs)

    @property
    def run(self) -> WorkflowRun | None:
        """The run shown, or None for a preview."""
        return self._run

    # --- from the run (its dispatcher thread, and our ticker) ---------------------------------

    def _on_run_change(self, run: WorkflowRun, changes: dict[str, str]) -> None:
        # Called on the run's dispatcher thread, which serves every run: never raise into it.
        if self._stop.is_set() or run is not self._run or getattr(self, "comm", None) is None:
            return
        try:
            self.send(delta_message(changes, timeline_spans(run, changes)))
        except Exception:
            log.exception("result graph of run %s: sending state changes failed", run.id)

    def _tick(self, run: WorkflowRun) -> None:
        """Every ``progress_interval``: progress of running tasks; every ``summary_interval``:
        the summary; when the run is over: the final summary and states, then stop."""
        try:
            self._follow(run)
        except Exception:  # a closed comm, a backend gone: the view keeps its last states
            log.exception("result graph of run %s stopped following it", run.id)

    def _follow(self, run: WorkflowRun) -> None:
        last_summary = time.monotonic()
        while not self._stop.wait(self.progress_interval):
            if run is not self._run:  # the widget follows a retry of it now
                return
            finished = _settled(run)
            snapshot = run.states
            self._send_progress(run, snapshot)
            if run.cut_off is not None and not finished:  # its broker went away
                with self.hold_sync():
                    self.summary = self._summary(snapshot, True)
                    self.states = snapshot
                return
            if finished:  # its final states are written (_on_settled)
                return
            if time.monotonic() - last_summary >= self.summary_interval:
                last_summary = time.monotonic()
                summary = self._summary(snapshot, False)
                if any(summary[k] != self.summary.get(k) for k in ("counts", "stuck")):
                    self.summary = summary

    def _on_settled(self, run: WorkflowRun) -> None:
        """The run is over: its final summary, states and timeline bars, written before
        ``run.wait()`` returns (see WorkflowRun.on_settled), so that a notebook saved with its
        widgets' state (or executed by nbconvert) keeps the outcome, the timeline too."""
        if self._stop.is_set() or run is not self._run:
            return
        snapshot = run.states
        # When its last task ended, not when this is called.
        last = _last_timestamp(run)
        self._finished_at = last if last is not None else time.time()
        with self.hold_sync():
            self.summary = self._summary(snapshot, True)
            self.states = snapshot
            self.spans = timeline_spans(run, snapshot)

    def _send_progress(self, run: WorkflowRun, snapshot: dict[str, str]) -> None:
        values: dict[str, list] = {}
        for task_id, value in _progress_values(run, snapshot).items():
            if self._progress_sent.get(task_id) != value:
                self._progress_sent[task_id] = values[task_id] = value
        if values:
            self.send({"type": "progress", "values": values})

    def _summary(self, snapshot: dict[str, str], finished: bool) -> dict[str, Any]:
        run = self._run
        if run is None:  # a preview
            return run_summary(snapshot, None, time.time(), finished)
        return run_summary(
            snapshot,
            run.started_at,
            time.time(),
            finished,
            self._finished_at,
            run.never_run(),
            run.ran_without_state(),
            run.cut_off,
            None if finished else run.stuck,
        )

    # --- from the view ------------------------------------------------------------------------

    def _on_custom_msg(self, widget: object, content: object, buffers: object) -> None:
        answer(
            self,
            content,
            {
                "snapshot": self._snapshot,
                "details": self._details,
                "revoke": self._revoke,
                "retry": self._retry,
            },
        )

    def _snapshot(self, content: dict) -> dict[str, Any]:
        finished = _settled(self._run) if self._run is not None else False
        snapshot = self._run.states if self._run is not None else dict(self.states)
        progress = _progress_values(self._run, snapshot) if self._run is not None else {}
        return {
            "run_id": self._run.id if self._run is not None else None,
            "states": snapshot,
            "summary": self._summary(snapshot, finished),
            "progress": progress,
            "spans": timeline_spans(self._run, snapshot) if self._run is not None else {},
        }

    def _details(self, content: dict) -> dict[str, Any]:
        task_id = self._task_id(content)
        if self._run is not None:
            info = self._run.info(task_id)
            try:
                # One over the bound: details_text then sees that it was cut.
                info.update(self._run.full_values(task_id, limit=FULL_DETAIL_LIMIT + 1))
            except Exception:  # backend unreachable: what the events said, cut short
                log.exception("run %s: reading task %s from the backend", self._run.id, task_id)
        else:
            node = self._preview_graph.nodes[task_id]
            info = {
                "task_id": task_id,
                "name": node["name"],
                **task_arguments(node),
                "state": "PENDING",
            }
        texts, cut = details_text(info, full=bool(content.get("full")))
        return {"task_id": task_id, "details": texts, "truncated": cut}

    def _revoke(self, content: dict) -> dict[str, Any]:
        """The whole run, or with a ``task_id``, that task and what depends on it; with
        ``terminate``, the running ones are killed too (the reply says which workers could not)."""
        if self._run is None:
            raise RuntimeError("this is a preview: nothing runs, nothing to revoke")
        task_id = None if content.get("task_id") is None else self._task_id(content)
        terminate = content.get("terminate", False)
        if not isinstance(terminate, bool):
            raise Refused(f"terminate must be true or false, not {terminate!r}")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", NotTerminated)
            revoked = self._run.revoke(terminate=terminate, task_id=task_id)
        refused = (w.message.refused for w in caught if isinstance(w.message, NotTerminated))
        # Without terminate, a task running goes on (and its own result stands).
        # A copy of every task's state, taken once; the tasks they sent outside the canvas too.
        now = {**self._run.spawned(), **self._run.states}
        running = 0 if terminate else sum(is_running(now[t]) for t in revoked)
        return {"revoked": len(revoked), "running": running, "not_terminated": next(refused, [])}

    def _retry(self, content: dict) -> dict[str, Any]:
        if self._run is None:
            raise RuntimeError("this is a preview: nothing ran, nothing to retry")
        task_id = self._task_id(content)
        retried = self._run.retry(task_id)
        self._follow_run(retried)
        return {"run_id": retried.id, "retry_of": [retried.retry_of[0], task_id]}

    def _task_id(self, content: dict) -> str:
        """The message's ``task_id``, a task of the workflow shown (the ``states`` trait holds
        every one: the preview's, or the run's followed)."""
        task_id = content.get("task_id")
        if not isinstance(task_id, str) or task_id not in self.states:
            raise Refused(f"no task {task_id!r} in this workflow")
        return task_id

    # --- life ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop following the run and close the widget."""
        stop = getattr(self, "_stop", None)  # None when the constructor refused its arguments
        if stop is not None:
            stop.set()
        super().close()

    def __repr__(self) -> str:
        what = f"run {self._run.id}" if self._run is not None else "preview"
        return f"<ResultGraph {what}: {len(self.graph.get('nodes', []))} tasks>"


def _check_kwargs(where: str, kwargs: Mapping[str, Any]) -> None:
    unknown = sorted(set(kwargs) - _SETTABLE)
    if unknown:
        raise TypeError(
            f"{where} got unexpected keyword argument(s) {', '.join(map(repr, unknown))}; "
            f"it takes {', '.join(sorted(_SETTABLE))}"
        )


def _last_timestamp(run: WorkflowRun) -> float | None:
    """When the last task of a finished run finished, from its events or, for a run attached
    once over, the backend's ``done_at`` (None if neither is known)."""
    stamps = [
        value
        for task_id in run.task_ids
        for key, value in run.info(task_id).items()
        if key.endswith("_at") and isinstance(value, int | float) and not isinstance(value, bool)
    ]
    return max(stamps, default=None)


def _progress_values(run: WorkflowRun, snapshot: dict[str, str]) -> dict[str, list]:
    """Task id -> ``[current, total]`` of the tasks in a state they stored themselves (PROGRESS,
    or one of their own), as the view's progress bars take them; of a running task that set
    tasks going outside the canvas (a ``Task.replace``), how many of them finished."""
    values = {}
    for task_id, state in snapshot.items():
        if own_progress(state):
            progress = run.info(task_id).get("progress") or {}
            values[task_id] = [progress.get("current"), progress.get("total")]
    for task_id, value in run.spawned_progress().items():
        if is_running(snapshot.get(task_id, "PENDING")) and task_id not in values:
            values[task_id] = value
    return values


def _settled(run: WorkflowRun) -> bool:
    """Whether the run is done and the backend read since (see ``WorkflowRun._settle``), so
    that the final states and summary are Celery's."""
    try:
        return run._settle()
    except Exception:  # backend unreachable: the next tick asks again
        log.exception("result graph of run %s: reading the final states failed", run.id)
        return False
