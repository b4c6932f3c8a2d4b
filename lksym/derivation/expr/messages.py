r"""Short one-line renderings of untrusted text and SymPy values for error messages.

Job: every message quotes the user's input or a value built from it; these
helpers keep that quote short, on one line and safe to print.

Contracts
---------
- :func:`short` and :func:`echo` never return more than the limit plus one
  character (the ellipsis); :func:`echo` is a ``repr``, so newlines and control
  characters appear escaped.
- :func:`show` never raises (a number Python refuses to print becomes a
  placeholder); :func:`first_line` is one line of at most 100 characters.

Examples
--------
>>> echo("w\n+1"), short("x" * 50, 5)
("'w\\n+1'", 'xxxxx…')
"""

from __future__ import annotations

import sympy as sp

_ECHO_LENGTH = 40


def short(text: str, limit: int = _ECHO_LENGTH) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[:limit] + "…"


def echo(text: str) -> str:
    """``text`` quoted and shortened for a one-line message (repr escapes newlines)."""
    return repr(short(text))


def show(value: sp.Basic) -> str:
    """``value`` printed by SymPy and shortened; a placeholder if Python refuses to print it."""
    try:
        return short(sp.sstr(value))
    except Exception:  # noqa: BLE001 - e.g. Python refuses to print ints over 4300 digits
        return "(too long to show)"


def first_line(error: BaseException) -> str:
    """The first line of ``error``'s message, shortened to 100 characters (its type's name if empty)."""
    lines = str(error).strip().splitlines()
    return short(lines[0], 100) if lines else type(error).__name__
