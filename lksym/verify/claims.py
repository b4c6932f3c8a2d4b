"""Expression and limit claims: deciding one claim, and :func:`verify`, the command's entry point."""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Iterable, Optional, Sequence, Union

import mpmath
import sympy as sp

from lksym.budget import attempt
from lksym.derivation.analysis import PART_NAMES
from lksym.derivation.expr import parse_expression
from lksym.derivation.penalty import parse_subject
from lksym.derivation.symbols import W
from lksym.errors import InputError
from lksym.results import TIME_LIMIT, analyze
from lksym.verify.prox_claims import check_penalty_prox, check_power_prox, parse_prox_claim
from lksym.verify.regions import Breakpoints, regions_between, prove_regions, breakpoints, switch_arguments
from lksym.verify.sampling import DIGITS, SAMPLE_POINTS, certified_difference, number_text, sample_line, value_at
from lksym.verify.verdicts import Counterexample, Verdict, VerifyResult, as_number, exact_text, shown

DEFAULT_BUDGET = 15.0
"""Seconds allowed per claim."""

ANALYSIS_BUDGET = TIME_LIMIT
"""Seconds allowed for deriving the truth for k (a few exotic k make SymPy factor huge numbers)."""

_POINT_ALIASES = {
    "0+": "0+",
    "0-": "0-",
    "+oo": "+oo",
    "oo": "+oo",
    "+inf": "+oo",
    "inf": "+oo",
    "-oo": "-oo",
    "-inf": "-oo",
}



def _numbers_equal(claim: sp.Expr, truth: sp.Expr) -> bool:
    return sp.simplify(claim - truth) == 0



def _exact_value(expr: sp.Expr, point: sp.Expr, symbol: sp.Symbol = W) -> Optional[sp.Expr]:
    value = sp.simplify(expr.subs(symbol, point))
    if not value.is_number or value.has(sp.nan, sp.zoo) or value.is_real is not True:
        return None
    return value


def check_expression(
    claim: Union[str, sp.Expr],
    truth: sp.Expr,
    *,
    part: str = "expression",
    text: Optional[str] = None,
    budget: float = DEFAULT_BUDGET,
    symbol: sp.Symbol = W,
    undefined_at: Iterable = (),
) -> Verdict:
    r"""Decide ``claim == truth`` for every real ``symbol`` except 0, region by region.

    The line is split at 0 and at every breakpoint either side introduces
    (:func:`breakpoints`); on each region (:func:`regions`) the switching
    building blocks are replaced by their branch (:func:`resolve`) and SymPy
    simplifies the difference; each breakpoint other than 0 is checked at the
    point itself.

    * Every region and breakpoint proved equal: ``OK (symbolic)``.
    * A sampled point where the values differ, confirmed at three times the
      digits: WRONG (``numeric``) with that point; points in regions SymPy
      proved different are sampled first.
    * A region proved different but no sample shows it at 50 digits: WRONG
      (``symbolic``), the region's representative as counterexample.
    * Otherwise the whole line is sampled (:func:`sweep_points`, both sides of
      every breakpoint): agreement everywhere is ``OK (numeric)`` with the
      :class:`Coverage`; any point not evaluated, or the budget running out,
      leaves it UNDECIDED (``holds`` false, no counterexample, a ``note``).

    Parameters
    ----------
    claim : str or SymPy expression
        The claim in ``symbol`` (text goes through the whitelisting parser).
    truth : SymPy expression
        The true expression in ``symbol`` (any penalty's, not only |w|^k's).
    part, text
        Labels for the :class:`Verdict`.
    budget : float
        Seconds: a quarter for breakpoints, the symbolic step up to half, the
        sampling the rest; decided in a child process killed when they are up.
    symbol : Symbol
        The real variable.

    ``undefined_at`` lists points where the truth has no value (a breakpoint where this
    derivative jumps): claims are meant off them, so they are neither proved nor sampled.

    Examples
    --------
    >>> v = check_expression("Piecewise((2*w, w < 10**8), (0, True))", 2 * W)
    >>> v.holds, v.counterexample.w
    (False, '1.1e+8')
    """
    if isinstance(claim, str):
        text = claim.strip() if text is None else text
        parsed = parse_expression(claim, names={symbol.name: symbol})
        if not isinstance(parsed, sp.Expr):
            raise InputError("expected an expression, got a condition")
        claim = parsed
    text = sp.sstr(claim) if text is None else text
    skip = frozenset(sp.S(p) for p in undefined_at)
    # The whole decision runs in a child process killed when the budget is up: a C call (a huge
    # mpmath exponent) that no alarm interrupts cannot outrun it (the budget is a promise).
    decided, verdict = attempt(_decide, budget, claim, truth, part, text, budget, symbol, skip, process=True)
    if decided:
        return verdict
    return Verdict(part, "expression", text, None, False, "numeric", sp.sstr(truth), None,
                   f"not decided within the {budget:g} s budget")


