r"""Check a hand derivation of :math:`f(w) = |w|^k`, with a counterexample when it is wrong.

A *claim* is either an expression in ``w`` for the penalty, gradient or
curvature (``3/2*sign(w)*sqrt(abs(w))``), meant to hold for every
:math:`w \ne 0`, or a one-sided limit (``gradient@0+=oo``).  Every claim is
held against :func:`lksym.results.analyze` and gets one :class:`Verdict`.

How a claim is decided
----------------------
1. **Regions.**  The line is split at 0 and at every *breakpoint* of truth or
   claim (:func:`breakpoints`): the real zeros of the arguments of ``Abs``,
   ``sign``, ``Heaviside``, of the pairwise differences of ``Min``/``Max``
   arguments and of every relation in a Piecewise condition, solved exactly by
   SymPy (only real solutions).  A condition SymPy cannot solve (``exp(w) > w + 2``)
   is located numerically (sign changes on the sweep, then bisection) and the
   claim can then only be decided numerically.
2. **Symbolic, region by region.**  On each open region (:func:`regions`) every
   switching building block takes the branch it has at an interior point
   (:func:`resolve`), ``w`` becomes ``x`` or ``-x`` with ``x > 0``, and SymPy
   simplifies the difference; each breakpoint other than 0 is checked at the
   point itself.  All proved equal: "OK (symbolic)".  The verdict's ``regions``
   lists each region's status: "equal", "different" (SymPy proved the
   difference never 0 there) or "unknown".
3. **Numeric, the whole line.**  Claim and truth are evaluated with 50
   significant digits (exact points substituted by evalf, so cancelling terms
   are recomputed at higher precision) at: "nice" points first (1, -1, 2, -2,
   1/2, ...); both sides of every breakpoint, b(1 +- 1/10), b(1 +- 1e-6),
   b(1 +- 1e-20), and b itself; then |w| log-uniformly from 1e-300 to 1e300 (30
   decades beyond the claim's smallest and largest constant when those are
   further out), coarse to fine, both signs (:func:`sweep_points`).  Points in
   a region proved different are sampled first, so the counterexample lies
   there.  A difference (relative 1e-25) that survives evaluation at 150 digits,
   or a claim undefined or not real where the truth is defined, is a
   counterexample: WRONG.  Agreement at every planned point is "OK (numeric)",
   which states its :class:`Coverage` (points, range, breakpoints): sampled
   agreement is evidence, not proof.
4. A region proved different that no sample shows at 50 digits
   (``2*w*(1 + 1e-40)``) is WRONG ("symbolic") at a point of that region,
   values shown with 50 digits.
5. Anything else is **UNDECIDED** (``holds`` false, no counterexample, a
   ``note`` saying what was checked): a point where evaluation failed (an
   exponent mpmath refuses) or a difference that did not survive higher
   precision, or the budget running out before every point was sampled.

A counterexample's text shows short exact numbers (``-1``, ``3/2``,
``3*sqrt(2)/2 (2.12...)``) and otherwise floats with as many digits as it
takes to see the difference; the exact point and values are in
``w_exact``, ``claimed_exact`` and ``true_exact`` (SymPy text, powers of ten
kept short).  :func:`check_expression` does all this for any true expression
in ``w`` (a penalty's), not only for :math:`|w|^k`.

A *prox* claim (``prox=``, ``--prox``) is an expression in ``z`` (real) and
``lam`` (positive) for :math:`\operatorname{prox}(z) = \arg\min_x \tfrac12 (x-z)^2
+ \lambda |x|^k`.  When :func:`lksym.derivation.prox.prox_closed_form` exists, SymPy first
tries to prove the claim equal to it on :math:`z = \text{threshold} + t`, :math:`t > 0`;
then the claim is always evaluated at 30 digits (exact evalf substitution) at
the nice points of old (lam 1/10, 1/2, 1, 2; z of both signs, inside and just
outside the threshold), then for lam from 1e-300 to 1e300
(:data:`PROX_FAR_LAMS`) on both sides of each threshold and for |z| from 1e-250
to 1e250 (:data:`PROX_Z_EXPONENTS`), wherever the float truth is
representable, and compared with :func:`lksym.derivation.prox.prox_numeric` (relative
tolerance 1e-9, see :data:`PROX_TOLERANCE`; non-real or undefined is wrong).
Method "symbolic" means the branch above the threshold was proved and all the
rest agreed numerically; a point not evaluable, or the budget running out,
makes it UNDECIDED.

Limit claims compare one exact number (``oo``, ``-oo``, ``inf`` allowed) with
the derived limit, the same way: exactly, then at 50 digits.

Time budget
-----------
Parseable input can still be expensive (``simplify`` on a nasty nest), so each
claim gets ``budget`` seconds (default 5): at most a quarter for the
breakpoints, at most half in all for the symbolic step, the rest, and at least
half, for the numeric one (a symbolic step can overrun a little when the timer
signal lands where Python ignores exceptions).  The sampling stops itself just
before its time is up and reports how far it got (UNDECIDED).  The guard
is :func:`lksym.budget.deadline` (SIGALRM) when running in the main thread; in
other threads the guarded step runs in a worker process (fork where the
platform has it) that is killed when the time is up.  Numeric evaluation substitutes the exact point inside
evalf, so no huge exact power is ever built.  If the numeric step runs out of
time before any mismatch, the claim is reported *undecided* (``holds`` false,
``method`` "numeric", a ``note``).  A C-level call that never
returns to the interpreter cannot be interrupted by the signal guard; the
parser's bounds on size, depth and exponents keep such calls short.  A timer
of the caller's own is honoured and given back.  Deriving the truth for
k is guarded the same way (:data:`ANALYSIS_BUDGET`); a k that takes longer is
refused with :class:`~lksym.errors.InputError`.

Limitations
-----------
Equality is as SymPy's automatic evaluation sees it: ``w*log(w)/log(w)`` is
``w`` before any check, though undefined at ``w = 1``.  Numerically, a
relative difference below 1e-25 at every sample point passes unless step 2
proved the difference nonzero, and a claim wrong only between sample points
of a region SymPy could not decide (a spike of width 1e-30 at w = 7) passes as
"OK (numeric)": the coverage says what was looked at.  The symbolic step trusts
that every breakpoint was found; conditions SymPy cannot solve exactly are
never proved.

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
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable, Iterable, Optional, Sequence, Union

import mpmath
import sympy as sp

from lksym import budget
from lksym.derivation.analysis import PART_NAMES
from lksym.derivation.exact import k_text
from lksym.derivation.expr import parse_expression
from lksym.derivation.symbols import W, X
from lksym.errors import InputError
from lksym.results import TIME_LIMIT, analyze

__all__ = [
    "Breakpoints", "Counterexample", "Coverage", "Region", "Verdict", "VerifyResult", "DEFAULT_BUDGET",
    "breakpoints", "check_expression", "parse_limit_spec", "regions", "resolve", "sweep_points",
    "switch_arguments", "verify",
]

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
    w_exact, claimed_exact, true_exact, lam_exact
        Exact values as SymPy text (powers of ten kept short, ``347*10**248``),
        ``None`` when not real, undefined, too costly or longer than
        :data:`MAX_EXACT_TEXT`; the text fields above are for reading.
    """

    w: str
    claimed: str
    true: str
    w_value: float
    claimed_value: Optional[Union[float, complex]]
    true_value: float
    lam: Optional[str] = None
    lam_value: Optional[float] = None
    w_exact: Optional[str] = None
    claimed_exact: Optional[str] = None
    true_exact: Optional[str] = None
    lam_exact: Optional[str] = None

    def to_dict(self) -> dict:
        data = {"w": self.w, "claimed": self.claimed, "true": self.true,
                "w_exact": self.w_exact, "claimed_exact": self.claimed_exact, "true_exact": self.true_exact}
        if self.lam is not None:
            # A prox claim: w is the point z.
            data.update(z=self.w, lam=self.lam, z_exact=self.w_exact, lam_exact=self.lam_exact)
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
        Why a claim is undecided; for a claim that holds, where it was not checked (a
        jump of the part, where the claim is meant off it); else ``None``.
    regions
        For an expression claim: ``(where, status)`` per region (``"(0, oo)"``)
        and per breakpoint other than 0, status ``"equal"``, ``"different"``
        (proved by SymPy) or ``"unknown"``; empty when nothing was proved.
    coverage
        What the numeric step sampled (:class:`Coverage`), or ``None`` when it
        did not run.
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
    regions: tuple = ()
    coverage: Optional["Coverage"] = None

    @property
    def label(self) -> str:
        """``gradient`` or ``gradient@0+``."""
        return self.part if self.point is None else f"{self.part}@{self.point}"

    def line(self) -> str:
        """One line for the terminal."""
        head = f"{self.label}: {self.claim}  "
        if self.holds:
            aside = f"; {self.note}" if self.note else ""
            if self.method == "numeric" and self.coverage is not None and self.kind == "expression":
                return head + f"OK (numeric: agrees at {self.coverage.text()}{aside})"
            return head + f"OK ({self.method}{aside})"
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
            "regions": [{"where": where, "status": status} for where, status in self.regions],
            "coverage": None if self.coverage is None else self.coverage.to_dict(),
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

    k: Optional[sp.Expr]
    claims: tuple[Verdict, ...]
    penalty: Optional[str] = None

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
        head = {"k": None if self.k is None else sp.sstr(self.k)}
        if self.penalty is not None:  # a penalty other than |w|^k: its text
            head["penalty"] = self.penalty
        return {**head, "all_hold": self.all_hold, "claims": [v.to_dict() for v in self.claims]}


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


