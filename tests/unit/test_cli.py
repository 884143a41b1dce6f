"""The ``canvas-widgets`` command line, in process: ``show``, and the errors of ``show`` and ``run``
(which all happen before anything is started or sent)."""

import json

import pytest
from celery import chord, signature

import canvas_widgets as cw
from canvas_widgets.cli import main, tree
from canvas_widgets.demo import add, fail, guide_examples, mul, pipeline, xsum

APP = "canvas_widgets.demo:app"


@pytest.fixture
def save(tmp_path):
    def save(canvas, name="canvas.json"):
        path = tmp_path / name
        path.write_text(json.dumps(cw.to_dict(canvas), indent=2))
        return str(path)

    return save


def test_show_prints_the_tree_and_validates(save, capsys):
    path = save(guide_examples()["chord"][0])
    assert main(["show", path, "--app", APP]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "chord"
    assert lines[1] == "├── header: add(0, 0)"
    assert lines[-1] == "└── body: xsum()"
    assert len(lines) == 12
    assert "valid for canvas_widgets.demo:app" in err


def test_show_python_prints_source_that_rebuilds_the_canvas(save, capsys):
    canvas = add.s(2, 2).set(link_error=fail.si("x")) | mul.s(8)
    assert main(["show", save(canvas), "--python"]) == 0
    out, _ = capsys.readouterr()
    source = out.split("\n\n", 1)[1]
    assert source == cw.to_python(canvas)
    namespace: dict = {}
    exec(source, namespace)
    assert cw.to_dict(namespace["canvas"]) == cw.to_dict(canvas)
    assert "│   └── link_error: fail('x') [immutable]" in out


def test_tree_of_nested_pipeline_and_mappings():
    text = tree(pipeline(["valley"], "2023-07"))
    assert text.splitlines() == [
        "chord",
        "├── header: chain",
        "│   ├── fetch('valley', '2023-07')",
        "│   ├── parse()",
        "│   └── summarise()",
        "└── body: report()",
    ]
    assert tree(add.chunks([(1, 2)] * 5, 2)) == "chunks of 2: add() over 5 item(s)"
    assert tree(xsum.map([[1], [2]]).set(countdown=1)) == (
        "map xsum() over 2 item(s)  {countdown=1}"
    )
    hidden = add.s("s3cret", 1).set(argsrepr="('<key>', 1)")
    assert tree(hidden) == "add('<key>', 1)  {argsrepr=\"('<key>', 1)\"}"


def test_show_reports_validation_errors_with_their_paths(save, capsys):
    path = save(add.s(2, 2) | mul.s(8, 3))
    assert main(["show", path, "--app", APP]) == 2
    _, err = capsys.readouterr()
    [line] = err.splitlines()
    assert line.startswith(f"{path}: error: chain.tasks[1]: canvas_widgets.demo.mul(x, y)")


def test_show_reports_unknown_tasks_only_with_an_app(tmp_path, capsys):
    path = tmp_path / "unknown.json"
    path.write_text(json.dumps({"task": "canvas_widgets.demo.nope", "args": [1]}))
    assert main(["show", str(path)]) == 0
    assert capsys.readouterr().err == f"{path}: not validated (--app module:app checks its tasks)\n"
    assert main(["show", str(path), "--app", APP]) == 2
    _, err = capsys.readouterr()
    assert f"{path}: error: task: unknown task 'canvas_widgets.demo.nope'" in err


def _error(capsys) -> str:
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("canvas-widgets: error: ")
    return lines[0].removeprefix("canvas-widgets: error: ")


@pytest.mark.parametrize("command", ["show", "run"])
def test_missing_file(command, tmp_path, capsys):
    path = tmp_path / "nope.json"
    assert main([command, str(path), "--app", APP]) == 2
    assert _error(capsys) == f"{path}: no such file"


@pytest.mark.parametrize("command", ["show", "run"])
def test_bad_json_names_line_and_column(command, tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text('{\n  "task": "canvas_widgets.demo.add",\n  "args": [1, 2,]\n}\n')
    assert main([command, str(path), "--app", APP]) == 2
    assert _error(capsys) == f"{path}:3:17: not valid JSON: Expecting value"


def test_json_that_is_not_an_object(tmp_path, capsys):
    path = tmp_path / "list.json"
    path.write_text("[1, 2]")
    assert main(["show", str(path)]) == 2
    assert _error(capsys) == f"{path}: expected a canvas dict (a JSON object), got a JSON list"


def test_malformed_canvas_names_the_node(tmp_path, capsys):
    path = tmp_path / "malformed.json"
    path.write_text(json.dumps({"task": "celery.group", "subtask_type": "group",
                                "kwargs": {"tasks": [7]}}))  # fmt: skip
    assert main(["show", str(path)]) == 2
    assert _error(capsys) == (
        f"{path}: invalid canvas: group.tasks[0]: expected a signature dict, got int 7"
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("canvas_widgets.demo", "expected module:attribute, for example canvas_widgets.demo:app"),
        ("no_such_module_here:app", "cannot import module 'no_such_module_here': "
                                    "ModuleNotFoundError: No module named 'no_such_module_here'"),
        ("canvas_widgets.demo:nope", "module 'canvas_widgets.demo' has no 'nope'"),
        ("canvas_widgets.demo:STATIONS", "'STATIONS' is a tuple, not a Celery app"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("command", ["show", "run"])
def test_app_that_cannot_be_imported(command, spec, message, save, capsys):
    path = save(add.s(1, 1))
    assert main([command, path, "--app", spec]) == 2
    assert _error(capsys) == f"--app {spec!r}: {message}"


def test_run_refuses_an_invalid_canvas_before_starting_anything(save, capsys):
    path = save(chord([add.s(1, 1)], mul.s(2, 3)))
    assert main(["run", path, "--app", APP, "--local"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "starting" not in err
    assert err.startswith(f"{path}: error: chord.body: ")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--workers", "0", "argument --workers: must be at least 1, got 0"),
        ("--workers", "two", "argument --workers: expected a whole number, got 'two'"),
        ("--timeout", "-1", "argument --timeout: must be more than 0 seconds, got -1"),
        ("--timeout", "nan", "argument --timeout: must be more than 0 seconds, got nan"),
    ],
)
def test_run_refuses_counts_and_times_that_cannot_be(option, value, message, save, capsys):
    # Before anything starts: a LocalCluster of no worker raised a traceback.
    with pytest.raises(SystemExit) as exc:
        main(["run", save(add.s(1, 1)), "--app", APP, "--local", option, value])
    assert exc.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(message)


def test_run_without_a_broker_says_how_to_start_one_here(save, tmp_path, monkeypatch, capsys):
    (tmp_path / "lonely_app.py").write_text(
        "from celery import Celery\n"
        "url = 'redis://127.0.0.1:9/0'  # nothing listens there\n"
        "app = Celery('lonely', broker=url, backend=url, set_as_current=False)\n"
        "@app.task(name='lonely.add')\n"
        "def add(x, y):\n"
        "    return x + y\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["run", save(signature("lonely.add", args=(1, 1))), "--app", "lonely_app:app"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("canvas-widgets: cannot reach the broker at redis://")
    assert error.endswith(
        "Nothing was sent. Is it running? (--local starts a LocalCluster of the app.)"
    )


def test_run_needs_an_app(save, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", save(add.s(1, 1))])
    assert exc.value.code == 2
    assert "--app" in capsys.readouterr().err


def test_demo_copies_the_tutorials_and_keeps_edited_ones(tmp_path):
    from canvas_widgets.cli import copy_tutorials

    first = copy_tutorials(tmp_path)
    assert "01-quickstart.ipynb" in first and len(first) >= 7
    (tmp_path / "01-quickstart.ipynb").write_text("{}")  # the user's edit
    (tmp_path / "03-primitives.ipynb").unlink()
    assert copy_tutorials(tmp_path) == ["03-primitives.ipynb"]
    assert (tmp_path / "01-quickstart.ipynb").read_text() == "{}"
