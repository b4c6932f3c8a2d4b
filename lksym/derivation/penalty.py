r"""The subject of every analysis: a symmetric penalty :math:`p(w) = p(|w|)`.

A :class:`Penalty` is its right branch :math:`p(x)` for :math:`x = |w| > 0`,
given as exact pieces between breakpoints, and its value at 0.  Every
derivation works from these pieces, so one set of questions is answered for
any penalty.  :func:`parse_penalty` reads what people type.

This module is the reader of typed text (catalogue calls, exponents, and the
dispatch of an expression in ``w``).  The type, the catalogue and what each
family answers live in :mod:`lksym.derivation.subject`; an expression in ``w``
is taken apart by :mod:`lksym.derivation.penalty_expression`.  Every public name
of both is re-exported here (:data:`__all__`), so callers import from this module.

The catalogue (``t = |w|``; parameters are exact numbers, substituted into
every formula)
---------------------------------------------------------------------------

=====================  ===============================================  ==================  ==================
text                   :math:`p(t)`                                     parameters          breakpoints
=====================  ===============================================  ==================  ==================
``1.5``, ``sqrt(2)``   :math:`t^k` (the power family)                   :math:`k > 0`       none
``l1``, ``l2``         :math:`t`, :math:`t^2` (the power family)        none                none
``elastic_net(l1=A,    :math:`A t + B t^2`                              :math:`A, B \ge 0`, none
l2=B)``                                                                 not both 0
``scad(lam=L, a=A)``   :math:`L t` (:math:`t \le L`);                   :math:`L > 0`,      :math:`L`, :math:`aL`
                       :math:`\frac{2aLt - t^2 - L^2}{2(a-1)}`          :math:`a > 2`
                       (:math:`L < t \le aL`); :math:`\frac{L^2(a+1)}2`
``mcp(lam=L,           :math:`L t - \frac{t^2}{2G}` (:math:`t \le GL`);  :math:`L, G > 0`    :math:`GL`
gamma=G)``             :math:`\frac{G L^2}2`
``logsum(eps=E)``      :math:`\log(1 + t/E)`                            :math:`E > 0`       none
``capped_l1(theta=T)`` :math:`\min(t, T)`                               :math:`T > 0`       :math:`T`
``huber(delta=D)``     :math:`\frac{t^2}{2D}` (:math:`t \le D`);         :math:`D > 0`       :math:`D`
                       :math:`t - \frac D2`
``l0``                 0 at 0, 1 elsewhere                              none                none
=====================  ===============================================  ==================  ==================

Anything else is read as an expression in ``w`` by lksym's safe parser
(``log(1 + abs(w)/0.1)``, ``1 - exp(-abs(w))``, ``sqrt(1 + w^2) - 1``); it must
be even in ``w``, real and finite for every ``w``.  Its breakpoints are the
:math:`|w| > 0` where a ``Piecewise`` condition, ``Min``, ``Max``,
``Heaviside``, ``Abs`` or ``sign`` switches.  Each piece holds up to and
including its right end, so at a jump the penalty takes its lower one-sided
limit (it is nondecreasing): the lower semicontinuous reading, for which the
proximal step always has a minimiser, whatever the formula gives exactly there
(SymPy's ``Heaviside(0)`` is 1/2).

Parameters are bounded like k (:data:`MIN_PARAMETER` to :data:`MAX_PARAMETER`,
rationals with numerator and denominator of at most six digits) so that exact
results stay short.

Examples
--------
>>> p = parse_penalty("scad(lam=1, a=3.7)")
>>> p.label, p.slug, p.breakpoints
('SCAD (λ = 1, a = 3.7)', 'scad-lam-1-a-3.7', (1, 37/10))
>>> p.pieces[1].expr
-5*x**2/27 + 37*x/27 - 5/27
>>> parse_penalty("1.5").k, parse_penalty("l1").slug
(3/2, 'k-1')
"""

from __future__ import annotations

import re
from typing import Optional

import sympy as sp

from lksym import budget
from lksym.derivation.expr import FUNCTIONS, K_NAMES, k_alias, parse_expression
from lksym.derivation.penalty_expression import MAX_BREAKPOINTS, from_expression, shown
from lksym.derivation.subject import (
    CATALOGUE,
    CATALOGUE_TRAITS,
    FAMILY_TRAITS,
    GREEK,
    Entry,
    FamilyTraits,
    Parameter,
    Penalty,
    Piece,
    power,
    power_of,
)
from lksym.derivation.symbols import W
from lksym.errors import InputError

__all__ = [
    "CATALOGUE", "CATALOGUE_TRAITS", "EXPRESSION_TIME_LIMIT", "FAMILY_TRAITS", "GREEK", "MAX_BREAKPOINTS",
    "MAX_PARAMETER", "MAX_PARAMETER_DIGITS", "MIN_PARAMETER", "Entry", "FamilyTraits", "Parameter", "Penalty", "Piece",
    "catalogue_parameter", "from_expression", "parse_penalty", "parse_subject", "power", "power_of", "usual_catalogue",
]
"""What callers import from here: the parser's own names and, re-exported, the subject's and the expression reader's."""

