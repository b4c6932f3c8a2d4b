r"""The Markdown report of one :class:`~lksym.results.Analysis`.

Formulas are LaTeX that GitHub renders (``$...$`` and ``$$...$$``); the
section "What this penalty does to weights" is assembled from the derived facts,
sentence by sentence, so every k gets its own reading and none is canned.
"""

from __future__ import annotations

import base64
import re
from typing import Optional

import sympy as sp

from lksym.derivation.analysis import POINTS, Band, Part
from lksym.derivation.exact import MAX_EXACT_DIGITS, k_text, substitute
from lksym.derivation.penalty import CATALOGUE
from lksym.derivation.symbols import LAM, X
from lksym.results import Analysis
from lksym.writers.plots import FIGURES, image_name
from lksym.writers.plots import figure_specs, render_png

POINT_LATEX = {"0+": r"w \to 0^+", "0-": r"w \to 0^-", "+oo": r"w \to +\infty", "-oo": r"w \to -\infty"}
SYMBOL = {"penalty": "f(w)", "gradient": "f'(w)", "curvature": "f''(w)"}


def tex(expr: sp.Expr) -> str:
    r"""LaTeX for ``expr`` without bare ``|`` (it would split a Markdown table cell).

    Examples
    --------
    >>> tex(sp.Abs(sp.Symbol("w", real=True)) ** sp.Rational(3, 2))
    '\\lvert{w}\\rvert^{\\frac{3}{2}}'
    """
    try:
        text = sp.latex(expr)
    except ValueError:  # the printer evaluated a kept-short power past Python's 4300-digit int-to-str limit
        text = None
    if isinstance(expr, (sp.Mul, sp.Pow)) and (text is None or re.search(r"\d{%d}" % (MAX_EXACT_DIGITS + 1), text)):
        text = _tex_unevaluated_product(expr)
    elif text is None:
        raise ValueError(f"cannot print {sp.sstr(expr)[:80]} in LaTeX")
    return text.replace(r"\left|", r"\lvert").replace(r"\right|", r"\rvert")


def _flat_factors(expr: sp.Expr):
    if not isinstance(expr, sp.Mul):  # a lone power kept short
        yield expr
        return
    for factor in expr.args:
        yield from _flat_factors(factor)  # unevaluated products nest: (x*) * (1 + ...)


def _tex_unevaluated_product(expr: sp.Mul) -> str:
    """A product of powers as a fraction, factor by factor, without evaluating any power.

    SymPy's printer evaluates the denominator it builds, so :math:`201^{-100}`,
    kept unevaluated by :func:`lksym.derivation.exact.solve_positive`, would come out as
    a 232-digit integer.
    """
    top, bottom = [], []
    for factor in _flat_factors(expr):
        base, exponent = factor.as_base_exp()
        if exponent.is_negative:
            bottom.append(sp.latex(sp.Pow(base, -exponent, evaluate=False)))
        else:
            top.append(sp.latex(factor))
    times = r" \cdot "
    numerator, denominator = times.join(top) or "1", times.join(bottom)
    return rf"\frac{{{numerator}}}{{{denominator}}}" if bottom else numerator


def _m(expr) -> str:
    return f"${tex(expr) if isinstance(expr, sp.Basic) else expr}$"


def _num(expr: sp.Expr) -> str:
    """An exact value with its decimal approximation when it is not already a short number."""
    if expr.is_Integer or (expr.is_Rational and len(k_text(expr)) <= 6 and "/" not in k_text(expr)):
        return _m(expr)
    return f"{_m(expr)} ≈ {float(expr):.4g}"


def _at_zero_text(part: Part) -> str:
    at = part.at_zero
    if at.value is not None:
        return _m(at.value)
    if at.subdifferential is not None:
        lo, hi = at.subdifferential
        return f"subdifferential ${{[{tex(lo)}, {tex(hi)}]}}$"
    return "does not exist"


# --------------------------------------------------------------------------- sections


def _formulas(a: Analysis) -> list[str]:
    lines = ["## Formulas", "", r"For $w \ne 0$ (derived by SymPy on $w > 0$ and carried to $w < 0$ by symmetry):", ""]
    for part in a.parts:
        lines += ["$$", f"{SYMBOL[part.name]} = {tex(part.expr)}", "$$", ""]
    lines += ["At $w = 0$ itself:", ""]
    for part in a.parts:
        lines.append(f"- {part.name} ${SYMBOL[part.name].replace('(w)', '(0)')}$: {_at_zero_text(part)}")
    return lines + [""]


def _limits_table(a: Analysis) -> list[str]:
    header = "| | " + " | ".join(f"${POINT_LATEX[p]}$" for p in POINTS) + " | at $w = 0$ | continuous at 0 |"
    lines = ["## Limits", "", header, "|---" * (len(POINTS) + 3) + "|"]
    for part in a.parts:
        cells = [_m(part.limits[p]) for p in POINTS]
        cont = "yes" if part.at_zero.continuous else "no"
        lines.append(f"| {part.name} ${SYMBOL[part.name]}$ | " + " | ".join(cells) + f" | {_at_zero_text(part)} | {cont} |")
    return lines + [""]


def _smoothness_text(a: Analysis) -> str:
    if a.smoothness is None:
        return r"$f \in C^\infty$: every derivative exists and is continuous at 0 (a polynomial)."
    n = a.smoothness
    failing = n + 1
    name = {1: "first", 2: "second", 3: "third"}.get(failing, f"{failing}th")
    return (
        f"$f \\in C^{{{n}}}$ at 0 and no better: derivatives up to order {n} are continuous there, "
        f"the {name} derivative is not."
    )


