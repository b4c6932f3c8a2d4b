"""lksym.numerics.fitting: the data, the step sizes, the prox of each penalty and the measures, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from lksym.errors import InputError
from lksym.numerics.fitting import FitResult, default_alpha, fixed_order_matvec, make_data, measures, prox_step


@pytest.mark.parametrize("shape", [(200, 50), (50, 50), (3, 7)])
def test_fixed_order_matvec_is_the_sequential_sum(shape):
    rng = np.random.default_rng(sum(shape))
    A, v = rng.standard_normal(shape), rng.standard_normal(shape[1])
    got = fixed_order_matvec(A, v)
    for i in range(shape[0]):
        total = 0.0
        for j in range(shape[1]):  # plain Python floats: IEEE, left to right
            total += float(A[i, j]) * float(v[j])
        assert got[i] == total  # bit for bit, whatever BLAS this NumPy uses
    assert np.allclose(got, A @ v, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("A, v", [
    (np.array([[-0.0, 0.0], [-0.0, -0.0]]), np.array([1.0, 1.0])),  # a sum of -0.0 is +0.0, as from 0.0 + ...
    (np.array([[1.0, -1.0, 1e-300]]), np.array([1e308, 1e308, -1.0])),  # cancels to +0.0, then -1e-300
    (np.array([[1e308, 1e308, -1e308]]), np.array([1.0, 1.0, 1.0])),  # overflows in order: inf stays inf
    (np.zeros((3, 0)), np.zeros(0)),  # no columns: the loop's zeros
])
def test_fixed_order_matvec_keeps_the_loops_zeros_and_order(A, v):
    expected = []
    for row in A:
        total = 0.0
        for a, x in zip(row.tolist(), v.tolist()):
            total += a * x
        expected.append(total)
    with np.errstate(over="ignore"):
        got = fixed_order_matvec(A, v)
    assert got.tolist() == expected and np.signbit(got).tolist() == np.signbit(np.array(expected)).tolist()


def test_make_data_is_a_function_of_the_seed():
    a, b, c = make_data(5), make_data(5), make_data(6)
    for name in ("X", "y", "X_test", "y_test", "w_true"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert not np.array_equal(a.X, c.X)
    assert np.array_equal(a.support, np.flatnonzero(a.w_true)) and a.support.size == 5


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0", None])
def test_make_data_refuses_bad_seeds(seed):
    with pytest.raises(InputError, match="seed"):
        make_data(seed)


@pytest.mark.parametrize("k, alpha", [(1, 1.5), (0.5, 3.0), (2, 0.75), (3, 0.5), (10, 0.15)])
def test_default_alpha_by_hand(k, alpha):
    assert default_alpha(k) == pytest.approx(alpha, rel=1e-15)


def _hand(text, lam, v):
    """Closed forms worked out by hand (ties at a hard threshold may go either way: see the caller)."""
    a = np.abs(v)
    return {
        "1": np.sign(v) * np.maximum(a - lam, 0),  # soft threshold
        "2": v / (1 + 2 * lam),  # ridge: x + 2 lam x = v
        "l0": np.where(a > np.sqrt(2 * lam), v, 0.0),  # hard threshold at sqrt(2 lam)
        # 0.5|w| + 0.25 w^2: soft threshold at lam/2, then divide by 1 + lam/2
        "elastic_net(l1=0.5, l2=0.25)": np.sign(v) * np.maximum(a - lam / 2, 0) / (1 + lam / 2),
    }[text]


@pytest.mark.parametrize("text", ["1", "2", "l0", "elastic_net(l1=0.5, l2=0.25)"])
@pytest.mark.parametrize("lam", [0.1, 0.5, 2.0])
def test_prox_step_is_the_hand_closed_form(analysis_of, text, lam):
    v = np.linspace(-4, 4, 801)
    got = prox_step(analysis_of(text), lam)(v)
    want = _hand(text, lam, v)
    tie = np.isclose(np.abs(v), np.sqrt(2 * lam), rtol=1e-12) if text == "l0" else np.zeros(v.shape, bool)
    np.testing.assert_allclose(got[~tie], want[~tie], rtol=1e-12, atol=1e-12)
    assert np.all((got[tie] == 0) | (got[tie] == v[tie]))


@pytest.mark.parametrize("text", ["mcp(lam=1, gamma=3)", "scad(lam=1, a=3.7)", "logsum(eps=0.1)", "capped_l1(theta=1)"])
@pytest.mark.parametrize("lam", [0.3, 1.0])
def test_prox_step_is_the_brute_force_argmin(analysis_of, text, lam):
    hand = {
        "mcp(lam=1, gamma=3)": lambda t: np.where(t <= 3, t - t**2 / 6, 1.5),
        "scad(lam=1, a=3.7)": lambda t: np.where(t <= 1, t, np.where(t <= 3.7, (2 * 3.7 * t - t**2 - 1) / (2 * 2.7), 4.7 / 2)),
        "logsum(eps=0.1)": lambda t: np.log1p(t / 0.1),
        "capped_l1(theta=1)": lambda t: np.minimum(t, 1.0),
    }[text]
    v = np.linspace(-4, 4, 161)
    got = prox_step(analysis_of(text), lam)(v)
    grid = np.linspace(-5, 5, 200001)
    objective = 0.5 * (grid[None, :] - v[:, None]) ** 2 + lam * hand(np.abs(grid))[None, :]
    best = objective.min(axis=1)
    mine = 0.5 * (got - v) ** 2 + lam * hand(np.abs(got))
    # no grid point is lower (grid spacing 5e-5: rounding of the objective near its minimum is ~1e-9)
    assert np.all(mine <= best + 1e-8)
    assert np.array_equal(np.sign(got) * np.sign(v) >= 0, np.ones(v.shape, bool))  # never across 0


def test_measures_by_hand():
    data = make_data(0)
    w = data.w_true.copy()
    s = data.support
    w[s[0]] += 0.3  # one support weight off by 0.3
    off = np.setdiff1d(np.arange(w.size), s)
    w[off[:3]] = [5e-4, -2e-3, 0.1]  # one small, two not; the other 42 off-support weights stay exactly 0
    m = measures(FitResult(k=None, optimiser="gd", alpha=1.0, step=0.1, w=w, flips=7, history=np.zeros((1, w.size))), data)
    assert m["exact_zeros"] == 42 and m["small"] == 43 and m["flips"] == 7
    assert m["support_rmse"] == pytest.approx(np.sqrt(0.3**2 / 5), rel=1e-12)
    residual = data.X_test @ w - data.y_test
    assert m["test_mse"] == pytest.approx(float(np.mean(residual**2)), rel=1e-12)
    assert m["off_support_median"] == 0.0
