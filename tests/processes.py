"""Helpers for tests that start processes: a hang becomes a failure, and strays are found.

Used by writers/test_pipeline.py and test_api.py; the ``no_stray_processes`` fixture is in conftest.py.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import pytest


@contextlib.contextmanager
def deadline(seconds: float, what: str = "the block"):
    """Fail the test if the block runs longer than ``seconds``.

    SIGALRM interrupts a blocked queue get, lock acquire or join in the main
    thread; the timer repeats every second so that a clean-up which hangs too
    (a ``finally`` or ``__exit__`` on the way out) is interrupted again.
    """

    def expired(signum, frame):
        pytest.fail(f"{what} did not finish within {seconds} s (hang?)", pytrace=True)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def family() -> set[int]:
    """Live processes forked from this one, directly or not, orphans included.

    Forked children keep the process group and the command line, and keep both
    when they are re-parented to init, which ``multiprocessing.active_children``
    cannot see; spawned ones keep the group and run ``multiprocessing.spawn``
    (the resource tracker, meant to outlive them, does not).  Zombies have an
    empty command line and are not counted.
    """
    proc = Path("/proc")
    if not (proc / "self" / "cmdline").exists():
        return set()
    me, group = os.getpid(), os.getpgid(0)
    cmdline = (proc / "self" / "cmdline").read_bytes()
    found = set()
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            if os.getpgid(int(entry.name)) != group:
                continue
            theirs = (entry / "cmdline").read_bytes()
            if theirs == cmdline or b"multiprocessing.spawn" in theirs:
                found.add(int(entry.name))
        except OSError:  # gone meanwhile
            continue
    return found


def kill_all(pids) -> None:
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