def _numbers_equal(claim: sp.Expr, truth: sp.Expr) -> bool:
    return sp.simplify(claim - truth) == 0


# --------------------------------------------------------------------------- numeric step


_MAXN = 2000
"""Digits evalf may climb to when terms cancel (``(w+1)^2 - w^2`` at w = 1e300 needs ~600)."""


def _value(expr: sp.Expr, point: sp.Expr, digits: int = DIGITS, symbol: sp.Symbol = W) -> Optional[sp.Expr]:
    """``expr`` at ``point`` to ``digits`` digits, or None when undefined.

    The exact point goes to evalf as a substitution: no exact power is built,
    and cancelling terms are recomputed at higher precision (up to :data:`_MAXN`)."""
    value = expr.evalf(digits, subs={symbol: point}, maxn=_MAXN)
    if isinstance(value, sp.Basic) and value.free_symbols:  # a function evalf could not substitute into
        at = sp.Float(point.evalf(digits + 10), digits + 10)
        value = expr.subs(symbol, at).evalf(digits)
        if isinstance(value, sp.Basic) and value.free_symbols:
            raise ValueError("not evaluable at a number")
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


def _shown(approx: Optional[sp.Expr], exact: Optional[sp.Expr], digits: int = 20) -> str:
    """A value as text: exact when short (``1.5``, ``3*sqrt(2)/2 (2.12...)``), else a float of ``digits`` digits."""
    if approx is None:
        return "undefined"
    number = _complex(approx)
    if isinstance(number, complex):
        return f"non-real ({sp.sstr(sp.N(approx, 15))})"
    if exact is not None and exact.is_Rational:
        text = k_text(exact) if exact >= 0 else "-" + k_text(-exact)
        if len(text) <= 12:
            return text
    if exact is not None and not exact.is_Rational and len(sp.sstr(exact)) <= 16:
        return f"{sp.sstr(exact)} ({number!r})"
    if number is not None:
        # ``digits`` digits, trailing zeros dropped: enough to show a tiny relative difference.
        with mpmath.workdps(DIGITS):
            return mpmath.nstr(mpmath.mpf(sp.re(approx).evalf(DIGITS)._mpf_), digits, min_fixed=-5, max_fixed=7)
    return sp.sstr(sp.N(approx, 15))


def _exact_value(expr: sp.Expr, point: sp.Expr, symbol: sp.Symbol = W) -> Optional[sp.Expr]:
    value = sp.simplify(expr.subs(symbol, point))
    if not value.is_number or value.has(sp.nan, sp.zoo) or value.is_real is not True:
        return None
    return value


# --------------------------------------------------------------------------- regions


