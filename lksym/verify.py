r"""Check a hand derivation of :math:`f(w) = |w|^k`, with a counterexample when it is wrong.

A *claim* is either an expression in ``w`` for the penalty, gradient or
curvature (``3/2*sign(w)*sqrt(abs(w))``), meant to hold for every
:math:`w \ne 0`, or a one-sided limit (``gradient@0+=oo``).  Every claim is
held against :func:`lksym.analysis.analyze` and gets one :class:`Verdict`.

How a claim is decided
----------------------
1. **Symbolic.**  The claim and the derived truth are compared on each branch
   separately: ``w = x`` and ``w = -x`` with a *positive* symbol ``x``, so
   ``Abs``, ``sign`` and Piecewise conditions resolve.  If SymPy simplifies the
   difference to 0 on both branches, the claim holds ("symbolic").  Anything
   not provably 0 goes on to step 2.
2. **Numeric.**  Claim and truth are evaluated with 50 significant digits at
   fixed points of both signs: "nice" ones first (1, -1, 2, -2, 1/2, ...),
   then tiny (1e-12 .. 1e-3), moderate, large (10 .. 1e6) and irrational-ish
   ones.  The first point where they differ (relative 1e-25), or where the
   claim is undefined or not real, is a definitive counterexample; agreement
   everywhere is "holds (numeric)".  Because nice points come first, a
   counterexample is usually an exact small rational, shown with exact values.
3. If the numbers agree everywhere but step 1 *proved* the difference never 0
   on one branch (``2*w*(1 + 1e-40)``), the claim is wrong ("symbolic") with
   w = 1 or -1 as counterexample, values shown to 50 digits.

A *prox* claim (``prox=``, ``--prox``) is an expression in ``z`` (real) and
``lam`` (positive) for :math:`\operatorname{prox}(z) = \arg\min_x \tfrac12 (x-z)^2
+ \lambda |x|^k`.  When :func:`lksym.prox.prox_closed_form` exists, SymPy first
tries to prove the claim equal to it on :math:`z = \text{threshold} + t`, :math:`t > 0`;
then the claim is always evaluated at 30 digits at ~90 points (lam 1/10, 1/2,
1, 2; z of both signs, inside and just outside the threshold, 1e-6 to 1000)
and compared with :func:`lksym.prox.prox_numeric` (a float: tolerance 1e-9
relative/absolute; non-real or undefined is wrong).  Method "symbolic" means
the branch above the threshold was proved and the rest agreed numerically.

Limit claims compare one exact number (``oo``, ``-oo``, ``inf`` allowed) with
the derived limit, the same way: exactly, then at 50 digits.

Time budget
-----------
Parseable input can still be expensive (``simplify`` on a nasty nest), so each
claim gets ``budget`` seconds (default 5): at most half for the symbolic step,
the rest, and at least half, for the numeric one (a symbolic step can overrun a
little when the timer signal lands where Python ignores exceptions).  The guard
is :func:`lksym.budget.deadline` (SIGALRM) when running in the main thread; in
other threads the guarded step runs in a worker process (fork where the
platform has it) that is killed when the time is up.  Numeric evaluation substitutes 60-digit floats,
never exact rationals, so no huge exact integer is ever built.  If the numeric
step runs out of time before any mismatch, the claim is reported *undecided*
(``holds`` false, ``method`` "numeric", a ``note``).  A C-level call that never
returns to the interpreter cannot be interrupted by the signal guard; the
parser's bounds on size, depth and exponents keep such calls short.  A timer
of the caller's own is honoured and given back.  Deriving the truth for
k is guarded the same way (:data:`ANALYSIS_BUDGET`); a k that takes longer is
refused with :class:`~lksym.errors.InputError`.

Limitations
-----------
Equality is as SymPy's automatic evaluation sees it: ``w*log(w)/log(w)`` is
``w`` before any check, though undefined at ``w = 1``.  Numerically, a
relative difference below 1e-25 at every sample point passes unless step 1
proved the difference nonzero.

Examples
--------
>>> r = verify("3/2", gradient="3/2*sign(w)*sqrt(abs(w))")
>>> r.all_hold, r.claims[0].method
(True, 'symbolic')
>>> r = verify("3/2", gradient="3/2*sqrt(abs(w))")
>>> r.all_hold, r.claims[0].counterexample.w
(False, '-1')
"""

from __future__ import annotations

import math
import multiprocessing
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Sequence, Union

