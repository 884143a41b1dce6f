"""The ``canvas-widgets`` command line: ``demo``, ``show`` and ``run``.

::

    canvas-widgets demo [--dir DIR] [--workers N]   # a cluster, and JupyterLab on the quickstart
    canvas-widgets show pipeline.json [--app mod:app] [--python]
    canvas-widgets run pipeline.json --app mod:app [--local] [--timeout S]

``demo`` copies the tutorial notebooks into ``DIR`` (``canvas-widgets-tutorials``; notebooks
already there are kept, edits and all), starts a LocalCluster of the demo app and JupyterLab on
the quickstart. The notebooks use that cluster (``canvas_widgets.demo.local_cluster()``); Ctrl-C
stops JupyterLab and the cluster.

``show`` prints a saved canvas dict as a tree (and validates it against the app, when given);
``run`` runs it on the app's configured broker, or on a fresh ``LocalCluster`` with ``--local``,
showing live progress on stderr and printing the final value on stdout.

Exit codes: 0 done; 1 the run failed or timed out; 2 bad input (a missing file, bad JSON, an app
that cannot be imported, an invalid canvas), each reported in one line saying what and where.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from celery import Celery
from celery.canvas import Signature, maybe_signature

from .display import mask_credentials

__all__ = ["main", "tree"]

QUICKSTART = "01-quickstart.ipynb"
PROG = "canvas-widgets"
_NO_ISOLATES = dict.fromkeys(range(0x2066, 0x206A))


class InputError(Exception):
    """Bad input: reported in one line, exit code 2."""


# --------------------------------------------------------------------------------------- demo


def notebooks_dir() -> Path:
    """Where the tutorial notebooks are: inside the installed package, or in the source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "notebooks", here.parent / "notebooks"):
        if (candidate / QUICKSTART).is_file():
            return candidate
    raise SystemExit(f"{PROG}: cannot find the tutorial notebooks (looked for {QUICKSTART})")


def copy_tutorials(directory: Path) -> list[str]:
    """Copy the tutorial notebooks that ``directory`` lacks into it; return their names."""
    directory.mkdir(parents=True, exist_ok=True)
    copied = []
    for notebook in sorted(notebooks_dir().glob("*.ipynb")):
        target = directory / notebook.name
        if not target.exists():
            shutil.copyfile(notebook, target)
            copied.append(notebook.name)
    return copied


def demo(args: argparse.Namespace) -> int:
    """Start the demo app's LocalCluster, then JupyterLab on the quickstart, until Ctrl-C."""
    from .cluster import ClusterError, LocalCluster
    from .demo import CLUSTER_ENV
    from .demo import app as demo_app

    directory = Path(args.dir).resolve()
    if directory.exists() and not directory.is_dir():
        raise InputError(f"--dir {args.dir}: not a directory")
    copied = copy_tutorials(directory)
    kept = len(list(directory.glob("*.ipynb"))) - len(copied)
    print(f"{PROG}: tutorials in {directory}: {len(copied)} copied, {kept} kept", flush=True)
    try:
        cluster = LocalCluster(demo_app, workers=args.workers)
    except ClusterError as exc:
        print(f"{PROG}: error: the cluster did not start: {exc}", file=sys.stderr)
        return 1
    with cluster:
        print(
            f"{PROG}: cluster running: Redis at {cluster.broker_url}, "
            f"{len(cluster.workers)} worker(s) {', '.join(cluster.workers)}",
            flush=True,
        )
        command = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={directory}"]
        command += [f"--port={args.port}", str(directory / QUICKSTART)]
        if args.no_browser:
            command.append("--no-browser")
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers often run as root
            command.append("--allow-root")
        extra = args.jupyter_args
        command += extra[1:] if extra[:1] == ["--"] else extra
        print(f"{PROG}: opening {directory / QUICKSTART} in JupyterLab (Ctrl-C stops both)")
        # SIGTERM (from a service manager, say) stops things as Ctrl-C does.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        lab = subprocess.Popen(command, env={**os.environ, CLUSTER_ENV: cluster.broker_url})
        try:
            return lab.wait()
        except KeyboardInterrupt:  # JupyterLab shuts its kernels down on SIGTERM, then the cluster
            lab.terminate()
            lab.wait()
            return 130


# ------------------------------------------------------------------------------ reading input


