"""The report of the symbolic family :math:`|w|^k` (``reports/k-symbolic``) and its JSON.

Renders a :class:`~lksym.command_results.SymbolicFamily` (the cases of :mod:`lksym.derivation.family`
and the sweep figure's curves), built by :func:`lksym.app.family.symbolic_family`.
"""

from __future__ import annotations

import json
from typing import Optional

import sympy as sp

from lksym.command_results import SymbolicFamily
from lksym.derivation.analysis import POINTS
from lksym.writers.plots import DPI, SVG_RC, curve_styles, image_name, new_axes, outside_legend, render_image
from lksym.writers.report_text import tex


def _s(value) -> Optional[str]:
    return None if value is None else sp.sstr(value)


def to_dict(family: SymbolicFamily) -> dict:
    """The symbolic analysis as JSON data: ``{"k": "k", "cases": [...]}``.

    Examples
    --------
    >>> from lksym.app.family import symbolic_family
    >>> d = to_dict(symbolic_family())
    >>> d["cases"][2]["condition"], d["cases"][2]["smoothness"], d["cases"][5]["smoothness"]
    ('(k > 1) & (k < 2)', 1, 'ceiling(k) - 1')
    """

    out = []
    for c in family.cases:
        smooth = "inf" if c.smoothness is None else c.smoothness if isinstance(c.smoothness, int) else _s(c.smoothness)
        out.append({
            "name": c.name,
            "title": c.title,
            "condition": _s(c.condition),
            "penalty": _s(c.penalty),
            "gradient": _s(c.gradient),
            "curvature": _s(c.curvature),
            "limits": {part: {p: _s(c.limits[part][p]) for p in POINTS} for part in c.limits},
            "continuity": dict(c.continuity),
            "smoothness": smooth,
            "convex": c.convex,
            "sparse": c.sparse,
            "lipschitz_gradient_near_zero": c.lipschitz_gradient_near_zero,
        })
    return {"schema": 1, "k": "k", "cases": out}


def dumps(family: SymbolicFamily) -> str:
    """:func:`to_dict` as indented JSON text."""

    return json.dumps(to_dict(family), indent=2, ensure_ascii=False)


FOLDER = "k-symbolic"


def _tex(expr) -> str:

    return tex(expr) if isinstance(expr, sp.Basic) else str(expr)


def report_markdown(family: SymbolicFamily) -> str:
    """The general report: the cases of k, what separates them, and a figure sweeping k."""

    gradient, curvature = family.gradient, family.curvature
    rows = []
    for c in family.cases:
        smooth = "C^\\infty" if c.smoothness is None else f"C^{{{_tex(c.smoothness)}}}"
        rows.append(
            f"| {c.title} | ${_tex(c.condition)}$ | ${_tex(c.gradient)}$ | ${_tex(c.limits['gradient']['0+'])}$ "
            f"| ${_tex(c.limits['curvature']['0+'])}$ | ${_tex(c.limits['gradient']['+oo'])}$ | ${smooth}$ "
            f"| {'yes' if c.convex else 'no'} | {'yes' if c.sparse else 'no'} "
            f"| {'yes' if c.lipschitz_gradient_near_zero else 'no'} |"
        )
    lines = [
        "# The penalty $\\lvert w\\rvert^k$ for every k > 0",
        "",
        "Derived by SymPy for a symbolic positive k, case by case (`lksym analyze --k k --json` gives the same "
        "as data). Each open interval of k is handled at once by a positive parameter $u$ that sweeps it "
        "($k = 1/(1+u)$, $k = 1 + 1/(1+u)$, $k = 2 + u$); the tests check every case against the exact "
        "analysis of sample k.",
        "",
        "## The cases",
        "",
        "| case | condition | gradient $f'(w)$ | $f'(0^+)$ | $f''(0^+)$ | $f'(+\\infty)$ | smoothness at 0 "
        "| convex | sparse | Lipschitz gradient near 0 |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "## What separates them",
        "",
        f"On $x = \\lvert w\\rvert > 0$ the gradient is ${_tex(gradient)}$ and the curvature ${_tex(sp.factor(curvature))}$: "
        "everything near 0 and far away is decided by the signs of the exponents $k - 1$ and $k - 2$ and of "
        "the factor $k - 1$.",
        "",
        "- **k = 1** is where the gradient's exponent $k - 1$ changes sign: below it the pull blows up at 0 "
        "(a cusp, concave on each side because $k - 1 < 0$ makes the curvature negative: not convex, and the "
        "proximal step jumps), above it the pull vanishes at 0 (no exact zeros). At $k = 1$ itself the pull is "
        "the constant 1: convex and sparse at once — the only such k.",
        "- **k = 2** is where the curvature's exponent $k - 2$ changes sign: below it the curvature is unbounded "
        "at 0 (no step size is small enough for every small weight), above it the curvature vanishes at 0 and "
        "small weights stop moving. At $k = 2$ the curvature is the constant 2 (weight decay).",
        "- **Smoothness**: the n-th derivative on $w > 0$ is a constant times $w^{k-n}$, continuous at 0 while "
        "$k - n > 0$; so $f \\in C^{\\lceil k\\rceil - 1}$, except when k is an even integer, where "
        "$\\lvert w\\rvert^k = w^k$ is a polynomial ($C^\\infty$). An odd integer k has a jump in its k-th "
        "derivative ($\\pm k!$).",
        "",
        "## Figure",
        "",
        "![Gradients for several k](gradients_sweep.svg)",
        "",
        "---",
        "",
        "Generated by lksym from the symbolic SymPy analysis.",
        "",
    ]
    return "\n".join(lines)


def sweep_figure(family: SymbolicFamily):
    """Gradients :math:`k\\,\\operatorname{sign}(w)|w|^{k-1}` for the k of ``family.sweep``, from each case's formula."""

    fig, ax = new_axes("Gradient of |w|^k for several k", xlim=(-1.5, 1.5), ylim=(-4, 4))
    for curve, style in zip(family.sweep, curve_styles(len(family.sweep))):
        ax.plot(curve.w, curve.y, label=f"k = {curve.label}", **style)  # its own colour and line style: apart in greyscale too
    outside_legend(ax)
    return fig


def render_report(family: SymbolicFamily, image_format: str = "svg", dpi=None) -> dict[str, bytes]:
    """The files of ``k-symbolic/`` in memory: ``report.md``, ``cases.json`` and the sweep figure (SVG or PNG)."""
    import matplotlib

    figure = image_name("gradients_sweep.svg", image_format)
    with matplotlib.rc_context(SVG_RC):
        image = render_image(sweep_figure(family), image_format, dpi or DPI)
    return {
        figure: image,
        "cases.json": (dumps(family) + "\n").encode("utf-8"),
        "report.md": report_markdown(family).replace("(gradients_sweep.svg)", f"({figure})").encode("utf-8"),
    }
