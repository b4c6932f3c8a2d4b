r"""Curves the figures draw that take more than evaluating a derived expression: shrinkage maps and balls.

* :func:`shrinkage_curve` — :math:`z \mapsto \operatorname{prox}_{\lambda p}(z)` on a grid, each jump
  located by bisection (the comparison page's maps);
* :func:`shrinkage_data` — the numbers of a report's shrinkage figure (``lksym.writers.plots``' data step);
* :func:`landmarks`, :func:`half_width` — how far out a figure must reach to show every breakpoint,
  threshold and :math:`|z|` past which the proximal step is the identity;
* :func:`unit_ball`, :func:`ball_constant`, :func:`penalty_ball` — the boundary of
  :math:`p(x) + p(y) \le p(0) + p(1)` (:math:`|x|^k + |y|^k \le 1` for the power family).

The application layer (:func:`lksym.app.compare.comparison`) computes these onto the frozen
:class:`lksym.command_results.Comparison`; the writers only draw them.

Examples
--------
>>> from lksym.results import analyze
>>> half_width([analyze("scad(lam=1, a=3.7)")], 2.0, 1.0) >= 3.7
True
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import sympy as sp

from lksym.derivation.exact import to_float
from lksym.derivation.symbols import LAM
from lksym.numerics.numeric import evaluate
from lksym.numerics.prox_solver import prox_vector

SAMPLES = 801
"""Points of a comparison's curves (``SAMPLES - 1`` divisible by 4 puts the axis points of a ball on the grid)."""

JUMP_GAP = 1e-6
"""A gap of the shrinkage map that bisection cannot close below this is a jump."""


def _finite(value) -> Optional[float]:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) and number > 0 else None


def landmarks(analyses, lam: Optional[float] = None) -> list[float]:
    """Every breakpoint (and with ``lam``, every prox threshold and |z| beyond which prox(z) = z) of the curves.

    Examples
    --------
    >>> from lksym.results import analyze
    >>> landmarks([analyze("scad(lam=1, a=3.7)")], 1.0)
    [1.0, 3.7, 1.0, 3.7]
    """

    out = [float(b.at) for a in analyses for b in a.breakpoints]
    if lam is not None:
        for a in analyses:
            values = [a.prox.threshold]
            if a.thresholding is not None and a.thresholding.unbiased_beyond is not None:
                values.append(a.thresholding.unbiased_beyond)
            for v in values:
                v = sp.sympify(v)
                number = _finite(sp.N(v.subs({s: lam for s in v.free_symbols if s.name == LAM.name}), 15))
                if number is not None:
                    out.append(number)
    return out


def half_width(analyses, least: float, lam: Optional[float] = None) -> float:
    """Half the plotted range: ``least``, or past every landmark (SCAD's 3.7, log-sum's threshold) with room to spare.

    Examples
    --------
    >>> from lksym.results import analyze
    >>> half_width([analyze("1"), analyze("scad(lam=1, a=3.7)")], 2.0, 1.0)
    4.5
    """
    ends = landmarks(analyses, lam)
    return max([least] + [float(np.ceil(1.2 * e * 2) / 2) for e in ends])


def prox_function(analysis, lam: float):
    r"""``z -> prox(z)`` of :math:`\lambda p` as floats (:func:`lksym.numerics.prox_solver.prox_vector`)."""
    # The family's own float solver (lksym.numerics.prox_solver.SOLVERS) is looked up from the subject.
    return lambda z: prox_vector(analysis.subject, lam, z)


def shrinkage_curve(analysis, lam: float, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, list]:
    r"""The shrinkage map :math:`z \mapsto \operatorname{prox}_{\lambda p}(z)` on ``z``, with its jumps located.

    Wherever the map rises by more than 3 grid steps' worth between neighbours,
    the interval is bisected down to floating-point resolution: a continuous steep
    stretch closes its gap, a jump keeps it (more than :data:`JUMP_GAP`).  Each
    jump gets a ``nan`` in the returned curve, so no line is drawn across it.

    Returns
    -------
    z, y : numpy.ndarray
        The curve, one point longer per jump.
    jumps : list of (z, left value, right value)

    Examples
    --------
    >>> from lksym.results import analyze
    >>> _, _, jumps = shrinkage_curve(analyze("l0"), 1.0, np.linspace(-2, 2, 81))
    >>> [round(j[0], 6) for j in jumps]
    [-1.414214, 1.414214]
    """
    prox = prox_function(analysis, lam)
    y = np.asarray(prox(z), dtype=float)
    dz = float(np.max(np.diff(z)))
    jumps = []
    for i in np.flatnonzero(np.abs(np.diff(y)) > 3 * dz):
        lo, hi, ylo, yhi = float(z[i]), float(z[i + 1]), float(y[i]), float(y[i + 1])
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                break
            ym = float(prox(np.array([mid]))[0])
            # Keep the half with the larger rise: a jump lives there.
            if abs(ym - ylo) >= abs(yhi - ym):
                hi, yhi = mid, ym
            else:
                lo, ylo = mid, ym
        if abs(yhi - ylo) > JUMP_GAP:
            jumps.append((int(i), 0.5 * (lo + hi), ylo, yhi))
    out_z, out_y = z.astype(float), y
    # Into the grid interval that holds the jump (its end may be the jump point itself: the threshold maps to 0).
    for i, at, _, _ in reversed(jumps):
        out_z, out_y = np.insert(out_z, i + 1, at), np.insert(out_y, i + 1, np.nan)
    return out_z, out_y, [jump[1:] for jump in jumps]


