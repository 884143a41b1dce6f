"""The ``canvas-widgets`` command line."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

__all__ = ["main"]

QUICKSTART = "01-quickstart.ipynb"


def notebooks_dir() -> Path:
    """Where the tutorial notebooks are: inside the installed package, or in the source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "notebooks", here.parent / "notebooks"):
        if (candidate / QUICKSTART).is_file():
            return candidate
    raise SystemExit(
        f"canvas-widgets: cannot find the tutorial notebooks (looked for {QUICKSTART})"
    )


def demo(args: argparse.Namespace) -> int:
    """Open JupyterLab on the quickstart notebook, which starts the embedded cluster itself."""
    notebooks = notebooks_dir()
    command = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={notebooks}"]
    command += [f"--port={args.port}", QUICKSTART]
    if args.no_browser:
        command.append("--no-browser")
    print(f"canvas-widgets: opening {notebooks / QUICKSTART} in JupyterLab", flush=True)
    return subprocess.call(command)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="canvas-widgets", description="Build, run and watch Celery canvas workflows."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="open JupyterLab on the quickstart notebook")
    demo_parser.add_argument("--port", type=int, default=8888)
    demo_parser.add_argument("--no-browser", action="store_true")
    demo_parser.set_defaults(handler=demo)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
