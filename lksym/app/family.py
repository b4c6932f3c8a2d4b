r"""The symbolic family :math:`|w|^k` for every k > 0: its cases and the sweep figure's curves, then the report.

:func:`symbolic_family` derives the frozen :class:`~lksym.command_results.SymbolicFamily` (the cases of
:func:`lksym.derivation.family.cases`, the general formulas, each :data:`SWEEP` exponent's gradient sampled
from its case's formula); :mod:`lksym.writers.family` renders it (``lksym report --k k``, ``lksym analyze
--k k --json``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import sympy as sp

from lksym.command_results import SweepCurve, SymbolicFamily
from lksym.derivation.expr import parse_k
from lksym.derivation.family import case_of, cases
from lksym.derivation.regime import K
from lksym.derivation.symbols import X
from lksym.fileio import write_folder
from lksym.numerics.numeric import numpy_function
from lksym.writers.family import FOLDER, render_report

SWEEP = ("1/2", "1", "3/2", "2", "3", "10")
"""The exponents drawn in the general report's figure."""


def sweep_curve(text: str) -> SweepCurve:
    r"""The gradient of :math:`|w|^k` on :math:`[-1.5, 1.5]` from k's case formula (:func:`~lksym.derivation.family.case_of`).

    The formulas hold for :math:`w \ne 0`: ``nan`` at 0, so a pole (k = 1/2) or a jump (k = 1) is no
    vertical line, and ``nan`` where :math:`|y| > 40`, far off the axes near a pole.

    Examples
    --------
    >>> c = sweep_curve("3/2")
    >>> c.label, float(c.y[c.w == 1.0][0]), bool(np.isnan(c.y[c.w == 0]).all())
    ('3/2', 1.5, True)
    """
    w = np.linspace(-1.5, 1.5, 601)  # odd count: w = 0 is a sample, left empty
    k = parse_k(text)
    expr = case_of(k).gradient.subs(K, k)
    with np.errstate(all="ignore"):
        y = np.array(np.broadcast_to(np.asarray(numpy_function(expr)(w), dtype=float), w.shape))
    y[w == 0] = np.nan
    y[np.abs(y) > 40] = np.nan
    return SweepCurve(text, w, y)


def symbolic_family() -> SymbolicFamily:
    r"""The cases of :math:`|w|^k` for a symbolic k, :math:`f'` and :math:`f''` of :math:`x^k`, and the sweep's curves.

    Examples
    --------
    >>> f = symbolic_family()
    >>> [c.name for c in f.cases], f.gradient, [c.label for c in f.sweep]
    (['SUBLINEAR', 'L1', 'BETWEEN', 'L2', 'STEEP_EVEN', 'STEEP_OTHER'], k*x**(k - 1), ['1/2', '1', '3/2', '2', '3', '10'])
    """
    gradient = sp.powsimp(sp.diff(X**K, X), force=True)
    curvature = sp.powsimp(sp.diff(gradient, X), force=True)
    return SymbolicFamily(cases=tuple(cases()), gradient=gradient, curvature=curvature,
                          sweep=tuple(sweep_curve(text) for text in SWEEP))


def write_report(out_dir: os.PathLike | str, image_format: str = "svg", dpi=None) -> Path:
    """Write ``<out_dir>/k-symbolic/report.md`` and its figure, the folder whole or not at all; return the report's path."""

    return write_folder(Path(out_dir) / FOLDER, render_report(symbolic_family(), image_format, dpi)) / "report.md"
