r"""``lksym explore``: derive the data of one self-contained HTML page to play with the penalties.

The page (template :file:`explore_page.html`, shipped as package data) draws
the penalty, its gradient and curvature, the gradient beside L1's and L2's,
the shrinkage map and plain gradient descent, live as sliders for
:math:`k`, :math:`\lambda` and :math:`\eta` move, and lists the derived facts
for the k on screen.  Nothing on it is typed by hand: this module derives every
formula with SymPy and compiles it to JavaScript with
:func:`sympy.printing.jscode.jscode` into a frozen :class:`~lksym.command_results.ExplorerPage`,
which :mod:`lksym.writers.explore` renders into the page.

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

The catalogue of :mod:`lksym.derivation.penalty` joins through
:func:`lksym.app.explore_catalogue.catalogue_family`: the same
data model with the parameters as positive symbols and one case.

A handful of exact analyses (:data:`STOPS`) are embedded too: when the k on
screen is one of them the page shows the exact forms beside the floats.
The output is deterministic (sorted JSON, no time stamps).

Examples
--------
>>> page = explorer_page()
>>> [p["name"] for p in page.data["penalties"]][:3], page.cycle_parameters[:2]
(['power', 'elastic_net', 'scad'], ('lr', 'momentum'))
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Optional

import sympy as sp

from lksym.app.explore_catalogue import catalogue_family, catalogue_names, usual_thresholding
from lksym.app.explore_optimizers import CYCLE_PARAMETERS, optimizer_data, ranges as optimizer_ranges
from lksym.command_results import ExplorerPage
from lksym.derivation.exact import k_text, solve_positive
from lksym.derivation.family import case_of, cases
from lksym.derivation.penalty import parse_subject
from lksym.derivation.regime import K
from lksym.derivation.symbols import ALPHA, ETA, TAU, W, X
from lksym.errors import InputError
from lksym.results import analyze
from lksym.writers.explore import check_out, render, write_page
from lksym.writers.explore_text import (  # noqa: F401 - the page's sliders and text helpers, used here and by tests
    LAM,
    NAMES,
    SLIDERS,
    TAU_DEFAULT,
    fact_row,
    fan_li_facts,
    human_text,
    plain_text,
    to_js,
)


DEFAULT_NAME = "explore.html"
PENALTIES = ("power", "elastic_net", "scad", "mcp", "logsum", "capped_l1", "huber", "l0")
"""Penalties the page shows by default: ``power`` is :math:`|w|^k`, the others :data:`lksym.derivation.penalty.CATALOGUE`."""

STOPS = ("1/2", "1", "3/2", "2", "3", "10", "7/3", "sqrt(2)")
"""Exponents whose exact analyses are embedded (the article's k and two awkward ones)."""

S = sp.Symbol("s", positive=True)

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

    k_of_s, s_of_k = shift
    root = solve_positive(lhs.subs(K, k_of_s), rhs.subs(K, k_of_s))
    if root is None:
        return None
    return _tidy_powers(root.subs(S, s_of_k))


def _jump_threshold(gradient: sp.Expr, shift: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    r"""Prox threshold and the minimiser of the stationarity function, for a gradient with :math:`g(0^+) = \infty`.

    Stationary: :math:`z = x + \lambda g(x)`; as good as 0:
    :math:`\tfrac12 (x - z)^2 + \lambda f(x) = \tfrac12 z^2`.  Eliminating z leaves
    two monomials in x, solved for the tie point :math:`x^*`; the threshold is
    :math:`z(x^*)`.  :math:`x_m` solves :math:`1 + \lambda g'(x) = 0`.
    """

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

    shift = SHIFTS[case.name]
    g = case.gradient.subs(W, X)
    c = case.curvature.subs(W, X)
    g0 = case.limits["gradient"]["0+"]
    facts = []
    l1 = _solve(g, sp.S.One, shift)
    l2 = _solve(g, 2 * X, shift)
    facts.append(fact_row("crossover_L1", "crossover with L1: |w| where |f′| = 1", l1, to_js(l1)))
    facts.append(fact_row("crossover_L2", "crossover with L2: |w| where |f′| = 2|w|", l2, to_js(l2)))
    if g0 == 0:
        dz = _solve(ALPHA * g, TAU, shift)
        facts.append(fact_row("dead_zone", "dead zone: α|f′(w)| < τ for |w| below", dz, to_js(dz),
                           note="α = λ on this page"))
    else:
        facts.append(fact_row("dead_zone", "dead zone", None, None, kind="none",
                           note="none: the gradient does not vanish at 0"))
    extra = {}
    if g0.is_finite:
        threshold = LAM * g0
        facts.append(fact_row("prox_threshold", "prox threshold: largest |z| with prox(z) = 0", threshold, to_js(threshold)))
    else:
        threshold, x_m = _jump_threshold(g, shift)
        facts.append(fact_row("prox_threshold", "prox threshold (a jump): largest |z| with prox(z) = 0",
                           threshold, to_js(threshold), note="prox jumps from 0 to a nonzero value there"))
        extra["x_m"] = to_js(x_m)
        extra["x_m_formula"] = plain_text(x_m)
    amplitude = _solve(ETA * g, 2 * X, shift)
    ratio = sp.powsimp(X * c / g, force=True)
    multiplier = sp.factor((1 - 2 * ratio) ** 2)
    facts.append(fact_row("cycle_amplitude", "two-cycle ±a of gradient descent: η f′(a) = 2a", amplitude, to_js(amplitude)))
    facts.append(fact_row("cycle_multiplier", "cycle multiplier (1 − η f″(a))²", multiplier, to_js(multiplier)))
    attracts = sp.Lt(multiplier, 1)
    facts.append(fact_row("cycle_attracts", "two-cycle attracts nearby weights", attracts, to_js(attracts), kind="bool",
                       note="multiplier < 1"))
    overshoot = _solve(ETA * g, X, shift)
    facts.append(fact_row("overshoot", "overshoot: one step from |w| lands exactly on 0 (η|f′(w)| = |w|)", overshoot, to_js(overshoot)))
    return facts, extra


def _point_facts(case) -> tuple[list, dict]:

    a = analyze({"L1": 1, "L2": 2}[case.name])
    facts = []
    for cross in a.crossovers:
        key = f"crossover_{cross.reference}"
        label = {"L1": "crossover with L1: |w| where |f′| = 1", "L2": "crossover with L2: |w| where |f′| = 2|w|"}[
            cross.reference]
        if cross.identical:
            facts.append(fact_row(key, label, None, None, kind="none", note="none: identical to " + cross.reference))
        else:
            facts.append(fact_row(key, label, cross.weight, to_js(cross.weight)))
    if a.dead_zone is None:
        facts.append(fact_row("dead_zone", "dead zone", None, None, kind="none",
                           note="none: the gradient does not vanish at 0"))
    else:
        facts.append(fact_row("dead_zone", "dead zone: α|f′(w)| < τ for |w| below", a.dead_zone, to_js(a.dead_zone),
                           note="α = λ on this page"))
    facts.append(fact_row("prox_threshold", "prox threshold: largest |z| with prox(z) = 0", a.prox.threshold,
                       to_js(a.prox.threshold)))
    gd = a.gd
    if gd.cycle_amplitude is None:

        # w -> (1 - eta g(x)/x) w for a linear gradient: a two-cycle needs the factor -1, i.e. one eta only.
        only = sp.solve(sp.Eq(1 - ETA * sp.cancel(a.gradient.branch / X), -1), ETA)
        facts.append(fact_row("cycle_amplitude", "two-cycle ±a of gradient descent", None, None, kind="none",
                           note=f"none: only at η = {plain_text(only[0])}, where every weight is on a two-cycle"))
        facts.append(fact_row("cycle_multiplier", "cycle multiplier", None, None, kind="none"))
        facts.append(fact_row("cycle_attracts", "two-cycle attracts nearby weights", None, None, kind="none"))
    else:
        facts.append(fact_row("cycle_amplitude", "two-cycle ±a of gradient descent: η f′(a) = 2a", gd.cycle_amplitude,
                           to_js(gd.cycle_amplitude)))
        facts.append(fact_row("cycle_multiplier", "cycle multiplier (1 − η f″(a))²", gd.cycle_multiplier,
                           to_js(gd.cycle_multiplier)))
        if gd.cycle_stable is None:
            facts.append(fact_row("cycle_attracts", "two-cycle attracts nearby weights", None, None, kind="none",
                               note="neutral: multiplier exactly 1, every |w| < η lies on its own two-cycle"))
        else:
            facts.append(fact_row("cycle_attracts", "two-cycle attracts nearby weights", sp.S.true if gd.cycle_stable
                               else sp.S.false, "true" if gd.cycle_stable else "false", kind="bool"))
    o = a.overshoot
    if o.weight is not None:
        facts.append(fact_row("overshoot", "overshoot: one step from |w| lands exactly on 0 (η|f′(w)| = |w|)", o.weight, to_js(o.weight)))
    else:
        facts.append(fact_row("overshoot", "every weight overshoots 0 for η above", o.step_limit, to_js(o.step_limit),
                           note="η|f′(w)|/|w| does not depend on w"))
    return facts, {}


def _case_record(case) -> dict:

    branch = {part: getattr(case, part).subs(W, X) for part in ("penalty", "gradient", "curvature")}
    facts, extra = (_point_facts if case.name in ("L1", "L2") else _interval_facts)(case)
    smooth = case.smoothness
    if smooth is None:
        smooth_text, smooth_js = "C^∞", "Infinity"
    elif isinstance(smooth, int):
        smooth_text, smooth_js = f"C^{smooth}", str(smooth)
    else:
        smooth_text, smooth_js = f"C^({plain_text(smooth)})", to_js(smooth)
    limits = {part: {point: plain_text(case.limits[part][point]) for point in ("0+", "+oo")} for part in case.limits}
    g0 = case.limits["gradient"]["0+"]
    facts = [
        fact_row("regime", "regime", case.title, None, kind="text", note=sp.pretty(case.condition, use_unicode=True)),
        fact_row("smoothness", "smoothness class at 0", smooth_text, smooth_js, kind="class"),
        fact_row("convex", "convex on ℝ", case.convex, "true" if case.convex else "false", kind="bool"),
        fact_row("sparse", "sparse (prox sets small weights exactly to 0)", case.sparse,
              "true" if case.sparse else "false", kind="bool", note=f"f′(0+) = {plain_text(g0)}"),
        *facts,
    ]
    return {
        "name": case.name,
        "title": case.title,
        "condition": sp.pretty(case.condition, use_unicode=True),
        "condition_js": to_js(case.condition),
        "penalty_js": to_js(branch["penalty"]),
        "gradient_js": to_js(branch["gradient"]),
        "curvature_js": to_js(branch["curvature"]),
        "penalty": plain_text(case.penalty),
        "gradient": plain_text(case.gradient),
        "curvature": plain_text(case.curvature),
        "gradient_at_0": "Infinity" if g0 == sp.oo else to_js(g0),
        "convex": case.convex,
        "limits": limits,
        "facts": facts,
        **extra,
    }


def _stop_record(text: str) -> dict:
    """The exact analysis of one k, as the strings the page shows beside the floats."""

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
        "case": case_of(a.power.k).name,
        "fan_li": fan_li_facts(a.thresholding, note="the same for every k of this case") if a.thresholding else [],
        "k": k_text(a.power.k),
        "k_float": float(a.power.k),
        "exact": {key: human_text(value) for key, value in exact.items() if value is not None},
        "smoothness": smooth,
        "regime": a.power.regime.title,
        "prox_closed_form": plain_text(a.prox.closed_form) if a.prox.closed_form is not None and sp.count_ops(
            a.prox.closed_form) < 30 else None,
    }


@lru_cache(maxsize=1)
def power_cases() -> tuple:
    """One record per case of :func:`lksym.derivation.family.cases`, facts' ``formula`` still SymPy (for tests and the page)."""

    return tuple(_case_record(c) for c in cases())


def _public(record: dict) -> dict:
    """A case record with its SymPy formulas written as text."""
    facts = []
    for f in record["facts"]:
        formula = f["formula"]
        text = formula if isinstance(formula, (bool, str)) or formula is None else plain_text(formula)
        facts.append({**f, "formula": text, "shown": f.get("shown", human_text(formula) if isinstance(formula, sp.Basic)
                                                        and not isinstance(formula, sp.logic.boolalg.BooleanAtom) else None)})
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
    stops = stops.result() if hasattr(stops, "result") else stops
    # Fan and Li's properties hold for every k of a case (its regime): each case takes them from its stops.
    for case in cases:
        rows = next((s["fan_li"] for s in stops if s["case"] == case["name"]), [])
        case["facts"] = case["facts"] + [r for r in rows if r["key"] != "unbiased_beyond"]
    return {
        "name": "power",
        "title": "|w|^k",
        "kind": "power",
        "params": [dict(zip(("name", "label", "min", "max", "step", "default"), s)) for s in SLIDERS],
        "cases": cases,
        "stops": [{k: v for k, v in s.items() if k not in ("fan_li", "case")} for s in stops],
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
    # Costliest first, so the last one to finish is short.
    return _in_workers(_stop_record, STOPS, first=("7/3", "sqrt(2)", "1/2"))


def _in_workers(fn, args: tuple, first: tuple = ()):
    """``[fn(a) for a in args]``, on forked workers when there are spare cores (a :class:`_Pending`), else here."""

    # This process derives the cases meanwhile: it keeps one core.
    workers = min(len(args), (os.cpu_count() or 1) - 1)
    if workers < 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [fn(a) for a in args]

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    order = sorted(args, key=lambda a: a not in first)
    futures = {a: pool.submit(fn, a) for a in order}
    return _Pending(pool, [futures[a] for a in args])


def _family(text: str, known: tuple) -> str:
    """The picker entry for what other commands accept: ``1.5``, ``l1.5``, ``lasso`` are the power family."""

    if text in known or "(" in text:
        return text
    try:
        family = parse_subject(text).family
    except InputError:
        return text
    return family if family in known else text


def page_data(penalties: tuple[str, ...] = PENALTIES) -> dict:
    """Everything the page needs, as JSON-ready data."""

    known = ("power", *catalogue_names())
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
    # Fan and Li's properties of each catalogue penalty need its full analysis: on the other cores meanwhile.
    pending = _in_workers(usual_thresholding, names[1:])
    power = power_family()
    fan_li = pending.result() if hasattr(pending, "result") else pending
    return {"schema": 1, "tau": TAU_DEFAULT,
            "penalties": [power, *[catalogue_family(n, t) for n, t in zip(names[1:], fan_li)]],
            "optimizers": optimizer_data(), "optimizer_ranges": optimizer_ranges()}


def explorer_page(penalties: tuple[str, ...] = PENALTIES) -> ExplorerPage:
    """Everything the page shows, derived and frozen (:func:`page_data` and the optimisers' parameter names)."""
    return ExplorerPage(data=page_data(tuple(penalties)), cycle_parameters=CYCLE_PARAMETERS)


def render_page(penalties: tuple[str, ...] = PENALTIES) -> str:
    """The page's HTML text for ``penalties`` (:func:`lksym.writers.explore.render` of :func:`explorer_page`)."""
    return render(explorer_page(penalties))


def write_explore(penalties=(), out_dir="reports") -> Path:
    """Derive the page of ``penalties`` (none: :data:`PENALTIES`) and write ``out_dir/explore.html``; return its path.

    Every name is checked before anything is written (:class:`~lksym.errors.InputError`); writing is
    :func:`lksym.writers.explore.write_page`'s.
    """
    check_out(out_dir)  # a user's explore.html: refused before the page is derived
    return write_page(explorer_page(tuple(penalties) or PENALTIES), out_dir)
