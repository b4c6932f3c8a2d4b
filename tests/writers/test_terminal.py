"""The terminal summary speaks maths (Unicode), not SymPy code, and names penalties as people do."""

from __future__ import annotations

import re

import pytest
import sympy as sp

from lksym.derivation.mathtext import k_name, text
from lksym.writers.terminal import summary

W = sp.Symbol("w", real=True)
TAU, ALPHA, ETA, LAM = (sp.Symbol(n, positive=True) for n in ("tau", "alpha", "eta", "lam"))
Z = sp.Symbol("z", positive=True)

CODE = re.compile(r"\*\*|Abs\(|sqrt\(|\btau\b|\balpha\b|\beta\b|\blam\b|\boo\b|!=|<=|\*")


@pytest.mark.parametrize("expr, want", [
    (sp.Abs(W) ** sp.Rational(3, 2), "|w|^(3/2)"),
    (4 * TAU**2 / (9 * ALPHA**2), "4τ²/(9α²)"),
    (Z - LAM, "z − λ"),
    (Z / (1 + 2 * LAM), "z/(1 + 2λ)"),
    (sp.sqrt(2), "√2"),
    (sp.sqrt(3) * sp.sqrt(TAU), "√3·√τ"),
    (sp.cbrt(5) * TAU, "τ·∛5"),
    (9 * ETA**2 / 16, "9η²/16"),
    (-sp.oo, "-∞"),
    (3 * sp.sqrt(sp.Abs(W)) * sp.sign(W) / 2, "3√|w|·sign(w)/2"),
])
def test_unicode_text(expr, want):
    assert text(expr) == want


@pytest.mark.parametrize("k, want", [(sp.Rational(1, 2), "L0.5"), (sp.Integer(3), "L3"), (sp.Rational(7, 3), "L7/3"),
                                     (sp.sqrt(2), "L√2"), (sp.pi, "Lπ"), (1 + sp.Rational(1, 3), "L4/3")])
def test_k_names(k, want):
    assert k_name(k) == want


@pytest.mark.parametrize("k", ["0.1", "1/2", "1", "1.5", "2", "7/3", "3", "10", "sqrt(2)", "5/2", "2/3"])
def test_summary_has_no_sympy_code(analysis_of, k):
    out = summary(analysis_of(k))
    hits = [line for line in out.splitlines() if CODE.search(line)]
    assert not hits, hits


def test_summary_reads_as_maths(analysis_of):
    out = summary(analysis_of("3/2"))
    assert out.splitlines()[0] == "k = 3/2 (1 < k < 2): between L1 and L2"
    assert "f(w) = |w|^(3/2)" in out and "dead zone: α|f′(w)| < τ for |w| < 4τ²/(9α²)" in out
    assert "L1 pulls harder below, L1.5 above" in out
    assert "two-cycle w → -w at |w| = 9η²/16 (attracting)" in out
    assert summary(analysis_of("1")).splitlines()[0] == "k = 1: L1 (kink at 0)"
    assert "L√2 pulls harder below" in summary(analysis_of("sqrt(2)"))
    half = summary(analysis_of("1/2"))
    assert "prox(z) = 4z·cos(acos(" in half and "I" not in half
    assert "is the root in (0, z) of" in summary(analysis_of("7/3"))  # Ferrari's form is too long to print


@pytest.mark.parametrize("text, at, value", [("Heaviside(abs(w) - 1)", "1", "0"),
                                             ("abs(w)/2 + 2*Heaviside(abs(w) - 3/2)", "3/2", "3/4")])
def test_a_jump_says_which_value_the_penalty_takes_there(analysis_of, text, at, value):
    lines = [line for line in summary(analysis_of(text)).splitlines() if "breakpoint |w|" in line]
    assert lines == [f"  breakpoint |w| = {at}: jump, p = {value} there (the lower limit)"]
