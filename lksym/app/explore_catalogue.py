r"""The explorer's data for the catalogue of :mod:`lksym.derivation.penalty`: symbolic parameters, one case.

See :func:`catalogue_family`; the page's model of a penalty is described in :mod:`lksym.app.explore`.
"""

from __future__ import annotations

import sympy as sp

from lksym.derivation.penalty import CATALOGUE, GREEK, catalogue_parameter, parse_penalty
from lksym.derivation.symbols import X
from lksym.results import analyze
from lksym.writers.explore_text import LAM, SLIDERS, fact_row, fan_li_facts, human_text, plain_text, to_js

RANGES = {
    "lam": (0.1, 3, 0.01), "a": (2.1, 10, 0.01), "gamma": (0.1, 10, 0.01), "eps": (0.01, 2, 0.01),
    "theta": (0.1, 3, 0.01), "delta": (0.1, 3, 0.01), "l1": (0, 2, 0.01), "l2": (0, 2, 0.01),
}
"""Slider ranges of the catalogue's parameters (min, max, step): where to look, not a fact."""

COMMON = tuple(s for s in SLIDERS if s[0] != "k")
"""Sliders every penalty has: the prox strength, the step size and the starting weight."""


def _parameter_symbol(parameter) -> sp.Symbol:
    # Prefixed: SCAD's and MCP's own "lam" is not the page's prox strength lam.
    assumptions = {"nonnegative": True} if parameter.zero_allowed else {"positive": True}
    return sp.Symbol("P_" + parameter.name, **assumptions)


def _decide(relation) -> object:
    """A SymPy boolean as True/False when decided, else the relation itself (compiled to JS)."""
    return bool(relation) if isinstance(relation, (bool, sp.logic.boolalg.BooleanAtom)) else relation


def _nonnegative_on(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr):
    """``expr >= 0`` for every x in (lo, hi), as a boolean or a relation in the parameters; None if undecided."""

    if not expr.has(X):
        return _decide(sp.Ge(expr, 0))
    sign = expr.is_nonnegative
    if sign is not None:
        return sign
    return None


