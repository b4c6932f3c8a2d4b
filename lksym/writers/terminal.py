"""A readable plain-text summary of an analysis, for ``lksym analyze``: maths in Unicode, not SymPy code."""

from __future__ import annotations

import sympy as sp

from lksym.derivation.analysis import POINTS
from lksym.derivation.mathtext import text as _s
from lksym.results import Analysis

LONG_FORM = 40
"""Operations above which a closed form is named (where to find it) instead of printed."""

POINT_TEXT = {"0+": "0⁺", "0-": "0⁻", "+oo": "+∞", "-oo": "-∞"}
PART_TEXT = {"penalty": "f(w)", "gradient": "f′(w)", "curvature": "f″(w)"}


def _header(a: Analysis) -> str:
    if a.power is None:
        return f"{a.label}: p(w) = {_s(a.penalty.expr)}"
    condition = a.power.regime.condition_text
    point = condition.startswith("k =")  # "k = 1 (k = 1)" says nothing twice
    return f"k = {_s(a.power.k)}" + ("" if point else f" ({condition})") + f": {a.power.regime.title}"


def summary(a: Analysis) -> str:
    """Summarise ``a`` in a few aligned lines of text.

    Examples
    --------
    >>> from lksym.results import analyze
    >>> print(summary(analyze("2")).splitlines()[0])
    k = 2: L2 (quadratic)
    >>> print(summary(analyze("3/2")).splitlines()[2])
      penalty    f(w) = |w|^(3/2)   (w ≠ 0)
    """
    lines = [_header(a), ""]
    width = max(len(p.name) for p in a.parts)
    for p in a.parts:
        lines.append(f"  {p.name:<{width}}  {PART_TEXT.get(p.name, p.name)} = {_s(p.expr)}   (w ≠ 0)")
    lines += ["", f"  {'limits':<{width}}  " + "  ".join(f"{POINT_TEXT[pt]:>6}" for pt in POINTS) + "   at 0"]
    for p in a.parts:
        at = p.at_zero
        zero = _s(at.value) if at.value is not None else (
            f"[{_s(at.subdifferential[0])}, {_s(at.subdifferential[1])}]" if at.subdifferential else "none")
        lines.append(f"  {p.name:<{width}}  " + "  ".join(f"{_s(p.limits[pt]):>6}" for pt in POINTS) + f"   {zero}")
    smooth = "C^∞" if a.smoothness is None else ("discontinuous" if a.smoothness == -1 else f"C^{a.smoothness}")
    lines += [
        "",
        f"  smoothness at 0: {smooth}    convex: {'yes' if a.convex else 'no'}    sparse: {'yes' if a.sparse else 'no'}",
    ]
    if a.power is None:
        return "\n".join(lines + _penalty_lines(a))
    for c in a.crossovers:
        if c.identical:
            lines.append(f"  vs {c.reference}: identical")
        elif c.weight is None:
            lines.append(f"  vs {c.reference}: never equal")
        else:
            below, above = c.sides(a.label)
            lines.append(f"  vs {c.reference}: equal pull at |w| = {_s(c.weight)} (≈ {float(c.weight):.4g}); "
                         f"{below} pulls harder below, {above} above")
    if a.dead_zone is not None:
        lines.append(f"  dead zone: α|f′(w)| < τ for |w| < {_s(a.dead_zone)}")
    if a.prox.threshold == 0:  # "zero for |z| <= 0" would be true but puzzling
        prox, above = "only z = 0 maps to 0", "for z > 0"
    else:
        prox, above = f"0 for |z| ≤ {_s(a.prox.threshold)}", "above"
    form = a.prox.closed_form
    if form is not None and sp.count_ops(form) <= LONG_FORM:
        prox += f"; prox(z) = {_s(form)} {above}"
    elif form is not None:
        prox += (f"; prox(z) {above} is the root in (0, z) of x − z + λ·f′(x) = 0, in radicals in analysis.json "
                 "(lksym prox prints it for given λ, z)")
    lines.append(f"  prox of λ|x|^k: {prox}")
    gd = a.gd
    if gd.cycle_amplitude is not None:
        stable = {True: "attracting", False: "repelling", None: "neutral"}[gd.cycle_stable]
        lines.append(f"  gradient descent, step η: two-cycle w → -w at |w| = {_s(gd.cycle_amplitude)} ({stable})")
    if gd.decay.kind == "geometric":
        lines.append(f"  gradient descent, step η: small weights shrink by the factor {_s(gd.decay.rate)} per step")
    elif gd.decay.kind == "power":
        lines.append(f"  gradient descent, step η: small weights decay like t^(-{_s(gd.decay.order)})")
    return "\n".join(lines)


def _fact(value) -> str:
    if value in (True, sp.true):
        return "yes"
    if value in (False, sp.false):
        return "no"
    return "undecided" if value is None else f"for {_s(value)}"


_KIND = {"exact": " (exactly: prox(z) = z for large |z|)",
         "asymptotic": " (asymptotically: the bias z - prox(z) tends to 0, never reaching it)"}


