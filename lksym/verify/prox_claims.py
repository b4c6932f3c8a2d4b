"""Proximal-operator claims: a formula in ``z`` and ``lam`` held against the derived proximal step."""

from __future__ import annotations

import math
import time
from typing import Optional

import mpmath
import sympy as sp

from lksym import budget
from lksym.budget import attempt
from lksym.derivation.expr import parse_expression
from lksym.derivation.prox import prox_closed_form, prox_numeric, prox_precise, prox_threshold
from lksym.derivation.symbols import LAM, Z
from lksym.errors import InputError
from lksym.numerics.prox_check import check_prox
from lksym.results import TIME_LIMIT
from lksym.verify.sampling import MAX_DIGITS, PROX_FAR_LAMS, Coverage, log10_of, number_text, sweep_points
from lksym.verify.verdicts import Counterexample, Verdict, as_number, exact_text

ANALYSIS_BUDGET = TIME_LIMIT
"""Seconds allowed for deriving the proximal step's threshold and closed form."""

PROX_Z = sp.Symbol("z", real=True)
"""The ``z`` of a ``--prox`` claim: real, so ``sign(z)`` and ``abs(z)`` survive parsing."""

PROX_LAMS = (sp.Rational(1, 10), sp.Rational(1, 2), sp.Integer(1), sp.Integer(2))
"""The penalty weights a prox claim is evaluated at."""

PROX_DIGITS = 40
"""Digits at which a prox claim and the truth (:func:`precise_truth`) are evaluated."""

PROX_TOLERANCE = 1e-30
"""Relative tolerance: ``|claimed - true| <= 1e-30 * (|true| + 1e-40 |z|)``, the truth being
:func:`precise_truth` (the stationary point to :data:`PROX_DIGITS` digits, certified by a sign
change of the stationarity function either side of it).  Relative, not absolute: at z = 1e-300 an
absolute tolerance would let any claim near 0 pass.  Far points are planned only where the float
first guess is representable (:func:`_float_safe`)."""

THRESHOLD_OFFSETS = tuple(sp.Rational(1, 10**e) for e in (1, 6, 9, 12, 20))
"""Relative distances of the z sampled on both sides of a nonzero threshold t: t(1 +- d), the first
two at every lam, all of them at lam = 1/10 and 1 (a claim that is 0 up to lam(1 + 10^-6) is wrong
only just above t)."""

PROX_Z_EXPONENTS = tuple(range(-250, 251, 25))
"""|z| = m 10^e for these e at every lam (every other one at the far lam), where
:func:`_float_safe` (floats bound the truth)."""


def parse_prox_claim(text) -> tuple[str, sp.Expr]:
    if not isinstance(text, str):
        raise InputError(f"--prox must be text, got {type(text).__name__}")
    try:
        expr = parse_expression(text, names={"z": PROX_Z, "lam": LAM})
    except InputError as error:
        raise InputError(f"--prox: {error}") from None
    if not isinstance(expr, sp.Expr):
        raise InputError("--prox: expected an expression in z and lam, got a condition")
    return text.strip(), expr


def _derive_prox(k: sp.Expr):
    return prox_threshold(k), prox_closed_form(k)


