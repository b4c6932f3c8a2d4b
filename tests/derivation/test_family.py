"""The symbolic-k cases against the numeric analysis of sample k in each case, and the hand table."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp
from conftest import K_CASES, W

from lksym.derivation.analysis import POINTS
from lksym.derivation.family import case_of, cases
from lksym.derivation.regime import K
from lksym.app.family import symbolic_family
from lksym.writers.family import to_dict

R = sp.Rational
SAMPLES = {
    "SUBLINEAR": [R(1, 10), R(1, 2), R(2, 3), R(99, 100), 1 / sp.sqrt(3)],
    "L1": [sp.Integer(1)],
    "BETWEEN": [R(101, 100), R(4, 3), R(3, 2), sp.sqrt(2), R(19, 10)],
    "L2": [sp.Integer(2)],
    "STEEP_EVEN": [sp.Integer(4), sp.Integer(6), sp.Integer(10)],
    "STEEP_OTHER": [R(201, 100), R(7, 3), R(5, 2), sp.Integer(3), sp.pi, sp.Integer(5), R(11, 2)],
}


def test_cases_cover_every_k_without_overlap():
    assert [c.name for c in cases()] == list(SAMPLES)
    probes = [v for vs in SAMPLES.values() for v in vs] + [R(1, 1000), R(2001, 1000), sp.Integer(1000), sp.E]
    for k in probes:
        assert sum(c.holds_for(k) for c in cases()) == 1, k


@pytest.mark.parametrize("name", list(SAMPLES))
def test_case_facts_equal_the_numeric_analysis(name, analysis_of):
    case = next(c for c in cases() if c.name == name)
    for k in SAMPLES[name]:
        assert case_of(k) is case
        a = analysis_of(sp.sstr(k))
        assert a.power.k == k
        for part in a.parts:
            for point in POINTS:
                assert case.limits[part.name][point] == part.limits[point], (k, part.name, point)
            assert case.continuity[part.name] == part.at_zero.continuous, (k, part.name)
        assert case.convex == a.convex and case.sparse == a.sparse
        assert case.lipschitz_gradient_near_zero == a.lipschitz_gradient_near_zero
        smooth = case.smoothness
        if isinstance(smooth, sp.Basic):
            smooth = int(smooth.subs(K, k))
        assert smooth == a.smoothness, k
        for mine, theirs in ((case.penalty, a.penalty), (case.gradient, a.gradient), (case.curvature, a.curvature)):
            f = sp.lambdify(W, mine.subs(K, k), "numpy")
            g = sp.lambdify(W, theirs.expr, "numpy")
            w = np.array([-2.5, -0.7, -0.01, 0.3, 1.9])
            np.testing.assert_allclose(f(w) * np.ones_like(w), g(w) * np.ones_like(w), rtol=1e-12)


def test_hand_table_agrees(analysis_of):
    # conftest's hand-written regimes and smoothness, per k, through the symbolic cases.
    for c in K_CASES:
        case = case_of(c.k)
        assert case.name.startswith(c.regime)
        smooth = case.smoothness
        if isinstance(smooth, sp.Basic):
            smooth = int(smooth.subs(K, c.k))
        assert smooth == c.smoothness, c.text
        assert case.limits == {p: c.limits(p) for p in ("penalty", "gradient", "curvature")}


def test_json_shape():
    d = to_dict(symbolic_family())
    assert d["k"] == "k" and len(d["cases"]) == 6
    between = d["cases"][2]
    assert between["condition"] == "(k > 1) & (k < 2)"
    assert between["gradient"] == "k*Abs(w)**(k - 1)*sign(w)"
    assert d["cases"][4]["smoothness"] == "inf" and d["cases"][5]["smoothness"] == "ceiling(k) - 1"
    names = {"k": K, "w": W}
    for case in d["cases"]:
        sp.sympify(case["condition"], locals=names)
        sp.sympify(case["gradient"], locals=names)
    json.dumps(d)


def test_cli_symbolic_k():
    from click.testing import CliRunner

    from lksym.cli import main

    runner = CliRunner()
    out = runner.invoke(main, ["analyze", "--k", "k", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == to_dict(symbolic_family())
    plain = runner.invoke(main, ["analyze", "--k", "k"])
    assert plain.exit_code == 2 and "symbolic" in plain.output


def test_symbolic_report(tmp_path):
    from click.testing import CliRunner

    from lksym.cli import main

    runner = CliRunner()
    out = runner.invoke(main, ["report", "--k", "k", "--out", str(tmp_path)])
    assert out.exit_code == 0, out.output
    folder = tmp_path / "k-symbolic"
    assert out.output.strip() == str(folder / "report.md")
    text = (folder / "report.md").read_text(encoding="utf-8")
    assert text.count("\n| ") == 7  # header + six cases
    assert "## What separates them" in text and "](gradients_sweep.svg)" in text
    assert json.loads((folder / "cases.json").read_text(encoding="utf-8")) == to_dict(symbolic_family())
    svg = (folder / "gradients_sweep.svg").read_bytes()
    runner.invoke(main, ["report", "--k", "k", "--out", str(tmp_path)])
    assert (folder / "gradients_sweep.svg").read_bytes() == svg
