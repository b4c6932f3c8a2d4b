"""lksym.derivation.analysis held against independent truth.

Truth comes from: mpmath numerical differentiation at 50 digits, SymPy's own
``diff(Abs(w)**k)`` (a different derivation path), closed forms and limit tables
derived by hand (tests/conftest.py), and brute-force scans with plain floats.
"""

from __future__ import annotations

import dataclasses
import math
import time

import mpmath
import pytest
import sympy as sp

from analyses import analyzed
from lksym.derivation.symbols import LAM
from lksym.writers.jsonout import to_dict

W = sp.Symbol("w", real=True)  # lksym's documented symbols, declared independently
ALPHA = sp.Symbol("alpha", positive=True)
TAU = sp.Symbol("tau", positive=True)
ETA = sp.Symbol("eta", positive=True)
X = sp.Symbol("x", positive=True)
P = sp.Symbol("p", positive=True)

W_SAMPLES = ["-2.5", "-1", "-0.3", "-0.001", "0.001", "0.3", "1", "2.5"]


def _mp_derivative(k: sp.Expr, w_text: str, n: int):
    """The n-th derivative of |w|^k at w, by mpmath's numerical differentiation (50 digits)."""
    kk = mpmath.mpf(str(sp.N(k, 60)))
    return mpmath.diff(lambda t: mpmath.fabs(t) ** kk, mpmath.mpf(w_text), n)


def _exact_at(expr: sp.Expr, w_text: str) -> sp.Expr:
    value = expr.subs(W, sp.Rational(w_text)).evalf(40)
    assert value.is_real, f"{expr} is not real at w = {w_text}: {value}"
    return value


# --------------------------------------------------------------------------- 1. mpmath


@pytest.mark.parametrize("w_text", W_SAMPLES)
@pytest.mark.parametrize("part, order", [("gradient", 1), ("curvature", 2)])
def test_derivatives_match_mpmath_numerical_differentiation(k_case, k_analysis, part, order, w_text):
    expr = getattr(k_analysis, part).expr
    with mpmath.workdps(50):
        truth = _mp_derivative(k_case.k, w_text, order)
        got = mpmath.mpf(str(_exact_at(expr, w_text)))
        if truth == 0:
            assert abs(got) < mpmath.mpf("1e-30")
        else:
            assert abs((got - truth) / truth) < mpmath.mpf("1e-20"), (part, w_text, got, truth)


@pytest.mark.parametrize("w_text", W_SAMPLES)
def test_penalty_matches_mpmath(k_case, k_analysis, w_text):
    with mpmath.workdps(50):
        truth = mpmath.fabs(mpmath.mpf(w_text)) ** mpmath.mpf(str(sp.N(k_case.k, 60)))
        got = mpmath.mpf(str(_exact_at(k_analysis.penalty.expr, w_text)))
        assert abs((got - truth) / truth) < mpmath.mpf("1e-30")


# --------------------------------------------------------------------------- 2. closed forms and limits by hand


def test_k_and_regime_are_exact(k_case, k_analysis):
    assert k_analysis.power.k == k_case.k
    assert k_analysis.power.regime.name == k_case.regime


def test_gradient_closed_form_by_hand(k_case, k_analysis):
    k = k_case.k
    expr = k_analysis.gradient.expr
    # w = p > 0: k p^(k-1);  w = -p < 0: -k p^(k-1).
    assert sp.simplify(expr.subs(W, P) - k * P ** (k - 1)) == 0
    assert sp.simplify(expr.subs(W, -P) + k * P ** (k - 1)) == 0


def test_curvature_closed_form_by_hand(k_case, k_analysis):
    k = k_case.k
    expr = k_analysis.curvature.expr
    assert sp.simplify(expr.subs(W, P) - k * (k - 1) * P ** (k - 2)) == 0
    assert sp.simplify(expr.subs(W, -P) - k * (k - 1) * P ** (k - 2)) == 0


def test_penalty_closed_form_by_hand(k_case, k_analysis):
    expr = k_analysis.penalty.expr
    assert sp.simplify(expr.subs(W, P) - P**k_case.k) == 0
    assert sp.simplify(expr.subs(W, -P) - P**k_case.k) == 0


def test_branches_on_positive_x(k_case, k_analysis):
    k = k_case.k
    assert sp.simplify(k_analysis.penalty.branch - X**k) == 0
    assert sp.simplify(k_analysis.gradient.branch - k * X ** (k - 1)) == 0
    assert sp.simplify(k_analysis.curvature.branch - k * (k - 1) * X ** (k - 2)) == 0


@pytest.mark.parametrize("part", ["penalty", "gradient", "curvature"])
def test_limits_table_by_hand(k_case, k_analysis, part):
    got = getattr(k_analysis, part).limits
    assert set(got) == {"0+", "0-", "+oo", "-oo"}
    expected = k_case.limits(part)
    for point, value in expected.items():
        assert got[point] == value, (part, point, got[point], value)


def test_limits_against_mpmath_trend(k_case, k_analysis):
    """Independent of the hand table: the gradient at |w| = 1e-30 and 1e30 (mpmath, exact formula)."""
    with mpmath.workdps(50):
        kk = mpmath.mpf(str(sp.N(k_case.k, 60)))
        for point, w in (("0+", mpmath.mpf("1e-30")), ("+oo", mpmath.mpf("1e30"))):
            value = kk * w ** (kk - 1)  # |f'| for w > 0
            lim = k_analysis.gradient.limits[point]
            if lim == sp.oo:
                assert value > 1e5
            elif lim == 0:
                assert value < 1e-5
            else:
                assert abs(value - mpmath.mpf(str(sp.N(lim, 30)))) < 1e-20


def test_at_zero_by_hand(k_case, k_analysis):
    kf = k_case.kf
    pen, grad, curv = k_analysis.penalty.at_zero, k_analysis.gradient.at_zero, k_analysis.curvature.at_zero

    assert pen.value == 0 and pen.continuous and pen.subdifferential is None

    if kf > 1:  # f'(0) = lim |h|^k / h = 0
        assert grad.value == 0 and grad.continuous and grad.subdifferential is None
    elif kf == 1:  # kink: one-sided quotients -1 and 1
        assert grad.value is None and not grad.continuous
        assert tuple(grad.subdifferential) == (-1, 1)
    else:  # cusp: quotients +-oo, not convex
        assert grad.value is None and not grad.continuous and grad.subdifferential is None

    if kf == 2:
        assert curv.value == 2 and curv.continuous
    elif kf > 2:  # f''(0) = lim k|h|^(k-1) sign(h)/h = 0
        assert curv.value == 0 and curv.continuous
    else:  # f' not differentiable at 0 (or does not exist)
        assert curv.value is None and not curv.continuous
    assert curv.subdifferential is None


# --------------------------------------------------------------------------- 3. smoothness, convexity, sparsity


def test_smoothness_by_hand(k_case, k_analysis):
    assert k_analysis.smoothness == k_case.smoothness


def test_smoothness_rule_matches_hand_table(k_case):
    """Sanity of the table itself: even integer -> C^inf, else ceil(k) - 1."""
    k = k_case.k
    rule = None if (k.is_integer and k.is_even) else math.ceil(float(k)) - 1
    assert rule == k_case.smoothness


@pytest.mark.parametrize(
    "text, expected",
    [
        ("31/10", 3),
        ("7/2", 3),
        ("9/2", 4),
        ("4", None),
        ("5", 4),
        ("sqrt(10)", 3),
        ("2+sqrt(2)", 3),
        ("3*pi", 9),
    ],
)
def test_smoothness_more_k(analysis_of, text, expected):
    assert analysis_of(text).smoothness == expected


