"""lksym.derivation.interval: every float ball holds the exact value, checked against exact rationals and mpmath."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from lksym.derivation.interval import (
    ULP,
    Unsure,
    ball_add,
    ball_compile,
    ball_in_z,
    ball_inv,
    ball_mul,
    ball_positive,
    ball_pow,
    ball_sqrt,
    balls_apart,
)
from lksym.derivation.symbols import LAM, Z

# Normal magnitudes, as the derivation meets them (lam in 1e-6..1e7, catalogue parameters in 1e-3..1e3):
# near the bottom of the float range a rounding allowance relative to the midpoint underflows to 0.
FLOATS = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False).filter(
    lambda x: x == 0 or abs(x) > 1e-100)
RADII = st.floats(min_value=0, max_value=1e3, allow_nan=False, allow_infinity=False)


def holds(ball: tuple, exact: Fraction) -> bool:
    """Whether the real ball contains the exact rational, decided in exact arithmetic."""
    assert ball[2] is None
    return Fraction(ball[0]) - Fraction(ball[1]) <= exact <= Fraction(ball[0]) + Fraction(ball[1])


def members(m: float, r: float) -> list[Fraction]:
    """The ends and the middle of the ball (m, r): exact rationals it stands for."""
    return [Fraction(m) - Fraction(r), Fraction(m), Fraction(m) + Fraction(r)]


RELATIVE = st.floats(min_value=0, max_value=1e-6, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(FLOATS, RELATIVE, FLOATS, RELATIVE)
# Midpoints that cancel near the least normal float: the radii's sum rounded to nearest fell short (found by CI).
@example(a=1.1754943508222875e-38, sa=1.030848208692168e-07, b=-1.175494351e-38, sb=9.234823431309835e-07)
def test_sum_and_product_hold_every_exact_result(a, sa, b, sb):
    # Radii as the prox derivation makes them: rounding-sized, relative to the midpoint.
    ra, rb = sa * abs(a), sb * abs(b)
    A, B = (a, ra, None), (b, rb, None)
    s, p = ball_add(A, B), ball_mul(A, B)
    for x in members(a, ra):
        for y in members(b, rb):
            assert holds(s, x + y)
            assert holds(p, x * y)


@settings(max_examples=300, deadline=None)
@given(FLOATS, RADII)
def test_inverse_holds_the_exact_inverse_or_is_unsure_about_zero(a, ra):
    if abs(a) <= ra:
        with pytest.raises(Unsure):
            ball_inv((a, ra, None))
        return
    inv = ball_inv((a, ra, None))
    for x in members(a, ra):
        assert holds(inv, 1 / x)


@settings(max_examples=300, deadline=None)
@given(FLOATS, st.floats(min_value=0, max_value=10, allow_nan=False))
def test_square_root_holds_the_exact_root(a, ra):
    if a - ra <= 0 <= a + ra:
        with pytest.raises(Unsure):
            ball_sqrt((a, ra, None))
        return
    root = ball_sqrt((a, ra, None))
    with mpmath.workdps(60):
        for x in members(a, ra):
            exact = mpmath.sqrt(mpmath.mpf(x.numerator) / x.denominator)
            if x > 0:
                assert root[2] is None
                assert root[0] - root[1] <= exact <= root[0] + root[1]
            else:  # sqrt of a negative number is i*sqrt(-x): the ball is purely imaginary
                im = mpmath.sqrt(-mpmath.mpf(x.numerator) / x.denominator)
                assert (root[0], root[1]) == (0.0, 0.0)
                assert root[2][0] - root[2][1] <= im <= root[2][0] + root[2][1]


@pytest.mark.parametrize("n", [-3, -1, 1, 2, 5])
def test_integer_powers_hold_the_exact_power(n):
    for a in (0.3, -1.7, 2.5, 1e3):
        p = ball_pow((a, 1e-9, None), n)
        for x in members(a, 1e-9):
            assert holds(p, x**n)


def test_a_product_of_wide_balls_around_zero_is_rounded_outward():
    p = ball_mul((0.0, 89.0, None), (0.0, 737.1766824398728, None))
    assert holds(p, Fraction(89) * Fraction(737.1766824398728))


@settings(max_examples=400, deadline=None)
@given(st.floats(-1e6, 1e6), st.floats(0, 1e6), st.floats(-1e6, 1e6), st.floats(0, 1e6),
       st.sampled_from([1.0, 1e-300, 5e-324 * 2**20]))
def test_products_of_any_balls_hold_every_corner_exactly(m1, r1, m2, r2, scale):
    # Wide balls around any midpoint (0 included), at normal and subnormal scales: the exact product of
    # any two members lies in the product ball; the extremes are at the corners.
    a, b = (m1 * scale, r1 * scale, None), (m2, r2, None)
    p = ball_mul(a, b)
    for x in (Fraction(a[0]) - Fraction(a[1]), Fraction(a[0]) + Fraction(a[1])):
        for y in (Fraction(b[0]) - Fraction(b[1]), Fraction(b[0]) + Fraction(b[1])):
            assert holds(p, x * y)


def test_imaginary_balls_multiply_to_a_real_one():
    i2 = ball_mul((0.0, 0.0, (2.0, 0.0)), (0.0, 0.0, (3.0, 0.0)))  # (2i)(3i) = -6
    assert i2[2] is None and holds(i2, Fraction(-6))
    with pytest.raises(Unsure):  # two complex numbers with real parts: not kept as a ball
        ball_add((1.0, 0.0, (1.0, 0.0)), (1.0, 0.0, (1.0, 0.0)))


@pytest.mark.parametrize("m, r, expected", [(1.0, 0.5, True), (-1.0, 0.5, False), (0.0, 0.0, False), (1e-300, 0.0, True)])
def test_positive_decides_only_what_the_ball_settles(m, r, expected):
    assert ball_positive((m, r, None)) is expected


def test_positive_and_apart_are_unsure_or_false_on_overlap():
    with pytest.raises(Unsure):
        ball_positive((0.1, 0.2, None))
    assert not balls_apart((1.0, 0.1, None), (1.15, 0.1, None))
    assert balls_apart((1.0, 0.1, None), (1.5, 0.1, None))


EXPRESSIONS = [
    sp.sqrt(470) * sp.sqrt(LAM) / 10,
    (Z - LAM) ** 2 / 2 + LAM * sp.Rational(37, 10) * Z,
    (Z - LAM * sp.sqrt(2)) / (1 + 2 * LAM),
    Z**2 / 2 - (Z - sp.sqrt(3 * LAM)) ** 3 / (LAM + sp.Rational(1, 3)),
    sp.sqrt(Z**2 - 2 * LAM) + sp.Rational(1, 7),
]


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=str)
@pytest.mark.parametrize("z, lam", [(0.5, 0.1), (2.0, 1.0), (3.7, 2.5), (1e3, 1e-4), (0.01, 50.0)])
def test_a_compiled_expression_holds_its_50_digit_value(expr, z, lam):
    f = ball_compile(expr, (Z, LAM))
    assert f is not None
    exact = sp.N(expr.subs({Z: sp.Float(z, 60), LAM: sp.Float(lam, 60)}), 50)
    try:
        ball = f((z, lam))
    except Unsure:
        assert exact.is_real is False or abs(exact) < 1e-12  # only where the root's argument is near 0 or negative
        return
    if ball[2] is None:
        assert abs(sp.Float(ball[0], 60) - exact) <= sp.Float(ball[1], 60), (ball, exact)
        assert ball[1] <= 1e-12 * (1 + abs(ball[0]))  # and it is tight enough to decide anything
    else:
        assert abs(sp.re(exact) - ball[0]) <= ball[1] and abs(sp.im(exact) - ball[2][0]) <= ball[2][1]


@pytest.mark.parametrize("expr", EXPRESSIONS[1:3], ids=str)
def test_horner_in_z_gives_balls_holding_the_same_values(expr):
    f = ball_in_z(sp.expand(expr))
    if f is None:  # a divisor with z in it: not a polynomial in z
        assert sp.expand(expr).as_poly(Z) is None
        return
    for z, lam in [(0.5, 0.1), (2.0, 1.0), (2.0, 1.0), (7.0, 1.0)]:
        ball = f((z, lam))
        exact = sp.N(expr.subs({Z: sp.Float(z, 60), LAM: sp.Float(lam, 60)}), 50)
        assert abs(sp.Float(ball[0], 60) - exact) <= sp.Float(ball[1], 60)


def test_a_function_outside_the_compiled_operations_is_refused():
    assert ball_compile(sp.exp(Z), (Z,)) is None
    assert ball_compile(Z ** sp.Rational(1, 3), (Z,)) is None
    assert ball_compile(LAM, (Z,)) is None  # a symbol it was not given


def test_the_rounding_allowance_covers_one_float_operation():
    # ULP is four units in the last place (2**-52 each) relative: a sum's exact value is within it.
    a, b = 0.1, 0.2
    s = ball_add((a, 0.0, None), (b, 0.0, None))
    # The radius is that allowance, rounded outward by a few units of its own last place (interval._outward).
    assert holds(s, Fraction(a) + Fraction(b)) and ULP * abs(a + b) <= s[1] <= ULP * abs(a + b) * (1 + 2.0**-47)
    assert ULP == 4 * 2.0**-52 and math.isclose(ULP, 8.881784197001252e-16)