class _Unresolved(Exception):
    """A building block whose branch cannot be read off at a point."""


@dataclass(frozen=True)
class Breakpoints:
    """Where the branches of two expressions in ``w`` can switch.

    Attributes
    ----------
    points
        The exact real zeros, sorted, of every *switch argument*
        (:func:`switch_arguments`) of either expression; 0 is always one.
    unsolved
        Switch arguments whose real zeros SymPy could not list within the
        budget (a transcendental condition): they must be located numerically,
        and no region can then be proved.
    """

    points: tuple[sp.Expr, ...]
    unsolved: tuple[sp.Expr, ...] = ()


@dataclass(frozen=True)
class Region:
    """An open interval ``(lo, hi)`` of the line on which no building block of
    either expression changes branch (``lo`` may be ``-oo``, ``hi`` ``oo``)."""

    lo: sp.Expr
    hi: sp.Expr

    def __str__(self) -> str:
        return f"({sp.sstr(self.lo)}, {sp.sstr(self.hi)})"

    def contains(self, point: sp.Expr) -> bool:
        """Whether ``point`` (an exact real number) lies strictly inside."""
        return bool(sp.Lt(self.lo, point)) and bool(sp.Lt(point, self.hi))

    def representative(self) -> sp.Expr:
        """A small exact rational strictly inside: 1 or -1 when the region holds it."""
        for candidate in (sp.Integer(1), sp.Integer(-1)):
            if self.contains(candidate):
                return candidate
        if self.lo == -sp.oo:
            return sp.floor(self.hi) - 1
        if self.hi == sp.oo:
            return sp.ceiling(self.lo) + 1
        middle = sp.Rational(mpmath.nstr(mpmath.mpf(sp.Float(((self.lo + self.hi) / 2).evalf(40), 40)._mpf_), 30))
        if not self.contains(middle):
            raise _Unresolved("breakpoints too close to separate")
        return middle


def switch_arguments(expr: sp.Expr, symbol: sp.Symbol = W) -> list[sp.Expr]:
    """The expressions whose zeros are the only places where ``expr`` can switch branch.

    Arguments ``u`` of ``Abs(u)``, ``sign(u)``, ``Heaviside(u)``; pairwise
    differences ``a - b`` of the arguments of ``Min`` and ``Max``; ``lhs - rhs``
    of every relation in a ``Piecewise`` condition.  Between consecutive real
    zeros of all of them, ``expr`` is one analytic formula.

    Examples
    --------
    >>> switch_arguments(sp.Piecewise((W, sp.Abs(W) < 3), (0, True)))
    [Abs(w) - 3, w]
    """
    found: list[sp.Expr] = []

    def add(u: sp.Expr) -> None:
        if isinstance(u, sp.Expr) and u.has(symbol) and u not in found:
            found.append(u)

    def relations(condition) -> None:
        if isinstance(condition, sp.core.relational.Relational):
            add(condition.lhs - condition.rhs)
            for side in (condition.lhs, condition.rhs):
                visit(side)
        else:
            for arg in getattr(condition, "args", ()):
                relations(arg)

    def visit(node) -> None:
        if not isinstance(node, sp.Basic) or not node.has(symbol):
            return
        if isinstance(node, (sp.Abs, sp.sign, sp.Heaviside)):
            add(node.args[0])
        elif isinstance(node, (sp.Min, sp.Max)):
            for i, a in enumerate(node.args):
                for b in node.args[i + 1:]:
                    add(a - b)
        elif isinstance(node, sp.Piecewise):
            for _, condition in node.args:
                relations(condition)
        for arg in node.args:
            visit(arg)

    visit(expr)
    return found


def _real_zeros(u: sp.Expr, symbol: sp.Symbol) -> Optional[list[sp.Expr]]:
    """The real zeros of ``u``, exactly, or None when SymPy cannot list them all."""
    if u.is_polynomial(symbol):
        poly = sp.Poly(u, symbol)
        if poly.degree() == 1:  # the common case (w, w - 3): no solver needed
            a, b = poly.all_coeffs()
            return [sp.nsimplify(-b / a)] if (-b / a).is_real else None
    try:
        solutions = sp.solveset(u, symbol, domain=sp.S.Reals)
    except Exception:  # noqa: BLE001 - a solver failure means "not listed"
        return None
    if solutions is sp.S.EmptySet:
        return []
    if not isinstance(solutions, sp.FiniteSet):
        return None
    zeros = []
    for s in solutions:
        if s.free_symbols or s.is_real is not True or s.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
            return None
        zeros.append(s)
    return zeros


def breakpoints(*exprs: sp.Expr, symbol: sp.Symbol = W) -> Breakpoints:
    """All exact real breakpoints of the expressions (always including 0).

    Parameters
    ----------
    *exprs
        Expressions in ``symbol`` (the truth and the claim).
    symbol
        The real variable.

    Returns
    -------
    Breakpoints
        Sorted exact points, and the switch arguments whose zeros could not be
        listed.

    Examples
    --------
    >>> b = breakpoints(sp.sign(W), sp.Piecewise((W, sp.Abs(W) < 10**8), (0, True)))
    >>> b.points, b.unsolved
    ((-100000000, 0, 100000000), ())
    """
    points: list[sp.Expr] = [sp.Integer(0)]
    unsolved: list[sp.Expr] = []
    for expr in exprs:
        for u in switch_arguments(expr, symbol):
            zeros = _real_zeros(u, symbol)
            if zeros is None:
                unsolved.append(u)
                continue
            for z in zeros:
                if not any(sp.simplify(z - p) == 0 for p in points):
                    points.append(z)
    ordered = sorted(points, key=lambda p: (float(p), sp.default_sort_key(p)))
    return Breakpoints(tuple(ordered), tuple(unsolved))


