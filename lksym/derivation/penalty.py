r"""The subject of every analysis: a symmetric penalty :math:`p(w) = p(|w|)`.

A :class:`Penalty` is its right branch :math:`p(x)` for :math:`x = |w| > 0`,
given as exact pieces between breakpoints, and its value at 0.  Every
derivation works from these pieces, so one set of questions is answered for
any penalty.  :func:`parse_penalty` reads what people type.

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

import hashlib
import re
from dataclasses import dataclass
from typing import Callable, Optional

import sympy as sp

from lksym import budget
from lksym.derivation.exact import number_text, value_order
from lksym.derivation.expr import FUNCTIONS, K_NAMES, k_alias, parse_expression, parse_k
from lksym.derivation.mathtext import k_name
from lksym.derivation.symbols import W, X
from lksym.errors import InputError

MIN_PARAMETER = sp.Rational(1, 1000)
MAX_PARAMETER = sp.Integer(1000)
MAX_PARAMETER_DIGITS = 6
"""Catalogue parameters lie in [1/1000, 1000] (0 allowed where the table says so); rationals have short terms."""

EXPRESSION_TIME_LIMIT = 5.0
"""Seconds to take a typed expression apart (breakpoints, pieces, evenness) before it is refused."""

MAX_BREAKPOINTS = 12
"""An expression whose branch changes more often than this is refused (each piece is derived on its own)."""


# --------------------------------------------------------------------------- the subject


@dataclass(frozen=True)
class Piece:
    r"""One exact piece of the right branch: :math:`p(x) = \text{expr}` for ``lo < x <= hi``.

    ``expr`` is in the positive symbol :data:`X`; ``hi`` is ``oo`` for the last piece.
    """

    expr: sp.Expr
    lo: sp.Expr
    hi: sp.Expr


@dataclass(frozen=True)
class Penalty:
    r"""A symmetric penalty :math:`p(w) = p(|w|)`, the subject of one analysis.

    Attributes
    ----------
    family
        ``"power"`` for :math:`|w|^k`, a catalogue name (``"scad"``, ``"mcp"``,
        ``"elastic_net"``, ``"logsum"``, ``"capped_l1"``, ``"huber"``, ``"l0"``),
        or ``"expression"`` for a typed expression in ``w``.
    params
        The exact parameters as ``(name, value)`` pairs, in the catalogue's order
        (``(("k", 3/2),)`` for the power family, ``()`` for an expression).
    pieces
        The right branch as :class:`Piece` objects covering :math:`(0, \infty)`
        in order; their inner ends are the :attr:`breakpoints`.
    at_zero
        :math:`p(0)`, which may differ from :math:`p(0^+)` (``l0``).
    text
        The penalty as it can be typed back (``scad(lam=1, a=3.7)``, ``1.5``).

    Examples
    --------
    >>> p = parse_penalty("huber(delta=1)")
    >>> [piece.expr for piece in p.pieces], p.at_zero
    ([x**2/2, x - 1/2], 0)
    """

    family: str
    params: tuple[tuple[str, sp.Expr], ...]
    pieces: tuple[Piece, ...]
    at_zero: sp.Expr
    text: str

    @property
    def traits(self) -> "FamilyTraits":
        """What this penalty's family answers about itself (:data:`FAMILY_TRAITS`, else :data:`CATALOGUE_TRAITS`)."""
        return FAMILY_TRAITS.get(self.family, CATALOGUE_TRAITS)

    @property
    def k(self) -> Optional[sp.Expr]:
        """The exponent of the power family, else ``None``."""
        return self.traits.exponent(self)

    @property
    def breakpoints(self) -> tuple[sp.Expr, ...]:
        """Every :math:`|w| > 0` where the definition changes, increasing."""
        return tuple(piece.hi for piece in self.pieces[:-1])

    @property
    def branch(self) -> sp.Expr:
        """The right branch as one expression in :data:`X` (a ``Piecewise`` when there are breakpoints)."""
        if len(self.pieces) == 1:
            return self.pieces[0].expr
        return sp.Piecewise(*[(piece.expr, X <= piece.hi) for piece in self.pieces[:-1]], (self.pieces[-1].expr, True))

    @property
    def expr(self) -> sp.Expr:
        """:math:`p(w)` on the real line, in :data:`W`, with its value at 0 where that differs."""
        real_line = self.branch.subs(X, sp.Abs(W))
        if sp.limit(self.pieces[0].expr, X, 0, "+") == self.at_zero:
            return real_line
        return sp.Piecewise((self.at_zero, sp.Eq(W, 0)), (real_line, True))

    @property
    def label(self) -> str:
        """A name a person would write: ``L1.5``, ``SCAD (λ = 1, a = 3.7)``, ``log(1 + 10|w|)``."""
        return self.traits.label(self)

    @property
    def short_label(self) -> str:
        """The name without parameters, for legends: ``L1.5``, ``L√2``, ``SCAD``, ``p(w)`` for a typed expression."""
        return self.traits.short_label(self)

    @property
    def name(self) -> str:
        """The name pages and summaries give it: ``L1.5``, ``L√2`` (k in Unicode), ``SCAD (λ = 1, a = 3.7)``."""
        return self.traits.name(self)

    @property
    def curve_label(self) -> str:
        """What a figure's legend calls the penalty's curve: ``|w|^1.5``, ``|w|^√2``, ``SCAD``, ``p(w)``."""
        return self.traits.curve_label(self)

    @property
    def slug(self) -> str:
        """A folder-safe name: ``k-1.5`` for the power family (as reports have always been named), ``scad-lam-1-a-3.7``."""
        return self.traits.slug(self)


