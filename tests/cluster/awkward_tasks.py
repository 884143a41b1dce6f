"""Tasks that use Celery in ways a canvas does not show: results ignored (the backend keeps no
record), a failure stored by hand (Celery cannot read it back), exceptions that cannot be shown
or made again, a task that keeps the GIL, tasks that replace themselves or send tasks of their
own. The app is this module's own (its workers import it by name), served by
``test_awkward_tasks.py``'s cluster and ``test_worker_pools.py``'s workers."""

from __future__ import annotations

import ctypes
import time

from celery import Celery, chain, group, states
from celery.exceptions import Ignore

app = Celery("awkward_tasks", set_as_current=False)


@app.task
def add(x, y):
    return x + y


@app.task
def boom():
    raise KeyError("stored failure")


@app.task(ignore_result=True)
def ignored(x):
    return x + 1


@app.task(ignore_result=True)
def ignored_fail():
    raise ValueError("ignored and failing")


@app.task
def skip():
    """End as a task that has nothing to do may: ``Ignore`` (no event, no result stored, and
    nothing after it in a chain is sent)."""
    raise Ignore()


@app.task(bind=True)
def fail_by_hand(self, reason):
    """Fail as many tasks do: a FAILURE stored with a meta of one's own, then Ignore. Celery
    cannot read that record back as an exception."""
    self.update_state(state=states.FAILURE, meta={"reason": reason})
    raise Ignore()


class Unshowable(Exception):
    def __repr__(self):
        raise RuntimeError("no repr")


@app.task
def raise_unshowable():
    raise Unshowable("cannot be shown")


class TwoPart(Exception):
    """An exception Celery cannot make again from its args (its class takes two)."""

    def __init__(self, what, why):
        super().__init__(f"{what}: {why}")


@app.task
def raise_two_part():
    raise TwoPart("stock", "none left")


@app.task
def nap(seconds, value=None):
    time.sleep(seconds)
    return value


@app.task
def hold_gil(seconds, value=None):
    """Sleep in a C call that keeps the GIL all along (libc's ``sleep`` called through
    ``ctypes.PyDLL``, which does not release it), as a long regex or sort does."""
    ctypes.PyDLL(None).sleep(int(seconds))
    return value


@app.task(bind=True)
def replace_with_chain(self, x):
    """Replaced by x + 1, then + 10: the second step takes over this task's id."""
    raise self.replace(chain(add.s(x, 1), add.s(10)))


@app.task(bind=True)
def replace_with_nap(self, seconds):
    raise self.replace(chain(nap.si(seconds), add.si(1, 1)))


@app.task
def send_adds(n):
    """Sends n tasks of its own, outside any canvas."""
    for i in range(n):
        add.delay(i, i)
    return n


@app.task(bind=True)
def nap_each(self, values, seconds):
    """Replaced by a group of naps, one per value: a fan-out known only at run time."""
    raise self.replace(group(nap.si(seconds, value) for value in values))


@app.task
def fail_on(value, bad):
    if value == bad:
        raise ValueError(f"{value} is bad")
    return value


@app.task(bind=True)
def check_each(self, values, bad):
    """Replaced by a group of checks, one of which fails."""
    raise self.replace(group(fail_on.si(value, bad) for value in values))


@app.task
def big(n):
    """A result of n characters: megabytes, which the run is not to read more than it must."""
    return "x" * n
