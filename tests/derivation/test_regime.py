"""lksym.derivation.regime: the regime of each k and the parity of integer k, against a hand table."""

from __future__ import annotations

import pytest
import sympy as sp

from lksym.derivation.regime import K, Regime, classify, integer_parity

R = sp.Rational

# (k, regime): boundaries exactly at 1 and 2, irrationals on both sides of them, and values within 1e-30 of them.
HAND = [
    (R(1, 10), Regime.SUBLINEAR),
    (R(1, 2), Regime.SUBLINEAR),
    (1 / sp.sqrt(3), Regime.SUBLINEAR),
    (1 - R(1, 10**30), Regime.SUBLINEAR),
    (sp.Integer(1), Regime.L1),
    (1 + R(1, 10**30), Regime.BETWEEN),
    (sp.sqrt(2), Regime.BETWEEN),
    (sp.Integer(2) ** R(1, 3), Regime.BETWEEN),
    (R(19, 10), Regime.BETWEEN),
    (2 - R(1, 10**30), Regime.BETWEEN),
    (sp.Integer(2), Regime.L2),
    (sp.sqrt(4), Regime.L2),  # SymPy makes this 2: still L2, not STEEP
    (2 + R(1, 10**30), Regime.STEEP),
    (sp.E, Regime.STEEP),
    (sp.pi, Regime.STEEP),
    (R(7, 3), Regime.STEEP),
    (sp.Integer(10), Regime.STEEP),
]


@pytest.mark.parametrize("k, regime", HAND, ids=[str(k) for k, _ in HAND])
def test_classify_by_hand(k, regime):
    assert classify(k) is regime


@pytest.mark.parametrize("k, regime", HAND, ids=[str(k) for k, _ in HAND])
def test_exactly_one_condition_holds_and_it_is_the_regime(k, regime):
    holding = [r for r in Regime if bool(r.condition.subs(K, k))]
    assert holding == [regime]


def test_conditions_and_texts_by_hand():
    assert [r.condition_text for r in Regime] == ["0 < k < 1", "k = 1", "1 < k < 2", "k = 2", "k > 2"]
    assert Regime.L1.condition == sp.Eq(K, 1) and Regime.STEEP.condition == (K > 2)
    assert K.is_positive
    assert all(r.title for r in Regime) and len({r.title for r in Regime}) == 5


def test_an_undecidable_k_is_an_error_not_a_guess():
    with pytest.raises(ValueError, match="cannot decide"):
        classify(sp.Symbol("q", positive=True))


@pytest.mark.parametrize(
    "k, parity",
    [(sp.Integer(1), "odd"), (sp.Integer(2), "even"), (sp.Integer(3), "odd"), (sp.Integer(10), "even"),
     (sp.sqrt(4), "even"), (R(3, 2), None), (sp.sqrt(2), None), (sp.pi, None), (R(10, 5), "even")],
)
def test_integer_parity_by_hand(k, parity):
    assert integer_parity(k) == parity
