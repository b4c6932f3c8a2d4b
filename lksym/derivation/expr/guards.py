"""Numeric guards: bound a number before SymPy spends minutes evaluating or comparing it.

Job: the questions the builder asks of a number it is about to pass on to
SymPy: how large is it (:func:`magnitude`), how many bits has a rational
(:func:`rational_bits`), does it settle to 15 digits (:func:`approximate`,
:func:`settles`), which of its sums cancel past any working precision
(:func:`cancelling_sums`), and which arguments Min/Max will compare
(:func:`flat_arguments`).

Contracts
---------
- Numbers are evaluated to 15 digits only.  A number that cannot be evaluated
  raises nothing: :func:`magnitude` answers ``inf``, :func:`approximate`
  ``None``; only a number that does not settle is reported, by
  :class:`Unsettled` from :func:`approximate` and ``False`` from :func:`settles`.
- They hold no state, so they are safe in any thread; the clock of the call
  (:data:`lksym.derivation.expr.TIME_LIMIT`) still covers them.

Examples
--------
>>> import sympy as sp
>>> magnitude(sp.Rational(-3, 2)), rational_bits(sp.Rational(1, 1024))
(mpf('1.5'), 11)
>>> settles(sp.sqrt(2) - 1), flat_arguments(sp.Min, [sp.Min(sp.Symbol("a"), 1), 2])
(True, [1, a, 2])
"""

from __future__ import annotations

from typing import Optional

import mpmath
import sympy as sp
from sympy.core.evalf import PrecisionExhausted


def magnitude(value: sp.Basic) -> mpmath.mpf:
    """:math:`|value|` of a number, evaluated without building anything big; inf if unknown."""
    if value.is_Rational:
        return abs(mpmath.mpf(value.p) / value.q)
    try:
        approx = sp.N(value, 15)
        real, imag = approx.as_real_imag()
        if real.is_Number and imag.is_Number:
            result = mpmath.hypot(mpmath.mpf(real), mpmath.mpf(imag))
            if mpmath.isfinite(result):
                return result
    except Exception:  # noqa: BLE001 - any failure means "cannot bound it"
        pass
    return mpmath.inf


NEAR_ZERO = "number cancels to too many digits to be evaluated reliably: {}"
"""The message for a number that does not settle; ``{}`` takes the quoted part of the input."""


class Unsettled(Exception):
    """A number SymPy cannot evaluate to 15 digits within its usual precision."""


def approximate(value: sp.Expr) -> Optional[sp.Expr]:
    """``value`` to 15 digits, None if SymPy fails to evaluate it at all.

    Raises :class:`Unsettled` for a number that does not settle.  A sum that
    cancels to 100+ digits, such as ``2**(1/1000) - 1.000693...`` written to
    130 digits, does not; SymPy then decides its sign from a minimal polynomial
    of huge degree and coefficients: minutes and gigabytes.  SymPy also
    compares numbers with small integers on its own (``log(x)`` asks whether
    ``x - 1`` is positive), so a number within 1e-100 of an integer is just as
    bad.
    """
    try:
        approx = sp.N(value, 15, strict=True)
        real = approx.as_real_imag()[0]
        if real.is_Float and abs(real) < 10**15:
            nearest = int(mpmath.nint(mpmath.mpf(real)))
            if nearest:
                sp.N(value - nearest, 15, strict=True)
    except PrecisionExhausted:
        raise Unsettled from None
    except Exception:  # noqa: BLE001 - other failures are SymPy's to report when it builds
        return None
    return approx


def settles(value: sp.Expr) -> bool:
    """Whether ``value`` settles to 15 digits (:func:`approximate` does not raise :class:`Unsettled`)."""
    try:
        approximate(value)
    except Unsettled:
        return False
    return True


def cancelling_sums(value: sp.Basic) -> list[sp.Expr]:
    """The numeric sums in ``value`` and in its common-factor form that do not settle.

    ``w*2**(1/1000) - w*1.000693...`` hides its cancelling sum until SymPy
    factors out ``w``, as Min, Max and comparisons do.
    """
    found = []
    for form in (value, sp.factor_terms(value)):
        for sub in sp.preorder_traversal(form):
            if isinstance(sub, sp.Add) and sub.is_number and not settles(sub):
                found.append(sub)
    return found


def flat_arguments(kind: type, args: list[sp.Basic]) -> list[sp.Basic]:
    """The arguments SymPy will compare: Min(Min(a, b), c) is Min(a, b, c)."""
    flat = []
    for arg in args:
        flat.extend(arg.args if isinstance(arg, kind) else [arg])
    return flat


def rational_bits(value: sp.Rational) -> int:
    """The size in bits of the larger of ``value``'s numerator and denominator."""
    return max(abs(int(value.p)).bit_length(), int(value.q).bit_length())
