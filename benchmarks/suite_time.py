"""Wall and CPU time of a command and every process it starts (the README's test command by default).

    .venv/bin/python benchmarks/suite_time.py [COMMAND ...]

The command runs in a session of its own; every 0.2 s the script reads ``/proc/PID/stat`` of each process in
that session and keeps each one's last user + system time.  Summed, that is the CPU the command used, pytest-xdist
workers and their children included (``/usr/bin/time`` misses workers that are never waited for).  Processes that
live less than 0.2 s are missed; on a busy machine the CPU sum, not the wall time, is the figure to compare:
on an idle machine with N cores the wall time is about CPU / N plus the longest single test.

Linux only (``/proc``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

DEFAULT = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]


def _cpu(pid: int, tick: float) -> tuple[int, float] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    # after the command name: state(0) ppid(1) pgrp(2) session(3) ... utime(11) stime(12)
    return int(fields[3]), (int(fields[11]) + int(fields[12])) * tick


def main(argv: list[str]) -> int:
    command = argv or DEFAULT
    tick = 1.0 / os.sysconf("SC_CLK_TCK")
    start = time.monotonic()
    proc = subprocess.Popen(command, start_new_session=True)
    seen: dict[int, float] = {}
    while proc.poll() is None:
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                got = _cpu(int(entry), tick)
                if got and got[0] == proc.pid:
                    seen[int(entry)] = max(seen.get(int(entry), 0.0), got[1])
        time.sleep(0.2)
    wall = time.monotonic() - start
    cpu = sum(seen.values())
    print(f"suite_time: exit {proc.returncode}, wall {wall:.1f} s, CPU {cpu:.1f} s over {len(seen)} processes, "
          f"{os.cpu_count()} cores", file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
