r"""NumPy evaluation of derived expressions, safe at 0 and for negative weights.

Expressions are lambdified from the analysis, never re-typed.  Two pitfalls are
handled here on purpose:

* a formula valid for :math:`w \ne 0` (``sign(w)/sqrt(Abs(w))``) gives ``nan``
  or a wrong ``0`` at :math:`w = 0`; :func:`evaluate` returns the exact value
  at 0 from :class:`~lksym.derivation.analysis.AtZero` instead (``nan`` where there is none);
* a fractional power of a negative base is ``nan`` in NumPy; every derived
  expression raises :math:`|w|`, never :math:`w`, to a fractional power, and
  :func:`evaluate` checks the result is real wherever the maths says it is.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import sympy as sp

from lksym.derivation.analysis import Part
from lksym.derivation.symbols import W


@lru_cache(maxsize=256)
def numpy_function(expr: sp.Expr, symbol: sp.Symbol = W):
    """``expr`` lambdified to a NumPy function of ``symbol``.

    Constant expressions give a scalar; callers broadcast.

    Examples
    --------
    >>> numpy_function(sp.Abs(W) ** sp.Rational(3, 2))(np.array([-4.0, 1.0]))
    array([8., 1.])
    """
    # The module object, not the string "numpy": the string makes lambdify run
    # ``from numpy import *``, which loads NumPy's lazy submodules (f2py, testing, ...)
    # and costs ~60 ms, a tenth of a whole report.  The generated code is the same.
    return sp.lambdify(symbol, expr, modules=[np])


def evaluate(part: Part, w) -> np.ndarray:
    """Evaluate one derived part on an array of weights.

    Parameters
    ----------
    part : Part
        The penalty, gradient or curvature of an :class:`~lksym.results.Analysis`.
    w : array_like
        Weights; ``w == 0`` gets the exact value at 0, or ``nan`` where the
        derivative does not exist there.

    Returns
    -------
    numpy.ndarray
        Float values, same shape as ``w``.

    Examples
    --------
    >>> from lksym.results import analyze
    >>> evaluate(analyze("1/2").gradient, [-1.0, 0.0, 0.25])
    array([-0.5,  nan,  1. ])
    """
    w = np.asarray(w, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        values = np.broadcast_to(np.asarray(numpy_function(part.expr)(w), dtype=float), w.shape).copy()
    at_zero = part.at_zero.value
    values[w == 0] = float(at_zero) if at_zero is not None else np.nan
    return values
