r"""A penalty's expression rewritten so that floats lose no digits near :math:`x = 0`.

:math:`\log(1 + x/\varepsilon)`, :math:`1 - e^{-x}` and :math:`\sqrt{1 + x^2} - 1` are 0 in float64 for
:math:`x < 10^{-17}` and keep few digits well above that, as written.  :func:`without_cancellation` gives
the same function through ``log1p``, ``expm1`` and a quotient, so that the code printed from it (the
exported modules, :mod:`lksym.writers.export`) and the functions lambdified from it (the float solver's
objective, :mod:`lksym.numerics.prox_solver`) are right to the last digits at any scale.
"""

from __future__ import annotations

import sympy as sp
from sympy.codegen.cfunctions import log1p

from lksym.derivation.symbols import X


def without_cancellation(expr: sp.Expr, x: sp.Symbol = X) -> sp.Expr:
    r"""``expr`` without the cancellations of :math:`p` near 0: :math:`\log(1 + u)` as ``log1p``,
    :math:`e^u - 1` as ``expm1`` and :math:`\sqrt{u} - 1` as :math:`(u - 1)/(\sqrt{u} + 1)` (``sqrt(1 + x^2) - 1``
    and ``1 - exp(-x)`` lose every digit at :math:`x = 10^{-8}`), where :math:`u < 4`.

    The same function of ``x`` everywhere (an identity, not an approximation).

    Examples
    --------
    >>> without_cancellation(sp.log(1 + X / 10))
    log1p(x/10)
    >>> without_cancellation(1 - sp.exp(-X))
    -expm1(-x)
    """
    # Imported here: sympy.codegen.rewriting is ~90 ms of `lksym report --k 1.5` (~5%), which never calls this.
    from sympy.codegen.rewriting import expm1_opt, log1p_opt, optimize

    # log(u) with u = 1 at x = 0 as log1p(u - 1) first: optimize would expand log(1 + x/10) into
    # log(x + 10) - log(10), which log1p_opt no longer matches (log-sum with eps > 1 lost its digits near 0).
    expr = expr.replace(lambda e: isinstance(e, sp.log) and x in e.args[0].free_symbols and e.args[0].subs(x, 0) == 1,
                        lambda e: log1p(sp.expand(e.args[0] - 1)))
    expr = optimize(expr, [log1p_opt, expm1_opt])

    def root_minus_one(e):
        return (isinstance(e, sp.Add) and len(e.args) == 2 and sp.S.NegativeOne in e.args
                and any(isinstance(a, sp.Pow) and a.exp == sp.S.Half for a in e.args))

    def rewrite(e):
        root = next(a for a in e.args if a != sp.S.NegativeOne)
        # u - 1 overflows where u does (x^2 beyond 1e154): the plain difference there, where nothing cancels.
        return sp.Piecewise((sp.expand(root.base - 1) / (root + 1), root.base < 4), (e, True))

    return expr.replace(root_minus_one, rewrite)
