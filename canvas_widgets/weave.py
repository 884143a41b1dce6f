"""``weave``: a canvas primitive of our own, registered with Celery like ``chunks`` and ``xmap``.

A weave splits a list into chunks of ``n`` items, applies a task to each chunk in parallel and
joins the results with another task::

    weave(xsum.s(), range(100), 10, join=xsum.s())   # 10 sums of 10 numbers, then their sum

It is a signature type of its own (``subtask_type: "weave"``, registered with
``Signature.register_type``), so its canvas dict round-trips through plain Celery::

    celery.signature(json.loads(json.dumps(w)), app=app)   # a weave again

It follows canvas_widgets' protocol for custom types (:mod:`canvas_widgets.custom_types`):
:meth:`weave.expand` gives the chord it stands for, ``canvas_slots`` names the kwargs that hold
signatures, and :meth:`weave.canvas_template` is what the builder's palette offers. So
``cw.run(w)`` sends the expanded chord, and the live graph shows every chunk before it runs.

Without ``it`` it takes its list from the previous step of a chain, and cannot be expanded
before it runs. It then runs as one task, ``canvas_widgets.weave``, which on the worker builds
the chord and replaces itself with it (``Task.replace``): the weave's own id then carries the
joined result. Its task must be known to the workers: importing this module registers it with
every app (``shared_task``), and the demo app imports it.

Examples
--------
>>> from canvas_widgets.demo import xsum
>>> w = weave(xsum.s(), range(10), 4, join=xsum.s())
>>> w.subtask_type, w.task, w.args
('weave', 'canvas_widgets.weave', ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9],))
>>> chord = w.expand()
>>> [member.args for member in chord.tasks], chord.body.task
([([0, 1, 2, 3],), ([4, 5, 6, 7],), ([8, 9],)], 'canvas_widgets.demo.xsum')
>>> import json
>>> from celery import signature
>>> type(signature(json.loads(json.dumps(w)))).__name__
'weave'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from celery import chord, group, shared_task
from celery.canvas import Signature, maybe_signature
from celery.utils.text import truncate

__all__ = ["weave"]

#: The name of the task that runs a weave on a worker.
TASK_NAME = "canvas_widgets.weave"


@Signature.register_type()
class weave(Signature):
    """Split ``it`` into chunks of ``n``, apply ``task`` to each chunk, join with ``join``.

    Parameters
    ----------
    task : Signature or dict or None
        A task signature; each chunk (a list) is prepended to its arguments. None leaves the
        slot empty (as the builder's template does) until one is given.
    it : iterable, optional
        The items. Leave out to take them from the previous step of a chain.
    n : int
        Items per chunk (at least 1).
    join : Signature or dict, optional
        A task that gets the list of the chunks' results (a chord body). Without one, the
        weave's result is that list.
    **options
        Execution options, as for any signature.
    """

    #: The kwargs that hold a signature, and whether each is required (canvas_widgets reads it).
    canvas_slots: ClassVar[dict[str, bool]] = {"task": True, "join": False}

    @classmethod
    def canvas_template(cls) -> weave:
        """An empty weave for the builder's palette: drop a task into it and give it items."""
        return cls(None, [], 10)

    @classmethod
    def from_dict(cls, d: dict, app: Any = None) -> weave:
        kwargs, args = d["kwargs"], d.get("args") or ()
        options = dict(d.get("options") or {})
        return cls(
            kwargs["task"], args[0] if args else None, kwargs["n"], kwargs.get("join"),
            app=app, **options,
        )  # fmt: skip

    def __init__(
        self,
        task: Signature | dict | None,
        it: Iterable | None = None,
        n: int = 10,
        join: Signature | dict | None = None,
        **options: Any,
    ) -> None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"weave: the chunk size n must be a whole number >= 1, got {n!r}")
        app = options.pop("app", None)
        super().__init__(
            TASK_NAME,
            () if it is None else (list(it),),
            {"task": task, "n": n, "join": join},
            options,
            subtask_type="weave",
            # With its own items it ignores a previous step's result, like .si().
            immutable=it is not None,
            app=app,
        )

    def expand(self, items: Iterable | None = None) -> Signature:
        """The canvas the weave stands for: a chord of ``task`` over the chunks, then ``join``
        (a plain group when there is no join). Built from Celery's own primitives.

        The chunk tasks are immutable: wherever the weave stands, they get their chunk and
        nothing else, as when the weave runs as a task of its own."""
        app = self._app
        if self.kwargs["task"] is None:
            raise ValueError("weave: no task to apply to the chunks")
        if items is None:
            if not self.args:
                raise ValueError("weave: no items (give it, or run it as a step of a chain)")
            items = self.args[0]
        items = list(items)
        if not items:
            raise ValueError("weave: the list of items is empty (a chord of nothing never joins)")
        task = maybe_signature(self.kwargs["task"], app=app)
        if task.subtask_type is not None:  # as for Celery's own xmap and chunks
            raise ValueError(f"weave: it applies a task to each chunk, not a {task.subtask_type}")
        n = self.kwargs["n"]
        header = [
            task.clone(args=(items[i : i + n],)).set(immutable=True)
            for i in range(0, len(items), n)
        ]
        join = self.kwargs.get("join")
        if join is None:
            return group(header, app=app)
        return chord(header, maybe_signature(join, app=app).clone(), app=app)

    def __repr__(self) -> str:
        task = maybe_signature(self.kwargs["task"])
        name = task.task if task is not None else "no task"
        join = self.kwargs.get("join")
        items = truncate(repr(self.args[0]), 40) if self.args else "the previous result"
        joined = f" -> {maybe_signature(join).task}" if join else ""
        return f"weave({name} over chunks of {self.kwargs['n']} of {items}{joined})"


@shared_task(bind=True, name=TASK_NAME)
def _run_weave(self: Any, it: list, task: dict, n: int, join: dict | None = None) -> Any:
    """Run a weave on a worker: replace this task by the weave's chord."""
    raise self.replace(weave(task, it, n, join, app=self.app).expand())
