"""The float solvers of the proximal step against an independent 60-digit bisection (mpmath)."""

from __future__ import annotations

import functools

import mpmath
import numpy as np
import pytest

from lksym.derivation.penalty import parse_subject
from lksym.numerics.prox_solver import prox_numeric, prox_vector

ZS = [1e-300, 1e-30, 1e-9, 1.2e-9, 1e-3, 0.5, 2.0, 1e3, 1e30]


@functools.lru_cache(maxsize=None)  # z and -z share their truth
def true_prox(k: float, lam: float, z: float) -> mpmath.mpf:
    """The root of x - z + lam k x^(k-1) on (0, z) for k > 1 (g increases there), by plain bisection at 60 digits.

    Bisection stops once the bracket is 1e-45 relative (32 digits past the 1e-13 the tests ask), or lies below
    1e-400 (a root there is below every float the tests compare with): more halvings change nothing a test sees.
    """
    with mpmath.workdps(60):
        zz, kk, ll = mpmath.mpf(z), mpmath.mpf(k), mpmath.mpf(lam)
        lo, hi = mpmath.mpf(0), zz
        tiny, close = mpmath.mpf(10) ** -400, mpmath.mpf(10) ** -45
        for _ in range(4000):
            if hi < tiny or hi - lo <= close * lo:
                break
            mid = (lo + hi) / 2
            if mid - zz + ll * kk * mpmath.power(mid, kk - 1) < 0:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2


@pytest.mark.parametrize("k, kf", [("1.5", 1.5), ("3", 3.0), ("7/3", 7 / 3), ("1.01", 1.01), ("2.5", 2.5)])
@pytest.mark.parametrize("lam", [1e-3, 1.0, 10.0])
def test_the_vector_prox_of_a_power_is_right_at_every_scale(k, kf, lam):
    # A root far below |z| (k = 3/2, lam = 1, z = 1e-9: 4.4e-19) was once pinned at 0 by bisecting [0, |z|].
    got = prox_vector(parse_subject(k), lam, np.array(ZS + [-z for z in ZS]))
    for z, x in zip(ZS + [-z for z in ZS], got):
        truth = float(true_prox(kf, lam, abs(z)))
        assert np.sign(x) in (np.sign(z), 0.0)
        if truth < 1e-300:  # below the smallest normal float: 0 or a subnormal is the right rounding
            assert abs(x) < 1e-300
        else:
            assert abs(x) == pytest.approx(truth, rel=1e-13), (z, x, truth)
        assert abs(x) == pytest.approx(prox_numeric(parse_subject(k), lam, abs(z)), rel=1e-12, abs=1e-300)
