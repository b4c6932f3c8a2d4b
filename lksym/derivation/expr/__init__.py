r"""Turn untrusted text into exact SymPy objects without running any code.

``eval``, ``sympify``, ``parse_expr`` and ``S(text)`` all execute Python, so
they never see user text here.  Instead the text is

1. checked (type, length, ASCII, no control characters, no strings, no names
   starting with ``_``) and rewritten by a small scanner: ``^`` becomes ``**``
   and absolute-value bars ``|x|`` become a private call;
2. parsed with :func:`ast.parse` in ``eval`` mode, whose tree is then bounded
   in size and depth;
3. walked with a whitelist that builds every SymPy object itself.  Decimal
   literals are read from their source text, so ``0.1`` is exactly ``1/10``.

SymPy evaluates as it builds, so the builder also keeps that work small:
numeric exponents, exact rationals, ``exp`` of numbers, roots of huge
integers and nearly cancelling sums are refused before SymPy would spend
minutes on them, and every call runs against :data:`TIME_LIMIT` for the slow
corners no static rule fences off.

The package is split by job, each module with its own contracts:

========================================  ==========================================================
:mod:`~lksym.derivation.expr.limits`      every static limit, what it bounds and why
:mod:`~lksym.derivation.expr.messages`    short one-line quotes of input and values for messages
:mod:`~lksym.derivation.expr.whitelist`   the constants, functions, operators and syntax allowed
:mod:`~lksym.derivation.expr.scan`        step 1 and 2: text to a bounded syntax tree
:mod:`~lksym.derivation.expr.guards`      numeric checks before SymPy evaluates or compares
:mod:`~lksym.derivation.expr.build`       step 3: syntax tree to SymPy (the builder)
:mod:`~lksym.derivation.expr.values`      the exponent k: aliases, checks, stable form
========================================  ==========================================================

This module is the public entry: :func:`parse_expression`, :func:`parse_k` and
:func:`parse_real`, each run against :data:`TIME_LIMIT` (a trace hook of this
thread only, so the limit holds in any thread), and the names callers import.

Examples
--------
>>> import sympy as sp
>>> w = sp.Symbol("w", real=True)
>>> parse_expression("3/2*|w|^0.5", names={"w": w})
3*sqrt(Abs(w))/2
>>> parse_k("1.5"), parse_k("sqrt(2)")
(3/2, sqrt(2))
"""

from __future__ import annotations

from typing import Mapping, Optional

import sympy as sp

from lksym.budget import OutOfTime, TraceLimit
from lksym.derivation.expr.build import build_expression
from lksym.derivation.expr.limits import (
    MAX_DECIMAL_EXPONENT,
    MAX_DEPTH,
    MAX_EXP_ARGUMENT,
    MAX_EXPONENT,
    MAX_EXPONENT_DENOMINATOR,
    MAX_K,
    MAX_K_DENOMINATOR,
    MAX_LENGTH,
    MAX_MIN_MAX_ARGUMENTS,
    MAX_NODES,
    MAX_NUMBER_BITS,
    MAX_POLE_EXPONENT,
    MAX_POWER_BITS,
    MAX_ROOT_BITS,
    MIN_K,
)
from lksym.derivation.expr.messages import echo
from lksym.derivation.expr.values import K, K_NAMES, k_alias, read_k, stable_form
from lksym.derivation.expr.whitelist import CONSTANTS, FUNCTIONS
from lksym.errors import InputError

__all__ = [
    "MAX_LENGTH",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_EXPONENT",
    "MAX_POWER_BITS",
    "MAX_EXP_ARGUMENT",
    "MAX_NUMBER_BITS",
    "MAX_EXPONENT_DENOMINATOR",
    "MAX_ROOT_BITS",
    "MAX_MIN_MAX_ARGUMENTS",
    "MAX_DECIMAL_EXPONENT",
    "MAX_K",
    "MIN_K",
    "MAX_K_DENOMINATOR",
    "MAX_POLE_EXPONENT",
    "TIME_LIMIT",
    "CONSTANTS",
    "FUNCTIONS",
    "K",
    "K_NAMES",
    "k_alias",
    "stable_form",
    "parse_expression",
    "parse_k",
    "parse_real",
]

TIME_LIMIT = 1.0
"""Seconds one call may spend; the limits in :mod:`~lksym.derivation.expr.limits` keep ordinary input far below it.

SymPy evaluates as it builds and has slow corners no static limit can fence
off (``Heaviside(log(w)**1000)`` expands a 1000th power of a complex sum), so
each call also runs against this clock (see :class:`TraceLimit`).  It lives here, beside the
entry points that read it, not in :mod:`~lksym.derivation.expr.limits`: lowering
``lksym.derivation.expr.TIME_LIMIT`` lowers it for every call.
"""


def _too_slow() -> InputError:
    return InputError(f"expression too costly to build (gave up after {TIME_LIMIT:g} s); simplify it")


