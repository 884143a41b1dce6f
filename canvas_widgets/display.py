"""Text as the views show it: error text with credentials masked.

One place for what every view does to text it did not write itself (a task's exception, its
traceback, a broker's error): the result graph's details and status line, the builder's run
status, the command line.
"""

from __future__ import annotations

import re

__all__ = ["mask_credentials"]

# user:password@ (or user@, or :password@) after a URL's scheme, in any text: a database URL in an
# exception, a broker URL in a connection error. The scheme is kept, the rest up to @ hidden.
_CREDENTIALS = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^\s/@]*@")


def mask_credentials(text: str) -> str:
    """``text`` with the credentials of every URL in it replaced by ``<hidden>``.

    Examples
    --------
    >>> mask_credentials("OperationalError: postgresql://tutor:db-PASS-99@host/db refused")
    'OperationalError: postgresql://<hidden>@host/db refused'
    >>> mask_credentials("redis://:pw@h:6379/0 and amqp://guest@h// and http://h/a@b")
    'redis://<hidden>@h:6379/0 and amqp://<hidden>@h// and http://h/a@b'
    """
    return _CREDENTIALS.sub(r"\1<hidden>@", text)
