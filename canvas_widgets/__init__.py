"""canvas_widgets: build Celery canvas workflows visually in Jupyter, run them, watch them live.

The canvas dict (Celery's own JSON form of a signature) is the document everything works on:

>>> import canvas_widgets as cw
>>> from canvas_widgets.demo import add, app, mul
>>> d = cw.to_dict(add.s(2, 2) | mul.s(8))
>>> cw.validate(d, app)
[]
>>> cw.to_dict(cw.from_dict(d, app)) == d
True
"""

from .canvas import CanvasError, canonical, freeze, from_dict, to_dict
from .catalogue import Parameter, TaskInfo, task_catalogue
from .cluster import ClusterError, LocalCluster
from .graph import to_dot, to_html, workflow_graph
from .python_source import to_python
from .retry import RetryError, retry_canvas
from .run import (
    BrokerUnreachable,
    NotTerminated,
    PublishFailed,
    RunCutOff,
    TaskFailed,
    UnsupportedBackend,
    WorkerLost,
    WorkflowRun,
    report_progress,
    run,
)
from .validation import Problem, check, validate
from .widgets import CanvasBuilder, ResultGraph

__all__ = [
    "BrokerUnreachable",
    "CanvasBuilder",
    "CanvasError",
    "ClusterError",
    "LocalCluster",
    "NotTerminated",
    "Parameter",
    "Problem",
    "PublishFailed",
    "ResultGraph",
    "RetryError",
    "RunCutOff",
    "TaskFailed",
    "TaskInfo",
    "UnsupportedBackend",
    "WorkerLost",
    "WorkflowRun",
    "canonical",
    "check",
    "freeze",
    "from_dict",
    "report_progress",
    "retry_canvas",
    "run",
    "task_catalogue",
    "to_dict",
    "to_dot",
    "to_html",
    "to_python",
    "validate",
    "workflow_graph",
]
