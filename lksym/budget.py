"""Time limits for SymPy work that can run away.

Exact arithmetic is not bounded by the size of its input: a k such as 1.541
makes SymPy take 1000/541-th powers and factor numbers of thousands of digits.
:func:`deadline` turns "still computing after N seconds" into :class:`Timeout`.

In the main thread (where the command line and notebooks run) the guard is
``signal.setitimer`` with SIGALRM.  In any other thread (a notebook kernel's
worker, a web server) it is a trace hook that looks at the clock whenever a
SymPy, mpmath or lksym function is entered (:class:`lksym.budget.TraceLimit`,
measured 1.1-3x slower than unguarded SymPy; forking a child and sending the
result back would re-evaluate the short unevaluated products on unpickling).
It is not active under a debugger or coverage, which own the trace hook.
:func:`available` says whether the signal guard is.  The alarm repeats every
:data:`REPEAT` seconds once the time is up, so SymPy code that swallows one
exception is interrupted again, and an import under way when the time is up
(numpy and SymPy load parts of themselves lazily) is never interrupted: the
next alarm after it raises.  A timer already running (an outer guard, or
the caller's own) is honoured: whichever ends first fires, and the outer one
gets back what is left of its time.  A C-level call that never returns to the interpreter cannot be
interrupted; the parser's bounds on sizes keep such calls short.
"""

from __future__ import annotations

import inspect
import os
import pickle
import select
import signal
import sys
import threading
import time
import types
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional

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
        with TraceLimit(seconds):
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
            if importing(frame):  # the alarm repeats every REPEAT s: it raises once the import is done
                return
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


def bounded(fn: Callable[..., Any], *args: Any, limit: float) -> Optional[Any]:
    """``fn(*args)`` under a time limit of its own: its value, or ``None`` when ``limit`` runs out.

    For one part of a larger computation that may give up alone (one fact of an analysis): a
    :func:`deadline` around the call that ends first is the caller's to report, so its
    :class:`Timeout` passes through.  Taking it for this part's own would give up this one fact
    and run the rest of the caller's work with no limit at all.  ``fn`` should not return
    ``None`` itself where the caller must tell the two apart.

    Examples
    --------
    >>> import time
    >>> bounded(sum, [1, 2, 3], limit=1.0), bounded(time.sleep, 5, limit=0.05)
    (6, None)
    >>> try:
    ...     with deadline(0.05):
    ...         bounded(time.sleep, 5, limit=10.0)  # the outer deadline ends first: it is the caller's
    ... except Timeout:
    ...     print("the caller's")
    the caller's
    """
    start = time.monotonic()
    try:
        with deadline(limit):
            return fn(*args)
    except Timeout:
        if time.monotonic() - start < limit:
            raise
        return None


def _disarm(armed: list) -> None:
    # The alarm may fire while we are switching it off; retry until it is off.
    while True:
        try:
            armed[0] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            return
        except Timeout:
            continue


class OutOfTime(Timeout):
    """Raised inside a call that ran past :data:`TIME_LIMIT` (or a :func:`lksym.budget.deadline` off the main thread).

    A BaseException (:class:`lksym.budget.Timeout`), so the ``except Exception``
    clauses in SymPy, mpmath and this module let it through.
    """


