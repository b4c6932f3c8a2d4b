"""The proximal operator of lam*|x|^k against a brute-force argmin that knows nothing of stationarity.

The brute force minimises 1/2 (x - z)^2 + lam |x|^k on a 200001-point grid over
[0, z] and refines the best grid point by golden-section search in 40-digit
mpmath; the typed jump threshold below is only used as a second opinion.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from lksym.derivation.expr import parse_k
from lksym.derivation.prox import derive_prox, prox_closed_form, prox_exact, prox_numeric, prox_threshold
from lksym.derivation.symbols import LAM, Z

K_TEXTS = ["0.1", "1/2", "2/3", "1", "4/3", "1.5", "2", "3", "7/3", "10", "sqrt(2)", "1/sqrt(3)"]
CLOSED = {"1/2", "2/3", "1", "4/3", "1.5", "2", "3", "7/3"}
ZS = (0.05, 0.4, 1.1, 2.7, 6.0)
LAMS = (0.1, 1.0, 2.5)


def _objective(kf: float, lam: float, z: float, x):
    return 0.5 * (x - z) ** 2 + lam * abs(x) ** kf


def brute_prox(kf: float, lam: float, z: float) -> float:
    """Global argmin by dense grid, refined locally at high precision; odd in z."""
    if z < 0:
        return -brute_prox(kf, lam, -z)
    x = np.linspace(0.0, z, 200001)
    with np.errstate(over="ignore"):
        i = int(np.argmin(0.5 * (x - z) ** 2 + lam * x**kf))
    lo, hi = x[max(i - 1, 0)], x[min(i + 1, len(x) - 1)]
    with mpmath.workdps(32):
        k, L, zz = mpmath.mpf(kf), mpmath.mpf(lam), mpmath.mpf(z)
        phi = lambda v: 0.5 * (v - zz) ** 2 + L * abs(v) ** k  # noqa: E731
        a, b = mpmath.mpf(lo), mpmath.mpf(hi)
        ratio = (mpmath.sqrt(5) - 1) / 2
        for _ in range(95):
            c, d = b - ratio * (b - a), a + ratio * (b - a)
            if phi(c) < phi(d):
                b = d
            else:
                a = c
        best = (a + b) / 2
        return 0.0 if phi(mpmath.mpf(0)) <= phi(best) else float(best)


def brute_threshold(kf: float, lam: float) -> float:
    """Largest z > 0 whose brute-force argmin is 0, by bisection on z."""
    lo, hi = 0.0, 1.0
    while brute_prox(kf, lam, hi) == 0.0:
        lo, hi = hi, 2 * hi
    for _ in range(36):
        mid = 0.5 * (lo + hi)
        if brute_prox(kf, lam, mid) == 0.0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _close(a: float, b: float, tol: float = 1e-9) -> bool:
    return abs(a - b) <= tol * (1 + abs(b))


def _points(k):
    threshold = float(prox_threshold(k).subs(LAM, 1))
    for lam in LAMS:
        t = threshold * (lam ** float(prox_exponent(k)))
        for z in ZS:
            if abs(z - t) > 1e-6:
                yield lam, z
                if lam == 1.0:
                    yield lam, -z  # odd symmetry


def prox_exponent(k):
    # The threshold is c * lam**e; read e off the derived formula (0 when it is 0).
    thr = prox_threshold(k)
    return 0 if thr == 0 else sp.degree(thr, LAM) if thr.is_polynomial(LAM) else thr.as_coeff_exponent(LAM)[1]


@pytest.mark.parametrize("text", K_TEXTS)
def test_numeric_matches_brute_force(text):
    k = parse_k(text)
    for lam, z in _points(k):
        got, want = prox_numeric(k, lam, z), brute_prox(float(k), lam, z)
        assert _close(got, want), (text, lam, z, got, want)


@pytest.mark.parametrize("text", K_TEXTS)
def test_closed_form_matches_brute_force(text):
    k = parse_k(text)
    form = prox_closed_form(k)
    assert (form is not None) == (text in CLOSED)
    if form is None:
        return
    assert form.free_symbols <= {Z, LAM}
    threshold = prox_threshold(k)
    for lam, z in _points(k):
        if z <= 0 or z <= float(threshold.subs(LAM, lam)):
            continue
        value = sp.N(form.subs({Z: sp.Float(z, 40), LAM: sp.Float(lam, 40)}), 30)
        re, im = (float(v) for v in value.as_real_imag())
        assert abs(im) < 1e-20
        assert _close(re, brute_prox(float(k), lam, z)), (text, lam, z)


@pytest.mark.parametrize("text", K_TEXTS)
def test_threshold_matches_brute_force(text):
    k = parse_k(text)
    kf = float(k)
    for lam in (0.3, 2.5):
        derived = float(prox_threshold(k).subs(LAM, lam))
        if kf > 1:
            assert derived == 0
            assert brute_prox(kf, lam, 1e-3) > 0  # any z > 0 gives a nonzero weight
        else:
            assert _close(derived, brute_threshold(kf, lam), 1e-8), (text, lam)


@pytest.mark.parametrize("text", ["0.1", "1/2", "2/3", "0.9"])
def test_threshold_equals_the_known_formula(text):
    k = parse_k(text)
    typed = (2 - k) / (2 * (1 - k)) * (2 * LAM * (1 - k)) ** (1 / (2 - k))
    assert sp.simplify(prox_threshold(k) - typed) == 0


def test_l1_and_l2_closed_forms():
    assert prox_threshold(sp.Integer(1)) == LAM
    assert prox_closed_form(sp.Integer(1)) == Z - LAM
    assert sp.simplify(prox_closed_form(sp.Integer(2)) - Z / (1 + 2 * LAM)) == 0


def test_exact_values():
    one = sp.Integer(1)
    assert prox_exact(sp.Integer(2), one, sp.Integer(3)) == 1
    assert prox_exact(sp.Integer(1), one, sp.Integer(-3)) == -2
    assert prox_exact(sp.Rational(1, 2), one, sp.Rational(3, 2)) == 0  # exactly at the threshold
    assert prox_exact(sp.Integer(10), one, one) is None


def test_numeric_rejects_bad_input():
    with pytest.raises(ValueError):
        prox_numeric(2, 0, 1.0)
    with pytest.raises(ValueError):
        prox_numeric(2, 1.0, math.nan)


def test_derive_prox_is_cheap():
    import time

    start = time.perf_counter()
    derive_prox(sp.Rational(11, 7))  # not cached by any other test
    assert time.perf_counter() - start < 2.0  # ~0.05 s alone; generous for a loaded machine


def test_json_prox_keys(analysis_of):
    from lksym.writers.jsonout import to_dict

    assert to_dict(analysis_of("1"))["prox"] == {"threshold": "lam", "closed_form": "-lam + z"}
    assert to_dict(analysis_of("10"))["prox"] == {"threshold": "0", "closed_form": None}
    half = to_dict(analysis_of("1/2"))["prox"]
    assert half["threshold"] == "3*lam**(2/3)/2"
    names = {"z": Z, "lam": LAM, "I": sp.I}
    assert sp.sympify(half["closed_form"], locals=names) == prox_closed_form(sp.Rational(1, 2))


def test_prox_command():
    from click.testing import CliRunner

    from lksym.cli import main

    runner = CliRunner()
    out = runner.invoke(main, ["prox", "--k", "1.5", "--lam", "0.5", "--z", "-2"])
    assert out.exit_code == 0, out.output
    assert "exact: -(-3 + sqrt(137))**2/64" in out.output
    assert float(out.output.split("float: ")[1].split()[0]) == pytest.approx(-((-3 + math.sqrt(137)) ** 2) / 64, rel=1e-15)
    numeric = runner.invoke(main, ["prox", "--k", "10", "--lam", "1", "--z", "2"])
    assert numeric.exit_code == 0 and "no closed form" in numeric.output
    assert abs(float(numeric.output.split("float: ")[1].split()[0]) - brute_prox(10.0, 1.0, 2.0)) < 1e-9
    for args, message in (
        (["--lam", "0", "--z", "1"], "lam must be positive"),
        (["--lam", "1", "--z", "abc"], "invalid z"),
        (["--lam", "1", "--z", "1+2j"], "complex"),
        (["--lam", "__import__('os')", "--z", "1"], "invalid lam"),
    ):
        bad = runner.invoke(main, ["prox", "--k", "2", *args])
        assert bad.exit_code == 2 and message in bad.output, (args, bad.output)


# --------------------------------------------------------------------------- real closed forms (issue 13)

REAL_FORM_KS = ["1/2", "5/2", "4/3", "2/3", "3/2", "3", "7/3"]


def _prox_at_40_digits(k: sp.Rational, lam: float, z: float):
    """The prox polished to 40 digits: Newton on x - z + lam k x^(k-1) from the float bisection."""
    start = prox_numeric(k, lam, z)
    with mpmath.workdps(45):
        k, L, zz = mpmath.mpf(int(k.p)) / int(k.q), mpmath.mpf(lam), mpmath.mpf(z)
        g = lambda v: v - zz + L * k * v ** (k - 1)  # noqa: E731
        lo, hi = mpmath.mpf(start) * (1 - mpmath.mpf(10) ** -9), mpmath.mpf(start) * (1 + mpmath.mpf(10) ** -9)
        if not (start > 0 and g(lo) < 0 < g(hi)):  # a root too small for the float solver to bracket
            lo, hi = zz * mpmath.mpf(10) ** -80, zz
        x = mpmath.findroot(g, (lo, hi), solver="illinois")
        # It must be the global minimiser, not just a stationary point: beat x = 0.
        assert 0.5 * (x - zz) ** 2 + L * x**k < 0.5 * zz**2
        return x


@pytest.mark.parametrize("text", REAL_FORM_KS)
def test_closed_forms_are_real_formulas(text):
    form = prox_closed_form(parse_k(text))
    assert form is not None and not form.has(sp.I), form


@pytest.mark.parametrize("text", REAL_FORM_KS)
def test_real_closed_form_matches_the_prox_at_30_digits(text):
    k = parse_k(text)
    form = prox_closed_form(k)
    f = sp.lambdify((Z, LAM), form, "mpmath")
    for lam in (0.01, 0.3, 1.0, 4.0):
        t = float(prox_threshold(k).subs(LAM, lam))
        for z in [t + 1e-6 * (1 + t), t * 1.01 + 1e-3, 1.5 * t + 0.1, 2 * t + 1, 7.3, 40.0, 1e3]:
            # Radical forms cancel badly at small z (Cardano, Ferrari): evaluate them at 90 digits.
            with mpmath.workdps(90):
                value = mpmath.mpmathify(f(mpmath.mpf(z), mpmath.mpf(lam)))
            with mpmath.workdps(45):
                truth = _prox_at_40_digits(k, lam, z)
                assert abs(mpmath.im(value)) < mpmath.mpf(10) ** -35
                assert abs(mpmath.re(value) - truth) <= mpmath.mpf(10) ** -30 * (1 + abs(truth)), (text, lam, z)


def test_half_thresholding_matches_xu_et_al_2012():
    # Xu, Chang, Xu, Zhang (2012), "L1/2 regularization: a thresholding representation theory":
    # argmin (x - z)^2 + mu |x|^(1/2) is (2/3) z (1 + cos(2 pi/3 - 2/3 phi(z))) with
    # phi(z) = arccos(mu/8 (|z|/3)^(-3/2)) above the threshold 54^(1/3)/4 mu^(2/3).
    # Our objective 1/2 (x - z)^2 + lam |x|^(1/2) is theirs with mu = 2 lam.
    half = sp.Rational(1, 2)
    form = sp.lambdify((Z, LAM), prox_closed_form(half), "mpmath")
    with mpmath.workdps(40):
        for lam in ("0.1", "1", "2.5"):
            mu = 2 * mpmath.mpf(lam)
            xu_threshold = mpmath.cbrt(54) / 4 * mu ** (mpmath.mpf(2) / 3)
            assert abs(xu_threshold - mpmath.mpf(prox_threshold(half).subs(LAM, sp.Rational(lam)).evalf(40))) < 1e-35
            for factor in ("1.000001", "1.01", "1.3", "2", "5", "30"):
                z = xu_threshold * mpmath.mpf(factor)
                phi = mpmath.acos(mu / 8 * (z / 3) ** (-mpmath.mpf(3) / 2))
                xu = 2 * z / 3 * (1 + mpmath.cos(2 * mpmath.pi / 3 - 2 * phi / 3))
                assert abs(form(z, mpmath.mpf(lam)) - xu) < mpmath.mpf(10) ** -32, (lam, factor)


def test_trigonometric_cubic_roots_solve_the_cubic():
    from lksym.derivation.prox import cubic_real_roots

    P, Q = sp.Symbol("P", negative=True), sp.Symbol("Q", real=True)
    trig, cardano = cubic_real_roots(P, Q)
    rng = np.random.default_rng(1)
    for _ in range(30):
        p, q = -rng.uniform(0.01, 10), rng.uniform(-10, 10)
        d = q**2 / 4 + p**3 / 27
        roots = trig if d < 0 else cardano
        with mpmath.workdps(50):
            for s in roots:
                value = sp.N(s.subs({P: sp.Float(p, 50), Q: sp.Float(q, 50)}), 45)
                if d >= 0 and abs(sp.im(value)) > 1e-30:
                    continue  # the Cardano form for the other sign of Q
                assert abs(complex(value**3 + p * value + q)) < 1e-30 * (1 + abs(p) + abs(q)) ** 3
                assert abs(sp.im(value)) < 1e-40


def test_prox_prints_real_values():
    from click.testing import CliRunner

    from lksym.cli import main

    runner = CliRunner()
    out = runner.invoke(main, ["prox", "--k", "0.5", "--lam", "1", "--z", "2"])
    assert out.exit_code == 0 and "I" not in out.output.split("exact: ")[1].split("\n")[0]
    assert "cos(acos(" in out.output
    quartic = runner.invoke(main, ["prox", "--k", "2/3", "--lam", "1", "--z", "3"]).output
    assert "t**3 where t is the root of t**4 - 3*t + 2/3 = 0 in (" in quartic


def test_verify_accepts_the_real_half_thresholding_formula():
    from click.testing import CliRunner

    from lksym.cli import main

    xu = "Piecewise((2/3*z*(1+cos(2*pi/3 - 2/3*acos(lam/4*(abs(z)/3)^(-3/2)))), abs(z) > 3/2*lam^(2/3)), (0, True))"
    runner = CliRunner()
    good = runner.invoke(main, ["verify", "--k", "0.5", "--prox", xu])
    assert good.exit_code == 0 and "OK" in good.output, good.output
    wrong = runner.invoke(main, ["verify", "--k", "0.5", "--prox", xu.replace("lam/4", "lam/3")])
    assert wrong.exit_code == 1 and "WRONG" in wrong.output




# Exact tiny and huge numbers are valid input: the float line is the true value (or its digits where no
# float is near it), never a traceback and never a float from underflow (lam = 1e-400 was 0.0 and raised;
# z = 1e-309 printed 2.8e-296 for a true 4.4e-619; evaluating Cardano's form gave 0.0 or a negative value).
TINY_KS = ["0.5", "0.1", "2/3", "4/3", "1.5", "7/3", "2.5", "10", "sqrt(2)"]
TINY_LAM_Z = [("1e-400", "1"), ("1", "1e-309"), ("1", "10**-1000"), ("10**12", "10**-1000"), ("10**-1000", "-3"), ("1e-300", "1e-300")]


def _printed_value(output: str):
    import mpmath

    text = output.split("float: ")[1].split()[0]
    return mpmath.mpf(text)


def _check_prox_value(k: str, lam: str, z: str, x) -> None:
    import mpmath

    from lksym.derivation.expr import parse_expression

    with mpmath.workdps(60):
        kk, ll, zz = (mpmath.mpf(sp.Float(sp.N(parse_expression(t), 60), 60)._mpf_) for t in (k, lam, z))
        zz, x = abs(zz), abs(x)
        if x == 0:  # only below the threshold, worked out by hand: k < 1 jump, 0 for k > 1
            assert kk < 1
            threshold = (2 - kk) / (2 * (1 - kk)) * (2 * ll * (1 - kk)) ** (1 / (2 - kk))
            assert zz <= threshold * (1 + mpmath.mpf(10) ** -12)
        else:  # stationary: x - z + lam k x^(k-1) = 0 at 15 digits, with 0 < x < z
            assert 0 < x <= zz * (1 + mpmath.mpf(10) ** -15)  # a printed value has 17 digits
            assert abs(x - zz + ll * kk * x ** (kk - 1)) <= mpmath.mpf(10) ** -15 * zz


@pytest.mark.parametrize("k", TINY_KS)
@pytest.mark.parametrize(("lam", "z"), TINY_LAM_Z)
def test_prox_precise_tiny_and_huge_numbers(k, lam, z):
    from lksym.derivation.expr import parse_expression, parse_k
    from lksym.derivation.prox import prox_precise

    x = prox_precise(parse_k(k), parse_expression(lam), parse_expression(z))
    _check_prox_value(k, lam, z, x)
    assert (x < 0) == z.startswith("-") or x == 0


@pytest.mark.parametrize(("k", "lam", "z"), [("0.5", "1e-400", "1"), ("1.5", "1", "1e-309"), ("2.5", "10**12", "10**-1000"),
                                             ("10", "1e-300", "1e-300"), ("7/3", "1", "1e-309")])
def test_prox_command_tiny_and_huge_numbers(k, lam, z):
    import sys

    from click.testing import CliRunner

    from lksym.cli import main

    out = CliRunner().invoke(main, ["prox", "--k", k, "--lam", lam, "--z", z])
    assert out.exit_code == 0, out.output
    x = _printed_value(out.output)
    _check_prox_value(k, lam, z, x)
    assert ("outside the float range" in out.output) == (x != 0 and abs(x) < sys.float_info.min)


def test_prox_command_value_below_the_float_range_by_hand():
    from click.testing import CliRunner

    from lksym.cli import main

    # k = 3/2, lam = 1: sqrt(x) = t solves t^2 + 3t/2 - z = 0, so x = ((sqrt(9/4 + 4z) - 3/2)/2)^2 ~ (2z/3)^2.
    out = CliRunner().invoke(main, ["prox", "--k", "1.5", "--lam", "1", "--z", "1e-309"])
    assert out.exit_code == 0, out.output
    assert "float: 4.4444444444444444e-619 (outside the float range" in out.output
