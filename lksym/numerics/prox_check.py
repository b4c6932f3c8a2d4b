"""Hold any implementation of a proximal step against the derived one (:func:`check_prox`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import sympy as sp

from lksym.derivation.penalty import parse_penalty
from lksym.derivation.prox import TOLERANCE, Thresholding, exact_number, threshold_at, thresholding
from lksym.derivation.symbols import LAM
from lksym.errors import InputError
from lksym.numerics.prox_solver import prox_numeric, same_prox


@dataclass(frozen=True)
class Disagreement:
    """One point where an implementation and :func:`prox_numeric` differ."""

    z: float
    lam: float
    theirs: float
    ours: float
    difference: float


@dataclass(frozen=True)
class ProxCheck:
    """The result of :func:`check_prox`.

    Attributes
    ----------
    passed
        Every point agrees within ``tolerance`` (or is an equally good minimiser).
    points
        How many (z, lam) were compared.
    worst
        The worst disagreements, largest first (at most 10).
    tolerance
        Relative tolerance on x, against the largest of the two answers and |z|.  Two different answers
        pass only as equally good minimisers (within rounding, with nothing lower between them).used.
    """

    passed: bool
    points: int
    worst: tuple
    tolerance: float


def _condition_lams(t: Thresholding) -> list:
    out = []
    for value in (t.sparse, t.continuous, t.unbiased):
        if isinstance(value, sp.Basic) and not isinstance(value, sp.logic.boolalg.BooleanAtom):
            for rel in value.atoms(sp.core.relational.Relational):
                for side in (rel.lhs, rel.rhs):
                    if side.is_number:
                        out.append(float(side))
    if isinstance(t.unbiased_beyond, sp.Piecewise):
        for _, cond in t.unbiased_beyond.args:
            for rel in cond.atoms(sp.core.relational.Relational):
                for side in (rel.lhs, rel.rhs):
                    if side.is_number:
                        out.append(float(side))
    return out


def check_prox(fn: Callable[[float, float], float], penalty, *, lams=None, zs=None, tolerance: float = TOLERANCE) -> ProxCheck:
    r"""Hold an implementation ``fn(z, lam) -> x`` of the prox of :math:`\lambda p` against :func:`prox_numeric`.

    By default ``lam`` runs over 0.01, 0.1, 0.5, 1, 3, 10 and both sides of every condition in
    ``lam`` of :func:`thresholding` (SCAD's :math:`a - 1`, MCP's :math:`\gamma`, log-sum's
    :math:`\varepsilon^2`); ``z`` over both signs of 0, just inside and outside the threshold at
    that ``lam``, both sides of every breakpoint and of ``unbiased_beyond``, and large values.
    Where the objective ties (two global minimisers, at a jump) either value is right: there the
    objective values are compared instead of the points.  ``fn`` runs in the caller's process.

    Parameters
    ----------
    fn : callable
        ``fn(z, lam)`` with floats, returning a float.
    penalty : Penalty or str
        The penalty (text is read by :func:`lksym.derivation.penalty.parse_penalty`).
    lams, zs : sequence of float, optional
        Replace the default grids (``zs`` are then used at every ``lam``).
    tolerance : float
        Relative tolerance on x, against the largest of the two answers and |z|.  Two different answers
        pass only as equally good minimisers (within rounding, with nothing lower between them).

    Returns
    -------
    ProxCheck

    Examples
    --------
    >>> import math
    >>> soft = lambda z, lam: math.copysign(max(abs(z) - lam, 0.0), z)
    >>> check_prox(soft, "l1").passed
    True
    >>> from lksym.derivation.penalty import parse_penalty
    >>> logsum = parse_penalty("logsum(eps=0.1)")
    >>> def wrong(z, lam):  # a library that returns 0 at z = 2.875, lam = 0.3
    ...     return 0.0 if abs(z - 2.875) < 1e-12 and lam == 0.3 else prox_numeric(logsum, lam, z)
    >>> result = check_prox(wrong, logsum, lams=[0.3], zs=[2.875])
    >>> result.passed, round(result.worst[0].ours, 4)
    (False, 2.7705)
    """
    if isinstance(penalty, str):
        penalty = parse_penalty(penalty)
    t = thresholding(penalty)
    if lams is None:
        base = {0.01, 0.1, 0.5, 1.0, 3.0, 10.0}
        for c in _condition_lams(t):
            base.update({c * 0.9, c * 0.999, c * 1.001, c * 1.1})
        lams = sorted(base)
    results = []
    for lam in lams:
        lam = float(lam)
        if zs is None:
            th = threshold_at(penalty, lam)
            points = {0.0, 1e-3, 0.5, 1.0, 2.0, 10.0, 1e3, 1e6, th}
            for s in (th, *(float(b) for b in penalty.breakpoints)):
                points.update({s * (1 - 1e-6), s * (1 + 1e-6), s * 0.9, s * 1.1})
            if t.unbiased_beyond is not None:
                u = float(sp.N(t.unbiased_beyond.subs(LAM, exact_number(lam))))
                points.update({u * (1 - 1e-6), u * (1 + 1e-6), 2 * u})
            grid = sorted({s * v for v in points for s in (1.0, -1.0)})
        else:
            grid = [float(v) for v in zs]
        for z in grid:
            ours = prox_numeric(penalty, lam, z)
            try:
                theirs = float(fn(z, lam))
            except Exception as error:  # noqa: BLE001 -- the implementation under test may raise anything
                raise InputError(f"the implementation raised {type(error).__name__} at z = {z!r}, lam = {lam!r}: {error}") from None
            if same_prox(penalty, lam, z, theirs, ours, tolerance):
                results.append(None)
                continue
            results.append(Disagreement(z, lam, theirs, ours, abs(theirs - ours) if math.isfinite(theirs) else math.inf))
    bad = sorted((r for r in results if r is not None), key=lambda d: (-d.difference, d.lam, d.z))
    return ProxCheck(not bad, len(results), tuple(bad[:10]), tolerance)