def load_canvas_file(path: str) -> dict:
    """Read a canvas dict from a JSON file; :class:`InputError` names the file (and line)."""
    file = Path(path)
    if not file.is_file():
        what = "is a directory" if file.is_dir() else "no such file"
        raise InputError(f"{path}: {what}")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read it: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise InputError(
            f"{path}: expected a canvas dict (a JSON object), got a JSON {type(data).__name__}"
        )
    return data


def load_app(spec: str) -> Celery:
    """Import ``module:attribute`` and return the Celery app it names (the working directory
    is importable, as for ``celery -A``)."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise InputError(
            f"--app {spec!r}: expected module:attribute, for example canvas_widgets.demo:app"
        )
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise InputError(
            f"--app {spec!r}: cannot import module {module_name!r}: {type(exc).__name__}: {exc}"
        ) from exc
    app: Any = module
    for part in attribute.split("."):
        try:
            app = getattr(app, part)
        except AttributeError:
            raise InputError(
                f"--app {spec!r}: module {module_name!r} has no {attribute!r}"
            ) from None
    if not isinstance(app, Celery):
        raise InputError(
            f"--app {spec!r}: {attribute!r} is a {type(app).__name__}, not a Celery app"
        )
    return app


def load_canvas(path: str, d: dict, app: Celery | None) -> tuple[Signature, list]:
    """Build the canvas and validate it; :class:`InputError` for a malformed dict. Returns the
    signature and the validation problems."""
    from .canvas import CanvasError, from_dict
    from .validation import validate

    try:
        sig = from_dict(d, app)
    except CanvasError as exc:
        raise InputError(f"{path}: invalid canvas: {exc}") from exc
    return sig, validate(d, app)


def report_problems(path: str, problems: list) -> bool:
    """Print each problem on one line (to stderr); return True if any is an error."""
    for problem in problems:
        print(f"{path}: {problem.severity}: {problem.path}: {problem.message}", file=sys.stderr)
    return any(p.severity == "error" for p in problems)


# --------------------------------------------------------------------------------------- show


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _call(sig: Signature) -> str:
    """A task's call as the graph labels it (argsrepr/kwargsrepr hide what they stand for)."""
    from .graph import node_label

    attributes = {
        "name": sig.task,
        "kind": "task",
        "args": sig.args,
        "kwargs": sig.kwargs,
        "options": sig.options,
    }
    # Without the bidi isolates labels have for views that lay text out (terminals do not).
    text = node_label(attributes, width=80).translate(_NO_ISOLATES)
    return text + (" [immutable]" if sig.immutable else "")


def _label(sig: Signature) -> str:
    from .canvas import kind_of

    kind = kind_of(sig)
    if kind in ("map", "starmap"):
        inner = maybe_signature(sig.kwargs["task"])
        label = f"{kind} {_call(inner)} over {len(sig.kwargs['it'])} item(s)"
    elif kind == "chunks":
        inner = maybe_signature(sig.kwargs["task"])
        label = f"chunks of {sig.kwargs['n']}: {_call(inner)} over {len(sig.kwargs['it'])} item(s)"
    elif kind == "task":
        label = _call(sig)
    else:
        label = kind
    options = {k: v for k, v in sig.options.items() if k not in ("link", "link_error")}
    if options:
        label += "  {" + ", ".join(f"{k}={v!r}" for k, v in options.items()) + "}"
    return label


def _children(sig: Signature) -> list[tuple[str, Signature]]:
    from .canvas import children, kind_of

    out = []
    for suffix, child in children(sig):
        prefix = "body: " if suffix == ".body" else ""
        if kind_of(sig) == "chord" and suffix != ".body":
            prefix = "header: "
        out.append((prefix, child))
    for key in ("link", "link_error"):
        callbacks = sig.options.get(key) or []
        if isinstance(callbacks, Mapping):
            callbacks = [callbacks]
        out += [(f"{key}: ", maybe_signature(cb, app=sig._app)) for cb in callbacks]
    return out


