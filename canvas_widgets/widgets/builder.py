"""CanvasBuilder: compose a Celery canvas in the notebook by dragging tasks into chains, groups
and chords, see its problems, its Python source and its canvas dict, and run it.

The widget is thin: the canvas dict is its document (``canvas_dict``), and everything shown about
it is computed here by the package's own modules (:func:`~canvas_widgets.validate`,
:func:`~canvas_widgets.to_python`, :func:`~canvas_widgets.task_catalogue`,
:func:`~canvas_widgets.run`). Editing happens in the browser (``js/src/builder/``), which writes
``canvas_dict`` back after every edit.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any

import anywidget
import ipywidgets
import traitlets
from celery import Celery
from celery.canvas import Signature

from ..canvas import CanvasError, from_dict, kind_of, to_dict
from ..catalogue import task_catalogue
from ..custom_types import custom_types
from ..display import mask_credentials
from ..python_source import to_python
from ..run import WorkflowRun
from ..run import run as run_canvas
from ..tracking import short_repr
from ..validation import validate
from ._browser_values import BrowserValues
from ._bundle import bundle
from ._hidden import HiddenArguments, UnknownHidden
from ._requests import Refused, answer

__all__ = ["CanvasBuilder"]

#: Traits the front end only reads: updates to them from the browser are ignored.
_COMPUTED = frozenset({"catalogue", "custom_types", "problems", "python_source", "run_status"})
#: Keyword arguments the constructor takes besides ``app`` and ``canvas``.
_SETTABLE = frozenset({"selected", "layout"})
_IDLE = {"state": "idle", "run_id": "", "value_repr": "", "error": "", "edited": False}


class _JSONDict(traitlets.Dict):
    """A Dict trait whose changes are told by their JSON text. To Python ``1 == 1.0 == True``
    and dicts are equal in any key order, so a plain Dict would neither recompute nor send
    ``add.s(True)`` set in place of ``add.s(1)``: the browser would go on showing 1, and write
    1 back on its next edit."""

    def set(self, obj: traitlets.HasTraits, value: Any) -> None:
        # traitlets.TraitType.set, with the JSON texts compared in place of the values.
        new_value = self._validate(obj, value)
        old_value = obj._trait_values.get(self.name, self.default_value)
        obj._trait_values[self.name] = new_value
        if _json_text(old_value) != _json_text(new_value):
            obj._notify_trait(self.name, old_value, new_value)


def _json_text(value: Any) -> str | None:
    try:
        return json.dumps(value)  # (key order too: a task may go through a dict argument)
    except (TypeError, ValueError):
        return None  # (only canvas dicts, JSON already, reach here; anything else is a change)


class CanvasBuilder(anywidget.AnyWidget):
    """A visual editor of Celery canvases: palette | canvas | inspector, problems, code, run.

    Drag the app's tasks and the primitives (chain, group, chord, map, starmap, chunks) from the
    palette onto the canvas; select a block to edit its arguments and options in the inspector.
    Every edit updates :attr:`canvas` here, and setting :attr:`canvas` here updates the view.

    Parameters
    ----------
    app : celery.Celery
        The app whose registered tasks the palette offers, and whose broker :meth:`run` uses.
        It is never put into widget state (a saved notebook must not carry broker URLs).
    canvas : celery.canvas.Signature or dict, optional
        The canvas to start with: a signature of any shape, or its canvas dict.
    selected : str, optional
        The path of the node to select, as in problems (``chord.header[0]``).
    layout : ipywidgets.Layout, optional
        The widget's layout, as for any ipywidget.

    Raises
    ------
    TypeError
        For an unknown keyword argument, or an ``app`` that is not a Celery app.
    traitlets.TraitError
        For a canvas dict that :func:`~canvas_widgets.from_dict` rejects; the message names the
        node's path.

    Attributes
    ----------
    canvas_dict : dict or None, default None
        Celery's canvas dict of the canvas (:func:`~canvas_widgets.to_dict`), None when the
        canvas is empty. Synced both ways; a dict that ``from_dict`` rejects is refused.
        Arguments a task hides (its ``argsrepr``/``kwargsrepr`` options) are not in it: each
        hidden field is empty, with a token in the option ``cw_hidden``; the values stay in the
        kernel (:meth:`to_dict` and :attr:`canvas` have them). Setting it to a dict with real
        values hides them likewise. A dict set is held as Celery's full dict of it (a dict
        from Celery's docs, with only ``task`` and ``args``, gets the other keys), and refused
        where the browser could not keep it: an integer beyond ±(2**53 - 1), a key that is not
        text. A float with a whole value (``1.0``) is ``1`` in the browser; the kernel keeps
        the float wherever the browser did not change the value.
    catalogue : list of dict, default []
        The app's tasks as :meth:`TaskInfo.to_json` gives them (name, parameters, doc, module),
        from :func:`~canvas_widgets.task_catalogue`. Read by the palette and the inspector.
    custom_types : list of dict, default []
        The registered custom canvas types canvas_widgets understands
        (:meth:`CustomType.to_json <canvas_widgets.custom_types.CustomType.to_json>`: type,
        task, doc, slots, template). The builder draws their slots and offers their templates.
    problems : list of dict, default []
        ``{path, severity, message, code}`` for each problem
        :func:`~canvas_widgets.validate` finds, recomputed whenever ``canvas_dict`` changes.
        The Run button is disabled while one of them is an error.
    python_source : str, default ""
        :func:`~canvas_widgets.to_python` of the canvas, recomputed likewise; empty when there
        is no canvas or when it cannot be built yet. Hidden arguments are written as their
        repr text, never their values.
    selected : str, default ""
        The path of the selected node (same scheme as problem paths), or "" for none.
    run_status : dict, default: state idle, the other fields empty, ``edited`` False
        The latest run: ``state`` is idle, running, done or failed; ``value_repr`` the repr of
        its value when done; ``error`` what went wrong when failed; ``edited``, whether the
        canvas was changed since that run was made from it. Text only.

    Examples
    --------
    >>> from canvas_widgets.demo import add, app, mul
    >>> b = CanvasBuilder(app, canvas=add.s(2, 2) | mul.s(8))
    >>> b.to_dict()["subtask_type"], b.problems
    ('chain', [])
    >>> print(b.python_source, end="")
    from celery import chain
    from canvas_widgets.demo import add, mul
    <BLANKLINE>
    canvas = chain(add.s(2, 2), mul.s(8))
    >>> b.canvas = None
    >>> b.canvas is None, b.python_source
    (True, '')
    """

    _esm = bundle("builder.js")

    canvas_dict = _JSONDict(
        allow_none=True, default_value=None, help="Celery's canvas dict, or None when empty."
    ).tag(sync=True)
    catalogue = traitlets.List(
        traitlets.Dict(), help="The app's tasks: TaskInfo.to_json() of each."
    ).tag(sync=True)
    custom_types = traitlets.List(
        traitlets.Dict(), help="The custom canvas types understood: CustomType.to_json() of each."
    ).tag(sync=True)
    problems = traitlets.List(
        traitlets.Dict(), help="validate(canvas_dict, app) as {path, severity, message, code}."
    ).tag(sync=True)
    python_source = traitlets.Unicode(
        "", help="to_python(canvas_dict), or '' when there is none."
    ).tag(sync=True)
    selected = traitlets.Unicode("", help="The selected node's path, or ''.").tag(sync=True)
    run_status = traitlets.Dict(
        default_value=_IDLE, help="{state, run_id, value_repr, error, edited} of the latest run."
    ).tag(sync=True)

    def __init__(
        self,
        app: Celery,
        canvas: Signature | Mapping | None = None,
        **kwargs: Any,
    ) -> None:
        unknown = sorted(set(kwargs) - _SETTABLE)
        if unknown:
            raise TypeError(
                "CanvasBuilder() got unexpected keyword argument(s) "
                f"{', '.join(map(repr, unknown))}; it takes app, canvas, "
                f"{', '.join(sorted(_SETTABLE))}"
            )
        if not isinstance(app, Celery):
            raise TypeError(
                f"CanvasBuilder() needs a Celery app as its first argument, got "
                f"{type(app).__name__}"
            )
        # Plain attributes, never traits: nothing of the app may reach the saved widget state.
        self._app = app
        # Hidden arguments' values (argsrepr / kwargsrepr), and the canvas dict with them: the
        # kernel's own, never synced. canvas_dict holds placeholders in their place.
        self._hidden = HiddenArguments()
        self._real: dict | None = None
        # Floats with a whole value (1.0), which the browser gives back as integers.
        self._browser_values = BrowserValues()
        self._run: WorkflowRun | None = None
        self._run_canvas: dict | None = None  # the canvas as the latest run was made from
        self._run_lock = threading.Lock()
        # Made when the builder is first displayed: the builder above, the run's graph below.
        self._view: ipywidgets.VBox | None = None
        self._results: ipywidgets.Box | None = None
        super().__init__(
            catalogue=_catalogue(app),
            custom_types=_custom_types(),
            canvas_dict=_as_canvas_dict(canvas),
            **kwargs,
        )
        self._recompute()
        self.on_msg(self._on_custom_msg)

    # --- the canvas ------------------------------------------------------------------------

    @property
    def app(self) -> Celery:
        """The Celery app (kept in the kernel only; never synced)."""
        return self._app

    @property
    def canvas(self) -> Signature | None:
        """The canvas as Celery's objects (a new object on every read), or None when empty.

        Set it to a signature of any shape, a canvas dict, or None to clear the canvas.
        """
        if self._real is None:
            return None
        return from_dict(self._real, self._app)

    @canvas.setter
    def canvas(self, value: Signature | Mapping | None) -> None:
        self.canvas_dict = _as_canvas_dict(value)

    def to_dict(self) -> dict | None:
        """The canvas dict (a copy), or None when the canvas is empty.

        Hidden arguments (``argsrepr``/``kwargsrepr``) have their values here, unlike in
        :attr:`canvas_dict`, which is what the browser gets.
        """
        return copy.deepcopy(self._real)

    def refresh_catalogue(self) -> None:
        """Read the app's tasks and the custom canvas types again (after registering new ones)
        and re-check the canvas."""
        self.catalogue = _catalogue(self._app)
        self.custom_types = _custom_types()
        self._recompute()

    @traitlets.validate("canvas_dict")
    def _validate_canvas_dict(self, proposal: dict) -> dict | None:
        value = proposal["value"]
        if value is None:  # (traitlets does not ask for None: _on_canvas_dict clears _real)
            return None
        key = _key_not_text(value)
        if key is not None:  # (JSON would write it as text: a change, not a load)
            where, found = key
            raise traitlets.TraitError(
                f"not a canvas dict Celery can load, at {where}: the key {found!r} "
                f"({type(found).__name__}) is not text; a canvas dict is JSON, whose keys are "
                "text: write "
                f"{json.dumps(str(found) if isinstance(found, int | float) else repr(found))}"
            )
        try:
            masked, real = self._hidden.split(self._normalised(json.loads(json.dumps(value))))
        except UnknownHidden as exc:
            raise traitlets.TraitError(f"not a canvas the builder can show: {exc}") from exc
        except (TypeError, ValueError) as exc:
            raise traitlets.TraitError(f"not a canvas dict: {exc}") from exc
        try:
            from_dict(real, self._app)
        except CanvasError as exc:
            raise traitlets.TraitError(
                f"not a canvas dict Celery can load, at {exc.path}: {exc.message}"
            ) from exc
        too_big = _unsafe_integer(masked)
        if too_big is not None:
            where, number = too_big
            raise traitlets.TraitError(
                f"not a canvas the builder can show, at {where}: {number} is too large an integer "
                f"for the browser to keep exactly (beyond ±{_SAFE_INTEGER:,}), and an edit there "
                "would change it; run it with cw.run(canvas, app=app) instead"
            )
        self._real = real  # copies (the JSON round trip): later changes to the caller's stay out
        self._browser_values.remember(masked)
        return masked

    def _normalised(self, d: Any) -> Any:
        """Celery's own canvas dict of ``d``: its defaults filled in (a dict from Celery's docs
        may give only ``task`` and ``args``) and every node's ``subtask_type`` written (Celery
        writes none for chunks, xmap and xstarmap), as the browser writes it back after any
        edit. ``d`` itself when ``from_dict`` refuses it (checked below, to say why) or it
        holds hidden arguments' tokens, which only the store reads (the browser's dicts: they
        are written whole)."""
        try:
            return to_dict(from_dict(d, self._app))
        except CanvasError:
            return d

    @traitlets.observe("canvas_dict")
    def _on_canvas_dict(self, change: dict) -> None:
        if change["new"] is None:
            self._real = None
        self._recompute()
        with self._run_lock:
            if self.run_status.get("state", "idle") != "idle":
                edited = self._edited_since_run()
                if edited != self.run_status.get("edited"):
                    self.run_status = {**self.run_status, "edited": edited}

    def _edited_since_run(self) -> bool:
        """Whether the canvas differs from the one the latest run was made from."""
        return self._real != self._run_canvas

    def _recompute(self) -> None:
        d = self._real
        problems: list[dict] = []
        source = ""
        if d is not None:
            problems = [asdict(p) for p in validate(d, self._app)]
            try:
                source = to_python(d)
            except Exception:  # an unfinished canvas (mid-edit) has no source yet; problems say why
                source = ""
        with self.hold_trait_notifications():
            self.problems = problems
            self.python_source = source

    def set_state(self, sync_data: dict) -> None:
        """Take updates from the browser: the canvas dict and the selection only.

        A canvas dict that ``from_dict`` rejects is not taken: the browser gets an error message
        and the last good canvas dict back.
        """
        accepted = {key: value for key, value in sync_data.items() if key not in _COMPUTED}
        if accepted.get("canvas_dict") is not None:
            # Its 1.0s came back as 1s (JavaScript has one kind of number): the kernel's again.
            accepted["canvas_dict"] = self._browser_values.restore(
                accepted["canvas_dict"], self.canvas_dict
            )
        try:
            super().set_state(accepted)
        except traitlets.TraitError as exc:
            error = {"type": "error", "request_id": None, "trait": "canvas_dict", "error": str(exc)}
            self.send(error)
            self.send_state(["canvas_dict", "selected"])

    # --- display ---------------------------------------------------------------------------

    @property
    def view(self) -> ipywidgets.VBox:
        """What displaying the builder shows: a ``VBox`` of the builder and, below it, the live
        result graph of the latest run (an empty box until the first run). Made on first use."""
        if self._view is None:
            self._results = ipywidgets.Box(
                layout=ipywidgets.Layout(flex_flow="column", width="100%")
            )
            self._results.add_class("cw-builder-results")
            with self._run_lock:
                if self._run is not None:  # run from Python before the builder was shown
                    self._results.children = (self._run.graph,)
            self._view = ipywidgets.VBox(
                [self, self._results], layout=ipywidgets.Layout(width="100%")
            )
            self._view.add_class("cw-builder-view")
        return self._view

    def _repr_mimebundle_(self, **kwargs: Any) -> dict | None:
        if self.comm is None:  # closed: nothing to show, as for any closed widget
            return None
        bundle = self.view._repr_mimebundle_(**kwargs)
        if bundle is not None:
            bundle["text/plain"] = repr(self)
        return bundle

    def close(self) -> None:
        """Close the widget and the box it is displayed in (a run's graph stays open: it
        belongs to the run, ``run.graph``)."""
        # getattr: ipywidgets also closes a widget whose constructor refused its arguments.
        for name in ("_view", "_results"):
            part = getattr(self, name, None)
            if part is not None:
                part.close()
            setattr(self, name, None)
        super().close()

    # --- running ---------------------------------------------------------------------------

    @property
    def last_run(self) -> WorkflowRun | None:
        """The :class:`~canvas_widgets.WorkflowRun` of the latest run, or None."""
        return self._run

    def run(self) -> WorkflowRun:
        """Check, freeze, publish and track the canvas (:func:`~canvas_widgets.run`).

        Publishing happens here; waiting for the result happens in a background thread, which
        sets :attr:`run_status` when the run is done or failed. The Run button does the same.
        Where the builder is displayed, the run's live result graph (``run.graph``) appears
        below it, in place of the previous run's.

        Raises
        ------
        CanvasError
            When the canvas is empty or has an error (nothing is sent).
        BrokerUnreachable
            When the broker or the result backend does not answer (nothing is sent).
        """
        if self._real is None:
            raise CanvasError("canvas", "the canvas is empty: drop a task on it first")
        workflow = run_canvas(self.canvas, app=self._app)
        with self._run_lock:
            self._run = workflow
            self._run_canvas = copy.deepcopy(self._real)
            self.run_status = {**_IDLE, "state": "running", "run_id": workflow.id}
            if self._results is not None:  # displayed: show the run's graph below the builder
                self._results.children = (workflow.graph,)
        # Its outcome is shown before wait() returns to anyone (nbconvert keeps what a cell
        # sends while it runs), and read once: the thread waits only for it to settle.
        workflow.on_settled(self._show_outcome)
        threading.Thread(
            target=self._wait_for, args=(workflow,), name=f"cw-builder-{workflow.id}", daemon=True
        ).start()
        return workflow

    def _show_outcome(self, workflow: WorkflowRun) -> None:
        try:
            value = workflow._outcome()
        except Exception as exc:  # whatever the run raised is the run's outcome, shown as text
            self._show_failed(workflow, exc)
        else:
            status = {**_IDLE, "state": "done", "value_repr": self._scrub(short_repr(value))}
            self._show_status(workflow, status)

    def _wait_for(self, workflow: WorkflowRun) -> None:
        # Its outcome is shown as it settles (_show_outcome): here, what ends it unsettled.
        try:
            workflow._wait_settled()
        except Exception as exc:  # its broker gone (RunCutOff), its backend unreadable
            self._show_failed(workflow, exc)

    def _show_failed(self, workflow: WorkflowRun, exc: Exception) -> None:
        self._show_status(
            workflow, {**_IDLE, "state": "failed", "error": self._scrub(_describe(exc))}
        )

    def _show_status(self, workflow: WorkflowRun, status: dict[str, Any]) -> None:
        with self._run_lock:
            if self._run is workflow:  # a later run owns the status now
                edited = self._edited_since_run()
                self.run_status = {**status, "run_id": workflow.id, "edited": edited}

    def _on_custom_msg(self, widget: object, content: object, buffers: object) -> None:
        answer(self, content, {"run": self._run_request})

    def _run_request(self, content: dict) -> dict[str, Any]:
        errors = [p for p in self.problems if p.get("severity") == "error"]
        if errors:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise Refused(f"not run: {errors[0]['path']}: {errors[0]['message']}{more}")
        try:
            workflow = self.run()
        except Exception as exc:  # the reason goes back to the user in the widget
            raise Refused(self._scrub(f"not run: {_describe(exc)}")) from exc
        return {"run_id": workflow.id}

    def _scrub(self, text: str) -> str:
        """Text without the app's broker and backend URLs or any URL's credentials."""
        conf = self._app.conf
        urls = {
            value
            for key in ("broker_url", "broker_read_url", "broker_write_url", "result_backend")
            if isinstance(value := conf.get(key), str) and value
        }
        try:
            connection = self._app.connection_for_write()
            urls |= {connection.as_uri(), connection.as_uri(include_password=True)}
            if connection.hostname and connection.port:  # as client libraries' errors name it
                urls.add(f"{connection.hostname}:{connection.port}")
        except Exception:  # no broker configured or a URL kombu cannot parse: nothing to hide
            pass
        for url in sorted(urls, key=len, reverse=True):
            text = text.replace(url, "<broker>")
        return mask_credentials(text)

    def __repr__(self) -> str:
        d = self.canvas_dict
        what = "empty" if d is None else kind_of(d)
        errors = sum(p.get("severity") == "error" for p in self.problems)
        return f"<CanvasBuilder {self._app.main or 'app'!r}: {what} canvas, {errors} error(s)>"


#: The largest integer a browser's numbers keep exactly (JavaScript's Number.MAX_SAFE_INTEGER).
_SAFE_INTEGER = 2**53 - 1


def _unsafe_integer(value: Any, where: str = "canvas") -> tuple[str, int] | None:
    """Where the first integer the browser would round is in a canvas dict, and the integer.

    >>> _unsafe_integer({"args": [1, 2**60]})
    ('canvas.args[1]', 1152921504606846976)
    >>> _unsafe_integer({"kwargs": {"n": -(2**53 - 1)}}) is None
    True
    """
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _SAFE_INTEGER:
        return where, value
    if isinstance(value, dict):
        items: Iterable[tuple[Any, Any]] = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _unsafe_integer(
            item, f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]"
        )
        if found is not None:
            return found
    return None


def _key_not_text(value: Any, where: str = "canvas") -> tuple[str, Any] | None:
    """Where the first dict key that is not text is in a canvas dict, and the key.

    >>> _key_not_text({"args": [{"a": {1: 2}}]})
    ('canvas.args[0].a', 1)
    >>> _key_not_text({"kwargs": {"x-y": [1]}}) is None
    True
    """
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                return where, key
        items: Iterable[tuple[Any, Any]] = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _key_not_text(item, f"{where}.{key}" if isinstance(key, str) else f"{where}[{key}]")
        if found is not None:
            return found
    return None


def _as_canvas_dict(value: Signature | Mapping | None) -> dict | None:
    if value is None:
        return None
    if isinstance(value, Signature):
        return to_dict(value)
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(
        f"a canvas is a Celery signature, a canvas dict or None, not {type(value).__name__}"
    )


def _catalogue(app: Celery) -> list[dict]:
    # A JSON round trip turns the dataclasses' tuples into lists, as the browser will see them.
    return json.loads(json.dumps([info.to_json() for info in task_catalogue(app)]))


def _custom_types() -> list[dict]:
    return json.loads(json.dumps([info.to_json() for info in custom_types()]))


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
