"""Canvas types of your own: what canvas_widgets asks of a signature type beyond Celery's six.

Celery reads a canvas dict back into the class registered for its ``subtask_type``
(``@Signature.register_type()``). canvas_widgets understands such a class when it says what it
stands for in Celery's own primitives:

``expand(self) -> Signature`` (required)
    The canvas this signature means, built from chain, group, chord and tasks. Before a run,
    :func:`~canvas_widgets.canonical` replaces the signature by its expansion, so that every
    task of it is known (and drawn) before it runs. Raise ``ValueError`` when it cannot be
    expanded yet, for example when its input is the previous chain step's result; it then runs
    as the one task it is on the wire, and its inside shows only on the workers.
``canvas_slots: Mapping[str, bool]`` (optional class attribute)
    The keyword arguments that hold a signature (a nested canvas), each with whether it is
    required. They are loaded and checked like any canvas, and drawn as slots in the builder.
``canvas_template() -> Signature`` (optional classmethod)
    A fresh example, offered in the builder's palette.

:mod:`canvas_widgets.weave` is a complete example.

Examples
--------
>>> from canvas_widgets.weave import weave
>>> info = custom_type("weave")
>>> info.cls is weave, info.slots
(True, {'task': True, 'join': False})
>>> custom_type("chord") is None
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from celery.canvas import Signature

__all__ = ["CELERY_TYPES", "CustomType", "custom_type", "custom_types"]

#: The ``subtask_type`` values of Celery's own primitives.
CELERY_TYPES = frozenset({"chain", "group", "chord", "xmap", "xstarmap", "chunks"})


@dataclass(frozen=True)
class CustomType:
    """A registered signature type that canvas_widgets understands (it has ``expand()``).

    Attributes
    ----------
    name : str
        Its ``subtask_type``.
    cls : type
        The registered ``Signature`` subclass.
    slots : dict
        Keyword argument name -> whether it is required, for the kwargs that hold signatures.
    """

    name: str
    cls: type[Signature]
    slots: dict[str, bool]

    @property
    def doc(self) -> str:
        """The first line of the class's docstring."""
        return (self.cls.__doc__ or "").strip().split("\n", 1)[0].replace("``", "")

    def template(self) -> Signature | None:
        """A fresh example for the builder's palette, or None if the type offers none."""
        make = getattr(self.cls, "canvas_template", None)
        return make() if make is not None else None

    def to_json(self) -> dict[str, Any]:
        """What the builder needs: name, task, doc, slots and a template canvas dict (or None)."""
        from .canvas import to_dict  # canvas imports this module

        template = self.template()
        return {
            "type": self.name,
            "task": template.task if template is not None else None,
            "doc": self.doc,
            "slots": [{"name": n, "required": r} for n, r in self.slots.items()],
            "template": to_dict(template) if template is not None else None,
        }


def custom_type(name: object) -> CustomType | None:
    """The custom type registered under ``name``, or None (for Celery's own types, for names
    nobody registered, and for registered classes without ``expand()``)."""
    if not isinstance(name, str) or name in CELERY_TYPES:
        return None
    cls = Signature.TYPES.get(name)
    if cls is None or not callable(getattr(cls, "expand", None)):
        return None
    slots: Mapping[str, bool] = getattr(cls, "canvas_slots", {})
    return CustomType(name, cls, {str(k): bool(v) for k, v in slots.items()})


def custom_types() -> list[CustomType]:
    """Every registered custom type canvas_widgets understands, by name."""
    found = (custom_type(name) for name in sorted(Signature.TYPES))
    return [info for info in found if info is not None]
