"""Where the widgets' front-end bundles are, and what to show when one was not built."""

from __future__ import annotations

import json
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
    """The path of a built bundle in ``canvas_widgets/static/``, or an ES module saying how to
    build it when it is missing."""
    path = STATIC / name
    if path.is_file():
        return path
    message = (
        f"canvas_widgets: the front end {name} is not built. In the repository, run "
        "`npm ci && npm run build` in js/ (./dev does it), then restart the kernel."
    )
    return _MISSING.format(message=json.dumps(message))