import mpmath
import sympy as sp

from . import budget
from .analysis import PART_NAMES, TIME_LIMIT, W, X, analyze, k_text
from .errors import InputError
from .expr import parse_expression, parse_k

__all__ = ["Counterexample", "Verdict", "VerifyResult", "verify", "parse_limit_spec", "DEFAULT_BUDGET"]

DEFAULT_BUDGET = 5.0
"""Seconds allowed per claim."""

ANALYSIS_BUDGET = TIME_LIMIT
"""Seconds allowed for deriving the truth for k (a few exotic k make SymPy factor huge numbers)."""

DIGITS = 50
"""Significant digits of the numeric comparison."""

_TOLERANCE = sp.Float("1e-25", DIGITS)

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


def _sample_points() -> tuple[sp.Expr, ...]:
    nice = [sp.Integer(1), sp.Integer(2), sp.Rational(1, 2), sp.Integer(3), sp.Rational(1, 3),
            sp.Rational(3, 2), sp.Integer(5), sp.Rational(1, 10)]
    tiny = [sp.Rational(1, 10**e) for e in (12, 9, 6, 3)]
    moderate = [sp.Rational(7, 10), sp.Rational(13, 10), sp.Rational(5, 2)]
    large = [sp.Integer(10), sp.Integer(100), sp.Integer(1000), sp.Integer(10**6)]
    irrational = [sp.pi / 10, sp.sqrt(2), sp.E, sp.sqrt(3) * 10, sp.exp(-7)]
    points = []
    for p in nice + tiny + moderate + large + irrational:
        points += [p, -p]  # both signs next to each other: a sign error shows at w = -1
    return tuple(points)