GREEK = {"lam": "λ", "gamma": "γ", "eps": "ε", "theta": "θ", "delta": "δ"}


def _safe(text: str) -> str:
    text = text.replace("/", "_").replace("**", "^")
    text = re.sub(r"[()*\s]", "", text)
    return re.sub(r"[^A-Za-z0-9._^+-]", "-", text)


# --------------------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class Parameter:
    """A catalogue parameter: its name, whether 0 is allowed, and what it means."""

    name: str
    meaning: str
    zero_allowed: bool = False


@dataclass(frozen=True)
class Entry:
    r"""A catalogue entry: its parameters, a check across them, and its pieces.

    ``pieces(values)`` returns ``[(expr in X, right end), ...]`` for the exact
    parameter values; ``usual`` are the literature's usual parameters (for the
    committed reports); ``check`` returns an error message or ``None``.
    """

    name: str
    title: str
    parameters: tuple[Parameter, ...]
    pieces: Callable[[dict], list]
    usual: tuple[tuple[str, str], ...] = ()
    check: Optional[Callable[[dict], Optional[str]]] = None
    at_zero: sp.Expr = sp.Integer(0)
    source: str = ""

    def build(self, values: dict) -> Penalty:
        """The :class:`Penalty` for exact ``values`` (already validated one by one)."""
        if self.check is not None:
            problem = self.check(values)
            if problem:
                raise InputError(f"{self.name}: {problem}")
        raw = self.pieces(values)
        pieces, lo = [], sp.Integer(0)
        for expr, hi in raw:
            pieces.append(Piece(sp.expand(sp.sympify(expr)), lo, hi))
            lo = hi
        params = tuple((p.name, values[p.name]) for p in self.parameters)
        text = self.name + (f"({', '.join(f'{n}={number_text(v)}' for n, v in params)})" if params else "")
        return Penalty(self.name, params, tuple(pieces), self.at_zero, text)


def _scad_check(v: dict) -> Optional[str]:
    return None if v["a"] > 2 else f"a must be greater than 2, got a = {number_text(v['a'])}"


def _elastic_check(v: dict) -> Optional[str]:
    return None if v["l1"] + v["l2"] > 0 else "l1 and l2 cannot both be 0"


