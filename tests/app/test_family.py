"""lksym.app.family: the symbolic family's frozen result, its sweep curves against the hand gradient."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from lksym.app.family import SWEEP, sweep_curve, symbolic_family
from lksym.derivation.family import cases
from lksym.derivation.regime import K
from lksym.derivation.symbols import X


@pytest.mark.parametrize("text", [*SWEEP, "7/3", "sqrt(2)", "0.1"])
def test_sweep_curve_is_the_hand_gradient(text):
    k = float(sp.sympify(text))
    c = sweep_curve(text)
    w = np.linspace(-1.5, 1.5, 601)
    assert np.array_equal(c.w, w) and c.label == text
    with np.errstate(all="ignore"):
        hand = k * np.sign(w) * np.abs(w) ** (k - 1)
    keep = (w != 0) & (np.abs(hand) <= 40)
    assert np.allclose(c.y[keep], hand[keep], rtol=1e-12, atol=1e-15)
    # A gap at 0 and far off the axes near a pole: no vertical line.
    assert np.isnan(c.y[~keep]).all()


def test_symbolic_family_holds_the_cases_and_the_general_formulas():
    f = symbolic_family()
    assert f.cases == cases()
    assert sp.simplify(f.gradient - K * X ** (K - 1)) == 0
    assert sp.simplify(f.curvature - K * (K - 1) * X ** (K - 2)) == 0
    assert [c.label for c in f.sweep] == list(SWEEP)
