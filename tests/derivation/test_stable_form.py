"""without_cancellation: the same function as written, with every digit near 0 (against mpmath at 60 digits)."""

from __future__ import annotations

import math

import mpmath
import pytest
import sympy as sp

from lksym.derivation.penalty import parse_penalty
from lksym.derivation.stable_form import without_cancellation
from lksym.derivation.symbols import X
from lksym.numerics.prox_solver import prox_numeric

EXPRESSIONS = [sp.sqrt(1 + X**2) - 1, 1 - sp.exp(-X), sp.log(1 + 10 * X), sp.log(1 + X / 10), sp.log(1 + X / 3) / X,
               sp.log(1 + X) / sp.log(2), X**2 / 2]


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=str)
def test_the_same_function_with_every_digit(expr):
    f = sp.lambdify(X, without_cancellation(expr), "math")
    truth = sp.lambdify(X, expr, "mpmath")  # as written, in 700 digits: 1 + 1e-300 keeps its 1e-300
    for v in (1e-300, 1e-30, 1e-12, 1e-8, 1e-3, 0.5, 2.0, 3.999, 4.0, 1e100):
        with mpmath.workdps(700):
            want = float(truth(mpmath.mpf(v)))
        assert math.isclose(f(v), want, rel_tol=4e-16, abs_tol=0), (expr, v, f(v), want)


@pytest.mark.parametrize("text", ["logsum(eps=0.1)", "logsum(eps=10)", "1 - exp(-abs(w))"])
@pytest.mark.parametrize("lam", [0.5, 2.0])
@pytest.mark.parametrize("z", [1e-300, 1e-30, -7e-30, 1e-12])
def test_the_float_solver_maps_tiny_inputs_of_concave_penalties_to_0(text, lam, z):
    # p concave with p'(0+) = 1/eps or 1: G(x) = x - |z| + lam p'(x) > 0 on (0, |z|] when |z| < lam p'(|z|), so the
    # prox is 0.  As written, p(|z|) rounded to 0 and x = |z| looked as good as 0 (the float solver returned |z|).
    assert prox_numeric(parse_penalty(text), lam, z) == 0.0