def _decide(claim: sp.Expr, truth: sp.Expr, part: str, text: str, budget: float, symbol: sp.Symbol,
            skip: frozenset) -> Verdict:
    """The verdict of :func:`check_expression`, within ``budget`` seconds from now (see the module notes)."""
    start = time.monotonic()
    # Leave time to send the verdict back before the child is stopped.
    deadline = start + budget - min(0.3, budget / 4)
    truth_text = sp.sstr(truth)

    def verdict(holds, method, counterexample=None, note=None, statuses=(), coverage=None):
        return Verdict(part, "expression", text, None, holds, method, truth_text, counterexample, note,
                       tuple(statuses), coverage)

    found_bps, bps = attempt(breakpoints, budget / 4, truth, claim)
    if not found_bps:
        bps = Breakpoints((sp.Integer(0),), tuple(switch_arguments(claim, symbol) + switch_arguments(truth, symbol)))
    statuses: list[tuple[str, str]] = []
    if not bps.unsolved:
        left = start + budget / 2 - time.monotonic()
        decided, result = attempt(prove_regions, left, claim, truth, bps.points, symbol, skip)
        if decided:
            statuses = result
    if statuses and all(s == "equal" for _, s in statuses):
        return verdict(True, "symbolic", statuses=statuses)
    region_list = regions_between(bps.points)
    different = [r for r in region_list if (str(r), "different") in statuses]
    # The sampling gets the rest of the budget (at least half: the steps before are bounded).
    soft = deadline - min(0.2, budget / 10)  # stop sampling in time to report what was covered
    finished, outcome = attempt(sample_line, deadline - time.monotonic(), claim, truth, bps, different, soft, symbol, skip)
    if not finished:
        return verdict(False, "numeric", note=f"not decided within the {budget:g} s budget", statuses=statuses)
    found, coverage, stopped = outcome
    if found is not None:
        return verdict(False, "numeric", _counterexample(claim, truth, *found, deadline, symbol=symbol),
                       statuses=statuses, coverage=coverage)
    if different:
        # Proved different there, by less than 50 digits can show: the representative is a counterexample.
        point = next((p for p in SAMPLE_POINTS if any(r.contains(p) for r in different)), None)
        if point is None:
            point = different[0].representative()
        claimed, true = value_at(claim, point, DIGITS, symbol), value_at(truth, point, DIGITS, symbol)
        example = _counterexample(claim, truth, point, claimed, true, deadline, DIGITS, symbol=symbol)
        return verdict(False, "symbolic", example, statuses=statuses, coverage=coverage)
    if stopped or coverage.failed_count or coverage.unsampled:
        why = []
        if stopped:
            why.append(f"the {budget:g} s budget ran out after {coverage.points} of {coverage.total} points")
        if coverage.failed_count:
            why.append(f"{coverage.failed_count} point(s) could not be decided, e.g. w = {coverage.failed[0]}")
        if coverage.unsampled and not stopped:
            why.append(f"no agreeing point inside {', '.join(coverage.unsampled[:2])}")
        unknown = [w for w, s in statuses if s != "equal"]
        proof = f"no proof on {', '.join(unknown[:3])}" if unknown else "no proof"
        return verdict(False, "numeric", note=f"{proof}; numeric: {'; '.join(why)}", statuses=statuses,
                       coverage=coverage)
    return verdict(True, "numeric", statuses=statuses, coverage=coverage)


# --------------------------------------------------------------------------- claims