def tree(canvas: Signature | Mapping) -> str:
    """The canvas as an indented tree, one node a line.

    Examples
    --------
    >>> from celery import chord
    >>> from canvas_widgets.demo import add, xsum
    >>> print(tree(chord([add.s(1, 1), add.s(2, 2)], xsum.s().set(countdown=1))))
    chord
    ├── header: add(1, 1)
    ├── header: add(2, 2)
    └── body: xsum()  {countdown=1}
    """
    from .canvas import from_dict

    sig = canvas if isinstance(canvas, Signature) else from_dict(canvas)
    lines = [_label(sig)]

    def walk(node: Signature, indent: str) -> None:
        kids = _children(node)
        for i, (prefix, child) in enumerate(kids):
            last = i == len(kids) - 1
            lines.append(f"{indent}{'└── ' if last else '├── '}{prefix}{_label(child)}")
            walk(child, indent + ("    " if last else "│   "))

    walk(sig, "")
    return "\n".join(lines)


def show(args: argparse.Namespace) -> int:
    """Print a saved canvas as a tree (and as Python), validated against --app when given."""
    from .python_source import to_python

    d = load_canvas_file(args.file)
    app = load_app(args.app) if args.app else None
    sig, problems = load_canvas(args.file, d, app)
    print(tree(sig))
    if args.python:
        print()
        print(to_python(sig), end="")
    failed = report_problems(args.file, problems)
    if app is None:
        print(f"{args.file}: not validated (--app module:app checks its tasks)", file=sys.stderr)
    elif not problems:
        print(f"{args.file}: valid for {args.app}", file=sys.stderr)
    return 2 if failed else 0


# ---------------------------------------------------------------------------------------- run


def _print_value(value: Any) -> None:
    if isinstance(value, str):
        print(value)
        return
    try:
        print(json.dumps(value))
    except (TypeError, ValueError):
        print(repr(value))


def _failure_lines(workflow: Any) -> list[str]:
    from .tracking import STOPPED

    lines = []
    graph = workflow._graph
    for task_id, state in workflow.states.items():
        if state in STOPPED:
            info = workflow.info(task_id)
            what = mask_credentials(str(info.get("exception") or state))
            lines.append(
                f"{state}: {_short(info['name'])} at {graph.nodes[task_id]['path']} "
                f"(task {task_id}): {what}"
            )
    return lines


