r"""The three parts of a penalty (penalty, gradient, curvature) and their limits at 0 and at infinity.

Every derivative is taken on the right branch :math:`f_+(x)` with a positive symbol ``x`` and carried to
the real line by parity (:func:`to_real_line`); what happens *at* 0 is decided from the one-sided
limits (:func:`behaviour_at_zero`), not from a formula valid only for :math:`w \ne 0`.
:mod:`lksym.derivation.analysis` assembles these into the facts of a penalty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import sympy as sp

from lksym.derivation.exact import PROBE_DIGITS
from lksym.derivation.symbols import W, X


POINTS = ("0+", "0-", "+oo", "-oo")
PART_NAMES = ("penalty", "gradient", "curvature")


@dataclass(frozen=True)
class AtZero:
    """What one derivative of the penalty does at :math:`w = 0` itself.

    Attributes
    ----------
    value
        The exact value of :math:`f^{(n)}(0)`, or ``None`` where it does not exist.
    subdifferential
        For the gradient of a convex penalty with a kink: the interval
        ``(lo, hi)`` of subgradients at 0; otherwise ``None``.
    continuous
        Whether :math:`f^{(n)}` exists at 0 and is continuous there.
    """

    value: Optional[sp.Expr]
    subdifferential: Optional[tuple[sp.Expr, sp.Expr]]
    continuous: bool


@dataclass(frozen=True)
class Part:
    """The penalty or one of its derivatives.

    Attributes
    ----------
    name
        ``"penalty"``, ``"gradient"`` or ``"curvature"``.
    order
        0, 1 or 2: which derivative.
    expr
        The derivative for :math:`w \\ne 0` in the real symbol ``w``, free of
        ``DiracDelta`` and ``sign(w)**2``.
    branch
        The same on the right branch, in the positive symbol ``x``.
    limits
        One-sided limits keyed by ``"0+"``, ``"0-"``, ``"+oo"``, ``"-oo"``.
    at_zero
        Value, subdifferential and continuity at 0.
    """

    name: str
    order: int
    expr: sp.Expr
    branch: sp.Expr
    limits: dict
    at_zero: AtZero


# --------------------------------------------------------------------------- helpers


def limit_at(expr: sp.Expr, point: sp.Expr) -> sp.Expr:
    """One-sided limit on the right branch, ``x -> point`` (0 or oo) from inside (0, oo)."""
    if not expr.has(X):
        return expr
    coeff, exponent = expr.as_coeff_exponent(X)
    if not coeff.has(X) and exponent.is_real and point in (0, sp.oo):
        # c*x**e, every branch lksym derives: the sign of e decides, no series needed
        # (limit() would also expand the coefficient's powers, which for k = 998.3 is slow).
        if coeff == 0:
            return sp.S.Zero
        grows = bool(exponent < 0) if point == 0 else bool(exponent > 0)
        return sp.sign(coeff) * sp.oo if grows else sp.S.Zero
    if point == sp.oo and expr.has(sp.sinh, sp.cosh, sp.tanh):
        # limit() spends ~1 s of heuristics on 1 - tanh(x)**2 at oo; gruntz (what it ends in) takes ~1 ms.
        try:
            value = sp.gruntz(expr, X, sp.oo)
        except (ValueError, NotImplementedError, TypeError, AttributeError):
            value = None
        if value is not None and not value.has(sp.Limit, sp.nan) and value.is_comparable is not False:
            return value
    return sp.limit(expr, X, point, "+" if point == 0 else "-")


def to_real_line(branch: sp.Expr, order: int) -> sp.Expr:
    r"""Carry a right-branch derivative to :math:`w \ne 0` as :math:`\operatorname{sign}(w)^n f_+^{(n)}(|w|)`.

    Monomials :math:`c\,x^e` get the tidiest equivalent form: for odd ``order``
    and an odd integer e, :math:`\operatorname{sign}(w)|w|^e = w^e`; for an even
    integer e > 0, :math:`w^{e-1}|w|`.
    """
    coeff, exponent = branch.as_coeff_exponent(X)
    odd = order % 2 == 1
    if coeff.has(X):  # not a monomial: plain substitution is still correct
        expr = branch.subs(X, sp.Abs(W))
        return sp.sign(W) * expr if odd else expr
    if not odd:
        return coeff * sp.Abs(W) ** exponent  # SymPy turns |w|**even into w**even itself
    if exponent.is_integer and exponent.is_odd:
        return coeff * W**exponent
    if exponent.is_integer and exponent.is_positive:
        return coeff * W ** (exponent - 1) * sp.Abs(W)
    return coeff * sp.sign(W) * sp.Abs(W) ** exponent


def point_limits(branch: sp.Expr, order: int) -> dict:
    right0, right_inf = limit_at(branch, sp.S.Zero), limit_at(branch, sp.oo)
    flip = -1 if order % 2 else 1  # parity of an even function's n-th derivative
    return {"0+": right0, "0-": flip * right0, "+oo": right_inf, "-oo": flip * right_inf}


def is_finite_value(value: sp.Expr) -> bool:
    return bool(value.is_finite)


def behaviour_at_zero(order: int, branches: list, limits: dict, below: Optional[AtZero], convex: bool) -> AtZero:
    r"""Value and continuity at 0 of :math:`f^{(n)}`, from the derivative below it.

    :math:`f^{(n)}(0)` exists when :math:`f^{(n-1)}(0) = v` exists and the
    difference quotients :math:`(f^{(n-1)}(\pm x) - v)/(\pm x)` have one finite
    common limit as :math:`x \to 0^+`; the penalty itself is :math:`0^k = 0`.
    A convex penalty whose quotients have different finite limits has the
    subdifferential between them (L1's :math:`[-1, 1]`).
    """
    value: Optional[sp.Expr]
    sub = None
    if order == 0:
        value = sp.S.Zero
    elif below is None or below.value is None:
        value = None
    else:
        v, b = below.value, branches[order - 1]
        right = limit_at((b - v) / X, sp.S.Zero)
        left = limit_at(((-1) ** (order - 1) * b - v) / (-X), sp.S.Zero)
        value = right if is_finite_value(right) and left == right else None
        if value is None and convex and is_finite_value(left) and is_finite_value(right):
            sub = (left, right)
    continuous = value is not None and limits["0+"] == value and limits["0-"] == value
    return AtZero(value=value, subdifferential=sub, continuous=continuous)


def is_nonnegative_branch(branch: sp.Expr) -> bool:
    """Whether a right-branch expression is >= 0 for every x > 0."""
    known = branch.is_nonnegative
    if known is not None:
        return bool(known)
    coeff, _ = branch.as_coeff_exponent(X)
    if coeff.has(X):
        raise ValueError(f"cannot decide the sign of {branch}")
    return bool(coeff >= 0)  # c * x**e with x > 0 has the sign of c


def probe_number(value: sp.Expr) -> sp.Float:
    """``value`` to :data:`PROBE_DIGITS` digits, with the exponent range of mpmath (1e-1001 is not 0)."""
    return sp.Float(value.evalf(PROBE_DIGITS), PROBE_DIGITS)


def probe_at(expr: sp.Expr, x: float) -> sp.Float:
    """``expr`` at the point ``x`` (a float strictly between crossings), to :data:`PROBE_DIGITS` digits.

    Which of two pulls is stronger between two crossings is the same at every
    point there, so a float point decides it; exact substitution could make
    SymPy build and factor huge powers.
    """
    return expr.evalf(PROBE_DIGITS, subs={X: sp.Float(x, PROBE_DIGITS)})
