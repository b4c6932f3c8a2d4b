r"""The subject of every analysis, :class:`Penalty`, and the families it belongs to.

A :class:`Penalty` is a symmetric penalty :math:`p(w) = p(|w|)`: its right branch
:math:`p(x)` for :math:`x = |w| > 0` as exact :class:`Piece` objects between
breakpoints, and its value at 0.  This module holds the type and what makes one:
the catalogue of named penalties (:data:`CATALOGUE`, each :class:`Entry` builds a
:class:`Penalty` from exact, already checked parameter values), the power family
(:func:`power`, :func:`power_of`), and what each family answers about itself
(:class:`FamilyTraits`: names, slug, exponent, order), so that no caller asks which
family a penalty is.

Contract: everything here is exact and reads no user text beyond an exponent k
(through :func:`lksym.derivation.expr.parse_k`).  Typed text is read by
:mod:`lksym.derivation.penalty` (``parse_penalty``, ``parse_subject``), which
re-exports every public name of this module; an expression in ``w`` is taken
apart by :mod:`lksym.derivation.penalty_expression`.

Examples
--------
>>> p = CATALOGUE["huber"].build({"delta": sp.Integer(1)})
>>> p.label, p.slug, p.breakpoints
('Huber (δ = 1)', 'huber-delta-1', (1,))
>>> power(sp.Rational(3, 2)).name
'L1.5'
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Callable, Optional

import sympy as sp

from lksym.derivation.exact import number_text
from lksym.derivation.expr import parse_k
from lksym.derivation.mathtext import k_name
from lksym.derivation.symbols import W, X
from lksym.errors import InputError


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
    >>> from lksym.derivation.penalty import parse_penalty
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
>>> from lksym.derivation.penalty import parse_penalty
>>> [(p.name, p.curve_label, p.slug) for p in (power_of(sp.sqrt(2)), parse_penalty("mcp(lam=1, gamma=3)"))]
[('L√2', '|w|^√2', 'k-sqrt2'), ('MCP (λ = 1, γ = 3)', 'MCP', 'mcp-lam-1-gamma-3')]
"""