def regions(expr_true: sp.Expr, expr_claim: sp.Expr, symbol: sp.Symbol = W) -> list[Region]:
    """The open intervals between consecutive breakpoints of truth and claim.

    On each, every ``Abs``, ``sign``, ``Heaviside``, ``Min``, ``Max`` and
    Piecewise condition keeps one branch, so equality can be proved there with
    plain algebra.  Unlisted zeros (:attr:`Breakpoints.unsolved`) are not
    included: check :func:`breakpoints` before trusting the intervals.

    Examples
    --------
    >>> [str(r) for r in regions(sp.sign(W), sp.Heaviside(W - 2))]
    ['(-oo, 0)', '(0, 2)', '(2, oo)']
    """
    return _regions_from(breakpoints(expr_true, expr_claim, symbol=symbol).points)


def _regions_from(points: Sequence[sp.Expr]) -> list[Region]:
    edges = [-sp.oo, *points, sp.oo]
    return [Region(a, b) for a, b in zip(edges, edges[1:])]


def _sign_at(u: sp.Expr, at: sp.Expr, symbol: sp.Symbol) -> int:
    if u == 0:
        return 0
    value = u.evalf(30, subs={symbol: at}, maxn=_MAXN)
    if not value.is_number or value.is_real is not True or value == 0:
        raise _Unresolved(f"sign of {sp.sstr(u)[:40]}")
    return 1 if value > 0 else -1


def _condition_at(condition, at: sp.Expr, symbol: sp.Symbol) -> bool:
    value = condition.subs(symbol, at)
    if value is sp.true or value is sp.false:
        return bool(value)
    raise _Unresolved(f"condition {sp.sstr(condition)[:40]}")


def resolve(expr: sp.Expr, at: sp.Expr, symbol: sp.Symbol = W) -> sp.Expr:
    """``expr`` with every switching building block replaced by its branch at ``at``.

    Valid on the whole region around ``at`` when ``at`` lies strictly between
    consecutive :func:`breakpoints`.  Raises ``_Unresolved`` when a branch
    cannot be read off (a non-real argument, a tie).

    Examples
    --------
    >>> resolve(sp.Piecewise((sp.Abs(W), W < 5), (0, True)) + sp.Max(W, 2), sp.Integer(3))
    2*w
    """
    if not isinstance(expr, sp.Basic) or expr.is_Atom or not expr.has(symbol):
        return expr
    if isinstance(expr, sp.Piecewise):
        for branch, condition in expr.args:
            if _condition_at(condition, at, symbol):
                return resolve(branch, at, symbol)
        return sp.nan  # no branch applies: undefined here
    args = [resolve(a, at, symbol) for a in expr.args]
    if isinstance(expr, (sp.Abs, sp.sign, sp.Heaviside)):
        u = args[0]
        s = _sign_at(u, at, symbol)
        if s == 0:
            return expr.func(*args)
        if isinstance(expr, sp.Abs):
            return s * u
        if isinstance(expr, sp.sign):
            return sp.Integer(s)
        return sp.Integer(1 if s > 0 else 0)
    if isinstance(expr, (sp.Min, sp.Max)):
        values = []
        for a in args:
            v = a.evalf(30, subs={symbol: at}, maxn=_MAXN)
            if not v.is_number or v.is_real is not True:
                raise _Unresolved("Min/Max of a non-real value")
            values.append(v)
        best = max(values) if isinstance(expr, sp.Max) else min(values)
        winners = [a for a, v in zip(args, values) if v == best]
        if len(set(winners)) != 1:
            raise _Unresolved("Min/Max tie")
        return winners[0]
    return expr.func(*args)


def _region_status(claim: sp.Expr, truth: sp.Expr, region: Region, symbol: sp.Symbol) -> str:
    """``"equal"``, ``"different"`` (proved never equal) or ``"unknown"`` on one region."""
    try:
        at = region.representative()
        c, t = resolve(claim, at, symbol), resolve(truth, at, symbol)
    except _Unresolved:
        return "unknown"
    sign = 1 if at > 0 else -1  # 0 is always a breakpoint: every region lies on one side
    difference = c.subs(symbol, sign * X) - t.subs(symbol, sign * X)
    if difference == 0:
        return "equal"
    if difference.has(sp.nan):
        return "unknown"
    if sp.piecewise_fold(difference).has(sp.Piecewise):
        difference = sp.piecewise_fold(difference)
    difference = sp.simplify(sp.powsimp(difference, force=True))
    if difference == 0:
        return "equal"
    if difference.is_zero is False:
        return "different"
    return "unknown"


def _point_status(claim: sp.Expr, truth: sp.Expr, point: sp.Expr, symbol: sp.Symbol) -> str:
    difference = claim.subs(symbol, point) - truth.subs(symbol, point)
    if difference.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return "unknown"
    return "equal" if difference == 0 or sp.simplify(difference) == 0 else "unknown"


def _symbolic(claim: sp.Expr, truth: sp.Expr, points: tuple, symbol: sp.Symbol, skip=frozenset()) -> list[tuple[str, str]]:
    """``(where, status)`` for every region and every breakpoint other than 0 (and other than ``skip``)."""
    statuses = [(str(r), _region_status(claim, truth, r, symbol)) for r in _regions_from(points)]
    statuses += [(sp.sstr(p), _point_status(claim, truth, p, symbol)) for p in points if p != 0 and p not in skip]
    return statuses


# --------------------------------------------------------------------------- whole-line sampling

SWEEP_EXPONENT = 300
r"""|w| is sampled log-uniformly over at least :math:`10^{-300} .. 10^{300}`, and 30 decades
beyond the smallest and largest constant of truth and claim (capped at :data:`MAX_SWEEP_EXPONENT`)."""

MAX_SWEEP_EXPONENT = 1000

DENSE_EXPONENT = 20
r"""Three points per decade for :math:`10^{-20} \le |w| \le 10^{20}`, one per decade beyond."""

BREAKPOINT_OFFSETS = (sp.Rational(1, 10), sp.Rational(1, 10**6), sp.Rational(1, 10**20))
"""Relative distances of the points sampled on both sides of every breakpoint b != 0: b(1 +- d)."""

_GOLDEN = (math.sqrt(5) - 1) / 2
_MAX_LOCATED = 20  # numerically located switches per argument (sin-like conditions have infinitely many)