def _prox_points(threshold: sp.Expr, k: sp.Expr = sp.Integer(1)) -> list[tuple[sp.Expr, sp.Expr]]:
    """(z, lam) pairs, nice ones first: both signs, inside and outside the threshold, tiny to large;
    then far lam (:data:`PROX_FAR_LAMS`) and |z| swept from 1e-300 to 1e300 at every lam."""
    points = []
    nice = [sp.Integer(1), sp.Integer(2), sp.Rational(1, 2), sp.Integer(3)]
    for z in nice:
        for lam in PROX_LAMS:
            points += [(z, lam), (-z, lam)]
    for lam in PROX_LAMS:
        t = threshold.subs(LAM, lam)
        relative = [t + sp.Rational(1, 1000) * (1 + t), sp.Rational(13, 10) * t + sp.Rational(1, 5),
                    3 * t + 2, 10 * t + 25, sp.Integer(1000), sp.Rational(1, 10**6)]
        if t != 0:
            relative += [t / 2, sp.Rational(999, 1000) * t, t / 100]
        for z in relative:
            points += [(z, lam), (-z, lam)]
    points.append((sp.Integer(0), sp.Integer(1)))
    sweep = [p for p in sweep_points(-300, 300) if p > 0]
    sweep = [p for p in sweep if _decade(p) in PROX_Z_EXPONENTS]
    for lam in PROX_LAMS + PROX_FAR_LAMS:
        t = threshold.subs(LAM, lam)
        if lam in PROX_FAR_LAMS:
            sweep = [p for p in sweep if _decade(p) % 50 == 0]  # half as dense at the far lam: time
        near = [] if t == 0 else [t * (1 + s * d) for d in THRESHOLD_OFFSETS[:2] for s in (-1, 1)]
        for z in near + sweep:
            if _float_safe(k, z, lam):
                points += [(z, lam), (-z, lam)]
    # The finer offsets at the nice lam, last: a claim wrong far out is still found as early as before.
    for lam in PROX_LAMS[::2]:  # lam = 1/10 and 1: enough for a claim written in lam, and time is short
        t = threshold.subs(LAM, lam)
        for z in [] if t == 0 else [t * (1 + s * d) for d in THRESHOLD_OFFSETS[2:] for s in (-1, 1)]:
            points += [(z, lam), (-z, lam)]
    return list(dict.fromkeys(points))


def _float_safe(k: sp.Expr, z: sp.Expr, lam: sp.Expr) -> bool:
    """Whether :func:`prox_numeric` (floats) can be trusted at (z, lam): z, lam and every term of
    its stationarity function stay within 1e-250 .. 1e250, and so does the root it seeks."""
    lz, ll, kf = log10_of(sp.Float(z.evalf(20), 20)), log10_of(sp.Float(lam, 20)), float(k)
    if lz is None or ll is None or not (-250 < lz < 250) or abs((kf - 1) * lz) > 290:
        return False  # x^(k-1) itself must not overflow or underflow on the way to the root
    term = ll + math.log10(kf) + (kf - 1) * lz  # lam k z^(k-1), the largest gradient term on [0, z] for k > 1
    if kf > 1 and term > lz:  # the root is near (z / (lam k))^(1/(k-1)), far below z
        root = (lz - ll - math.log10(kf)) / (kf - 1)
        return -250 < root and term < 290 and abs((kf - 1) * root) < 290
    if kf < 1:
        x_m = (ll + math.log10(kf * (1 - kf))) / (2 - kf)
        return -250 < x_m < 250 and -250 < ll < 250
    return -250 < term < 250 or kf == 1


def _decade(p: sp.Rational) -> int:
    return len(str(p.p)) - len(str(p.q))


def _prox_value(claim: sp.Expr, z: sp.Expr, lam: sp.Expr, digits: int = PROX_DIGITS) -> Optional[sp.Expr]:
    """The claim at exact (z, lam): an evalf substitution, so cancelling terms
    (``sqrt(1 + 12 lam z) - 1`` at z = 1e-300) are recomputed at higher precision."""
    value = claim.evalf(digits, subs={PROX_Z: z, LAM: lam}, maxn=MAX_DIGITS)
    if isinstance(value, sp.Basic) and value.free_symbols:
        at = {PROX_Z: sp.Float(z.evalf(digits + 10), digits + 10), LAM: sp.Float(lam.evalf(digits + 10), digits + 10)}
        value = claim.subs(at).evalf(digits)
    if not isinstance(value, sp.Expr) or not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    return value


def _mpf(value: sp.Expr, digits: int):
    """An exact or Float SymPy number as an mpf at the current precision (SymPy's N costs ms a call)."""
    if isinstance(value, sp.Float):
        return mpmath.mpf(value._mpf_)
    if value.is_Rational:
        return mpmath.mpf(value.p) / value.q
    return mpmath.mpf(sp.Float(sp.N(value, digits), digits)._mpf_)


def _prox_agrees(claimed: Optional[sp.Expr], true, z: sp.Expr) -> bool:
    if claimed is None:
        return False
    real, imag = (claimed, sp.S.Zero) if isinstance(claimed, sp.Float) else claimed.as_real_imag()
    with mpmath.workdps(PROX_DIGITS + 10):
        try:
            re_, im_ = (_mpf(part, PROX_DIGITS + 10) for part in (real, imag))
        except (TypeError, ValueError):
            return False
        z_ = _mpf(z, PROX_DIGITS + 10)
        scale = mpmath.mpf(PROX_TOLERANCE) * (abs(true) + mpmath.mpf(10) ** -40 * abs(z_))
        return abs(im_) <= scale and abs(re_ - true) <= scale