def parse_limit_spec(spec: Union[str, Sequence[str]]) -> tuple[str, str, str]:
    """Split ``PART@POINT=VALUE`` into its three parts, checking PART and POINT.

    Parameters
    ----------
    spec : str or (part, point, value)
        ``"gradient@0+=oo"``; a 3-tuple is checked the same way.

    Returns
    -------
    tuple of str
        ``(part, point, value)`` with the point normalised (``oo`` -> ``+oo``).

    Raises
    ------
    InputError
        Naming what is wrong with the spec.

    Examples
    --------
    >>> parse_limit_spec("gradient@0+=oo")
    ('gradient', '0+', 'oo')
    >>> parse_limit_spec("curvature @ inf = 0")
    ('curvature', '+oo', '0')
    """
    if isinstance(spec, str):
        shown = repr(spec if len(spec) <= 40 else spec[:40] + "…")
        left, equals, value = spec.partition("=")
        part, at, point = left.partition("@")
        if not (equals and at and part.strip() and point.strip() and value.strip()):
            raise InputError(f"--limit expects PART@POINT=VALUE (e.g. gradient@0+=oo), got {shown}")
    elif isinstance(spec, (tuple, list)) and len(spec) == 3 and all(isinstance(s, str) for s in spec):
        part, point, value = spec
    else:
        raise InputError(f"--limit expects PART@POINT=VALUE or a (part, point, value) triple, got {type(spec).__name__}")
    part, point, value = part.strip(), point.strip(), value.strip()
    if part not in PART_NAMES:
        raise InputError(f"--limit: unknown part {part[:40]!r} (expected penalty, gradient or curvature)")
    if point not in _POINT_ALIASES:
        raise InputError(f"--limit: unknown point {point[:40]!r} (expected 0+, 0-, +oo or -oo)")
    if not value:
        raise InputError("--limit: empty value")
    return part, _POINT_ALIASES[point], value


def _parse_claim(part: str, text) -> tuple[str, sp.Expr]:
    if not isinstance(text, str):
        raise InputError(f"--{part} must be text, got {type(text).__name__}")
    try:
        expr = parse_expression(text, names={"w": W})
    except InputError as error:
        raise InputError(f"--{part}: {error}") from None
    if not isinstance(expr, sp.Expr):
        raise InputError(f"--{part}: expected an expression in w, got a condition")
    return text.strip(), expr


def _parse_limit_value(part: str, point: str, text: str) -> sp.Expr:
    try:
        value = parse_expression(text)
    except InputError as error:
        raise InputError(f"--limit {part}@{point}: {error}") from None
    if not isinstance(value, sp.Expr):
        raise InputError(f"--limit {part}@{point}: expected a number, got a condition")
    return value


def _check_expression(part: str, text: str, claim: sp.Expr, truth: sp.Expr, budget: float) -> Verdict:
    return check_expression(claim, truth, part=part, text=text, budget=budget)


MAX_SHOWN_DIGITS = 150
"""Most digits a counterexample's values are shown with (a relative difference down to 1e-147 shows)."""


def _counterexample(claim, truth, point, claimed, true, deadline: float, digits: int = 20,
                    symbol: sp.Symbol = W) -> Counterexample:
    # Exact values only while time is left: the values themselves are already known.
    grace = deadline
    if claimed is not None and not isinstance(as_number(claimed), complex) and true is not None:
        # Enough digits to see the difference: a relative 1e-24 needs 27.
        scale = sp.Max(sp.Abs(claimed), sp.Abs(true)).evalf(DIGITS)
        relative = (sp.Abs(claimed - true) / scale).evalf(DIGITS) if scale != 0 else sp.Integer(1)
        if relative * 10**(DIGITS - 5) < 1 and scale != 0:
            # Below what 50 digits show (10^-60 sin(w)): the difference as one evalf says how small.
            difference = (claim - truth).evalf(15, subs={symbol: point}, maxn=MAX_SHOWN_DIGITS + 40)
            relative = (sp.Abs(difference) / scale).evalf(DIGITS) if difference.is_number else relative
        if relative > 0:
            digits = max(digits, min(MAX_SHOWN_DIGITS, 3 - math.floor(float(mpmath.log10(mpmath.mpf(sp.Float(relative, 20)._mpf_))))))
            if digits > DIGITS - 5:
                claimed, true = value_at(claim, point, digits + 10, symbol), value_at(truth, point, digits + 10, symbol)
    exact = []
    for expr, approx in ((claim, claimed), (truth, true)):
        value = None
        left = grace - time.monotonic()
        # Only with time to spare: simplify can sit in C past its alarm, and the verdict must get out.
        if approx is not None and not isinstance(as_number(approx), complex) and left > 0.4:
            ok, value = attempt(_exact_value, min(0.5, left / 2), expr, point, symbol)
            value = value if ok else None
        exact.append(value)
    return Counterexample(
        w=number_text(point, 40 if point.is_Rational else 20),  # 1 + 5*10^-31 is not shown as 1.0
        claimed=shown(claimed, exact[0], digits),
        true=shown(true, exact[1], digits),
        w_value=float(point),
        claimed_value=as_number(claimed),
        true_value=float(as_number(true)),
        w_exact=exact_text(point),
        claimed_exact=exact_text(exact[0]),
        true_exact=exact_text(exact[1]),
    )


