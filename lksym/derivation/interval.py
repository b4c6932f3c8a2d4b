r"""Float balls: a midpoint and a radius that holds the exact value, for deciding comparisons cheaply.

A ball :math:`(m, r)` stands for every real in :math:`[m - r, m + r]`.  Each operation rounds its
midpoint in floats and widens the radius by the rounding (:data:`ULP` per operation, relative), so
the exact result of the same operation on any members lies in the result ball.  A comparison
that clears both radii (:func:`balls_apart`, :func:`ball_positive`) is the comparison of the exact
values; one that cannot (a ball containing 0, a tie, an overflow) raises :class:`Unsure` and the
caller decides at 40 digits with mpmath instead.  :func:`ball_compile` turns a SymPy expression of
``+``, ``*``, integer powers, ``sqrt`` and exact numbers into such a function of balls.
"""

from __future__ import annotations

import math
from typing import Callable, Optional

import sympy as sp

from lksym.derivation.symbols import LAM, Z


ULP = 2.0**-50
"""Rounding allowance per float operation (4 units): also covers the 40-digit error of the mpmath values."""


class Unsure(Exception):
    """A float ball cannot decide (contains 0, a tie, an overflow): the caller asks mpmath instead."""


def ball_add(a: tuple, b: tuple) -> tuple:
    # A ball is (mid, radius, imaginary ball or None); an imaginary ball is only kept where it excludes 0.
    if a[2] is not None and b[2] is not None:
        raise Unsure
    m = a[0] + b[0]
    # Rounded outward, as in ball_mul: where the midpoints cancel (1.17549435e-38 - 1.175494351e-38) ULP * |m| is
    # far below the rounding of the radii's sum.
    return (m, _outward(a[1] + b[1] + ULP * abs(m)), a[2] if a[2] is not None else b[2])


def _outward(r: float) -> float:
    """A radius summed in round-to-nearest floats, rounded up past the error of that sum.

    Its at most six nonnegative terms each round by half a unit (relative 2^-53) or, below the
    normal range, by half the smallest subnormal: the factor 1 + 2^-50 covers the first, the two
    steps up (each at least one smallest subnormal) the second.
    """
    return math.nextafter(math.nextafter(r + r * 2.0**-50, math.inf), math.inf)


def ball_mul(a: tuple, b: tuple) -> tuple:
    if a[2] is None and b[2] is None:
        m = a[0] * b[0]
        # Rounded outward: a ball around 0 has no ULP * |m| to absorb the rounding of its radius
        # ((0 +- 89) * (0 +- 737.18) summed to nearest comes out below 89 * 737.18).
        return (m, _outward(abs(a[0]) * b[1] + abs(b[0]) * a[1] + a[1] * b[1] + ULP * abs(m)), None)
    if a[2] is not None and b[2] is not None:
        if a[0] != 0 or a[1] != 0 or b[0] != 0 or b[1] != 0:
            raise Unsure
        m, r, _ = ball_mul((a[2][0], a[2][1], None), (b[2][0], b[2][1], None))
        return (-m, r, None)  # (i x)(i y) = -x y
    real, comp = (a, b) if a[2] is None else (b, a)
    if abs(real[0]) <= real[1]:
        raise Unsure
    re = ball_mul(real, (comp[0], comp[1], None))
    im = ball_mul(real, (comp[2][0], comp[2][1], None))
    if abs(im[0]) <= im[1]:
        raise Unsure
    return (re[0], re[1], im[:2])


def ball_inv(a: tuple) -> tuple:
    if a[2] is not None:
        if a[0] != 0 or a[1] != 0:
            raise Unsure
        m, r, _ = ball_inv((a[2][0], a[2][1], None))
        return (0.0, 0.0, (-m, r))  # 1/(i y) = -i/y
    m, r = a[0], a[1]
    if abs(m) <= r:
        raise Unsure
    v = 1 / m
    return (v, r / (abs(m) * (abs(m) - r)) + ULP * abs(v), None)


def ball_sqrt(a: tuple) -> tuple:
    m, r = a[0], a[1]
    if a[2] is not None:
        raise Unsure
    if m - r > 0:
        s = math.sqrt(m)
        return (s, r / (s + math.sqrt(m - r)) + ULP * s, None)
    if m + r < 0:
        s = math.sqrt(-m)
        return (0.0, 0.0, (s, r / (s + math.sqrt(-m - r)) + ULP * s))
    raise Unsure


def ball_pow(a: tuple, n: int) -> tuple:
    if n < 0:
        return ball_pow(ball_inv(a), -n)
    out = a
    for _ in range(n - 1):
        out = ball_mul(out, a)
    return out