def precise_truth(k: sp.Expr, lam: sp.Expr, z: sp.Expr, guess: float):
    r"""The proximal step of :math:`\lambda |x|^k` at (z, lam) to :data:`PROX_DIGITS` digits (an mpf).

    Newton's method on :math:`g(x) = x - |z| + \lambda k x^{k-1}` from the float answer
    ``guess`` (:func:`prox_numeric`), accepted only when :math:`g` changes sign within a
    relative :math:`10^{-(digits+2)}` of the result, on the branch where :math:`g` increases
    (:math:`k > 1`; for :math:`k < 1` right of its minimum, and only if it beats 0); otherwise
    :func:`lksym.derivation.prox.prox_precise` (bisection) decides.

    Examples
    --------
    >>> float(precise_truth(sp.Integer(2), sp.Rational(1, 2), sp.Integer(2), 1.0))
    1.0
    """
    digits = PROX_DIGITS
    work = digits + 15
    if k == 1:  # soft thresholding, exactly
        with mpmath.workdps(work):
            z_, lam_ = _mpf(z, work), _mpf(lam, work)
            return mpmath.sign(z_) * max(abs(z_) - lam_, mpmath.mpf(0))
    if guess == 0 or not math.isfinite(guess):
        return prox_precise(k, lam, z, digits)
    with mpmath.workdps(work):
        kf, lam_, z_ = (_mpf(v, work) for v in (k, lam, z))
        sign, z_ = (-1 if z_ < 0 else 1), abs(z_)

        def g(x):
            return x - z_ + lam_ * kf * x ** (kf - 1)

        x = mpmath.mpf(abs(guess))
        for _ in range(40):
            step = g(x) / (1 + lam_ * kf * (kf - 1) * x ** (kf - 2))
            x -= step
            if not x > 0:
                return prox_precise(k, lam, z, digits)
            if abs(step) <= mpmath.mpf(10) ** -(digits + 8) * x:
                break
        else:
            return prox_precise(k, lam, z, digits)
        eps = mpmath.mpf(10) ** -(digits + 2)
        if not (g(x * (1 - eps)) < 0 < g(x * (1 + eps))):
            return prox_precise(k, lam, z, digits)
        if kf < 1:
            if x <= (lam_ * kf * (1 - kf)) ** (1 / (2 - kf)):
                return prox_precise(k, lam, z, digits)
            if not (x - z_) ** 2 / 2 + lam_ * x**kf - z_ * z_ / 2 < 0:
                return mpmath.mpf(0)  # ties go to 0, as prox_numeric and prox_precise decide
        return sign * x


def _prox_scan(k: sp.Expr, claim: sp.Expr, threshold: sp.Expr, soft_deadline: float):
    """``(found, coverage, stopped)``: the first confirmed (z, lam, claimed, true) where the claim
    differs from :func:`prox_numeric`, or None; what was sampled; whether the budget stopped it."""
    points = _prox_points(threshold, k)
    checked, failed, found, stopped = 0, [], None, False
    try:
        with budget.deadline(max(soft_deadline - time.monotonic(), 1e-3)):
            for z, lam in points:
                if time.monotonic() > soft_deadline:
                    raise budget.Timeout()
                try:
                    guess = prox_numeric(k, float(lam), float(z))
                    true = precise_truth(k, lam, z, guess) if math.isfinite(guess) else None
                    claimed = _prox_value(claim, z, lam)
                except Exception:  # noqa: BLE001 - not evaluable here: this point decides nothing
                    failed.append((z, lam))
                    continue
                if true is None or not mpmath.isfinite(true):
                    failed.append((z, lam))
                elif _prox_agrees(claimed, true, z):
                    checked += 1
                elif _prox_confirmed(claim, z, lam, claimed):
                    found = (z, lam, claimed, true)
                    break
                else:
                    failed.append((z, lam))
    except budget.Timeout:
        stopped = found is None
    coverage = Coverage(
        points=checked,
        total=len(points),
        exponents=(-250, 250),
        breakpoints=(),
        failed=tuple(f"z = {number_text(z)}, lam = {number_text(lam)}" for z, lam in failed[:5]),
        failed_count=len(failed),
        variable="z",
        extra=f"lam from 1e{int(math.log10(PROX_FAR_LAMS[0]))} to 1e+{int(math.log10(PROX_FAR_LAMS[-1]))} "
              "and both sides of the threshold",
    )
    return found, coverage, stopped


