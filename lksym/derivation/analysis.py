r"""Exact analysis of a penalty :math:`p(w)`: :math:`|w|^k` for one exact k, or any other.

:func:`derive` asks a fixed set of questions of a :class:`~lksym.derivation.penalty.Penalty`,
through its family's entry in :data:`FAMILIES` (:func:`derive_power` for :math:`|w|^k`, which also
answers what only the power family has: regime, crossovers with L1 and L2, bands;
:func:`derive_penalty`, piece by piece, for every other); :func:`lksym.results.analyze`
freezes the answers into one :class:`~lksym.results.Analysis`.  Writers (Markdown, JSON, plots,
terminal) only read it.

How the derivation avoids SymPy's pitfalls
------------------------------------------
Differentiating ``Abs(w)**k`` directly brings ``sign(w)**2`` and ``DiracDelta``
terms.  Instead every derivative is taken on the right branch
:math:`f_+(x) = x^k` with a *positive* symbol ``x`` and carried to the real line
by the parity of an even function,

.. math::

    f^{(n)}(w) = \operatorname{sign}(w)^n \, f_+^{(n)}(|w|), \qquad w \ne 0,

so limits at :math:`0^-` and :math:`-\infty` are :math:`(-1)^n` times those at
:math:`0^+` and :math:`+\infty`.  What happens *at* 0 is decided from the
one-sided difference quotients, not from a formula that is only valid for
:math:`w \ne 0`.

The derivation is split by job: :mod:`lksym.derivation.parts` (the three parts and their limits),
:mod:`lksym.derivation.breakpoints` (breakpoints, one-sided limits, smoothness),
:mod:`lksym.derivation.weights` (dead zone, overshoot, crossovers, bands and gradient descent of any
penalty), :mod:`lksym.derivation.power_facts` (:math:`|w|^k`); this module is the entry point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from lksym.derivation.breakpoints import (
    Breakpoint,
    breakpoint_between,
    hyperbolic_form,
    infimum_on,
    one_sided_limit,
    piecewise_branch,
    real_line_piecewise,
    smoothness_at_zero,
)
from lksym.derivation.exact import decide, k_text
from lksym.derivation.parts import (
    PART_NAMES,
    POINTS,
    AtZero,
    Part,
    behaviour_at_zero,
    is_finite_value,
    is_nonnegative_branch,
    point_limits,
    to_real_line,
)
from lksym.derivation.penalty import Penalty
from lksym.derivation.power_facts import derive_power
from lksym.derivation.prox import Prox, prox_closed_form, prox_threshold, thresholding
from lksym.derivation.symbols import X
from lksym.derivation.weights import Band, Crossover, Overshoot, direction, penalty_gd_facts
from lksym.errors import InputError

__all__ = [
    # this module's own
    "derive", "derive_penalty", "FamilyAnalysis", "FAMILIES", "PIECEWISE", "family_analysis",
    # the records and helpers of the analysis, defined in its parts and read from here by the results and writers
    "POINTS", "PART_NAMES", "AtZero", "Part", "Breakpoint", "Band", "Crossover", "Overshoot", "direction",
    "behaviour_at_zero", "is_nonnegative_branch", "point_limits", "to_real_line", "derive_power",
]


def derive_penalty(penalty) -> dict:
    """Every fact derivable for any :class:`~lksym.derivation.penalty.Penalty`, piece by piece.

    Returns the keyword arguments of :class:`lksym.results.Analysis`; call it under a deadline.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> facts = derive_penalty(parse_penalty("mcp(lam=1, gamma=3)"))
    >>> facts["curvature_min"], [b.at for b in facts["breakpoints"]]
    (-1/3, [3])
    """
    pieces = penalty.pieces
    derivatives = [[p.expr] for p in pieces]
    for ds in derivatives:
        for _ in range(2):
            ds.append(hyperbolic_form(sp.diff(ds[-1], X)))
    first, last = derivatives[0], derivatives[-1]
    p0 = penalty.at_zero

    limits = []
    for n in range(3):
        right0, right_inf = one_sided_limit(first[n], sp.S.Zero, "+"), one_sided_limit(last[n], sp.oo, "-")
        flip = -1 if n % 2 else 1
        limits.append({"0+": right0, "0-": flip * right0, "+oo": right_inf, "-oo": flip * right_inf})

    breakpoints = tuple(
        breakpoint_between(derivatives[i][0], derivatives[i + 1][0], pieces[i].hi) for i in range(len(pieces) - 1)
    )
    curvature_min = sp.Min(*[infimum_on(ds[2], p.lo, p.hi) for ds, p in zip(derivatives, pieces)])
    continuous = limits[0]["0+"] == p0 and all(b.smoothness >= 0 for b in breakpoints)
    gradient_up = decide(limits[1]["0+"] >= 0) and all(
        decide(b.limits["gradient"]["left"] <= b.limits["gradient"]["right"]) for b in breakpoints
    )
    convex = continuous and gradient_up and decide(curvature_min >= 0)

    # What happens at 0 itself: p(0) is given; derivatives from difference quotients.
    at_zero: list[AtZero] = [AtZero(p0, None, limits[0]["0+"] == p0)]
    if at_zero[0].continuous:
        kink_up = decide(limits[1]["0+"] >= limits[1]["0-"])  # locally convex at 0: a subdifferential there
        for n in (1, 2):
            at_zero.append(behaviour_at_zero(n, first, limits[n], at_zero[-1], kink_up))
    else:
        at_zero += [AtZero(None, None, False), AtZero(None, None, False)]
    parts = tuple(
        Part(name, n, real_line_piecewise([ds[n] for ds in derivatives], pieces, n), piecewise_branch([ds[n] for ds in derivatives], pieces), limits[n], at_zero[n])
        for n, name in enumerate(PART_NAMES)
    )
    quotient = one_sided_limit((first[0] - p0) / X, sp.S.Zero, "+")
    facts = thresholding(penalty)
    weights, omitted = penalty_gd_facts(derivatives, pieces, limits)
    return dict(
        power=None,
        penalty=parts[0],
        gradient=parts[1],
        curvature=parts[2],
        smoothness=smoothness_at_zero(first[0], p0),
        convex=convex,
        sparse=decide(quotient > 0),
        lipschitz_gradient_near_zero=at_zero[1].continuous and is_finite_value(limits[2]["0+"]),
        dead_zone=weights["dead_zone"],
        overshoot=weights["overshoot"],
        crossovers=weights["crossovers"],
        bands=weights["bands"],
        prox=Prox(prox_threshold(penalty), prox_closed_form(penalty)),
        gd=weights["gd"],
        subject=penalty,
        breakpoints=breakpoints,
        curvature_min=curvature_min,
        thresholding=facts,
        omitted=omitted,
    )


# --------------------------------------------------------------------------- one entry point


def _derive_pieces(penalty: Penalty) -> dict:
    """:func:`derive_penalty`, with what SymPy cannot take through every step as one line, not a traceback."""
    try:
        return derive_penalty(penalty)
    except (TypeError, ValueError, ArithmeticError, NotImplementedError, AssertionError) as error:
        if isinstance(error, InputError):
            raise
        raise InputError(f"{penalty.text[:60]}: lksym cannot derive every fact of this penalty exactly "
                         f"({type(error).__name__}: {str(error).splitlines()[0][:80] if str(error) else ''})") from None


@dataclass(frozen=True)
class FamilyAnalysis:
    """How one family's facts are derived (the entries of :data:`FAMILIES`).

    Attributes
    ----------
    derive
        ``penalty -> dict``: the keyword arguments of :class:`lksym.results.Analysis`.
    too_costly
        ``(penalty, seconds) -> str``: the message when the analysis runs out of time.
    """

    derive: Callable[[Penalty], dict]
    too_costly: Callable[[Penalty, float], str]


PIECEWISE = FamilyAnalysis(
    derive=_derive_pieces,
    too_costly=lambda penalty, seconds: f"{penalty.text} is too costly to analyse exactly (over {seconds:g} s)",
)
"""Any penalty, piece by piece."""

FAMILIES = {
    "power": FamilyAnalysis(
        derive=lambda penalty: derive_power(penalty.k),
        too_costly=lambda penalty, seconds: (
            f"k = {k_text(penalty.k)} is too costly to analyse exactly (over {seconds:g} s): "
            "exact powers with k's digits grow too large; a k with fewer digits works"
        ),
    ),
}
"""A family's own analysis, where it has one; every other family uses :data:`PIECEWISE`."""


def family_analysis(penalty: Penalty) -> FamilyAnalysis:
    """The analysis of ``penalty``'s family (:data:`FAMILIES`, else :data:`PIECEWISE`)."""
    return FAMILIES.get(penalty.family, PIECEWISE)


def derive(penalty: Penalty) -> dict:
    """Every fact of any penalty, as the keyword arguments of :class:`lksym.results.Analysis`; call it under a deadline.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_subject
    >>> derive(parse_subject("3/2"))["smoothness"], derive(parse_subject("mcp(lam=1, gamma=3)"))["curvature_min"]
    (1, -1/3)
    """
    return family_analysis(penalty).derive(penalty)