def _properties(a: Analysis) -> list[str]:
    g0 = a.gradient.limits["0+"]
    c0 = a.curvature.limits["0+"]
    lines = ["## Smoothness, convexity, sparsity", ""]
    lines.append(f"- **Smoothness**: {_smoothness_text(a)}")
    if a.convex:
        left = a.gradient.limits["0-"]
        across = ("the gradient is continuous across 0" if left == g0 else
                  f"the gradient jumps up across 0 (from {_m(left)} to {_m(g0)})")
        lines.append(f"- **Convex**: yes. The curvature is $\\ge 0$ for $w \\ne 0$ and {across}.")
    else:
        lines.append(
            f"- **Convex**: no. The curvature is negative for every $w \\ne 0$ ({_m(a.curvature.expr)}): "
            "the penalty is concave on each side of 0, so a loss plus this penalty can have several local minima."
        )
    if a.sparse:
        lines.append(
            f"- **Sparse**: yes. The gradient does not vanish at $0^+$ (it tends to {_m(g0)}), so near 0 the penalty "
            "outgrows any smooth loss: a proximal (or clipped) step sets every small enough weight exactly to 0."
        )
    else:
        lines.append(
            f"- **Sparse**: no. The gradient tends to {_m(g0)} at $0^+$: near 0 the pull vanishes, so a proximal step "
            "maps a weight to exactly 0 only when it is already 0. Weights get small, not zero."
        )
    lines.append(
        "- **Curvature near 0**: "
        + (
            f"bounded (it tends to {_m(c0)}), so the gradient is Lipschitz near 0."
            if a.lipschitz_gradient_near_zero
            else f"unbounded (it tends to {_m(c0)}), so no fixed step size is small enough for every small weight."
        )
    )
    return lines + [""]


def _order_text(band: Band, a: Analysis) -> str:
    # For k = 1 or 2 the penalty *is* a reference: name it so "L1 = L1" reads sensibly.
    names = {"L1": "L1", "L2": "L2", "Lk": a.label if a.label not in ("L1", "L2") else f"this penalty ({a.label})"}
    pieces = [names[band.order[0]]]
    for lower, higher in zip(band.order, band.order[1:]):
        tied = (lower, higher) in band.ties or (higher, lower) in band.ties
        pieces.append(("= " if tied else "< ") + names[higher])
    return " ".join(pieces)


def _interval(band: Band) -> str:
    if band.lo == 0:
        return f"$\\lvert w\\rvert < {tex(band.hi)}$"
    if band.hi == sp.oo:
        return f"$\\lvert w\\rvert > {tex(band.lo)}$"
    return f"${tex(band.lo)} < \\lvert w\\rvert < {tex(band.hi)}$"


def _comparison(a: Analysis) -> list[str]:
    lines = [
        "## Against L1 and L2",
        "",
        "Gradient magnitudes compared: $\\lvert f'(w)\\rvert$ against L1's $1$ and L2's $2\\lvert w\\rvert$.",
        "",
    ]
    for c in a.crossovers:
        if c.identical:
            lines.append(f"- **{c.reference}**: the same penalty.")
            continue
        if c.weight is None:
            stronger = c.sides(a.label)[0]
            lines.append(f"- **{c.reference}**: never equal; {stronger} pulls harder everywhere.")
            continue
        below, above = c.sides(a.label)
        lines.append(
            f"- **{c.reference}**: equal at $\\lvert w\\rvert = {tex(c.weight)}$ (≈ {float(c.weight):.4g}); "
            f"{below} pulls harder below it, {above} above it."
        )
    lines += ["", "| weights | weakest → strongest pull |", "|---|---|"]
    lines += [f"| {_interval(b)} | {_order_text(b, a)} |" for b in a.bands]
    return lines + [""]


def _dead_zone(a: Analysis) -> list[str]:
    if a.dead_zone is None:
        return []
    return [
        "## Dead zone",
        "",
        "With the penalty scaled by $\\alpha$, the gradient magnitude $\\alpha\\lvert f'(w)\\rvert$ falls below a "
        "tolerance $\\tau$ for",
        "",
        "$$",
        f"\\lvert w\\rvert < {tex(a.dead_zone)}",
        "$$",
        "",
        "Below it the penalty barely acts (for `alpha * mean(|w_i|^k)` over n weights, use $\\alpha/n$).",
        "",
    ]


def _lam_tex(expr: sp.Expr) -> str:

    # The JSON symbol is "lam" (lambda is a Python keyword); the reader should see a Greek letter.
    return tex(substitute(expr, {LAM: sp.Symbol("lambda", positive=True)}))


