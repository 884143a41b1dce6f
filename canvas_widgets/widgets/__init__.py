"""The notebook widgets: thin anywidget classes (traits and message handlers only).

The logic they show lives in the modules beside this package (canvas model, validation,
catalogue, Python source, run); each widget's front end is bundled from ``js/`` into
``canvas_widgets/static/``.
"""

from .builder import CanvasBuilder
from .result_graph import ResultGraph

__all__ = ["CanvasBuilder", "ResultGraph"]
