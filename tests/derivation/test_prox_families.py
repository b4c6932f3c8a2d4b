"""The per-family tables: one entry point per question, a family's shortcuts chosen in one place."""

from __future__ import annotations

import ast
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp

from lksym.derivation import analysis
from lksym.derivation.penalty import CATALOGUE, parse_penalty, parse_subject, power_of
from lksym.derivation.prox import (
    FAMILIES,
    PIECEWISE,
    family_prox,
    prox_closed_form,
    prox_numeric,
    prox_threshold,
    prox_vector,
    thresholding,
)
from lksym.derivation.prox import power as power_family
from lksym.derivation.prox.closed_form import piecewise_closed_form
from lksym.derivation.prox.threshold import piecewise_threshold
from lksym.derivation.symbols import LAM
from lksym.numerics import prox_solver

PACKAGE = Path(__file__).resolve().parents[2] / "lksym"


def test_only_the_power_family_has_its_own_entry():
    assert set(FAMILIES) == {"power"} and set(prox_solver.SOLVERS) == {"power"} and set(analysis.FAMILIES) == {"power"}
    assert family_prox(parse_subject("1.5")) is FAMILIES["power"]
    for name in CATALOGUE:
        assert name not in FAMILIES
    assert family_prox(parse_penalty("scad(lam=1, a=3.7)")) is PIECEWISE
    assert prox_solver.solver_of(parse_penalty("l0")) is prox_solver.PIECEWISE


@pytest.mark.parametrize("k", [sp.Rational(1, 2), sp.Integer(1), sp.Rational(3, 2), sp.Integer(2), sp.Integer(3), sp.sqrt(2)])
def test_a_penalty_and_its_bare_exponent_give_the_same_answers(k):
    penalty = power_of(k)
    assert prox_threshold(penalty) == prox_threshold(k) == power_family.power_threshold(k)
    assert prox_closed_form(penalty) == prox_closed_form(k)
    zs = np.array([-3.0, -0.4, 0.0, 0.2, 1.1, 2.5, 40.0])
    for lam in (0.1, 1.0, 3.0):
        assert np.array_equal(prox_vector(penalty, lam, zs), prox_vector(k, lam, zs))
        assert [prox_numeric(penalty, lam, z) for z in zs] == [prox_numeric(k, lam, z) for z in zs]


@pytest.mark.parametrize("text", ["1.5", "0.5", "l1", "scad(lam=1, a=3.7)", "l0", "huber(delta=1)"])
def test_the_power_shortcut_agrees_with_the_piecewise_route_where_both_apply(text):
    # The power family's closed forms hold above the threshold; the piecewise route's from z = 0: compare the
    # thresholds, which both routes derive, on a family where the piecewise one applies too.
    penalty = parse_subject(text)
    if penalty.family != "power":
        assert prox_threshold(penalty) == piecewise_threshold(penalty)
        assert prox_closed_form(penalty) == piecewise_closed_form(penalty)
        return
    if penalty.k >= 1:  # |w|^k with k >= 1 has quadratic-free pieces: the piecewise threshold is derived too
        assert sp.simplify(piecewise_threshold(penalty) - prox_threshold(penalty)) == 0
    else:
        # Below 1 the two derivations meet at the threshold value: check it at a few lam to 1e-12.
        for lam in (sp.Rational(1, 10), sp.Integer(1), sp.Integer(7)):
            a = float(prox_threshold(penalty).subs(LAM, lam))
            b = float(sp.N(piecewise_threshold(penalty).subs(LAM, lam), 20))
            assert abs(a - b) <= 1e-12 * (1 + a)


def test_thresholding_of_the_power_family_needs_no_closed_form():
    t = thresholding(parse_subject("0.5"))
    assert (t.sparse, t.continuous, t.unbiased) == (True, False, True)
    t = thresholding(parse_subject("2"))
    assert (t.sparse, t.continuous, t.unbiased) == (False, True, False)


def test_analysis_entry_point_goes_through_the_table():
    facts = analysis.derive(parse_subject("3/2"))
    assert facts["power"].k == sp.Rational(3, 2) and facts["power"].regime is not None
    facts = analysis.derive(parse_penalty("mcp(lam=1, gamma=3)"))
    assert facts["power"] is None and facts["curvature_min"] == sp.Rational(-1, 3)


ROOMS = ["derivation/prox", "derivation/interval.py", "numerics/prox_solver.py", "derivation/analysis.py", "results.py"]


def _sources():
    for room in ROOMS:
        path = PACKAGE / room
        yield from (sorted(path.glob("*.py")) if path.is_dir() else [path])


@pytest.mark.parametrize("path", list(_sources()), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_function_asks_which_family_it_is(path):
    # A family's knowledge is an entry of a table, not a branch: no `family == "power"` in these rooms.
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == "family":
            raise AssertionError(f"{path.name}:{node.lineno} compares .family")


@pytest.mark.parametrize("path", list(_sources()), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_each_room_is_under_700_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 700 or path.name == "analysis.py"


# --------------------------------------------------------------------------- the table's point values and flags


@pytest.mark.parametrize(
    "text, lam, z, exact",
    [
        ("1", 1, 3, 2), ("1", 1, -3, -2), ("1", 2, 1, 0),  # soft thresholding by hand
        ("2", 1, 3, 1), ("2", sp.Rational(1, 2), -4, -2),  # z/(1 + 2 lam)
        ("mcp(lam=1, gamma=3)", 1, 2, sp.Rational(3, 2)),  # (z - lam)/(1 - 1/gamma) inside the concave piece
        ("mcp(lam=1, gamma=3)", 1, 5, 5), ("mcp(lam=1, gamma=3)", 1, -sp.Rational(1, 2), 0),
        ("l0", 1, 2, 2), ("l0", 1, 1, 0),  # hard thresholding at sqrt(2 lam)
        ("huber(delta=1)", 1, 3, 2), ("huber(delta=1)", 1, sp.Rational(1, 2), sp.Rational(1, 4)),
    ],
)
def test_exact_at_one_point_by_hand(text, lam, z, exact):
    penalty = parse_subject(text)
    assert family_prox(penalty).exact_at(penalty, sp.S(lam), sp.S(z)) == exact
    # and the float solver agrees with it
    assert prox_numeric(penalty, float(lam), float(z)) == pytest.approx(float(exact), abs=1e-9)


def test_only_the_power_family_has_precise_digits_and_forms_above_the_threshold():
    half = parse_subject("0.5")
    entry = family_prox(half)
    assert entry.form_above_threshold and entry.precise is not None
    value = entry.precise(half, sp.Integer(1), sp.Integer(2))
    # prox of lam|x|^(1/2) at z = 2, lam = 1: the root of x - 2 + 1/(2 sqrt(x)) = 0 above the threshold 1.5
    assert abs(value - 2 + 1 / (2 * mpmath.sqrt(value))) < mpmath.mpf(10) ** -30 and value > 1.5
    for penalty in (parse_penalty(t) for t in ("scad(lam=1, a=3.7)", "l0", "log(1 + abs(w)/0.1)")):
        assert family_prox(penalty) is PIECEWISE and not PIECEWISE.form_above_threshold and PIECEWISE.precise is None


def test_a_piecewise_penalty_without_closed_form_has_no_exact_point():
    penalty = parse_penalty("logsum(eps=0.1)")
    assert prox_closed_form(penalty) is None and family_prox(penalty).exact_at(penalty, sp.S(1), sp.S(2)) is None