def parse_expression(
    text: str,
    *,
    names: Optional[Mapping[str, sp.Basic]] = None,
    functions: Optional[frozenset[str]] = None,
) -> sp.Basic:
    """Parse ``text`` into a SymPy expression without running any code.

    Parameters
    ----------
    text : str
        Untrusted input such as ``"3/2*sign(w)*sqrt(|w|)"``.  ``^`` and ``**``
        are powers, ``|x|`` is ``Abs(x)`` (``2|w|`` is ``2*Abs(w)``), decimals
        are exact (``0.1`` is ``1/10``).  Comparisons, ``and``/``or``/``not``,
        ``&`` and ``True``/``False`` are only allowed in Piecewise conditions.
    names : mapping of str to sympy.Basic, optional
        The free names allowed, e.g. ``{"w": Symbol("w", real=True)}``.  By
        default there are none.  ``pi``, ``E``, ``oo`` (``inf``, ``infinity``)
        are always known.
    functions : frozenset of str, optional
        The function names allowed, a subset of :data:`FUNCTIONS` (the
        default): ``abs``/``Abs``, ``sign``, ``sqrt``, ``cbrt`` (real cube
        root), ``exp``, ``log`` (``log(x)`` or ``log(x, base)``),
        ``Piecewise``, ``Heaviside``, ``Min``, ``Max``.  Bars need ``abs``.

    Returns
    -------
    sympy.Basic
        The expression, evaluated as SymPy normally does (``1+1/3`` is ``4/3``).

    Raises
    ------
    InputError
        With a one-line message naming the offending part, for anything
        outside the whitelist, too long, too deep, too large or undefined.

    Examples
    --------
    >>> import sympy as sp
    >>> w = sp.Symbol("w", real=True)
    >>> parse_expression("1.5*w/sqrt(abs(w))", names={"w": w})
    3*w/(2*sqrt(Abs(w)))
    >>> parse_expression("|w - |w||", names={"w": w})
    Abs(w - Abs(w))
    >>> parse_expression("Piecewise((w^2, w > 0), (0, True))", names={"w": w})
    Piecewise((w**2, w > 0), (0, True))
    >>> parse_expression("__import__('os')")
    Traceback (most recent call last):
    ...
    lksym.errors.InputError: names starting with '_' are not allowed: '__import__'
    """
    try:
        with TraceLimit(TIME_LIMIT):
            return build_expression(text, names, functions)
    except OutOfTime:
        raise _too_slow() from None


def parse_k(text: str | int | float | sp.Basic, *, allow_symbol: bool = False) -> sp.Expr:
    """Parse an exponent k: a positive real exact number (or the symbol k if allow_symbol).

    Parameters
    ----------
    text : str, int, float or SymPy number
        ``"3"``, ``"3/2"``, ``"1.5"``, ``"sqrt(2)"``, ``"pi"``, ``"2^(1/2)"``...
        Surrounding whitespace is ignored.  A Python float is read from its
        shortest decimal form (``0.1`` is ``1/10``), as is a SymPy Float.
    allow_symbol : bool
        Accept the bare text ``"k"`` and return the positive symbol :data:`K`.

    Returns
    -------
    sympy.Expr
        An exact number: Integer, Rational or an exact irrational such as
        ``sqrt(2)``, with :math:`0 < k \\le 1000`; a rational k has a
        denominator of at most :data:`MAX_K_DENOMINATOR` and is 1, 2 or at
        least ``1/MAX_POLE_EXPONENT`` away from them.  Or :data:`K`.

    Raises
    ------
    InputError
        For text that is not such a number; the message echoes the input.

    Examples
    --------
    >>> parse_k("1.5"), parse_k(" 0.1 "), parse_k("1+1/3"), parse_k(0.1)
    (3/2, 1/10, 4/3, 1/10)
    >>> parse_k("2^(1/2)")
    sqrt(2)
    >>> parse_k("k", allow_symbol=True)
    k
    >>> parse_k("-1")
    Traceback (most recent call last):
    ...
    lksym.errors.InputError: k must be positive, got -1
    >>> parse_k("1+2j")
    Traceback (most recent call last):
    ...
    lksym.errors.InputError: invalid k '1+2j': complex numbers are not allowed: '2j'
    """
    try:
        with TraceLimit(TIME_LIMIT):
            return read_k(text, allow_symbol)
    except OutOfTime:
        raise InputError(f"invalid k {echo(str(text))}: {_too_slow()}") from None


def parse_real(text: str, name: str, *, positive: bool = False) -> sp.Expr:
    """Parse a user-typed real number exactly (``"0.1"`` is 1/10), never through ``sympify``.

    Raises
    ------
    lksym.errors.InputError
        For anything but a finite real number (positive if asked).

    Examples
    --------
    >>> parse_real("0.1", "lam", positive=True), parse_real("-sqrt(2)", "z")
    (1/10, -sqrt(2))
    """
    try:
        value = parse_expression(text.strip() if isinstance(text, str) else text)
    except InputError as error:
        raise InputError(f"invalid {name}: {error}") from None
    if not isinstance(value, sp.Expr) or value.free_symbols or value.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        raise InputError(f"{name} must be a finite real number, got {text!r}")
    approx = sp.N(value, 30)
    if not approx.is_real or not approx.is_finite:
        raise InputError(f"{name} must be a finite real number, got {text!r}")
    if positive and not approx > 0:
        raise InputError(f"{name} must be positive, got {text!r}")
    if abs(approx) > 1e12:
        raise InputError(f"{name} must be at most 1e12 in size, got {text!r}")
    return value