def _infinite(value: sp.Expr) -> bool:
    return bool(value.has(sp.oo, -sp.oo, sp.zoo, sp.nan))


def _as_float(value: sp.Expr) -> Optional[Union[float, complex]]:
    if value == sp.oo:
        return float("inf")
    if value == -sp.oo:
        return float("-inf")
    try:
        return as_number(sp.N(value, DIGITS))
    except (TypeError, ValueError):
        return None


def _check_limit(part: str, point: str, text: str, claim: sp.Expr, truth: sp.Expr, budget: float) -> Verdict:
    truth_text = sp.sstr(truth)

    where = {"0+": 0.0, "0-": -0.0, "+oo": math.inf, "-oo": -math.inf}[point]

    def verdict(holds, method, note=None):
        example = None
        if not holds and note is None:
            example = Counterexample(point, sp.sstr(claim), truth_text, where, _as_float(claim), _as_float(truth))
        return Verdict(part, "limit", text, point, holds, method, truth_text, example, note)

    if claim == truth:
        return verdict(True, "symbolic")
    if _infinite(claim) or _infinite(truth):
        return verdict(False, "symbolic")
    ok, equal = attempt(_numbers_equal, budget / 2, claim, truth, process=True)
    if ok and equal:
        return verdict(True, "symbolic")
    # Not proved equal: their difference as one certified evalf decides (a limit off by 10^-25 is wrong).
    ok, status = attempt(_limit_status, budget / 2, claim, truth, process=True)
    if not ok or status == "unknown":
        why = "not decided within the budget" if not ok else "the difference could not be told from 0"
        return verdict(False, "numeric", note=f"{why}; SymPy proved no equality")
    return verdict(status == "agree", "numeric")


def _limit_status(claim: sp.Expr, truth: sp.Expr) -> str:
    """``"agree"``, ``"differ"`` or ``"unknown"`` for two constants (:func:`certified_difference`)."""
    claimed, true = sp.N(claim, DIGITS), sp.N(truth, DIGITS)
    if not claimed.is_number or claimed.has(sp.nan, sp.zoo) or claimed.is_real is False:
        return "differ"
    scale = sp.Max(sp.Abs(claimed), sp.Abs(true)).evalf(DIGITS)
    return certified_difference(claim, truth, sp.Integer(0), scale)


# --------------------------------------------------------------------------- public


def verify(
    k,
    penalty: Optional[str] = None,
    gradient: Optional[str] = None,
    curvature: Optional[str] = None,
    limits: Iterable = (),
    *,
    prox: Optional[str] = None,
    budget: float = DEFAULT_BUDGET,
) -> VerifyResult:
    r"""Check hand-derived formulas and limits for :math:`f(w) = |w|^k`.

    Parameters
    ----------
    k : str, int or SymPy number
        The exponent, as :func:`lksym.results.analyze` accepts it.
    penalty, gradient, curvature : str, optional
        Claimed expressions in ``w``, meant for every :math:`w \ne 0`
        (``"3/2*sign(w)*sqrt(abs(w))"``, ``"w^2"``, ``"|w|"``, Piecewise...).
    limits : iterable of str or (part, point, value)
        Limit claims such as ``"gradient@0+=oo"``; points ``0+``, ``0-``,
        ``+oo``, ``-oo``; values may be ``oo``, ``-oo`` or ``inf``.
    prox : str, optional
        A claimed proximal operator of :math:`\\lambda |x|^k`, an expression in
        ``z`` (real) and ``lam`` (positive), e.g. ``"sign(z)*Max(abs(z)-lam, 0)"``
        for k = 1.  Checked at 30 digits against :func:`lksym.derivation.prox.prox_numeric`
        at several hundred points (lam 1/10 .. 2 and 1e-300 .. 1e300; z of both
        signs, both sides of the threshold, |z| 1e-250 .. 1e250 where the float
        truth is representable) with relative tolerance 1e-9; method
        "symbolic" when SymPy also proves the claim equal to the closed form on
        z > threshold.
    budget : float
        Seconds allowed per claim (see the module notes).

    Returns
    -------
    VerifyResult
        One :class:`Verdict` per claim.

    Raises
    ------
    InputError
        For a bad k, an unparseable claim, a malformed limit, or no claim at
        all; nothing is checked then.

    Examples
    --------
    >>> r = verify(2, gradient="2*w", curvature="2", limits=["gradient@+oo=oo"])
    >>> [v.holds for v in r.claims]
    [True, True, True]
    >>> print(verify("1.5", gradient="1.5*w").lines())
    gradient: 1.5*w  WRONG at w = 2: claimed 3, true 3*sqrt(2)/2 (2.1213203435596424); correct: 3*sqrt(Abs(w))*sign(w)/2
    """
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not budget > 0:
        raise InputError(f"budget must be a positive number of seconds, got {budget!r}")
    if isinstance(limits, (str, bytes)):
        limits = [limits]
    # Parse every claim before deriving anything: bad input fails fast and checks nothing.
    expressions = [
        (part, *_parse_claim(part, text))
        for part, text in zip(PART_NAMES, (penalty, gradient, curvature))
        if text is not None
    ]
    limit_claims = []
    for spec in limits:
        part, point, value = parse_limit_spec(spec)
        limit_claims.append((part, point, value, _parse_limit_value(part, point, value)))
    prox_claim = None if prox is None else parse_prox_claim(prox)
    if not expressions and not limit_claims and prox_claim is None:
        raise InputError("nothing to verify: give --penalty, --gradient, --curvature, --limit or --prox")
    subject = parse_subject(k)
    check = VERIFIERS.get(subject.family, _verify_penalty)
    return check(subject, expressions, limit_claims, prox_claim, float(budget))