class TraceLimit:
    """Raise :class:`OutOfTime` in this thread once ``seconds`` have passed.

    A trace hook (:func:`sys.settrace`) looks at the clock whenever a Python
    function is entered, in this thread only: no signals and no other threads,
    so it works in any thread and leaves the caller's own SIGALRM alone.  It
    asks for no line events, so SymPy runs two to three times slower under it,
    not ten.  It never raises inside an import, which would leave a
    half-initialised module behind for the rest of the process.  If the
    exception was swallowed somewhere (a bare ``except:`` in mpmath), whatever
    the block computed afterwards is not trusted: leaving the block raises it
    again.  Under a debugger or coverage (a trace hook already set) the block
    runs without a limit.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self.installed = False

    def __enter__(self) -> "TraceLimit":
        if sys.gettrace() is None:
            self.end = time.monotonic() + self.seconds
            sys.settrace(self._tick)
            self.installed = True
        return self

    def _tick(self, frame: types.FrameType, event: str, arg: object) -> None:
        # Returning None asks for no line events in the new frame.
        if time.monotonic() < self.end or not interruptible(frame):
            return None
        self.fired = True
        raise OutOfTime  # CPython also removes the hook

    def __exit__(self, exc_type: Optional[type], *rest: object) -> None:
        if self.installed:
            sys.settrace(None)
        if self.fired and exc_type is None:
            raise OutOfTime


_INTERRUPTIBLE_PACKAGES = frozenset({"sympy", "mpmath", "lksym"})


_NOT_PLAIN_FUNCTION = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


def interruptible(frame: types.FrameType) -> bool:
    """Whether raising in ``frame`` stops the computation and nothing else.

    Not in the standard library, not in a generator (closing one during the
    unwinding would print "Exception ignored"), not in ``__del__``, and not
    anywhere inside an import (a half-initialised module stays broken for the
    rest of the process).
    """
    code = frame.f_code
    if code.co_flags & _NOT_PLAIN_FUNCTION or code.co_name == "__del__":
        return False
    if str(frame.f_globals.get("__name__", "")).partition(".")[0] not in _INTERRUPTIBLE_PACKAGES:
        return False
    return not importing(frame)


def importing(frame: Optional[types.FrameType]) -> bool:
    """Whether ``frame`` runs inside an import (some caller is in ``importlib``'s bootstrap).

    Neither guard raises there: a module whose import is interrupted stays half-initialised
    for the rest of the process (numpy without ``numpy.ma``, seen after a 5 ms limit), and
    numpy and SymPy import parts of themselves lazily, in the middle of a computation.
    """
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


# --------------------------------------------------------------------------- bounded calls


def attempt(fn: Callable, seconds: float, *args, process: bool = False) -> tuple[bool, object]:
    """``(True, fn(*args))``, or ``(False, None)`` when ``seconds`` run out or ``fn`` fails.

    In the main thread the guard is :func:`deadline`; with ``process=True``, or in any
    other thread, ``fn`` runs in a forked child (:func:`in_child`) that is killed when
    the time is up, so even a C call that never returns to the interpreter (a huge
    ``mpmath`` exponent, a big ``Rational`` power) cannot outrun the limit.  Any
    exception in ``fn`` (SymPy failing) also gives ``(False, None)``: to a caller
    that bounds work, "could not compute" and "ran out of time" mean the same.

    Examples
    --------
    >>> attempt(sum, 5, [1, 2, 3])
    (True, 6)
    >>> import time
    >>> attempt(time.sleep, 0.05, 10)
    (False, None)
    >>> attempt(pow, 5, 2, 10, process=True)
    (True, 1024)
    """
    if seconds <= 0:
        return False, None
    if not process and available():
        try:
            with deadline(seconds):
                return True, fn(*args)
        except (Timeout, Exception, RecursionError):  # noqa: BLE001 - failing means "not computed"
            return False, None
    if not hasattr(os, "fork"):  # no way to stop C code here: the thread's own guard is all there is
        try:
            with deadline(seconds):
                return True, fn(*args)
        except (Timeout, Exception, RecursionError):  # noqa: BLE001
            return False, None
    return in_child(fn, seconds, *args)


CHILD_GRACE = 0.25
"""Seconds a child of :func:`in_child` gets past its limit to send back a result before it is killed."""


def in_child(fn: Callable, seconds: float, *args) -> tuple[bool, object]:
    """Run ``fn(*args)`` in a forked child; ``(True, result)``, or ``(False, None)`` on failure or time-out.

    The child runs ``fn`` under its own :func:`deadline` (so work that stops itself can
    still report), sends the pickled result through a pipe and leaves with ``os._exit``
    (no exit handlers, no flushing of the parent's buffered output twice).  The parent
    waits at most ``seconds`` + :data:`CHILD_GRACE`, then kills the child: whatever the
    child is doing, C code included, the caller gets its answer in time.  Fork, not
    spawn: the child starts with SymPy and the work's arguments already in memory.

    Examples
    --------
    >>> in_child(divmod, 5, 7, 2)
    (True, (3, 1))
    """
    if seconds <= 0:
        return False, None
    end = time.monotonic() + seconds + CHILD_GRACE
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, vanish
        try:
            os.close(read_end)
            try:
                with deadline(seconds + CHILD_GRACE / 2):  # the other half of the grace: sending back
                    payload = pickle.dumps((True, fn(*args)), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:  # noqa: BLE001 - any failure is "not computed" to the parent
                payload = pickle.dumps((False, None))
            view = memoryview(payload)
            while view:
                view = view[os.write(write_end, view):]
        finally:
            os._exit(0)
    os.close(write_end)
    chunks: list[bytes] = []
    try:
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return False, None
            ready, _, _ = select.select([read_end], [], [], min(left, LONGEST_TIMER))
            if not ready:
                continue
            chunk = os.read(read_end, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        try:
            return pickle.loads(b"".join(chunks))
        except Exception:  # noqa: BLE001 - a child killed half-way through writing
            return False, None
    finally:
        os.close(read_end)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