def test_convex_sparse_lipschitz_by_hand(k_case, k_analysis):
    assert k_analysis.convex is k_case.convex
    assert k_analysis.sparse is k_case.sparse
    assert k_analysis.lipschitz_gradient_near_zero is k_case.lipschitz


def test_convexity_against_curvature_sign_floats(k_case, k_analysis):
    """Convex <=> curvature >= 0 on both sides and the gradient does not drop across 0 (floats)."""
    xs = [1e-3, 0.1, 0.7, 1.0, 3.0]
    curv_ok = all(k_case.curvature(s * x) >= 0 for x in xs for s in (1, -1))
    no_drop = k_case.gradient(-1e-9) <= k_case.gradient(1e-9)
    assert k_analysis.convex is (curv_ok and no_drop)


# --------------------------------------------------------------------------- 5. pitfalls: DiracDelta, sign**2


def _has_even_power_of_sign(expr: sp.Expr) -> bool:
    return any(
        isinstance(p.base, sp.sign) and p.exp.is_integer and p.exp.is_even for p in expr.atoms(sp.Pow)
    )


def test_no_dirac_delta_and_no_sign_squared(k_analysis):
    for part in k_analysis.parts:
        for e in (part.expr, part.branch):
            assert not e.has(sp.DiracDelta), (part.name, e)
            assert not _has_even_power_of_sign(e), (part.name, e)
            assert not e.has(sp.Piecewise)
        assert part.expr.free_symbols <= {W}, part.expr.free_symbols
        assert part.branch.free_symbols <= {X}, part.branch.free_symbols


def test_pitfall_detector_detects():
    """The detector above must be able to fail."""
    assert _has_even_power_of_sign(sp.sign(W) ** 2 * sp.Abs(W))
    assert sp.diff(sp.Abs(W) ** sp.Rational(3, 2), W, 2).has(sp.DiracDelta)


SYMPY_DIFF_POINTS = ["-11/3", "-5/2", "-1", "-3/10", "-1/7", "-1/1000", "1/1000", "1/7", "3/10", "1", "5/2", "11/3"]


@pytest.mark.parametrize("order", [1, 2])
def test_agrees_with_sympy_diff_of_abs_off_zero(k_case, k_analysis, order):
    """SymPy's own derivative of Abs(w)**k, with DiracDelta terms dropped (w != 0), is a second path."""
    raw = sp.diff(sp.Abs(W) ** k_case.k, W, order)
    raw = raw.replace(sp.DiracDelta, lambda *args: sp.S.Zero)
    ours = (k_analysis.gradient, k_analysis.curvature)[order - 1].expr
    for text in SYMPY_DIFF_POINTS:
        a = _exact_at(ours, text)
        b = raw.subs(W, sp.Rational(text)).evalf(40)
        assert abs(a - b) <= sp.Float("1e-30", 40) * max(1, abs(b)), (text, a, b)


# --------------------------------------------------------------------------- 6. exactness of k


@pytest.mark.parametrize(
    "text, exact",
    [
        ("1.5", sp.Rational(3, 2)),
        ("3/2", sp.Rational(3, 2)),
        ("0.1", sp.Rational(1, 10)),
        ("1+1/3", sp.Rational(4, 3)),
        ("sqrt(2)", sp.sqrt(2)),
        ("pi", sp.pi),
        ("2", sp.Integer(2)),
    ],
)
def test_k_is_exact(analysis_of, text, exact):
    k = analysis_of(text).power.k
    assert k == exact
    assert not k.has(sp.Float)


def test_decimal_and_fraction_give_the_same_analysis(analysis_of):
    a, b = analysis_of("3/2"), analysis_of("1.5")
    from lksym.writers.jsonout import to_dict

    assert to_dict(a) == to_dict(b)
    assert a.gradient.expr == b.gradient.expr
    assert a.crossovers == b.crossovers


def _all_sympy_values(a):
    values = [a.power.k, a.dead_zone, a.overshoot.weight, a.overshoot.step_limit]
    for part in a.parts:
        values += [part.expr, part.branch, *part.limits.values(), part.at_zero.value]
        values += list(part.at_zero.subdifferential or ())
    for c in a.crossovers:
        values.append(c.weight)
    for b in a.bands:
        values += [b.lo, b.hi]
    return [v for v in values if v is not None]


def test_no_floats_anywhere(k_analysis):
    for v in _all_sympy_values(k_analysis):
        assert not sp.sympify(v).has(sp.Float), v


def test_analysis_is_frozen(analysis_of):
    a = analysis_of("1.5")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.power = None  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.power.k = sp.Integer(3)  # type: ignore[misc]


# --------------------------------------------------------------------------- 4. crossovers


def _hand_crossover(k: sp.Expr, reference: str):
    """|f'| = 1 at k^(-1/(k-1));  |f'| = 2|w| at (2/k)^(1/(k-2))."""
    if reference == "L1":
        return None if k == 1 else k ** (-1 / (k - 1))
    return None if k == 2 else (2 / k) ** (1 / (k - 2))


def _hand_stronger_below(kf: float, reference: str) -> str:
    # Near 0, k x^(k-1) beats 1 iff k < 1 and beats 2x iff k < 2.
    return "Lk" if kf < {"L1": 1, "L2": 2}[reference] else reference


@pytest.mark.parametrize("index, reference", [(0, "L1"), (1, "L2")])
def test_crossover_weight_by_hand(k_case, k_analysis, index, reference):
    c = k_analysis.crossovers[index]
    assert c.reference == reference
    hand = _hand_crossover(k_case.k, reference)
    if hand is None:
        assert c.identical and c.weight is None and c.stronger_below is None
        return
    assert not c.identical
    assert c.weight is not None
    got, want = sp.N(c.weight, 50), sp.N(hand, 50)
    assert abs(got - want) <= sp.Float("1e-30", 50) * want, (c.weight, hand)
    assert got > 0


@pytest.mark.parametrize("index, reference", [(0, "L1"), (1, "L2")])
def test_crossover_stronger_below_floats(k_case, k_analysis, index, reference):
    c = k_analysis.crossovers[index]
    if c.identical:
        return
    assert c.stronger_below == _hand_stronger_below(k_case.kf, reference)
    x0 = float(c.weight)
    ref = (lambda x: 1.0) if reference == "L1" else (lambda x: 2.0 * x)
    for below, above in ((0.9 * x0, 1.1 * x0), (0.5 * x0, 2.0 * x0)):
        lk_below = k_case.gradient(below) > ref(below)
        lk_above = k_case.gradient(above) > ref(above)
        assert lk_below != lk_above  # it really is a crossing
        assert (c.stronger_below == "Lk") is lk_below


@pytest.mark.parametrize(
    "text, index, exact",
    [
        ("1.5", 0, sp.Rational(4, 9)),
        ("1.5", 1, sp.Rational(9, 16)),
        ("4/3", 0, sp.Rational(27, 64)),
        ("1/2", 0, sp.Rational(1, 4)),
        ("1", 1, sp.Rational(1, 2)),
        ("2", 0, sp.Rational(1, 2)),
        ("3", 1, sp.Rational(2, 3)),
        ("5/2", 1, sp.Rational(16, 25)),
        ("1.9", 1, sp.Rational(19, 20) ** 10),
    ],
)
def test_rational_crossovers_are_exact(analysis_of, text, index, exact):
    weight = analysis_of(text).crossovers[index].weight
    assert weight == exact  # structural equality: an exact Rational, not a float
    assert weight.is_Rational


# --------------------------------------------------------------------------- bands


def _magnitudes(kf: float, x: float) -> dict:
    return {"L1": 1.0, "L2": 2.0 * x, "Lk": kf * x ** (kf - 1)}


