"""An app in eager mode runs tasks inline and stores nothing: a run refuses it at once."""

from __future__ import annotations

import pytest
from celery import Celery, chain

import canvas_widgets as cw


def test_a_run_of_an_eager_app_is_refused_before_anything_runs_or_is_sent():
    # No broker listens on port 1: a run that went on would fail trying it, or hang.
    url = "redis://127.0.0.1:1/0"
    app = Celery("eager", broker=url, backend=url, set_as_current=False)
    app.conf.task_always_eager = True
    ran: list[int] = []

    @app.task
    def note(x):
        ran.append(x)
        return x

    with pytest.raises(RuntimeError, match=r"task_always_eager .* canvas\.apply\(\)"):
        cw.run(chain(note.s(1), note.s()), app=app)

    assert ran == []
    assert chain(note.s(1), note.s()).apply().get() == 1  # what the error points to works
    assert ran == [1, 1]
