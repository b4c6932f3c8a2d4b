"""The frozen result of one analysis, and :func:`analyze`, the one function that builds it.

Layers (imports point one way, down this list; ``tests/test_layers.py`` checks it):

==================  =====================================================
``lksym.derivation``  SymPy derives the facts of a :class:`~lksym.derivation.penalty.Penalty`
``lksym.results``     :class:`Analysis`: every fact, frozen (this module)
``lksym.numerics``    NumPy evaluates the derived expressions
``lksym.writers``     Markdown, JSON, terminal, figures and HTML read an Analysis
``lksym.api``, ``lksym.notebook``, ``lksym.verify``, ``lksym.regenerate``, ``lksym.cli``  commands
==================  =====================================================

The result imports no writer: ``print``, notebook display, JSON and figures come from
:class:`lksym.notebook.AnalysisView`, which :func:`lksym.analyze` returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import sympy as sp

from lksym import budget
from lksym.derivation.analysis import Band, Breakpoint, Crossover, Overshoot, Part, family_analysis
from lksym.derivation.gd import GradientDescent
from lksym.derivation.penalty import Penalty, parse_subject
from lksym.derivation.power_facts import PowerFacts
from lksym.derivation.prox import Prox, Thresholding
from lksym.errors import InputError


@dataclass(frozen=True)
class Analysis:
    r"""Every derived fact about one penalty :math:`p(w)`: :math:`|w|^k` or any other.

    Build it with :func:`analyze`; it is immutable and computed once.  Every fact is of the
    penalty :attr:`subject`; what only the power family has is one record, :attr:`power`
    (``None`` for every other penalty; the symbolic-k cases are :mod:`lksym.derivation.family`).

    Attributes
    ----------
    power
        :class:`PowerFacts` (the exponent ``k`` and its ``regime``) for :math:`|w|^k`,
        ``None`` for any other penalty.
    penalty, gradient, curvature
        :class:`Part` objects for :math:`f`, :math:`f'` and :math:`f''`.
    smoothness
        The largest n with :math:`f \in C^n` at 0, or ``None`` for
        :math:`C^\infty`.
    convex
        Whether :math:`f` is convex on the real line.
    sparse
        Whether a proximal (or clipped) step sets small weights exactly to 0:
        true exactly when the gradient does not vanish at :math:`0^+`.
    lipschitz_gradient_near_zero
        Whether the gradient is continuous at 0 and the curvature stays bounded
        near 0, so that a small enough fixed
        gradient step cannot overshoot 0 for small weights.
    dead_zone
        For penalties whose gradient vanishes at 0: the :math:`|w|` below which
        :math:`\alpha |f'(w)| < \tau`, in the positive symbols ``alpha`` and
        ``tau``; otherwise ``None``.
    overshoot
        :class:`Overshoot`: which weights one gradient step of size ``eta`` throws across 0.
    crossovers
        :class:`Crossover` against L1 and L2 (``None`` where not derived).
    bands
        The order of the L1, L2 and penalty gradient magnitudes between crossovers.
    prox
        :class:`~lksym.derivation.prox.Prox`: threshold and closed form of the proximal step
        of :math:`\lambda p`.
    gd
        :class:`~lksym.derivation.gd.GradientDescent`: two-cycle and decay of plain gradient
        descent with step ``eta``.
    subject
        The :class:`~lksym.derivation.penalty.Penalty` analysed.
    breakpoints
        :class:`Breakpoint` per :math:`|w| > 0` where the definition changes.
    curvature_min
        The infimum of the curvature off 0 and off the breakpoints: the proximal
        step of :math:`\lambda p` is a convex problem when
        :math:`1 + \lambda \cdot` ``curvature_min`` :math:`\ge 0`.
    thresholding
        :class:`~lksym.derivation.prox.Thresholding`: Fan and Li's three properties
        of the proximal step of :math:`\lambda p`.
    omitted
        Why a fact is ``None`` where it is not derived for this penalty, by field name.
    """

    power: Optional[PowerFacts]
    penalty: Part
    gradient: Part
    curvature: Part
    smoothness: Optional[int]
    convex: bool
    sparse: bool
    lipschitz_gradient_near_zero: bool
    dead_zone: Optional[sp.Expr]
    overshoot: Optional[Overshoot]
    crossovers: Optional[tuple[Crossover, Crossover]]
    bands: Optional[tuple[Band, ...]]
    prox: "Prox"
    gd: Optional["GradientDescent"]
    subject: Optional["Penalty"] = None
    breakpoints: tuple["Breakpoint", ...] = ()
    curvature_min: Optional[sp.Expr] = None
    thresholding: Optional["Thresholding"] = None
    omitted: dict = field(default_factory=dict)

    @property
    def parts(self) -> tuple[Part, Part, Part]:
        """Penalty, gradient and curvature, in that order."""
        return (self.penalty, self.gradient, self.curvature)

    @property
    def label(self) -> str:
        """A short name such as ``L1.5``, ``L7/3``, ``L√2`` or ``SCAD (λ = 1, a = 3.7)``: the subject's :attr:`~lksym.derivation.penalty.Penalty.name`."""
        return self.subject.name

    def __repr__(self) -> str:
        # A plain dump of every field runs to pages; the fields are attributes.
        return f"<Analysis of {self.label}>"


TIME_LIMIT = 20.0
"""Seconds an analysis may take (nearly every k takes well under one)."""


def analyze(subject, *, time_limit: Optional[float] = None) -> Analysis:
    r"""Derive every fact lksym reports about a penalty: :math:`|w|^k` or any other.

    Parameters
    ----------
    subject : Penalty, str, int or SymPy number
        A :class:`~lksym.derivation.penalty.Penalty`, or anything
        :func:`lksym.derivation.penalty.parse_subject` reads: an exponent k of :math:`|w|^k`
        (``"3/2"``, ``"1.5"``, ``"sqrt(2)"``, an exact positive number) or a penalty
        (``"scad(lam=1, a=3.7)"``, ``"log(1 + abs(w)/0.1)"``).
    time_limit : float, optional
        Seconds before giving up (default :data:`TIME_LIMIT`; in any thread,
        see :mod:`lksym.budget`).
        Exact arithmetic can run away for k with many digits: 1.541 needs
        1000/541-th powers, and SymPy factors numbers of thousands of digits.

    Returns
    -------
    Analysis
        The frozen result.

    Raises
    ------
    lksym.errors.InputError
        If ``subject`` is not a penalty lksym can handle, or its analysis
        takes longer than ``time_limit``.

    Examples
    --------
    >>> a = analyze("3/2")
    >>> a.gradient.expr
    3*sqrt(Abs(w))*sign(w)/2
    >>> a.gradient.limits["0+"], a.curvature.limits["0+"], a.smoothness
    (0, oo, 1)
    >>> a.power.k, a.power.regime.condition_text, analyze("l0").power
    (3/2, '1 < k < 2', None)
    """
    penalty = parse_subject(subject)
    time_limit = TIME_LIMIT if time_limit is None else time_limit
    family = family_analysis(penalty)
    try:
        with budget.deadline(time_limit):
            return Analysis(**family.derive(penalty))
    except budget.Timeout:
        raise InputError(family.too_costly(penalty, time_limit)) from None
