"""Result backends a run cannot follow its tasks with are refused before anything is sent, and
the run's own records (for attach) go where the backend keeps them."""

from __future__ import annotations

import json
import uuid

import pytest
from celery import Celery, chain, chord

import canvas_widgets as cw
from canvas_widgets.cli import _revoke, main
from canvas_widgets.run import UnsupportedBackend, WorkflowRun
from canvas_widgets.widgets._requests import Refused

# No broker listens on port 1: a run that went on would fail trying it (BrokerUnreachable).
BROKER = "redis://127.0.0.1:1/0"


def add(x, y):
    return x + y


def tsum(numbers):
    return sum(numbers)


#: Apps as Celery's tutorials configure them; the command line imports them from here.
rpc_app = Celery("rpc_tutorial", broker=BROKER, backend="rpc://", set_as_current=False)
no_backend_app = Celery("no_backend", broker=BROKER, set_as_current=False)
for _app in (rpc_app, no_backend_app):
    _app.task(name="add")(add)
    _app.task(name="tsum")(tsum)


@pytest.mark.parametrize(
    ("app", "why"),
    [
        (
            rpc_app,
            r'"rpc" backend \(RPCBackend\), which sends each result as a message .* read once',
        ),
        (no_backend_app, r"the app has no result backend"),
    ],
)
def test_a_run_on_a_backend_it_cannot_read_is_refused_saying_what_works(app, why):
    adds, sums = app.tasks["add"], app.tasks["tsum"]
    for canvas in (chain(adds.s(1, 2), adds.s(3)), chord([adds.si(1, 1)], sums.s())):
        with pytest.raises(UnsupportedBackend, match=why) as refused:
            cw.run(canvas, app=app)
        assert "backend='redis://...'" in str(refused.value)
        assert "db+sqlite:///results.sqlite" in str(refused.value)
        assert str(refused.value).endswith("Nothing was sent.")
    with pytest.raises(UnsupportedBackend, match=f"cannot attach run 'r1': .*{why}"):
        WorkflowRun.attach("r1", app)


def test_the_command_line_refuses_it_too_pointing_to_local(tmp_path, capsys):
    path = tmp_path / "canvas.json"
    path.write_text(json.dumps(cw.to_dict(rpc_app.tasks["add"].s(1, 2))))

    assert main(["run", str(path), "--app", f"{__name__}:rpc_app"]) == 2

    err = capsys.readouterr().err
    assert "error: the app's result backend is Celery's \"rpc\" backend" in err
    assert "--local runs it on a LocalCluster's Redis." in err


def test_a_runs_record_is_kept_under_a_key_of_the_backends_own_type(tmp_path):
    # The file system backend's keys are bytes (Redis's, text): storing the run's record
    # under a text key raised TypeError from inside Celery, before anything was sent.
    app = Celery("records", broker="memory://", backend=f"file://{tmp_path}", set_as_current=False)
    adds = app.task(name="add")(add)
    run = WorkflowRun(app, cw.freeze(chain(adds.si(1, 2), adds.s(3)), app), str(uuid.uuid4()))

    run._store()

    stored = (tmp_path / f"canvas-widgets-run-{run.id}").read_text()
    assert json.loads(stored)["canvas"] == run.canvas_dict


def test_the_builder_says_which_backend_it_is_though_it_hides_the_apps_urls():
    builder = cw.CanvasBuilder(rpc_app, canvas=rpc_app.tasks["add"].s(1, 2))
    try:
        with pytest.raises(Refused, match=r'not run: UnsupportedBackend: .*"rpc" backend \(RPC'):
            builder._run_request({})
    finally:
        builder.close()


def test_a_memory_backend_no_worker_of_this_process_shares_is_refused():
    # Started later, a worker would be one of another process, whose results never reach this
    # one: the run would end with None for every result. (One of this process that answers
    # runs: tests/cluster/test_backends.py.)
    app = Celery("alone", broker="memory://", backend="cache+memory://", set_as_current=False)
    adds = app.task(name="add")(add)

    with pytest.raises(UnsupportedBackend, match=r"in-memory cache .* no worker answered"):
        cw.run(adds.si(1, 2), app=app)


def test_the_command_line_says_a_revoke_failed_when_it_gives_a_run_up():
    # On a broker without remote control, revoke() raises: given up on (timeout, Ctrl-C), the
    # command line said nothing of it but a traceback.
    class NoControl:
        def revoke(self, terminate=False):
            raise RuntimeError("cannot revoke: the broker ... carries no remote control")

    text = _revoke(NoControl(), False, "unfinished task(s)")

    assert text == "not revoked: cannot revoke: the broker ... carries no remote control"


def test_a_database_backend_reads_many_tasks_in_a_few_queries_as_celery_reads_each(tmp_path):
    pytest.importorskip("sqlalchemy")
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from canvas_widgets.tracking import fetch_states, readable

    app = Celery(backend=f"db+sqlite:///{tmp_path / 'results.sqlite'}", set_as_current=False)
    backend = app.backend
    ids = [str(uuid.uuid4()) for _ in range(600)]  # two queries' worth
    for i, task_id in enumerate(ids[:550]):  # the last 50 have no record (PENDING)
        if i % 3 == 0:
            backend.store_result(task_id, i, "SUCCESS")
        elif i % 3 == 1:
            backend.store_result(task_id, ValueError(f"bad {i}"), "FAILURE", traceback="tb")
        else:
            backend.store_result(task_id, {"current": i, "total": 600}, "PROGRESS")
    celery_reads = {t: backend.get_task_meta(t, cache=False) for t in ids}
    statements: list[str] = []

    def executed(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    # On every engine: Celery makes one per session outside a worker.
    event.listen(Engine, "before_cursor_execute", executed)
    try:
        metas = fetch_states(app, ids)
        present = readable(app, ids, decoded=False)
    finally:
        event.remove(Engine, "before_cursor_execute", executed)

    reads = [q for q in statements if q.startswith("SELECT") and "FROM celery_taskmeta" in q]
    assert len(reads) == 4  # two for the rows, two for the ids: not one per task (1,200)
    assert metas.keys() == present == set(ids[:550])
    for task_id, meta in metas.items():
        expected = celery_reads[task_id]
        assert (meta["status"], meta["traceback"]) == (expected["status"], expected["traceback"])
        assert repr(meta["result"]) == repr(expected["result"])  # exceptions compare by repr