def _prox_section(a: Analysis) -> list[str]:

    threshold = a.prox.threshold
    lines = [
        "## Proximal step",
        "",
        "The proximal step of $\\lambda\\lvert x\\rvert^k$ (what proximal gradient methods apply after each "
        "gradient step on the loss) is $\\operatorname{prox}(z) = \\arg\\min_x \\tfrac12 (x - z)^2 + "
        "\\lambda\\lvert x\\rvert^k$; it is odd in $z$.",
        "",
    ]
    if threshold == 0:
        lines.append("- **Threshold**: none — every $z \\ne 0$ gives a nonzero weight (no exact zeros).")
    else:
        lines.append(f"- **Threshold**: $\\lvert z\\rvert \\le {_lam_tex(threshold)}$ is mapped to exactly 0.")
        if a.gradient.limits["0+"] == sp.oo:
            lines.append(
                "  The objective is not convex here: at the threshold the minimiser jumps from 0 straight to a "
                "nonzero weight (hard-threshold-like), derived as the $z$ where the nonzero stationary point is "
                "exactly as good as $x = 0$."
            )
    above = "z > 0" if threshold == 0 else f"z > {_lam_tex(threshold)}"
    form = a.prox.closed_form
    if form is not None and sp.count_ops(form) <= PROX_FORM_OPS:
        # order="none": a sum as SymPy built it, z - lambda rather than the sorted -lambda + z.
        shown = sp.latex(substitute(form, {LAM: sp.Symbol("lambda", positive=True)}), order="none")
        shown = shown.replace(r"\left|", r"\lvert").replace(r"\right|", r"\rvert")
        lines.append(f"- **Closed form** for ${above}$ (SymPy, from $x - z + \\lambda f'(x) = 0$): "
                     f"$\\operatorname{{prox}}(z) = {shown}$.")
    elif form is not None:
        lines.append(f"- **Closed form** for ${above}$: the root of $x - z + \\lambda f'(x) = 0$ in $(0, z)$, in radicals "
                     "too long to print here (`prox.closed_form` in `analysis.json`).")
    else:
        lines.append("- **Closed form**: none in radicals (the stationarity equation $x - z + \\lambda f'(x) = 0$ is "
                     "not a polynomial of degree ≤ 4 in a root of $x$); the value comes from a bisection.")
    lines.append("- **Value** at given $\\lambda, z$: `lksym prox --k K --lam L --z Z`, exact and as a float.")
    if threshold != 0:
        value = substitute(threshold, {LAM: 1})
        lines.append(f"- With $\\lambda = 1$ the threshold is {_num(value)}; the figure *Proximal step* shows the map.")
    return lines + [""]


PROX_FORM_OPS = 40
"""Operations above which the report names the closed form instead of printing it (Ferrari's quartic)."""


def _gd_section(a: Analysis) -> list[str]:
    g = a.gd
    lines = [
        "## Gradient descent near zero",
        "",
        "Plain gradient descent on the penalty alone is the map $w \\mapsto w - \\eta f'(w)$ with step size "
        "$\\eta$.",
        "",
    ]
    if g.cycle_amplitude is not None:
        lines.append(
            f"- **Two-cycle** $w \\to -w \\to w$ at $\\lvert w\\rvert = a = {tex(g.cycle_amplitude)}$ "
            f"(where $\\eta f'(a) = 2a$), multiplier $(1 - \\eta f''(a))^2 = {tex(g.cycle_multiplier)}$: "
            + ("attracting — nearby weights settle on it." if g.cycle_stable else
               ("repelling — weights near it move away"
                + ("; larger weights oscillate with growing amplitude and diverge, smaller ones decay."
                   if a.overshoot.side == "above" else ".")) if g.cycle_stable is False else
               "neutral: L1's curvature is 0, so every weight with $\\lvert w\\rvert < \\eta$ lies on its own "
               "two-cycle $\\{w, w - \\eta\\operatorname{sign}(w)\\}$ (a subgradient step cannot settle).")
        )
    else:
        lines.append("- **Two-cycle**: no single amplitude (for L2 only $\\eta = 1$ flips every weight).")
    d = g.decay
    if d.kind == "geometric":
        lines.append(f"- **Decay**: geometric, $w_t = ({tex(d.rate)})^t w_0$.")
    elif d.kind == "power":
        lines.append(
            f"- **Decay**: like a power of the step count, $\\lvert w_t\\rvert \\approx {tex(d.constant)}\\, "
            f"t^{{-{tex(d.order)}}}$ for large $t$."
        )
    lines += ["", _claims(a), ""]
    return lines


def _claims(a: Analysis) -> str:
    """Whether the article's two claims (L0.5 jumps across zero, L3 stops moving) describe this k."""
    g, g0 = a.gd, a.gradient.limits["0+"]
    if g0 == sp.oo and g.cycle_stable is False:
        return (
            "**The article's claim holds here**: as it says of $L_{0.5}$, small weights keep jumping across zero. Every weight "
            f"below $\\lvert w\\rvert = {tex(a.overshoot.weight)}$ is thrown across 0 and the only two-cycle is "
            "repelling, so the weights never settle (see *Plain gradient descent* below)."
        )
    if g.decay.kind == "power":
        return (
            "**The article's claim holds here**: as it says of $L_3$, weights near zero stop moving. The step "
            f"$\\eta f'(w)$ is of order $\\lvert w\\rvert^{{{tex(a.power.k - 1)}}}$, far below $\\lvert w\\rvert$, "
            "so they creep toward 0 ever more slowly and never reach it."
        )
    if g.cycle_stable:
        return (
            "**Between the article's two pictures**: weights do jump across zero, but settle on the attracting "
            "two-cycle $\\pm a$ whose amplitude shrinks with $\\eta$ — they neither stop nor run away."
        )
    if g.decay.kind == "geometric":
        return ("**Neither claim applies**: for $\\eta < 1/2$ weights shrink by the same factor every step, "
                "smoothly to 0 (weight decay).")
    return ("**The first claim holds in part**: weights get within $\\eta$ of 0 in finitely many steps and then "
            "chatter on a two-cycle across 0, unless a proximal (soft-threshold) step stops them at 0.")


# --------------------------------------------------------------------------- the reading


