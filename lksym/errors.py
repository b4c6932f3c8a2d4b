"""Exceptions raised by lksym.

The command line turns :class:`InputError` into exit code 2 and any other
:class:`LksymError` (a failure lksym detected, such as a drawing process that
died) into exit code 1, each with a one-line message; any other exception
escaping the library is a bug.
"""

from __future__ import annotations


class LksymError(Exception):
    """Base class of every error lksym raises on purpose."""


class InputError(LksymError, ValueError):
    """A value given by the user (k, an expression, an option) is not acceptable.

    The message is one line, names the offending part and is meant to be shown
    to a person as it is.
    """