def test_bands_order_by_floats(k_case, k_analysis):
    bands = k_analysis.bands
    assert bands[0].lo == 0 and bands[-1].hi == sp.oo
    for left, right in zip(bands, bands[1:]):
        assert left.hi == right.lo
        assert left.order != right.order  # neighbours are merged when nothing changes
    hand_ties = {1: {("L1", "Lk")}, 2: {("L2", "Lk")}}.get(k_case.kf, set())
    for band in bands:
        assert sorted(band.order) == ["L1", "L2", "Lk"]
        assert {tuple(sorted(t)) for t in band.ties} == hand_ties
        lo = float(band.lo)
        hi = float(band.hi) if band.hi != sp.oo else lo * 50 + 10
        probes = [lo + (hi - lo) * f for f in (0.01, 0.3, 0.5, 0.7, 0.99)] if lo > 0 else [hi * f for f in (1e-6, 0.01, 0.5, 0.99)]
        for x in probes:
            m = _magnitudes(k_case.kf, x)
            for a, b in zip(band.order, band.order[1:]):
                if tuple(sorted((a, b))) in hand_ties:
                    assert math.isclose(m[a], m[b], rel_tol=1e-12)
                else:
                    assert m[a] < m[b], (band, x, m)


def test_band_edges_are_the_crossings(k_case, k_analysis):
    edges = {float(b.lo) for b in k_analysis.bands[1:]}
    hand = {0.5}  # L1 and L2 cross at |w| = 1/2
    for ref in ("L1", "L2"):
        c = _hand_crossover(k_case.k, ref)
        if c is not None:
            hand.add(float(c))
    assert all(any(math.isclose(e, h, rel_tol=1e-12) for h in hand) for e in edges)
    assert all(any(math.isclose(e, h, rel_tol=1e-12) for e in edges) for h in hand)


# --------------------------------------------------------------------------- dead zone


ALPHA_TAU = [("1/10", "1/1000"), ("1", "1/2"), ("3", "2"), ("7/2", "1/3")]


def test_dead_zone_by_hand(k_case, k_analysis):
    k = k_case.k
    if k_case.kf <= 1:  # the gradient does not vanish at 0: no dead zone
        assert k_analysis.dead_zone is None
        return
    dz = k_analysis.dead_zone
    assert dz is not None and dz.free_symbols <= {ALPHA, TAU}
    for a_text, t_text in ALPHA_TAU:
        alpha, tau = sp.Rational(a_text), sp.Rational(t_text)
        got = sp.N(dz.subs({ALPHA: alpha, TAU: tau}), 40)
        want = sp.N((tau / (alpha * k)) ** (1 / (k - 1)), 40)
        assert abs(got - want) <= sp.Float("1e-30", 40) * want, (a_text, t_text, got, want)
        # and it is where alpha |f'| meets tau (floats)
        z = float(got)
        assert math.isclose(float(alpha) * k_case.gradient(z), float(tau), rel_tol=1e-9)


@pytest.mark.parametrize("text", ["1.5", "3", "4/3", "2"])
def test_dead_zone_symbolic_rational_k(analysis_of, cases, text):
    k = cases[text].k
    assert sp.simplify(analysis_of(text).dead_zone - (TAU / (ALPHA * k)) ** (1 / (k - 1))) == 0


# --------------------------------------------------------------------------- overshoot


def _brute_force_overshoot(kf: float, eta: float):
    """Scan |w| on a log grid (2000 points a decade, 1e-12..1e12) for sign changes of eta|f'| - |w|."""
    per_decade = 2000
    g = lambda x: eta * kf * x ** (kf - 1) - x  # noqa: E731
    prev_x, prev = None, None
    crossings, first_sign = [], None
    for i in range(-12 * per_decade, 12 * per_decade + 1):
        x = 10.0 ** (i / per_decade)
        v = g(x)
        if first_sign is None:
            first_sign = v > 0
        if prev is not None and (prev > 0) != (v > 0):
            crossings.append(math.sqrt(prev_x * x))
        prev_x, prev = x, v
    return crossings, first_sign


def test_overshoot_brute_force(k_case, k_analysis):
    eta = 0.1
    crossings, overshoots_small = _brute_force_overshoot(k_case.kf, eta)
    o = k_analysis.overshoot
    if k_case.kf == 2:  # eta*2|w| vs |w|: decided by eta alone
        assert crossings == []
        assert o.weight is None and o.side is None
        assert o.step_limit == sp.Rational(1, 2)
        assert _brute_force_overshoot(2.0, 0.6)[1] is True  # eta > 1/2: everything overshoots
        assert _brute_force_overshoot(2.0, 0.4)[1] is False
        return
    assert len(crossings) == 1
    assert o.step_limit is None
    assert o.weight.free_symbols <= {ETA}
    derived = float(o.weight.subs(ETA, sp.Rational(1, 10)))
    assert math.isclose(derived, crossings[0], rel_tol=1e-3), (derived, crossings[0])
    assert o.side == ("below" if overshoots_small else "above")
    # side by hand: eta k x^(k-1) > x for small x iff k < 2
    assert o.side == ("below" if k_case.kf < 2 else "above")


# --------------------------------------------------------------------------- exact forms that SymPy would blow up
#
# SymPy writes b**(-p/q) as (b**(q-p))**(1/q)/b: for k = 100.1 (1/(k-2) = 10/981) a crossover
# would spell out a 5000-digit integer, which Python refuses to print.  Such results are kept
# as unevaluated products of powers.  The values are checked against hand formulas for
# f'(x) = k x^(k-1):  L1: x = k^(-1/(k-1));  L2: x = (2/k)^(1/(k-2));
# decay |w_t| ~ C t^(-1/(k-2)) with C = (eta k (k-2))^(-1/(k-2)).

# The second line: k that made SymPy run for minutes (perfect-power tests on thousand-digit
# integers), found by fuzzing; the third: k whose prox threshold spelled out 2000 digits.
HUGE_FORM_K = [
    "100.1", "999/10", "201/100", "99/100", "37.37", "1000",
    "1.541", "2.359", "47.98", "88852/89", "1000*sqrt(2)/sqrt(3)", "707*sqrt(2)",
    "1/1000", "0.01", "97/99", "pi/1000",
]


@pytest.mark.parametrize("text", HUGE_FORM_K)
def test_huge_exact_forms_stay_short_and_right(analysis_of, text):
    # CPU time of this process, not wall time: the limit is on the work SymPy does, and a loaded machine (or a
    # sibling pytest-xdist worker) stretches wall time without it (11.8 s of wall time measured for 707*sqrt(2)).
    started = time.process_time()
    import json
    import re

    from lksym.derivation.exact import MAX_EXACT_DIGITS
    from lksym.derivation.symbols import ETA
    from lksym.writers.jsonout import dumps
    from lksym.writers.report import report_markdown
    from lksym.writers.terminal import summary

    a = analysis_of(text)
    outputs = {"markdown": report_markdown(a), "json": dumps(a), "terminal": summary(a)}
    assert time.process_time() - started < 10, "far slower than SymPy needs for this k"
    for name, out in outputs.items():
        longest = max((len(m) for m in re.findall(r"\d+", out)), default=0)
        assert longest <= MAX_EXACT_DIGITS, f"{name}: a {longest}-digit number"

    mpmath.mp.dps = 40
    k = mpmath.mpf(sp.N(a.power.k, 45))

    def close(exact, want, subs=None):
        # evalf with subs: substituting exactly would make SymPy rebuild the huge powers.
        return abs(mpmath.mpf(exact.evalf(45, subs=subs)) / want - 1) < mpmath.mpf(10) ** -35

    l1, l2 = (c.weight for c in a.crossovers)
    assert close(l1, k ** (-1 / (k - 1)))
    assert close(l2, (2 / k) ** (1 / (k - 2)))
    if a.gd.decay.kind == "power":
        assert close(a.gd.decay.constant, (k * (k - 2) / 7) ** (-1 / (k - 2)), {ETA: sp.Rational(1, 7)})
    # C^n at 0 for non-integer k: n = floor(k); the two-cycle's multiplier (3 - 2k)^2.
    if a.power.k.is_integer:
        assert a.smoothness == (None if a.power.k % 2 == 0 else int(a.power.k) - 1)
    else:
        assert a.smoothness == int(mpmath.floor(k))
    assert close(a.gd.cycle_multiplier, (3 - 2 * k) ** 2)
    if k < 1:  # the jump threshold of the L_k prox at lam = 1, by hand
        from lksym.derivation.symbols import LAM

        assert close(a.prox.threshold, (2 - k) / (2 * (1 - k)) * (2 * (1 - k)) ** (1 / (2 - k)), {LAM: 1})

    # The JSON strings read back (with sympify, as the README promises) to the same values.
    data = json.loads(outputs["json"])
    for c in a.crossovers:
        # evaluate=False: evaluating would make SymPy rebuild (and factor) the very powers kept short.
        back = sp.sympify(data["crossovers"][c.reference]["weight"], evaluate=False)
        assert close(back, mpmath.mpf(c.weight.evalf(45)))


