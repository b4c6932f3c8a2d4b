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
    assert k_analysis.k == k_case.k
    assert k_analysis.regime.name == k_case.regime


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
    k = analysis_of(text).k
    assert k == exact
    assert not k.has(sp.Float)


def test_decimal_and_fraction_give_the_same_analysis(analysis_of):
    a, b = analysis_of("3/2"), analysis_of("1.5")
    from lksym.writers.jsonout import to_dict

    assert to_dict(a) == to_dict(b)
    assert a.gradient.expr == b.gradient.expr
    assert a.crossovers == b.crossovers


def _all_sympy_values(a):
    values = [a.k, a.dead_zone, a.overshoot.weight, a.overshoot.step_limit]
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
        a.k = sp.Integer(3)  # type: ignore[misc]


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
    started = time.monotonic()
    import json
    import re

    from lksym.derivation.exact import MAX_EXACT_DIGITS
    from lksym.derivation.symbols import ETA
    from lksym.writers.jsonout import dumps
    from lksym.writers.report import report_markdown
    from lksym.writers.terminal import summary

    a = analysis_of(text)
    outputs = {"markdown": report_markdown(a), "json": dumps(a), "terminal": summary(a)}
    assert time.monotonic() - started < 10, "far slower than SymPy needs for this k"
    for name, out in outputs.items():
        longest = max((len(m) for m in re.findall(r"\d+", out)), default=0)
        assert longest <= MAX_EXACT_DIGITS, f"{name}: a {longest}-digit number"

    mpmath.mp.dps = 40
    k = mpmath.mpf(sp.N(a.k, 45))

    def close(exact, want, subs=None):
        # evalf with subs: substituting exactly would make SymPy rebuild the huge powers.
        return abs(mpmath.mpf(exact.evalf(45, subs=subs)) / want - 1) < mpmath.mpf(10) ** -35

    l1, l2 = (c.weight for c in a.crossovers)
    assert close(l1, k ** (-1 / (k - 1)))
    assert close(l2, (2 / k) ** (1 / (k - 2)))
    if a.gd.decay.kind == "power":
        assert close(a.gd.decay.constant, (k * (k - 2) / 7) ** (-1 / (k - 2)), {ETA: sp.Rational(1, 7)})
    # C^n at 0 for non-integer k: n = floor(k); the two-cycle's multiplier (3 - 2k)^2.
    if a.k.is_integer:
        assert a.smoothness == (None if a.k % 2 == 0 else int(a.k) - 1)
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