def _near_zero(a: Analysis) -> str:
    g0, c0 = a.gradient.limits["0+"], a.curvature.limits["0+"]
    o = a.overshoot
    if g0 == sp.oo:
        return (
            "**Near zero** the pull grows without bound: the gradient tends to $\\pm\\infty$ as $w \\to 0^\\pm$. "
            f"One gradient step of size $\\eta$ throws every weight with $\\lvert w\\rvert < {tex(o.weight)}$ "
            "across zero, and the smaller the weight the further it lands: small weights keep flipping sign "
            "instead of settling."
        )
    if g0.is_finite and g0 != 0:
        return (
            f"**Near zero** the pull has the constant size {_m(g0)} whatever the weight: each step moves a weight "
            f"toward 0 by the same amount, so a weight reaches 0 in finitely many steps; once "
            f"$\\lvert w\\rvert < {tex(o.weight)}$ a plain step jumps across 0 and the weight chatters around it, "
            "while a proximal (soft-threshold) step stops it at exactly 0."
        )
    if c0 == sp.oo:
        return (
            f"**Near zero** the pull vanishes (gradient $\\to 0$), but more slowly than $\\lvert w\\rvert$ itself "
            "(the curvature $\\to \\infty$): the gradient is steep at 0. "
            f"A step of size $\\eta$ still overshoots weights with $\\lvert w\\rvert < {tex(o.weight)}$, so plain "
            "gradient descent leaves small weights oscillating around 0 with a tiny amplitude, never exactly 0."
        )
    if c0.is_finite and c0 != 0:
        return (
            f"**Near zero** the pull is proportional to the weight (curvature {_m(c0)} at 0): each step multiplies a "
            f"small weight by the same factor, so weights shrink geometrically and never reach 0 exactly "
            f"(weight decay); steps $\\eta > {tex(o.step_limit)}$ overshoot every weight."
            if o.step_limit is not None
            else f"**Near zero** the pull is proportional to the weight (curvature {_m(c0)} at 0)."
        )
    return (
        "**Near zero** the pull vanishes faster than the weight itself (gradient and curvature $\\to 0$): "
        f"the gradient is of order $\\lvert w\\rvert^{{{tex(a.power.k - 1)}}}$, so small weights stop moving long "
        "before they reach 0."
    )


def _far_away(a: Analysis) -> str:
    ginf = a.gradient.limits["+oo"]
    o = a.overshoot
    if ginf == 0:
        return (
            "**Far from zero** the pull fades (gradient $\\to 0$ as $\\lvert w\\rvert \\to \\infty$): "
            "large weights are hardly regularised at all."
        )
    if ginf.is_finite:
        return (
            f"**Far from zero** the pull stays {_m(ginf)}: large weights are pulled exactly as hard as "
            "moderate ones, so relative to their size they shrink slowly."
        )
    growth = a.power.k - 1
    faster = bool(growth > 1)
    text = (
        f"**Far from zero** the pull grows like $\\lvert w\\rvert^{{{tex(growth)}}}$, "
        + ("faster than L2's linear pull: large weights are pulled in hard" if faster else
           "slower than L2's linear pull" if bool(growth < 1) else "linearly")
        + "."
    )
    if o.side == "above":
        text += (
            f" A fixed step $\\eta$ overshoots for $\\lvert w\\rvert > {tex(o.weight)}$: "
            "very large weights make plain gradient descent unstable."
        )
    return text


def _spans(bands: list[Band]) -> str:
    """Name the union of some bands, joining neighbours into one interval."""
    merged: list[list] = []
    for b in bands:
        if merged and merged[-1][1] == b.lo:
            merged[-1][1] = b.hi
        else:
            merged.append([b.lo, b.hi])
    return ", ".join(_interval(Band(lo, hi, ("L1", "L2", "Lk"), ())) for lo, hi in merged)


def _fixed_step_text(a: Analysis) -> str:
    """What plain gradient descent with a fixed step does to small weights, in one clause."""
    g = a.gd
    a_tex = None if g.cycle_amplitude is None else tex(g.cycle_amplitude)
    if g.cycle_stable is True:
        return f"small weights settle on the attracting two-cycle $\\pm {a_tex}$ across 0, never on 0 itself"
    if g.cycle_stable is False and g.decay.kind is None:
        return f"small weights jump across 0 chaotically and never settle (the two-cycle $\\pm {a_tex}$ repels)"
    if g.decay.kind == "power":
        return (f"small weights creep toward 0 like $t^{{-{tex(g.decay.order)}}}$ and stall, never reaching it "
                f"(weights beyond the repelling two-cycle $\\pm {a_tex}$ diverge)")
    if g.decay.kind == "geometric":
        return f"weights shrink by the factor ${tex(g.decay.rate)}$ every step (for $\\eta < 1$)"
    return "weights step toward 0 by $\\eta$ and end on a two-cycle across it, unless a proximal step stops them at 0"


def _in_short(a: Analysis) -> str:
    """The answer in one paragraph: between L1 and L2, smoothness, convexity, zeros, a fixed step near 0."""
    between = _between_text(a)
    smooth = "C^\\infty" if a.smoothness is None else f"C^{{{a.smoothness}}}"
    facts = (f"At 0 it is ${smooth}$, it is {'convex' if a.convex else '**not** convex'}, and it gives "
             + ("exact zeros under a proximal step" if a.sparse else "no exact zeros (its pull vanishes at 0)")
             + f". Under plain gradient descent with a fixed step $\\eta$, {_fixed_step_text(a)}.")
    return (between + " " if between else "") + facts


def _strict_rank(band: Band) -> Optional[int]:
    """How many of L1 and L2 pull strictly less than Lk on the band; ``None`` if Lk ties one."""
    if any("Lk" in tie for tie in band.ties):
        return None
    return band.order.index("Lk")


