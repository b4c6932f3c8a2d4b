"""lksym.numerics.simulate: gradient-descent paths against a plain loop with the hand gradient, and their names."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import CASES_BY_TEXT
from lksym.numerics.simulate import STARTS, classify, simulate


@pytest.mark.parametrize("text", ["0.1", "1/2", "1", "1.5", "2", "7/3", "3", "sqrt(2)", "pi"])
@pytest.mark.parametrize("eta", [0.01, 0.1, 0.7])
def test_path_is_a_plain_loop_with_the_hand_gradient(analysis_of, text, eta):
    case = CASES_BY_TEXT[text]
    path = simulate(analysis_of(text), eta, steps=40)
    assert path.shape == (41, len(STARTS))
    assert path[0].tolist() == list(STARTS)
    # Step by step from lksym's own previous iterate: paths for k < 1 are chaotic (they jump across 0), so a
    # rounding difference would grow over a whole run; one step each is exact enough to compare tightly.
    for column in range(len(STARTS)):
        for t in range(40):
            w, got = float(path[t, column]), path[t + 1, column]
            if not math.isfinite(w) or abs(w) > 1e150:  # diverged: the path may overflow too
                break
            want = 0.0 if w == 0 else w - eta * case.gradient(w)
            assert got == pytest.approx(want, rel=1e-12, abs=1e-15 * max(1.0, abs(w))), (t, STARTS[column])


def test_l2_is_geometric_by_hand(analysis_of):
    # w_{t+1} = w_t - eta * 2 w_t = (1 - 2 eta) w_t
    path = simulate(analysis_of("2"), 0.1, steps=30, starts=[1.0, -0.3])
    t = np.arange(31)[:, None]
    np.testing.assert_allclose(path, np.array([1.0, -0.3]) * 0.8**t, rtol=1e-12)


def test_a_weight_on_zero_stays_there_where_the_gradient_is_infinite(analysis_of):
    path = simulate(analysis_of("1/2"), 0.1, steps=5, starts=[0.0, 0.25])
    assert np.all(path[:, 0] == 0)
    assert np.all(np.isfinite(path[:, 1]))


@pytest.mark.parametrize("eta", [0.0, -0.1, float("nan"), float("inf")])
def test_bad_step_size_is_refused(analysis_of, eta):
    with pytest.raises(ValueError, match="eta"):
        simulate(analysis_of("2"), eta)


@pytest.mark.parametrize("eta, kind", [(0.1, "decays"), (1.0, "flips"), (2.0, "diverges")])
def test_l2_outcomes_by_hand(analysis_of, eta, kind):
    # |1 - 2 eta| < 1 decays, = 1 with eta = 1 flips sign for ever, > 1 grows.
    a = analysis_of("2")
    path = simulate(a, eta)
    assert classify(a, eta, path, STARTS.index(0.3)).kind == kind