CATALOGUE: dict[str, Entry] = {
    e.name: e
    for e in (
        Entry(
            "elastic_net",
            "Elastic net",
            (Parameter("l1", "weight of |w|", True), Parameter("l2", "weight of w²", True)),
            lambda v: [(v["l1"] * X + v["l2"] * X**2, sp.oo)],
            usual=(("l1", "0.5"), ("l2", "0.25")),
            check=_elastic_check,
            source="Zou and Hastie (2005)",
        ),
        Entry(
            "scad",
            "SCAD",
            (Parameter("lam", "slope at 0 and first breakpoint"), Parameter("a", "second breakpoint over lam, > 2")),
            lambda v: [
                (v["lam"] * X, v["lam"]),
                ((2 * v["a"] * v["lam"] * X - X**2 - v["lam"] ** 2) / (2 * (v["a"] - 1)), v["a"] * v["lam"]),
                (v["lam"] ** 2 * (v["a"] + 1) / 2, sp.oo),
            ],
            usual=(("lam", "1"), ("a", "3.7")),
            check=_scad_check,
            source="Fan and Li (2001)",
        ),
        Entry(
            "mcp",
            "MCP",
            (Parameter("lam", "slope at 0"), Parameter("gamma", "breakpoint over lam")),
            lambda v: [
                (v["lam"] * X - X**2 / (2 * v["gamma"]), v["gamma"] * v["lam"]),
                (v["gamma"] * v["lam"] ** 2 / 2, sp.oo),
            ],
            usual=(("lam", "1"), ("gamma", "3")),
            source="Zhang (2010)",
        ),
        Entry(
            "logsum",
            "Log-sum",
            (Parameter("eps", "scale of |w|"),),
            lambda v: [(sp.log(1 + X / v["eps"]), sp.oo)],
            usual=(("eps", "0.1"),),
            source="Candès, Wakin and Boyd (2008)",
        ),
        Entry(
            "capped_l1",
            "Capped L1",
            (Parameter("theta", "cap"),),
            lambda v: [(X, v["theta"]), (v["theta"], sp.oo)],
            usual=(("theta", "1"),),
        ),
        Entry(
            "huber",
            "Huber",
            (Parameter("delta", "width of the quadratic part"),),
            lambda v: [(X**2 / (2 * v["delta"]), v["delta"]), (X - v["delta"] / 2, sp.oo)],
            usual=(("delta", "1"),),
            source="Huber (1964)",
        ),
        Entry("l0", "L0", (), lambda v: [(sp.Integer(1), sp.oo)]),
    )
}
"""Every catalogue entry by name (the power family, ``l1`` and ``l2`` are :func:`power`)."""


def power(k) -> Penalty:
    """The power family :math:`|w|^k` for an exact k (any text :func:`lksym.derivation.expr.parse_k` accepts).

    Examples
    --------
    >>> power("3/2").text, power(2).label
    ('1.5', 'L2')
    """
    return power_of(parse_k(k))


def power_of(k: sp.Expr) -> Penalty:
    """The power family for an exact k already checked by :func:`lksym.derivation.expr.parse_k` (no parsing again).

    Examples
    --------
    >>> power_of(sp.Rational(3, 2)).slug
    'k-1.5'
    """
    return Penalty("power", (("k", k),), (Piece(X**k, sp.Integer(0), sp.oo),), sp.Integer(0), number_text(k))


def usual_catalogue() -> tuple[Penalty, ...]:
    """Each catalogue entry with the literature's usual parameters (the committed reports)."""
    out = []
    for entry in CATALOGUE.values():
        out.append(entry.build({name: catalogue_parameter(entry, name, text) for name, text in entry.usual}))
    return tuple(out)


# --------------------------------------------------------------------------- what each family answers


def _catalogue_label(penalty: Penalty) -> str:
    entry = CATALOGUE[penalty.family]
    if not penalty.params:
        return entry.title
    shown = ", ".join(f"{GREEK.get(name, name)} = {number_text(value)}" for name, value in penalty.params)
    return f"{entry.title} ({shown})"


def _catalogue_slug(penalty: Penalty) -> str:
    parts = [penalty.family.replace("_", "-")]
    for name, value in penalty.params:
        parts += [name, _safe(number_text(value))]
    return "-".join(parts)


def _expression_slug(penalty: Penalty) -> str:
    digest = hashlib.sha256(sp.srepr(penalty.pieces).encode()).hexdigest()[:8]
    return "expr-" + (_safe(penalty.text)[:40].strip("-.") or "p") + "-" + digest


def _exponent(penalty: Penalty) -> sp.Expr:
    return dict(penalty.params)["k"]