# ====================================================================================================
# Folded in from tests/test_analysis_penalty.py (issue 22: one test file per module):
# The analysis of penalties other than |w|^k, against facts worked out by hand from their definitions.
# ====================================================================================================


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
    a, hand = analyzed(text), CASES[text]
    assert a.power is None and a.subject.text.split("(")[0] == text.split("(")[0]
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
    a = analyzed(text)
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
    a, b = to_dict(analyzed(typed)), to_dict(analyzed(catalogue))
    a.pop("subject"), b.pop("subject")
    assert a == b


def test_json_keys_join_every_analysis():
    power, scad = to_dict(analyzed("1.5")), to_dict(analyzed("scad(lam=1, a=3.7)"))
    for key in ("subject", "breakpoints", "curvature_min", "thresholding", "omitted"):
        assert key in power and key in scad
    assert power["breakpoints"] == [] and power["curvature_min"] == "0"
    assert power["thresholding"] == {"sparse": False, "continuous": True, "unbiased": False, "unbiased_beyond": None,
                                     "unbiased_kind": None}
    assert scad["k"] is None and scad["thresholding"]["continuous"] == "lam < 27/10"
    assert scad["breakpoints"][0] == {
        "at": "1", "smoothness": 1,
        "limits": {"penalty": {"left": "1", "right": "1"}, "gradient": {"left": "1", "right": "1"},
                   "curvature": {"left": "0", "right": "-10/27"}},
    }
    assert set(scad["omitted"]) == {"dead_zone", "crossovers", "gd.cycle_stable"}
    assert scad["crossovers"] is None and scad["gd"]["cycle_amplitude"] == "Piecewise((eta/2, eta <= 2), (37*eta/(2*(5*eta + 27)), True))"


@pytest.mark.parametrize("k, sparse, continuous, unbiased", [
    ("0.5", True, False, True), ("1", True, True, False), ("1.5", False, True, False), ("3", False, True, False),
])
def test_power_family_thresholding(k, sparse, continuous, unbiased):
    t = analyzed(k).thresholding
    assert (t.sparse, t.continuous, t.unbiased) == (sparse, continuous, unbiased)


@pytest.mark.parametrize("k, expected", [("0.5", -oo), ("1", 0), ("1.5", 0), ("2", 2), ("3", 0), ("10", 0)])
def test_power_family_curvature_min(k, expected):
    assert analyzed(k).curvature_min == expected


def test_l0_at_zero_has_no_derivatives():
    a = analyzed("l0")
    assert a.penalty.at_zero.value == 0 and not a.penalty.at_zero.continuous
    assert a.gradient.at_zero.value is None and a.gradient.at_zero.subdifferential is None


def test_kinked_nonconvex_penalty_has_a_subdifferential_at_zero():
    # SCAD is lam|w| near 0: locally convex, so the subdifferential at 0 is [-lam, lam] though SCAD is not convex.
    assert analyzed("scad(lam=0.5, a=3)").gradient.at_zero.subdifferential == (R(-1, 2), R(1, 2))


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
    a = analyzed(typed)
    assert sp.simplify(a.curvature_min - least) == 0
    assert a.convex is convex
    # Brute check: the curvature on a dense grid never goes below the derived least value and comes close to it.
    f = sp.lambdify(W, a.curvature.expr, "mpmath")
    grid = [mpmath.mpf(i) / 50 for i in range(1, 2000)]
    values = [f(x) for x in grid]
    assert min(values) >= float(least) - 1e-12 and min(values) <= float(least) + 1e-3


# --------------------------------------------------------------------------- dead zone, overshoot, crossovers, bands, gd
#
# Worked out by hand from the definitions in issue 12, with g = p' on x = |w| > 0 and q = g/x:
#
# SCAD(L, a): g = L on (0, L], (aL - x)/(a - 1) on (L, aL], 0 beyond.  g(0+) = L != 0: no dead zone.
#   Overshoot eta*g(x) > x: on (0, L] x < eta*L, which reaches L exactly at eta = 1; beyond,
#   eta*(aL - x)/(a - 1) = x gives x = a*L*eta/(eta + a - 1).  q falls from oo to 0: weights *below* overshoot.
#   Two-cycle eta*g(a) = 2a: a = eta*L/2 for eta <= 2 (on the L1 piece, p'' = 0: multiplier 1, neutral);
#   a = a*L*eta/(eta + 2(a - 1)) for eta > 2, multiplier (1 + eta/(a - 1))^2 > 1: repelling.
#   L1: g = L on (0, L]: a tie over an interval if L = 1; L < 1: g < 1 everywhere, never equal;
#   L > 1: (aL - x)/(a - 1) = 1 at x = aL - a + 1, SCAD stronger below.  L2: L = 2x at x = L/2 only
#   ((aL - x)/(a - 1) = 2x gives aL/(2a - 1) < L for a > 2), SCAD stronger below.
# MCP(L, G): g = L - x/G on (0, GL], 0 beyond.  Overshoot x = eta*L*G/(G + eta); cycle a = eta*L*G/(2G + eta),
#   multiplier (1 + eta/G)^2: repelling.  L1: L - x/G = 1 at x = G(L - 1) when L > 1, else never (L1 stronger).
#   L2: L - x/G = 2x at x = L*G/(2G + 1), MCP stronger below.
# Elastic net(A, B), A > 0: g = A + 2Bx.  Overshoot eta*(A + 2Bx) > x below x = eta*A/(1 - 2B*eta) for
#   eta < 1/(2B), every weight beyond.  Cycle a = eta*A/(2 - 2B*eta) for eta < 1/B, multiplier (1 - 2B*eta)^2 < 1:
#   attracting.  L1 at x = (1 - A)/(2B) (A < 1; below it L1 is stronger); L2 at A/(2 - 2B) (B < 1; EN stronger below).
#   A = 0 (a ridge 2B x): dead zone tau/(2B alpha), every weight overshoots for eta > 1/(2B), w_t = (1 - 2B eta)^t w_0.
# logsum(E): g = 1/(x + E), q = 1/(x(x + E)).  Overshoot x^2 + E x = eta: x = (sqrt(E^2 + 4 eta) - E)/2; cycle
#   x^2 + E x = eta/2: a = (sqrt(E^2 + 2 eta) - E)/2, p'' < 0: repelling.  L1 at 1 - E for E < 1 (log-sum stronger
#   below), never for E >= 1 (g < 1).  L2: 2x(x + E) = 1 at (sqrt(E^2 + 2) - E)/2, log-sum stronger below.
# capped_l1(T): g = 1 on (0, T], 0 beyond.  Overshoot below eta for eta <= T, below T (all of the L1 piece)
#   beyond; cycle a = eta/2 for eta <= 2T, multiplier 1 (neutral).  L1: a tie on (0, T].  L2: 1 = 2x at 1/2 if
#   T >= 1/2; for T < 1/2 g jumps from 1 to 0 across 2x = 2T at x = T: no weight of equal pull, yet the order flips.
# huber(D): g = x/D on (0, D], 1 beyond.  Dead zone alpha*x/D < tau: x < D tau/alpha when tau <= alpha, else every
#   weight (oo).  Overshoot: q = 1/D on the first piece, 1/x beyond: none for eta <= D, below eta for eta > D.
#   Cycle a = eta/2 for eta > 2D (on the L1-like piece: neutral); decay w_t = (1 - eta/D)^t w_0 near 0.
#   L1: x/D = 1 at D, then a tie beyond.  L2: x/D vs 2x: a tie on (0, D] when D = 1/2; for D = 1 never equal
#   (2x > g everywhere: L2 stronger); for D < 1/2 1 = 2x at 1/2 on the second piece, Huber stronger below.
# l0: g = 0 off 0.  Dead zone oo (alpha*0 < tau everywhere); no step moves a weight (no overshoot, no cycle, no
#   decay); never equal to L1 or L2, both stronger everywhere.

