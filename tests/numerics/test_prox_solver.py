"""The float solvers of the proximal step against an independent 60-digit bisection (mpmath)."""

from __future__ import annotations

import functools

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# --------------------------------------------------------------------------- lam as an array


ARRAY_PENALTIES = ["0.5", "1", "1.5", "2", "3", "10", "0.2", "scad(lam=1, a=3.7)", "mcp(lam=1, gamma=3)",
                   "logsum(eps=0.1)", "l0", "capped_l1(theta=1)", "huber(delta=1)", "elastic_net(l1=0.5, l2=0.25)"]
ARRAY_ZS = [0.0, -0.0, 1e-300, -1e-9, 0.01, -0.05, 0.3, -0.3, 0.7, -1.0, 1.7, 2.5, -4.0, 1e3]
ARRAY_LAMS = [0.001, 0.01, 0.5, 1.0, 3.0]


def _bits(values) -> bytes:
    return np.asarray(values, dtype=float).tobytes()  # +0 and -0 differ


@pytest.mark.parametrize("penalty", ARRAY_PENALTIES)
def test_an_array_lam_gives_each_coordinate_its_own_scalar_call(penalty):
    # Every (z, lam) pair in one call, against one call per coordinate with a scalar lam, bit for bit.
    subject = parse_subject(penalty)
    zs = np.array([z for z in ARRAY_ZS for _ in ARRAY_LAMS])
    lams = np.array([lam for _ in ARRAY_ZS for lam in ARRAY_LAMS])
    alone = [prox_vector(subject, float(lam), np.array([z]))[0] for z, lam in zip(zs, lams)]
    assert _bits(prox_vector(subject, lams, zs)) == _bits(alone)
    # ... and a scalar lam is the array lam of that value everywhere.
    assert _bits(prox_vector(subject, 0.5, zs)) == _bits(prox_vector(subject, np.full(zs.shape, 0.5), zs))


@pytest.mark.parametrize("k", ["0.5", "0.2", "1.5", "3"])
def test_a_power_prox_zero_is_the_same_whatever_the_other_coordinates(k):
    # In the dead zone of k < 1 (or at z = 0) the answer was once +0 alone and -0 beside an active coordinate.
    subject = parse_subject(k)
    for z in (-0.01, -0.0, 0.0, 0.01):
        alone = prox_vector(subject, 1.0, np.array([z]))
        beside = prox_vector(subject, 1.0, np.array([z, 5.0, -7.0]))[:1]
        assert _bits(alone) == _bits(beside), z


@settings(max_examples=60, deadline=None)
@given(k=st.sampled_from([0.3, 0.5, 0.9, 1.0, 1.2, 1.5, 2.0, 3.0, 10.0]),
       pairs=st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(1e-6, 1e3)), min_size=1, max_size=8))
def test_an_array_lam_is_elementwise_for_any_power(k, pairs):
    subject = parse_subject(str(k))
    zs, lams = np.array([z for z, _ in pairs]), np.array([lam for _, lam in pairs])
    alone = [prox_vector(subject, float(lam), np.array([z]))[0] for z, lam in pairs]
    assert _bits(prox_vector(subject, lams, zs)) == _bits(alone)


def test_lam_broadcasts_against_z():
    subject = parse_subject("1.5")
    z = np.array([[0.3, -2.0, 5.0], [1.0, 0.0, -0.2]])
    lam = np.array([[0.1], [2.0]])
    got = prox_vector(subject, lam, z)
    assert got.shape == z.shape
    for row, l in zip(range(2), (0.1, 2.0)):
        assert _bits(got[row]) == _bits(prox_vector(subject, l, z[row]))


@pytest.mark.parametrize("penalty", ["1.5", "1", "0.5", "scad(lam=1, a=3.7)"])
@pytest.mark.parametrize("lam", [np.array([0.5, 0.0]), np.array([0.5, -1.0]), np.array([0.5, np.nan]),
                                 np.array([np.inf, 0.5]), np.array([0.5, 0.5, 0.5])])
def test_a_bad_lam_array_is_refused(penalty, lam):
    with pytest.raises(ValueError, match="lam"):
        prox_vector(parse_subject(penalty), lam, np.array([0.3, -0.4]))