@dataclass(frozen=True)
class Coverage:
    """What the numeric step checked.

    Attributes
    ----------
    points
        Sample points where claim and truth were both evaluated and agreed.
    total
        Sample points planned.
    exponents
        ``(lo, hi)``: |w| was swept log-uniformly from ``10**lo`` to ``10**hi``, both signs.
    breakpoints
        The exact breakpoints sampled around (each itself and b(1 +- d), see
        :data:`BREAKPOINT_OFFSETS`).
    located
        Breakpoints located numerically, by sign changes on the sweep and
        bisection, when SymPy could not solve a condition.
    failed
        Points where an evaluation failed or a difference did not survive
        evaluation at higher precision (first few, as text), and how many.
    """

    points: int
    total: int
    exponents: tuple[int, int]
    breakpoints: tuple[str, ...]
    located: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    failed_count: int = 0
    variable: str = "w"
    extra: str = ""

    def text(self) -> str:
        lo, hi = self.exponents
        where = f"{self.points} points, |{self.variable}| from 1e{lo} to 1e+{hi} on both signs"
        near = [b for b in self.breakpoints if b != "0"]
        if near:
            where += f", both sides of {', '.join(near[:4])}" + (" ..." if len(near) > 4 else "")
        if self.located:
            where += f", {len(self.located)} breakpoint(s) located numerically"
        if self.extra:
            where += f", {self.extra}"
        return where

    def to_dict(self) -> dict:
        lo, hi = self.exponents
        return {
            "points": self.points,
            "planned": self.total,
            "variable": self.variable,
            f"abs_{self.variable}_from": f"1e{lo}",
            f"abs_{self.variable}_to": f"1e+{hi}",
            "signs": "both",
            "breakpoints": list(self.breakpoints),
            "located_numerically": list(self.located),
            "failed": self.failed_count,
            "failed_at": list(self.failed),
            **({"lam_from": f"1e{int(math.log10(PROX_FAR_LAMS[0]))}", "lam_to": f"1e+{int(math.log10(PROX_FAR_LAMS[-1]))}"}
               if self.variable == "z" else {}),
        }


def _log10(number: sp.Number) -> Optional[float]:
    if number == 0 or not number.is_finite:
        return None
    if number.is_Rational:
        return math.log10(abs(number.p)) - math.log10(number.q)
    return float(mpmath.log10(abs(mpmath.mpf(sp.Float(number, 20)._mpf_))))


def _exponent_range(exprs: Iterable[sp.Expr], points: Iterable[sp.Expr]) -> tuple[int, int]:
    logs = [_log10(n) for e in exprs for n in e.atoms(sp.Number)]
    logs += [_log10(sp.Float(p.evalf(20), 20)) for p in points if p != 0]
    logs = [x for x in logs if x is not None]
    lo = min([-SWEEP_EXPONENT] + [math.floor(x) - 30 for x in logs])
    hi = max([SWEEP_EXPONENT] + [math.ceil(x) + 30 for x in logs])
    return max(lo, -MAX_SWEEP_EXPONENT), min(hi, MAX_SWEEP_EXPONENT)


def sweep_points(lo: int, hi: int) -> list[sp.Expr]:
    r"""Exact points of both signs, log-uniform in :math:`10^{lo} .. 10^{hi}`, nearest 1 first.

    Each decade gets a 3-digit mantissa from a golden-ratio sequence (so the
    points are not all powers of 10), three in the dense band.

    Examples
    --------
    >>> sweep_points(0, 0)[:2]
    [81/20, -81/20]
    """
    return list(_sweep(lo, hi))


@lru_cache(maxsize=8)
def _sweep(lo: int, hi: int) -> tuple[sp.Expr, ...]:
    out: list[sp.Expr] = []
    # Coarse to fine over the whole range (0, then +-hi, then halfway, ...): a difference far out
    # shows within the first few dozen points instead of after a thousand.
    exponents = sorted(range(lo, hi + 1), key=lambda e: (abs(e), -e))
    bits = max(1, (len(exponents) - 1).bit_length())
    order = sorted(range(len(exponents)), key=lambda i: (int(format(i, f"0{bits}b")[::-1], 2), i))
    for e in (exponents[i] for i in order):
        count = 3 if abs(e) <= DENSE_EXPONENT else 1
        for j in range(count):
            fraction = ((e + 10_000) * _GOLDEN + j / count) % 1.0
            mantissa = 100 + int(fraction * 900)
            point = sp.Integer(mantissa * 10 ** (e - 2)) if e >= 2 else sp.Rational(mantissa, 10 ** (2 - e))
            out += [point, -point]
    return tuple(out)


def _approx(x: sp.Expr):
    if x == sp.oo or x == -sp.oo:
        return mpmath.inf if x == sp.oo else -mpmath.inf
    return mpmath.mpf(sp.Float(x.evalf(30), 30)._mpf_)


def _near(b: sp.Expr) -> list[sp.Expr]:
    out = [b]
    for d in BREAKPOINT_OFFSETS:
        out += [b * (1 - d), b * (1 + d)]
    return out


def _sign_or_none(u: sp.Expr, point: sp.Expr, symbol: sp.Symbol) -> Optional[int]:
    try:
        value = _value(u, point, 30, symbol)
    except Exception:  # noqa: BLE001
        return None
    if value is None or value.is_real is not True:
        return None
    return 0 if value == 0 else (1 if value > 0 else -1)


def _locate(u: sp.Expr, grid: Sequence[sp.Expr], symbol: sp.Symbol, soft_deadline: float) -> list[sp.Expr]:
    """Switches of ``u`` found by sign changes on ``grid`` (sorted) and 60 bisection steps."""
    found: list[sp.Expr] = []
    previous = None
    for point in grid:
        if len(found) >= _MAX_LOCATED or time.monotonic() > soft_deadline:
            break
        s = _sign_or_none(u, point, symbol)
        if s == 0:
            found.append(point)
        elif s is not None and previous is not None and previous[1] == -s:
            a, b = sp.Float(previous[0], 60), sp.Float(point, 60)
            for _ in range(60):
                middle = (a + b) / 2
                sm = _sign_or_none(u, middle, symbol)
                if sm is None or sm == 0:
                    break
                a, b = (middle, b) if sm == previous[1] else (a, middle)
            found.append((a + b) / 2)
        if s is not None:
            previous = (point, s)
    return found