ETA, TAU, ALPHA = sp.Symbol("eta", positive=True), sp.Symbol("tau", positive=True), sp.Symbol("alpha", positive=True)
PW = sp.Piecewise


def _hand_scad(L, a):
    return {
        "g": lambda x: L if x <= L else ((a * L - x) / (a - 1) if x <= a * L else 0.0),
        "dead_zone": None,
        "overshoot": (PW((L * ETA, ETA <= 1), (a * L * ETA / (ETA + a - 1), True)), "below"),
        "cycle": PW((ETA * L / 2, ETA <= 2), (a * L * ETA / (ETA + 2 * (a - 1)), True)),
        "multiplier": PW((1, ETA <= 2), ((1 + ETA / (a - 1)) ** 2, True)),
        "stable": None, "stable_omitted": True,
        "L1": "tie" if L == 1 else ((None, "L1") if L < 1 else (a * L - a + 1, "Lk")),
        "L2": (L / 2, "Lk"),
        "decay": None,
    }


def _hand_mcp(L, G):
    return {
        "g": lambda x: L - x / G if x <= G * L else 0.0,
        "dead_zone": None,
        "overshoot": (ETA * L * G / (G + ETA), "below"),
        "cycle": ETA * L * G / (2 * G + ETA), "multiplier": (1 + ETA / G) ** 2, "stable": False,
        "L1": (G * (L - 1), "Lk") if L > 1 else (None, "L1"),
        "L2": (L * G / (2 * G + 1), "Lk"),
        "decay": None,
    }


def _hand_elastic(A, B):
    if A == 0:
        return {
            "g": lambda x: 2 * B * x, "dead_zone": TAU / (2 * B * ALPHA), "step_limit": 1 / (2 * B),
            "cycle": None, "multiplier": None, "stable": None,
            "L1": (1 / (2 * B), "L1"), "L2": "tie" if B == 1 else (None, "Lk" if B > 1 else "L2"),
            "decay": ("geometric", 1 - 2 * B * ETA),
        }
    return {
        "g": lambda x: float(A + 2 * B * x),
        "dead_zone": None,
        "overshoot": (PW((ETA * A / (1 - 2 * B * ETA), ETA < 1 / (2 * B)), (oo, True)), "below"),
        "cycle": PW((ETA * A / (2 - 2 * B * ETA), ETA < 1 / B)), "multiplier": PW(((1 - 2 * B * ETA) ** 2, ETA < 1 / B)),
        "stable": True,
        "L1": ((1 - A) / (2 * B), "L1") if A < 1 else (None, "Lk"),
        "L2": (A / (2 - 2 * B), "Lk") if B < 1 else (None, "Lk"),
        "decay": None,
    }


def _hand_logsum(E):
    return {
        "g": lambda x: 1 / (x + float(E)),
        "dead_zone": None,
        "overshoot": ((sp.sqrt(E**2 + 4 * ETA) - E) / 2, "below"),
        "cycle": (sp.sqrt(E**2 + 2 * ETA) - E) / 2, "stable": False,
        "L1": (1 - E, "Lk") if E < 1 else (None, "L1"),
        "L2": ((sp.sqrt(E**2 + 2) - E) / 2, "Lk"),
        "decay": None,
    }


def _hand_capped(T):
    return {
        "g": lambda x: 1.0 if x <= T else 0.0,
        "dead_zone": None,
        "overshoot": (PW((ETA, ETA <= T), (T, True)), "below"),
        "cycle": PW((ETA / 2, ETA <= 2 * T)), "multiplier": PW((1, ETA <= 2 * T)), "stable": None,
        "L1": "tie", "L2": (R(1, 2), "Lk") if T >= R(1, 2) else "jump",
        "decay": None,
    }


def _hand_huber(D):
    return {
        "g": lambda x: x / D if x <= D else 1.0,
        "dead_zone": PW((D * TAU / ALPHA, TAU <= ALPHA), (oo, True)),
        "overshoot": (PW((0, ETA <= D), (ETA, True)), "below"),
        "cycle": PW((ETA / 2, ETA > 2 * D)), "multiplier": PW((1, ETA > 2 * D)), "stable": None,
        "L1": "tie",
        "L2": "tie" if D == R(1, 2) else ((None, "L2") if D > R(1, 2) else (R(1, 2), "Lk")),
        "decay": ("geometric", 1 - ETA / D),
    }


HAND = {
    "scad(lam=1, a=3.7)": _hand_scad(R(1), R(37, 10)),
    "scad(lam=0.5, a=2.1)": _hand_scad(R(1, 2), R(21, 10)),
    "scad(lam=2, a=10)": _hand_scad(R(2), R(10)),
    "mcp(lam=1, gamma=3)": _hand_mcp(R(1), R(3)),
    "mcp(lam=2, gamma=0.5)": _hand_mcp(R(2), R(1, 2)),
    "elastic_net(l1=0.5, l2=0.25)": _hand_elastic(R(1, 2), R(1, 4)),
    "elastic_net(l1=2, l2=3)": _hand_elastic(R(2), R(3)),
    "elastic_net(l1=0, l2=3)": _hand_elastic(R(0), R(3)),
    "logsum(eps=0.1)": _hand_logsum(R(1, 10)),
    "logsum(eps=1)": _hand_logsum(R(1)),
    "logsum(eps=3)": _hand_logsum(R(3)),
    "capped_l1(theta=1)": _hand_capped(R(1)),
    "capped_l1(theta=0.25)": _hand_capped(R(1, 4)),
    "huber(delta=1)": _hand_huber(R(1)),
    "huber(delta=0.1)": _hand_huber(R(1, 10)),
    "huber(delta=0.5)": _hand_huber(R(1, 2)),
    "l0": {"g": lambda x: 0.0, "dead_zone": oo, "overshoot": None, "cycle": None, "multiplier": None, "stable": None,
           "L1": (None, "L1"), "L2": (None, "L2"), "decay": None},
}

ETAS = [R(1, 100), R(1, 10), R(1, 2), R(1), R(3, 2), R(2), R(5, 2), R(7), R(100)]
"""Step sizes on both sides of every condition in eta above (1, 2, 2T, 2D, 1/(2B), 1/B, ...)."""


def _equal_in_eta(value, expected):
    """Two expressions in eta (Piecewise allowed) agree at every eta of ETAS (both undefined counts as equal)."""
    for eta in ETAS:
        got, want = sp.N(sp.S(value).subs(ETA, eta), 30), sp.N(sp.S(expected).subs(ETA, eta), 30)
        if want is sp.nan or not want.is_finite:
            assert got == want or (got is sp.nan and want is sp.nan), (eta, got, want)
        else:
            assert abs(got - want) < 1e-20, (eta, got, want)
    return True


