"""``canvas-widgets run --local``: a saved canvas dict runs on a fresh LocalCluster, in process."""

import contextlib
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from celery import chain, chord

import canvas_widgets as cw
from canvas_widgets.cli import main
from canvas_widgets.demo import add, fail, guide_examples, pipeline, sleep, xsum

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
    # The progress display ends with the final states: the body failed too (ChordError).
    assert "3/3 failure=2 success=1" in err


def test_run_local_timed_out_stops_what_runs_on_its_own_cluster(tmp_path, capsys):
    # Its cluster closes next: a task left running would hold the workers' shutdown.
    path = _save(tmp_path, chain(sleep.si(60), add.si(1, 1)))
    assert main(["run", path, "--app", APP, "--local", "--timeout", "3"]) == 1
    _, err = capsys.readouterr()
    assert "timed out after 3 s" in err
    assert "revoked (the running ones stopped) 2 unfinished task(s)" in err


@pytest.mark.parametrize("in_notebook", [False, True])
def test_run_in_a_terminal_redraws_its_progress_except_under_a_notebook(tmp_path, in_notebook):
    # A notebook's `!` runs commands on a pseudo-terminal but shows their output without the
    # cursor moves of a live display: there (a child of a kernel: JPY_PARENT_PID) it draws once.
    path = _save(tmp_path, chain(sleep.si(0.5), add.si(1, 1)))
    env = {k: v for k, v in os.environ.items() if k != "JPY_PARENT_PID"}
    if in_notebook:
        env["JPY_PARENT_PID"] = str(os.getpid())
    leader, follower = pty.openpty()
    cli = str(Path(sys.executable).with_name("canvas-widgets"))  # the installed command
    command = [cli, "run", path, "--app", APP, "--local"]
    with subprocess.Popen(command, stdout=follower, stderr=follower, env=env) as process:
        os.close(follower)
        output = b""
        with contextlib.suppress(OSError):  # EIO once the command has exited
            while chunk := os.read(leader, 4096):
                output += chunk
    os.close(leader)
    assert process.returncode == 0, output
    text = output.decode()
    assert "2/2" in text and "success=2" in text
    redraws = text.count("\x1b[2K")  # rich's "erase the line" before each redraw
    assert (redraws == 0) if in_notebook else (redraws > 1), repr(text)
