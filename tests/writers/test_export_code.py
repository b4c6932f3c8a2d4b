"""The printers of exported modules (:mod:`lksym.writers.export_code`): printed code against mpmath, text by text.

The generated modules as a whole are tested in ``test_export.py``; here each printer alone, so a wrong
in-place step or a lost cancellation names the printer at fault.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from lksym.numerics.kernel import LAM, X, ZN
from lksym.writers.export_code import (
    backend_code,
    float_literal,
    form_propagates,
    statements,
    statements_by_lam,
)
from lksym.derivation.stable_form import without_cancellation

mpmath.mp.dps = 50

EXPRESSIONS = [
    ZN**sp.Rational(3, 2),
    ZN**sp.Rational(7, 2) / LAM,
    (ZN - LAM) / (1 - 1 / (3 * LAM)),
    sp.sqrt(1 + 12 * LAM * ZN) - 1,
    ZN**2 * LAM + 3 * ZN + 1,
    1 / (ZN + 1) ** 2,
    sp.exp(-ZN) * ZN,
    sp.Piecewise((ZN / 2, ZN <= 1), (ZN - LAM, ZN <= 3), (2 * ZN, True)),
    sp.Piecewise((0, ZN <= LAM), (ZN - LAM, True)),
]
ZS = [0.0, 1e-8, 0.3, 1.0, 2.5, 7.0, 1e3]


def _run(lines: list, z: np.ndarray, lam: float) -> np.ndarray:
    namespace = {"numpy": np, "math": math}
    exec("def f(z, lam):\n" + "\n".join(lines) + "\n", namespace)
    return namespace["f"](z, lam)


def _exact(expr, z: float, lam: float):
    return sp.N(expr.subs({ZN: sp.Float(z, 50), LAM: sp.Float(lam, 50)}), 30)


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=str)
@pytest.mark.parametrize("lam", [0.25, 1.0, 4.0])
def test_in_place_statements_compute_the_expression(expr, lam):
    z = np.array(ZS)
    kept = z.copy()
    got = _run(statements(expr, "numpy", "z", "    "), z, lam)
    assert np.array_equal(z, kept), "an input symbol was written to"
    want = [float(_exact(expr, v, lam)) for v in ZS]
    # Absolute slack of a few units of the terms: sqrt(1 + 12 lam z) - 1 cancels at small z in any printing.
    assert np.allclose(got, want, rtol=1e-12, atol=1e-13)


def test_statements_by_lam_choose_the_range_of_lam():
    form = sp.Piecewise((ZN / LAM, LAM < 1), (ZN * LAM, True))
    z = np.array([0.5, 2.0])
    for lam, want in ((0.5, z / 0.5), (2.0, z * 2.0)):
        assert np.allclose(_run(statements_by_lam(form, "numpy"), z, lam), want, rtol=1e-15)


@pytest.mark.parametrize("expr", [X**2 / 2, sp.log(1 + 10 * X), sp.Piecewise((X, X <= 1), (1, True)), sp.sqrt(X)], ids=str)
def test_backend_code_is_the_expression(expr):
    x = np.array([1e-6, 0.4, 1.0, 3.0])
    got = eval(backend_code(expr, "numpy"), {"numpy": np, "math": math, "x": x})
    want = [float(sp.N(expr.subs(X, sp.Float(v, 50)), 30)) for v in x]
    assert np.allclose(got, want, rtol=1e-13, atol=1e-15)  # log(1 + 10x) as printed cancels near 0


@pytest.mark.parametrize("expr", [sp.sqrt(1 + X**2) - 1, 1 - sp.exp(-X), sp.log(1 + 10 * X),
                                  sp.log(1 + X / 10), sp.log(1 + X / 3) / X], ids=str)
def test_without_cancellation_keeps_every_digit_near_0(expr):
    x = np.array([1e-12, 1e-8, 1e-3, 0.5, 2.0, 1e100])
    got = eval(backend_code(without_cancellation(expr), "numpy"), {"numpy": np, "math": math, "x": x})
    want = [float(mpmath.mpf(sp.N(expr.subs(X, sp.Float(v, 80)), 60))) for v in x]
    assert np.allclose(got, want, rtol=1e-14, atol=0)
    plain = eval(backend_code(expr, "numpy"), {"numpy": np, "math": math, "x": x})
    assert not np.allclose(plain, want, rtol=1e-14, atol=0), "the plain printing should lose digits here (test of the test)"


@pytest.mark.parametrize("value, text", [(sp.oo, "math.inf"), (-sp.oo, "-math.inf"), (sp.Rational(1, 3), repr(1 / 3)),
                                         (sp.Integer(2), "2.0")])
def test_float_literal(value, text):
    assert float_literal(value) == text


@pytest.mark.parametrize("form, propagates", [(ZN - LAM, True), (sp.Piecewise((0, ZN <= LAM), (ZN - LAM, True)), True),
                                              (sp.Min(ZN, LAM), False), (LAM, False)], ids=str)
def test_form_propagates(form, propagates):
    assert form_propagates(form) is propagates
