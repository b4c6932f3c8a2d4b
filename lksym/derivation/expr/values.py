r"""Exact numbers from untrusted text: the exponent k, its names, its checks and its stable form.

Job: what makes a SymPy number an acceptable exponent k of :math:`|w|^k`.
:func:`read_k` reads text (or a Python or SymPy number) through
:func:`lksym.derivation.expr.build.build_expression` and checks the value:
exact, real, finite, :math:`1/1000 \le k \le 1000`, a rational's denominator
at most 1000, and 1, 2 or at least 1/100 away from them (the limits in
:mod:`lksym.derivation.expr.limits`); :func:`k_alias` reads the article's
names (``l1.5``, ``lasso``); :func:`stable_form` writes k in the one form
SymPy settles on.

Contracts
---------
- :func:`read_k` returns an exact number (or :data:`K`) or raises
  :class:`lksym.errors.InputError` with a one-line message echoing the input;
  it runs without a clock: call it through
  :func:`lksym.derivation.expr.parse_k`, which bounds its time in any thread.
- :func:`k_alias` and :func:`stable_form` never raise for text or an exact number.

Examples
--------
>>> read_k("l1.5", False), read_k("k", True)
(3/2, k)
"""

from __future__ import annotations

import math
import numbers
import re
from decimal import Decimal
from typing import Callable, Optional

import mpmath
import sympy as sp

from lksym.derivation.expr.build import build_expression
from lksym.derivation.expr.limits import MAX_K, MAX_K_DENOMINATOR, MAX_POLE_EXPONENT, MIN_K
from lksym.derivation.expr.messages import echo, first_line, show
from lksym.errors import InputError

K = sp.Symbol("k", positive=True)
"""The symbolic exponent returned by ``parse_k("k", allow_symbol=True)``."""


_NAMED_K = re.compile(r"[lL]\s*(\d+(?:\.\d*)?|\.\d+|\d+\s*/\s*\d+)", re.ASCII)
_WORD_K = {"lasso": "1", "ridge": "2"}
K_NAMES = ("lasso (l1)", "ridge (l2)", "l<k> or L<k> (l1.5, L2)")
"""The names of |w|^k that :func:`k_alias` reads, as shown in messages."""


def k_alias(text: str) -> Optional[str]:
    """The number behind a name of :math:`|w|^k` (the article's ``l1.5``, ``L2``; ``lasso``, ``ridge``), else ``None``.

    ``l0`` is not one: it names the L0 penalty (counting), not a power.

    Examples
    --------
    >>> k_alias("l1.5"), k_alias(" L2 "), k_alias("lasso"), k_alias("Ridge"), k_alias("l3/2"), k_alias("scad")
    ('1.5', '2', '1', '2', '3/2', None)
    """
    stripped = text.strip()
    match = _NAMED_K.fullmatch(stripped)
    if match and re.search(r"[1-9]", match.group(1).partition("/")[0]):
        return match.group(1).replace(" ", "")
    return _WORD_K.get(stripped.lower())


def read_k(text: str | int | float | sp.Basic, allow_symbol: bool) -> sp.Expr:
    """The exponent k in ``text``, checked, without a clock: the caller bounds its time.

    Parameters and result as in :func:`lksym.derivation.expr.parse_k`, which runs this
    under :data:`lksym.derivation.expr.TIME_LIMIT`.

    Raises
    ------
    InputError
        For anything that is not an acceptable k; never another exception.
    """
    if isinstance(text, str) and k_alias(text) is not None:
        text = k_alias(text)
    if isinstance(text, bool):
        raise InputError(f"k must be text or a number, got {text!r}")
    if isinstance(text, sp.Basic) and not isinstance(text, sp.Float):
        value, shown = text, show(text)
        if allow_symbol and isinstance(value, sp.Symbol) and value.name == "k":
            return K
    elif isinstance(text, numbers.Integral):
        value, shown = sp.Integer(int(text)), str(int(text))
    elif isinstance(text, numbers.Rational):
        value, shown = sp.Rational(int(text.numerator), int(text.denominator)), str(text)
    elif isinstance(text, (str, float, Decimal, sp.Float)):
        shown = text.strip() if isinstance(text, str) else repr(text) if isinstance(text, float) else str(text)
        if isinstance(text, float) and not math.isfinite(text):
            raise InputError(f"k must be a finite real number, got {shown}")
        if shown == "k":
            if allow_symbol:
                return K
            raise InputError("symbolic k is not supported here; give a number such as 3/2")
        try:
            value = build_expression(shown, {"k": K} if allow_symbol else None, None)
        except InputError as error:
            raise InputError(f"invalid k {echo(shown)}: {error}") from None
    else:
        raise InputError(f"k must be text or a number, got {type(text).__name__}")
    try:
        return _check_k(value, shown, allow_symbol)
    except InputError:
        raise
    except Exception as error:  # noqa: BLE001 - the promise is: InputError or a result
        raise InputError(f"invalid k {echo(shown)}: cannot evaluate it: {first_line(error)}") from None