def _prox_confirmed(claim, z, lam, claimed) -> bool:
    """Whether the claim's value is stable at three times the digits (not a rounding artefact)."""
    try:
        high = _prox_value(claim, z, lam, 3 * PROX_DIGITS)
    except Exception:  # noqa: BLE001
        return False
    if claimed is None or high is None:
        return claimed is None and high is None
    return bool(sp.Abs(claimed - high).evalf(PROX_DIGITS) <= sp.Float("1e-20") * sp.Abs(high).evalf(PROX_DIGITS))


def _prox_branch_zero(claim: sp.Expr, closed: sp.Expr, threshold: sp.Expr) -> bool:
    """Whether claim - closed form simplifies to 0 for z = threshold + t, t > 0."""
    t = sp.Symbol("t", positive=True)
    difference = claim.subs(PROX_Z, threshold + t) - closed.subs(Z, threshold + t)
    if difference == 0:
        return True
    if sp.piecewise_fold(difference).has(sp.Piecewise):
        difference = sp.piecewise_fold(difference)
    return sp.simplify(sp.powsimp(difference, force=True)) == 0


def _prox_number_text(value: sp.Expr) -> str:
    if value.is_Rational:
        return sp.sstr(value)
    with mpmath.workdps(PROX_DIGITS):
        return mpmath.nstr(mpmath.mpf(sp.Float(value.evalf(PROX_DIGITS), PROX_DIGITS)._mpf_), 15)


def _prox_counterexample(claim, z, lam, claimed, true) -> Counterexample:
    digits = 17
    if claimed is None:
        claimed_text, claimed_value = "undefined", None
    else:
        claimed_value = as_number(claimed)
        if isinstance(claimed_value, complex) and abs(claimed_value.imag) > 0:
            claimed_text = f"non-real ({sp.sstr(sp.N(claimed, 15))})"
        else:
            claimed_value = float(sp.re(claimed))
            with mpmath.workdps(PROX_DIGITS + 10):
                mine = mpmath.mpf(sp.Float(sp.re(claimed), PROX_DIGITS + 10)._mpf_)
                scale = max(abs(mine), abs(true))
                if scale != 0 and mine != true:  # digits enough to see the difference (a relative 1e-11 needs 14)
                    digits = max(digits, min(PROX_DIGITS, 3 - int(mpmath.floor(mpmath.log10(abs(mine - true) / scale)))))
                claimed_text = mpmath.nstr(mine, digits)
    exact = None
    if claimed is not None and not isinstance(claimed_value, complex):
        ok, exact = attempt(_prox_exact, 0.2, claim, z, lam)
        exact = exact if ok else None
    with mpmath.workdps(PROX_DIGITS + 10):
        true_text = mpmath.nstr(true, digits)
    return Counterexample(
        w=number_text(z, 40 if z.is_Rational else 20),
        claimed=claimed_text,
        true=true_text,
        w_value=float(z),
        claimed_value=claimed_value,
        true_value=float(true),
        lam=number_text(lam),
        lam_value=float(lam),
        w_exact=exact_text(z),
        claimed_exact=exact_text(exact),
        true_exact=None,  # the truth is a root found numerically (precise_truth): no exact value to give
        lam_exact=exact_text(lam),
    )


def _prox_exact(claim: sp.Expr, z: sp.Expr, lam: sp.Expr) -> Optional[sp.Expr]:
    value = sp.simplify(claim.subs({PROX_Z: z, LAM: lam}))
    if not value.is_number or value.has(sp.nan, sp.zoo) or value.is_real is not True:
        return None
    return value


