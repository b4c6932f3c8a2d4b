"""Wall and CPU time of a command and every process it starts (the README's test command by default).

    .venv/bin/python benchmarks/suite_time.py [COMMAND ...]

The command runs in a session of its own; every 0.2 s the script reads ``/proc/PID/stat`` of each process in
that session and keeps each one's last user + system time.  Summed, that is the CPU the command used, pytest-xdist
workers and their children included (``/usr/bin/time`` misses workers that are never waited for).  Processes that
live less than 0.2 s are missed by the samples; the command's own rusage at exit (``wait4``: itself and every
descendant it waited for) is exact, and the larger of the two is reported.  On a busy machine the CPU sum, not
the wall time, is the figure to compare: on an idle machine with N cores the wall time is about CPU / N plus the
longest single test.

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


def measure(command: list[str], quiet: bool = False, env: dict | None = None) -> tuple[int, float, float, int]:
    """Run ``command``; ``(exit code, wall seconds, CPU seconds of it and every process it started, processes seen)``."""
    tick = 1.0 / os.sysconf("SC_CLK_TCK")
    start = time.monotonic()
    out = subprocess.DEVNULL if quiet else None
    proc = subprocess.Popen(command, start_new_session=True, stdout=out, stderr=out, env=env)
    seen: dict[int, float] = {}
    while True:
        # wait4, not proc.poll(): the rusage of the command, with every descendant it waited for, is exact
        # where the samples miss each process's last 0.2 s and the processes that lived less.
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                got = _cpu(int(entry), tick)
                if got and got[0] == proc.pid:
                    seen[int(entry)] = max(seen.get(int(entry), 0.0), got[1])
        time.sleep(0.2)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = max(sum(seen.values()), usage.ru_utime + usage.ru_stime)
    return proc.returncode, wall, cpu, len(seen)


def main(argv: list[str]) -> int:
    code, wall, cpu, processes = measure(argv or DEFAULT)
    print(f"suite_time: exit {code}, wall {wall:.1f} s, CPU {cpu:.1f} s over {processes} processes, "
          f"{os.cpu_count()} cores", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