def _check_k(value: sp.Basic, shown: str, allow_symbol: bool) -> sp.Expr:
    printed = show(value)
    got = f"got {printed}" if printed == shown else f"got {printed} (from {echo(shown)})"
    if not isinstance(value, sp.Expr):
        raise InputError(f"k must be a number, {got}")
    if value.free_symbols:
        if allow_symbol:
            raise InputError(f"symbolic k must be given as the bare symbol 'k', {got}")
        raise InputError(f"k must be a number, {got}")
    if value.has(sp.oo, -sp.oo, sp.zoo, sp.nan) or value.is_finite is False:
        raise InputError(f"k must be a finite real number, {got}")
    if not _decide(value.is_real, lambda v: v.as_real_imag()[1] == 0, value):
        raise InputError(f"k must be a real number, {got}")
    if not _decide(value.is_positive, lambda v: v > mpmath.mpf(10) ** -40, value):
        raise InputError(f"k must be positive, {got}")
    if _decide(_truth(value > MAX_K), lambda v: v > MAX_K, value, undecided=True):
        raise InputError(f"k must be at most {MAX_K}, {got}")
    if value.is_Rational and value.q > MAX_K_DENOMINATOR:
        raise InputError(f"k has too many digits (at most 3 decimal places, denominator at most {MAX_K_DENOMINATOR}), {got}")
    if _decide(_truth(value < MIN_K), lambda v: v < mpmath.mpf(MIN_K.p) / MIN_K.q, value, undecided=True):
        raise InputError(f"k must be at least {MIN_K}, {got}")
    # Exact answers raise numbers to 1/(k-1) and 1/(k-2): for k within 1/100 of 1 or 2 that is a
    # power with thousands of digits (k = 0.999 needs 3-digit numbers to the 1000th), rational or not.
    for pole in (1, 2):
        if _near_pole(value, pole):
            raise InputError(
                f"k is too close to {pole} for exact results (|k - {pole}| must be 0 or at least "
                f"1/{MAX_POLE_EXPONENT}), {got}"
            )
    return stable_form(value)


def stable_form(value: sp.Expr) -> sp.Expr:
    """``value`` with every power of a unit fraction written as a power of an integer: ``(1/2)^a`` as ``2^(-a)``.

    SymPy turns :math:`(1/n)^a` into :math:`n^{-a}` in some operations and not in others, so
    an exponent k in the first form met itself in the second as a different power of x
    (``(1/2)^(1/2)^(1/2)`` left a tie equation of three terms).  Given in the form SymPy
    settles on, every later expression in k agrees with itself.

    Examples
    --------
    >>> stable_form(sp.Rational(1, 2) ** sp.pi), stable_form(sp.Rational(1, 3) ** (sp.Rational(1, 2) ** sp.pi))
    (2**(-pi), 3**(-1/2**pi))
    """
    def unit_fraction_power(e) -> bool:
        return e.is_Pow and e.base.is_Rational and e.base.p == 1 and e.base.q > 1 and not e.exp.is_Rational

    return value.replace(unit_fraction_power, lambda e: sp.Pow(sp.Integer(e.base.q), -e.exp))


def _near_pole(value: sp.Expr, pole: int) -> bool:
    """Whether ``0 < |value - pole| < 1/MAX_POLE_EXPONENT``, for any exact real ``value``.

    A rational k is decided exactly.  For any other k the difference is evaluated
    with SymPy's adaptive precision, which is accurate far below 1/100 in absolute
    terms even where it cancels (2 - 1/(10**300*E)); a difference SymPy cannot
    tell from 0 (a disguised 2, or a k closer than any working precision) counts
    as too close, so the question is always answered, and quickly.
    """
    difference = value - pole
    if difference == 0:
        return False
    if difference.is_Rational:
        return abs(difference) * MAX_POLE_EXPONENT < 1
    try:
        approx = abs(sp.N(difference, 15))
        return not bool(approx * MAX_POLE_EXPONENT >= 1)
    except Exception:  # noqa: BLE001 - cannot evaluate: cannot tell it from the pole
        return True


def _truth(relation: sp.Basic) -> Optional[bool]:
    return bool(relation) if relation in (sp.true, sp.false) else None


def _decide(
    exact: Optional[bool], numeric: Callable[[sp.Expr], object], value: sp.Expr, undecided: bool = False
) -> bool:
    """SymPy's exact answer, else the answer at 50 digits, else ``undecided``."""
    if exact is not None:
        return bool(exact)
    try:
        approx = sp.N(value, 50)
        return bool(numeric(approx)) if approx.is_number else undecided
    except Exception:  # noqa: BLE001 - cannot evaluate: treat as undecided
        return undecided