@pytest.mark.parametrize("text", HAND)
def test_weight_facts_match_the_hand_derivation(text):
    a, hand = analyzed(text), HAND[text]
    assert "derived for |w|^k only" not in str(a.omitted)
    if hand["dead_zone"] is None:
        assert a.dead_zone is None and "does not vanish at 0" in a.omitted["dead_zone"]
    else:
        for tau, alpha in [(R(1, 10), R(1)), (R(1), R(1)), (R(3), R(1)), (R(1, 1000), R(7))]:
            got, want = (sp.S(e).subs({TAU: tau, ALPHA: alpha}) for e in (a.dead_zone, hand["dead_zone"]))
            assert sp.simplify(got - want) == 0 if want != oo else got == oo, (tau, alpha, got, want)
    if "step_limit" in hand:
        assert a.overshoot.weight is None and a.overshoot.step_limit == hand["step_limit"]
    elif hand["overshoot"] is None:
        assert a.overshoot is None and "never moves a weight" in a.omitted["overshoot"]
    else:
        weight, side = hand["overshoot"]
        assert a.overshoot.side == side and _equal_in_eta(a.overshoot.weight, weight)
    g = a.gd
    if hand["cycle"] is None:
        assert g.cycle_amplitude is None
    else:
        assert _equal_in_eta(g.cycle_amplitude, hand["cycle"])
        if "multiplier" in hand:
            assert _equal_in_eta(g.cycle_multiplier, hand["multiplier"])
    assert g.cycle_stable is hand["stable"]
    assert ("gd.cycle_stable" in a.omitted) is hand.get("stable_omitted", False)
    if hand["decay"] is None:
        assert g.decay.kind is None
    else:
        kind, rate = hand["decay"]
        assert g.decay.kind == kind and sp.simplify(g.decay.rate - rate) == 0
    representable = all(not isinstance(hand[r], str) or hand[r] == "identical" for r in ("L1", "L2"))
    if not representable:
        assert a.crossovers is None
        why = a.omitted["crossovers"]
        for r in ("L1", "L2"):
            if hand[r] == "tie":
                assert f"{r}: equal on" in why
            if hand[r] == "jump":
                assert f"{r}: crosses it by a jump" in why
    else:
        for c in a.crossovers:
            weight, stronger = hand[c.reference]
            assert not c.identical and c.stronger_below == stronger
            assert (c.weight is None) if weight is None else sp.simplify(c.weight - weight) == 0


def _grid():
    import numpy as np

    return np.concatenate([np.geomspace(1e-4, 200, 2500), [1 / 3, 0.5, 1, 1.5, 2, 3.7, 11]])


@pytest.mark.parametrize("text", HAND)
def test_bands_order_the_pulls_on_a_dense_grid(text):
    """Brute force: at every grid point inside a band, the hand gradient and L1's 1 and L2's 2x come in the band's order."""
    a, g = analyzed(text), HAND[text]["g"]
    assert a.bands[0].lo == 0 and a.bands[-1].hi == oo
    assert all(b.hi == n.lo for b, n in zip(a.bands, a.bands[1:]))
    checked = 0
    # The bands' ends as floats once, not again at every grid point (float() of an exact root is an evalf).
    ends = [(float(b.lo) * (1 + 1e-9), float(b.hi) * (1 - 1e-9), b) for b in a.bands]
    for x in _grid():
        band = next((b for lo, hi, b in ends if lo < x < hi), None)
        if band is None:
            continue
        values = {"L1": 1.0, "L2": 2 * x, "Lk": g(x)}
        ties = {frozenset(t) for t in band.ties}
        for lo, hi in zip(band.order, band.order[1:]):
            if frozenset((lo, hi)) in ties:
                assert abs(values[lo] - values[hi]) <= 1e-12 * (1 + values[hi]), (x, band)
            else:
                assert values[lo] < values[hi], (x, band, values)
        checked += 1
    assert checked > 2000


@pytest.mark.parametrize("text", HAND)
def test_dead_zone_and_overshoot_against_a_grid_and_one_float_step(text):
    """Brute force: alpha*|g| - tau changes sign at the dead zone; one plain float step crosses 0 exactly below the overshoot weight."""
    import numpy as np

    a, g = analyzed(text), HAND[text]["g"]
    xs = _grid()
    # g once per grid point, as a float: some hand gradients divide by an exact SymPy number and return a SymPy
    # Float of 53 bits, the same value as the float (so the comparisons below are the same), but every comparison
    # with it would cost SymPy arithmetic
    gx = {x: float(g(x)) for x in xs}
    if a.dead_zone is not None:
        for tau, alpha in [(0.1, 1.0), (0.5, 2.0), (3.0, 1.0)]:
            d = float(a.dead_zone.subs({TAU: tau, ALPHA: alpha}))
            below = [x for x in xs if alpha * gx[x] < tau]
            first_not = min((x for x in xs if not alpha * gx[x] < tau), default=np.inf)
            assert all(x < d * (1 + 1e-9) for x in xs if x < first_not)
            assert (d == np.inf and first_not == np.inf) or abs(first_not - d) <= 8e-3 * d + 1e-9, (tau, alpha, d, first_not)
            assert below
    o = a.overshoot
    if o is None or o.weight is None:
        return
    for eta in [0.05, 0.5, 0.9, 1.2, 1.9, 2.5, 6.0]:
        w_star = float(o.weight.subs(ETA, eta))
        for x in xs:
            crosses = x - eta * gx[x] < 0
            if abs(x - w_star) <= 1e-6 * (1 + w_star):
                continue
            assert crosses == ((x < w_star) if o.side == "below" else (x > w_star)), (eta, x, w_star)


@pytest.mark.parametrize("text", [t for t in HAND if HAND[t]["cycle"] is not None])
def test_two_cycle_against_a_plain_gradient_descent_loop(text):
    """mpmath: the amplitude maps to its negative and back; the multiplier is (T o T)'(a); an attracting one attracts."""
    a, g = analyzed(text), HAND[text]["g"]
    # g on the grid once, as floats: the hand gradients give floats or SymPy Floats of 53 bits, and eta*g(x) - 2x
    # in SymPy (eta exact) rounds as the same float operations do (checked equal at every point, every eta, every
    # penalty here); in SymPy it cost ~10 s
    gs = None
    mpmath.mp.dps = 30
    for eta in [R(1, 10), R(1, 2), R(3, 2), R(5, 2), R(7)]:
        amp = sp.N(a.gd.cycle_amplitude.subs(ETA, eta), 30)
        if amp is sp.nan:  # no cycle at this eta: eta*g(x) = 2x has no root
            gs = [(x, float(g(x))) for x in _grid()] if gs is None else gs
            eta_float = float(eta)
            assert not any(abs(eta_float * gx - 2 * x) < 1e-9 for x, gx in gs)
            continue
        amp = mpmath.mpf(str(amp))
        step = lambda w: w - mpmath.mpf(eta.p) / eta.q * mpmath.sign(w) * g(abs(w))  # noqa: E731
        # the hand gradients are floats: 1e-13 relative is their precision, not the derivation's
        assert abs(step(amp) + amp) < 1e-13 * amp and abs(step(step(amp)) - amp) < 1e-13 * amp
        m = float(sp.N(a.gd.cycle_multiplier.subs(ETA, eta)))
        h = amp * mpmath.mpf("1e-6")
        if any(abs(amp - float(b.at)) < 2 * h for b in a.breakpoints):
            continue  # the cycle sits on a breakpoint (capped L1 with eta = 2T): T o T has no derivative there
        numeric = (step(step(amp + h)) - step(step(amp - h))) / (2 * h)
        assert abs(numeric - m) < 1e-4 * (1 + m), (eta, numeric, m)
        if a.gd.cycle_stable is True:
            w = amp * mpmath.mpf("1.001")
            for _ in range(4000):
                w = step(w)
            assert abs(abs(w) - amp) < 1e-10 * amp