SAMPLE_POINTS = _sample_points()
"""Where claims are evaluated numerically, in the order a counterexample is sought."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Counterexample:
    """Where a claim fails.

    Attributes
    ----------
    w
        The point: an exact number (``"-1"``) or, for a limit, the point
        (``"0+"``).
    claimed, true
        The claimed and the true value as text: exact where it is a plain
        number, else exact with its float in brackets, or ``"undefined"`` /
        ``"non-real (...)"``.
    lam, lam_value
        For a ``prox`` claim: the penalty weight (``w`` is then the point ``z``).
    w_value, claimed_value, true_value
        The same as Python numbers (``claimed_value`` is complex when not
        real, ``None`` when undefined; limits use ``float('inf')``).
    """

    w: str
    claimed: str
    true: str
    w_value: float
    claimed_value: Optional[Union[float, complex]]
    true_value: float
    lam: Optional[str] = None
    lam_value: Optional[float] = None

    def to_dict(self) -> dict:
        data = {"w": self.w, "claimed": self.claimed, "true": self.true}
        if self.lam is not None:
            data.update(z=self.w, lam=self.lam)  # a prox claim: w is the point z
        return data


@dataclass(frozen=True)
class Verdict:
    """The verdict on one claim.

    Attributes
    ----------
    part
        ``"penalty"``, ``"gradient"``, ``"curvature"`` or ``"prox"``.
    kind
        ``"expression"`` (for all :math:`w \\ne 0`), ``"limit"`` or ``"prox"``
        (a proximal-operator formula in ``z`` and ``lam``).
    claim
        The claimed expression or limit value, as given.
    point
        For a limit: ``"0+"``, ``"0-"``, ``"+oo"`` or ``"-oo"``; else ``None``.
    holds
        Whether the claim is right (false also when undecided, see ``note``).
    method
        ``"symbolic"`` or ``"numeric"``: which step decided (see the module notes).
    truth
        The derived expression or limit, as SymPy prints it.
    counterexample
        Where the claim fails, or ``None``.
    note
        Why a claim is undecided, else ``None``.
    """

    part: str
    kind: str
    claim: str
    point: Optional[str]
    holds: bool
    method: str
    truth: str
    counterexample: Optional[Counterexample]
    note: Optional[str] = None

    @property
    def label(self) -> str:
        """``gradient`` or ``gradient@0+``."""
        return self.part if self.point is None else f"{self.part}@{self.point}"

    def line(self) -> str:
        """One line for the terminal."""
        head = f"{self.label}: {self.claim}  "
        if self.holds:
            return head + f"OK ({self.method})"
        if self.counterexample is None:
            return head + f"UNDECIDED ({self.note}); derived: {self.truth}"
        c = self.counterexample
        if self.kind == "prox":
            where = f"z = {c.w}, lam = {c.lam}"
        else:
            where = f"w = {c.w}" if self.kind == "expression" else f"w -> {c.w}"
        return head + f"WRONG at {where}: claimed {c.claimed}, true {c.true}; correct: {self.truth}"

    def to_dict(self) -> dict:
        return {
            "part": self.part,
            "kind": self.kind,
            "claim": self.claim,
            "point": self.point,
            "holds": self.holds,
            "method": self.method,
            "truth": self.truth,
            "counterexample": None if self.counterexample is None else self.counterexample.to_dict(),
            "note": self.note,
        }


@dataclass(frozen=True)
class VerifyResult:
    """All verdicts for one k.

    Attributes
    ----------
    k
        The exact exponent.
    claims
        One :class:`Verdict` per claim, in the order given (penalty, gradient,
        curvature, then limits).
    """

    k: sp.Expr
    claims: tuple[Verdict, ...]

    @property
    def all_hold(self) -> bool:
        return all(v.holds for v in self.claims)

    def lines(self) -> str:
        """The plain report: one line per claim."""
        return "\n".join(v.line() for v in self.claims)

    def to_dict(self) -> dict:
        """JSON-ready data: ``{"k", "all_hold", "claims": [...]}``.

        Examples
        --------
        >>> verify("2", gradient="2*w").to_dict()["all_hold"]
        True
        """
        return {"k": sp.sstr(self.k), "all_hold": self.all_hold, "claims": [v.to_dict() for v in self.claims]}


# --------------------------------------------------------------------------- time guard


def _bounded(fn: Callable, seconds: float, *args):
    """``(True, fn(*args))``, or ``(False, None)`` on timeout or any error in ``fn``."""
    if seconds <= 0:
        return False, None
    if budget.available():
        try:
            with budget.deadline(seconds):
                return True, fn(*args)
        except (budget.Timeout, Exception, RecursionError):  # noqa: BLE001 - SymPy failing means "cannot decide"
            return False, None
    return _bounded_by_process(fn, seconds, args)


def _child(connection, fn: Callable, args: tuple) -> None:
    try:
        connection.send((True, fn(*args)))
    except BaseException:  # noqa: BLE001 - report any failure to the parent
        connection.send((False, None))
    finally:
        connection.close()


def _bounded_by_process(fn: Callable, seconds: float, args: tuple):
    # Fork even though this runs off the main thread: the child only computes and is killed when
    # its time is up, so a lock it inherited held would cost a verdict, never a hang; spawn would
    # spend the whole budget importing SymPy.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, fn, args), daemon=True)
    process.start()
    sender.close()
    try:
        if receiver.poll(min(seconds, budget.LONGEST_TIMER)):  # poll(inf) overflows
            return receiver.recv()
        return False, None
    except (EOFError, OSError):
        return False, None
    finally:
        if process.is_alive():
            process.kill()
        process.join(1)
        receiver.close()


# --------------------------------------------------------------------------- symbolic step


def _branch_status(claim: sp.Expr, truth: sp.Expr) -> tuple[str, int]:
    """Compare on w = x and w = -x (x > 0): ``("zero", 0)`` when ``claim - truth``
    simplifies to 0 on both, ``("nonzero", sign)`` when SymPy proves it is never
    0 on the branch of that sign, else ``("unknown", 0)``."""
    unknown = False
    for sign in (1, -1):
        difference = claim.subs(W, sign * X) - truth.subs(W, sign * X)
        if difference == 0:
            continue
        if sp.piecewise_fold(difference).has(sp.Piecewise):
            difference = sp.piecewise_fold(difference)
        difference = sp.simplify(sp.powsimp(difference, force=True))
        if difference == 0:
            continue
        if difference.is_zero is False:
            return "nonzero", sign
        unknown = True
    return ("unknown", 0) if unknown else ("zero", 0)


def _numbers_equal(claim: sp.Expr, truth: sp.Expr) -> bool:
    return sp.simplify(claim - truth) == 0


# --------------------------------------------------------------------------- numeric step


def _value(expr: sp.Expr, point: sp.Expr) -> Optional[sp.Expr]:
    """``expr`` at ``point`` to :data:`DIGITS` digits, or None when undefined."""
    at = sp.Float(point.evalf(DIGITS + 10), DIGITS + 10)
    value = expr.subs(W, at).evalf(DIGITS)
    if not isinstance(value, sp.Expr) or not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    return value


def _complex(value: Optional[sp.Expr]) -> Optional[Union[float, complex]]:
    if value is None:
        return None
    real, imag = value.as_real_imag()
    try:
        return float(real) if imag == 0 else complex(float(real), float(imag))
    except TypeError:
        return None


def _agrees(claimed: Optional[sp.Expr], true: sp.Expr) -> bool:
    if claimed is None:
        return False
    # SymPy Floats, not Python floats: values beyond 1e308 must not become inf and compare equal.
    difference = sp.Abs(claimed - true).evalf(DIGITS)
    scale = sp.Max(sp.Abs(claimed), sp.Abs(true)).evalf(DIGITS)
    return bool(difference <= _TOLERANCE * scale)


def _shown(expr: sp.Basic, point: sp.Expr, approx: Optional[sp.Expr], deadline: float, digits: int = 20) -> str:
    """A value at ``point`` as text: exact when cheap and small, with its float."""
    if approx is None:
        return "undefined"
    number = _complex(approx)
    if isinstance(number, complex):
        return f"non-real ({sp.sstr(sp.N(approx, 15))})"
    exact = None
    # An exact form is only worth building (and short) for a moderate value.
    if number is not None and (number == 0 or 1e-30 < abs(number) < 1e30):
        ok, exact = _bounded(_exact_value, min(0.5, deadline - time.monotonic()), expr, point)
        if not ok:
            exact = None
    if exact is not None and exact.is_Rational:
        text = k_text(exact) if exact >= 0 else "-" + k_text(-exact)
        if len(text) <= 24:
            return text
    if exact is not None and len(sp.sstr(exact)) <= 40:
        return sp.sstr(exact) if exact.is_Rational else f"{sp.sstr(exact)} ({number!r})"
    if number is not None:
        # 20 digits, trailing zeros dropped: enough to show a tiny relative difference.
        with mpmath.workdps(DIGITS):
            return mpmath.nstr(mpmath.mpf(sp.re(approx).evalf(DIGITS)._mpf_), digits)
    return sp.sstr(sp.N(approx, 15))


def _exact_value(expr: sp.Expr, point: sp.Expr) -> Optional[sp.Expr]:
    value = sp.simplify(expr.subs(W, point))
    if not value.is_number or value.has(sp.nan, sp.zoo) or value.is_real is not True:
        return None
    return value


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
    start = time.monotonic()
    deadline = start + budget
    truth_text = sp.sstr(truth)

    def verdict(holds, method, counterexample=None, note=None):
        return Verdict(part, "expression", text, None, holds, method, truth_text, counterexample, note)

    decided, status = _bounded(_branch_status, budget / 2, claim, truth)
    if not decided:
        status = ("unknown", 0)
    if status[0] == "zero":
        return verdict(True, "symbolic")
    # The numeric half is the one that decides: it keeps its half even when the symbolic step overran
    # (a timer signal landing in a garbage-collector callback is swallowed, and repeats take a while).
    deadline = max(deadline, time.monotonic() + budget / 2)
    finished, found = _bounded(_scan, deadline - time.monotonic(), claim, truth)
    if not finished:
        return verdict(False, "numeric", note=f"not decided within the {budget:g} s budget")
    if found is not None:
        return verdict(False, "numeric", _counterexample(claim, truth, *found, deadline))
    if status[0] == "nonzero":
        # Proved different on one sign, by less than 50 digits can show: w = +-1 is a counterexample.
        point = sp.Integer(status[1])
        claimed, true = _value(claim, point), _value(truth, point)
        return verdict(False, "symbolic", _counterexample(claim, truth, point, claimed, true, deadline, DIGITS))
    return verdict(True, "numeric")


def _scan(claim: sp.Expr, truth: sp.Expr):
    """The first sample point where claim and truth differ, with both values; None if none."""
    # One bounded call for the whole scan: with the process guard, one fork rather than one per point.
    for point in SAMPLE_POINTS:
        try:
            claimed = _value(claim, point)
        except Exception:  # noqa: BLE001 - a claim SymPy cannot evaluate at w is unusable there
            claimed = None
        true = _value(truth, point)
        if not _agrees(claimed, true):
            return point, claimed, true
    return None


def _counterexample(claim, truth, point, claimed, true, deadline: float, digits: int = 20) -> Counterexample:
    # Past the deadline, still show the point: the values are already known.
    grace = max(deadline, time.monotonic() + 1.0)
    return Counterexample(
        w=sp.sstr(point),
        claimed=_shown(claim, point, claimed, grace, digits),
        true=_shown(truth, point, true, grace, digits),
        w_value=float(point),
        claimed_value=_complex(claimed),
        true_value=float(_complex(true)),
    )


def _infinite(value: sp.Expr) -> bool:
    return bool(value.has(sp.oo, -sp.oo, sp.zoo, sp.nan))


def _as_float(value: sp.Expr) -> Optional[Union[float, complex]]:
    if value == sp.oo:
        return float("inf")
    if value == -sp.oo:
        return float("-inf")
    try:
        return _complex(sp.N(value, DIGITS))
    except (TypeError, ValueError):
        return None


def _check_limit(part: str, point: str, text: str, claim: sp.Expr, truth: sp.Expr, budget: float) -> Verdict:
    truth_text = sp.sstr(truth)

    where = {"0+": 0.0, "0-": -0.0, "+oo": math.inf, "-oo": -math.inf}[point]

    def verdict(holds, method):
        example = None
        if not holds:
            example = Counterexample(point, sp.sstr(claim), truth_text, where, _as_float(claim), _as_float(truth))
        return Verdict(part, "limit", text, point, holds, method, truth_text, example)

    if claim == truth:
        return verdict(True, "symbolic")
    if _infinite(claim) or _infinite(truth):
        return verdict(False, "symbolic")
    ok, equal = _bounded(_numbers_equal, budget / 2, claim, truth)
    if ok and equal:
        return verdict(True, "symbolic")
    ok, agrees = _bounded(_limit_agrees, budget / 2, claim, truth)
    return verdict(bool(ok and agrees), "numeric")


def _limit_agrees(claim: sp.Expr, truth: sp.Expr) -> bool:
    claimed = sp.N(claim, DIGITS)
    if not claimed.is_number or claimed.has(sp.nan, sp.zoo):
        return False
    return _agrees(claimed, sp.N(truth, DIGITS))


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
        The exponent, as :func:`lksym.analysis.analyze` accepts it.
    penalty, gradient, curvature : str, optional
        Claimed expressions in ``w``, meant for every :math:`w \ne 0`
        (``"3/2*sign(w)*sqrt(abs(w))"``, ``"w^2"``, ``"|w|"``, Piecewise...).
    limits : iterable of str or (part, point, value)
        Limit claims such as ``"gradient@0+=oo"``; points ``0+``, ``0-``,
        ``+oo``, ``-oo``; values may be ``oo``, ``-oo`` or ``inf``.
    prox : str, optional
        A claimed proximal operator of :math:`\\lambda |x|^k`, an expression in
        ``z`` (real) and ``lam`` (positive), e.g. ``"sign(z)*Max(abs(z)-lam, 0)"``
        for k = 1.  Checked at 30 digits against :func:`lksym.prox.prox_numeric`
        at ~90 points (lam 1/10, 1/2, 1, 2; z of both signs, inside and outside
        the threshold, 1e-6 to 1000) with tolerance 1e-9 relative/absolute;
        method "symbolic" when SymPy also proves the claim equal to the closed
        form on z > threshold.
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
    prox_claim = None if prox is None else _parse_prox_claim(prox)
    if not expressions and not limit_claims and prox_claim is None:
        raise InputError("nothing to verify: give --penalty, --gradient, --curvature, --limit or --prox")
    k_value = parse_k(k)
    if not expressions and not limit_claims:
        return VerifyResult(k_value, (_check_prox(k_value, *prox_claim, float(budget)),))
    ok, analysis = _bounded(analyze, ANALYSIS_BUDGET, k_value)
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
        verdicts.append(_check_prox(analysis.k, *prox_claim, float(budget)))
    return VerifyResult(analysis.k, tuple(verdicts))


# --------------------------------------------------------------------------- proximal-operator claims

PROX_Z = sp.Symbol("z", real=True)
"""The ``z`` of a ``--prox`` claim: real, so ``sign(z)`` and ``abs(z)`` survive parsing."""

PROX_LAMS = (sp.Rational(1, 10), sp.Rational(1, 2), sp.Integer(1), sp.Integer(2))
"""The penalty weights a prox claim is evaluated at."""

PROX_DIGITS = 30
"""Digits at which a prox claim is evaluated (the truth is a float: see :data:`PROX_TOLERANCE`)."""

PROX_TOLERANCE = 1e-9
"""Relative/absolute tolerance: ``|claimed - true| <= 1e-9 * (1 + |true|)``, the truth being
:func:`lksym.prox.prox_numeric` (a float bisection)."""


def _parse_prox_claim(text) -> tuple[str, sp.Expr]:
    from .prox import LAM

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
    from .prox import prox_closed_form, prox_threshold

    return prox_threshold(k), prox_closed_form(k)


def _prox_points(threshold: sp.Expr) -> list[tuple[sp.Expr, sp.Expr]]:
    """(z, lam) pairs, nice ones first: both signs, inside and outside the threshold, tiny to large."""
    from .prox import LAM

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
    return points


def _prox_value(claim: sp.Expr, z: sp.Expr, lam: sp.Expr) -> Optional[sp.Expr]:
    from .prox import LAM

    at = {PROX_Z: sp.Float(z.evalf(PROX_DIGITS + 10), PROX_DIGITS + 10), LAM: sp.Float(lam, PROX_DIGITS + 10)}
    try:
        value = claim.subs(at).evalf(PROX_DIGITS)
    except Exception:  # noqa: BLE001 - a claim SymPy cannot evaluate there is unusable there
        return None
    if not isinstance(value, sp.Expr) or not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    return value


def _prox_agrees(claimed: Optional[sp.Expr], true: float) -> bool:
    if claimed is None:
        return False
    real, imag = claimed.as_real_imag()
    scale = PROX_TOLERANCE * (1 + abs(true))
    try:
        return abs(float(imag)) <= scale and abs(float(real) - true) <= scale
    except TypeError:
        return False


def _prox_scan(k: sp.Expr, claim: sp.Expr, threshold: sp.Expr):
    """The first (z, lam) where the claim differs from :func:`prox_numeric`, with both values; None if none."""
    from .prox import prox_numeric

    for z, lam in _prox_points(threshold):
        true = prox_numeric(k, float(lam), float(z))
        claimed = _prox_value(claim, z, lam)
        if not _prox_agrees(claimed, true):
            return z, lam, claimed, true
    return None


def _prox_branch_zero(claim: sp.Expr, closed: sp.Expr, threshold: sp.Expr) -> bool:
    """Whether claim - closed form simplifies to 0 for z = threshold + t, t > 0."""
    from .prox import Z

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


def _prox_counterexample(z, lam, claimed, true: float) -> Counterexample:
    if claimed is None:
        claimed_text, claimed_value = "undefined", None
    else:
        claimed_value = _complex(claimed)
        if isinstance(claimed_value, complex) and abs(claimed_value.imag) > 0:
            claimed_text = f"non-real ({sp.sstr(sp.N(claimed, 15))})"
        else:
            claimed_value = float(sp.re(claimed))
            claimed_text = _prox_number_text(sp.re(claimed))
    return Counterexample(
        w=_prox_number_text(z),
        claimed=claimed_text,
        true=repr(true),
        w_value=float(z),
        claimed_value=claimed_value,
        true_value=true,
        lam=sp.sstr(lam),
        lam_value=float(lam),
    )


def _check_prox(k: sp.Expr, text: str, claim: sp.Expr, budget: float) -> Verdict:
    start = time.monotonic()
    deadline = start + budget
    ok, derived = _bounded(_derive_prox, ANALYSIS_BUDGET, k)
    if not ok:
        raise InputError(f"k = {sp.sstr(k)[:40]}: the proximal operator is too costly to derive")
    threshold, closed = derived
    zero_text = f"0 for |z| <= {sp.sstr(threshold)}, odd in z"
    if closed is None:
        truth_text = f"numeric only ({zero_text})"
    else:
        truth_text = f"{sp.sstr(closed)} for z > {sp.sstr(threshold)} ({zero_text})"

    def verdict(holds, method, counterexample=None, note=None):
        return Verdict("prox", "prox", text, None, holds, method, truth_text, counterexample, note)

    proved = False
    if closed is not None:
        decided, proved = _bounded(_prox_branch_zero, budget / 2, claim, closed, threshold)
        proved = bool(decided and proved)
    deadline = max(deadline, time.monotonic() + budget / 2)  # the numeric half keeps its half (see _check_expression)
    finished, found = _bounded(_prox_scan, deadline - time.monotonic(), k, claim, threshold)
    if not finished:
        return verdict(False, "numeric", note=f"not decided within the {budget:g} s budget")
    if found is not None:
        return verdict(False, "numeric", _prox_counterexample(*found))
    return verdict(True, "symbolic" if proved else "numeric")
