"""The drawing server (:mod:`lksym.writers.pipeline`): round trips, errors, a server that dies.

Every test that waits on another process runs under :func:`deadline`, so a hang
fails the test after a few seconds instead of stalling the suite, and the
autouse fixture kills (and reports) any process a test leaves behind.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from processes import deadline, family, kill_all

from lksym.errors import LksymError
from lksym.writers.pipeline import DrawingServer, context

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM timers")

K_TEXTS = ("0.1", "2", "7/3")
NAMES = ("zoom.svg", "curvature.svg")


# --------------------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def _every_test_cleans_up(no_stray_processes):
    yield


@pytest.fixture(scope="module")
def numbers(analysis_of):
    """``figure_data`` of each k in K_TEXTS, computed in this process."""
    from lksym.writers.plots import figure_data

    return {k: figure_data(analysis_of(k)) for k in K_TEXTS}


def slug(k: str) -> str:
    return "k-" + k.replace("/", "_")  # enough for K_TEXTS


def round_trip(server: DrawingServer, tasks: dict, seconds: float) -> list:
    """Submit every task, collect as many answers, close the server."""
    try:
        with deadline(seconds, "a round trip"):
            for key, data in tasks.items():
                server.submit(key, data)
            return list(server.results(len(tasks)))
    finally:
        closed(server)


def closed(server: DrawingServer) -> None:
    with deadline(20, "DrawingServer.close()"):
        server.close()
    assert not server._process.is_alive()


# --------------------------------------------------------------------------- round trip


def fresh_svg(name: str, data: dict) -> bytes:
    """A figure drawn in this process on a new matplotlib figure (no recycling)."""
    from lksym.writers.plots import render_figures, render_svg

    return render_svg(render_figures({name: data})[name])


@pytest.fixture(scope="module")
def drawn_here(numbers):
    """``(tasks, recycled, fresh)``: every task's figure drawn in this process, recycled (``render_figure``) and on
    a new figure (:func:`fresh_svg`); the same for every number of workers, so drawn once per module."""
    from lksym.writers.plots import render_figure

    tasks = {(slug(k), name): numbers[k][name] for k in K_TEXTS for name in NAMES}
    recycled = {key: render_figure(key[1], data) for key, data in tasks.items()}
    return tasks, recycled, {key: fresh_svg(key[1], data) for key, data in tasks.items()}


@pytest.mark.parametrize("jobs", [1, 2])
def test_round_trip_matches_drawing_in_process(drawn_here, jobs):
    """Same bytes as in this process; with one worker, each figure is redrawn for k after k."""
    tasks, expected, fresh = drawn_here
    assert expected == fresh, "in-process determinism"
    assert len(set(expected.values())) == len(expected), "different figures"
    server = DrawingServer(jobs=jobs)
    answers = round_trip(server, tasks, 20)
    assert sorted(key for key, _ in answers) == sorted(expected), "each key exactly once"
    for key, svg in answers:
        assert svg.startswith(b"<?xml"), key
        assert svg == expected[key], f"{key}: drawn in another process, the bytes differ"
    assert server._process.exitcode == 0


def test_round_trip_when_the_caller_runs_threads(numbers):
    """Another thread running: the server is spawned, not forked, and draws the same bytes."""
    tasks = {(slug(k), "zoom.svg"): numbers[k]["zoom.svg"] for k in ("0.1", "7/3")}
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        assert context().get_start_method() == "spawn"
        server = DrawingServer(jobs=2)
    finally:
        stop.set()
        other.join()
    answers = dict(round_trip(server, tasks, 30))
    assert answers == {key: fresh_svg(key[1], data) for key, data in tasks.items()}


def test_one_k_is_drawn_whole(numbers):
    """Every figure of a k, all at once: the answers are the whole set, nothing more."""
    server = DrawingServer(jobs=3)
    try:
        with deadline(20, "drawing every figure of one k"):
            for name, data in numbers["2"].items():
                server.submit(("k-2", name), data)
            answers = dict(server.results(len(numbers["2"])))
    finally:
        closed(server)
    assert set(answers) == {("k-2", name) for name in numbers["2"]}
    assert all(svg.startswith(b"<?xml") for svg in answers.values())


def test_close_without_tasks(numbers):
    server = DrawingServer(jobs=2)
    closed(server)
    assert server._process.exitcode == 0


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("nope.svg", "good", r"drawing a figure failed: KeyError: 'nope\.svg'"),
        ("zoom.svg", {}, r"drawing a figure failed: KeyError: '\w+'"),
        ("curvature.svg", {"title": "missing the rest"}, r"drawing a figure failed: KeyError: '\w+'"),
    ],
    ids=["not-a-figure", "empty-data", "missing-keys"],
)
def test_drawing_error_is_an_lksym_error(numbers, name, data, message):
    if data == "good":
        data = numbers["2"]["zoom.svg"]
    server = DrawingServer(jobs=2)
    try:
        with deadline(20, "a failing figure"):
            server.submit(("k-2", name), data)
            with pytest.raises(LksymError, match=message) as failure:
                list(server.results(1))
    finally:
        closed(server)
    assert "\n" not in str(failure.value), "one readable line"
    assert server._process.exitcode == 0, "a bad figure does not take the server down"


def test_error_among_good_figures(numbers):
    """One bad task among good ones: the error comes out, the rest do not hang close()."""
    server = DrawingServer(jobs=2)
    try:
        with deadline(20, "good figures around a bad one"):
            for name, data in numbers["2"].items():
                server.submit(("k-2", name), data)
            server.submit(("k-2", "nope.svg"), {})
            with pytest.raises(LksymError, match="nope.svg"):
                list(server.results(len(numbers["2"]) + 1))
    finally:
        closed(server)


def test_killed_before_any_task_is_noticed():
    server = DrawingServer(jobs=2)
    try:
        os.kill(server._process.pid, signal.SIGKILL)
        with deadline(10, "results() from a killed server"):
            with pytest.raises(LksymError, match=r"stopped unexpectedly \(exit code -9\)"):
                list(server.results(1))
    finally:
        closed(server)


def test_killed_after_drawing_is_noticed(numbers):
    """Once the pool's workers exist, a server that dies must still be noticed at once."""
    before = family()
    server = DrawingServer(jobs=2)
    try:
        with deadline(20, "the first figure"):
            server.submit(("k-2", "zoom.svg"), numbers["2"]["zoom.svg"])
            [(key, _)] = server.results(1)
        assert key == ("k-2", "zoom.svg")
        workers = family() - before - {server._process.pid}
        assert workers, "the server's drawing workers should exist by now"
        os.kill(server._process.pid, signal.SIGKILL)
        started = time.monotonic()
        with deadline(5, "results() after the server was killed"):
            with pytest.raises(LksymError, match="stopped unexpectedly"):
                list(server.results(1))
        assert time.monotonic() - started < 5
        end = time.monotonic() + 3
        while family() - before and time.monotonic() < end:
            time.sleep(0.05)
        assert not family() - before, "the killed server's workers were left running"
    finally:
        kill_all(family() - before)  # unblocks the reader thread if the bug is there
        closed(server)