def catalogue_family(name: str, fan_li=None) -> dict:
    r"""The page's data for one entry of :data:`lksym.derivation.penalty.CATALOGUE`, with symbolic parameters.

    The pieces of the right branch are taken with positive (or, where 0 is allowed,
    nonnegative) symbols for the parameters, differentiated piece by piece and
    compiled to JS as ``Piecewise`` expressions.  Facts: the breakpoints, the jump of
    the penalty at 0, :math:`f'(0^+)` and :math:`f'(+\infty)`, sparsity
    (:math:`f'(0^+) > 0` or a jump at 0), convexity (every piece's curvature
    :math:`\ge 0`, no downward jump of the gradient at a breakpoint, continuity at 0)
    and, for a convex penalty, the prox threshold :math:`\lambda f'(0^+)`.  Where SymPy
    leaves a condition on the parameters it is compiled too and decided in the page.

    Examples
    --------
    >>> d = catalogue_family("huber")
    >>> d["title"], [p["name"] for p in d["params"]]
    ('Huber', ['P_delta', 'lam', 'eta', 'w0'])
    >>> " ".join(d["cases"][0]["gradient_js"].split())
    '((P_delta >= x) ? ( x/P_delta ) : ( 1 ))'
    """

    entry = CATALOGUE[name]
    symbols = {p.name: _parameter_symbol(p) for p in entry.parameters}
    usual = dict(entry.usual)
    raw = entry.pieces(symbols)
    pieces, lo = [], sp.Integer(0)
    for expr, hi in raw:
        expr = sp.expand(sp.sympify(expr))
        pieces.append((expr, lo, hi))
        lo = hi
    derivatives = [[e, sp.diff(e, X), sp.diff(e, X, 2)] for e, _, _ in pieces]

    def piecewise(order: int) -> sp.Expr:
        if len(pieces) == 1:
            return derivatives[0][order]
        return sp.Piecewise(*[(derivatives[i][order], X <= hi) for i, (_, _, hi) in enumerate(pieces[:-1])],
                            (derivatives[-1][order], True))

    g0 = sp.limit(derivatives[0][1], X, 0, "+")
    g_inf = sp.limit(derivatives[-1][1], X, sp.oo)
    jump0 = sp.limit(derivatives[0][0], X, 0, "+") - entry.at_zero
    breakpoints = [hi for _, _, hi in pieces[:-1]]
    conditions = [sp.Eq(jump0, 0) if jump0.free_symbols else bool(jump0 == 0)]
    conditions += [_nonnegative_on(d[2], lo, hi) for d, (_, lo, hi) in zip(derivatives, pieces)]
    for i, b in enumerate(breakpoints):  # the gradient may not drop at a breakpoint
        conditions.append(_decide(sp.Ge(sp.factor(derivatives[i + 1][1].subs(X, b) - derivatives[i][1].subs(X, b)), 0)))
    convex = None if any(c is None for c in conditions) else _decide(sp.And(*conditions))
    sparse = _decide(sp.Or(sp.Gt(g0, 0), sp.Gt(jump0, 0)))
    facts = [
        fact_row("regime", "penalty", entry.title + (f" ({entry.source})" if entry.source else ""), None, kind="text",
              note="from lksym's catalogue of penalties"),
        fact_row("breakpoints", "breakpoints (|w| where the definition changes)", "[" + ", ".join(plain_text(b) for b in breakpoints) + "]",
              "[" + ", ".join(to_js(b) for b in breakpoints) + "]", kind="list"),
        fact_row("jump_at_0", "jump of f at 0: f(0+) − f(0)", jump0, to_js(jump0)),
        fact_row("gradient_0", "gradient at 0+: f′(0+)", g0, to_js(g0)),
        fact_row("gradient_inf", "gradient far away: f′(+∞)", g_inf, to_js(g_inf)),
        fact_row("convex", "convex on ℝ", convex, None if convex is None else to_js(convex), kind="bool" if convex is not None else "none",
              note="curvature ≥ 0 on every piece, no drop of f′ at a breakpoint, continuous at 0"),
        fact_row("sparse", "sparse (prox sets small weights exactly to 0)", sparse, to_js(sparse), kind="bool",
              note="f′(0+) > 0 or a jump at 0"),
    ]
    if convex is True or isinstance(convex, sp.Basic):
        threshold = LAM * g0
        js = to_js(threshold) if convex is True else f"(({to_js(convex)}) ? ({to_js(threshold)}) : NaN)"
        facts.append({**fact_row("prox_threshold", "prox threshold: largest |z| with prox(z) = 0", threshold, js,
                              note="λ f′(0+) where convex; numeric (from the page's prox) where not"),
                      "fallback": "numeric"})
    else:
        facts.append(fact_row("prox_threshold", "prox threshold: largest |z| with prox(z) = 0", None, "NUMERIC",
                           note="not convex: found numerically from the page's prox"))
    names = display_names(name)
    facts[1]["shown"] = ", ".join(human_text(b, names) for b in breakpoints) or "none"
    facts += fan_li_facts(fan_li if fan_li is not None else usual_thresholding(name),
                          note="decided at the usual " + ", ".join(f"{names['P_' + n]} = {v}" for n, v in entry.usual)
                          if entry.usual else "")
    params = []
    for p in entry.parameters:
        lo_, hi_, step = RANGES.get(p.name, (0.1, 5, 0.01))
        default = float(catalogue_parameter(entry, p.name, usual[p.name])) if p.name in usual else lo_
        meaning = p.meaning.replace("over lam", "over " + names.get("P_lam", "λ"))
        params.append({"name": "P_" + p.name, "label": f"{entry.title} {names['P_' + p.name]}: {meaning}",
                       "min": lo_, "max": hi_,
                       "step": step, "default": default})
    params += [dict(zip(("name", "label", "min", "max", "step", "default"), s)) for s in COMMON]
    branch = {n: piecewise(i) for i, n in enumerate(("penalty", "gradient", "curvature"))}
    case = {
        "name": name.upper(),
        "title": entry.title,
        "condition": "all parameters in range",
        "condition_js": "true",
        "penalty_js": to_js(branch["penalty"]),
        "gradient_js": to_js(branch["gradient"]),
        "curvature_js": to_js(branch["curvature"]),
        "penalty": plain_text(branch["penalty"]),
        "gradient": plain_text(branch["gradient"]),
        "curvature": plain_text(branch["curvature"]),
        "gradient_at_0": to_js(g0),
        "at_zero": to_js(entry.at_zero),
        "convex": convex is True,
        "facts": [{**f, "formula": f["formula"] if isinstance(f["formula"], (bool, str)) or f["formula"] is None
                   else plain_text(f["formula"]),
                   "shown": f.get("shown", human_text(f["formula"], names) if isinstance(f["formula"], sp.Basic)
                                  and not isinstance(f["formula"], sp.logic.boolalg.BooleanAtom) else None)}
                  for f in facts],
    }
    return {"name": name, "title": entry.title, "kind": "catalogue", "params": params, "cases": [case], "stops": [],
            "symbols": ["P_" + p.name for p in entry.parameters], "names": names,
            "usual": {"P_" + n: float(catalogue_parameter(entry, n, v)) for n, v in entry.usual}}


def display_names(name: str) -> dict:
    """How a catalogue penalty's parameters read on the page: Greek letters, and a penalty's own λ named apart.

    SCAD's and MCP's own ``lam`` is not the prox strength λ of the page: it reads ``λ_SCAD``.

    Examples
    --------
    >>> display_names("scad")
    {'P_lam': 'λ_SCAD', 'P_a': 'a'}
    """

    entry = CATALOGUE[name]
    return {"P_" + p.name: (GREEK["lam"] + "_" + entry.title) if p.name == "lam" else GREEK.get(p.name, p.name)
            for p in entry.parameters}


def usual_thresholding(name: str):
    """Fan and Li's properties of a catalogue penalty at its usual parameters (the sliders' defaults)."""

    entry = CATALOGUE[name]
    args = ", ".join(f"{n}={v}" for n, v in entry.usual)
    return analyze(parse_penalty(f"{name}({args})" if args else name)).thresholding


def catalogue_names() -> tuple[str, ...]:
    return tuple(CATALOGUE)
