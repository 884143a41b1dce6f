"""What can go into a canvas: the tasks an app has registered, with their parameters and docs."""

from __future__ import annotations

import inspect
from dataclasses import asdict, dataclass

from celery import Celery

from .display import display_repr

__all__ = ["Parameter", "TaskInfo", "task_catalogue"]


@dataclass(frozen=True)
class Parameter:
    """One parameter of a task function.

    Attributes
    ----------
    name : str
    kind : str
        ``positional``, ``positional_or_keyword``, ``var_positional`` (``*args``),
        ``keyword_only`` or ``var_keyword`` (``**kwargs``).
    default : str or None
        The default's ``repr``, or None when the parameter has none.
    annotation : str or None
        The annotation as written, or None.
    """

    name: str
    kind: str
    default: str | None
    annotation: str | None


@dataclass(frozen=True)
class TaskInfo:
    """A registered task: its name, parameters and the first line of its docstring."""

    name: str
    parameters: tuple[Parameter, ...]
    doc: str
    module: str

    def to_json(self) -> dict:
        """This entry as plain JSON types (for widget state)."""
        return asdict(self)


_KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: "positional",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional_or_keyword",
    inspect.Parameter.VAR_POSITIONAL: "var_positional",
    inspect.Parameter.KEYWORD_ONLY: "keyword_only",
    inspect.Parameter.VAR_KEYWORD: "var_keyword",
}


def task_catalogue(app: Celery) -> list[TaskInfo]:
    """List the tasks an app offers, sorted by name, without Celery's own ``celery.*`` tasks.

    Parameters come from the task function's signature (``self`` of a bound task excluded).

    Examples
    --------
    >>> from canvas_widgets.demo import app
    >>> add = next(t for t in task_catalogue(app) if t.name == "canvas_widgets.demo.add")
    >>> [p.name for p in add.parameters], add.doc
    (['x', 'y'], 'Return x + y.')
    """
    app.loader.import_default_modules()
    entries = []
    for name, task in sorted(app.tasks.items()):
        if name.startswith("celery."):
            continue
        try:
            signature = inspect.signature(task.run)
        except (TypeError, ValueError):  # a run() without a Python signature: show no parameters
            parameters = ()
        else:
            parameters = tuple(_parameter(p) for p in signature.parameters.values())
        doc = inspect.getdoc(task.run) or inspect.getdoc(task) or ""
        entries.append(
            TaskInfo(
                name=name,
                parameters=parameters,
                doc=doc.strip().split("\n", 1)[0] if doc.strip() else "",
                module=getattr(task, "__module__", "") or "",
            )
        )
    return entries


def _parameter(p: inspect.Parameter) -> Parameter:
    annotation = None
    if p.annotation is not inspect.Parameter.empty:
        annotation = (
            p.annotation
            if isinstance(p.annotation, str)
            else inspect.formatannotation(p.annotation)
        )
    return Parameter(
        name=p.name,
        kind=_KINDS[p.kind],
        default=None if p.default is inspect.Parameter.empty else display_repr(p.default),
        annotation=annotation,
    )
