r"""Text and JavaScript of the explorer's formulas, and the facts rows every penalty shares (Fan and Li's).

:func:`to_js` compiles a SymPy expression for the page, :func:`plain_text` writes it as
plain text (``^`` for powers), :func:`human_text` as a reader sees it (Greek letters,
``·``, a ``Piecewise`` as "… for λ ≤ 27/10; … otherwise"), and :func:`fan_li_facts`
turns a :class:`lksym.derivation.penalty_prox.Thresholding` into the page's rows.
"""

from __future__ import annotations

import re
from typing import Optional

import sympy as sp
from sympy.printing.jscode import jscode

LAM = sp.Symbol("lam", positive=True)

SLIDERS = (
    # name, label, min, max, step, default
    ("k", "k (exponent)", 0.1, 10, 0.01, 1.5),
    ("lam", "λ (prox strength)", 0.01, 5, 0.01, 1),
    ("eta", "η (step size)", 0.001, 1, 0.001, 0.1),
    ("w0", "w₀ (starting weight)", -2, 2, 0.01, 0.3),
)
"""The page's sliders; their element ids are their names."""

TAU_DEFAULT = 0.001
"""Default τ of the dead zone (a typed field, id ``tau``)."""


def to_js(expr) -> str:
    """A JS expression for a SymPy expression in k, lam, eta, alpha, tau (and x)."""

    expr = sp.sympify(expr)
    if expr is sp.true or expr is sp.false:
        return "true" if expr is sp.true else "false"  # SymPy's JS printer writes Python's True/False
    text = jscode(expr)
    if "I" in text.replace("Infinity", "").replace("Math.", "").replace("PI", "") and any(
        tok == "I" for tok in _tokens(text)
    ):
        raise ValueError(f"complex unit in compiled formula {text}")
    return text


def _tokens(text: str) -> list:

    return re.findall(r"[A-Za-z_][A-Za-z_0-9.]*", text)


def plain_text(expr) -> str:
    """A short plain-text formula: SymPy's string with ``^`` for powers."""
    if expr is None:
        return ""
    return sp.sstr(expr).replace("**", "^")


NAMES = {"lam": "λ", "eta": "η", "alpha": "α", "tau": "τ"}
"""How the page's own symbols read in a formula a person sees."""


def human_text(expr, names: Optional[dict] = None) -> str:
    """A formula as a reader sees it: Greek letters for the symbols, ``^`` for powers, ``·`` for products.

    ``names`` renames further symbols (a catalogue penalty's ``P_lam`` is ``λ_SCAD``: not the prox strength λ).

    Examples
    --------
    >>> human_text(LAM * sp.Symbol("P_lam") / 2, {"P_lam": "λ_SCAD"})
    'λ·λ_SCAD/2'
    >>> human_text(sp.Piecewise((1, LAM <= 2), (LAM / 2, True)))
    '1 for λ ≤ 2; λ/2 otherwise'
    """
    if expr is None:
        return ""
    if isinstance(expr, str):
        return expr
    expr = sp.sympify(expr)
    if isinstance(expr, sp.Piecewise):
        pieces = [f"{human_text(e, names)} for {human_text(c, names)}" if c is not sp.true else f"{human_text(e, names)} otherwise"
                  for e, c in expr.args]
        return "; ".join(pieces)
    table = {**NAMES, **(names or {})}
    renamed = expr.xreplace({s: sp.Symbol(table[s.name]) for s in expr.free_symbols if s.name in table})
    text = sp.sstr(renamed).replace("**", "^").replace("*", "·")
    return text.replace("<=", "≤").replace(">=", "≥").replace("!=", "≠")


def fact_row(key: str, label: str, formula, js: Optional[str], kind: str = "number", note: str = "") -> dict:
    return {"key": key, "label": label, "formula": formula, "js": js, "kind": kind, "note": note}


FAN_LI = (
    ("fan_li_sparse", "Fan–Li sparse: small |z| map to exactly 0", "sparse"),
    ("fan_li_continuous", "Fan–Li continuous: prox(z) has no jump in z", "continuous"),
    ("fan_li_unbiased", "Fan–Li unbiased: prox(z) − z → 0 as |z| → ∞", "unbiased"),
)
"""Fan and Li's three properties of the proximal step of λ·p: fact key, label, field of ``Thresholding``."""


def fan_li_facts(t, note: str = "") -> list:
    r"""Fan and Li's properties as the CLI states them, each yes, no or a condition in λ (compiled to JS).

    ``t`` is a :class:`lksym.derivation.penalty_prox.Thresholding`; the facts carry the text the page shows
    (``shown``), ``formula`` as text and ``js`` the condition, so the page decides it at the λ on screen.
    Where ``prox(z) = z`` exactly beyond some :math:`|z|` (SCAD, MCP) that bound is one more fact.

    Examples
    --------
    >>> from lksym.derivation.penalty_prox import Thresholding
    >>> rows = fan_li_facts(Thresholding(True, LAM <= sp.Rational(1, 100), True, None))
    >>> [(r["key"], r["shown"], r["js"]) for r in rows]  # doctest: +NORMALIZE_WHITESPACE
    [('fan_li_sparse', 'yes, for every λ > 0', 'true'),
     ('fan_li_continuous', 'for λ ≤ 1/100 only', 'lam <= 1/100'),
     ('fan_li_unbiased', 'yes, for every λ > 0', 'true')]
    """
    rows = []
    for key, label, field in FAN_LI:
        value = getattr(t, field)
        if value is None:
            rows.append({**fact_row(key, label, None, None, kind="none", note="undecided (see the report)"),
                         "shown": "undecided"})
            continue
        if value in (True, sp.true):
            shown, js = "yes, for every λ > 0", "true"
        elif value in (False, sp.false):
            shown, js = "no, for every λ > 0", "false"
        else:
            shown, js = f"for {human_text(value)} only", to_js(value)
        rows.append({**fact_row(key, label, plain_text(value) if isinstance(value, sp.Basic) else value, js, kind="bool",
                             note=note), "shown": shown})
    if t.unbiased_beyond is not None:
        rows.append({**fact_row("unbiased_beyond", "prox(z) = z exactly for |z| beyond", plain_text(t.unbiased_beyond),
                             to_js(t.unbiased_beyond), note=note), "shown": human_text(t.unbiased_beyond)})
    return rows
