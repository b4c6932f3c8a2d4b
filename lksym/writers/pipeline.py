r"""Deriving and drawing side by side: the process layout behind ``lksym report``.

A report costs two imports that dwarf the work itself, SymPy (derivation) and
matplotlib (figures), and then a few tenths of a second per k of each.  Neither
half needs the other's library, so they run in different processes::

    this process                      drawing server (forked first, before SymPy)
    ------------                      --------------------------------------------
    import SymPy                      import matplotlib, draw a throw-away figure
    derive k1 --(figure numbers)-->   fork ``jobs`` drawing workers (matplotlib warm)
    derive k2 -->                       workers draw one figure per task, in any order
    ...                    <--(SVG bytes)--
    write each k's folder once all of its figures are back

Forks happen only while the forking process has a single thread (``fork`` in a
threaded process can deadlock the child): the server is forked before anything
here starts a thread, and it forks its workers before its own pool starts one.
Called from a process that already runs threads, children are spawned instead
(:func:`context`).
Messages travel over plain pipes; a task is one figure, so even a single k is
drawn on every core.

Errors: an exception while drawing comes back as :class:`~lksym.errors.LksymError`;
a server that dies is noticed within :data:`WATCH_INTERVAL` instead of waiting
forever, and its workers, orphaned, exit by themselves.  Leaving the ``with``
block on an error cancels the drawing not yet started.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import wait
from typing import Any, Iterator, Optional

from lksym.errors import LksymError

Key = tuple[str, str]
"""A drawing task's key: (report folder, figure file name)."""


def context() -> multiprocessing.context.BaseContext:
    """How to start child processes: ``fork`` when it is safe, else ``spawn``.

    A forked child starts with everything already imported, which is the point
    of this module; but forking a process that runs other threads (a notebook
    kernel, a web server) can leave the child holding a lock no thread will ever
    release.  There the slower, clean ``spawn`` is used.
    """
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def warm_up() -> None:
    """Load matplotlib and draw a throw-away figure.

    Drawing once loads the font and fills the text-layout caches, so every
    worker forked afterwards starts warm instead of paying for it per process.
    """
    from lksym.writers.plots import new_axes, render_svg

    fig, ax = new_axes("warm-up", xlim=(-1, 1), ylim=(-1, 1))
    ax.plot([-1.0, 1.0], [-1.0, 1.0], label="line")
    ax.legend(loc="upper left")
    render_svg(fig)


def draw(task: tuple[Key, dict]) -> tuple[Key, bytes]:
    """One figure: ``((folder, name), numbers)`` to ``((folder, name), SVG bytes)``."""
    from lksym.writers.plots import render_figure

    key, data = task
    return key, render_figure(key[1], data)


ABORT = "abort"
"""Task-pipe message: drop the tasks not started yet and exit (``None`` finishes them first)."""

WATCH_INTERVAL = 0.25
"""Seconds between checks that the process on the other end is still alive."""


def _serve(tasks, results, callers_ends, workers: int) -> None:
    """The drawing server's main loop (runs in its own process)."""
    # Ctrl-C reaches the whole process group; the caller handles it (leaving its ``with`` block aborts
    # the drawing), so the server and its workers must not die half-way and print tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for end in callers_ends:  # inherited copies: keeping them would hide the caller's exit from us
        end.close()
    lock = threading.Lock()  # the pool's callbacks and this thread both send

    def send(message: tuple[str, Any]) -> None:
        with lock:
            results.send(message)

    def answer(done) -> None:
        if not done.cancelled():
            send(_outcome(done))

    try:
        warm_up()
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context(), initializer=_exit_with_parent, initargs=(os.getpid(),)
        ) as pool:
            while (task := tasks.recv()) is not None:
                if task == ABORT:
                    pool.shutdown(cancel_futures=True)
                    break
                pool.submit(draw, task).add_done_callback(answer)
    except EOFError:  # the caller went away: nobody to answer
        pass
    except BaseException as error:  # noqa: BLE001 -- whatever stops the server must reach the caller
        send(("error", f"{type(error).__name__}: {error}"))
    finally:
        results.close()