def _verify_power(subject, expressions, limit_claims, prox_claim, budget: float) -> VerifyResult:
    """The checks for :math:`|w|^k`: its own exact prox check (:func:`check_power_prox`) needs no analysis."""
    k_value = subject.k
    if not expressions and not limit_claims:
        return VerifyResult(k_value, (check_power_prox(k_value, *prox_claim, float(budget)),))
    ok, analysis = attempt(analyze, ANALYSIS_BUDGET, k_value)
    if not ok:
        raise InputError(f"k = {sp.sstr(k_value)[:40]} is too costly to analyse (over {ANALYSIS_BUDGET:g} s)")
    parts = dict(zip(PART_NAMES, analysis.parts))
    verdicts = [
        _check_expression(part, text, claim, parts[part].expr, float(budget)) for part, text, claim in expressions
    ]
    verdicts += [
        _check_limit(part, point, text, claim, parts[part].limits[point], float(budget))
        for part, point, text, claim in limit_claims
    ]
    if prox_claim is not None:
        verdicts.append(check_power_prox(analysis.power.k, *prox_claim, float(budget)))
    return VerifyResult(analysis.power.k, tuple(verdicts))


def _verify_penalty(subject, expressions, limit_claims, prox_claim, budget: float) -> VerifyResult:
    """The same checks for a penalty other than :math:`|w|^k`: its derived (Piecewise) expressions are the truth."""
    ok, analysis = attempt(analyze, ANALYSIS_BUDGET, subject)
    if not ok:
        raise InputError(f"{subject.text[:40]} is too costly to analyse (over {ANALYSIS_BUDGET:g} s)")
    parts = dict(zip(PART_NAMES, analysis.parts))
    verdicts = []
    for part, text, claim in expressions:
        # A claim is meant off the breakpoints: where this part jumps it has no value to be checked against.
        jumps = [b.at for b in analysis.breakpoints if b.limits[part]["left"] != b.limits[part]["right"]]
        verdict = check_expression(claim, parts[part].expr, part=part, text=text, budget=budget,
                                   undefined_at=[s * b for b in jumps for s in (1, -1)])
        if verdict.holds and jumps:
            # Say what an OK does not cover: the value exactly at a jump is a convention (lksym's penalty
            # takes the lower limit there, SymPy's Heaviside(0) is 1/2), not something a formula can be wrong about.
            where = ", ".join(f"|w| = {sp.sstr(b)}" for b in jumps)
            verdict = replace(verdict, note=f"not checked at {where}, where the {part} jumps")
        verdicts.append(verdict)
    verdicts += [
        _check_limit(part, point, text, claim, parts[part].limits[point], budget)
        for part, point, text, claim in limit_claims
    ]
    if prox_claim is not None:
        verdicts.append(check_penalty_prox(analysis, *prox_claim))
    return VerifyResult(None, tuple(verdicts), subject.text)


VERIFIERS = {"power": _verify_power}
"""Families with checks of their own (:func:`_verify_power`); every other penalty is :func:`_verify_penalty`."""