@dataclass(frozen=True)
class FamilyTraits:
    r"""What one family answers about itself: its names and its place among others (the entries of :data:`FAMILY_TRAITS`).

    Every callable takes the :class:`Penalty`.  A question whose answer differs by family is a field
    here, so no caller asks which family a penalty is.

    Attributes
    ----------
    label
        The name a person would write, plain ASCII digits (``L1.5``, ``Lsqrt(2)``, ``SCAD (λ = 1, a = 3.7)``).
    short_label
        The name without parameters, for legends (``L√2``, ``SCAD``, ``p(w)``).
    name
        The name pages and summaries give it (``L√2``: k as :func:`lksym.derivation.mathtext.k_name` writes it).
    curve_label
        What a figure's legend calls the curve :math:`p(w)` (``|w|^√2``, ``SCAD``).
    slug
        A folder-safe name (``k-1.5``, ``scad-lam-1-a-3.7``).
    exponent
        The power family's k, ``None`` for every other family.
    order
        Where the family's members have a natural order among themselves (the power family: by k), the
        key that sorts them; such members come first in a comparison.  ``None``: the order given.
    gradient_legend
        ``(penalty, identical) -> str``: what the log-log figure of gradient magnitudes calls the penalty's curve,
        given the references (``"L1"``, ``"L2"``) its gradient equals everywhere.
    own_comparison
        Whether a comparison of this family's members alone has a page of its own (``lksym compare`` of k
        only: :func:`lksym.writers.compare.compare_markdown`, k by k with the unit balls), rather than the
        page for any penalties.
    gd_in_words
        Whether the family's gradient-descent facts (two-cycle, decay law) hold for every step and start, so that
        a simulated path can be told in their words (:func:`lksym.numerics.simulate.classify`); otherwise
        the path is described as it went.
    """

    label: Callable[[Penalty], str]
    short_label: Callable[[Penalty], str]
    name: Callable[[Penalty], str]
    curve_label: Callable[[Penalty], str]
    slug: Callable[[Penalty], str]
    exponent: Callable[[Penalty], Optional[sp.Expr]] = lambda penalty: None
    order: Optional[Callable[[Penalty], float]] = None
    gradient_legend: Callable[[Penalty, tuple], str] = lambda penalty, identical: f"{penalty.short_label}: |p'(w)|"
    own_comparison: bool = False
    gd_in_words: bool = False


CATALOGUE_TRAITS = FamilyTraits(
    label=_catalogue_label,
    short_label=lambda penalty: CATALOGUE[penalty.family].title,
    name=_catalogue_label,
    curve_label=lambda penalty: CATALOGUE[penalty.family].title,
    slug=_catalogue_slug,
)
"""Every catalogue family (:data:`CATALOGUE`): its title and its parameters."""