def _confirmed(claim, truth, point, claimed, symbol) -> bool:
    """Whether a difference survives evaluation at three times the digits (not a rounding artefact)."""
    try:
        claimed_high = _value(claim, point, 3 * DIGITS, symbol)
        true_high = _value(truth, point, 3 * DIGITS, symbol)
    except Exception:  # noqa: BLE001
        return False
    if true_high is None or _agrees(claimed_high, true_high):
        return False
    if claimed is None or claimed_high is None:
        return claimed is None and claimed_high is None
    return _agrees(claimed, claimed_high)


def _numeric(claim, truth, bps: Breakpoints, first: Sequence[Region], soft_deadline: float, symbol: sp.Symbol,
             skip=frozenset()):
    """Sample the whole line; ``(found, coverage, stopped)`` with ``found = (point, claimed, true)`` or None."""
    lo, hi = _exponent_range((claim, truth), bps.points)
    sweep = sweep_points(lo, hi)
    located: list[sp.Expr] = []
    if bps.unsolved:
        grid = sorted(sweep, key=float)
        for u in bps.unsolved:
            located += _locate(u, grid, symbol, soft_deadline)
    planned: list[sp.Expr] = list(SAMPLE_POINTS) if symbol == W else []
    for b in [*bps.points, *located]:
        if b != 0:
            planned += _near(b)
    planned += sweep
    seen, points = set(skip), []  # where the truth does not exist (a jump of this part) nothing is claimed
    for p in planned:
        if p not in seen:
            seen.add(p)
            points.append(p)
    if first:
        # A region proved different gets its counterexample from inside it: sample it first
        # (30-digit comparisons: this only orders the points).
        bounds = [(_approx(r.lo), _approx(r.hi)) for r in first]
        inside = [p for p in points if any(a < _approx(p) < b for a, b in bounds)]
        chosen = set(inside)
        points = inside + [p for p in points if p not in chosen]

    checked, failed, stopped, found = 0, [], False, None
    try:
        # One evaluation can be slow (exp(exp(w)) at w = 1e6 builds a 340000-digit exponent): the
        # timer stops the sampling itself, so what was covered can still be reported.
        with budget.deadline(max(soft_deadline - time.monotonic(), 1e-3)):
            for point in points:
                if time.monotonic() > soft_deadline:
                    raise budget.Timeout()
                try:
                    true = _value(truth, point, DIGITS, symbol)
                    claimed = _value(claim, point, DIGITS, symbol) if true is not None else None
                except Exception:  # noqa: BLE001 - not evaluable here: this point decides nothing
                    true = None
                if true is None:
                    failed.append(point)
                    continue
                if _agrees(claimed, true):
                    checked += 1
                    continue
                if _confirmed(claim, truth, point, claimed, symbol):
                    found = (point, claimed, true)
                    break
                failed.append(point)
    except budget.Timeout:
        stopped = found is None
    coverage = Coverage(
        points=checked,
        total=len(points),
        exponents=(lo, hi),
        breakpoints=tuple(sp.sstr(b) for b in bps.points),
        located=tuple(_number_text(b) for b in located),
        failed=tuple(_number_text(p) for p in failed[:5]),
        failed_count=len(failed),
    )
    return found, coverage, stopped


def _number_text(value: sp.Expr, digits: int = 20) -> str:
    """A number as readers want it: exact when short (``-1``, ``3/2``), else a float with ``digits`` digits."""
    if value.is_Rational and len(sp.sstr(value)) <= 7:
        return sp.sstr(value)
    with mpmath.workdps(DIGITS):
        return mpmath.nstr(mpmath.mpf(sp.Float(sp.re(value).evalf(DIGITS), DIGITS)._mpf_), digits, min_fixed=-5, max_fixed=7)


MAX_EXACT_TEXT = 2000
"""Longest exact value written to the JSON (``null`` beyond)."""


def _exact_text(value: Optional[sp.Expr]) -> Optional[str]:
    """An exact value as text, powers of ten kept short (``347*10**248``), or None when too long."""
    if value is None:
        return None
    if value.is_Rational and value != 0:
        parts = []
        for n in (abs(value.p), value.q):
            zeros = len(str(n)) - len(str(n).rstrip("0"))
            head = n // 10**zeros
            parts.append(str(n) if zeros < 6 else (f"10**{zeros}" if head == 1 else f"{head}*10**{zeros}"))
        text = ("-" if value < 0 else "") + (parts[0] if value.q == 1 else f"{parts[0]}/{parts[1]}" if "*" not in parts[1] else f"{parts[0]}/({parts[1]})")
    else:
        text = sp.sstr(value)
    return text if len(text) <= MAX_EXACT_TEXT else None


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
        sampling at least half.
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
    start = time.monotonic()
    deadline = start + budget
    truth_text = sp.sstr(truth)

    def verdict(holds, method, counterexample=None, note=None, statuses=(), coverage=None):
        return Verdict(part, "expression", text, None, holds, method, truth_text, counterexample, note,
                       tuple(statuses), coverage)

    skip = frozenset(sp.S(p) for p in undefined_at)
    found_bps, bps = _bounded(breakpoints, budget / 4, truth, claim)
    if not found_bps:
        bps = Breakpoints((sp.Integer(0),), tuple(switch_arguments(claim, symbol) + switch_arguments(truth, symbol)))
    statuses: list[tuple[str, str]] = []
    if not bps.unsolved:
        left = start + budget / 2 - time.monotonic()
        decided, result = _bounded(_symbolic, left, claim, truth, bps.points, symbol, skip)
        if decided:
            statuses = result
    if statuses and all(s == "equal" for _, s in statuses):
        return verdict(True, "symbolic", statuses=statuses)
    region_list = _regions_from(bps.points)
    different = [r for r in region_list if (str(r), "different") in statuses]
    # The sampling is what decides: it keeps half the budget even when the steps before overran
    # (a timer signal landing in a garbage-collector callback is swallowed, and repeats take a while).
    deadline = max(deadline, time.monotonic() + budget / 2)
    soft = deadline - min(0.2, budget / 10)  # stop sampling in time to report what was covered
    finished, outcome = _bounded(_numeric, deadline - time.monotonic(), claim, truth, bps, different, soft, symbol, skip)
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
        claimed, true = _value(claim, point, DIGITS, symbol), _value(truth, point, DIGITS, symbol)
        example = _counterexample(claim, truth, point, claimed, true, deadline, DIGITS, symbol=symbol)
        return verdict(False, "symbolic", example, statuses=statuses, coverage=coverage)
    if stopped or coverage.failed_count:
        why = []
        if stopped:
            why.append(f"the {budget:g} s budget ran out after {coverage.points} of {coverage.total} points")
        if coverage.failed_count:
            why.append(f"{coverage.failed_count} point(s) could not be decided, e.g. w = {coverage.failed[0]}")
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


