r"""The Markdown report of one :class:`~lksym.results.Analysis`.

Formulas are LaTeX that GitHub renders (``$...$`` and ``$$...$$``); the
section "What this penalty does to weights" is assembled from the derived facts,
sentence by sentence, so every k gets its own reading and none is canned.
"""

from __future__ import annotations

import base64
from typing import Optional

import sympy as sp

from lksym.derivation.analysis import Band
from lksym.derivation.mathtext import in_lambda
from lksym.results import Analysis
from lksym.writers.penalty_report import penalty_report_markdown, penalty_summary_head
from lksym.writers.plots import FIGURES, figure_specs, image_name, render_png
from lksym.writers.report_text import (
    exact_and_float,
    formulas,
    inline,
    interval_text,
    lam_tex,
    limits_table,
    smoothness_text,
    tex,
)


# --------------------------------------------------------------------------- sections


def _properties(a: Analysis) -> list[str]:
    g0 = a.gradient.limits["0+"]
    c0 = a.curvature.limits["0+"]
    lines = ["## Smoothness, convexity, sparsity", ""]
    lines.append(f"- **Smoothness**: {smoothness_text(a)}")
    if a.convex:
        left = a.gradient.limits["0-"]
        across = ("the gradient is continuous across 0" if left == g0 else
                  f"the gradient jumps up across 0 (from {inline(left)} to {inline(g0)})")
        lines.append(f"- **Convex**: yes. The curvature is $\\ge 0$ for $w \\ne 0$ and {across}.")
    else:
        lines.append(
            f"- **Convex**: no. The curvature is negative for every $w \\ne 0$ ({inline(a.curvature.expr)}): "
            "the penalty is concave on each side of 0, so a loss plus this penalty can have several local minima."
        )
    if a.sparse:
        lines.append(
            f"- **Sparse**: yes. The gradient does not vanish at $0^+$ (it tends to {inline(g0)}), so near 0 the penalty "
            "outgrows any smooth loss: a proximal (or clipped) step sets every small enough weight exactly to 0."
        )
    else:
        lines.append(
            f"- **Sparse**: no. The gradient tends to {inline(g0)} at $0^+$: near 0 the pull vanishes, so a proximal step "
            "maps a weight to exactly 0 only when it is already 0. Weights get small, not zero."
        )
    lines.append(
        "- **Curvature near 0**: "
        + (
            f"bounded (it tends to {inline(c0)}), so the gradient is Lipschitz near 0."
            if a.lipschitz_gradient_near_zero
            else f"unbounded (it tends to {inline(c0)}), so no fixed step size is small enough for every small weight."
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
    lines += [f"| {interval_text(b)} | {_order_text(b, a)} |" for b in a.bands]
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
        lines.append(f"- **Threshold**: $\\lvert z\\rvert \\le {lam_tex(threshold)}$ is mapped to exactly 0.")
        if a.gradient.limits["0+"] == sp.oo:
            lines.append(
                "  The objective is not convex here: at the threshold the minimiser jumps from 0 straight to a "
                "nonzero weight (hard-threshold-like), derived as the $z$ where the nonzero stationary point is "
                "exactly as good as $x = 0$."
            )
    above = "z > 0" if threshold == 0 else f"z > {lam_tex(threshold)}"
    form = a.prox.closed_form
    if form is not None and sp.count_ops(form) <= PROX_FORM_OPS:
        # order="none": a sum as SymPy built it, z - lambda rather than the sorted -lambda + z.
        shown = sp.latex(in_lambda(form), order="none")
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
        value = a.prox.threshold_at_one
        lines.append(f"- With $\\lambda = 1$ the threshold is {exact_and_float(value)}; the figure *Proximal step* shows the map.")
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
            f"**Near zero** the pull has the constant size {inline(g0)} whatever the weight: each step moves a weight "
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
            f"**Near zero** the pull is proportional to the weight (curvature {inline(c0)} at 0): each step multiplies a "
            f"small weight by the same factor, so weights shrink geometrically and never reach 0 exactly "
            f"(weight decay); steps $\\eta > {tex(o.step_limit)}$ overshoot every weight."
            if o.step_limit is not None
            else f"**Near zero** the pull is proportional to the weight (curvature {inline(c0)} at 0)."
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
            f"**Far from zero** the pull stays {inline(ginf)}: large weights are pulled exactly as hard as "
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
    return ", ".join(interval_text(Band(lo, hi, ("L1", "L2", "Lk"), ())) for lo, hi in merged)


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
    parts = "; ".join(f"{interval_text(b)}: {_order_text(b, a)}" for b in between)
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
    if a.power is None:
        lines = penalty_summary_head(a)
    else:
        lines = ([f"# The penalty $\\lvert w\\rvert^{{{tex(a.power.k)}}}$ ({a.label})", "", _in_short(a), ""]
                 + formulas(a) + limits_table(a) + reading(a))
    if figures:
        for spec in figure_specs(a):
            if spec.name not in NOTEBOOK_FIGURES:
                continue
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
    lines += formulas(a) + limits_table(a) + _properties(a) + _comparison(a) + _dead_zone(a)
    lines += _prox_section(a) + _gd_section(a)
    lines += ["## Figures", ""]
    specs = [s for s in FIGURES if figure_names is None or s.name in figure_names]
    for spec in specs:
        lines += [f"### {spec.caption}", "", f"![{spec.caption}]({image_name(spec.name, image_format)})", ""]
    lines += ["---", "", "Generated by lksym from the exact SymPy analysis; every number above is derived, not typed.", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- any other penalty


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