def shrinkage_data(a) -> dict:
    """Numbers for a report's shrinkage-map figure: prox(z) for lam = 1 beside L1's and L2's maps.

    The data step of ``shrinkage.svg`` in :data:`lksym.writers.plots.FIGURES` (named there as
    ``"lksym.numerics.curves:shrinkage_data"``, so the drawing side never loads SymPy).

    Examples
    --------
    >>> from lksym.results import analyze
    >>> d = shrinkage_data(analyze("1"))
    >>> d["half"], d["threshold"], float(d["prox"][d["z"] == 2.0][0])
    (3.0, 1.0, 1.0)
    """
    # Wide enough to show where the map becomes z itself (SCAD beyond a*lam, capped L1 beyond theta).
    ends = [float(b.at) for b in a.breakpoints]
    if a.thresholding is not None and a.thresholding.unbiased_beyond is not None:
        ends.append(to_float(a.thresholding.unbiased_beyond, {LAM: 1}))
    ends.append(to_float(a.prox.threshold, {LAM: 1}))  # the jump or the end of the dead band, with room after it
    half = max([3.0] + [1.25 * e for e in ends])
    half = float(np.ceil(half))
    z = np.linspace(-half, half, int(200 * half) + 1)
    # the family's own float solver, from the same derived pieces
    y = prox_function(a, 1.0)(z)
    threshold = to_float(a.prox.threshold, {LAM: 1})
    # A jump (k < 1) is not a steep segment: break the line where the map jumps.
    jumps = np.abs(np.diff(y)) > 0.25
    y_plot = y.copy()
    y_plot[1:][jumps] = np.nan
    return {
        "z": z,
        "prox": y_plot,
        "soft": np.sign(z) * np.maximum(np.abs(z) - 1.0, 0.0),
        "ridge": z / 3.0,
        "threshold": threshold,
        "label": a.label,
        "short_label": a.subject.short_label,
        "half": half,
    }


def unit_ball(k, samples: int = SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    r"""Boundary of the unit ball :math:`|x|^k + |y|^k = 1`, as a closed parametric curve.

    With :math:`x = \operatorname{sign}(\cos t)|\cos t|^{2/k}` and
    :math:`y = \operatorname{sign}(\sin t)|\sin t|^{2/k}`,
    :math:`|x|^k + |y|^k = \cos^2 t + \sin^2 t = 1` exactly.

    Examples
    --------
    >>> x, y = unit_ball(1, 9)
    >>> bool(np.allclose(np.abs(x) + np.abs(y), 1))
    True
    """
    # samples - 1 divisible by 4 puts the four axis points (the corners for k < 1) on the grid.
    t = np.linspace(0.0, 2.0 * np.pi, samples)
    c, s = np.cos(t), np.sin(t)
    # cos(pi/2) is 6e-17, not 0; its 2/k-th power would move the axis points visibly for large k.
    c[np.abs(c) < 1e-12] = 0.0
    s[np.abs(s) < 1e-12] = 0.0
    e = 2.0 / float(k)
    return np.sign(c) * np.abs(c) ** e, np.sign(s) * np.abs(s) ** e


def ball_constant(analysis) -> tuple[Optional[float], str]:
    r"""The level :math:`c = p(0) + p(1)` of the ball :math:`p(x) + p(y) \le c` through :math:`(\pm 1, 0)`, or why there is none.

    The ball is drawn only where :math:`p` is continuous at 0 and strictly
    increasing on :math:`[0, 1]` (checked on 2001 points), so each ray from the
    origin meets the boundary once.

    Examples
    --------
    >>> from lksym.results import analyze
    >>> ball_constant(analyze("scad(lam=1, a=3.7)"))
    (1.0, '')
    >>> ball_constant(analyze("l0"))[1]
    'p jumps at 0'
    """

    if not analysis.penalty.at_zero.continuous:
        return None, "p jumps at 0"
    x = np.linspace(0.0, 1.0, 2001)
    values = evaluate(analysis.penalty, x)
    if not np.all(np.isfinite(values)) or not np.all(np.diff(values) > 0):
        return None, "p is not strictly increasing on [0, 1]"
    return float(values[0] + values[-1]), ""


def penalty_ball(analysis, samples: int = SAMPLES) -> Optional[tuple[np.ndarray, np.ndarray]]:
    r"""Boundary of :math:`p(x) + p(y) \le p(0) + p(1)` as a closed curve (``None`` where :func:`ball_constant` refuses).

    On the ray at angle t, :math:`r \mapsto p(r|\cos t|) + p(r|\sin t|)` increases
    while both arguments stay in :math:`[0, 1]` and reaches the level by
    :math:`r = 1/\max(|\cos t|, |\sin t|)`, so 200 bisection steps find the boundary.

    Examples
    --------
    >>> from lksym.results import analyze
    >>> x, y = penalty_ball(analyze("1"), 9)
    >>> bool(np.allclose(np.abs(x) + np.abs(y), 1))
    True
    """

    if analysis.power is not None:
        return unit_ball(analysis.power.k, samples)
    level, _ = ball_constant(analysis)
    if level is None:
        return None
    t = np.linspace(0.0, 2.0 * np.pi, samples)
    c, s = np.abs(np.cos(t)), np.abs(np.sin(t))
    c[c < 1e-12] = 0.0
    s[s < 1e-12] = 0.0
    lo, hi = np.zeros_like(t), 1.0 / np.maximum(c, s)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        inside = evaluate(analysis.penalty, mid * c) + evaluate(analysis.penalty, mid * s) <= level
        lo, hi = np.where(inside, mid, lo), np.where(inside, hi, mid)
    r = 0.5 * (lo + hi)
    return np.sign(np.cos(t)) * np.where(c == 0, 0.0, r * c), np.sign(np.sin(t)) * np.where(s == 0, 0.0, r * s)
