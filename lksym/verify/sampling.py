"""Sampling the whole line: where claims are evaluated, at what precision, and what was covered."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Optional, Sequence

import mpmath
import sympy as sp

from lksym import budget
from lksym.derivation.symbols import W

DIGITS = 50
"""Significant digits of the numeric comparison."""

TOLERANCE_DIGITS = 45
"""Claim and truth, each evaluated to :data:`DIGITS` digits, differ once their relative difference
exceeds ``10**-TOLERANCE_DIGITS`` (confirmed at three times the digits): within that is agreement."""

_TOLERANCE = sp.Float(f"1e-{TOLERANCE_DIGITS}", DIGITS)

CERTIFIED_DIGITS = 100
"""At the nice points (:data:`CERTIFIED_POINTS`) and inside every region, ``claim - truth`` is
evaluated as one expression (evalf follows the cancellation): a difference evalf can tell from 0
is a counterexample, and agreement means it is below ``10**-CERTIFIED_DIGITS`` of the values."""

_CERTIFY_MAXN = CERTIFIED_DIGITS + 40


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

CERTIFIED_POINTS = frozenset(SAMPLE_POINTS[:16])
"""The nice points (+-1, +-2, +-1/2, +-3, +-1/3, +-3/2, +-5, +-1/10) where the difference is certified."""


MAX_DIGITS = 2000
"""Digits evalf may climb to when terms cancel (``(w+1)^2 - w^2`` at w = 1e300 needs ~600)."""


def value_at(expr: sp.Expr, point: sp.Expr, digits: int = DIGITS, symbol: sp.Symbol = W) -> Optional[sp.Expr]:
    """``expr`` at ``point`` to ``digits`` digits, or None when undefined.

    The exact point goes to evalf as a substitution: no exact power is built,
    and cancelling terms are recomputed at higher precision (up to :data:`MAX_DIGITS`)."""
    value = expr.evalf(digits, subs={symbol: point}, maxn=MAX_DIGITS)
    if isinstance(value, sp.Basic) and value.free_symbols:  # a function evalf could not substitute into
        at = sp.Float(point.evalf(digits + 10), digits + 10)
        value = expr.subs(symbol, at).evalf(digits)
        if isinstance(value, sp.Basic) and value.free_symbols:
            raise ValueError("not evaluable at a number")
    if not isinstance(value, sp.Expr) or not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    return value


_PLAIN = sp.Float("1e-25", DIGITS)
"""A relative difference below this is wrong but hard to read: the sampling looks on for a plainer
counterexample (``2*w + 1e-30`` is shown at w = 1e-12, not at w = 1) and falls back on the first."""


def agrees(claimed: Optional[sp.Expr], true: sp.Expr, tolerance: sp.Float = _TOLERANCE) -> bool:
    """Whether ``claimed`` is within a relative ``tolerance`` of ``true`` (both SymPy numbers)."""
    if claimed is None:
        return False
    if isinstance(claimed, sp.Float) and isinstance(true, sp.Float):
        # The common case in mpmath directly (SymPy's Abs and Max cost milliseconds a point).
        with mpmath.workdps(DIGITS):
            a, b = mpmath.mpf(claimed._mpf_), mpmath.mpf(true._mpf_)
            return bool(abs(a - b) <= mpmath.mpf(tolerance._mpf_) * max(abs(a), abs(b)))
    # SymPy Floats, not Python floats: values beyond 1e308 must not become inf and compare equal.
    difference = sp.Abs(claimed - true).evalf(DIGITS)
    scale = sp.Max(sp.Abs(claimed), sp.Abs(true)).evalf(DIGITS)
    return bool(difference <= tolerance * scale)


# --------------------------------------------------------------------------- whole-line sampling

SWEEP_EXPONENT = 300
r"""|w| is sampled log-uniformly over at least :math:`10^{-300} .. 10^{300}`, and 30 decades
beyond the smallest and largest constant of truth and claim (capped at :data:`MAX_SWEEP_EXPONENT`)."""

MAX_SWEEP_EXPONENT = 1000

DENSE_EXPONENT = 20
r"""Three points per decade for :math:`10^{-20} \le |w| \le 10^{20}`, one per decade beyond."""

BREAKPOINT_OFFSETS = (sp.Rational(1, 10), sp.Rational(1, 10**6), sp.Rational(1, 10**20))
"""Relative distances of the points sampled on both sides of every breakpoint b != 0: b(1 +- d)."""

PROX_FAR_LAMS = tuple(sp.Integer(10) ** e for e in (-300, -100, -20, -6, 6, 20, 100, 300))
"""Far penalty weights, besides :data:`PROX_LAMS`: the claim must hold for every lam > 0."""

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
    unsampled
        Regions (as ``"(lo, hi)"``) with no agreeing sample strictly inside: the
        claim is then UNDECIDED, never OK.
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
    unsampled: tuple[str, ...] = ()

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
            **({"regions_unsampled": list(self.unsampled)} if self.variable == "w" else {}),
            **({"lam_from": f"1e{int(math.log10(PROX_FAR_LAMS[0]))}", "lam_to": f"1e+{int(math.log10(PROX_FAR_LAMS[-1]))}"}
               if self.variable == "z" else {}),
        }


def log10_of(number: sp.Number) -> Optional[float]:
    if number == 0 or not number.is_finite:
        return None
    if number.is_Rational:
        return math.log10(abs(number.p)) - math.log10(number.q)
    return float(mpmath.log10(abs(mpmath.mpf(sp.Float(number, 20)._mpf_))))


def _exponent_range(exprs: Iterable[sp.Expr], points: Iterable[sp.Expr]) -> tuple[int, int]:
    logs = [log10_of(n) for e in exprs for n in e.atoms(sp.Number)]
    logs += [log10_of(sp.Float(p.evalf(20), 20)) for p in points if p != 0]
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
        value = value_at(u, point, 30, symbol)
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


def certified_difference(claim: sp.Expr, truth: sp.Expr, point: sp.Expr, scale: sp.Expr,
                         symbol: sp.Symbol = W) -> str:
    r"""``"agree"``, ``"differ"`` or ``"unknown"``: ``claim - truth`` at ``point`` as one evalf.

    SymPy's evalf tracks the accuracy of every sum and raises its working precision
    (up to :data:`CERTIFIED_DIGITS` + 40 digits) when terms cancel.  A result with
    accurate digits is a nonzero difference, however small (``10^-60 sin(w)``):
    "differ".  A result that stayed indistinguishable from 0 comes back as a "scaled
    zero", a bound on its size: "agree" when that bound is below
    ``10**-CERTIFIED_DIGITS * scale``, else "unknown".

    Examples
    --------
    >>> certified_difference(2*W + sp.sin(W) / 10**60, 2*W, sp.Integer(1), sp.Integer(2))
    'differ'
    >>> certified_difference(sp.log(W**3), 3*sp.log(W), sp.Integer(2), sp.Integer(2))
    'agree'
    """
    value = (claim - truth).evalf(15, subs={symbol: point}, maxn=_CERTIFY_MAXN)
    if not isinstance(value, sp.Expr) or not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return "unknown"
    if value == 0:
        return "agree"
    bound = 0
    for part in value.as_real_imag():
        if part == 0:
            continue
        if not isinstance(part, sp.Float):
            return "unknown"
        if part._prec >= 10:  # accurate bits: a difference, not a rounding bound
            return "differ"
        bound = max(bound, 2 * abs(part))  # a scaled zero: |part| is at most about its magnitude
    limit = sp.Float(10, DIGITS) ** -CERTIFIED_DIGITS * scale
    return "agree" if bound <= limit else "unknown"


def region_interiors(points: Sequence[sp.Expr]) -> list[tuple[str, list[sp.Expr]]]:
    """For every open region between consecutive ``points`` (sorted), its text and exact points strictly inside.

    Bounded regions get their midpoint and the points a thousandth of their width from
    each end, however narrow (``(1, 1 + 10^-30)``); the two unbounded ones a point 1 and
    one farther beyond their end.

    Examples
    --------
    >>> region_interiors([sp.Integer(0), sp.Integer(1)])[1]
    ('(0, 1)', [1/2, 1/1000, 999/1000])
    """
    edges = [-sp.oo, *points, sp.oo]
    out = []
    for a, b in zip(edges, edges[1:]):
        if a == -sp.oo:
            inside = [b - 1, b - 1 - 2 * abs(b)]
        elif b == sp.oo:
            inside = [a + 1, a + 1 + 2 * abs(a)]
        else:
            inside = [(a + b) / 2, a + (b - a) / 1000, b - (b - a) / 1000]
        out.append((f"({sp.sstr(a)}, {sp.sstr(b)})", list(dict.fromkeys(inside))))
    return out


def _confirmed(claim, truth, point, claimed, symbol) -> bool:
    """Whether a difference survives evaluation at three times the digits (not a rounding artefact)."""
    try:
        claimed_high = value_at(claim, point, 3 * DIGITS, symbol)
        true_high = value_at(truth, point, 3 * DIGITS, symbol)
    except Exception:  # noqa: BLE001
        return False
    if true_high is None or agrees(claimed_high, true_high):
        return False
    if claimed is None or claimed_high is None:
        return claimed is None and claimed_high is None
    return agrees(claimed, claimed_high)


def sample_line(claim, truth, bps, first: Sequence, soft_deadline: float, symbol: sp.Symbol,
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
    edges = sorted([*bps.points, *located], key=lambda p: (float(p), sp.default_sort_key(p)))
    interiors = region_interiors(edges)
    inner = [p for _, inside in interiors for p in inside]
    certify = CERTIFIED_POINTS | set(inner)
    for b in [*bps.points, *located]:
        if b != 0:
            planned += _near(b)
    planned += inner  # after the points next to breakpoints: the counterexamples shown stay the plain ones
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

    checked, failed, stopped, found, agreed, checked_tiny = 0, [], False, None, set(), None
    try:
        # One evaluation can be slow (exp(exp(w)) at w = 1e6 builds a 340000-digit exponent): the
        # timer stops the sampling itself, so what was covered can still be reported.
        with budget.deadline(max(soft_deadline - time.monotonic(), 1e-3)):
            for point in points:
                if time.monotonic() > soft_deadline:
                    raise budget.Timeout()
                try:
                    true = value_at(truth, point, DIGITS, symbol)
                    claimed = value_at(claim, point, DIGITS, symbol) if true is not None else None
                except Exception:  # noqa: BLE001 - not evaluable here: this point decides nothing
                    true = None
                if true is None:
                    failed.append(point)
                    continue
                if agrees(claimed, true):
                    status = "agree"
                    if point in certify and checked_tiny is None:  # already known wrong: no need
                        scale = sp.Max(sp.Abs(claimed), sp.Abs(true)).evalf(DIGITS)
                        try:
                            status = certified_difference(claim, truth, point, scale, symbol)
                        except Exception:  # noqa: BLE001 - evalf failing: this point decides nothing
                            status = "unknown"
                    if status == "agree":
                        checked += 1
                        agreed.add(point)
                    elif status == "differ":
                        # Wrong, by less than 50 digits show: keep looking for a point where the
                        # difference is plain to see, and fall back on this one.
                        checked_tiny = checked_tiny or (point, claimed, true)
                    else:
                        failed.append(point)
                    continue
                if checked_tiny is not None and agrees(claimed, true, _PLAIN):
                    continue  # another hair's-breadth difference: only a plain one is still sought
                if _confirmed(claim, truth, point, claimed, symbol):
                    if agrees(claimed, true, _PLAIN):
                        checked_tiny = checked_tiny or (point, claimed, true)  # as above: look for a plainer one
                        continue
                    found = (point, claimed, true)
                    break
                failed.append(point)
    except budget.Timeout:
        stopped = found is None
    if found is None and checked_tiny is not None:
        found, stopped = checked_tiny, False
    coverage = Coverage(
        points=checked,
        total=len(points),
        exponents=(lo, hi),
        breakpoints=tuple(sp.sstr(b) for b in bps.points),
        located=tuple(number_text(b) for b in located),
        failed=tuple(number_text(p) for p in failed[:5]),
        failed_count=len(failed),
        unsampled=tuple(where for where, inside in interiors if not agreed.intersection(inside)),
    )
    return found, coverage, stopped


def number_text(value: sp.Expr, digits: int = 20) -> str:
    """A number as readers want it: exact when short (``-1``, ``3/2``), else a float with ``digits`` digits."""
    if value.is_Rational and len(sp.sstr(value)) <= 7:
        return sp.sstr(value)
    work = max(DIGITS, digits + 5)
    with mpmath.workdps(work):
        return mpmath.nstr(mpmath.mpf(sp.Float(sp.re(value).evalf(work), work)._mpf_), digits, min_fixed=-5, max_fixed=7)