def _between_text(a: Analysis) -> Optional[str]:
    crossings = [c for c in a.crossovers if c.weight is not None]
    if not crossings:
        return None
    between = [b for b in a.bands if _strict_rank(b) == 1]
    if not between:
        return None
    parts = "; ".join(f"{_interval(b)}: {_order_text(b, a)}" for b in between)
    above_both = [b for b in a.bands if _strict_rank(b) == 2]
    text = f"**Between L1 and L2?** {a.label}'s pull lies between L1's and L2's for {parts}."
    if above_both:
        text += f" It pulls harder than both for {_spans(above_both)}."
    below_both = [b for b in a.bands if _strict_rank(b) == 0]
    if below_both:
        text += f" It pulls less than both for {_spans(below_both)}."
    return text


def reading(a: Analysis) -> list[str]:
    """The plain-language section, one paragraph per derived fact."""
    paragraphs = [_near_zero(a), _far_away(a)]
    paragraphs.append(
        "**Exact zeros**: "
        + ("yes — with a proximal step, small weights become exactly 0 (sparsity)." if a.sparse else
           "no — weights become small but not exactly 0; prune them with a threshold if you need zeros.")
    )
    if not a.convex:
        paragraphs.append(
            "**Stability**: the penalty is not convex, so training can settle in different minima from different "
            "starting points; it is a poor regulariser when used on its own."
        )
    lines = ["## What this penalty does to weights", ""]
    for p in paragraphs:
        lines += [p, ""]
    return lines


# --------------------------------------------------------------------------- whole documents


NOTEBOOK_FIGURES = ("penalty_gradient.svg", "gradients_l1_l2.svg", "gd_trajectories.svg")
"""The figures a notebook shows under the summary (all six would crowd it; ``a.figures()`` has the rest)."""


def summary_markdown(a: Analysis, figures: bool = False) -> str:
    """A compact Markdown view (used for notebooks): formulas, limits and the reading.

    With ``figures`` three of the report's figures follow, inline as PNG data
    URIs (Jupyter renders Markdown images from ``data:`` URIs; it has no folder to link).
    """
    lines = ([f"# The penalty $\\lvert w\\rvert^{{{tex(a.power.k)}}}$ ({a.label})", "", _in_short(a), ""]
             + _formulas(a) + _limits_table(a) + reading(a))
    if figures:

        specs = {spec.name: spec for spec in FIGURES}
        for name in NOTEBOOK_FIGURES:
            spec = specs[name]
            png = render_png(spec.render(spec.numbers(a)), dpi=72)
            lines += ["", f"![{spec.caption}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"]
    return "\n".join(lines)