def _penalty_lines(a: Analysis) -> list[str]:
    """The facts a penalty other than |w|^k adds: breakpoints, least curvature, Fan and Li's properties, the prox."""
    lines = []
    for b in a.breakpoints:
        # At a jump the value is the lower (left) limit: the lower semicontinuous reading the prox needs.
        smooth = f"jump, p = {_s(b.limits['penalty']['left'])} there (the lower limit)" if b.smoothness == -1 else f"C^{b.smoothness}"
        grad = b.limits["gradient"]
        jump = "" if sp.simplify(grad["left"] - grad["right"]) == 0 else f", gradient {_s(grad['left'])} → {_s(grad['right'])}"
        lines.append(f"  breakpoint |w| = {_s(b.at)}: {smooth}{jump}")
    lines.append(f"  least curvature (off 0 and breakpoints): {_s(a.curvature_min)}")
    t = a.thresholding
    lines.append(f"  prox of λ·p (Fan and Li): sparse {_fact(t.sparse)}, continuous {_fact(t.continuous)}, "
                 f"unbiased {_fact(t.unbiased)}{_KIND.get(t.unbiased_kind, '')}")
    if t.unbiased_beyond is not None:
        lines.append(f"  prox(z) = z exactly for |z| > {_s(t.unbiased_beyond)}")
    threshold = "only z = 0 maps to 0" if a.prox.threshold == 0 else f"0 for |z| ≤ {_s(a.prox.threshold)}"
    lines.append(f"  prox threshold: {threshold}")
    form = a.prox.closed_form
    if form is not None:
        lines.append("  prox closed form: " + (_s(form) if sp.count_ops(form) <= 3 * LONG_FORM else "in analysis.json (long)"))
    lines += _weight_lines(a)
    for key, why in a.omitted.items():
        lines.append(f"  no {OMITTED_TEXT.get(key, key.replace('_', ' '))}: {why}")
    return lines


OMITTED_TEXT = {"dead_zone": "dead zone", "overshoot": "overshoot weight", "crossovers": "single crossover with L1/L2",
                "bands": "bands of L1/L2 order", "gd": "gradient-descent facts", "gd.cycle_stable": "single stability",
                "gd.decay": "decay law"}
"""What each key of ``Analysis.omitted`` names, for the line that says why it is missing."""


def _weight_lines(a: Analysis) -> list[str]:
    """Crossovers, bands, dead zone, overshoot and gradient descent of a penalty other than |w|^k, where derived."""
    name = a.subject.short_label
    lines = []
    for c in a.crossovers or ():
        if c.identical:
            lines.append(f"  vs {c.reference}: identical")
        elif c.weight is None:
            stronger = c.sides(name)[0]
            lines.append(f"  vs {c.reference}: never equal; {stronger} pulls harder everywhere")
        else:
            below, above = c.sides(name)
            lines.append(f"  vs {c.reference}: equal pull at |w| = {_s(c.weight)} (≈ {float(c.weight):.4g}); "
                         f"{below} pulls harder below, {above} above")
    for b in a.bands or ():
        where = (f"|w| < {_s(b.hi)}" if b.lo == 0 else f"|w| > {_s(b.lo)}" if b.hi == sp.oo
                 else f"{_s(b.lo)} < |w| < {_s(b.hi)}")
        order = [name if n == "Lk" else n for n in b.order]
        tied = {frozenset(t) for t in b.ties}
        text = order[0] + "".join((" = " if frozenset((lo, hi)) in tied else " < ") + shown
                                  for lo, hi, shown in zip(b.order, b.order[1:], order[1:]))
        lines.append(f"  pulls on {where}: {text}")
    if a.dead_zone is not None:
        lines.append(f"  dead zone: α|p′(w)| < τ for |w| < {_s(a.dead_zone)}")
    o = a.overshoot
    if o is not None and o.weight is not None:
        side = "<" if o.side == "below" else ">"
        lines.append(f"  overshoot: one step of size η throws |w| {side} {_s(o.weight)} across 0")
    elif o is not None and o.step_limit is not None:
        lines.append(f"  overshoot: every weight overshoots 0 for η > {_s(o.step_limit)}")
    gd = a.gd
    if gd is not None and gd.cycle_amplitude is not None:
        stable = {True: "attracting", False: "repelling"}.get(gd.cycle_stable, "neutral")
        if "gd.cycle_stable" in a.omitted:
            stable = "stability depends on η"
        lines.append(f"  gradient descent, step η: two-cycle w → -w at |w| = {_s(gd.cycle_amplitude)} ({stable})")
    if gd is not None and gd.decay.kind == "geometric":
        lines.append(f"  gradient descent, step η: small weights shrink by the factor {_s(gd.decay.rate)} per step")
    elif gd is not None and gd.decay.kind == "power":
        lines.append(f"  gradient descent, step η: small weights decay like t^(-{_s(gd.decay.order)})")
    return lines
