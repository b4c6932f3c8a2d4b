"""The analysis of penalties other than |w|^k, against facts worked out by hand from their definitions."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from lksym.derivation.symbols import LAM, W
from lksym.results import analyze
from lksym.writers.jsonout import to_dict

R = sp.Rational
oo = sp.oo


def _scad(lam, a):
    # Fan and Li (2001), by hand: slope lam up to lam, a quadratic down to slope 0 at a*lam, constant beyond.
    return {
        "breakpoints": [(lam, 1), (a * lam, 1)],  # C^1 at both: the slopes match, the curvature jumps
        "smoothness": 0,
        "limits": {"penalty": (0, lam**2 * (a + 1) / 2), "gradient": (lam, 0), "curvature": (0, 0)},
        "convex": False,
        "curvature_min": -1 / (a - 1),
        "sparse": True,
        "continuous": LAM < a - 1,  # 1 + lam p'' > 0 with p'' = -1/(a-1) on a whole interval: strict
        "unbiased": True,
    }


def _mcp(lam, gamma):
    return {
        "breakpoints": [(gamma * lam, 1)],
        "smoothness": 0,
        "limits": {"penalty": (0, gamma * lam**2 / 2), "gradient": (lam, 0), "curvature": (-1 / gamma, 0)},
        "convex": False,
        "curvature_min": -1 / gamma,
        "sparse": True,
        "continuous": LAM < gamma,
        "unbiased": True,
    }


CASES = {
    "scad(lam=1, a=3.7)": _scad(R(1), R(37, 10)),
    "scad(lam=0.5, a=2.1)": _scad(R(1, 2), R(21, 10)),
    "scad(lam=2, a=10)": _scad(R(2), R(10)),
    "mcp(lam=1, gamma=3)": _mcp(R(1), R(3)),
    "mcp(lam=2, gamma=0.5)": _mcp(R(2), R(1, 2)),
    "elastic_net(l1=0.5, l2=0.25)": {
        "breakpoints": [], "smoothness": 0,
        "limits": {"penalty": (0, oo), "gradient": (R(1, 2), oo), "curvature": (R(1, 2), R(1, 2))},
        "convex": True, "curvature_min": R(1, 2), "sparse": True, "continuous": True, "unbiased": False,
    },
    "elastic_net(l1=0, l2=3)": {  # 3 w^2: a polynomial, ridge
        "breakpoints": [], "smoothness": None,
        "limits": {"penalty": (0, oo), "gradient": (0, oo), "curvature": (6, 6)},
        "convex": True, "curvature_min": 6, "sparse": False, "continuous": True, "unbiased": False,
    },
    "logsum(eps=0.1)": {
        "breakpoints": [], "smoothness": 0,
        "limits": {"penalty": (0, oo), "gradient": (10, 0), "curvature": (-100, 0)},
        "convex": False, "curvature_min": -100, "sparse": True,
        "continuous": LAM <= R(1, 100),  # the infimum -1/eps^2 is only approached at 0+: <= holds
        "unbiased": True,
    },
    "logsum(eps=1)": {
        "breakpoints": [], "smoothness": 0,
        "limits": {"penalty": (0, oo), "gradient": (1, 0), "curvature": (-1, 0)},
        "convex": False, "curvature_min": -1, "sparse": True, "continuous": LAM <= 1, "unbiased": True,
    },
    "capped_l1(theta=1)": {
        "breakpoints": [(1, 0)],  # the gradient drops from 1 to 0
        "smoothness": 0,
        "limits": {"penalty": (0, 1), "gradient": (1, 0), "curvature": (0, 0)},
        "convex": False, "curvature_min": 0, "sparse": True, "continuous": False, "unbiased": True,
    },
    "huber(delta=1)": {
        "breakpoints": [(1, 1)], "smoothness": None,
        "limits": {"penalty": (0, oo), "gradient": (0, 1), "curvature": (1, 0)},
        "convex": True, "curvature_min": 0, "sparse": False, "continuous": True, "unbiased": False,
    },
    "huber(delta=0.1)": {
        "breakpoints": [(R(1, 10), 1)], "smoothness": None,
        "limits": {"penalty": (0, oo), "gradient": (0, 1), "curvature": (10, 0)},
        "convex": True, "curvature_min": 0, "sparse": False, "continuous": True, "unbiased": False,
    },
    "l0": {
        "breakpoints": [], "smoothness": -1,  # p(0) = 0, p(0+) = 1: the penalty itself jumps
        "limits": {"penalty": (1, 1), "gradient": (0, 0), "curvature": (0, 0)},
        "convex": False, "curvature_min": 0, "sparse": True, "continuous": False, "unbiased": True,
    },
}


def _same(value, expected) -> bool:
    if isinstance(expected, bool):
        return value in (expected, sp.true if expected else sp.false)
    return sp.simplify(sp.S(value) - sp.S(expected)) == 0 if not isinstance(expected, sp.Basic) or not expected.is_Relational else value == expected


@pytest.mark.parametrize("text", CASES)
def test_facts_match_the_hand_derivation(text):
    a, hand = analyze(text), CASES[text]
    assert a.k is None and a.regime is None and a.subject.text.split("(")[0] == text.split("(")[0]
    assert [(b.at, b.smoothness) for b in a.breakpoints] == [(sp.S(at), s) for at, s in hand["breakpoints"]]
    assert a.smoothness == hand["smoothness"]
    for part, (at0, at_inf) in hand["limits"].items():
        limits = getattr(a, part).limits
        assert limits["0+"] == at0 and limits["+oo"] == at_inf, (part, limits)
        odd = part == "gradient"
        assert limits["0-"] == (-at0 if odd else at0) and limits["-oo"] == (-at_inf if odd else at_inf)
    assert a.convex is hand["convex"]
    assert a.curvature_min == hand["curvature_min"]
    assert a.sparse is hand["sparse"]
    t = a.thresholding
    assert t.sparse in (hand["sparse"], sp.true if hand["sparse"] else sp.false)
    assert _same(t.continuous, hand["continuous"]), t.continuous
    assert _same(t.unbiased, hand["unbiased"]), t.unbiased


@pytest.mark.parametrize("text", CASES)
def test_gradient_and_curvature_match_mpmath_derivatives(text):
    """The derived expressions against numerical derivatives of the penalty itself, at 30 digits, both signs."""
    a = analyze(text)
    mpmath.mp.dps = 30
    points = [R(1, 1000), R(3, 10), R(9, 10), R(3, 2), R(5, 2), R(7), R(100)]
    for b in a.breakpoints:
        points += [b.at * R(999, 1000), b.at * R(1001, 1000)]
    pen, grad, curv = (sp.lambdify(W, getattr(a, n).expr, "mpmath") for n in ("penalty", "gradient", "curvature"))
    for p in points:
        for w in (mpmath.mpf(sp.N(p, 40)), -mpmath.mpf(sp.N(p, 40))):
            d1 = mpmath.diff(pen, w, 1)
            d2 = mpmath.diff(pen, w, 2)
            assert abs(grad(w) - d1) < 1e-15 * (1 + abs(d1)), (text, w)
            assert abs(curv(w) - d2) < 1e-12 * (1 + abs(d2)), (text, w)


@pytest.mark.parametrize(
    "typed, catalogue",
    [
        ("log(1 + abs(w)/0.1)", "logsum(eps=0.1)"),
        ("Min(abs(w), 1)", "capped_l1(theta=1)"),
        ("Piecewise((w^2/2, abs(w) <= 1), (abs(w) - 1/2, True))", "huber(delta=1)"),
        ("0.5*abs(w) + 0.25*w^2", "elastic_net(l1=0.5, l2=0.25)"),
        ("Piecewise((0, w == 0), (1, True))", "l0"),
    ],
)
def test_the_same_penalty_typed_two_ways_gets_the_same_facts(typed, catalogue):
    a, b = to_dict(analyze(typed)), to_dict(analyze(catalogue))
    a.pop("subject"), b.pop("subject")
    assert a == b


def test_json_keys_join_every_analysis():
    power, scad = to_dict(analyze("1.5")), to_dict(analyze("scad(lam=1, a=3.7)"))
    for key in ("subject", "breakpoints", "curvature_min", "thresholding", "omitted"):
        assert key in power and key in scad
    assert power["breakpoints"] == [] and power["curvature_min"] == "0"
    assert power["thresholding"] == {"sparse": False, "continuous": True, "unbiased": False, "unbiased_beyond": None}
    assert scad["k"] is None and scad["thresholding"]["continuous"] == "lam < 27/10"
    assert scad["breakpoints"][0] == {
        "at": "1", "smoothness": 1,
        "limits": {"penalty": {"left": "1", "right": "1"}, "gradient": {"left": "1", "right": "1"},
                   "curvature": {"left": "0", "right": "-10/27"}},
    }
    assert set(scad["omitted"]) == {"dead_zone", "overshoot", "crossovers", "bands", "gd"}
    assert scad["crossovers"] is None and scad["gd"] is None


@pytest.mark.parametrize("k, sparse, continuous, unbiased", [
    ("0.5", True, False, True), ("1", True, True, False), ("1.5", False, True, False), ("3", False, True, False),
])
def test_power_family_thresholding(k, sparse, continuous, unbiased):
    t = analyze(k).thresholding
    assert (t.sparse, t.continuous, t.unbiased) == (sparse, continuous, unbiased)


@pytest.mark.parametrize("k, expected", [("0.5", -oo), ("1", 0), ("1.5", 0), ("2", 2), ("3", 0), ("10", 0)])
def test_power_family_curvature_min(k, expected):
    assert analyze(k).curvature_min == expected


def test_l0_at_zero_has_no_derivatives():
    a = analyze("l0")
    assert a.penalty.at_zero.value == 0 and not a.penalty.at_zero.continuous
    assert a.gradient.at_zero.value is None and a.gradient.at_zero.subdifferential is None


def test_kinked_nonconvex_penalty_has_a_subdifferential_at_zero():
    # SCAD is lam|w| near 0: locally convex, so the subdifferential at 0 is [-lam, lam] though SCAD is not convex.
    assert analyze("scad(lam=0.5, a=3)").gradient.at_zero.subdifferential == (R(-1, 2), R(1, 2))


@pytest.mark.parametrize(
    "typed, least, convex",
    [
        # p'' = -sin(x) on x > 0: its least value -1 is taken at x = 3*pi/2 + 2*pi*n (worked out by hand).
        ("abs(w) + sin(abs(w))", -1, False),
        # p'' = 2 - cos(x): least 1 at x = 2*pi*n, n >= 1; positive everywhere, so convex.
        ("w^2 + cos(abs(w))", 1, True),
        # p'' = 1/2 + cos(x): least 1/2 - 1 = -1/2 at x = pi + 2*pi*n.
        ("w^2/4 - cos(abs(w))", sp.Rational(-1, 2), False),
    ],
)
def test_least_curvature_over_infinitely_many_critical_points(typed, least, convex):
    a = analyze(typed)
    assert sp.simplify(a.curvature_min - least) == 0
    assert a.convex is convex
    # Brute check: the curvature on a dense grid never goes below the derived least value and comes close to it.
    f = sp.lambdify(W, a.curvature.expr, "mpmath")
    grid = [mpmath.mpf(i) / 50 for i in range(1, 2000)]
    values = [f(x) for x in grid]
    assert min(values) >= float(least) - 1e-12 and min(values) <= float(least) + 1e-3
