"""Text as the views show it: error text with credentials masked, labels with right-to-left text
isolated, and cut without breaking them.

One place for what every view does to text it did not write itself (a task's exception, its
traceback, a broker's error): the result graph's details and status line, the builder's run
status, the command line.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "clip",
    "display_repr",
    "isolate",
    "isolated_call",
    "mask_credentials",
    "positional",
    "unescape_joiners",
]

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


# --- right-to-left text in labels -------------------------------------------------------------

#: First strong isolate, left-to-right isolate and pop directional isolate: text between an
#: isolate and PDI is laid out on its own (FSI: in the direction of its first letter).
FSI, LRI, PDI = "\u2068", "\u2066", "\u2069"
_ISOLATES = frozenset("\u2066\u2067\u2068\u2069")  # LRI, RLI, FSI, PDI


def _has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def isolate(text: str) -> str:
    """``text`` between FSI and PDI when it holds right-to-left text, else as it is."""
    return f"{FSI}{text}{PDI}" if _has_rtl(text) else text


def isolated_call(name: str, arguments: str) -> str:
    """A call's label, ``name(arguments)``, with the name and the arguments each isolated
    when either holds right-to-left text, so that the bidi algorithm does not reorder the one
    around the other (``تحية('عالم')`` drawn with its arguments first). The name in its own
    direction (FSI ... PDI); the arguments, Python's syntax, left to right (LRI ... PDI): in
    their own direction, a right-to-left value and a keyword after it were drawn keyword
    first. Left-to-right text is left as it is.

    >>> isolated_call("add", "2, 2")
    'add(2, 2)'
    >>> isolated_call("تحية", "'عالم', n=2") == "\\u2068تحية\\u2069(\\u2066'عالم', n=2\\u2069)"
    True
    """
    if not (_has_rtl(name) or _has_rtl(arguments)):
        return f"{name}({arguments})"
    inside = f"{LRI}{arguments}{PDI}" if arguments else ""
    return f"{FSI}{name}{PDI}({inside})"


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with "…" at the end, counting only what is seen
    (isolate controls are not), and closing the isolates the cut leaves open.

    >>> clip("abcdef", 4), clip("abc", 4)
    ('abc…', 'abc')
    >>> cut = clip("\\u2068تحية\\u2069(\\u2068'عالم'\\u2069)", 8)
    >>> cut == "\\u2068تحية\\u2069(\\u2068'ع…\\u2069"
    True
    >>> clip("ab\\U0001f469\\u200d\\U0001f4bbcd", 4)  # what shows as one goes whole or not at all
    'ab…'
    """
    if sum(c not in _ISOLATES for c in text) <= width:
        return text
    out: list[str] = []
    seen = 0
    for c in text:
        if c not in _ISOLATES:
            if seen == width - 1:
                break
            seen += 1
        out.append(c)
    # Not half of what shows as one character (an emoji joined with ZWJ, a letter and its
    # accent): back to where it began.
    while out and (_continues(text[len(out) : len(out) + 1]) or out[-1] == "\u200d"):
        out.pop()
    depth = 0
    for c in out:
        depth = max(0, depth - 1) if c == PDI else depth + (c in _ISOLATES)
    return "".join(out) + "…" + PDI * depth


def _continues(c: str) -> bool:
    """Whether a character goes on with the one before it on screen: a combining mark, a
    joiner, a variation selector, a skin tone (see js/src/shared/dom.ts: clip)."""
    return bool(c) and (
        unicodedata.category(c).startswith("M")
        or c in "\u200c\u200d"
        or "\ufe00" <= c <= "\ufe0f"
        or "\U0001f3fb" <= c <= "\U0001f3ff"
    )


def positional(args_repr: str) -> str:
    """An ``argsrepr`` as a call writes its arguments: without its brackets, nor the comma of a
    one-item tuple.

    >>> positional("('****', 2)"), positional("('****',)"), positional("[]")
    ("'****', 2", "'****'", '')
    """
    text = args_repr.strip()
    if text[:1] + text[-1:] in ("()", "[]"):
        text = text[1:-1].strip().removesuffix(",").rstrip()
    return text


# --- reprs for display --------------------------------------------------------------------------

# \u200c / \u200d (zero-width non-joiner / joiner) and \ufe00-\ufe0f (variation selectors) as
# repr writes them: a backslash that no other backslash escapes (an even run before it).
_JOINER_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u(200[cd]|fe0[0-9a-f])")


def unescape_joiners(text: str) -> str:
    """A repr's escapes of the characters that join emoji (ZWJ, ZWNJ) and select their look
    (variation selectors) turned back into those characters; every other escape stays, bidi
    controls and other invisible characters included (they could disguise text). A backslash
    the repr escaped (``\\\\u200d``: a backslash typed by the user) is left alone.

    >>> unescape_joiners(r"'👩\\u200d💻'") == "'👩\\u200d💻'"
    True
    >>> unescape_joiners(r"'a\\u202eb' '\\\\u200d'")  # a bidi override, a typed backslash
    "'a\\\\u202eb' '\\\\\\\\u200d'"
    """
    return _JOINER_ESCAPE.sub(lambda m: m.group(1) + chr(int(m.group(2), 16)), text)


def display_repr(value: object) -> str:
    """``repr(value)`` for people to read: emoji joined with ZWJ shown as emoji
    (:func:`unescape_joiners`), and a repr that raises reported instead of raising.

    >>> display_repr("👩\\u200d💻") == "'👩\\u200d💻'", display_repr("\\u202e")
    (True, "'\\\\u202e'")
    """
    try:
        text = repr(value)
    except Exception as exc:
        return f"<{type(value).__qualname__} object: its repr() raised {type(exc).__name__}>"
    return unescape_joiners(text)
