"""Where the widgets' front-end bundles are, and what to show when one was not built."""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["STATIC", "bundle"]

STATIC = Path(__file__).resolve().parent.parent / "static"

# Shown instead of the widget when the bundle is missing (a source checkout where `npm run build`
# has not run): anywidget would otherwise fail at import time with a bare FileNotFoundError.
_MISSING = """export default {{
  render({{ el }}) {{
    const note = document.createElement("pre");
    note.textContent = {message};
    el.replaceChildren(note);
  }},
}};
"""


def bundle(name: str) -> Path | str:
    """A built bundle of ``canvas_widgets/static/`` as text, or an ES module saying how to build
    it when it is missing.

    Its path only with ``ANYWIDGET_HMR=1`` (development: anywidget then reloads it on change).
    Given a path, anywidget watches the file and ties every widget to the watcher's signal, so
    that no widget of the class is ever freed, nor the run it shows (anywidget#929).
    """
    path = STATIC / name
    if path.is_file():
        if os.environ.get("ANYWIDGET_HMR") == "1":
            return path
        text = path.read_text(encoding="utf-8")
        return text if "\n" in text else text + "\n"  # one line would pass for a file name
    message = (
        f"canvas_widgets: the front end {name} is not built. In the repository, run "
        "`npm ci && npm run build` in js/ (./dev does it), then restart the kernel."
    )
    return _MISSING.format(message=json.dumps(message))
