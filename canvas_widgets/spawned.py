"""The tasks a run's tasks send that are not in its canvas.

A task can send tasks of its own: ``self.replace(sig)`` sends the canvas it is replaced with
(whose last task takes over the task's id; the rest run under new ids), and a task may call
``.delay()``. None of them is in the frozen canvas, so no node of the graph stands for them;
their events name the task that sent them (``parent_id`` of task-sent and task-received). The
run follows them by that (the event monitor routes their events to it), to say what each task
of the canvas set going, to revoke them with it, and to end a task whose new canvas stopped
short of giving its id back (see ``WorkflowRun._check_replaced``).

>>> tree = Spawned()
>>> tree.note("c1", "SENT", {"parent_id": "t1", "name": "proj.add"}, canvas={"t1"})
>>> tree.note("c2", "RECEIVED", {"parent_id": "c1", "name": "proj.add"}, canvas={"t1"})
>>> tree.note("c1", "SUCCESS", {}, canvas={"t1"})
>>> tree.of("t1")
{'c1': 'SUCCESS', 'c2': 'RECEIVED'}
>>> tree.summary("t1"), tree.progress()
('2 tasks: SUCCESS 1, RECEIVED 1', {'t1': [1, 2]})
>>> tree.note("c2", "FAILURE", {"exception": "KeyError('x')"}, canvas={"t1"})
>>> tree.stopped()
{'t1': ('FAILURE', "proj.add [c2] failed: KeyError('x')")}
"""

from __future__ import annotations

from collections.abc import Collection

from .tracking import RANK, STOPPED, TERMINAL, merge_state


class Spawned:
    """Task id -> the task that sent it, its state, worker, name and error, for the tasks sent
    by a run's tasks (and by those, in turn) outside its canvas. Not thread safe: the run's lock
    guards it."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._state: dict[str, str] = {}
        self._worker: dict[str, str] = {}  # of the ones a worker received
        self._name: dict[str, str] = {}
        self._error: dict[str, str] = {}  # of the ones that failed

    def note(self, task_id: str, state: str, event: dict, canvas: Collection[str]) -> None:
        """An event of a task sent outside the canvas (``canvas``: the canvas's task ids). The
        first one names its sender; later ones (task-started...) only move its state."""
        if task_id not in self._parent:
            parent = event.get("parent_id")
            if parent is None or (parent not in canvas and parent not in self._parent):
                return  # not sent by one of the run's tasks
            self._parent[task_id] = parent
            self._state[task_id] = "PENDING"
        if merge_state(self._state[task_id], state):
            self._state[task_id] = state
        if event.get("hostname") and event.get("type") != "task-sent":
            self._worker[task_id] = event["hostname"]
        if event.get("name"):
            self._name[task_id] = event["name"]
        if event.get("exception"):
            self._error[task_id] = str(event["exception"])

    def revoked(self, task_ids: Collection[str]) -> None:
        """These were revoked before a worker ran them: workers discard them as they come (the
        events of that may come after the run stops following them)."""
        for task_id in task_ids:
            self._state[task_id] = "REVOKED"

    def origin(self, task_id: str) -> str:
        """The task of the canvas a task sent outside it descends from; for a task of the
        canvas, itself."""
        while task_id in self._parent:
            task_id = self._parent[task_id]
        return task_id

    def states(self) -> dict[str, str]:
        """Every task sent outside the canvas -> its state."""
        return dict(self._state)

    def of(self, task_id: str) -> dict[str, str]:
        """Every task ``task_id`` set going outside the canvas, at any remove -> its state."""
        return {t: s for t, s in self._state.items() if self.origin(t) == task_id}

    def progress(self) -> dict[str, list[int]]:
        """Each task of the canvas that set tasks going -> ``[finished, total]`` of them."""
        out: dict[str, list[int]] = {}
        for task_id, state in self._state.items():
            counts = out.setdefault(self.origin(task_id), [0, 0])
            counts[0] += state in TERMINAL
            counts[1] += 1
        return out

    def stopped(self) -> dict[str, tuple[str, str]]:
        """Each task of the canvas whose tasks set going have all finished, one or more of them
        failed or revoked -> FAILURE (if one failed) or REVOKED, and which one and how."""
        going: set[str] = set()
        found: dict[str, tuple[str, str]] = {}
        for task_id, state in self._state.items():
            origin = self.origin(task_id)
            if state not in TERMINAL:
                going.add(origin)
            elif state in STOPPED and found.get(origin, ("",))[0] != "FAILURE":
                what = f"{self._name.get(task_id, 'a task')} [{task_id}]"
                error = self._error.get(task_id)
                if state == "FAILURE":
                    found[origin] = (state, f"{what} failed" + (f": {error}" if error else ""))
                else:
                    found[origin] = (state, f"{what} was revoked")
        return {origin: end for origin, end in found.items() if origin not in going}

    def unfinished(self, origins: Collection[str]) -> dict[str, tuple[str, str | None]]:
        """The tasks set going by any of ``origins`` that have not finished -> their state and
        the worker that received them (None if none did yet)."""
        return {
            t: (s, self._worker.get(t))
            for t, s in self._state.items()
            if s not in TERMINAL and self.origin(t) in origins
        }

    def summary(self, task_id: str) -> str | None:
        """``"3 tasks: SUCCESS 2, STARTED 1"`` for what ``task_id`` set going; None if nothing.
        States in the order a task goes through them."""
        found = self.of(task_id)
        if not found:
            return None
        counts: dict[str, int] = {}
        for state in found.values():
            counts[state] = counts.get(state, 0) + 1
        order = sorted(counts, key=lambda s: (-RANK.get(s, RANK["PROGRESS"]), s))
        tasks = "1 task" if len(found) == 1 else f"{len(found)} tasks"
        return f"{tasks}: " + ", ".join(f"{s} {counts[s]}" for s in order)
