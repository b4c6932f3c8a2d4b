r"""Ranges of :math:`\lambda`: where the shape of a prox result (which candidate wins) changes.

Each result is the best of a few exact candidates (a value at a piece end, at a critical point,
a stationary point of a piece), each valid where it lies inside its piece.  Which one wins is
sampled on a logarithmic grid of :math:`\lambda` over :data:`LAM_RANGE` (wider for a penalty of very small
or large scale, :func:`lam_range`); where the winner changes
between two samples the exact change point is solved for (the two winners' values, or two
transition points, are equal there), and accepted only if the winners on both sides of it are the
sampled ones.  Every closed form is then checked against :func:`prox_numeric` at points spread
over each range (and at each change point); if any disagrees the answer is ``None``, never a
wrong formula.

Which candidate wins at one :math:`\lambda` is first decided in float balls (a midpoint and a
radius that holds the exact value, :func:`_ball_compile`): where every comparison clears the
radii, the 40- or 50-digit mpmath comparison would decide the same, at a fifth of the cost.  Where
a ball cannot decide (two transitions that coincide, a near tie next to a change point, a divisor
that may vanish) the mpmath signature is computed instead, and it is always recomputed on both
sides of every change the grid shows.  Change points of a polynomial in :math:`\sqrt\lambda` with
rational roots (SCAD's and MCP's) come from the quadratic formula; others from ``sympy.solve``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional

import sympy as sp

from lksym.derivation.prox.common import LAM_RANGE, LAM_SAMPLES
from lksym.derivation.symbols import X


@dataclass(frozen=True)
class LamRegime:
    signature: tuple
    upper: Optional[sp.Expr]  # exact right end in lam; None for the last (to oo)
    closed: bool  # whether the right end belongs to this regime


def lam_range(key: tuple) -> tuple[float, float]:
    r"""The range of :math:`\lambda` sampled for changes of shape: :data:`LAM_RANGE`, widened for a penalty of
    very small or very large scale.

    The proximal problem keeps its shape when :math:`x`, :math:`z` scale by :math:`s` and :math:`p - p(0)` by
    :math:`q`, with :math:`\lambda` by :math:`s^2/q`: so each breakpoint :math:`b` has the scale
    :math:`b^2/(p(b) - p(0))` (capped L1's :math:`\theta`: its change is at :math:`\lambda = 2\theta`).
    Scales in :math:`[10^{-3}, 10^3]` (every catalogue default) keep :data:`LAM_RANGE` as it is; beyond, the
    range grows by the same factor (``Min(abs(w), 1/10^7)`` changes at :math:`2 \cdot 10^{-7}`).
    """
    pieces, p0 = key
    scales = []
    for expr, _, hi in pieces[:-1]:
        try:
            rise = float(sp.N(expr.subs(X, hi) - p0, 20))
            b = float(hi)
        except (TypeError, ValueError):
            continue
        if math.isfinite(rise) and rise > 0 and b > 0:
            scales.append(b * b / rise)
    lo, hi = LAM_RANGE
    if scales:
        lo *= min(1.0, min(scales) * 1e3)
        hi *= max(1.0, max(scales) / 1e3)
    return max(lo, 1e-300), min(hi, 1e300)


def lam_grid(extra=(), lam_range: tuple = LAM_RANGE) -> list:
    lo, hi = lam_range
    # LAM_SAMPLES over LAM_RANGE's 13 decades, as densely over a wider range.
    n = max(LAM_SAMPLES, math.ceil(LAM_SAMPLES * math.log(hi / lo) / math.log(LAM_RANGE[1] / LAM_RANGE[0])))
    grid = {lo * (hi / lo) ** (i / (n - 1)) for i in range(n)}
    for e in extra:
        v = float(e)
        if lo < v < hi:
            grid.update({v * (1 - 1e-6), v * (1 + 1e-6)})
    return sorted(grid)


def lam_regimes(signature: Callable[[float], Optional[tuple]], change_roots: Callable[[tuple, tuple, float, float], list],
             exact_lams=(), precise: Optional[Callable[[float], Optional[tuple]]] = None,
             lam_range: tuple = LAM_RANGE) -> Optional[list]:
    """Split ``lam > 0`` where ``signature`` changes, with exact change points, or ``None``.

    ``change_roots(sa, sb, la, lb)`` proposes exact lam in ``(la, lb)`` where the shape ``sa``
    may become ``sb``.  A change point is accepted when the signatures just left and right of it
    are those sampled on each side; brackets are narrowed up to a fixed depth.  ``precise``, if
    given, recomputes the signature on both sides of every change the (faster) ``signature`` shows.
    """
    points = {}
    for lam in lam_grid(exact_lams, lam_range):
        sig = signature(lam)
        for j in range(1, 4):
            if sig is not None:
                break
            lam *= 1 + 1e-3 * j  # a grid point that happens to sit on a coincidence of two switch points
            sig = signature(lam)
        points[lam] = sig
    roots: dict = {}
    confirmed: set = set()
    for _ in range(12):
        while precise is not None:
            lams = sorted(points)
            todo = {l for la, lb in zip(lams, lams[1:]) if points[la] != points[lb] for l in (la, lb)} - confirmed
            if not todo:
                break
            for l in todo:
                confirmed.add(l)
                points[l] = precise(l)
        lams = sorted(points)
        if any(points[l] is None for l in lams):
            return None
        pending = []
        for la, lb in zip(lams, lams[1:]):
            if points[la] != points[lb] and not any(la < v < lb for v in roots):
                pending.append((la, lb))
        if not pending:
            break
        for la, lb in pending:
            if la not in points or lb not in points:
                continue  # a sample removed below: the next round looks again
            # A little wider than the bracket: a sample may sit on the change point itself.
            wa, wb = la * (1 - 1e-9), lb * (1 + 1e-9)
            found = change_roots(points[la], points[lb], wa, wb)
            found += [e for e in exact_lams if wa < float(e) < wb]
            if found:
                for r in found:
                    v = float(r)
                    roots.setdefault(v, r)
                    for s in [s for s in points if abs(s - v) <= 1e-8 * v]:
                        del points[s]
                    for s in (v * (1 - 1e-7), v * (1 + 1e-7)):
                        points[s] = signature(s)
            elif lb / la > 1 + 1e-9:
                mid = math.sqrt(la * lb)
                points[mid] = signature(mid)
            else:
                return None
    else:
        return None
    lams = sorted(points)
    regimes = []
    for la, lb in zip(lams, lams[1:]):
        if points[la] != points[lb]:
            inside = [v for v in roots if la < v < lb]
            if len(inside) != 1:
                return None
            regimes.append((points[la], roots[inside[0]]))
    out = []
    for sig, upper in regimes:
        out.append(LamRegime(sig, upper, True))
    out.append(LamRegime(points[lams[-1]], None, True))
    return out


