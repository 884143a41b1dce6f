"""``canvas-widgets run --local``: a saved canvas dict runs on a fresh LocalCluster, in process."""

import json

import pytest
from celery import chord

import canvas_widgets as cw
from canvas_widgets.cli import main
from canvas_widgets.demo import add, fail, guide_examples, pipeline, xsum

pytestmark = pytest.mark.cluster

APP = "canvas_widgets.demo:app"


def _save(tmp_path, canvas):
    path = tmp_path / "canvas.json"
    path.write_text(json.dumps(cw.to_dict(canvas)))
    return str(path)


def test_run_local_prints_the_chords_value(tmp_path, capsys):
    path = _save(tmp_path, guide_examples()["chord"][0])
    assert main(["run", path, "--app", APP, "--local", "--timeout", "120"]) == 0
    out, err = capsys.readouterr()
    assert out == "90\n"
    assert "11/11" in err  # the progress display, at its end
    assert "success=11" in err


def test_run_local_pipeline_prints_its_report(tmp_path, capsys):
    path = _save(tmp_path, pipeline(["valley", "steppe"], "2023-07"))
    assert main(["run", path, "--app", APP, "--local", "--timeout", "120"]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[1:] == [
        "steppe     31     28.6  34.7  10.9     13.5",
        "valley     31     27.5  32.5  14.9     73.2",
    ]


def test_run_local_failing_canvas_exits_non_zero_naming_the_task(tmp_path, capsys):
    path = _save(tmp_path, chord([add.s(1, 1), fail.si("boom")], xsum.s()))
    assert main(["run", path, "--app", APP, "--local", "--timeout", "120"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "canvas-widgets: the run failed: " in err
    assert "FAILURE: fail at chord.header[1] (task " in err
    assert "ValueError('boom')" in err