def ball_compile(expr: sp.Expr, symbols: tuple) -> Optional[Callable]:
    """:func:`ball_node`, with a subexpression free of the symbols (``sqrt(470)/10``) evaluated once: the
    same float operations give the same ball on every call."""
    fn = ball_node(expr, symbols)
    if fn is None or expr.is_Atom or expr.free_symbols:
        return fn
    try:
        ball = fn(())
    except Exception:  # Unsure (or anything else) is raised again on every call, as before
        return fn
    return lambda args: ball


def ball_in_z(expr: sp.Expr) -> Optional[Callable]:
    r"""An objective :math:`\sum_k c_k(\lambda) z^k` (expanded) as a ball function of ``(z, lam)``, or ``None``.

    The coefficient balls are computed once per lam and reused for every z of it (Horner in z): the winner
    at ~10 values of z is asked per lam.  Any other enclosure of the same exact value is as good: a ball
    only decides where it clears every other, and else the 40-digit computation decides.
    """
    by_power: dict = {}
    for term in sp.Add.make_args(expr):
        c, e = term.as_coeff_exponent(Z)
        if c.has(Z) or not (e.is_Integer and e >= 0):
            return None
        by_power[int(e)] = by_power.get(int(e), sp.S.Zero) + c
    top = max(by_power)
    parts = [ball_compile(by_power.get(k, sp.S.Zero), (LAM,)) for k in range(top, -1, -1)]
    if any(p is None for p in parts):
        return None
    last: list = [None, None]  # the lam of the coefficients held, and those coefficients

    def f(args):
        z, lam = args
        if last[0] != lam:
            coeffs = [ball_finite(p((lam,))) for p in parts]
            last[0], last[1] = lam, coeffs
        coeffs = last[1]
        zb = (z, 0.0, None)
        out = coeffs[0]
        for c in coeffs[1:]:
            out = ball_add(ball_mul(out, zb), c)
        return out

    return f


def ball_node(expr: sp.Expr, symbols: tuple) -> Optional[Callable]:
    """``expr`` as a function of float ``symbols`` returning a ball that holds its exact value, or ``None``.

    A ball is ``(mid, radius, None)`` for a real number, or ``(re_mid, re_radius, (im_mid, im_radius))``
    for one whose imaginary part is certainly nonzero.  Only ``+``, ``*``, integer powers and square
    roots of rationals and the symbols are compiled (every expression of :class:`Quadratic`); the
    function raises :class:`Unsure` where a ball cannot decide (a divisor or a square root's argument
    that may be 0, a product of two non-real numbers).
    """
    if expr.is_Symbol:
        if expr not in symbols:
            return None
        i = symbols.index(expr)
        return lambda args: (args[i], 0.0, None)
    if expr is sp.I:
        return lambda args: (0.0, 0.0, (1.0, 0.0))
    if expr.is_Rational or expr.is_Float:
        m = float(expr)
        ball = (m, 0.0 if expr.is_Integer and abs(m) < 2**53 else ULP * abs(m), None)
        return lambda args: ball
    parts = [ball_compile(a, symbols) for a in expr.args]
    if any(p is None for p in parts):
        return None
    if expr.is_Add or expr.is_Mul:
        op = ball_add if expr.is_Add else ball_mul

        def fold(args, parts=parts, op=op):
            out = parts[0](args)
            for p in parts[1:]:
                out = op(out, p(args))
            return out

        return fold
    if expr.is_Pow:
        base, e = parts[0], expr.exp
        if e.is_Integer:
            return lambda args: ball_pow(base(args), int(e))
        if e.is_Rational and e.q == 2:  # the principal root, as mpmath takes it
            return lambda args: ball_pow(ball_sqrt(base(args)), int(e.p))
    return None


def ball_finite(ball: tuple) -> tuple:
    if not all(math.isfinite(v) for v in ball[:2]) or (ball[2] is not None and not all(math.isfinite(v) for v in ball[2])):
        raise Unsure
    return ball


def balls_apart(a: tuple, b: tuple, tol: float = 1e-19) -> bool:
    """Whether two real balls are separated by more than ``tol`` relative (far beyond mpmath's 1e-25 merging)."""
    return abs(a[0] - b[0]) - a[1] - b[1] > tol * (1 + max(abs(a[0]), abs(b[0])) + a[1] + b[1])


def ball_positive(ball: tuple) -> bool:
    """Whether a real ball is > 0 (raises :class:`Unsure` when it holds 0)."""
    if ball[0] - ball[1] > 0:
        return True
    if ball[0] + ball[1] <= 0:
        return False
    raise Unsure


