r"""The regimes of the exponent k: the one place that decides which one a k is in.

Every qualitative fact lksym reports is *derived* by SymPy from the penalty; the
regime only names the family a k belongs to, orders the symbolic case analysis
and titles the report.

======================  ===========================  ======================================
regime                  condition                    shape of :math:`|w|^k` at 0
======================  ===========================  ======================================
``SUBLINEAR``           :math:`0 < k < 1`            cusp: gradient :math:`\to \pm\infty`
``L1``                  :math:`k = 1`                kink: gradient jumps from -1 to 1
``BETWEEN``             :math:`1 < k < 2`            gradient :math:`\to 0`, curvature :math:`\to\infty`
``L2``                  :math:`k = 2`                quadratic: constant curvature 2
``STEEP``               :math:`k > 2`                flat: gradient and curvature :math:`\to 0`
======================  ===========================  ======================================

Within ``STEEP`` (and for ``L2``) the parity of an integer k matters for smoothness:
an even integer makes :math:`|w|^k = w^k` a polynomial.
"""

from __future__ import annotations

import enum

import sympy as sp

K = sp.Symbol("k", positive=True)


class Regime(enum.Enum):
    """Named families of k, with their defining condition on the symbol ``k``."""

    SUBLINEAR = ("0 < k < 1", "sub-linear (concave, cusp at 0)")
    L1 = ("k = 1", "L1 (kink at 0)")
    BETWEEN = ("1 < k < 2", "between L1 and L2")
    L2 = ("k = 2", "L2 (quadratic)")
    STEEP = ("k > 2", "steeper than quadratic (flat at 0)")

    def __init__(self, condition_text: str, title: str) -> None:
        self.condition_text = condition_text
        self.title = title

    @property
    def condition(self) -> sp.Basic:
        """The regime's condition as a SymPy relational in the positive symbol ``k``."""
        return {
            Regime.SUBLINEAR: sp.And(K > 0, K < 1),
            Regime.L1: sp.Eq(K, 1),
            Regime.BETWEEN: sp.And(K > 1, K < 2),
            Regime.L2: sp.Eq(K, 2),
            Regime.STEEP: K > 2,
        }[self]


def _is_true(relation: sp.Basic) -> bool:
    # SymPy decides relations between exact constants (sqrt(2) < 2) by
    # evaluating them numerically to enough precision; an undecidable one is a bug.
    value = bool(relation) if isinstance(relation, (bool, sp.logic.boolalg.BooleanAtom)) else None
    if value is None:
        raise ValueError(f"cannot decide {relation}")
    return value


def classify(k: sp.Expr) -> Regime:
    """Return the regime of an exact positive number ``k``.

    Examples
    --------
    >>> classify(sp.Rational(3, 2))
    <Regime.BETWEEN: ('1 < k < 2', 'between L1 and L2')>
    >>> classify(sp.sqrt(2)).name
    'BETWEEN'
    """
    if _is_true(sp.Lt(k, 1)):
        return Regime.SUBLINEAR
    if _is_true(sp.Eq(k, 1)):
        return Regime.L1
    if _is_true(sp.Lt(k, 2)):
        return Regime.BETWEEN
    if _is_true(sp.Eq(k, 2)):
        return Regime.L2
    return Regime.STEEP


def integer_parity(k: sp.Expr) -> str | None:
    """Return ``"even"`` or ``"odd"`` for an integer ``k``, else ``None``.

    Examples
    --------
    >>> integer_parity(sp.Integer(10)), integer_parity(sp.Rational(3, 2))
    ('even', None)
    """
    if not k.is_integer:
        return None
    return "even" if k.is_even else "odd"