FAMILY_TRAITS: dict[str, FamilyTraits] = {
    "power": FamilyTraits(
        label=lambda penalty: "L" + number_text(_exponent(penalty)),
        short_label=lambda penalty: k_name(_exponent(penalty)),
        name=lambda penalty: k_name(_exponent(penalty)),
        curve_label=lambda penalty: "|w|^" + k_name(_exponent(penalty))[1:],
        slug=lambda penalty: "k-" + _safe(number_text(_exponent(penalty))),
        exponent=_exponent,
        order=lambda penalty: float(_exponent(penalty)),
        gradient_legend=lambda penalty, identical: "".join(
            [penalty.name, *(f" = {reference}" for reference in identical), ": k|w|^(k-1)"]
        ),
        own_comparison=True,
        gd_in_words=True,
    ),
    "expression": FamilyTraits(
        label=lambda penalty: penalty.text,
        short_label=lambda penalty: "p(w)",
        name=lambda penalty: penalty.text,
        curve_label=lambda penalty: "p(w)",
        slug=_expression_slug,
    ),
}
"""The families that answer differently from :data:`CATALOGUE_TRAITS`: the power family and typed expressions.

Examples
--------
>>> [(p.name, p.curve_label, p.slug) for p in (power_of(sp.sqrt(2)), parse_penalty("mcp(lam=1, gamma=3)"))]
[('L√2', '|w|^√2', 'k-sqrt2'), ('MCP (λ = 1, γ = 3)', 'MCP', 'mcp-lam-1-gamma-3')]
"""


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
            raise InputError(f"unknown function {match.group(1)!r} in {_shown(stripped)} (an expression in w may use "
                             f"{allowed}; catalogue penalties: {known})")
        raise InputError(f"unknown penalty {match.group(1)!r} (known: {known}, a number k, or an expression in w)")
    opened = _OPENED.match(stripped)
    if opened and opened.group(1) in (*CATALOGUE, "l1", "l2") and not match:
        usage = _usage(CATALOGUE[opened.group(1)]) if opened.group(1) in CATALOGUE else opened.group(1)
        raise InputError(f"{opened.group(1)}: unbalanced parentheses in {_shown(stripped)} (e.g. {usage})")
    value = parse_expression(stripped, names={"w": W})
    if not isinstance(value, sp.Expr):
        raise InputError(f"penalty must be a number or an expression in w, got {stripped!r}")
    if not value.free_symbols:
        if _W_NAME.search(stripped):  # abs(w)^0, abs(w)/abs(w): typed in w, yet a constant, not an exponent
            raise InputError(f"penalty {_shown(stripped)} does not depend on w (it is the constant "
                             f"{sp.sstr(value)[:20]}): a constant penalty does nothing to the weights")
        return power(value)
    try:  # solving conditions and taking limits of a hostile expression must not run for ever, in any thread
        with budget.deadline(EXPRESSION_TIME_LIMIT):
            return from_expression(value, stripped)
    except (TypeError, ValueError, NotImplementedError, ArithmeticError) as error:
        if isinstance(error, InputError):
            raise
        # SymPy gave up on a piece of it (an unusual breakpoint, say): the user gets one line, not a traceback.
        raise InputError(f"penalty {_shown(stripped)} cannot be taken apart exactly ({type(error).__name__})") from None
    except budget.Timeout:
        raise InputError(f"penalty {_shown(stripped)} is too costly to take apart exactly (over "
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


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _expression_functions() -> frozenset:
    return FUNCTIONS


# --------------------------------------------------------------------------- expressions in w


def from_expression(expr: sp.Expr, text: str) -> Penalty:
    r"""The :class:`Penalty` of an even expression in :data:`W`: its exact pieces on :math:`x > 0`.

    The right branch is ``expr`` at :math:`w = x > 0` with every ``Min``, ``Max``,
    ``Heaviside``, ``Abs`` and ``sign`` rewritten as a ``Piecewise``; its
    breakpoints are the positive roots of the conditions; each piece is the
    active branch between two of them.  Evenness is checked piece by piece
    against :math:`w = -x`, and a power :math:`x^k` becomes the power family.

    Examples
    --------
    >>> p = from_expression(sp.Min(sp.Abs(W), 2), "min(|w|, 2)")
    >>> [(q.expr, q.lo, q.hi) for q in p.pieces]
    [(x, 0, 2), (2, 2, oo)]
    """
    right = _pieces(expr.subs(W, X), text)
    left = _pieces(expr.subs(W, -X), text)
    probe = _even_counterexample(right, left)
    if probe is not None:
        raise InputError(f"penalty must be even in w (p(-w) = p(w)): {text!r} differs at w = {probe} and -{probe}")
    at_zero = _value_at_zero(expr, right[0].expr, text)
    if len(right) == 1 and not right[0].expr.has(X) and right[0].expr == at_zero:
        # Heaviside(abs(w), 1): written in w, the same number everywhere, as abs(w)^0 (refused above)
        raise InputError(f"penalty {_shown(text)} does not depend on w (it is the constant "
                         f"{sp.sstr(at_zero)[:20]}): a constant penalty does nothing to the weights")
    if len(right) == 1 and at_zero == 0:
        coefficient, exponent = right[0].expr.as_coeff_exponent(X)
        if coefficient == 1 and exponent.is_number and exponent.is_positive:
            return power(exponent)
    return Penalty("expression", (), tuple(right), at_zero, text)


def _as_piecewise(expr: sp.Expr) -> sp.Expr:
    rewritten = expr
    for kind in (sp.Min, sp.Max, sp.Heaviside, sp.Abs, sp.sign):
        if rewritten.has(kind):
            rewritten = rewritten.replace(lambda e, kind=kind: isinstance(e, kind), lambda e: e.rewrite(sp.Piecewise))
    return rewritten


def _conditions(expr: sp.Expr) -> list:
    found = []
    for pw in expr.atoms(sp.Piecewise):
        for _, condition in pw.args:
            found.extend(condition.atoms(sp.core.relational.Relational))
    return found


def _roots(relation) -> list:
    difference = relation.lhs - relation.rhs
    if not difference.has(X):
        return []
    try:
        solutions = sp.solve(sp.Eq(difference, 0), X)
    except (NotImplementedError, ValueError):
        raise InputError(f"cannot locate the breakpoints of {sp.sstr(relation)} exactly") from None
    roots = []
    for s in solutions:
        if s.is_number and s.is_real and s.is_positive and s.is_finite:
            roots.append(sp.nsimplify(s) if s.is_Float else s)
    return roots


def _active(expr: sp.Expr, at: sp.Expr) -> sp.Expr:
    """``expr`` with every Piecewise replaced by its branch that holds at ``x = at``."""

    def choose(pw):
        for value, condition in pw.args:
            truth = condition.subs(X, at)
            if truth not in (sp.true, sp.false):
                truth = sp.N(condition.lhs.subs(X, at) - condition.rhs.subs(X, at), 30)
                truth = sp.true if type(condition)(truth, 0) else sp.false
            if truth == sp.true:
                return value
        return sp.nan

    return expr.replace(lambda e: isinstance(e, sp.Piecewise), choose)


def _pieces(branch: sp.Expr, text: str) -> list[Piece]:
    branch = sp.piecewise_fold(_as_piecewise(branch))
    cuts = sorted(set(r for rel in _conditions(branch) for r in _roots(rel)), key=value_order)
    if len(cuts) > MAX_BREAKPOINTS:
        raise InputError(f"penalty changes definition at more than {MAX_BREAKPOINTS} points: {text!r}")
    ends = [sp.Integer(0), *cuts, sp.oo]
    pieces: list[Piece] = []
    for lo, hi in zip(ends, ends[1:]):
        probe = (lo + hi) / 2 if hi != sp.oo else lo + 1
        piece = sp.expand(_active(branch, probe))
        if piece.has(sp.nan) or piece.has(sp.Piecewise):
            raise InputError(f"penalty is not defined for every w: {text!r}")
        if pieces and sp.simplify(pieces[-1].expr - piece) == 0:
            pieces[-1] = Piece(pieces[-1].expr, pieces[-1].lo, hi)  # the same formula on both sides: no breakpoint
        else:
            pieces.append(Piece(piece, lo, hi))
    for piece in pieces:
        _check_real(piece, text)
    return pieces


def _sample(piece: Piece) -> list:
    lo, hi = piece.lo, piece.hi
    if hi == sp.oo:
        return [lo + sp.Rational(1, 10**6), lo + sp.Rational(1, 3), lo + 1, lo + 10, lo + 10**6]
    return [lo + (hi - lo) * sp.Rational(i, 7) for i in range(1, 7)]


def _at(expr: sp.Expr, at: sp.Expr) -> sp.Expr:
    # A float point, never an exact one: x**x at x = 10**6 + 1/3 would spell out millions of digits.
    return expr.evalf(30, subs={X: sp.N(at, 30)})


def _check_real(piece: Piece, text: str) -> None:
    for at in _sample(piece):
        value = _at(piece.expr, at)
        if not (value.is_real and value.is_finite):
            raise InputError(f"penalty must be real and finite for every w: {text!r} is {sp.sstr(value)} at |w| = {sp.N(at, 6)}")


def _even_counterexample(right: list[Piece], left: list[Piece]) -> Optional[str]:
    points = set()
    for pieces in (right, left):
        for piece in pieces:
            points.update(_sample(piece))
    for at in sorted(points, key=lambda p: (abs(float(sp.log(p))), sp.default_sort_key(p))):  # report the plainest w first
        a, b = _value(right, at), _value(left, at)
        if abs(a - b) > 1e-20 * (1 + abs(a)):
            return number_text(at) if at.is_Rational else sp.sstr(sp.N(at, 6))
    for r, l in zip(right, left):
        if sp.simplify(r.expr - l.expr) != 0 or r.hi != l.hi:
            return "1" if len(right) == 1 else sp.sstr(sp.N((r.lo + (r.hi if r.hi != sp.oo else r.lo + 2)) / 2, 6))
    if len(right) != len(left):
        return sp.sstr(sp.N(right[-1].lo + 1, 6))
    return None


def _value(pieces: list[Piece], at: sp.Expr) -> sp.Expr:
    for piece in pieces:
        if at <= piece.hi:
            return _at(piece.expr, at)
    return _at(pieces[-1].expr, at)


def _value_at_zero(expr: sp.Expr, first: sp.Expr, text: str) -> sp.Expr:
    value = expr.subs(W, 0)  # at w = 0 itself: a Piecewise condition such as Eq(w, 0) decides here
    limit = sp.limit(first, X, 0, "+")
    if value.has(sp.nan, sp.zoo) or not value.is_finite:
        value = limit  # 0*log(0) and the like: the penalty is its limit at 0
    if not (value.is_finite and value.is_real):
        raise InputError(f"penalty must be finite at w = 0: {text!r} tends to {sp.sstr(limit)}")
    if not (limit.is_finite or limit == sp.oo):
        raise InputError(f"penalty must be finite near w = 0: {text!r} tends to {sp.sstr(limit)}")
    return sp.nsimplify(value) if isinstance(value, sp.Float) else value
