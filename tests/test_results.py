"""lksym.results: one frozen Analysis per penalty, the same for equal inputs, and one clear error otherwise."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from lksym.derivation.regime import Regime
from lksym.errors import InputError
from lksym.results import Analysis, analyze


def test_the_analysis_is_frozen(analysis_of):
    a = analysis_of("3/2")
    assert isinstance(a, Analysis)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.convex = False


@pytest.mark.parametrize("texts", [("3/2", "1.5", "6/4"), ("1/2", "0.5"), ("2", "4/2")])
def test_equal_k_give_equal_analyses(analysis_of, texts):
    first = analysis_of(texts[0])
    for text in texts[1:]:
        assert analysis_of(text) == first, text


def test_every_input_form_of_k_is_one_analysis(analysis_of):
    a = analysis_of("3/2")
    assert analyze(sp.Rational(3, 2)) == a
    assert a.k == sp.Rational(3, 2) and a.regime is Regime.BETWEEN


@pytest.mark.parametrize(
    "text, k, convex, sparse, smoothness",
    [("1/2", sp.Rational(1, 2), False, True, 0), ("1", 1, True, True, 0), ("2", 2, True, False, None),
     ("3", 3, True, False, 2)],
)
def test_power_facts_by_hand(analysis_of, text, k, convex, sparse, smoothness):
    a = analysis_of(text)
    assert (a.k, a.convex, a.sparse, a.smoothness) == (k, convex, sparse, smoothness)


@pytest.mark.parametrize("text, convex, sparse", [("l0", False, True), ("huber(delta=1)", True, False),
                                                  ("mcp(lam=1, gamma=3)", False, True)])
def test_other_penalties_by_hand(analysis_of, text, convex, sparse):
    a = analysis_of(text)
    assert a.k is None  # not the power family
    assert (a.convex, a.sparse) == (convex, sparse)


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "", "1/0", "oo", "w^", "__import__('os')"])
def test_bad_input_is_one_input_error(bad):
    with pytest.raises(InputError) as error:
        analyze(bad)
    assert "\n" not in str(error.value) and str(error.value)