def check_power_prox(k: sp.Expr, text: str, claim: sp.Expr, budget: float) -> Verdict:
    """The verdict on a prox claim for :math:`\\lambda |x|^k`, decided in a child process
    killed when ``budget`` seconds are up (see :func:`lksym.budget.in_child`)."""
    ok, derived = attempt(_derive_prox, ANALYSIS_BUDGET, k)
    if not ok:
        raise InputError(f"k = {sp.sstr(k)[:40]}: the proximal operator is too costly to derive")
    threshold, closed = derived
    # "0 for |z| <= 0" would be true but puzzling (k > 1): say what maps to 0, as the summary does.
    zero_text = ("only z = 0 maps to 0" if threshold == 0 else f"0 for |z| <= {sp.sstr(threshold)}") + ", odd in z"
    if closed is None:
        truth_text = f"numeric only ({zero_text})"
    else:
        truth_text = f"{sp.sstr(closed)} for z > {sp.sstr(threshold)} ({zero_text})"
    decided, verdict = attempt(_decide_prox, budget, k, text, claim, budget, threshold, closed, truth_text,
                               process=True)
    if decided:
        return verdict
    return Verdict("prox", "prox", text, None, False, "numeric", truth_text, None,
                   f"not decided within the {budget:g} s budget", (), None)


def _decide_prox(k, text, claim, budget: float, threshold, closed, truth_text: str) -> Verdict:
    start = time.monotonic()
    deadline = start + budget - min(0.3, budget / 4)  # time to send the verdict back

    def verdict(holds, method, counterexample=None, note=None, coverage=None):
        return Verdict("prox", "prox", text, None, holds, method, truth_text, counterexample, note, (), coverage)

    proved = False
    if closed is not None:
        decided, proved = attempt(_prox_branch_zero, budget / 3, claim, closed, threshold)
        proved = bool(decided and proved)
    soft = deadline - min(0.2, budget / 10)
    finished, outcome = attempt(_prox_scan, deadline - time.monotonic(), k, claim, threshold, soft)
    if not finished:
        return verdict(False, "numeric", note=f"not decided within the {budget:g} s budget")
    found, coverage, stopped = outcome
    if found is not None:
        return verdict(False, "numeric", _prox_counterexample(claim, *found), coverage=coverage)
    if stopped or coverage.failed_count:
        why = []
        if stopped:
            why.append(f"the {budget:g} s budget ran out after {coverage.points} of {coverage.total} points")
        if coverage.failed_count:
            why.append(f"{coverage.failed_count} point(s) could not be decided, e.g. {coverage.failed[0]}")
        return verdict(False, "numeric", note="numeric: " + "; ".join(why), coverage=coverage)
    # "symbolic": the branch above the threshold is proved, the rest sampled (see the module notes).
    return verdict(True, "symbolic" if proved else "numeric", coverage=coverage)


def check_penalty_prox(analysis, text: str, claim: sp.Expr) -> Verdict:
    """A prox claim for any penalty, held against :func:`lksym.numerics.prox_check.check_prox` (the global minimiser).

    The claim is a parsed SymPy expression (never user code), evaluated with mpmath at each (z, lam)
    of check_prox's grid: thresholds, both sides of every breakpoint and of every condition in lam.
    """
    f = sp.lambdify((PROX_Z, LAM), claim, "mpmath")

    def claimed(z: float, lam: float) -> float:
        with mpmath.workdps(PROX_DIGITS):
            value = mpmath.mpmathify(f(mpmath.mpf(z), mpmath.mpf(lam)))
        if mpmath.im(value) != 0:
            return float("nan")
        return float(mpmath.re(value))

    truth = "numeric only" if analysis.prox.closed_form is None else sp.sstr(analysis.prox.closed_form)
    try:
        result = check_prox(claimed, analysis.subject)
    except (ArithmeticError, ValueError, TypeError) as error:
        return Verdict("prox", "prox", text, None, False, "numeric", truth, None,
                       note=f"the claim could not be evaluated ({type(error).__name__})")
    if result.passed:
        return Verdict("prox", "prox", text, None, True, "numeric", truth, None)
    d = result.worst[0]
    c = Counterexample(w=f"{d.z:.17g}", claimed=f"{d.theirs:.17g}", true=f"{d.ours:.17g}", w_value=d.z,
                       claimed_value=d.theirs, true_value=d.ours, lam=f"{d.lam:.17g}", lam_value=d.lam)
    return Verdict("prox", "prox", text, None, False, "numeric", truth, c)