def test_geometric_decay_is_what_a_plain_loop_does():
    a, g = analyzed("huber(delta=0.1)"), HAND["huber(delta=0.1)"]["g"]
    eta, w = 0.03, 0.05
    rate = float(a.gd.decay.rate.subs(ETA, eta))
    for t in range(1, 50):
        w = w - eta * g(w)
        assert abs(w - rate**t * 0.05) < 1e-14


@pytest.mark.parametrize(
    "typed, catalogue",
    [
        ("Piecewise((abs(w), abs(w) <= 1), ((37*abs(w) - 5*w^2 - 5)/27, abs(w) <= 3.7), (47/20, True))", "scad(lam=1, a=3.7)"),
        ("Piecewise((abs(w) - w^2/6, abs(w) <= 3), (3/2, True))", "mcp(lam=1, gamma=3)"),
    ],
)
def test_typed_scad_and_mcp_get_the_catalogue_weight_facts(typed, catalogue):
    keys = ("dead_zone", "overshoot", "crossovers", "bands", "gd", "omitted")
    a, b = to_dict(analyzed(typed)), to_dict(analyzed(catalogue))
    assert {k: a[k] for k in keys} == {k: b[k] for k in keys}


def test_an_expression_without_exact_crossings_says_why():
    a = analyzed("1 - exp(-abs(w))")
    assert a.crossovers is None and a.bands is None
    assert "cannot solve" in a.omitted["crossovers"] and a.omitted["bands"] == a.omitted["crossovers"]
    assert a.overshoot.weight == sp.LambertW(ETA) and a.gd.cycle_amplitude == sp.LambertW(ETA / 2)
    assert a.gd.cycle_stable is False  # p'' = -exp(-x) < 0: the cycle repels


def test_a_gradient_that_rises_then_falls():
    # log(1 + w^2): g = 2x/(1 + x^2) rises to 1 at x = 1, then falls.  By hand: no single "below which" dead zone
    # (alpha*g < tau on (0, x1) and on (x2, oo)); q = g/x = 2/(1 + x^2) falls from 2, so eta*q > 1 exactly for
    # x < sqrt(2 eta - 1) (none for eta <= 1/2); the cycle 2/(1 + a^2) = 2/eta: a = sqrt(eta - 1) for eta > 1,
    # attracting where g rises (a < 1, eta < 2) and repelling where it falls: no single stability.
    a = analyzed("log(1 + w^2)")
    assert a.dead_zone is None and "not monotone" in a.omitted["dead_zone"]
    assert _equal_in_eta(a.overshoot.weight, PW((0, ETA <= R(1, 2)), (sp.sqrt(2 * ETA - 1), True)))
    assert _equal_in_eta(a.gd.cycle_amplitude, PW((sp.sqrt(ETA - 1), ETA > 1)))
    assert a.gd.cycle_stable is None and "undecided" in a.omitted["gd.cycle_stable"]


@pytest.mark.parametrize(
    "typed, gradient, etas",
    [
        # By hand: p' = x on (0, 1], 2x beyond: |p'|/|w| is 1 then 2; at eta = 1 the weights |w| <= 1 land on 0
        # exactly (no crossing), at eta = 1/2 those beyond 1 do.
        ("w^2 - Min(w^2, 1)/2", lambda x: x if x <= 1 else 2 * x, [R(1), R(1, 2), R(3, 4), R(2), R(1, 3)]),
        ("w^2 + Max(w^2, 1) - 1", lambda x: 2 * x if x <= 1 else 4 * x, [R(1, 2), R(1, 4), R(1, 3), R(1)]),
        # p' = 6x on (0, 2/3], 10x - 8/3 beyond: the ratio 6 on the first piece, rising to 10 on the second.
        ("3*w^2 + 2*Max(abs(w) - 2/3, 0)^2", lambda x: 6 * x if x <= R(2, 3) else 10 * x - R(8, 3),
         [R(1, 6), R(1, 10), R(1, 8), R(1, 5), R(1, 12)]),
    ],
)
def test_overshoot_is_strict_where_a_step_lands_exactly_on_zero(typed, gradient, etas):
    """Exact brute force: one step w - eta p'(w) crosses 0 (strictly below 0) exactly beyond the derived weight."""
    a = analyzed(typed)
    assert a.overshoot.side == "above"
    grid = sorted({R(i, 60) for i in range(1, 300)} | {R(2, 3), R(1)})
    for eta in etas:
        weight = sp.S(a.overshoot.weight).subs(ETA, eta)
        for x in grid:
            crosses = x - eta * gradient(x) < 0
            assert crosses == (x > weight), (typed, eta, x, weight)


# --------------------------------------------------------------------------- a linear crossing without solveset (speed3)

from lksym.derivation import weights as _weights  # noqa: E402
from lksym.derivation.symbols import X  # noqa: E402


@pytest.mark.parametrize(
    "difference, lo, hi",
    [
        ((37 - 10 * X) / 27 - 1, 1, sp.Rational(37, 10)),
        ((37 - 10 * X) / 27 - 2 * X, 1, sp.Rational(37, 10)),
        ((37 - 10 * X) / 27 - 2 * X, 0, 1),
        (-2 * X, sp.Rational(37, 10), sp.oo),
        (sp.Integer(-1), sp.Rational(37, 10), sp.oo),
        (1 - X / 3 - 2 * X, 0, 1),
        ((X - 1) / (X + 2), 1, 5),  # the root is the open left end
        ((X - 5) / (X + 2), 1, 5),  # ... the closed right end
        (3 * X - 7, 2, sp.oo),
        (3 * X - 7, sp.sqrt(5), 3),  # an algebraic end, ordered exactly
    ],
)
def test_a_linear_crossing_is_solvesets(difference, lo, hi):
    lo, hi = sp.S(lo), sp.S(hi)
    mine = _weights._linear_root(sp.cancel(difference), lo, hi)
    where = sp.Interval.open(lo, sp.oo) if hi == sp.oo else sp.Interval.Lopen(lo, hi)
    assert mine is not None
    assert sp.srepr(mine) == sp.srepr(sp.solveset(sp.cancel(difference), X, where))


@pytest.mark.parametrize("difference", [X**2 - 2, sp.sqrt(2) * X - 1, sp.log(X) - 1, (X**2 - 1) / (X + 3)])
def test_anything_but_a_rational_linear_numerator_is_left_to_solveset(difference):
    assert _weights._linear_root(sp.cancel(difference), sp.S.Zero, sp.oo) is None


# --------------------------------------------------------------------------- families that once raised (issue 26)

TOWERS = ["(1/2)^(1/2)^(1/2)", "(1/2)^(sqrt(2)/2)", "(1/3)^sqrt(2)", "(1/2)^pi", "(1/4)^(1/pi)", "(1/2)^(1/2)^(1/3)",
          "(1/2)^(1/2)^(1/2)^(1/2)", "(1/7)^(1/2)^(1/2)", "(2/5)^(1/2)^(1/2)", "2*(1/2)^(1/2)^(1/2)", "(1/2)^(-1/pi)",
          "abs(w)^((1/2)^pi)"]


