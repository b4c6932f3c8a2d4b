"""The report of the symbolic family :math:`|w|^k` (``reports/k-symbolic``) and its JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import numpy as np
import sympy as sp

from lksym.derivation.analysis import POINTS
from lksym.derivation.expr import parse_k
from lksym.derivation.family import case_of, cases
from lksym.derivation.regime import K
from lksym.derivation.symbols import X
from lksym.fileio import write_folder
from lksym.numerics.numeric import numpy_function
from lksym.writers.plots import DPI, SVG_RC, curve_styles, image_name, new_axes, outside_legend, render_image
from lksym.writers.report import tex


def _s(value) -> Optional[str]:
    return None if value is None else sp.sstr(value)


def to_dict() -> dict:
    """The symbolic analysis as JSON data: ``{"k": "k", "cases": [...]}``.

    Examples
    --------
    >>> d = to_dict()
    >>> d["cases"][2]["condition"], d["cases"][2]["smoothness"], d["cases"][5]["smoothness"]
    ('(k > 1) & (k < 2)', 1, 'ceiling(k) - 1')
    """

    out = []
    for c in cases():
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


def dumps() -> str:
    """:func:`to_dict` as indented JSON text."""

    return json.dumps(to_dict(), indent=2, ensure_ascii=False)


SWEEP = ("1/2", "1", "3/2", "2", "3", "10")
"""The exponents drawn in the general report's figure."""


FOLDER = "k-symbolic"


def _tex(expr) -> str:

    return tex(expr) if isinstance(expr, sp.Basic) else str(expr)


def report_markdown() -> str:
    """The general report: the cases of k, what separates them, and a figure sweeping k."""

    gradient = sp.powsimp(sp.diff(X**K, X), force=True)
    curvature = sp.powsimp(sp.diff(gradient, X), force=True)
    rows = []
    for c in cases():
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


def sweep_figure():
    """Gradients :math:`k\\,\\operatorname{sign}(w)|w|^{k-1}` for the k in :data:`SWEEP`, from each case's formula."""

    fig, ax = new_axes("Gradient of |w|^k for several k", xlim=(-1.5, 1.5), ylim=(-4, 4))
    w = np.linspace(-1.5, 1.5, 601)  # odd count: w = 0 is a sample, left empty
    for text, style in zip(SWEEP, curve_styles(len(SWEEP))):
        k = parse_k(text)
        expr = case_of(k).gradient.subs(K, k)
        with np.errstate(all="ignore"):
            y = np.array(np.broadcast_to(np.asarray(numpy_function(expr)(w), dtype=float), w.shape))
        # The formulas hold for w != 0: a gap at 0, so a pole (k = 1/2) or a jump (k = 1) is not a vertical line.
        y[w == 0] = np.nan
        y[np.abs(y) > 40] = np.nan  # far off the axes near the pole: no line back from there
        ax.plot(w, y, label=f"k = {text}", **style)  # its own colour and line style: apart in greyscale too
    outside_legend(ax)
    return fig


def render_report(image_format: str = "svg", dpi=None) -> dict[str, bytes]:
    """The files of ``k-symbolic/`` in memory: ``report.md``, ``cases.json`` and the sweep figure (SVG or PNG)."""
    import matplotlib

    figure = image_name("gradients_sweep.svg", image_format)
    with matplotlib.rc_context(SVG_RC):
        image = render_image(sweep_figure(), image_format, dpi or DPI)
    return {
        figure: image,
        "cases.json": (dumps() + "\n").encode("utf-8"),
        "report.md": report_markdown().replace("(gradients_sweep.svg)", f"({figure})").encode("utf-8"),
    }


def write_report(out_dir, image_format: str = "svg", dpi=None) -> "object":
    """Write ``<out_dir>/k-symbolic/report.md`` and its figure, the folder whole or not at all; return the report's path."""

    return write_folder(Path(out_dir) / FOLDER, render_report(image_format, dpi)) / "report.md"