def _follow(workflow: Any, timeout: float | None) -> bool:
    """Show live progress on stderr until the run is done; False if it timed out."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .tracking import TERMINAL

    # Run by a notebook's `!` (a child of its kernel, which sets JPY_PARENT_PID), stderr is a
    # terminal whose output the notebook shows without its cursor moves: every redraw of the
    # live display would stay, run together. There, only the final state is printed.
    in_notebook = "JPY_PARENT_PID" in os.environ
    console = Console(stderr=True, force_terminal=False if in_notebook else None)
    total = len(workflow.task_ids)
    deadline = None if timeout is None else time.monotonic() + timeout
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        bar = progress.add_task("tasks", total=total, counts="")
        stuck = None  # said once, when it changes
        while True:
            if workflow.stuck != stuck:
                stuck = workflow.stuck
                if stuck is not None:
                    progress.console.print(f"{PROG}: {mask_credentials(stuck)}")
            settled = workflow._settle()  # done, and its final states read: shown last
            snapshot = workflow.states
            finished = sum(state in TERMINAL for state in snapshot.values())
            counts = collections.Counter(snapshot.values())
            text = " ".join(f"{s.lower()}={n}" for s, n in sorted(counts.items()))
            progress.update(bar, completed=finished, counts=text)
            if settled:
                return True
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(0.1)


def _revoke(workflow: Any, stop: bool, what: str) -> str:
    """Revoke what of a run given up on is not finished (stopping the running tasks too, with
    ``stop``); say what became of them."""
    try:
        revoked = workflow.revoke(terminate=stop)
    except (RuntimeError, ConnectionError) as exc:  # a broker without remote control, or gone
        return f"not revoked: {exc}"
    return f"{'revoked (the running ones stopped)' if stop else 'revoked'} {len(revoked)} {what}"


def run_command(args: argparse.Namespace) -> int:
    """Run a saved canvas on the app's cluster (or a LocalCluster with --local)."""
    from .cluster import ClusterError, LocalCluster
    from .run import START_A_BROKER, BrokerUnreachable, PublishFailed, UnsupportedBackend, run
    from .tracking import LOCAL_REDIS

    d = load_canvas_file(args.file)
    app = load_app(args.app)
    _, problems = load_canvas(args.file, d, app)
    if report_problems(args.file, problems):
        return 2
    cluster = None
    try:
        if args.local:
            print(f"{PROG}: starting a LocalCluster of {args.app} ...", file=sys.stderr)
            try:
                cluster = LocalCluster(app, workers=args.workers)
            except ClusterError as exc:
                first = str(exc).splitlines()[0]
                print(f"{PROG}: error: cannot start a LocalCluster of {args.app}: {first}",
                      file=sys.stderr)  # fmt: skip
                return 2
        try:
            workflow = run(d, app=app)
        except BrokerUnreachable as exc:
            message = str(exc).replace(
                START_A_BROKER, "(--local starts a LocalCluster of the app.)"
            )
            print(f"{PROG}: {message}", file=sys.stderr)
            return 2
        except UnsupportedBackend as exc:
            message = str(exc).replace(LOCAL_REDIS, "--local runs it on a LocalCluster's Redis.")
            print(f"{PROG}: error: {message}", file=sys.stderr)
            return 2
        except PublishFailed as exc:
            print(f"{PROG}: {exc}", file=sys.stderr)
            return 1
        print(f"{PROG}: run {workflow.id}: {len(workflow.task_ids)} task(s)", file=sys.stderr)
        # Given up on a LocalCluster of its own, which closes next: the tasks running are
        # stopped too, rather than waited for by its workers' shutdown.
        stop = cluster is not None
        try:
            finished = _follow(workflow, args.timeout)
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted; {_revoke(workflow, stop, 'task(s)')}", file=sys.stderr)
            return 130
        if not finished:
            print(
                f"{PROG}: timed out after {args.timeout:g} s: {workflow!r}; "
                f"{_revoke(workflow, stop, 'unfinished task(s)')}",
                file=sys.stderr,
            )
            return 1
        try:
            value = workflow.wait(timeout=30)
        except Exception as exc:
            print(f"{PROG}: the run failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            for line in _failure_lines(workflow):
                print(f"  {line}", file=sys.stderr)
            return 1
        _print_value(value)
        return 0
    finally:
        if cluster is not None:
            cluster.close()


# --------------------------------------------------------------------------------------- main


def _at_least_one(text: str) -> int:
    """An argument that counts something there must be one of at least."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _seconds(text: str) -> float:
    """A time to wait: more than zero seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:  # NaN too
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, got {text}")
    return value


def main(argv: list[str] | None = None) -> int:
    """The command line; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Build, run and watch Celery canvas workflows."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo_parser = commands.add_parser(
        "demo", help="start a cluster of the demo app and JupyterLab on the quickstart notebook"
    )
    demo_parser.add_argument(
        "--dir", default="canvas-widgets-tutorials", help="where to copy the tutorial notebooks"
    )
    demo_parser.add_argument("--workers", type=_at_least_one, default=1, help="worker processes")
    demo_parser.add_argument("--port", type=int, default=8888, help="JupyterLab's port")
    demo_parser.add_argument(
        "--no-browser", action="store_true", help="do not open JupyterLab in a browser"
    )
    demo_parser.add_argument(
        "jupyter_args", nargs=argparse.REMAINDER, help="passed on to jupyter lab (after --)"
    )
    demo_parser.set_defaults(handler=demo)

    show_parser = commands.add_parser(
        "show", help="print a saved canvas dict as a tree, and validate it"
    )
    show_parser.add_argument("file", help="a canvas dict saved as JSON")
    show_parser.add_argument("--app", help="module:app to validate against")
    show_parser.add_argument("--python", action="store_true", help="also print Python source")
    show_parser.set_defaults(handler=show)

    run_parser = commands.add_parser("run", help="run a saved canvas dict, with live progress")
    run_parser.add_argument("file", help="a canvas dict saved as JSON")
    run_parser.add_argument("--app", required=True, help="module:app whose tasks it calls")
    run_parser.add_argument(
        "--local", action="store_true", help="run on a fresh LocalCluster of the app"
    )
    run_parser.add_argument("--workers", type=_at_least_one, default=1, help="LocalCluster workers")
    run_parser.add_argument(
        "--timeout", type=_seconds, default=None, help="seconds to wait (then revoke)"
    )
    run_parser.set_defaults(handler=run_command)

    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except InputError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
