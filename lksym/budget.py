"""Time limits for SymPy work that can run away.

Exact arithmetic is not bounded by the size of its input: a k such as 1.541
makes SymPy take 1000/541-th powers and factor numbers of thousands of digits.
:func:`deadline` turns "still computing after N seconds" into :class:`Timeout`.

In the main thread (where the command line and notebooks run) the guard is
``signal.setitimer`` with SIGALRM.  In any other thread (a notebook kernel's
worker, a web server) it is a trace hook that looks at the clock whenever a
SymPy, mpmath or lksym function is entered (:class:`lksym.expr._TimeLimit`,
measured 1.1-3x slower than unguarded SymPy; forking a child and sending the
result back would re-evaluate the short unevaluated products on unpickling).
It is not active under a debugger or coverage, which own the trace hook.
:func:`available` says whether the signal guard is.  The alarm repeats every
:data:`REPEAT` seconds once the time is up, so SymPy code that swallows one
exception is interrupted again.  A timer already running (an outer guard, or
the caller's own) is honoured: whichever ends first fires, and the outer one
gets back what is left of its time.  A C-level call that never returns to the interpreter cannot be
interrupted; the parser's bounds on sizes keep such calls short.
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from typing import Iterator

REPEAT = 0.05
"""Seconds between repeated alarms once the time is up."""

LONGEST_TIMER = 1e6
"""Longest single wait asked of the system (about 11 days): ``setitimer`` and ``poll`` overflow on
``inf`` or 1e12 s, so a longer limit (``--budget inf``) is waited for in steps of this."""


class Timeout(BaseException):
    """The time given to :func:`deadline` ran out.

    A ``BaseException``, like ``KeyboardInterrupt``: SymPy's ``except Exception``
    clauses must not swallow it.
    """


def available() -> bool:
    """Whether :func:`deadline` uses the signal guard here (main thread, a platform with ``setitimer``).

    Elsewhere it uses the trace hook, which only interrupts Python code of SymPy,
    mpmath and lksym.
    """
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`Timeout` inside the block once ``seconds`` have passed.

    Examples
    --------
    >>> import time
    >>> try:
    ...     with deadline(0.05):
    ...         time.sleep(1)
    ... except Timeout:
    ...     print("stopped")
    stopped
    """
    if not available():
        from .expr import _TimeLimit  # raises a subclass of Timeout

        with _TimeLimit(seconds):
            yield
        return
    start = time.monotonic()
    own_end = start + seconds
    outer_left, outer_interval = signal.getitimer(signal.ITIMER_REAL)
    # Someone else's timer, already counting: [its next expiry], emptied once it has been delivered.
    outer = [start + outer_left] if outer_left > 0 else []
    armed = [True]

    def arm(now: float) -> None:
        # Wake at whichever comes first; a zero delay would disarm the timer instead of firing.
        signal.setitimer(signal.ITIMER_REAL, min(max(min([own_end, *outer]) - now, 1e-3), LONGEST_TIMER), REPEAT)

    def alarm(signum, frame):
        now = time.monotonic()
        if outer and now >= outer[0]:  # the caller's timer came first: it is theirs to handle
            outer[0] = now + outer_interval if outer_interval > 0 else None
            if outer[0] is None:
                outer.clear()
            if callable(previous):
                previous(signum, frame)
        if not armed[0]:
            return
        if now >= own_end:
            raise Timeout()
        arm(now)

    previous = signal.signal(signal.SIGALRM, alarm)
    try:
        arm(start)
        try:
            yield
        finally:
            _disarm(armed)
    finally:
        if previous is not None:  # None: a handler installed from C, which cannot be put back
            signal.signal(signal.SIGALRM, previous)
        if outer:  # give the caller's timer back what is left of it
            signal.setitimer(signal.ITIMER_REAL, min(max(outer[0] - time.monotonic(), 1e-3), LONGEST_TIMER), outer_interval)


def _disarm(armed: list) -> None:
    # The alarm may fire while we are switching it off; retry until it is off.
    while True:
        try:
            armed[0] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            return
        except Timeout:
            continue
