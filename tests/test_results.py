"""lksym.results: one frozen Analysis per penalty, the same for equal inputs, and one clear error otherwise."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from lksym.derivation.regime import Regime
from lksym.errors import InputError
from lksym.results import Analysis, PowerFacts, analyze


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
    assert a.power == PowerFacts(sp.Rational(3, 2), Regime.BETWEEN)


@pytest.mark.parametrize(
    "text, k, convex, sparse, smoothness",
    [("1/2", sp.Rational(1, 2), False, True, 0), ("1", 1, True, True, 0), ("2", 2, True, False, None),
     ("3", 3, True, False, 2)],
)
def test_power_facts_by_hand(analysis_of, text, k, convex, sparse, smoothness):
    a = analysis_of(text)
    assert (a.power.k, a.convex, a.sparse, a.smoothness) == (k, convex, sparse, smoothness)


@pytest.mark.parametrize("text, convex, sparse", [("l0", False, True), ("huber(delta=1)", True, False),
                                                  ("mcp(lam=1, gamma=3)", False, True)])
def test_other_penalties_by_hand(analysis_of, text, convex, sparse):
    a = analysis_of(text)
    assert a.power is None  # not the power family
    assert (a.convex, a.sparse) == (convex, sparse)


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "", "1/0", "oo", "w^", "__import__('os')"])
def test_bad_input_is_one_input_error(bad):
    with pytest.raises(InputError) as error:
        analyze(bad)
    assert "\n" not in str(error.value) and str(error.value)


# --------------------------------------------------------------------------- the power family's own record


@pytest.mark.parametrize(
    "text, k, regime, parity",
    [("1/3", sp.Rational(1, 3), Regime.SUBLINEAR, None), ("1", 1, Regime.L1, "odd"),
     ("sqrt(2)", sp.sqrt(2), Regime.BETWEEN, None), ("1.5", sp.Rational(3, 2), Regime.BETWEEN, None),
     ("l2", 2, Regime.L2, "even"), ("3", 3, Regime.STEEP, "odd"), ("10", 10, Regime.STEEP, "even"),
     ("7/3", sp.Rational(7, 3), Regime.STEEP, None), ("pi", sp.pi, Regime.STEEP, None)],
)
def test_power_facts_record_by_hand(analysis_of, text, k, regime, parity):
    a = analysis_of(text)
    assert isinstance(a.power, PowerFacts)
    assert a.power.k == k and a.power.regime is regime and a.power.integer_parity == parity
    assert a.power.k == a.subject.k  # the record and the subject agree


@pytest.mark.parametrize("text", ["l0", "scad(lam=1, a=3.7)", "mcp(lam=1, gamma=3)", "huber(delta=1)",
                                  "elastic_net(l1=1, l2=1)", "capped_l1(theta=1)", "logsum(eps=0.1)",
                                  "log(1 + abs(w)/0.1)"])
def test_no_power_record_for_any_other_penalty(analysis_of, text):
    a = analysis_of(text)
    assert a.power is None and a.subject.k is None
    # The facts that are not the power family's alone stay on the analysis itself.
    assert a.prox is not None and a.gd is not None or "gd" in a.omitted


def test_power_facts_are_frozen_and_the_old_fields_gone(analysis_of):
    a = analysis_of("3/2")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.power.k = sp.Integer(2)  # type: ignore[misc]
    assert {f.name for f in dataclasses.fields(Analysis)} >= {"power", "crossovers", "bands"}
    assert not {"k", "regime"} & {f.name for f in dataclasses.fields(Analysis)}
    assert not hasattr(a, "k") and not hasattr(a, "regime")


@pytest.mark.parametrize("text, label", [("3/2", "L1.5"), ("7/3", "L7/3"), ("sqrt(2)", "L√2"), ("pi", "Lπ"),
                                         ("scad(lam=1, a=3.7)", "SCAD (λ = 1, a = 3.7)"), ("l0", "L0"),
                                         ("log(1 + abs(w)/0.1)", "log(1 + abs(w)/0.1)")])
def test_label_is_the_subjects_name(analysis_of, text, label):
    a = analysis_of(text)
    assert a.label == label == a.subject.name
