"""A readable plain-text summary of an analysis, for ``lksym analyze``."""

from __future__ import annotations

import sympy as sp

from .analysis import POINTS, Analysis


def _s(expr) -> str:
    return "-" if expr is None else sp.sstr(expr)


def summary(a: Analysis) -> str:
    """Summarise ``a`` in a few aligned lines of text.

    Examples
    --------
    >>> from lksym.analysis import analyze
    >>> print(summary(analyze("2")).splitlines()[0])
    k = 2  (L2 (quadratic): k = 2)
    """
    lines = [f"k = {_s(a.k)}  ({a.regime.title}: {a.regime.condition_text})", ""]
    width = max(len(p.name) for p in a.parts)
    for p in a.parts:
        lines.append(f"  {p.name:<{width}}  {_s(p.expr)}   (w != 0)")
    lines += ["", f"  {'limits':<{width}}  " + "  ".join(f"{pt:>6}" for pt in POINTS) + "   at 0"]
    for p in a.parts:
        at = p.at_zero
        zero = _s(at.value) if at.value is not None else (
            f"[{_s(at.subdifferential[0])}, {_s(at.subdifferential[1])}]" if at.subdifferential else "none")
        lines.append(f"  {p.name:<{width}}  " + "  ".join(f"{_s(p.limits[pt]):>6}" for pt in POINTS) + f"   {zero}")
    smooth = "C^inf" if a.smoothness is None else f"C^{a.smoothness}"
    lines += [
        "",
        f"  smoothness at 0: {smooth}    convex: {'yes' if a.convex else 'no'}    sparse: {'yes' if a.sparse else 'no'}",
    ]
    for c in a.crossovers:
        if c.identical:
            lines.append(f"  vs {c.reference}: identical")
        elif c.weight is None:
            lines.append(f"  vs {c.reference}: never equal")
        else:
            below = a.label if c.stronger_below == "Lk" else c.reference
            lines.append(f"  vs {c.reference}: equal gradient at |w| = {_s(c.weight)} (~{float(c.weight):.4g}); "
                         f"{below} stronger below")
    if a.dead_zone is not None:
        lines.append(f"  dead zone: alpha*|f'(w)| < tau for |w| < {_s(a.dead_zone)}")
    if a.prox.threshold == 0:  # "zero for |z| <= 0" would be true but puzzling
        prox, above = "only z = 0 maps to 0", "for z > 0"
    else:
        prox, above = f"zero for |z| <= {_s(a.prox.threshold)}", "above it"
    if a.prox.closed_form is not None:
        prox += f"; prox(z) = {_s(a.prox.closed_form)} {above}"
    lines.append(f"  prox of lam*|x|^k: {prox}")
    gd = a.gd
    if gd.cycle_amplitude is not None:
        stable = {True: "attracting", False: "repelling", None: "neutral"}[gd.cycle_stable]
        lines.append(f"  gradient descent, step eta: two-cycle w -> -w at |w| = {_s(gd.cycle_amplitude)} ({stable})")
    if gd.decay.kind == "geometric":
        lines.append(f"  gradient descent, step eta: small weights shrink by {_s(gd.decay.rate)} per step")
    elif gd.decay.kind == "power":
        lines.append(f"  gradient descent, step eta: small weights decay like t^(-{_s(gd.decay.order)})")
    return "\n".join(lines)
