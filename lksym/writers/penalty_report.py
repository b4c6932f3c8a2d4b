r"""The report of a penalty other than :math:`|w|^k`: its definition, Fan and Li's properties, breakpoints and steps.

:func:`lksym.writers.report.report_markdown` renders it for an analysis whose subject is not :math:`|w|^k`;
the sections the power family's report shares are in :mod:`lksym.writers.report_text`.
"""

from __future__ import annotations

import sympy as sp

from lksym.derivation.penalty import CATALOGUE
from lksym.derivation.symbols import X
from lksym.results import Analysis
from lksym.writers.plots import figure_specs, image_name
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
    return f"for ${lam_tex(value)}$ only: {holds} Beyond that, {fails}"


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
        lines.append(f"- **Exactly unbiased** beyond $\\lvert z\\rvert = {lam_tex(t.unbiased_beyond)}$: "
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
            cells.append(inline(lo) if sp.simplify(lo - hi) == 0 else f"{inline(lo)} → {inline(hi)}")
        lines.append(f"| {exact_and_float(b.at)} | {smooth} | " + " | ".join(cells) + " |")
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
        smooth = smoothness_text(a)
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
        lines.append(f"- **Threshold**: $\\lvert z\\rvert \\le {lam_tex(threshold)}$ maps to exactly 0 "
                     r"(the largest such $\lvert z\rvert$, $\inf_{x > 0} x/2 + \lambda (p(x) - p(0))/x$).")
    if a.prox.closed_form is not None:
        lines += ["- **Closed form** (derived from the pieces, for $z \\ge 0$):", "", "$$",
                  f"\\operatorname{{prox}}(z) = {lam_tex(a.prox.closed_form)}", "$$"]
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
        lines.append(f"| {interval_text(b)} | {' '.join(pieces)} |")
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
            lines.append(f"- **Decay**: none to 0: the pull near 0 tends to {inline(a.gradient.limits['0+'])}, as L1's, so a "
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
        return f"{yes} for ${lam_tex(value)}$ ({cond})"

    order = r"\infty" if a.smoothness is None else str(a.smoothness)
    smooth = "discontinuous at 0" if a.smoothness == -1 else f"$C^{{{order}}}$ at 0"
    kinks = (f", with {len(a.breakpoints)} breakpoint{'s' if len(a.breakpoints) > 1 else ''} at "
             + ", ".join(inline(b.at) for b in a.breakpoints)) if a.breakpoints else ""
    return (f"{a.label} is {smooth}{kinks}, and {'convex' if a.convex else '**not** convex'}. Its proximal step is "
            f"{word(t.sparse, 'sparse', 'not sparse', 'smaller strengths')}, "
            f"{word(t.continuous, 'continuous', 'discontinuous', 'it jumps beyond')} and "
            f"{word(t.unbiased, _IN_SHORT.get(t.unbiased_kind, 'unbiased for large weights'), 'biased for large weights', 'biased beyond')}.")


def penalty_summary_head(a: Analysis) -> list[str]:
    """The top of a notebook's view of a penalty other than :math:`|w|^k`: title, definition, in short, formulas, limits.

    Examples
    --------
    >>> from lksym.results import analyze
    >>> penalty_summary_head(analyze("l0"))[0]
    '# The penalty L0'
    """
    return ([f"# The penalty {a.label}", ""] + _definition(a) + ["## In short", "", _penalty_in_short(a), ""]
            + formulas(a) + limits_table(a))


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
    lines += _fan_li(a) + formulas(a) + limits_table(a) + _breakpoints_section(a) + _penalty_properties(a)
    lines += _penalty_comparison(a) + _penalty_dead_zone(a)
    lines += _penalty_prox_section(a) + _penalty_gd_section(a) + _omitted(a)
    lines += ["## Figures", ""]
    for spec in figure_specs(a):
        if figure_names is None or spec.name in figure_names:
            lines += [f"### {spec.caption}", "", f"![{spec.caption}]({image_name(spec.name, image_format)})", ""]
    lines += ["---", "", "Generated by lksym from the exact SymPy analysis; every number above is derived, not typed.", ""]
    return "\n".join(lines)
