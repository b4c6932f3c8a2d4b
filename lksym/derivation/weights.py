r"""The weights where a penalty's gradient crosses a level: dead zone, overshoot, crossovers with L1 and L2,
bands, and gradient descent's two-cycle, for any penalty from its exact pieces (:func:`penalty_gd_facts`).

A fact with no single exact answer is left out with the reason (``omitted``), never the whole analysis.
The records (:class:`Crossover`, :class:`Overshoot`, :class:`Band`) are shared with the power family's
facts (:mod:`lksym.derivation.power_facts`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import sympy as sp

from lksym.derivation.breakpoints import infimum_on, one_sided_limit, too_fine
from lksym.derivation.exact import PROBE_DIGITS, decide, to_float, value_order
from lksym.derivation.gd import GradientDescent, decay_near_zero
from lksym.derivation.parts import probe_at, probe_number
from lksym.derivation.symbols import ALPHA, ETA, TAU, X
from lksym.errors import InputError


@dataclass(frozen=True)
class Crossover:
    """Where the gradient magnitude of :math:`|w|^k` meets that of a reference.

    Attributes
    ----------
    reference
        ``"L1"`` (:math:`|w|`) or ``"L2"`` (:math:`|w|^2`).
    weight
        The exact :math:`|w| > 0` where the magnitudes are equal, or ``None``
        when they never are (or are equal everywhere).
    identical
        The two penalties are the same.
    stronger_below
        Which gradient is larger for :math:`|w|` below ``weight``: ``"Lk"`` or
        the reference; ``None`` when identical.
    """

    reference: str
    weight: Optional[sp.Expr]
    identical: bool
    stronger_below: Optional[str]

    def sides(self, name: str) -> tuple[str, str]:
        """Who pulls harder below the crossing and who above it, with ``name`` for the penalty itself.

        Examples
        --------
        >>> Crossover("L1", sp.Rational(4, 9), False, "L1").sides("L1.5")
        ('L1', 'L1.5')
        """
        mine = self.stronger_below == "Lk"
        return (name, self.reference) if mine else (self.reference, name)


@dataclass(frozen=True)
class Overshoot:
    r"""Where one plain gradient step :math:`w \mapsto w - \eta f'(w)` jumps across 0.

    The step overshoots when :math:`\eta |f'(w)| > |w|`.

    Attributes
    ----------
    weight
        The :math:`|w|` where :math:`\eta |f'(w)| = |w|`, in the positive symbol
        ``eta``; ``None`` when no single weight separates the two behaviours.
    side
        ``"below"``: weights smaller than ``weight`` overshoot; ``"above"``:
        larger ones do; ``None`` with ``weight`` ``None``.
    step_limit
        When ``weight`` is ``None``: the step size above which *every* weight
        overshoots (1/2 for L2), else ``None``.
    """

    weight: Optional[sp.Expr]
    side: Optional[str]
    step_limit: Optional[sp.Expr]


@dataclass(frozen=True)
class Band:
    """An interval of :math:`|w|` with a fixed order of the three gradient magnitudes.

    ``order`` lists ``"L1"``, ``"L2"`` and ``"Lk"`` from the weakest to the
    strongest pull toward 0 on ``(lo, hi)``; ``hi`` is ``oo`` for the last band.
    ``ties`` names pairs that are equal throughout (when k is 1 or 2).
    """

    lo: sp.Expr
    hi: sp.Expr
    order: tuple[str, str, str]
    ties: tuple[tuple[str, str], ...]


# --------------------------------------------------------------------------- dead zone, overshoot, crossovers, gd of any penalty


class _NotExact(Exception):
    """A fact of a penalty has no single exact answer lksym can give; the message says why (for ``omitted``)."""


_LEVEL = sp.Symbol("level", positive=True)
"""The level c a monotone piecewise h(x) is cut at: tau/alpha, 1/eta or 2/eta."""


def _interval_text(lo: sp.Expr, hi: sp.Expr) -> str:
    return f"{sp.sstr(lo)} < |w|" + ("" if hi == sp.oo else f" <= {sp.sstr(hi)}")


def _direction(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> Optional[int]:
    """How ``expr`` (in x) moves on (lo, hi): 0 constant, +1 nondecreasing, -1 nonincreasing, ``None`` neither or undecided."""
    slope = sp.cancel(sp.diff(expr, X))
    if slope == 0:
        return 0
    signs = _rational_signs(slope, lo, hi)
    if signs is not None:
        return 1 if min(signs) >= 0 else (-1 if max(signs) <= 0 else None)
    try:
        if decide(infimum_on(slope, lo, hi) >= 0):
            return 1
        if decide(infimum_on(-slope, lo, hi) >= 0):
            return -1
    except (InputError, TypeError, ValueError, NotImplementedError):
        return None
    return None


def direction(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> Optional[int]:
    """How ``expr`` (in x) moves on (lo, hi): 0 constant, +1 nondecreasing, -1 nonincreasing, ``None`` undecided.

    Examples
    --------
    >>> direction(-1 / (1 + X) ** 2, sp.S.Zero, sp.oo), direction(sp.sin(X), sp.S.Zero, sp.oo)
    (1, None)
    """
    return _direction(expr, lo, hi)


def _rational_signs(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> Optional[list]:
    """Signs of a rational function of x between its real zeros and poles in (lo, hi), or ``None`` if not rational.

    A rational function keeps its sign between consecutive real roots of its numerator and denominator,
    which :func:`sympy.real_roots` isolates exactly: one probe per gap decides it (far cheaper than solveset).
    """
    if not expr.is_rational_function(X):
        return None
    numerator, denominator = sp.fraction(sp.together(expr))
    cuts = set()
    for poly in (numerator, denominator):
        if poly.has(X):
            cuts |= {r for r in sp.real_roots(sp.Poly(poly, X)) if decide(r > lo) and (hi == sp.oo or decide(r < hi))}
    edges = [lo, *sorted(cuts, key=value_order), hi]
    signs = []
    for a, b in zip(edges, edges[1:]):
        probe = (to_float(a) + to_float(b)) / 2 if b != sp.oo else to_float(a) + 1
        value = probe_at(expr, probe)
        signs.append(0 if value == 0 else (1 if value > 0 else -1))
    return signs


def _monotone_pieces(pieces: list, what: str) -> tuple[int, list]:
    """The direction of a piecewise h over (0, oo) (jumps at breakpoints included) and each piece's own.

    ``pieces`` are ``(h_i, lo_i, hi_i)``.  Raises :class:`_NotExact` when h is not monotone.
    """
    directions = [_direction(h, lo, hi) for h, lo, hi in pieces]
    for d, (h, lo, hi) in zip(directions, pieces):
        if d is None:
            raise _NotExact(f"{what} is not monotone on {_interval_text(lo, hi)} (or SymPy cannot decide it there)")
    for (h0, _, b), (h1, _, _) in zip(pieces, pieces[1:]):
        step = sp.simplify(one_sided_limit(h1, b, "+") - one_sided_limit(h0, b, "-"))
        directions.append(0 if step == 0 else (1 if decide(step > 0) else -1))
    moving = {d for d in directions if d != 0}
    if len(moving) > 1:
        raise _NotExact(f"{what} rises on some |w| and falls on others, so the set is a union of intervals")
    return (moving.pop() if moving else 0), directions[: len(pieces)]


_T = sp.Symbol("t", positive=True)


def _in_power_of_x(expr: sp.Expr) -> Optional[tuple[sp.Poly, sp.Rational]]:
    r"""``expr`` as a polynomial in :math:`t = x^g` (g the largest rational dividing every exponent), or ``None``.

    A sum of powers of x with rational exponents: :math:`20 x^{13/10} + 7 - 10 c\, x^{13/10}` is linear in
    :math:`t = x^{13/10}`, and :math:`|w|^{1/2} + |w|` gives a cubic in :math:`t = x^{1/2}`.  Handed to
    ``solve`` as it is, the same equation became one of degree 13 in :math:`x^{1/10}` (20 s).

    Examples
    --------
    >>> c = sp.Symbol("c")
    >>> poly, g = _in_power_of_x(20 * X**sp.Rational(13, 10) + 7 - 10 * c * X**sp.Rational(13, 10))
    >>> poly.as_expr(), g
    (t*(20 - 10*c) + 7, 13/10)
    """
    terms = sp.Add.make_args(sp.expand(expr))
    exponents = []
    for term in terms:
        coefficient, exponent = term.as_coeff_exponent(X)
        if coefficient.has(X) or not exponent.is_Rational or exponent < 0:
            return None
        exponents.append(exponent)
    nonzero = [e for e in exponents if e != 0]
    if not nonzero:
        return None
    g = sp.Rational(functools.reduce(math.gcd, [int(e.p) for e in nonzero]), math.lcm(*[int(e.q) for e in nonzero]))
    body = sp.Add(*[term.as_coeff_exponent(X)[0] * _T ** (e / g) for term, e in zip(terms, exponents)])
    return sp.Poly(body, _T), g


def _level_root(h: sp.Expr, lo: sp.Expr, hi: sp.Expr, start: sp.Expr, end: sp.Expr) -> sp.Expr:
    """The x in (lo, hi] with h(x) = level, for a strictly monotone piece whose values run from start to end."""
    a, b = sorted((start, end), key=lambda v: float(v) if v.is_finite else (float("inf") if v == sp.oo else -float("inf")))
    a = sp.Max(a, 0)
    if b == sp.oo:
        samples = [a + 1, a + 10] if a.is_finite else [sp.S(1), sp.S(10)]
    else:
        samples = [a + (b - a) / 3, a + 2 * (b - a) / 3]
    numerator = sp.fraction(sp.together(h - _LEVEL))[0]
    try:
        powers = _in_power_of_x(numerator)
        if powers is not None:  # a polynomial in t = x**g: sp.roots is far quicker than solve
            poly, g = powers
            candidates = [root ** (1 / g) for root in sp.roots(poly)]
        else:
            candidates = sp.solve(h - _LEVEL, X)
    except (NotImplementedError, TypeError, ValueError, sp.PolynomialError):
        candidates = []
    found = []
    for root in candidates:
        ok = True
        for c in samples:
            value = sp.N(root.subs(_LEVEL, c), PROBE_DIGITS)
            if not value.is_real or not (sp.N(lo, PROBE_DIGITS) < value <= sp.N(hi, PROBE_DIGITS) * (1 + sp.Float(1e-25))):
                ok = False
                break
        if ok:
            found.append(root)
    if len(found) != 1:
        raise _NotExact(f"SymPy finds no single exact root of {sp.sstr(h)} = c on {_interval_text(lo, hi)}")
    return found[0]


def _level_clauses(pieces: list, direction: int, directions: list) -> list:
    r"""Where a monotone piecewise h(x) crosses the level c, as ordered clauses ``(x(c), bound, strict)``.

    For nondecreasing h (``direction`` >= 0) the first clause with :math:`c \le` bound (``<`` when strict)
    gives :math:`d(c) = \inf\{x : h(x) \ge c\}`, so :math:`h < c` exactly on :math:`(0, d)`; for
    nonincreasing h the first with :math:`c \ge` bound (``>``) gives :math:`s(c) = \sup\{x : h(x) > c\}`,
    so :math:`h > c` exactly on :math:`(0, s)`.  Past every clause x is :math:`\infty`.  Each root clause
    also carries its own range of c, ``(x(c), bound, strict, start)``: c strictly past ``start``.
    """
    clauses = [(sp.S.Zero, one_sided_limit(pieces[0][0], pieces[0][1], "+"), False, None)]
    previous = None
    for (h, lo, hi), d in zip(pieces, directions):
        start, end = one_sided_limit(h, lo, "+"), one_sided_limit(h, hi, "-")
        if previous is not None and sp.simplify(start - previous) != 0:
            clauses.append((lo, start, False, None))  # h jumps at lo: c between the two sides stops there
        if d != 0:
            clauses.append((_level_root(h, lo, hi, start, end), end, hi == sp.oo, start))
        previous = end
    return clauses


def _level_condition(up: bool, bound: sp.Expr, strict: bool, level: sp.Expr, eta: Optional[sp.Symbol]):
    """``level <= bound`` (``up``: h nondecreasing) or ``level >= bound`` (h nonincreasing), in the parameter.

    The level is positive: tau/alpha (``eta`` None; written ``tau <= bound*alpha``) or m/eta (written
    ``eta >= m/bound``); strict relations where ``strict``.
    """
    if bound == sp.oo:
        return sp.true if up else sp.false
    if bound == -sp.oo or decide(bound <= 0):  # bound <= 0 < level
        return sp.false if up else sp.true
    if eta is None:
        rel = (sp.Lt if strict else sp.Le) if up else (sp.Gt if strict else sp.Ge)
        return rel(TAU, bound * ALPHA)
    m = sp.cancel(level * eta)
    rel = (sp.Gt if strict else sp.Ge) if up else (sp.Lt if strict else sp.Le)
    return rel(eta, m / bound)


def _tidy(expr: sp.Expr, radicals: bool = True) -> sp.Expr:
    """A short form: a rational function factored; a short radical one with surds gathered (unless not ``radicals``).

    The shortest of ``radsimp`` after ``together``, ``radsimp``, then ``cancel`` (or the expression as built):
    ``tau*sqrt(-1/(-1 + tau/alpha))/(alpha*sqrt(1 + tau/alpha))`` becomes ``tau*sqrt(1/(alpha - tau))/sqrt(alpha + tau)``,
    as ``simplify`` gives, at a hundredth of its cost (and ``simplify``'s first call imports ``sympy.physics.units``,
    0.1 s more).
    """
    if expr.is_rational_function():
        return sp.factor(expr)
    if radicals and sp.count_ops(expr) <= TIDY_OPS:
        gathered = sp.radsimp(expr)
        return min((sp.radsimp(sp.together(expr)), gathered, sp.cancel(gathered), expr), key=sp.count_ops)
    return expr


TIDY_OPS = 30
"""Largest radical expression :func:`_tidy` rewrites (longer ones are left as built)."""


@lru_cache(maxsize=64)
def _crossing_shape(pieces: tuple, what: str) -> tuple[int, tuple, tuple]:
    # Which way h moves and where it meets a level depend on h alone: the overshoot (level 1/eta) and the
    # two-cycle (2/eta) of the same |p'(w)|/|w| share them, and they are SymPy's dearest part of both.
    direction, directions = _monotone_pieces(list(pieces), what)
    return direction, tuple(directions), tuple(_level_clauses(list(pieces), direction, directions))


def _level_piecewise(pieces: list, level: sp.Expr, solve_for: Optional[sp.Symbol], what: str,
                     roots_only: bool = False, above: bool = False):
    r"""The crossing of a monotone piecewise h with ``level`` as a Piecewise in the parameter, and h's directions.

    With ``roots_only`` only the clauses where h(x) = level has a root are kept, each with its own range of
    the parameter (no default: undefined elsewhere); the list of ``(value, condition, piece index)`` is returned too.
    With ``above`` a nondecreasing h gives :math:`\sup\{x : h(x) \le c\}`, so that :math:`h > c` exactly
    beyond it: every condition is strict, and a flat piece equal to the level stays below it (a plain step
    that lands a weight exactly on 0 does not throw it across).
    """
    direction, directions, clauses = _crossing_shape(tuple(pieces), what)
    if not roots_only:
        args = []
        for value, bound, strict, _ in clauses:
            strict = strict or (above and direction >= 0)
            cond = _level_condition(direction >= 0, bound, strict, level, solve_for)
            args.append((_tidy(value.subs(_LEVEL, level)), cond))
        return sp.Piecewise(*args, (sp.oo, True)), direction, []
    kept = []
    index = [i for i, d in enumerate(directions) if d != 0]
    for (value, bound, strict, start), i in zip([c for c in clauses if c[3] is not None], index):
        upper = _level_condition(direction >= 0, bound, strict, level, solve_for)
        # past start: the opposite of "level <= start" (nondecreasing) or "level >= start" (nonincreasing)
        lower = sp.Not(_level_condition(direction >= 0, start, False, level, solve_for))
        cond = sp.And(upper, lower)
        if cond != sp.false:
            kept.append((_tidy(value.subs(_LEVEL, level)), cond, i))
    if not kept:
        return None, direction, []
    return sp.Piecewise(*[(v, c) for v, c, _ in kept]), direction, kept


REFERENCES = (("L1", sp.S.One), ("L2", 2 * X))
"""The reference gradient magnitudes on x = |w| > 0: L1's 1 and L2's 2x."""


def _penalty_crossings(grads: list) -> tuple[Optional[tuple], tuple, Optional[str]]:
    """Crossovers with L1 and L2 (or ``None`` and why) and the bands of the three pulls, piece by piece.

    ``grads`` are ``(p'_i, lo_i, hi_i)``.  Every root of :math:`p'_i = 1` and :math:`p'_i = 2x` on its own
    interval, every breakpoint and L1 = L2 at 1/2 cut :math:`(0, \\infty)`; one probe per cut interval
    orders the three pulls (they cannot change order inside one); a piece equal to a reference is a tie.
    """
    ties: dict = {name: set() for name, _ in REFERENCES}
    roots: dict = {name: set() for name, _ in REFERENCES}
    for name, ref in REFERENCES:
        for i, (g, lo, hi) in enumerate(grads):
            difference = sp.cancel(g - ref)
            if difference == 0:
                ties[name].add(i)
                continue
            where = sp.Interval.open(lo, sp.oo) if hi == sp.oo else sp.Interval.Lopen(lo, hi)
            found = _linear_root(difference, lo, hi)
            if found is None and too_fine(difference):
                raise _NotExact(f"SymPy cannot solve |p'(w)| = {'1' if name == 'L1' else '2|w|'} exactly: "
                                "an exponent with a huge numerator or denominator")
            if found is None:
                found = _power_roots(difference, lo, hi)
            if found is None:
                try:
                    found = sp.solveset(difference, X, where)
                except (TypeError, ValueError, NotImplementedError):
                    found = None
            if not isinstance(found, (sp.FiniteSet, type(sp.S.EmptySet))):
                raise _NotExact(f"SymPy cannot solve |p'(w)| = {'1' if name == 'L1' else '2|w|'} exactly on "
                                f"{_interval_text(lo, hi)}")
            roots[name] |= set(found)
    cuts = {hi for _, _, hi in grads[:-1]} | {sp.Rational(1, 2)} | roots["L1"] | roots["L2"]
    edges = [sp.S.Zero, *sorted(cuts, key=value_order), sp.oo]
    cells = []  # (lo, hi, order, ties, signs against each reference)
    for lo, hi in zip(edges, edges[1:]):
        # Probes at PROBE_DIGITS, not in floats: a crossing at 5e-1001 (abs(w)*10^-1000) is 0.0 as a float.
        probe = (probe_number(lo) + probe_number(hi)) / 2 if hi != sp.oo else probe_number(lo) + 1
        index = next(i for i, (_, a, b) in enumerate(grads) if probe_number(a) < probe and (b == sp.oo or probe <= probe_number(b)))
        values = {"L1": sp.S.One, "L2": 2 * probe, "Lk": probe_at(grads[index][0], probe)}
        order = tuple(sorted(values, key=lambda name: (sp.Float(values[name], PROBE_DIGITS), name)))
        tied = {frozenset((name, "Lk")) for name, _ in REFERENCES if index in ties[name]}
        pairs = tuple((x, y) for i, x in enumerate(order) for y in order[i + 1:] if frozenset((x, y)) in tied)
        signs = {name: 0 if index in ties[name] else (1 if values["Lk"] > values[name] else -1) for name, _ in REFERENCES}
        cells.append((lo, hi, order, pairs, signs))
    bands: list[Band] = []
    for lo, hi, order, pairs, _ in cells:
        if bands and bands[-1].order == order and bands[-1].ties == pairs:
            bands[-1] = Band(bands[-1].lo, hi, order, pairs)
        else:
            bands.append(Band(lo, hi, order, pairs))
    crossovers, why = [], []
    for name, _ in REFERENCES:
        signs = [c[4][name] for c in cells]
        if all(s == 0 for s in signs):
            crossovers.append(Crossover(name, None, True, None))
            continue
        changes = [cells[i][1] for i in range(len(cells) - 1) if signs[i] != signs[i + 1]]
        if 0 not in signs and not changes and not roots[name]:
            crossovers.append(Crossover(name, None, False, "Lk" if signs[0] > 0 else name))
            continue
        if 0 not in signs and len(changes) == 1 and roots[name] == {changes[0]}:
            crossovers.append(Crossover(name, changes[0], False, "Lk" if signs[0] > 0 else name))
            continue
        why.append(f"{name}: " + _crossing_structure(cells, name, roots[name]))
    if why:
        return None, tuple(bands), ("the gradient magnitude does not meet the reference at one crossing weight ("
                                    + "; ".join(why) + "); the bands give the order of the three pulls exactly")
    return tuple(crossovers), tuple(bands), None


def _linear_root(difference: sp.Expr, lo: sp.Expr, hi: sp.Expr):
    """``solveset(difference, x, (lo, hi])`` when the numerator of ``difference`` (in lowest terms, as
    ``sympy.cancel`` leaves it) has rational coefficients and degree <= 1, else ``None``.

    Its one root is then a rational number, the same however it is found, and not a pole (numerator
    and denominator are coprime); solveset takes ~5 ms for what is a division and two comparisons.
    """
    numerator, _ = sp.fraction(difference)
    try:
        poly = sp.Poly(numerator, X)
    except sp.PolynomialError:
        return None
    if poly.degree() > 1 or not all(c.is_Rational for c in poly.all_coeffs()):
        return None
    if poly.degree() <= 0:
        return sp.S.EmptySet
    a, b = poly.all_coeffs()
    root = -b / a
    try:
        inside = bool(root > lo) and (hi == sp.oo or bool(root <= hi))
    except TypeError:  # an end SymPy cannot order against the root exactly
        return None
    return sp.FiniteSet(root) if inside else sp.S.EmptySet


def _power_roots(difference: sp.Expr, lo: sp.Expr, hi: sp.Expr):
    """The roots in (lo, hi] of a sum of rational powers of x with rational coefficients, else ``None``.

    :math:`1 + 1/(2\\sqrt{x}) = 2x` (``abs(w)^0.5 + abs(w)`` against L2) is a cubic in :math:`t = \\sqrt{x}`,
    solved exactly by :func:`sympy.roots` (:func:`sympy.real_roots` past degree 4); solveset took ~10 s.
    """
    numerator, _ = sp.fraction(sp.together(difference))
    powers = _in_power_of_x(numerator)
    if powers is None:
        return None
    poly, g = powers
    if not all(c.is_Rational for c in poly.all_coeffs()) or poly.degree() < 1:
        return None
    try:
        roots = [r for r in sp.roots(poly, filter="R")]
        if sum(sp.roots(poly, filter="R").values()) != len(sp.real_roots(poly)):
            roots = list(dict.fromkeys(sp.real_roots(poly)))
    except (NotImplementedError, sp.PolynomialError):
        return None
    found = set()
    for t in roots:
        if not decide(t > 0):
            continue
        x = t ** (1 / g)
        try:
            inside = decide(x > lo) and (hi == sp.oo or decide(x <= hi))
        except (TypeError, ValueError):
            return None
        if inside:
            found.add(x)
    return sp.FiniteSet(*found) if found else sp.S.EmptySet


def _crossing_structure(cells: list, name: str, roots: set) -> str:
    """Where |p'| equals a reference, in words: intervals of equality, single weights, jumps across it."""
    parts, run = [], None
    for lo, hi, _, _, signs in cells:
        if signs[name] == 0:
            run = (run[0] if run else lo, hi)
            continue
        if run:
            parts.append(f"equal on {_interval_text(*run)}")
            run = None
    if run:
        parts.append(f"equal on {_interval_text(*run)}")
    inside = [r for r in sorted(roots, key=value_order)
              if not any(c[4][name] == 0 and (c[0] == r or c[1] == r) for c in cells)]
    parts += [f"equal at |w| = {sp.sstr(r)}" for r in inside]
    for left, right in zip(cells, cells[1:]):
        a, b = left[4][name], right[4][name]
        if a * b < 0 and left[1] not in roots:
            parts.append(f"crosses it by a jump at |w| = {sp.sstr(left[1])}")
    return ", ".join(parts)


_GIVE_UP = (_NotExact, TypeError, ValueError, ArithmeticError, NotImplementedError)
"""What a weight fact may fail with: it is then left out with the reason, never the whole analysis (a Timeout still stops it)."""


def _why(error: Exception) -> str:
    """The reason a weight fact is left out, for ``omitted``."""
    if isinstance(error, (_NotExact, InputError)):
        return str(error)
    return f"SymPy could not derive it exactly ({type(error).__name__})"


def penalty_gd_facts(derivatives: list, pieces, limits: list) -> tuple[dict, dict]:
    """Dead zone, overshoot, crossovers, bands and gradient descent of any penalty, from its exact pieces.

    Returns the fields for :class:`Analysis` and, for each fact that has no single exact answer, why (``omitted``).
    """
    grads = [(ds[1], p.lo, p.hi) for ds, p in zip(derivatives, pieces)]
    ratios = [(sp.cancel(g / X), lo, hi) for g, lo, hi in grads]  # |p'(x)|/x: a step overshoots where eta*ratio > 1
    g0 = limits[1]["0+"]
    facts: dict = {"dead_zone": None, "overshoot": None, "crossovers": None, "bands": None, "gd": None}
    omitted: dict = {}

    if g0 != 0:
        omitted["dead_zone"] = (f"the gradient does not vanish at 0 (|p'(0+)| = {sp.sstr(g0)}): the pull on small "
                                "weights does not fade, as for |w|^k with k <= 1")
    else:
        try:
            facts["dead_zone"] = _level_piecewise(grads, TAU / ALPHA, None, "the gradient magnitude")[0]
        except _GIVE_UP as error:
            omitted["dead_zone"] = _why(error)

    flat = all(sp.diff(q, X) == 0 for q, _, _ in ratios) and len({q for q, _, _ in ratios}) == 1
    if flat and ratios[0][0] == 0:
        omitted["overshoot"] = "the gradient is 0 for every w != 0: a plain step never moves a weight, none overshoots"
    elif flat:  # eta*|p'(w)|/|w| does not depend on w (a ridge): the step size alone decides
        facts["overshoot"] = Overshoot(None, None, 1 / ratios[0][0])
    else:
        try:
            # Overshoot is eta*|p'| > |w| strictly: where the ratio rises, the weights above sup{q <= 1/eta}.
            weight, direction, _ = _level_piecewise(ratios, 1 / ETA, ETA, "|p'(w)|/|w|", above=True)
            facts["overshoot"] = Overshoot(weight, "below" if direction < 0 else "above", None)
        except _GIVE_UP as error:
            omitted["overshoot"] = _why(error)

    try:
        facts["crossovers"], facts["bands"], why = _penalty_crossings(grads)
        if why is not None:
            omitted["crossovers"] = why
    except _GIVE_UP as error:
        omitted["crossovers"] = omitted["bands"] = _why(error)

    try:
        facts["gd"] = _penalty_gd(grads, ratios, flat, g0, omitted, GradientDescent, decay_near_zero)
    except _GIVE_UP as error:
        omitted["gd"] = _why(error)
    return facts, omitted


def _penalty_gd(grads, ratios, flat, g0, omitted, GradientDescent, decay_near_zero):
    """Two-cycle (where eta p'(a) = 2a, a Piecewise in eta), its multiplier and stability, decay near 0."""
    amplitude = multiplier = stable = None
    if not flat:
        amplitude, direction, kept = _level_piecewise(ratios, 2 / ETA, ETA, "|p'(w)|/|w|", roots_only=True)
        if amplitude is not None:
            clauses, verdicts = [], []
            for a, condition, i in kept:
                slope = sp.cancel(sp.diff(grads[i][0], X))
                clauses.append((_tidy((1 - ETA * slope.subs(X, a)) ** 2, radicals=False), condition))
                if slope == 0:
                    verdict = "neutral"  # multiplier exactly 1: as L1, a family of cycles, neither attracting nor repelling
                elif direction > 0:
                    verdict = "repelling"  # x p''/p' > 1 where p'/x grows: eta p''(a) > 2
                else:  # p'/x falls, so 0 < eta p''(a) < 2 exactly where p' rises
                    rises = _direction(grads[i][0], grads[i][1], grads[i][2])
                    verdict = {1: "attracting", -1: "repelling"}.get(rises, "undecided")
                verdicts.append((verdict, condition))
            multiplier = sp.Piecewise(*clauses)  # one clause that always holds is the expression itself
            kinds = {v for v, _ in verdicts}
            if kinds == {"attracting"}:
                stable = True
            elif kinds == {"repelling"}:
                stable = False
            elif kinds != {"neutral"}:
                omitted["gd.cycle_stable"] = "depends on eta: " + "; ".join(f"{v} for {sp.sstr(c)}" for v, c in verdicts)
    first = grads[0][0]
    if g0 != 0:
        decay = decay_near_zero(None)
    elif first == 0:
        decay = decay_near_zero(None)
        omitted["gd.decay"] = "the gradient is 0 near 0: plain gradient descent leaves small weights where they are"
    else:
        decay = decay_near_zero(first)
        if decay.kind is None:
            omitted["gd.decay"] = f"the gradient near 0, {sp.sstr(first)}, is not c*|w|^m: no exact decay law derived"
    return GradientDescent(amplitude, multiplier, stable, decay)