def report_markdown(a: Analysis, figure_names: tuple[str, ...] | None = None, image_format: str = "svg") -> str:
    """The whole report as Markdown text, with links to the figures by file name.

    Examples
    --------
    >>> from lksym.results import analyze
    >>> report_markdown(analyze("2")).splitlines()[0]
    '# The penalty $\\\\lvert w\\\\rvert^{2}$ (L2)'
    """
    if a.power is None:
        return penalty_report_markdown(a, figure_names, image_format)
    k, regime = a.power.k, a.power.regime
    lines = [
        f"# The penalty $\\lvert w\\rvert^{{{tex(k)}}}$ ({a.label})",
        "",
        f"Regime: **{regime.title}** (${regime.condition_text}$"
        + ("" if "=" in regime.condition_text else f", here $k = {tex(k)}$")
        + (f" ≈ {float(k):.6g}" if not k.is_Rational else "")
        + "). Penalty added to the loss: `alpha * mean(|w_i|^k)`; below, $f(w) = \\lvert w\\rvert^k$ for one weight.",
        "",
    ]
    lines += ["## In short", "", _in_short(a), ""]
    lines += reading(a)
    lines += _formulas(a) + _limits_table(a) + _properties(a) + _comparison(a) + _dead_zone(a)
    lines += _prox_section(a) + _gd_section(a)
    lines += ["## Figures", ""]
    specs = [s for s in FIGURES if figure_names is None or s.name in figure_names]
    for spec in specs:
        lines += [f"### {spec.caption}", "", f"![{spec.caption}]({image_name(spec.name, image_format)})", ""]
    lines += ["---", "", "Generated by lksym from the exact SymPy analysis; every number above is derived, not typed.", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- any other penalty


def _piece_condition(piece) -> str:
    lo = "0 < t" if piece.lo == 0 else f"{tex(piece.lo)} < t"
    return lo + ("" if piece.hi == sp.oo else rf" \le {tex(piece.hi)}")


def _definition(a: Analysis) -> list[str]:

    p = a.subject
    t = sp.Symbol("t", positive=True)
    lines = ["## Definition", "", "With $t = \\lvert w\\rvert$" + (f" (from {_source(p)})" if _source(p) else "") + ":", ""]
    if len(p.pieces) == 1:
        lines += ["$$", f"p(t) = {tex(p.pieces[0].expr.subs(X, t))}, \\qquad t > 0", "$$"]
    else:
        cases = r" \\ ".join(f"{tex(q.expr.subs(X, t))} & {_piece_condition(q)}" for q in p.pieces)
        lines += ["$$", f"p(t) = \\begin{{cases}} {cases} \\end{{cases}}", "$$"]
    own_lam = any(n == "lam" for n, _ in p.params)
    lines += ["", f"and $p(0) = {tex(p.at_zero)}$. Parameters: "
              + (", ".join(f"`{n}` = ${tex(v)}$" for n, v in p.params) or "none")
              + (" (the penalty's own `lam`, a number; $\\lambda$ below is always the strength of the proximal step)"
                 if own_lam else "")
              + f". Typed as `{p.text}`; the penalty added to the loss is `alpha * mean(p(w_i))`.", ""]
    return lines


def _source(p) -> str:

    entry = CATALOGUE.get(p.family)
    return entry.source if entry is not None else ""


def _condition_text(value, holds: str, fails: str) -> str:
    """A thresholding property read out: always, never, or for which prox strengths lambda."""
    if value is None:
        return "undecided (lksym could not decide it exactly)"
    if value in (True, sp.true):
        return f"yes, for every strength $\\lambda > 0$: {holds}"
    if value in (False, sp.false):
        return f"no, for no strength $\\lambda$: {fails}"
    return f"for ${_lam_tex(value)}$ only: {holds} Beyond that, {fails}"


_UNBIASED = {
    "exact": "**exactly**: the penalty is constant beyond a point, so large weights are left alone "
             "($\\operatorname{prox}(z) = z$), and big effects are not shrunk at all.",
    "asymptotic": "**asymptotically**: the pull $p'$ fades but never vanishes, so the shrinkage "
                  "$z - \\operatorname{prox}(z)$ of a large weight tends to 0 without reaching it.",
}


def _fan_li(a: Analysis) -> list[str]:
    t = a.thresholding
    lines = [
        "## Fan and Li's three properties of the proximal step",
        "",
        r"The proximal step $\operatorname{prox}(z) = \arg\min_x \tfrac12 (x - z)^2 + \lambda\, p(x)$ is what a "
        r"proximal-gradient optimiser applies to every weight after each gradient step on the data loss "
        r"($z$ is the weight after that step, $\lambda$ the step size times the penalty weight). Fan and Li (2001) "
        "ask three things of it; each is decided here from the penalty and its proximal map:",
        "",
        "- **Sparse** (small inputs go to exactly 0): "
        + _condition_text(t.sparse, "weights with small $\\lvert z\\rvert$ are set exactly to 0, so the model selects features.",
                          "only $z = 0$ gives 0, so no weight is set exactly to 0 by the step."),
        "- **Continuous** ($z \\mapsto \\operatorname{prox}(z)$ has no jump): "
        + _condition_text(t.continuous, "a small change in the data moves each weight a little, so fits are stable.",
                          "at some $z$ the step jumps, so a slight change in the data can move a weight by a sizeable amount."),
        "- **Unbiased** ($\\operatorname{prox}(z) - z \\to 0$ as $\\lvert z\\rvert \\to \\infty$): "
        + _condition_text(t.unbiased, _UNBIASED.get(t.unbiased_kind, "large weights are left (nearly) alone, so big effects are not shrunk."),
                          "however large a weight, the step pulls it toward 0 by an amount that does not vanish."),
    ]
    if t.unbiased_beyond is not None:
        lines.append(f"- **Exactly unbiased** beyond $\\lvert z\\rvert = {_lam_tex(t.unbiased_beyond)}$: "
                     r"there $\operatorname{prox}(z) = z$, the penalty does not touch the weight at all.")
    for note in t.notes:
        lines.append(f"- Note: {note}")
    return lines + [""]


def _breakpoints_section(a: Analysis) -> list[str]:
    if not a.breakpoints:
        return ["## Breakpoints", "", "None: one formula holds for every $w \\ne 0$.", ""]
    lines = ["## Breakpoints", "", "Where the definition changes, $\\lvert w\\rvert = b$ (limits from the left and the right):", "",
             "| $b$ | smoothness | penalty | gradient | curvature |", "|---|---|---|---|---|"]
    for b in a.breakpoints:
        smooth = "jump" if b.smoothness == -1 else f"$C^{{{b.smoothness}}}$"
        cells = []
        for part in PART_NAMES_ORDER:
            lo, hi = b.limits[part]["left"], b.limits[part]["right"]
            cells.append(_m(lo) if sp.simplify(lo - hi) == 0 else f"{_m(lo)} → {_m(hi)}")
        lines.append(f"| {_num(b.at)} | {smooth} | " + " | ".join(cells) + " |")
    if any(b.smoothness == -1 for b in a.breakpoints):
        lines += ["", "At a jump the penalty takes the lower of its two one-sided limits, the left one (it is "
                  "nondecreasing): the lower semicontinuous reading, the one for which the proximal step always has "
                  "a minimiser. A formula that gives another value exactly there (SymPy's `Heaviside(0)` is 1/2) "
                  "is read this way."]
    return lines + [""]


PART_NAMES_ORDER = ("penalty", "gradient", "curvature")


def _penalty_properties(a: Analysis) -> list[str]:
    if a.smoothness == -1:
        smooth = "the penalty itself jumps at 0 ($p(0) \\ne p(0^+)$): not even continuous."
    else:
        smooth = _smoothness_text(a)
    cmin = a.curvature_min
    lines = ["## Smoothness and convexity", "", f"- **Smoothness at 0**: {smooth}"]
    lines.append(f"- **Convex**: {'yes' if a.convex else 'no'}. The least curvature off 0 and the breakpoints is "
                 f"${tex(cmin)}$" + (
                     "." if cmin == sp.oo or bool(cmin >= 0) else
                     ("; near it the penalty is concave, so the proximal problem is not convex for any $\\lambda$."
                      if cmin == -sp.oo else
                      f", so the proximal problem $\\tfrac12 (x - z)^2 + \\lambda p(x)$ is convex exactly when "
                      f"$1 + \\lambda \\cdot ({tex(cmin)}) \\ge 0$, i.e. $\\lambda \\le {tex(-1 / cmin)}$.")))
    return lines + [""]


def _penalty_prox_section(a: Analysis) -> list[str]:
    lines = ["## Proximal step", "", r"$\operatorname{prox}(z) = \arg\min_x \tfrac12 (x - z)^2 + \lambda\, p(x)$, odd in $z$.", ""]
    threshold = a.prox.threshold
    if threshold == 0:
        lines.append("- **Threshold**: none — only $z = 0$ maps to 0.")
    else:
        lines.append(f"- **Threshold**: $\\lvert z\\rvert \\le {_lam_tex(threshold)}$ maps to exactly 0 "
                     r"(the largest such $\lvert z\rvert$, $\inf_{x > 0} x/2 + \lambda (p(x) - p(0))/x$).")
    if a.prox.closed_form is not None:
        lines += ["- **Closed form** (derived from the pieces, for $z \\ge 0$):", "", "$$",
                  f"\\operatorname{{prox}}(z) = {_lam_tex(a.prox.closed_form)}", "$$"]
    else:
        lines.append("- **Closed form**: none derived (a piece is not a polynomial of degree at most 2); "
                     "the figures use the global numeric minimiser.")
    return lines + [""]


def _omitted(a: Analysis) -> list[str]:
    if not a.omitted:
        return []
    names = {"dead_zone": "dead zone", "overshoot": "overshoot weight", "crossovers": "single crossovers with L1 and L2",
             "bands": "bands of L1/L2 order", "gd": "gradient-descent two-cycle and decay",
             "gd.cycle_stable": "one stability for every step size", "gd.decay": "decay law of small weights"}
    lines = ["## Not derived here", "", "Left out for this penalty, each with the reason derived from its pieces:", ""]
    for key, why in a.omitted.items():
        lines.append(f"- {names.get(key, key)}: {why}.")
    return lines + [""]


def _penalty_comparison(a: Analysis) -> list[str]:
    """Crossovers with L1 and L2 (where each is one weight) and the bands of the three pulls, for any penalty."""
    if a.bands is None:
        return []
    name = a.subject.short_label
    lines = ["## Against L1 and L2", "",
             "Gradient magnitudes compared, piece by piece: $\\lvert p'(w)\\rvert$ against L1's $1$ and L2's "
             "$2\\lvert w\\rvert$.", ""]
    for c in a.crossovers or ():
        if c.identical:
            lines.append(f"- **{c.reference}**: the same pull everywhere.")
        elif c.weight is None:
            stronger = c.sides(name)[0]
            lines.append(f"- **{c.reference}**: never equal; {stronger} pulls harder everywhere.")
        else:
            below, above = c.sides(name)
            lines.append(f"- **{c.reference}**: equal at $\\lvert w\\rvert = {tex(c.weight)}$ (≈ {float(c.weight):.4g}); "
                         f"{below} pulls harder below it, {above} above it.")
    if a.crossovers is None:
        lines.append("- No single crossover weight: " + a.omitted.get("crossovers", "") + ".")
    names = {"L1": "L1", "L2": "L2", "Lk": name}
    lines += ["", "| weights | weakest → strongest pull |", "|---|---|"]
    for b in a.bands:
        pieces = [names[b.order[0]]]
        for lower, higher in zip(b.order, b.order[1:]):
            tied = (lower, higher) in b.ties or (higher, lower) in b.ties
            pieces.append(("= " if tied else "< ") + names[higher])
        lines.append(f"| {_interval(b)} | {' '.join(pieces)} |")
    return lines + [""]


def _penalty_dead_zone(a: Analysis) -> list[str]:
    if a.dead_zone is None:
        return []
    return ["## Dead zone", "",
            "With the penalty scaled by $\\alpha$, the gradient magnitude $\\alpha\\lvert p'(w)\\rvert$ stays below a "
            "tolerance $\\tau$ for every", "", "$$", f"\\lvert w\\rvert < {tex(a.dead_zone)}", "$$", "",
            "(derived piece by piece: the first $\\lvert w\\rvert$ where $\\alpha\\lvert p'\\rvert$ reaches $\\tau$; "
            "$\\infty$ where it never does). Below it the penalty barely acts (for `alpha * mean(p(w_i))` over n weights, "
            "use $\\alpha/n$).", ""]


def _penalty_gd_section(a: Analysis) -> list[str]:
    o, g = a.overshoot, a.gd
    if o is None and g is None:
        return []
    lines = ["## Gradient descent near zero", "",
             "Plain gradient descent on the penalty alone is the map $w \\mapsto w - \\eta p'(w)$ with step size $\\eta$; "
             "every formula below is derived from the pieces, with its range of $\\eta$ where it changes.", ""]
    if o is not None and o.weight is not None:
        side = "<" if o.side == "below" else ">"
        lines.append(f"- **Overshoot**: one step throws every weight with $\\lvert w\\rvert {side} {tex(o.weight)}$ across 0 "
                     "(there $\\eta\\lvert p'(w)\\rvert > \\lvert w\\rvert$; $0$ means no weight, $\\infty$ every weight).")
    elif o is not None and o.step_limit is not None:
        lines.append(f"- **Overshoot**: $\\eta\\lvert p'(w)\\rvert/\\lvert w\\rvert$ does not depend on $w$: steps "
                     f"$\\eta > {tex(o.step_limit)}$ overshoot every weight, smaller ones none.")
    if g is not None:
        if g.cycle_amplitude is not None:
            if "gd.cycle_stable" in a.omitted:
                verdict = "its stability " + a.omitted["gd.cycle_stable"] + "."
            else:
                verdict = {True: "attracting — nearby weights settle on it.",
                           False: "repelling — weights near it move away.",
                           None: "neutral (multiplier exactly 1): as for L1, weights near it stay on cycles of their own."}[
                    g.cycle_stable]
            lines.append(f"- **Two-cycle** $w \\to -w \\to w$ at $\\lvert w\\rvert = a = {tex(g.cycle_amplitude)}$ "
                         f"(where $\\eta p'(a) = 2a$; where a case of $\\eta$ is missing there is none), multiplier "
                         f"$(1 - \\eta p''(a))^2 = {tex(g.cycle_multiplier)}$: {verdict}")
        else:
            lines.append("- **Two-cycle**: none for any single amplitude (no $a > 0$ with $\\eta p'(a) = 2a$ "
                         "on a range of $\\eta$).")
        d = g.decay
        if d.kind == "geometric":
            lines.append(f"- **Decay** near 0: geometric, $w_t = ({tex(d.rate)})^t w_0$ while $\\lvert w\\rvert$ stays on "
                         "the first piece.")
        elif d.kind == "power":
            lines.append(f"- **Decay** near 0: like a power of the step count, $\\lvert w_t\\rvert \\approx "
                         f"{tex(d.constant)}\\, t^{{-{tex(d.order)}}}$ for large $t$.")
        elif a.gradient.limits["0+"] != 0:
            lines.append(f"- **Decay**: none to 0: the pull near 0 tends to {_m(a.gradient.limits['0+'])}, as L1's, so a "
                         "weight steps toward 0 by a fixed amount and then chatters across it, unless a proximal step "
                         "stops it at 0.")
    return lines + [""]


_IN_SHORT = {"exact": "exactly unbiased for large weights", "asymptotic": "asymptotically unbiased for large weights"}


def _penalty_in_short(a: Analysis) -> str:
    t = a.thresholding

    def word(value, yes, no, cond):
        if value in (True, sp.true):
            return yes
        if value in (False, sp.false) or value is None:
            return no
        return f"{yes} for ${_lam_tex(value)}$ ({cond})"

    order = r"\infty" if a.smoothness is None else str(a.smoothness)
    smooth = "discontinuous at 0" if a.smoothness == -1 else f"$C^{{{order}}}$ at 0"
    kinks = (f", with {len(a.breakpoints)} breakpoint{'s' if len(a.breakpoints) > 1 else ''} at "
             + ", ".join(_m(b.at) for b in a.breakpoints)) if a.breakpoints else ""
    return (f"{a.label} is {smooth}{kinks}, and {'convex' if a.convex else '**not** convex'}. Its proximal step is "
            f"{word(t.sparse, 'sparse', 'not sparse', 'smaller strengths')}, "
            f"{word(t.continuous, 'continuous', 'discontinuous', 'it jumps beyond')} and "
            f"{word(t.unbiased, _IN_SHORT.get(t.unbiased_kind, 'unbiased for large weights'), 'biased for large weights', 'biased beyond')}.")


def penalty_report_markdown(a: Analysis, figure_names: tuple[str, ...] | None = None, image_format: str = "svg") -> str:
    """The report of a penalty other than :math:`|w|^k`: definition, the three properties, formulas, breakpoints.

    Examples
    --------
    >>> from lksym.results import analyze
    >>> penalty_report_markdown(analyze("mcp(lam=1, gamma=3)")).splitlines()[0]
    '# The penalty MCP (λ = 1, γ = 3)'
    """

    lines = [f"# The penalty {a.label}", ""]
    lines += _definition(a)
    lines += ["## In short", "", _penalty_in_short(a), ""]
    lines += _fan_li(a) + _formulas(a) + _limits_table(a) + _breakpoints_section(a) + _penalty_properties(a)
    lines += _penalty_comparison(a) + _penalty_dead_zone(a)
    lines += _penalty_prox_section(a) + _penalty_gd_section(a) + _omitted(a)
    lines += ["## Figures", ""]
    for spec in figure_specs(a):
        if figure_names is None or spec.name in figure_names:
            lines += [f"### {spec.caption}", "", f"![{spec.caption}]({image_name(spec.name, image_format)})", ""]
    lines += ["---", "", "Generated by lksym from the exact SymPy analysis; every number above is derived, not typed.", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- under other optimisers


def optimizers_section(rows) -> list[str]:
    """"Under other optimisers": the symmetric two-cycle per optimiser (rows from
    :func:`lksym.derivation.dynamics.cycle_rows`), and where to read the rest."""
    lines = ["## Under other optimisers", "",
             "A weight alternating $+a, -a$ under the penalty alone, at lr = 1/100, alpha = 1 and torch's "
             "defaults (momentum 9/10, β₁ = 0.9). Heavy ball and Nesterov move the two-cycle by changing the "
             "effective step; Adam and RMSprop (eps = 0, bias correction faded) put it at the same $a$ for every "
             "penalty and every alpha: they do not see the penalty's strength.", "",
             "| optimiser | two-cycle | a | nearby states |", "|---|---|---|---|"]
    for name, rule, amplitude, kind in rows:
        lines.append(f"| `{name}` | {rule} | {'`' + amplitude + '`' if amplitude else 'none'} | {kind or '—'} |")
    lines += ["", "Whether each cycle attracts (multipliers in the optimiser's full state), trajectories, fixed "
              "points with data and the proximal optimisers: `lksym dynamics PENALTY --optimizer NAME`; every "
              "penalty under every optimiser: [optimizers.md](../optimizers.md).", ""]
    return lines


def with_optimizers(markdown: str, rows) -> str:
    """``markdown`` with :func:`optimizers_section` before its ``## Figures`` (or at the end)."""
    section = "\n".join(optimizers_section(rows)) + "\n"
    at = markdown.find("## Figures")
    return markdown + "\n" + section if at < 0 else markdown[:at] + section + markdown[at:]
