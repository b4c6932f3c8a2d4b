"""lksym.budget: the SIGALRM deadline, nested guards, and the time limit of analyze()."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from lksym import budget
from lksym.budget import Timeout, deadline
from lksym.errors import InputError


def test_deadline_interrupts_and_cleans_up():
    handler = signal.getsignal(signal.SIGALRM)
    start = time.monotonic()
    with pytest.raises(Timeout):
        with deadline(0.1):
            time.sleep(5)
    assert 0.05 < time.monotonic() - start < 2
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is handler


def test_a_fast_block_is_untouched():
    with deadline(5):
        value = sum(range(1000))
    assert value == 499500
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_inner_guard_shorter_than_outer():
    start = time.monotonic()
    with pytest.raises(Timeout):
        with deadline(1.0):
            with pytest.raises(Timeout):
                with deadline(0.1):
                    time.sleep(5)
            inner = time.monotonic() - start
            time.sleep(5)
    assert inner < 0.8  # the inner guard fired first
    assert 0.8 < time.monotonic() - start < 3  # and the outer one still fired on time


def test_outer_timer_of_the_caller_is_honoured_and_given_back():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(time.monotonic()))
    try:
        start = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, 0.6)
        with deadline(5):
            time.sleep(0.1)
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0.2 < left <= 0.5, left  # given back, minus the time spent inside
        while not fired and time.monotonic() - start < 3:
            time.sleep(0.02)
        assert fired and fired[0] - start < 1.5
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _in_thread(work, wait: float = 30.0) -> list:
    seen: list = []

    def run():
        try:
            seen.append(work())
        except BaseException as error:  # noqa: BLE001 - handed to the test
            seen.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(wait)
    assert not thread.is_alive(), "the limit did not hold off the main thread"
    return seen


def test_off_the_main_thread_it_interrupts_sympy():
    import sympy as sp

    def work():
        start = time.monotonic()
        with deadline(0.05):
            while time.monotonic() - start < 10:
                sp.factorint(2**61 - 1 + int(time.monotonic() * 1000))
        return time.monotonic() - start

    assert budget.available() is True
    [outcome] = _in_thread(work)
    assert isinstance(outcome, Timeout)


def test_off_the_main_thread_a_fast_block_is_untouched():
    def work():
        with deadline(5):
            return sum(range(1000))

    assert _in_thread(work) == [499500]


# Any k analyses in a few hundredths of a second at best: a 5 ms limit always runs out.
SLOW_K, TINY_LIMIT = "7/5+sqrt(3)/7", 0.005


def test_costly_k_is_refused_within_its_time_limit():
    from lksym.results import analyze

    start = time.monotonic()
    with pytest.raises(InputError, match=r"^k = .* is too costly to analyse exactly \(over 0\.005 s\)"):
        analyze(SLOW_K, time_limit=TINY_LIMIT)
    assert time.monotonic() - start < 3
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_costly_k_is_a_one_line_exit_2_in_the_cli(monkeypatch):
    from click.testing import CliRunner

    import lksym.results
    from lksym.cli import main

    monkeypatch.setattr(lksym.results, "TIME_LIMIT", TINY_LIMIT)
    result = CliRunner().invoke(main, ["analyze", "--k", SLOW_K, "--json"])
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith("Error: k = ") and "is too costly to analyse exactly (over 0.005 s)" in line


@pytest.mark.parametrize("k", [SLOW_K, "sqrt(2)", "100.1"])
def test_analysis_time_limit_holds_in_a_thread(k):
    from lksym.derivation.expr import parse_k
    from lksym.results import analyze

    # Parse once here: the parser's own 1 s bound, on a cold start under the trace hook of a loaded
    # machine, is not what this test is about (the analysis' limit is).
    parse_k(k)
    start = time.monotonic()
    [outcome] = _in_thread(lambda: analyze(k, time_limit=TINY_LIMIT))
    assert isinstance(outcome, InputError) and "is too costly to analyse exactly" in str(outcome)
    assert time.monotonic() - start < 3


def test_analysis_in_a_thread_gives_the_main_thread_result():
    from lksym.results import analyze
    from lksym.writers.jsonout import dumps

    [outcome] = _in_thread(lambda: dumps(analyze("100.1")))
    assert outcome == dumps(analyze("100.1"))



def test_an_import_under_way_is_never_interrupted(tmp_path, monkeypatch):
    """The time runs out in the middle of an import: the import completes, the Timeout comes right after.

    numpy and SymPy load parts of themselves on first use (``np.unique`` imports ``numpy.ma``);
    an import interrupted half-way would leave a broken module for the rest of the process.
    (The trace guard's own import check is :func:`lksym.budget.interruptible`.)
    """
    import sys

    name = "lksym_test_slow_import"
    (tmp_path / f"{name}.py").write_text("import time\ntime.sleep(0.3)\nDONE = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    start = time.monotonic()
    with pytest.raises(Timeout):
        with deadline(0.02):
            __import__(name)
            time.sleep(5)  # where the Timeout lands: the next alarm after the import
    assert 0.3 <= time.monotonic() - start < 2
    assert sys.modules[name].DONE is True


def test_bounded_gives_the_value_or_none_on_its_own_timeout():
    assert budget.bounded(sum, [1, 2], limit=1.0) == 3
    start = time.monotonic()
    assert budget.bounded(time.sleep, 5, limit=0.1) is None
    assert time.monotonic() - start < 2
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # nothing left armed


def test_bounded_lets_an_outer_deadline_that_ends_first_through():
    start = time.monotonic()
    with pytest.raises(Timeout):
        with deadline(0.1):
            budget.bounded(time.sleep, 5, limit=3.0)
    assert time.monotonic() - start < 2


def test_bounded_inside_a_longer_outer_deadline_leaves_it_running():
    with deadline(5.0):
        assert budget.bounded(time.sleep, 5, limit=0.1) is None
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 3.0 < left <= 5.0  # the outer timer got back what was left of it
    with pytest.raises(Timeout):  # and it still fires
        with deadline(0.3):
            assert budget.bounded(time.sleep, 0.05, limit=0.1) is None
            time.sleep(5)


def test_bounded_off_the_main_thread():
    import sympy as sp

    def sympy_work():
        start = time.monotonic()
        while time.monotonic() - start < 10:
            sp.factorint(2**61 - 1 + int(time.monotonic() * 1000))
        return "finished"

    def work():
        start = time.monotonic()
        return budget.bounded(sympy_work, limit=0.1), time.monotonic() - start

    [(value, seconds)] = _in_thread(work)
    assert value is None and seconds < 5


# --------------------------------------------------------------------------- bounded calls (issue 26: the budget is a promise)


def _huge_power() -> int:
    return 7 ** (10**9)  # one big-integer power in C: holds the interpreter, no alarm interrupts it


@pytest.mark.parametrize("in_thread", [False, True])
def test_a_c_call_no_alarm_interrupts_is_stopped_in_a_child(in_thread):
    results = []

    def run():
        start = time.monotonic()
        results.append((budget.attempt(_huge_power, 1.0, process=True), time.monotonic() - start))

    if in_thread:
        thread = threading.Thread(target=run)
        thread.start()
        thread.join(30)
    else:
        run()
    (outcome, elapsed), = results
    assert outcome == (False, None)
    assert elapsed < 1.0 + budget.CHILD_GRACE + 2  # slack for a loaded machine, not for the power (minutes)


def test_bounded_gives_the_result_and_failures_as_not_computed():
    assert budget.attempt(divmod, 5, 7, 2, process=True) == (True, (3, 1))
    assert budget.attempt(divmod, 5, 7, 0, process=True) == (False, None)
    assert budget.attempt(divmod, 5, 7, 0) == (False, None)
    assert budget.attempt(divmod, 0, 7, 2) == (False, None)