def test_abort_drops_the_tasks_not_started(numbers):
    """Leaving on an error must not wait for every figure already queued to be drawn."""
    server = DrawingServer(jobs=2)
    tasks = [(("k-2", f"{i}-zoom.svg"), numbers["2"]["zoom.svg"]) for i in range(40)]
    try:
        with deadline(20, "an aborted close()"):
            for (folder, name), data in tasks:
                server.submit((folder, "zoom.svg"), data)
            server.close(abort=True)
        answered = server._answers.qsize() - 1  # minus the reader's final "stopped"
        assert 0 <= answered < len(tasks), f"{answered} of {len(tasks)} figures drawn after an abort"
        assert not server._process.is_alive() and server._process.exitcode == 0
    finally:
        closed(server)


def test_error_inside_the_block_aborts(numbers):
    before = time.monotonic()
    with pytest.raises(RuntimeError, match="a bad k"):
        with deadline(20, "leaving the block on an error"):
            with DrawingServer(jobs=2) as server:
                for _ in range(40):
                    server.submit(("k-2", "zoom.svg"), numbers["2"]["zoom.svg"])
                raise RuntimeError("a bad k")
    assert not server._process.is_alive()
    # 40 figures take about a second on two cores; an abort is over well before.
    assert time.monotonic() - before < 10


def test_ctrl_c_between_the_fork_and_the_with_block_stops_the_server(monkeypatch):
    # The server ignores SIGINT and waits for tasks; interrupted before anyone could close it, it once kept
    # the interpreter's exit (multiprocessing joins its children) waiting for ever.
    import multiprocessing

    import lksym.writers.pipeline as pipeline

    class Interrupted(threading.Thread):
        def start(self):
            raise KeyboardInterrupt

    monkeypatch.setattr(pipeline.threading, "Thread", Interrupted)
    before = set(multiprocessing.active_children())
    with pytest.raises(KeyboardInterrupt):
        DrawingServer(jobs=1)
    assert set(multiprocessing.active_children()) <= before