MIN_PARAMETER = sp.Rational(1, 1000)
MAX_PARAMETER = sp.Integer(1000)
MAX_PARAMETER_DIGITS = 6
"""Catalogue parameters lie in [1/1000, 1000] (0 allowed where the table says so); rationals have short terms."""

EXPRESSION_TIME_LIMIT = 5.0
"""Seconds to take a typed expression apart (breakpoints, pieces, evenness) before it is refused."""


def usual_catalogue() -> tuple[Penalty, ...]:
    """Each catalogue entry with the literature's usual parameters (the committed reports)."""
    out = []
    for entry in CATALOGUE.values():
        out.append(entry.build({name: catalogue_parameter(entry, name, text) for name, text in entry.usual}))
    return tuple(out)


# --------------------------------------------------------------------------- parsing


_CALL = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*", re.ASCII | re.DOTALL)
_OPENED = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(", re.ASCII)
_KEYWORD = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)(.*)", re.ASCII | re.DOTALL)


def _split_arguments(text: str) -> list[str]:
    """Split at commas outside brackets (a parameter may be ``sqrt(2)`` or ``Min(1, 2)``)."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def catalogue_parameter(entry: Entry, name: str, text: str) -> sp.Expr:
    spec = {p.name: p for p in entry.parameters}[name]
    try:
        value = parse_expression(text.strip())
    except InputError as error:
        raise InputError(f"{entry.name}: invalid {name}: {error}") from None
    approx = sp.N(value, 30) if isinstance(value, sp.Expr) and not value.free_symbols else None
    if approx is None or not approx.is_real or not approx.is_finite or value.has(sp.zoo, sp.nan):
        raise InputError(f"{entry.name}: {name} must be a real number, got {text.strip()!r}")
    if spec.zero_allowed and value == 0:
        return sp.Integer(0)
    if not MIN_PARAMETER <= (value if value.is_Rational else approx) <= MAX_PARAMETER:  # exact at the bounds: 0.001 is allowed
        low = "0 or between 0.001" if spec.zero_allowed else "between 0.001"
        raise InputError(f"{entry.name}: {name} must be {low} and 1000, got {text.strip()!r}")
    if value.is_Rational and max(len(str(abs(value.p))), len(str(value.q))) > MAX_PARAMETER_DIGITS:
        raise InputError(f"{entry.name}: {name} has too many digits ({text.strip()!r}): at most {MAX_PARAMETER_DIGITS}")
    return value


def _catalogue_call(name: str, arguments: Optional[str]) -> Penalty:
    if name in ("l1", "l2"):
        if arguments is not None and arguments.strip():
            raise InputError(f"{name} takes no parameters")
        return power(1 if name == "l1" else 2)
    entry = CATALOGUE[name]
    values: dict = {}
    if arguments is not None and arguments.strip():
        for argument in _split_arguments(arguments):
            match = _KEYWORD.fullmatch(argument)
            if match is None:
                raise InputError(f"{name}: parameters are keywords, e.g. {_usage(entry)}; got {argument.strip()!r}")
            key, text = match.groups()
            known = [p.name for p in entry.parameters]
            if key not in known:
                expected = ", ".join(known) if known else "none"
                raise InputError(f"{name}: unknown parameter {key!r} (its parameters: {expected})")
            if key in values:
                raise InputError(f"{name}: parameter {key!r} given twice")
            values[key] = catalogue_parameter(entry, key, text)
    missing = [p.name for p in entry.parameters if p.name not in values]
    if missing:
        raise InputError(f"{name}: missing parameter{'s' if len(missing) > 1 else ''} {', '.join(missing)} (e.g. {_usage(entry)})")
    return entry.build(values)


def _usage(entry: Entry) -> str:
    return f"{entry.name}({', '.join(f'{n}={t}' for n, t in entry.usual)})"


def parse_penalty(text, *, allow_symbolic: bool = False) -> Penalty:
    r"""Read a penalty from untrusted text without running any code.

    Parameters
    ----------
    text : str or exact number
        A number or constant expression (:math:`|w|^k` with that k: ``1.5``,
        ``sqrt(2)``), a catalogue entry with keyword parameters
        (``scad(lam=1, a=3.7)``, ``l0``), or an even expression in ``w``.
    allow_symbolic : bool
        Accept the letter ``k`` (the symbolic family); it is returned as ``None``
        for the caller to handle.

    Raises
    ------
    lksym.errors.InputError
        One line naming what is wrong: an unknown name, a missing, unknown or
        out-of-range parameter, an expression that is not even in ``w``, not
        real or not finite, or anything the safe parser refuses.

    Examples
    --------
    >>> parse_penalty("mcp(lam=1, gamma=3)").breakpoints
    (3,)
    >>> parse_penalty("log(1 + abs(w)/0.1)").pieces[0].expr
    log(10*x + 1)
    >>> parse_penalty("w^3")
    Traceback (most recent call last):
    ...
    lksym.errors.InputError: penalty must be even in w (p(-w) = p(w)): 'w^3' differs at w = 1 and -1
    """
    if not isinstance(text, str):
        return power(text)
    stripped = _canonical(text)
    if allow_symbolic and stripped == "k":
        return None
    if k_alias(stripped) is not None:  # the article's l1.5, L2; lasso, ridge
        return power(stripped)
    match = _CALL.fullmatch(stripped)
    if match and (match.group(1) in CATALOGUE or match.group(1) in ("l1", "l2")):
        return _catalogue_call(match.group(1), match.group(2))
    if match and match.group(2) is not None and match.group(1) not in _expression_functions():
        known = _known()
        if "=" not in match.group(2) and _W_NAME.search(match.group(2)):  # tanh(w^2): a function, not a penalty name
            allowed = ", ".join(sorted(_expression_functions()))
            raise InputError(f"unknown function {match.group(1)!r} in {shown(stripped)} (an expression in w may use "
                             f"{allowed}; catalogue penalties: {known})")
        raise InputError(f"unknown penalty {match.group(1)!r} (known: {known}, a number k, or an expression in w)")
    opened = _OPENED.match(stripped)
    if opened and opened.group(1) in (*CATALOGUE, "l1", "l2") and not match:
        usage = _usage(CATALOGUE[opened.group(1)]) if opened.group(1) in CATALOGUE else opened.group(1)
        raise InputError(f"{opened.group(1)}: unbalanced parentheses in {shown(stripped)} (e.g. {usage})")
    value = parse_expression(stripped, names={"w": W})
    if not isinstance(value, sp.Expr):
        raise InputError(f"penalty must be a number or an expression in w, got {stripped!r}")
    if not value.free_symbols:
        if _W_NAME.search(stripped):  # abs(w)^0, abs(w)/abs(w): typed in w, yet a constant, not an exponent
            raise InputError(f"penalty {shown(stripped)} does not depend on w (it is the constant "
                             f"{sp.sstr(value)[:20]}): a constant penalty does nothing to the weights")
        return power(value)
    try:  # solving conditions and taking limits of a hostile expression must not run for ever, in any thread
        with budget.deadline(EXPRESSION_TIME_LIMIT):
            return from_expression(value, stripped)
    except (TypeError, ValueError, NotImplementedError, ArithmeticError) as error:
        if isinstance(error, InputError):
            raise
        # SymPy gave up on a piece of it (an unusual breakpoint, say): the user gets one line, not a traceback.
        raise InputError(f"penalty {shown(stripped)} cannot be taken apart exactly ({type(error).__name__})") from None
    except budget.Timeout:
        raise InputError(f"penalty {shown(stripped)} is too costly to take apart exactly (over "
                         f"{EXPRESSION_TIME_LIMIT:g} s): its breakpoints or limits are beyond SymPy") from None


_W_NAME = re.compile(r"(?<![A-Za-z0-9_])w(?![A-Za-z0-9_])", re.ASCII)


def parse_subject(subject) -> Penalty:
    """What every command analyses: a :class:`Penalty` as given, else :func:`parse_penalty` or :func:`power`.

    Text that names a catalogue entry or the weight ``w`` is a penalty; any other
    text is an exponent k, so that a bad k gets the exponent's own message.

    Examples
    --------
    >>> parse_subject("3/2").k, parse_subject("l0").family
    (3/2, 'l0')
    """
    if isinstance(subject, Penalty):
        return subject
    if not isinstance(subject, str):
        return power(subject)
    subject = _canonical(subject)
    if k_alias(subject) is not None:
        return power(subject)
    match = _CALL.fullmatch(subject)
    named = match or _OPENED.match(subject)  # an unclosed scad(... is still a penalty, not a bad k
    if (named and named.group(1) in (*CATALOGUE, "l1", "l2")) or _W_NAME.search(subject):
        return parse_penalty(subject)
    if match and match.group(2) is not None and match.group(1) not in _expression_functions():
        return parse_penalty(subject)  # an unknown penalty name: say so, not "bad k"
    try:
        return power(subject)
    except InputError:
        if match and match.group(2) is None and not _constant_name(match.group(1)):
            # a bare word that is no number (lass, ridged): a misspelt name, so say which names there are
            raise InputError(f"unknown penalty {match.group(1)!r} (known: {_known()}, a number k, "
                             "or an expression in w)") from None
        raise


def _known() -> str:
    """The names a user may give, for messages."""
    return ", ".join([*sorted([*CATALOGUE, "l1", "l2"]), *K_NAMES])


def _constant_name(name: str) -> bool:
    try:
        parse_expression(name)
    except InputError:
        return False
    return True


def _canonical(text: str) -> str:
    """``text`` stripped, a catalogue name in any case spelt as the catalogue does (``SCAD(...)``, ``L0``)."""
    stripped = text.strip()
    match = _OPENED.match(stripped) or _CALL.fullmatch(stripped)
    if match:
        name = match.group(1)
        lower = name.lower()
        if name != lower and (lower in CATALOGUE or lower in ("l1", "l2")):
            return stripped[: match.start(1)] + lower + stripped[match.end(1):]
    return stripped


def _expression_functions() -> frozenset:
    return FUNCTIONS
