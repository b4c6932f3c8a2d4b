"""lksym.numerics.numeric.evaluate: safe at 0, real for negative weights, symmetric, accurate.

Truth: hand-derived values at 0, plain NumPy/float formulas written here, and
mpmath numerical differentiation.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from lksym.numerics.numeric import evaluate

GRID = np.linspace(-3.0, 3.0, 601)
GRID = GRID[GRID != 0]


# --------------------------------------------------------------------------- (c) at w = 0


@pytest.mark.parametrize(
    "text, part, expected",
    [
        ("1.5", "gradient", 0.0),
        ("2", "curvature", 2.0),
        ("3", "curvature", 0.0),
        ("3", "gradient", 0.0),
        ("10", "curvature", 0.0),
        ("1.5", "penalty", 0.0),
        ("1/2", "penalty", 0.0),
        ("1/2", "gradient", math.nan),
        ("1", "gradient", math.nan),
        ("1", "curvature", math.nan),
        ("1.5", "curvature", math.nan),
        ("0.1", "curvature", math.nan),
        ("sqrt(2)", "curvature", math.nan),
        ("pi", "curvature", 0.0),
    ],
)
def test_value_at_zero(analysis_of, text, part, expected):
    value = evaluate(getattr(analysis_of(text), part), np.array([0.0]))[0]
    if math.isnan(expected):
        assert math.isnan(value), f"{part} of |w|^{text} at 0 should not exist, got {value}"
    else:
        assert value == expected


def test_value_at_zero_by_hand_for_every_k(k_case, k_analysis):
    kf = k_case.kf
    out = {p.name: evaluate(p, np.array([0.0, -0.0]))[0] for p in k_analysis.parts}
    assert out["penalty"] == 0.0
    if kf > 1:
        assert out["gradient"] == 0.0
    else:  # k <= 1: no derivative at 0 -- never numpy.sign(0) = 0
        assert math.isnan(out["gradient"])
    if kf == 2:
        assert out["curvature"] == 2.0
    elif kf > 2:
        assert out["curvature"] == 0.0
    else:
        assert math.isnan(out["curvature"])


def test_negative_zero_is_zero(analysis_of):
    g = evaluate(analysis_of("1/2").gradient, np.array([-0.0, 0.0]))
    assert np.isnan(g).all()


# --------------------------------------------------------------------------- (d) negative weights, symmetry


def test_finite_real_and_symmetric_off_zero(k_case, k_analysis):
    for part in k_analysis.parts:
        y, y_neg = evaluate(part, GRID), evaluate(part, -GRID)
        assert y.dtype == np.float64 and y.shape == GRID.shape
        assert np.isfinite(y).all(), (part.name, GRID[~np.isfinite(y)])
        assert np.isfinite(y_neg).all()
        sign = -1.0 if part.order == 1 else 1.0  # f even, f' odd, f'' even
        # Bit-exact except for numpy's w**9 (k = 10), which can differ by one ulp between w and -w.
        np.testing.assert_allclose(y_neg, sign * y, rtol=1e-15, atol=0)


def test_sign_of_gradient_and_curvature(k_case, k_analysis):
    g = evaluate(k_analysis.gradient, GRID)
    assert (np.sign(g) == np.sign(GRID)).all()
    c = evaluate(k_analysis.curvature, GRID)
    expected = np.sign(k_case.kf * (k_case.kf - 1))
    assert (np.sign(c) == expected).all()


def test_matches_independent_numpy_formula(k_case, k_analysis):
    kf = k_case.kf
    w = GRID
    with np.errstate(divide="ignore"):
        truth = {
            "penalty": np.abs(w) ** kf,
            "gradient": kf * np.sign(w) * np.abs(w) ** (kf - 1),
            "curvature": kf * (kf - 1) * np.abs(w) ** (kf - 2),
        }
    for part in k_analysis.parts:
        np.testing.assert_allclose(evaluate(part, w), truth[part.name], rtol=1e-13, atol=0, err_msg=part.name)


# --------------------------------------------------------------------------- (e) against mpmath


MP_POINTS = [-2.9, -1.7, -1.0, -0.41, -0.05, -1e-3, 1e-3, 0.05, 0.41, 1.0, 1.7, 2.9]


def test_matches_mpmath_to_1e_12(k_case, k_analysis):
    with mpmath.workdps(30):
        kk = mpmath.mpf(str(sp.N(k_case.k, 40)))

        def f(t):
            return mpmath.fabs(t) ** kk

        for part in k_analysis.parts:
            got = evaluate(part, np.array(MP_POINTS))
            for x, y in zip(MP_POINTS, got):
                truth = f(mpmath.mpf(x)) if part.order == 0 else mpmath.diff(f, mpmath.mpf(x), part.order)
                if truth == 0:
                    assert y == 0.0
                else:
                    assert abs((mpmath.mpf(y) - truth) / truth) < 1e-12, (part.name, x, y, truth)


# --------------------------------------------------------------------------- shapes


def test_shapes_and_constants(analysis_of):
    a1, a2 = analysis_of("1"), analysis_of("2")
    # constant expressions (0 and 2) must broadcast to the input's shape
    w = np.array([[-1.0, 0.0], [0.5, 2.0]])
    c1 = evaluate(a1.curvature, w)
    assert c1.shape == (2, 2)
    assert c1[0, 0] == 0.0 and math.isnan(c1[0, 1]) and c1[1, 0] == 0.0 and c1[1, 1] == 0.0
    c2 = evaluate(a2.curvature, w)
    assert (c2 == 2.0).all()
    g1 = evaluate(a1.gradient, [-2.0, 0.0, 3.0])
    assert g1[0] == -1.0 and math.isnan(g1[1]) and g1[2] == 1.0
    scalar = evaluate(analysis_of("1.5").gradient, 0.25)
    assert scalar.shape == () and float(scalar) == pytest.approx(1.5 * 0.5)


def test_input_is_not_modified(analysis_of):
    w = np.array([-1.0, 0.0, 1.0])
    evaluate(analysis_of("1/2").gradient, w)
    assert w.tolist() == [-1.0, 0.0, 1.0]


@settings(max_examples=60, deadline=None)
@given(
    text=st.sampled_from(["0.1", "1/2", "1", "1.5", "7/3", "3", "10", "sqrt(2)", "pi", "11/2"]),
    w=st.floats(min_value=1e-6, max_value=50.0, allow_nan=False) | st.floats(min_value=-50.0, max_value=-1e-6),
)
def test_property_gradient_matches_formula(analysis_of, cases, text, w):
    kf = cases[text].kf
    got = float(evaluate(analysis_of(text).gradient, np.array([w]))[0])
    want = kf * math.copysign(1.0, w) * abs(w) ** (kf - 1)
    assert math.isclose(got, want, rel_tol=1e-12)
    got_neg = float(evaluate(analysis_of(text).gradient, np.array([-w]))[0])
    assert math.isclose(got_neg, -got, rel_tol=1e-15)
