"""Write src/shared/fixtures/canvases.json: canvas dicts exactly as Celery writes them.

The JavaScript unit tests check their round trips against these, so the TypeScript types and the
conversion code are held to Celery's real output, not to our idea of it. Rerun after a Celery
upgrade (from the repository root):

    .venv/bin/python js/scripts/make_canvas_fixtures.py
"""

from __future__ import annotations

import json
import pathlib

from celery import chain, chord, group

from canvas_widgets.demo import add, mul, tsum

OUT = pathlib.Path(__file__).resolve().parent.parent / "src" / "shared" / "fixtures" / "canvases.json"


def canvases() -> dict[str, object]:
    """Name -> Celery object, one per shape the builder must carry."""
    return {
        "task": add.s(1, 1),
        "immutable task": add.si(2, 3),
        "task with kwargs": add.s(x=1, y=2),
        "task with options": add.s(1, 1).set(
            countdown=3, queue="q1", link=[mul.s(2)], link_error=[tsum.si([0])]
        ),
        "chain": add.s(1, 1) | mul.s(2),
        "group": group(add.s(1, 1), add.s(2, 2)),
        "chord": chord([add.s(1, 1), add.s(2, 2)], tsum.s()),
        "chord with options": chord([add.s(1, 1)], tsum.s(), countdown=1),
        "chord without body": chord([add.s(1, 1), add.s(2, 2)]),
        "chain with chord": chain(add.s(1, 1), group(add.s(2), add.s(3)), tsum.s()),
        "group of chains": group(add.s(1, 1), chain(add.s(1, 2), mul.s(3))),
        "chord with chain body": chord(
            [add.s(1, 1), group(add.s(2, 2), add.s(3, 3))], chain(tsum.s(), mul.s(10))
        ),
        "nested chords": chord([chord([add.s(1, 1)], tsum.s()), add.s(5, 5)], tsum.s()),
        "map": add.map([1, 2]),
        "starmap": add.starmap([[1, 2], [3, 4]]),
        "chunks": add.chunks([[1, 2], [3, 4], [5, 6]], 2),
        # Celery upgrades a group followed by a task to a chord when the chain is built.
        "group then tasks": chain(
            group(add.s(1, 1), add.s(2, 2)), tsum.s(), mul.s(2).set(countdown=1)
        ),
        "chain ending in a group": chain(add.s(1, 1), group(mul.s(2), mul.s(3))),
        "chain with options": chain(add.s(1, 1), mul.s(2)).set(queue="q2"),
    }


def main() -> None:
    data = {name: json.loads(json.dumps(sig)) for name, sig in canvases().items()}
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {len(data)} canvases to {OUT}")


if __name__ == "__main__":
    main()