def _counterexample(claim, truth, point, claimed, true, deadline: float, digits: int = 20,
                    symbol: sp.Symbol = W) -> Counterexample:
    # Past the deadline, still show the point: the values are already known.
    grace = max(deadline, time.monotonic() + 1.0)
    if claimed is not None and not isinstance(_complex(claimed), complex) and true is not None:
        # Enough digits to see the difference: a relative 1e-24 needs 27.
        scale = sp.Max(sp.Abs(claimed), sp.Abs(true)).evalf(DIGITS)
        relative = (sp.Abs(claimed - true) / scale).evalf(DIGITS) if scale != 0 else sp.Integer(1)
        if relative > 0:
            digits = max(digits, min(DIGITS, 3 - math.floor(float(mpmath.log10(mpmath.mpf(sp.Float(relative, 20)._mpf_))))))
    exact = []
    for expr, approx in ((claim, claimed), (truth, true)):
        value = None
        if approx is not None and not isinstance(_complex(approx), complex):
            ok, value = _bounded(_exact_value, min(0.5, grace - time.monotonic()), expr, point, symbol)
            value = value if ok else None
        exact.append(value)
    return Counterexample(
        w=_number_text(point),
        claimed=_shown(claimed, exact[0], digits),
        true=_shown(true, exact[1], digits),
        w_value=float(point),
        claimed_value=_complex(claimed),
        true_value=float(_complex(true)),
        w_exact=_exact_text(point),
        claimed_exact=_exact_text(exact[0]),
        true_exact=_exact_text(exact[1]),
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
    prox_claim = None if prox is None else _parse_prox_claim(prox)
    if not expressions and not limit_claims and prox_claim is None:
        raise InputError("nothing to verify: give --penalty, --gradient, --curvature, --limit or --prox")
    from lksym.derivation.penalty import parse_subject

    subject = parse_subject(k)
    if subject.family != "power":
        return _verify_penalty(subject, expressions, limit_claims, prox_claim, float(budget))
    k_value = subject.k
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


def _verify_penalty(subject, expressions, limit_claims, prox_claim, budget: float) -> VerifyResult:
    """The same checks for a penalty other than :math:`|w|^k`: its derived (Piecewise) expressions are the truth."""
    ok, analysis = _bounded(analyze, ANALYSIS_BUDGET, subject)
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
        verdicts.append(_check_penalty_prox(analysis, *prox_claim))
    return VerifyResult(None, tuple(verdicts), subject.text)


def _check_penalty_prox(analysis, text: str, claim: sp.Expr) -> Verdict:
    """A prox claim for any penalty, held against :func:`lksym.numerics.prox_check.check_prox` (the global minimiser).

    The claim is a parsed SymPy expression (never user code), evaluated with mpmath at each (z, lam)
    of check_prox's grid: thresholds, both sides of every breakpoint and of every condition in lam.
    """
    import mpmath

    from lksym.derivation.symbols import LAM
    from lksym.numerics.prox_check import check_prox

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


# --------------------------------------------------------------------------- proximal-operator claims

PROX_Z = sp.Symbol("z", real=True)
"""The ``z`` of a ``--prox`` claim: real, so ``sign(z)`` and ``abs(z)`` survive parsing."""

PROX_LAMS = (sp.Rational(1, 10), sp.Rational(1, 2), sp.Integer(1), sp.Integer(2))
"""The penalty weights a prox claim is evaluated at."""

PROX_DIGITS = 30
"""Digits at which a prox claim is evaluated (the truth is a float: see :data:`PROX_TOLERANCE`)."""

PROX_TOLERANCE = 1e-9
"""Relative tolerance: ``|claimed - true| <= 1e-9 * (|true| + 1e-30 |z|)``, the truth being
:func:`lksym.derivation.prox.prox_numeric` (a float bisection).  Relative, not absolute: at z = 1e-300 an
absolute 1e-9 would let any claim near 0 pass.  Far points are planned only where the float
truth is representable (:func:`_float_safe`)."""

PROX_FAR_LAMS = tuple(sp.Integer(10) ** e for e in (-300, -100, -20, -6, 6, 20, 100, 300))
"""Far penalty weights, besides :data:`PROX_LAMS`: the claim must hold for every lam > 0."""

PROX_Z_EXPONENTS = tuple(range(-250, 251, 25))
"""|z| = m 10^e for these e at every lam (every other one at the far lam), where
:func:`_float_safe` (floats bound the truth)."""


def _parse_prox_claim(text) -> tuple[str, sp.Expr]:
    from lksym.derivation.symbols import LAM

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
    from lksym.derivation.prox import prox_closed_form, prox_threshold

    return prox_threshold(k), prox_closed_form(k)


def _prox_points(threshold: sp.Expr, k: sp.Expr = sp.Integer(1)) -> list[tuple[sp.Expr, sp.Expr]]:
    """(z, lam) pairs, nice ones first: both signs, inside and outside the threshold, tiny to large;
    then far lam (:data:`PROX_FAR_LAMS`) and |z| swept from 1e-300 to 1e300 at every lam."""
    from lksym.derivation.symbols import LAM

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
    sweep = [p for p in _sweep(-300, 300) if p > 0]
    sweep = [p for p in sweep if _decade(p) in PROX_Z_EXPONENTS]
    for lam in PROX_LAMS + PROX_FAR_LAMS:
        t = threshold.subs(LAM, lam)
        if lam in PROX_FAR_LAMS:
            sweep = [p for p in sweep if _decade(p) % 50 == 0]  # half as dense at the far lam: time
        near = [] if t == 0 else [t * (1 - d) for d in (sp.Rational(1, 10), sp.Rational(1, 10**6))] + \
            [t * (1 + d) for d in (sp.Rational(1, 10), sp.Rational(1, 10**6))]
        for z in near + sweep:
            if _float_safe(k, z, lam):
                points += [(z, lam), (-z, lam)]
    return list(dict.fromkeys(points))


def _float_safe(k: sp.Expr, z: sp.Expr, lam: sp.Expr) -> bool:
    """Whether :func:`prox_numeric` (floats) can be trusted at (z, lam): z, lam and every term of
    its stationarity function stay within 1e-250 .. 1e250, and so does the root it seeks."""
    lz, ll, kf = _log10(sp.Float(z.evalf(20), 20)), _log10(sp.Float(lam, 20)), float(k)
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
    from lksym.derivation.symbols import LAM

    value = claim.evalf(digits, subs={PROX_Z: z, LAM: lam}, maxn=_MAXN)
    if isinstance(value, sp.Basic) and value.free_symbols:
        at = {PROX_Z: sp.Float(z.evalf(digits + 10), digits + 10), LAM: sp.Float(lam.evalf(digits + 10), digits + 10)}
        value = claim.subs(at).evalf(digits)
    if not isinstance(value, sp.Expr) or not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    return value


def _prox_agrees(claimed: Optional[sp.Expr], true: float, z: float) -> bool:
    if claimed is None:
        return False
    real, imag = claimed.as_real_imag()
    scale = PROX_TOLERANCE * (abs(true) + 1e-30 * abs(z))
    try:
        if abs(true) < 1e-280 and abs(float(real)) < 1e-270 and abs(float(imag)) < 1e-270:
            return True  # both below what the float truth resolves
        return abs(float(imag)) <= scale and abs(float(real) - true) <= scale
    except TypeError:
        return False


def _prox_scan(k: sp.Expr, claim: sp.Expr, threshold: sp.Expr, soft_deadline: float):
    """``(found, coverage, stopped)``: the first confirmed (z, lam, claimed, true) where the claim
    differs from :func:`prox_numeric`, or None; what was sampled; whether the budget stopped it."""
    from lksym.derivation.prox import prox_numeric

    points = _prox_points(threshold, k)
    checked, failed, found, stopped = 0, [], None, False
    try:
        with budget.deadline(max(soft_deadline - time.monotonic(), 1e-3)):
            for z, lam in points:
                if time.monotonic() > soft_deadline:
                    raise budget.Timeout()
                try:
                    true = prox_numeric(k, float(lam), float(z))
                    claimed = _prox_value(claim, z, lam)
                except Exception:  # noqa: BLE001 - not evaluable here: this point decides nothing
                    failed.append((z, lam))
                    continue
                if not math.isfinite(true):
                    failed.append((z, lam))
                elif _prox_agrees(claimed, true, float(z)):
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
        failed=tuple(f"z = {_number_text(z)}, lam = {_number_text(lam)}" for z, lam in failed[:5]),
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
    from lksym.derivation.symbols import Z

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


def _prox_counterexample(claim, z, lam, claimed, true: float) -> Counterexample:
    if claimed is None:
        claimed_text, claimed_value = "undefined", None
    else:
        claimed_value = _complex(claimed)
        if isinstance(claimed_value, complex) and abs(claimed_value.imag) > 0:
            claimed_text = f"non-real ({sp.sstr(sp.N(claimed, 15))})"
        else:
            claimed_value = float(sp.re(claimed))
            claimed_text = _prox_number_text(sp.re(claimed))
    exact = None
    if claimed is not None and not isinstance(claimed_value, complex):
        ok, exact = _bounded(_prox_exact, 0.5, claim, z, lam)
        exact = exact if ok else None
    return Counterexample(
        w=_number_text(z),
        claimed=claimed_text,
        true=repr(true),
        w_value=float(z),
        claimed_value=claimed_value,
        true_value=true,
        lam=_number_text(lam),
        lam_value=float(lam),
        w_exact=_exact_text(z),
        claimed_exact=_exact_text(exact),
        true_exact=None,  # the truth is a float bisection (prox_numeric): no exact value to give
        lam_exact=_exact_text(lam),
    )


def _prox_exact(claim: sp.Expr, z: sp.Expr, lam: sp.Expr) -> Optional[sp.Expr]:
    from lksym.derivation.symbols import LAM

    value = sp.simplify(claim.subs({PROX_Z: z, LAM: lam}))
    if not value.is_number or value.has(sp.nan, sp.zoo) or value.is_real is not True:
        return None
    return value


def _check_prox(k: sp.Expr, text: str, claim: sp.Expr, budget: float) -> Verdict:
    start = time.monotonic()
    deadline = start + budget
    ok, derived = _bounded(_derive_prox, ANALYSIS_BUDGET, k)
    if not ok:
        raise InputError(f"k = {sp.sstr(k)[:40]}: the proximal operator is too costly to derive")
    threshold, closed = derived
    # "0 for |z| <= 0" would be true but puzzling (k > 1): say what maps to 0, as the summary does.
    zero_text = ("only z = 0 maps to 0" if threshold == 0 else f"0 for |z| <= {sp.sstr(threshold)}") + ", odd in z"
    if closed is None:
        truth_text = f"numeric only ({zero_text})"
    else:
        truth_text = f"{sp.sstr(closed)} for z > {sp.sstr(threshold)} ({zero_text})"

    def verdict(holds, method, counterexample=None, note=None, coverage=None):
        return Verdict("prox", "prox", text, None, holds, method, truth_text, counterexample, note, (), coverage)

    proved = False
    if closed is not None:
        decided, proved = _bounded(_prox_branch_zero, budget / 2, claim, closed, threshold)
        proved = bool(decided and proved)
    deadline = max(deadline, time.monotonic() + budget / 2)  # the numeric half keeps its half (see _check_expression)
    soft = deadline - min(0.2, budget / 10)
    finished, outcome = _bounded(_prox_scan, deadline - time.monotonic(), k, claim, threshold, soft)
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
