"""Whole-process wall time, measured the same way by every benchmark here.

Every command is run once to warm the OS file cache and the ``.pyc`` files, then all
commands are run in turn, round after round (interleaved, so that a noisy moment of a
shared machine hits every command alike), and the median of the rounds is used.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from typing import Callable, Iterable, Optional

# Users' Pythons cache bytecode; a PYTHONDONTWRITEBYTECODE in the environment (some CI and
# sandboxes set it) would make every run recompile lksym and measure the compiler instead.
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def lksym(*args: str) -> list[str]:
    """The command line of ``lksym ARGS`` with this Python."""
    return [sys.executable, "-m", "lksym", *args]


def wall_time(command: list[str], ok: Iterable[int] = (0,)) -> float:
    """Seconds ``command`` takes from start to exit; an exit code outside ``ok`` stops the benchmark."""
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    if result.returncode not in tuple(ok):
        raise SystemExit(f"{' '.join(command)} exited with {result.returncode}")
    return time.perf_counter() - start


def medians(commands: dict[str, list[str]], rounds: int, ok: Iterable[int] = (0,),
            before: Optional[Callable[[str, list[str]], None]] = None) -> dict[str, float]:
    """The median wall time of each command over ``rounds`` interleaved rounds, after one warm-up run each.

    ``before(name, command)`` runs ahead of every timed run (e.g. to empty an output folder).
    """
    ok = tuple(ok)
    for command in commands.values():
        wall_time(command, ok)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            if before is not None:
                before(name, command)
            samples[name].append(wall_time(command, ok))
    return {name: statistics.median(values) for name, values in samples.items()}


def header(width: int, rounds: int) -> str:
    """The first line of a benchmark's table."""
    return f"{'command':<{width}}{'median s':>10}   (rounds: {rounds}, cores: {os.cpu_count()})"
