r"""Penalties whose pieces are polynomials of degree at most 2: the candidates of the minimiser and who wins where.

On a piece :math:`p = a + b x + c x^2` the stationary point is :math:`x = (z - \lambda b)/(1 + 2\lambda c)`;
with 0 and the breakpoints these are every candidate (:class:`Quadratic`).  :class:`Shapes` decides,
at one :math:`\lambda`, which candidate wins on which :math:`z`-interval, first in float balls
(:mod:`lksym.derivation.interval`), at 40 digits where a ball cannot decide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import mpmath
import sympy as sp
from sympy.polys.polyerrors import CoercionFailed, NotAlgebraic

from lksym.derivation.interval import Unsure, ball_add, balls_apart, ball_compile, ball_finite, ball_in_z, ball_positive
from lksym.derivation.prox.common import in_mpmath
from lksym.derivation.symbols import LAM, X, Z


@dataclass(frozen=True)
class Quadratic:
    """The candidates of a penalty whose pieces are polynomials of degree <= 2."""

    xs: tuple  # candidate minimisers in (z, lam), in increasing x: 0, S1, B1, S2, ..., Sn
    fs: tuple  # their objectives in (z, lam)
    valid: tuple  # (d, e_lo, e_hi) for stationary candidates, None for fixed ones
    transitions: tuple  # exprs in lam: validity ends and crossing roots
    owners: tuple  # per transition: ("lo"|"hi", i) or ("cross", i, j)
    structural: tuple  # exact lam where some 1 + 2 lam c_i = 0


def quadratic_pieces(key: tuple) -> Optional[Quadratic]:
    pieces, p0 = key
    coeffs = []
    for expr, lo, hi in pieces:
        try:
            poly = sp.Poly(expr, X)
        except sp.PolynomialError:
            return None
        if poly.degree() > 2 or any(c.free_symbols for c in poly.coeffs()):
            return None
        a, b, c = (poly.coeff_monomial(X**i) for i in range(3))
        coeffs.append((a, b, c, lo, hi))
    xs, fs, valid = [sp.S.Zero], [Z**2 / 2 + LAM * p0], [None]
    structural = []
    rational = p0.is_Rational and all(v.is_Rational for a, b, c, lo, hi in coeffs for v in (a, b, c, lo) + ((hi,) if hi != sp.oo else ()))
    field = None if rational else _radical_field([p0] + [v for a, b, c, lo, hi in coeffs
                                                       for v in (a, b, c, lo) + ((hi,) if hi != sp.oo else ())])
    for i, (a, b, c, lo, hi) in enumerate(coeffs):
        d = 1 + 2 * LAM * c
        x = (Z - LAM * b) / d
        xs.append(sp.cancel(x))
        if field is not None:
            # In QQ<radicals>(lam) the arithmetic is exact and SymPy asks no assumptions: over EX, scad(lam=sqrt(2),
            # a=sqrt(7)) spent 13 s here, deciding signs of degree-9 polynomials with sqrt(7) in them.
            fs.append(sp.Poly(Z**2 / 2 + LAM * a - (Z - LAM * b) ** 2 / (2 * d), Z, domain=field[0]).as_expr())
        elif a.is_Rational and b.is_Rational and c.is_Rational:
            # F at its stationary point, z^2/2 + lam a - (z - lam b)^2 / (2 d): the same rational function,
            # and over the rationals sympy.cancel's normal form of it is the same (5x faster to reach).
            fs.append(sp.expand(sp.cancel(Z**2 / 2 + LAM * a - (Z - LAM * b) ** 2 / (2 * d))))
        else:  # over an algebraic field cancel's form depends on the input's: kept as it was derived
            fs.append(sp.expand(sp.cancel((x - Z) ** 2 / 2 + LAM * (a + b * x + c * x**2))))
        ends = [sp.expand(lo * d + LAM * b), sp.expand(hi * d + LAM * b) if hi != sp.oo else sp.oo]
        if field is not None:
            # One form per function of lam, as over QQ: equal ends in two forms (sqrt(2)*lam + sqrt(2) and
            # its unreduced twin) would otherwise swap places with rounding and fake a change of shape.
            ends = [e if e == sp.oo else field[0].to_sympy(field[0].convert(e)) for e in ends]
        valid.append((d, *ends))
        if c < 0:
            structural.append(-1 / (2 * c))
        if hi != sp.oo:
            xs.append(hi)
            fs.append(sp.expand((hi - Z) ** 2 / 2 + LAM * (a + b * hi + c * hi**2)))
            valid.append(None)
    transitions, owners = [], []
    for i, v in enumerate(valid):
        if v is not None:
            transitions.append(v[1])
            owners.append(("lo", i))
            if v[2] != sp.oo:
                transitions.append(v[2])
                owners.append(("hi", i))
    # Rational pieces: fs are rational functions of (z, lam) over QQ, and a polynomial over a field of
    # rational functions has one normal form however it is reached, so each objective is made a Poly once
    # and the 15 differences of SCAD's six are subtracted (~30 ms less than building each from its
    # expansion).  Over an algebraic field (EX) the two routes print differently: kept as derived.
    # With radicals the same in QQ<radicals>(lam), the discriminant factored over that field.
    if rational:
        polys = [sp.Poly(f, Z) for f in fs]
    elif field is not None:
        polys = [sp.Poly(f, Z, domain=field[0]) for f in fs]
    else:
        polys = None
    for i in range(len(fs)):
        for j in range(i + 1, len(fs)):
            poly = polys[i] - polys[j] if polys is not None else sp.Poly(sp.expand(fs[i] - fs[j]), Z)
            if poly.degree() <= 0:
                continue
            # In a domain (QQ(lam) or QQ<radicals>(lam)) the coefficients' own arithmetic gives lowest terms.
            exact = polys is not None
            if poly.degree() == 1:
                if exact:
                    # In its field: integer pieces (Min(abs(w), 1) + Min(abs(w), 2)) give ZZ[lam], no quotients.
                    K, (r1, r0) = poly.domain.get_field(), poly.to_field().rep.to_list()
                    transitions.append(K.to_sympy(-r0 / r1))
                else:
                    r1, r0 = poly.all_coeffs()
                    transitions.append(sp.cancel(-r0 / r1))
                owners.append(("cross", i, j))
                continue
            A, B, C = poly.all_coeffs()
            if exact:
                # The discriminant in the coefficients' field: factor's result depends only on the rational
                # function, and half of SCAD's are 0, which then needs no factor at all.
                K, (a, b, c) = poly.domain, poly.rep.to_list()
                disc = b * b - K.convert(4) * a * c
                extension = {} if field is None else {"extension": field[1]}
                disc = sp.S.Zero if not disc else sp.factor(K.to_sympy(disc), **extension)
            else:
                disc = sp.factor(B**2 - 4 * A * C)
            if disc == 0 and exact:
                # A double root, -B/(2A) in lowest terms: SCAD's lam + 1 is then one expression wherever it
                # arises (a piece end, a linear crossing), not three forms the signatures must tell apart.
                root = K.to_sympy(-b / (K.convert(2) * a))
                transitions += [root, root]
                owners += [("cross", i, j), ("cross", i, j)]
                continue
            for sgn in (1, -1):
                transitions.append((-B + sgn * sp.sqrt(disc)) / (2 * A))
                owners.append(("cross", i, j))
    return Quadratic(tuple(xs), tuple(fs), tuple(valid), tuple(transitions), tuple(owners), tuple(structural))


def _radical_field(numbers: list) -> Optional[tuple]:
    """``(QQ<r1, r2, ...>(lam), [r1, r2, ...])`` when every number is a rational function of real radicals
    of rationals (``sqrt(2)``, ``1 + sqrt(7)``, ``2**(1/3)``), else ``None`` (then SymPy's EX domain is used)."""
    radicals = set()
    for v in numbers:
        if v.free_symbols or not v.is_real:
            return None
        for atom in sp.preorder_traversal(v):
            if atom.is_Pow and not atom.exp.is_Integer:
                if not (atom.base.is_Rational and atom.base > 0 and atom.exp.is_Rational):
                    return None
                radicals.add((atom.base, atom.exp.q))
            elif not (atom.is_Rational or atom.is_Add or atom.is_Mul or atom.is_Pow):
                return None  # pi, E, log(2), ...
    if not radicals:
        return None
    # One generator per base: 2**(1/3) and 2**(2/3) are both in QQ<2**(1/3)>.
    degree: dict = {}
    for base, q in radicals:
        degree[base] = math.lcm(degree.get(base, 1), int(q))
    radicals = {sp.Pow(base, sp.Rational(1, q)) for base, q in degree.items()}
    if len(radicals) > 1 and any(r.exp.q != 2 for r in radicals):
        # QQ<2**(1/3), 3**(1/3)>: SymPy finds its primitive element by PSLQ, 8 s for an MCP; over EX it is 2.5 s.
        return None
    gens = sorted(radicals, key=sp.default_sort_key)
    try:
        domain = sp.QQ.algebraic_field(*gens).frac_field(LAM)
        for v in numbers:
            domain.convert(v)
    except (CoercionFailed, NotAlgebraic, NotImplementedError, ValueError):
        return None
    return domain, gens


class Shapes:
    """Which candidate of a :class:`Quadratic` wins on which z-interval at one lam (at 40 digits).

    Next to a change point in lam a stationary candidate can be valid on a z-interval of
    relative width 1e-7, and objectives there differ at second order: floats would blur them.
    """

    def __init__(self, q: Quadratic):
        self.q = q
        self.f = [in_mpmath((Z, LAM), f) for f in q.fs]
        # Many transitions are the same expression (both roots of a double crossing, a piece end
        # that is also a crossing): each distinct one is compiled and evaluated once per lam.
        distinct = list(dict.fromkeys(q.transitions))
        self.t = [in_mpmath(LAM, t) for t in distinct]
        self.slot = [distinct.index(t) for t in q.transitions]
        self.d = [None if v is None else in_mpmath(LAM, v[0]) for v in q.valid]
        self.e = [None if v is None else (in_mpmath(LAM, v[1]),
                                          None if v[2] == sp.oo else in_mpmath(LAM, v[2]))
                  for v in q.valid]
        self.memo: dict = {}
        # The same expressions as float balls (None: some expression has a form balls do not cover).
        fast = (
            [ball_compile(t, (LAM,)) for t in distinct],
            [ball_in_z(f) for f in q.fs],
            [None if v is None else (ball_compile(v[0], (LAM,)), ball_compile(v[1], (LAM,)),
                                     None if v[2] == sp.oo else ball_compile(v[2], (LAM,))) for v in q.valid],
        )
        compiled = fast[0] + fast[1] + [b for v, bs in zip(q.valid, fast[2]) if v is not None
                                        for b, e in zip(bs, v) if e != sp.oo]
        self.fast = None if any(b is None for b in compiled) else fast

    def transition_values(self, lam) -> list:
        """Every transition of :attr:`q` at one lam (``None`` where not a finite real number)."""
        out: list = []
        with mpmath.workdps(40):
            l = mpmath.mpf(lam)
            for f in self.t:
                try:
                    v = mpmath.mpc(f(l))
                except (ValueError, ZeroDivisionError, OverflowError):
                    out.append(None)
                    continue
                ok = mpmath.isfinite(v.real) and abs(v.imag) <= mpmath.mpf(10) ** -30 * (1 + abs(v.real))
                out.append(v.real if ok else None)
        return [out[i] for i in self.slot]

    def ranges(self, lam) -> list:
        """Per candidate at one lam: ``None`` (always valid), ``False`` (not a minimiser) or its z-interval."""
        out = []
        for i in range(len(self.f)):
            if self.d[i] is None:
                out.append(None)
            elif not self.d[i](lam) > 0:
                out.append(False)
            else:
                out.append((self.e[i][0](lam), self.e[i][1](lam) if self.e[i][1] is not None else mpmath.inf))
        return out

    def winner(self, lam, z, ranges=None) -> int:
        # The validity ends depend on lam only: a caller trying many z at one lam passes them once.
        ranges = self.ranges(lam) if ranges is None else ranges
        tolerance = mpmath.mpf(10) ** -30
        best, best_f = 0, None
        for i, f in enumerate(self.f):
            r = ranges[i]
            if r is False or (r is not None and not r[0] < z < r[1]):
                continue
            v = f(z, lam)
            if best_f is None or v < best_f - tolerance * (1 + abs(best_f)):
                best, best_f = i, v
        return best

    def signature(self, lam: float) -> Optional[tuple]:
        """The winner sequence in z and the transitions between them at one lam (see :meth:`precise_signature`).

        Decided in float balls where every comparison is clear by more than the balls' radii (then
        the 40-digit computation decides the same); otherwise, or where two transitions may coincide
        beyond what their 40-digit values settle, computed by :meth:`precise_signature`.
        """
        if self.fast is not None:
            try:
                return self._ball_signature(lam)
            except Unsure:
                pass
        return self.precise_signature(lam)

    def _ball_signature(self, lam: float) -> tuple:
        t_balls, f_balls, v_balls = self.fast
        args = (float(lam),)
        values: list = []  # per distinct transition: a real ball, or None (not a finite real number)
        for f in t_balls:
            b = ball_finite(f(args))
            if b[2] is not None:
                # Surely non-real at 40 digits too only if the imaginary part clears mpmath's 1e-30 test.
                if abs(b[2][0]) - b[2][1] <= 1e-29 * (1 + abs(b[0]) + b[1]):
                    raise Unsure
                b = None
            values.append(b)
        order = sorted((s for s, b in enumerate(values) if b is not None and ball_positive(b)), key=lambda s: values[s][0])
        clusters: list = []  # [slots]: transitions whose balls do not separate
        for s in order:
            if clusters and not balls_apart(values[clusters[-1][-1]], values[s]):
                clusters[-1].append(s)
            else:
                clusters.append([s])
        points = []  # per cluster: (its slots, lower and upper end of its balls, its 40-digit value or None)
        for c in clusters:
            lo, hi = min(values[s][0] - values[s][1] for s in c), max(values[s][0] + values[s][1] for s in c)
            exact = None
            if len(c) > 1:
                # Equal transitions in different forms (a piece end that is also a crossing): mpmath merges
                # them within 1e-25 and picks the owner by their 40-digit values, so those decide here too.
                with mpmath.workdps(40):
                    exact = {s: self._precise_slot(s, lam) for s in c}
                    vs = sorted(exact.values(), key=lambda v: (v is None, v))
                    if vs[-1] is None or vs[-1] - vs[0] > mpmath.mpf(10) ** -25 * (1 + abs(vs[-1])):
                        raise Unsure
            points.append((set(c), lo, hi, exact))
        if points:
            ends = [0.0] + [x for p in points for x in (p[1], p[2])] + [2 * points[-1][2] + 2]
            samples = [(ends[2 * i] + ends[2 * i + 1]) / 2 for i in range(len(points) + 1)]
            if any(not ends[2 * i] < z < ends[2 * i + 1] for i, z in enumerate(samples)) or points[0][1] <= 0:
                raise Unsure
        else:
            samples = [1.0]
        ranges = []
        for v in v_balls:
            if v is None:
                ranges.append(None)
            elif not ball_positive(ball_finite(v[0](args))):
                ranges.append(False)
            else:
                ranges.append((ball_finite(v[1](args)), None if v[2] is None else ball_finite(v[2](args))))
        winners = [self._ball_winner(f_balls, ranges, z, args[0]) for z in samples]
        shape, bounds = [winners[0]], []
        for j in range(1, len(samples)):
            if winners[j] == shape[-1]:
                continue
            a, b = shape[-1], winners[j]
            slots, _, _, exact = points[j - 1]
            point = None if exact is None else min(exact.values())
            near = []  # the transitions within 1e-20 of the point, with their distance from it
            for t in range(len(self.q.owners)):
                s = self.slot[t]
                if s in slots and exact is None:
                    near.append((t, 0))
                elif s in slots:
                    with mpmath.workdps(40):
                        near.append((t, abs(exact[s] - point)))
                elif values[s] is not None and not all(balls_apart(values[s], values[c]) for c in slots):
                    raise Unsure
            choice = None
            for rank in range(2):
                for t, distance in near:
                    owner = self.q.owners[t]
                    if (rank == 0 and owner in (("hi", a), ("lo", b))) or (rank == 1 and owner == ("cross", min(a, b), max(a, b))):
                        if choice is None or distance < choice[1]:
                            choice = (t, distance)
                if choice is not None:
                    break
            if choice is None:
                raise Unsure
            shape.append(b)
            bounds.append(choice[0])
        return (tuple(shape), tuple(bounds))

    def _precise_slot(self, s: int, lam: float):
        """One distinct transition at 40 digits, as :meth:`transition_values` computes it."""
        with mpmath.workdps(40):
            try:
                v = mpmath.mpc(self.t[s](mpmath.mpf(lam)))
            except (ValueError, ZeroDivisionError, OverflowError):
                return None
            ok = mpmath.isfinite(v.real) and abs(v.imag) <= mpmath.mpf(10) ** -30 * (1 + abs(v.real))
            return v.real if ok else None

    @staticmethod
    def _ball_winner(f_balls, ranges, z: float, lam: float) -> int:
        """:meth:`winner` in balls: ties (balls that overlap) and unclear validity ends raise :class:`Unsure`."""
        best, best_f = 0, None
        for i, f in enumerate(f_balls):
            r = ranges[i]
            if r is False:
                continue
            if r is not None:
                inside = ball_positive(ball_add((z, 0.0, None), (-r[0][0], r[0][1], None))) and (
                    r[1] is None or ball_positive(ball_add(r[1], (-z, 0.0, None))))
                if not inside:
                    continue
            v = ball_finite(f((z, lam)))
            if v[2] is not None:
                raise Unsure
            if best_f is None or v[0] + v[1] < best_f[0] - best_f[1] - 1e-29 * (1 + abs(best_f[0]) + best_f[1]):
                best, best_f = i, v
            elif not v[0] - v[1] >= best_f[0] + best_f[1]:
                raise Unsure
        return best

    def precise_signature(self, lam: float) -> Optional[tuple]:
        """:meth:`_precise_signature`, once per lam (a fallback of :meth:`signature` is confirmed again)."""
        if lam not in self.memo:
            self.memo[lam] = self._precise_signature(lam)
        return self.memo[lam]

    def _precise_signature(self, lam: float) -> Optional[tuple]:
        with mpmath.workdps(40):
            l = mpmath.mpf(lam)
            values = self.transition_values(l)
            pts = sorted({v for v in values if v is not None and v > 0})
            merged: list = []
            for v in pts:
                if not merged or v - merged[-1] > mpmath.mpf(10) ** -25 * (1 + abs(v)):
                    merged.append(v)
            samples = ([merged[0] / 2] + [(a + b) / 2 for a, b in zip(merged, merged[1:])] + [2 * merged[-1] + 1]) if merged else [mpmath.mpf(1)]
            ranges = self.ranges(l)
            winners = [self.winner(l, z, ranges) for z in samples]
            shape = [winners[0]]
            bounds = []
            for j in range(1, len(samples)):
                if winners[j] == shape[-1]:
                    continue
                a, b = shape[-1], winners[j]
                point = merged[j - 1]
                choice = None
                for rank in range(2):
                    for t, owner in enumerate(self.q.owners):
                        v = values[t]
                        if v is None or abs(v - point) > mpmath.mpf(10) ** -20 * (1 + abs(point)):
                            continue
                        if (rank == 0 and owner in (("hi", a), ("lo", b))) or (rank == 1 and owner == ("cross", min(a, b), max(a, b))):
                            if choice is None or abs(values[t] - point) < abs(values[choice] - point):
                                choice = t
                    if choice is not None:
                        break
                if choice is None:
                    return None
                shape.append(b)
                bounds.append(choice)
        return (tuple(shape), tuple(bounds))