@pytest.mark.parametrize("text", TOWERS)
def test_power_towers_that_are_constants_are_the_power_family(text):
    """A unit fraction to an irrational power: SymPy spells it two ways, which once made a three-term tie."""
    from lksym.derivation.exact import to_float
    from lksym.derivation.prox import prox_threshold

    a = analyzed(text)
    k = a.subject.k
    with mpmath.workdps(40):
        kk = mpmath.mpf(str(sp.N(k, 45)))
        lam = mpmath.mpf(3) / 7
        threshold = prox_threshold(k).subs(LAM, sp.Rational(3, 7))
        if kk < 1:  # the jump threshold by hand: (2 - k)/(2 - 2k) * (2 lam (1 - k))^(1/(2 - k))
            truth = (2 - kk) / (2 - 2 * kk) * (2 * lam * (1 - kk)) ** (1 / (2 - kk))
        elif kk == 1:
            truth = lam
        else:
            truth = mpmath.mpf(0)
        assert abs(mpmath.mpf(str(sp.N(threshold, 40))) - truth) <= mpmath.mpf(10) ** -30
    assert to_float(k) > 0


TINY = [("abs(w)*10^-1000", sp.Integer(10) ** -1000 / 2), ("abs(w)*10^-400", sp.Integer(10) ** -400 / 2),
        ("abs(w)/10^320 + w^2", None), ("w^2*10^-500", None), ("abs(w)^1.5*10^-320", None),
        ("Min(abs(w), 10^-500)", None), ("w^2*10^-1000 + abs(w)", None), ("abs(w)*7*10^-330", sp.Rational(7, 2) * sp.Integer(10) ** -330)]


@pytest.mark.parametrize("text, l2_crossing", TINY)
def test_tiny_constant_factors_are_analysed(text, l2_crossing):
    """Crossings below the smallest float are ordered at 30 digits, not as 0.0 (once a StopIteration)."""
    a = analyzed(text)
    if l2_crossing is not None:  # c|w| meets 2|w| at |w| = c/2, exactly
        (l2,) = [c for c in a.crossovers if c.reference == "L2"]
        assert l2.weight == l2_crossing and l2.stronger_below == "Lk"
    to_dict(a)


@pytest.mark.parametrize("text", ["Min(abs(w), 1) + Min(abs(w), 2)", "Min(abs(w), 1/2) + Min(abs(w), 3/2)",
                                  "2*Min(abs(w), 1) + 3*Min(abs(w), 2)", "Min(abs(w), 1) + Min(w^2, 2)",
                                  "Min(abs(w),1)+Min(abs(w),2)+Min(abs(w),3)", "Min(abs(w), 2) + Min(abs(w), 4)"])
def test_sums_of_min_are_analysed(text):
    a = analyzed(text)
    assert a.thresholding is not None
    to_dict(a)


# --------------------------------------------------------------------------- hyperbolic functions (issue 26)

HYPERBOLIC = {
    # text: (p on x > 0 in mpmath, smooth at 0 (C^inf), convex, sparse)
    "log(cosh(w))": (lambda x: mpmath.log(mpmath.cosh(x)), True, True, False),
    "tanh(abs(w))": (lambda x: mpmath.tanh(x), False, False, True),
    "sinh(abs(w))": (lambda x: mpmath.sinh(x), False, True, True),
    "cosh(w) - 1": (lambda x: mpmath.cosh(x) - 1, True, True, False),
    "log(cosh(3*w))/3": (lambda x: mpmath.log(mpmath.cosh(3 * x)) / 3, True, True, False),
}


@pytest.mark.parametrize("text", sorted(HYPERBOLIC))
def test_hyperbolic_penalties_against_mpmath(text):
    """Gradient and curvature at many points against mpmath's derivatives at 40 digits; the yes/no facts by hand."""
    p, smooth, convex, sparse = HYPERBOLIC[text]
    a = analyzed(text)
    with mpmath.workdps(40):
        for x in ("0.001", "0.3", "1", "2.5", "7"):
            xm = mpmath.mpf(x)
            for part, order in ((a.gradient, 1), (a.curvature, 2)):
                ours = mpmath.mpf(str(sp.N(part.expr.subs(W, sp.Rational(x)), 40)))
                assert abs(ours - mpmath.diff(p, xm, order)) < mpmath.mpf(10) ** -30, (text, part.name, x)
                ours_left = mpmath.mpf(str(sp.N(part.expr.subs(W, -sp.Rational(x)), 40)))
                assert ours_left == (-ours if order == 1 else ours)
    assert (a.smoothness is None) == smooth and a.convex == convex and a.thresholding.sparse == sparse


def test_log_cosh_is_the_smooth_l1():
    """log(cosh(w)): gradient tanh(w), curvature sech(w)^2, pull tending to 1 like L1, not sparse, not unbiased."""
    a = analyzed("log(cosh(w))")
    from lksym.derivation.symbols import X

    assert a.gradient.branch == sp.tanh(X)  # on w > 0; odd by the mpmath test above
    assert sp.simplify((a.curvature.branch - sp.sech(X) ** 2).rewrite(sp.exp)) == 0
    assert a.gradient.limits["+oo"] == 1 and a.curvature.limits["0+"] == 1
    assert a.thresholding.unbiased is False and a.prox.threshold == 0


@pytest.mark.parametrize("text", ["sinh(w)", "cosh(w)", "tanh(w)", "asinh(w)", "acosh(w)", "atanh(w)", "tanh(abs(w))",
                                  "asinh(abs(w))", "acosh(1 + w^2)", "atanh(abs(w))", "acosh(abs(w))", "atanh(w^2/2)"])
def test_hyperbolic_names_are_known_and_checked_like_other_functions(text):
    """Never 'unknown function': either analysed, or one line saying why (odd, complex or infinite somewhere)."""
    from lksym.derivation.penalty import parse_penalty
    from lksym.errors import InputError

    try:
        parse_penalty(text)
    except InputError as error:
        assert "unknown function" not in str(error)
        assert any(word in str(error) for word in ("even", "real and finite", "costly", "cannot")), str(error)


# --------------------------------------------------------------------------- sums of powers (issue 26)

SUMS = {
    "abs(w)^0.5 + abs(w)": lambda x: 1 + 1 / (2 * mpmath.sqrt(x)),
    "abs(w)^0.7 + w^2": lambda x: mpmath.mpf(7) / 10 * x ** (-mpmath.mpf(3) / 10) + 2 * x,
    "abs(w)^0.5 + w^2": lambda x: 1 / (2 * mpmath.sqrt(x)) + 2 * x,
    "abs(w)^(1/3) + abs(w)^(2/3)": lambda x: x ** (-mpmath.mpf(2) / 3) / 3 + 2 * x ** (-mpmath.mpf(1) / 3) / 3,
    "abs(w)^1.5 + abs(w)": lambda x: mpmath.mpf(3) / 2 * mpmath.sqrt(x) + 1,
    "2*abs(w)^0.5 + abs(w)^1.5": lambda x: 1 / mpmath.sqrt(x) + mpmath.mpf(3) / 2 * mpmath.sqrt(x),
}


@pytest.mark.parametrize("text", sorted(SUMS))
def test_sums_of_powers_are_analysed_and_their_crossings_are_roots(text):
    """Once 20 s and a give-up; now every crossing with L1/L2 is a root of |p'| = reference (mpmath, 40 digits),
    and between crossings the order of the pulls is the one a dense scan finds."""
    gradient = SUMS[text]
    a = analyzed(text)
    with mpmath.workdps(40):
        for c in a.crossovers:
            ref = (lambda x: mpmath.mpf(1)) if c.reference == "L1" else (lambda x: 2 * x)
            if c.weight is not None:
                w = mpmath.mpf(str(sp.N(c.weight, 45)))
                assert abs(gradient(w) - ref(w)) < mpmath.mpf(10) ** -30, (text, c)
            else:  # no single crossing: one side is stronger over a dense grid
                signs = {mpmath.sign(gradient(x) - ref(x)) for x in (mpmath.mpf(10) ** (e / 8) for e in range(-40, 41))}
                assert len(signs - {0}) <= 1 or not c.identical, (text, c, signs)
