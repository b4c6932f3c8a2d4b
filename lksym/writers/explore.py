r"""``lksym explore``: one self-contained HTML page to play with the penalties.

The page (template :file:`explore_page.html`, shipped as package data) draws
the penalty, its gradient and curvature, the gradient beside L1's and L2's,
the shrinkage map and plain gradient descent, live as sliders for
:math:`k`, :math:`\lambda` and :math:`\eta` move, and lists the derived facts
for the k on screen.  Nothing on it is typed by hand: this module derives every
formula with SymPy and compiles it to JavaScript with
:func:`sympy.printing.jscode.jscode`.

Data model.  A *penalty* is a name, a list of parameter sliders
``{name, label, min, max, step, default}`` and a list of *cases*, each with a
condition on the parameters (compiled to JS), the right-branch penalty,
gradient and curvature :math:`f(x), f'(x), f''(x)` on :math:`x = |w| > 0`
(JS functions of ``x`` and the parameter object ``p``), and a list of facts
``{key, label, formula, js}``.  For :math:`|w|^k` the cases are those of
:func:`lksym.derivation.family.cases`; every open interval of k is handled at once by a
positive shift :math:`s` (:math:`k = 1 - s`, :math:`1 + s`, :math:`2 + s`) so
that SymPy's assumptions decide signs, and the result is written back in
``k``.  For the point cases (k = 1, 2) the exact analysis is used.

Derived per case (with :math:`g = f'` on :math:`x > 0`):

.. math::

    g(x) = 1 \;(\text{L1 crossover}), \quad g(x) = 2x \;(\text{L2}), \quad
    \alpha g(x) = \tau \;(\text{dead zone}), \quad \eta g(a) = 2a \;(\text{two-cycle}),

the cycle multiplier :math:`(1 - \eta f''(a))^2 = (1 - 2 x f''/f')^2`, and the prox
threshold: :math:`\lambda g(0^+)` where finite, else (:math:`k < 1`) the
:math:`z = x + \lambda g(x)` at which the nonzero stationary point is exactly as
good as 0.  The JS prox solves :math:`x - z + \lambda g(x) = 0` by bisection as
:func:`lksym.derivation.prox.prox_numeric` does, from the derived minimum :math:`x_m` of the
stationarity function where it is not monotone.

The catalogue of :mod:`lksym.derivation.penalty` joins through :func:`catalogue_family`: the same
data model with the parameters as positive symbols and one case.

A handful of exact analyses (:data:`STOPS`) are embedded too: when the k on
screen is one of them the page shows the exact forms beside the floats.
The output is deterministic (sorted JSON, no time stamps).

Examples
--------
>>> page = render()
>>> page.startswith("<!DOCTYPE html>") and "http://" not in page and "https://" not in page
True
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Optional

import sympy as sp

from lksym.derivation.regime import K

DEFAULT_NAME = "explore.html"
PENALTIES = ("power", "elastic_net", "scad", "mcp", "logsum", "capped_l1", "huber", "l0")
"""Penalties the page shows by default: ``power`` is :math:`|w|^k`, the others :data:`lksym.derivation.penalty.CATALOGUE`."""

STOPS = ("1/2", "1", "3/2", "2", "3", "10", "7/3", "sqrt(2)")
"""Exponents whose exact analyses are embedded (the article's k and two awkward ones)."""

LAM = sp.Symbol("lam", positive=True)
S = sp.Symbol("s", positive=True)

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


def _symbols() -> dict:
    from lksym.derivation.symbols import ALPHA, ETA, TAU

    return {"k": K, "lam": LAM, "eta": ETA, "alpha": ALPHA, "tau": TAU}


def _js(expr) -> str:
    """A JS expression for a SymPy expression in k, lam, eta, alpha, tau (and x)."""
    from sympy.printing.jscode import jscode

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
    import re

    return re.findall(r"[A-Za-z_][A-Za-z_0-9.]*", text)


def _text(expr) -> str:
    """A short plain-text formula: SymPy's string with ``^`` for powers."""
    if expr is None:
        return ""
    return sp.sstr(expr).replace("**", "^")


def _powers(expr: sp.Expr) -> sp.Expr:
    """``exp(c1 log b1 + ...)`` (what solving with logarithms gives) as ``b1^c1 * ...``, combined."""
    if not isinstance(expr, sp.exp):
        return expr
    factors = []
    for term in sp.Add.make_args(sp.expand(expr.args[0])):
        coefficient, rest = term.as_independent(sp.log, as_Add=False)
        if not isinstance(rest, sp.log):
            return expr
        factors.append(rest.args[0] ** coefficient)
    combined = sp.powsimp(sp.Mul(*factors), force=True)
    return sp.factor_terms(combined)


def _solve(lhs: sp.Expr, rhs: sp.Expr, shift: sp.Expr) -> Optional[sp.Expr]:
    """The x > 0 with lhs = rhs, solved with k = shift(s), written back in k."""
    from lksym.derivation.exact import solve_positive

    k_of_s, s_of_k = shift
    root = solve_positive(lhs.subs(K, k_of_s), rhs.subs(K, k_of_s))
    if root is None:
        return None
    return _tidy_powers(root.subs(S, s_of_k))


def _fact(key: str, label: str, formula, js: Optional[str], kind: str = "number", note: str = "") -> dict:
    return {"key": key, "label": label, "formula": formula, "js": js, "kind": kind, "note": note}


def _jump_threshold(gradient: sp.Expr, shift: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    r"""Prox threshold and the minimiser of the stationarity function, for a gradient with :math:`g(0^+) = \infty`.

    Stationary: :math:`z = x + \lambda g(x)`; as good as 0:
    :math:`\tfrac12 (x - z)^2 + \lambda f(x) = \tfrac12 z^2`.  Eliminating z leaves
    two monomials in x, solved for the tie point :math:`x^*`; the threshold is
    :math:`z(x^*)`.  :math:`x_m` solves :math:`1 + \lambda g'(x) = 0`.
    """
    from lksym.derivation.exact import solve_positive
    from lksym.derivation.symbols import X

    shift, s_of_k = shift
    g = gradient.subs(K, shift)
    penalty = X**shift
    z_stationary = X + LAM * g
    tie = sp.powsimp(sp.expand((X - z_stationary) ** 2 / 2 + LAM * penalty - z_stationary**2 / 2), force=True)
    by_power: dict = {}
    for term in sp.Add.make_args(tie):
        coefficient, power = term.as_coeff_exponent(X)
        by_power[power] = by_power.get(power, 0) + coefficient
    (a, ca), (b, cb) = [(p, sp.factor(c)) for p, c in by_power.items() if sp.factor(c) != 0]
    x_star = solve_positive(ca * X**a, -cb * X**b)
    # z = x* (1 + c x*^m) with lam g(x)/x = c x^m, and the tie gives x*^(a-b) = -cb/ca: no root of x* needed.
    c, m = sp.powsimp(LAM * g / X, force=True).as_coeff_exponent(X)
    factor = sp.factor(sp.powsimp(1 + c * (-cb / ca) ** sp.cancel(m / (a - b)), force=True))
    threshold = sp.Mul(factor.subs(S, s_of_k), _tidy_powers(x_star.subs(S, s_of_k)))
    x_m = solve_positive(sp.powsimp(-LAM * sp.diff(g, X), force=True), sp.S.One)
    x_m = _tidy_powers(x_m.subs(S, s_of_k)) if x_m is not None else None
    return threshold, x_m


def _tidy_powers(expr: sp.Expr) -> sp.Expr:
    return expr.replace(lambda e: isinstance(e, sp.exp), _powers)


SHIFTS = {"SUBLINEAR": (1 - S, 1 - K), "BETWEEN": (1 + S, K - 1), "STEEP_EVEN": (2 + S, K - 2),
          "STEEP_OTHER": (2 + S, K - 2)}
"""k as a positive shift s on each open interval, and s back in k: s > 0 makes 1 - k, k - 1 or k - 2
positive for SymPy (the tests check that each pair is inverse)."""


def _interval_facts(case) -> tuple[list, dict]:
    from lksym.derivation.symbols import ALPHA, ETA, TAU, W, X

    shift = SHIFTS[case.name]
    g = case.gradient.subs(W, X)
    c = case.curvature.subs(W, X)
    g0 = case.limits["gradient"]["0+"]
    facts = []
    l1 = _solve(g, sp.S.One, shift)
    l2 = _solve(g, 2 * X, shift)
    facts.append(_fact("crossover_L1", "crossover with L1: |w| where |f′| = 1", l1, _js(l1)))
    facts.append(_fact("crossover_L2", "crossover with L2: |w| where |f′| = 2|w|", l2, _js(l2)))
    if g0 == 0:
        dz = _solve(ALPHA * g, TAU, shift)
        facts.append(_fact("dead_zone", "dead zone: α|f′(w)| < τ for |w| below", dz, _js(dz),
                           note="α = λ on this page"))
    else:
        facts.append(_fact("dead_zone", "dead zone", None, None, kind="none",
                           note="none: the gradient does not vanish at 0"))
    extra = {}
    if g0.is_finite:
        threshold = LAM * g0
        facts.append(_fact("prox_threshold", "prox threshold: largest |z| with prox(z) = 0", threshold, _js(threshold)))
    else:
        threshold, x_m = _jump_threshold(g, shift)
        facts.append(_fact("prox_threshold", "prox threshold (a jump): largest |z| with prox(z) = 0",
                           threshold, _js(threshold), note="prox jumps from 0 to a nonzero value there"))
        extra["x_m"] = _js(x_m)
        extra["x_m_formula"] = _text(x_m)
    amplitude = _solve(ETA * g, 2 * X, shift)
    ratio = sp.powsimp(X * c / g, force=True)
    multiplier = sp.factor((1 - 2 * ratio) ** 2)
    facts.append(_fact("cycle_amplitude", "two-cycle ±a of gradient descent: η f′(a) = 2a", amplitude, _js(amplitude)))
    facts.append(_fact("cycle_multiplier", "cycle multiplier (1 − η f″(a))²", multiplier, _js(multiplier)))
    attracts = sp.Lt(multiplier, 1)
    facts.append(_fact("cycle_attracts", "two-cycle attracts nearby weights", attracts, _js(attracts), kind="bool",
                       note="multiplier < 1"))
    overshoot = _solve(ETA * g, X, shift)
    facts.append(_fact("overshoot", "overshoot: one step from |w| lands exactly on 0 (η|f′(w)| = |w|)", overshoot, _js(overshoot)))
    return facts, extra


def _point_facts(case) -> tuple[list, dict]:
    from lksym.results import analyze

    a = analyze({"L1": 1, "L2": 2}[case.name])
    facts = []
    for cross in a.crossovers:
        key = f"crossover_{cross.reference}"
        label = {"L1": "crossover with L1: |w| where |f′| = 1", "L2": "crossover with L2: |w| where |f′| = 2|w|"}[
            cross.reference]
        if cross.identical:
            facts.append(_fact(key, label, None, None, kind="none", note="none: identical to " + cross.reference))
        else:
            facts.append(_fact(key, label, cross.weight, _js(cross.weight)))
    if a.dead_zone is None:
        facts.append(_fact("dead_zone", "dead zone", None, None, kind="none",
                           note="none: the gradient does not vanish at 0"))
    else:
        facts.append(_fact("dead_zone", "dead zone: α|f′(w)| < τ for |w| below", a.dead_zone, _js(a.dead_zone),
                           note="α = λ on this page"))
    facts.append(_fact("prox_threshold", "prox threshold: largest |z| with prox(z) = 0", a.prox.threshold,
                       _js(a.prox.threshold)))
    gd = a.gd
    if gd.cycle_amplitude is None:
        from lksym.derivation.symbols import ETA, X

        # w -> (1 - eta g(x)/x) w for a linear gradient: a two-cycle needs the factor -1, i.e. one eta only.
        only = sp.solve(sp.Eq(1 - ETA * sp.cancel(a.gradient.branch / X), -1), ETA)
        facts.append(_fact("cycle_amplitude", "two-cycle ±a of gradient descent", None, None, kind="none",
                           note=f"none: only at η = {_text(only[0])}, where every weight is on a two-cycle"))
        facts.append(_fact("cycle_multiplier", "cycle multiplier", None, None, kind="none"))
        facts.append(_fact("cycle_attracts", "two-cycle attracts nearby weights", None, None, kind="none"))
    else:
        facts.append(_fact("cycle_amplitude", "two-cycle ±a of gradient descent: η f′(a) = 2a", gd.cycle_amplitude,
                           _js(gd.cycle_amplitude)))
        facts.append(_fact("cycle_multiplier", "cycle multiplier (1 − η f″(a))²", gd.cycle_multiplier,
                           _js(gd.cycle_multiplier)))
        if gd.cycle_stable is None:
            facts.append(_fact("cycle_attracts", "two-cycle attracts nearby weights", None, None, kind="none",
                               note="neutral: multiplier exactly 1, every |w| < η lies on its own two-cycle"))
        else:
            facts.append(_fact("cycle_attracts", "two-cycle attracts nearby weights", sp.S.true if gd.cycle_stable
                               else sp.S.false, "true" if gd.cycle_stable else "false", kind="bool"))
    o = a.overshoot
    if o.weight is not None:
        facts.append(_fact("overshoot", "overshoot: one step from |w| lands exactly on 0 (η|f′(w)| = |w|)", o.weight, _js(o.weight)))
    else:
        facts.append(_fact("overshoot", "every weight overshoots 0 for η above", o.step_limit, _js(o.step_limit),
                           note="η|f′(w)|/|w| does not depend on w"))
    return facts, {}


def _case_record(case) -> dict:
    from lksym.derivation.symbols import W, X

    branch = {part: getattr(case, part).subs(W, X) for part in ("penalty", "gradient", "curvature")}
    facts, extra = (_point_facts if case.name in ("L1", "L2") else _interval_facts)(case)
    smooth = case.smoothness
    if smooth is None:
        smooth_text, smooth_js = "C^∞", "Infinity"
    elif isinstance(smooth, int):
        smooth_text, smooth_js = f"C^{smooth}", str(smooth)
    else:
        smooth_text, smooth_js = f"C^({_text(smooth)})", _js(smooth)
    limits = {part: {point: _text(case.limits[part][point]) for point in ("0+", "+oo")} for part in case.limits}
    g0 = case.limits["gradient"]["0+"]
    facts = [
        _fact("regime", "regime", case.title, None, kind="text", note=sp.pretty(case.condition, use_unicode=True)),
        _fact("smoothness", "smoothness class at 0", smooth_text, smooth_js, kind="class"),
        _fact("convex", "convex on ℝ", case.convex, "true" if case.convex else "false", kind="bool"),
        _fact("sparse", "sparse (prox sets small weights exactly to 0)", case.sparse,
              "true" if case.sparse else "false", kind="bool", note=f"f′(0+) = {_text(g0)}"),
        *facts,
    ]
    return {
        "name": case.name,
        "title": case.title,
        "condition": sp.pretty(case.condition, use_unicode=True),
        "condition_js": _js(case.condition),
        "penalty_js": _js(branch["penalty"]),
        "gradient_js": _js(branch["gradient"]),
        "curvature_js": _js(branch["curvature"]),
        "penalty": _text(case.penalty),
        "gradient": _text(case.gradient),
        "curvature": _text(case.curvature),
        "gradient_at_0": "Infinity" if g0 == sp.oo else _js(g0),
        "convex": case.convex,
        "limits": limits,
        "facts": facts,
        **extra,
    }


def _stop_record(text: str) -> dict:
    """The exact analysis of one k, as the strings the page shows beside the floats."""
    from lksym.derivation.exact import k_text
    from lksym.results import analyze

    a = analyze(text)
    exact = {
        "crossover_L1": a.crossovers[0].weight,
        "crossover_L2": a.crossovers[1].weight,
        "dead_zone": a.dead_zone,
        "prox_threshold": a.prox.threshold,
        "cycle_amplitude": a.gd.cycle_amplitude,
        "cycle_multiplier": a.gd.cycle_multiplier,
        "overshoot": a.overshoot.weight if a.overshoot.weight is not None else a.overshoot.step_limit,
    }
    smooth = "C^∞" if a.smoothness is None else f"C^{a.smoothness}"
    return {
        "k": k_text(a.k),
        "k_float": float(a.k),
        "exact": {key: _text(value) for key, value in exact.items() if value is not None},
        "smoothness": smooth,
        "regime": a.regime.title,
        "prox_closed_form": _text(a.prox.closed_form) if a.prox.closed_form is not None and sp.count_ops(
            a.prox.closed_form) < 30 else None,
    }


@lru_cache(maxsize=1)
def power_cases() -> tuple:
    """One record per case of :func:`lksym.derivation.family.cases`, facts' ``formula`` still SymPy (for tests and the page)."""
    from lksym.derivation.family import cases

    return tuple(_case_record(c) for c in cases())


def _public(record: dict) -> dict:
    """A case record with its SymPy formulas written as text."""
    facts = []
    for f in record["facts"]:
        formula = f["formula"]
        facts.append({**f, "formula": formula if isinstance(formula, (bool, str)) or formula is None else _text(formula)})
    return {**record, "facts": facts}


@lru_cache(maxsize=1)
def power_family() -> dict:
    """The page's data for :math:`|w|^k`: sliders, cases with compiled JS, and the exact stops.

    Examples
    --------
    >>> d = power_family()
    >>> [c["name"] for c in d["cases"]]
    ['SUBLINEAR', 'L1', 'BETWEEN', 'L2', 'STEEP_EVEN', 'STEEP_OTHER']
    >>> d["cases"][2]["gradient_js"]
    'k*Math.pow(x, k - 1)'
    """
    stops = _stop_records()
    cases = [_public(c) for c in power_cases()]  # derived here while the workers analyse the stops
    return {
        "name": "power",
        "title": "|w|^k",
        "kind": "power",
        "params": [dict(zip(("name", "label", "min", "max", "step", "default"), s)) for s in SLIDERS],
        "cases": cases,
        "stops": stops.result() if hasattr(stops, "result") else stops,
    }


class _Pending:
    """Stop records being computed by forked workers (plain strings come back, in :data:`STOPS` order)."""

    def __init__(self, pool, futures):
        self.pool, self.futures = pool, futures

    def result(self) -> list:
        try:
            return [f.result() for f in self.futures]
        finally:
            self.pool.shutdown()


def _stop_records():
    """The exact stops, on the other cores when there are any (forked: SymPy is already loaded)."""
    import multiprocessing
    import os

    # This process derives the cases meanwhile: it keeps one core.
    workers = min(len(STOPS), (os.cpu_count() or 1) - 1)
    if workers < 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [_stop_record(t) for t in STOPS]
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    # Costliest first, so the last one to finish is short.
    order = sorted(STOPS, key=lambda t: t not in ("7/3", "sqrt(2)", "1/2"))
    futures = {t: pool.submit(_stop_record, t) for t in order}
    return _Pending(pool, [futures[t] for t in STOPS])


# --------------------------------------------------------------------------- the catalogue (lksym.derivation.penalty)

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
    from lksym.derivation.symbols import X

    if not expr.has(X):
        return _decide(sp.Ge(expr, 0))
    sign = expr.is_nonnegative
    if sign is not None:
        return sign
    return None


def catalogue_family(name: str) -> dict:
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
    from lksym.derivation.penalty import CATALOGUE, catalogue_parameter
    from lksym.derivation.symbols import X

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
        _fact("regime", "penalty", entry.title + (f" ({entry.source})" if entry.source else ""), None, kind="text",
              note="catalogue of lksym.derivation.penalty"),
        _fact("breakpoints", "breakpoints (|w| where the definition changes)", "[" + ", ".join(_text(b) for b in breakpoints) + "]",
              "[" + ", ".join(_js(b) for b in breakpoints) + "]", kind="list"),
        _fact("jump_at_0", "jump of f at 0: f(0+) − f(0)", jump0, _js(jump0)),
        _fact("gradient_0", "gradient at 0+: f′(0+)", g0, _js(g0)),
        _fact("gradient_inf", "gradient far away: f′(+∞)", g_inf, _js(g_inf)),
        _fact("convex", "convex on ℝ", convex, None if convex is None else _js(convex), kind="bool" if convex is not None else "none",
              note="curvature ≥ 0 on every piece, no drop of f′ at a breakpoint, continuous at 0"),
        _fact("sparse", "sparse (prox sets small weights exactly to 0)", sparse, _js(sparse), kind="bool",
              note="f′(0+) > 0 or a jump at 0"),
    ]
    if convex is True or isinstance(convex, sp.Basic):
        threshold = LAM * g0
        js = _js(threshold) if convex is True else f"(({_js(convex)}) ? ({_js(threshold)}) : NaN)"
        facts.append({**_fact("prox_threshold", "prox threshold: largest |z| with prox(z) = 0", threshold, js,
                              note="λ f′(0+) where convex; numeric (from the page's prox) where not"),
                      "fallback": "numeric"})
    else:
        facts.append(_fact("prox_threshold", "prox threshold: largest |z| with prox(z) = 0", None, "NUMERIC",
                           note="not convex: found numerically from the page's prox"))
    params = []
    for p in entry.parameters:
        lo_, hi_, step = RANGES.get(p.name, (0.1, 5, 0.01))
        default = float(catalogue_parameter(entry, p.name, usual[p.name])) if p.name in usual else lo_
        from lksym.derivation.penalty import GREEK

        params.append({"name": "P_" + p.name, "label": f"{entry.title} {GREEK.get(p.name, p.name)}: {p.meaning}",
                       "min": lo_, "max": hi_,
                       "step": step, "default": default})
    params += [dict(zip(("name", "label", "min", "max", "step", "default"), s)) for s in COMMON]
    branch = {n: piecewise(i) for i, n in enumerate(("penalty", "gradient", "curvature"))}
    case = {
        "name": name.upper(),
        "title": entry.title,
        "condition": "all parameters in range",
        "condition_js": "true",
        "penalty_js": _js(branch["penalty"]),
        "gradient_js": _js(branch["gradient"]),
        "curvature_js": _js(branch["curvature"]),
        "penalty": _text(branch["penalty"]),
        "gradient": _text(branch["gradient"]),
        "curvature": _text(branch["curvature"]),
        "gradient_at_0": _js(g0),
        "at_zero": _js(entry.at_zero),
        "convex": convex is True,
        "facts": [{**f, "formula": f["formula"] if isinstance(f["formula"], (bool, str)) or f["formula"] is None
                   else _text(f["formula"])} for f in facts],
    }
    return {"name": name, "title": entry.title, "kind": "catalogue", "params": params, "cases": [case], "stops": [],
            "symbols": ["P_" + p.name for p in entry.parameters]}


def _catalogue_names() -> tuple[str, ...]:
    try:
        from lksym.derivation.penalty import CATALOGUE
    except ImportError:  # pragma: no cover - the catalogue is part of lksym from now on
        return ()
    return tuple(CATALOGUE)


def _family(text: str, known: tuple) -> str:
    """The picker entry for what other commands accept: ``1.5``, ``l1.5``, ``lasso`` are the power family."""
    from lksym.derivation.penalty import parse_subject
    from lksym.errors import InputError

    if text in known or "(" in text:
        return text
    try:
        family = parse_subject(text).family
    except InputError:
        return text
    return family if family in known else text


def page_data(penalties: tuple[str, ...] = PENALTIES) -> dict:
    """Everything the page needs, as JSON-ready data."""
    from lksym.errors import InputError

    known = ("power", *_catalogue_names())
    penalties = tuple(_family(p, known) for p in penalties)
    unknown = [p for p in penalties if p not in known]
    if unknown:
        name = unknown[0].partition("(")[0].strip()
        if name in known:  # "scad(lam=1, a=3.7)": the page has sliders for the parameters
            raise InputError(f"explore takes the name only ({name!r}, not {unknown[0]!r}): the page has sliders "
                             "for its parameters")
        raise InputError(f"unknown penalty {unknown[0]!r}; known: {', '.join(known)} (a number k, l1.5 or lasso is power)")
    # The power family always comes first: the L1/L2 comparison curves are its k = 1 and k = 2.
    names = ("power", *[p for p in dict.fromkeys(penalties) if p != "power"])
    return {"schema": 1, "tau": TAU_DEFAULT,
            "penalties": [power_family() if n == "power" else catalogue_family(n) for n in names]}


def _template() -> str:
    from importlib.resources import files

    return files("lksym.writers").joinpath("explore_page.html").read_text(encoding="utf-8")


def _function(body: Optional[str], args: str = "p", symbols: tuple = ()) -> str:
    """A JS function of the parameter object (and x) returning the compiled expression ``body``."""
    if body is None:
        return "null"
    if body == "NUMERIC":
        return '"numeric"'
    names = ("k", "lam", "eta", "alpha", "tau", *symbols)
    return f"function({args}){{const {','.join(f'{n}=p.{n}' for n in names)};return ({body});}}"


def _code(family: dict) -> str:
    """The compiled functions of one penalty as JS source (functions, not strings: no eval in the page)."""
    cases = []
    sym = tuple(family.get("symbols", ()))
    for c in family["cases"]:
        facts = ",".join(f"{json.dumps(f['key'])}:{_function(f['js'], 'p', sym)}" for f in c["facts"])
        cases.append(
            "{"
            f"cond:{_function(c['condition_js'], 'p', sym)},"
            f"pen:{_function(c['penalty_js'], 'x,p', sym)},"
            f"grad:{_function(c['gradient_js'], 'x,p', sym)},"
            f"curv:{_function(c['curvature_js'], 'x,p', sym)},"
            f"g0:{_function(c['gradient_at_0'], 'p', sym)},"
            f"xm:{_function(c.get('x_m'), 'p', sym)},"
            f"at0:{_function(c.get('at_zero', '0'), 'p', sym)},"
            f"facts:{{{facts}}}"
            "}"
        )
    return "{cases:[" + ",\n".join(cases) + "]}"


def render(penalties: tuple[str, ...] = PENALTIES) -> str:
    """The page's HTML text: the template with the derived data and the compiled functions inlined."""
    data = page_data(penalties)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    code = "{" + ",\n".join(f"{json.dumps(f['name'])}:{_code(f)}" for f in data["penalties"]) + "}"
    # Never close the <script> element from inside the data.
    text, code = text.replace("</", "<\\/"), code.replace("</", "<\\/")
    return _template().replace("/*LKSYM_DATA*/null", text).replace("/*LKSYM_CODE*/null", code)


def write_explore(penalties=(), out_dir="reports") -> Path:
    """Write ``out_dir/explore.html`` atomically, refresh lksym's index if there is one, return the path.

    A file of that name lksym did not write is not replaced, and a ``README.md`` that is not
    lksym's index is left alone (:class:`~lksym.errors.InputError` for the first).
    """
    from lksym.fileio import owned, signed, write_atomic
    from lksym.writers.index import INDEX_NAME, is_index, write_index

    html = render(tuple(penalties) or PENALTIES)
    out = Path(out_dir)
    target = write_atomic(out / DEFAULT_NAME, signed(html), ours=owned(lambda old: b"<title>lksym explore" in old[:4096]))
    try:
        ours = is_index((out / INDEX_NAME).read_bytes())
    except OSError:
        ours = False
    if ours:
        write_index(out)
    return target
