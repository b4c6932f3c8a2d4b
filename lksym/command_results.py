r"""The frozen results of the commands whose pages show more than one :class:`~lksym.results.Analysis`.

A writer renders one of these and computes nothing; the application layer builds them
(``lksym.app``: one function per command):

=====================  ====================================  ==========================================
result                 built by                              rendered by
=====================  ====================================  ==========================================
:class:`Comparison`    :func:`lksym.app.compare.comparison`  :mod:`lksym.writers.compare`
:class:`SymbolicFamily`  :func:`lksym.app.family.symbolic_family`  :mod:`lksym.writers.family`
:class:`OptimizersPage`  :func:`lksym.app.optimizers.optimizers_page`  :mod:`lksym.writers.optimizers_page`
:class:`ExplorerPage`  :func:`lksym.app.explore.explorer_page`  :mod:`lksym.writers.explore`
=====================  ====================================  ==========================================

Arrays (NumPy) and the page's JSON-ready data are held as built; nothing here changes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import sympy as sp

from lksym.results import Analysis


@dataclass(frozen=True)
class ProxCurve:
    r"""A shrinkage map :math:`z \mapsto \operatorname{prox}_{\lambda p}(z)` sampled for a figure.

    Attributes
    ----------
    z, y
        The samples (``y`` has a ``nan`` at each located jump, ``z`` the jump's abscissa there).
    jumps
        ``(z, left value, right value)`` of each located jump (empty where none was looked for).
    """

    z: Any
    y: Any
    jumps: tuple = ()


@dataclass(frozen=True)
class Neighbour:
    r"""Two consecutive exponents of the power family and the exact :math:`|w| > 0` where their gradients are equal."""

    k1: sp.Expr
    k2: sp.Expr
    weight: Optional[sp.Expr]


@dataclass(frozen=True)
class Comparison:
    r"""Everything the page of ``lksym compare`` shows: the analyses and what is derived across them.

    Attributes
    ----------
    analyses
        The subjects' analyses in page order: the power family by increasing k, then the others.
    powers_only
        Whether every subject is :math:`|w|^k` (the power family's own page).
    neighbours
        :class:`Neighbour` per consecutive pair of the power family's members.
    shrink_lambda
        :math:`\lambda` of the shrinkage maps.
    shrink_half, overlay_half
        Half-widths of the shrinkage figure and of the penalty and gradient overlays.
    shrinkage
        :class:`ProxCurve` per analysis, at ``shrink_lambda``.
    thresholds
        The prox threshold at ``shrink_lambda`` as a float, per analysis (``None`` on the power family's page).
    balls
        ``(x, y)`` of each ball's boundary, or ``None`` where none is drawn.
    ball_notes
        Why a ball is not drawn (``""`` where it is).
    """

    analyses: tuple[Analysis, ...]
    powers_only: bool
    neighbours: tuple[Neighbour, ...]
    shrink_lambda: float
    shrink_half: float
    overlay_half: float
    shrinkage: tuple[ProxCurve, ...]
    thresholds: tuple[Optional[float], ...]
    balls: tuple[Optional[tuple[Any, Any]], ...]
    ball_notes: tuple[str, ...]

    @property
    def powers(self) -> tuple[Analysis, ...]:
        """The analyses of the power family's members."""
        return tuple(a for a in self.analyses if a.power is not None)


@dataclass(frozen=True)
class SweepCurve:
    """One exponent's gradient sampled for the symbolic family's figure (``nan`` at 0 and far off the axes)."""

    label: str
    w: Any
    y: Any


@dataclass(frozen=True)
class SymbolicFamily:
    r"""The report of :math:`|w|^k` for a symbolic k: its cases, the general formulas and the sweep figure's curves.

    Attributes
    ----------
    cases
        The :class:`lksym.derivation.family.Case` records, in order.
    gradient, curvature
        :math:`f'` and :math:`f''` of :math:`x^k` on :math:`x > 0`, in k.
    sweep
        :class:`SweepCurve` per exponent of the figure.
    """

    cases: tuple
    gradient: sp.Expr
    curvature: sp.Expr
    sweep: tuple[SweepCurve, ...]


@dataclass(frozen=True)
class OptimizersPage:
    """The article re-judged under each optimiser: the verdicts, the table and the figures' runs.

    Attributes
    ----------
    verdicts
        :class:`lksym.numerics.rejudge.Verdict` per (claim, optimiser).
    table
        ``(subject, results)`` per penalty: a :class:`~lksym.dynamics_result.Dynamics` per optimiser.
    optimizers
        The optimisers' names, the table's columns.
    figures
        ``(k text, file name, results)`` per article k drawn.
    """

    verdicts: tuple
    table: tuple
    optimizers: tuple[str, ...]
    figures: tuple


@dataclass(frozen=True)
class ExplorerPage:
    """The data of ``lksym explore``'s page, JSON-ready, and the names its compiled two-cycle equations take.

    Attributes
    ----------
    data
        ``{"schema", "tau", "penalties", "optimizers", "optimizer_ranges"}``: what the page embeds
        (the formulas as text and as compiled JavaScript expressions).
    cycle_parameters
        The optimiser parameters bound in each compiled two-cycle equation, in order.
    """

    data: dict
    cycle_parameters: tuple[str, ...]