def _exit_with_parent(parent: int) -> None:
    """Pool initializer: a drawing worker whose server died exits instead of waiting for work forever.

    It also ignores Ctrl-C, as the server does (a spawned worker does not inherit that).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_INTERVAL)
        os._exit(1)

    threading.Thread(target=watch, name="lksym-orphan-watch", daemon=True).start()


def _outcome(future) -> tuple[str, Any]:
    error = future.exception()
    if error is not None:
        return "error", f"{type(error).__name__}: {error}"
    return "ok", future.result()


class DrawingServer:
    """A process that turns figure numbers into SVG bytes on ``jobs`` cores.

    Use it as a context manager; :meth:`submit` tasks as soon as their numbers
    exist, then iterate :meth:`results` for exactly that many answers.

    Examples
    --------
    >>> from lksym.results import analyze
    >>> from lksym.writers.plots import figure_data
    >>> data = figure_data(analyze("2"))
    >>> with DrawingServer(jobs=2) as server:
    ...     server.submit(("k-2", "zoom.svg"), data["zoom.svg"])
    ...     [(key, svg[:5]) for key, svg in server.results(1)]
    [(('k-2', 'zoom.svg'), b'<?xml')]
    """

    def __init__(self, jobs: int) -> None:
        ctx = context()
        self._tasks_out, tasks_in = ctx.Pipe(duplex=False)[::-1]
        self._results_in, results_out = ctx.Pipe(duplex=False)
        self._process = ctx.Process(
            target=_serve, args=(tasks_in, results_out, (self._tasks_out, self._results_in), jobs), name="lksym-draw"
        )
        self._process.start()
        try:
            tasks_in.close()  # the server's ends: closing ours lets either side see the other go away
            results_out.close()
            # Answers are read as they come, on a thread (started after the fork): an SVG is tens
            # of kilobytes, so a pipe nobody reads while this process derives the next k would
            # fill up and stall every drawing worker.
            self._answers: queue.SimpleQueue = queue.SimpleQueue()
            self._reader = threading.Thread(target=self._read, name="lksym-draw-reader", daemon=True)
            self._reader.start()
        except BaseException:
            # Ctrl-C between the fork and the caller's `with`: nobody would close the server, which
            # ignores SIGINT and waits for tasks, and Python's exit would wait for it forever.
            self._process.terminate()
            self._process.join()
            raise

    def _read(self) -> None:
        try:
            while True:
                # Polled, not just waited on: the server's workers inherit its end of both the
                # results pipe and the exit sentinel, so a dead server shows neither an end of
                # file nor a ready sentinel while they live.
                if not wait([self._results_in, self._process.sentinel], WATCH_INTERVAL) and self._process.is_alive():
                    continue
                if not self._results_in.poll():
                    break  # the server is gone, and it said all it had to say
                self._answers.put(self._results_in.recv())
        except (EOFError, OSError):
            pass
        finally:  # whatever stops this thread, results() must not wait forever
            self._answers.put(("stopped", None))

    def submit(self, key: Key, data: dict) -> None:
        """Queue one figure for drawing.

        Raises
        ------
        LksymError
            If the server has stopped.
        """
        try:
            self._tasks_out.send((key, data))
        except OSError:  # a broken pipe: not the user's disk, so not an OSError for the CLI to report as one
            raise LksymError(self._stopped()) from None

    def results(self, count: int) -> Iterator[tuple[Key, bytes]]:
        """Yield ``count`` drawn figures as they finish, in any order.

        Raises
        ------
        LksymError
            If drawing failed, or the server stopped before answering.
        """
        for _ in range(count):
            status, payload = self._answers.get()
            if status == "stopped":
                raise LksymError(self._stopped())
            if status == "error":
                raise LksymError(f"drawing a figure failed: {payload}")
            yield payload

    def _stopped(self) -> str:
        self._process.join(1.0)
        return f"the drawing process stopped unexpectedly (exit code {self._process.exitcode})"

    def close(self, timeout: Optional[float] = 30.0, *, abort: bool = False) -> None:
        """Let the server exit: after drawing every task already sent, or at once with ``abort``."""
        try:
            self._tasks_out.send(ABORT if abort else None)
        except OSError:  # the server is already gone
            pass
        self._tasks_out.close()
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.terminate()  # its workers notice and exit (_exit_with_parent)
            self._process.join()
        self._reader.join()
        self._results_in.close()

    def __enter__(self) -> "DrawingServer":
        return self

    def __exit__(self, error_type, *_) -> None:
        # Leaving on an error (a bad k, a failed figure): the rest of the drawing is wasted work.
        self.close(abort=error_type is not None)
