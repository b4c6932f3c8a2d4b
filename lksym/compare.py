r"""Several exponents side by side: one Markdown page and its overlay figures.

:func:`write_compare` analyses each k (sequentially: a handful of k take well
under a second each), overlays their penalties, gradients and shrinkage
maps (:func:`lksym.prox.prox_vector`), draws the 2-D unit
balls :math:`|x|^k + |y|^k \le 1`, and tabulates every derived fact k by k,
with the exact weight where the gradients of neighbouring k pull equally hard.

Everything is rendered in memory, then written file by file atomically
(figures first, ``compare.md`` last because it links them).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Optional

import numpy as np
import sympy as sp

from .analysis import Analysis, _solve_positive, analyze, k_text, substitute
from .fileio import write_atomic, write_folder
from .report import tex

PAGE_NAME = "compare.md"
FIGURE_DIR = "compare"
RANGE = 1.5
SAMPLES = 801
GRADIENT_CLIP = 3.0
"""y-range of the gradient overlay: sub-linear gradients have a pole at 0."""
SHRINK_LAMBDA = 0.5
"""Penalty weight of the shrinkage maps :math:`z \\mapsto \\operatorname{prox}_{\\lambda |\\cdot|^k}(z)`."""


# --------------------------------------------------------------------------- exact facts


def neighbour_crossover(a1: Analysis, a2: Analysis) -> Optional[sp.Expr]:
    r"""The exact :math:`|w| > 0` where the gradient magnitudes of two exponents are equal.

    Solves :math:`k_1 x^{k_1 - 1} = k_2 x^{k_2 - 1}` on the derived right-branch
    gradients, so the answer is :math:`(k_1/k_2)^{1/(k_2 - k_1)}`; ``None`` for
    equal k (equal everywhere).

    Examples
    --------
    >>> neighbour_crossover(analyze(1), analyze(2))
    1/2
    >>> neighbour_crossover(analyze("3/2"), analyze(2))
    9/16
    """
    if a1.k == a2.k:
        return None
    return _solve_positive(a1.gradient.branch, a2.gradient.branch)


def unit_ball(k, samples: int = SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    r"""Boundary of the unit ball :math:`|x|^k + |y|^k = 1`, as a closed parametric curve.

    With :math:`x = \operatorname{sign}(\cos t)|\cos t|^{2/k}` and
    :math:`y = \operatorname{sign}(\sin t)|\sin t|^{2/k}`,
    :math:`|x|^k + |y|^k = \cos^2 t + \sin^2 t = 1` exactly.

    Examples
    --------
    >>> x, y = unit_ball(1, 9)
    >>> bool(np.allclose(np.abs(x) + np.abs(y), 1))
    True
    """
    # samples - 1 divisible by 4 puts the four axis points (the corners for k < 1) on the grid.
    t = np.linspace(0.0, 2.0 * np.pi, samples)
    c, s = np.cos(t), np.sin(t)
    # cos(pi/2) is 6e-17, not 0; its 2/k-th power would move the axis points visibly for large k.
    c[np.abs(c) < 1e-12] = 0.0
    s[np.abs(s) < 1e-12] = 0.0
    e = 2.0 / float(k)
    return np.sign(c) * np.abs(c) ** e, np.sign(s) * np.abs(s) ** e


# --------------------------------------------------------------------------- figures


def _colors(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(i / max(n - 1, 1) * 0.9) for i in range(n)]


def _figure(xlabel: str, square: bool = False):
    from .plots import new_axes

    # The title is set by each caller; the square figure holds the unit balls.
    return new_axes("", xlabel=xlabel, size=(5.2, 5.2) if square else (7.0, 4.2), left=0.12 if square else 0.09)


def _part_overlay(analyses: list[Analysis], part: str, title: str, clip: Optional[float]):
    from .plots import _curve, outside_legend

    fig, ax = _figure("weight w")
    w = np.linspace(-RANGE, RANGE, SAMPLES)
    for a, color in zip(analyses, _colors(len(analyses))):
        y = _curve(getattr(a, part), w)
        if clip is not None:
            # Hide the pole instead of letting it squash every other curve.
            y = np.where(np.abs(y) > clip * 1.05, np.nan, y)
        ax.plot(w, y, color=color, lw=1.8, label=f"k = {k_text(a.k)}")
    ax.set_xlim(-RANGE, RANGE)
    if clip is not None:
        ax.set_ylim(-clip, clip)
    else:
        ax.set_ylim(-0.1, 2.5)
    ax.set_title(title)
    outside_legend(ax)
    return fig


def _unit_balls(analyses: list[Analysis]):
    from .plots import outside_legend

    fig, ax = _figure("x", square=True)
    for a, color in zip(analyses, _colors(len(analyses))):
        x, y = unit_ball(a.k)
        ax.plot(x, y, color=color, lw=1.8, label=f"k = {k_text(a.k)}")
    ax.set_aspect("equal")
    ax.set_xlim(-1.15, 1.15)
    ax.set_ylim(-1.15, 1.15)
    ax.set_ylabel("y")
    ax.set_title("unit balls |x|^k + |y|^k ≤ 1")
    outside_legend(ax)
    return fig


def _shrinkage(analyses: list[Analysis]):
    from .plots import outside_legend
    from .prox import prox_vector

    fig, ax = _figure("input z")
    z = np.linspace(-2.0, 2.0, SAMPLES)
    ax.plot(z, z, color="0.7", lw=1, ls=":", label="identity")
    for a, color in zip(analyses, _colors(len(analyses))):
        shrunk = prox_vector(a.k, SHRINK_LAMBDA, z)
        # A jump (k < 1) is not a steep segment: break the line where the map jumps, as the per-k figure does.
        shrunk[1:][np.abs(np.diff(shrunk)) > 0.25] = np.nan
        ax.plot(z, shrunk, color=color, lw=1.8, label=f"k = {k_text(a.k)}")
    ax.set_xlim(-2, 2)
    ax.set_ylim(-2, 2)
    ax.set_ylabel("prox(z)")
    ax.set_title(f"shrinkage maps: argmin_w (w - z)^2/2 + {SHRINK_LAMBDA}|w|^k")
    outside_legend(ax)
    return fig


def compare_figures(analyses: list[Analysis]) -> dict:
    """The overlay figures as matplotlib Figures, keyed by file name.

    Examples
    --------
    >>> sorted(compare_figures([analyze(1), analyze(2)]))[:2]
    ['gradients.svg', 'penalties.svg']
    """
    import matplotlib

    from .plots import SVG_RC

    with matplotlib.rc_context(SVG_RC):
        figs = {
            "penalties.svg": _part_overlay(analyses, "penalty", "penalties |w|^k", None),
            "gradients.svg": _part_overlay(analyses, "gradient", "gradients f'(w)", GRADIENT_CLIP),
            "shrinkage.svg": _shrinkage(analyses),
            "unit_balls.svg": _unit_balls(analyses),
        }
    return figs


# --------------------------------------------------------------------------- page


def _m(expr) -> str:
    return f"${tex(expr)}$"


def _num(expr: sp.Expr) -> str:
    if expr.is_Integer or expr in (sp.oo, -sp.oo):
        return _m(expr)
    return f"{_m(expr)} ≈ {float(expr):.4g}"


def _crossover_cell(a: Analysis, index: int) -> str:
    c = a.crossovers[index]
    if c.identical:
        return "identical"
    if c.weight is None:
        return "none"
    return _num(c.weight)


def _row(a: Analysis, prox_column: bool) -> str:
    smooth = r"$C^\infty$" if a.smoothness is None else f"$C^{{{a.smoothness}}}$"
    dead = _m(a.dead_zone) if a.dead_zone is not None else "none"
    cells = [
        _m(a.k),
        a.regime.condition_text,
        _m(a.gradient.limits["0+"]),
        _m(a.gradient.limits["+oo"]),
        _m(a.curvature.limits["0+"]),
        smooth,
        "yes" if a.convex else "no",
        "yes" if a.sparse else "no",
        dead,
        _crossover_cell(a, 0),
        _crossover_cell(a, 1),
    ]
    if prox_column:
        prox = getattr(a, "prox", None)
        # lksym.prox writes lambda as `lam`; show it as the Greek letter the page uses.
        lam = sp.Symbol("lam", positive=True)
        cells.append(_m(substitute(prox.threshold, {lam: sp.Symbol("lambda", positive=True)})) if prox is not None else "—")
    return "| " + " | ".join(cells) + " |"


def compare_markdown(analyses: list[Analysis], figure_names: Iterable[str], image_format: str = "svg") -> str:
    r"""The comparison page for analyses sorted by k, linking ``figure_names`` in ``compare/``.

    Examples
    --------
    >>> page = compare_markdown([analyze(1), analyze(2)], [])
    >>> page.splitlines()[-1]
    '| $1$ | $2$ | $\\frac{1}{2}$ ≈ 0.5 |'
    """
    names = ", ".join(f"${tex(a.k)}$" for a in analyses)
    # The prox facts are optional: Analysis gains them only where lksym.prox is present.
    prox_column = any(getattr(a, "prox", None) is not None for a in analyses)
    lines = [
        "# Comparing penalties $\\lvert w\\rvert^k$",
        "",
        f"k = {names}. Generated by `lksym compare`; every entry is derived exactly by SymPy.",
        "",
        "## Derived facts, k by k",
        "",
        "The dead zone is where $\\alpha \\lvert f'(w)\\rvert < \\tau$; the crossovers are the "
        "$\\lvert w\\rvert$ where the gradient magnitude equals L1's ($1$) and L2's ($2\\lvert w\\rvert$)"
        + (
            "; the prox threshold is the largest input a proximal step of $\\lambda\\lvert w\\rvert^k$ "
            "maps to exactly 0."
            if prox_column
            else "."
        ),
        "",
        "| k | regime | $f'(0^+)$ | $f'(+\\infty)$ | $f''(0^+)$ | smoothness at 0 | convex | sparse "
        "| dead zone $\\lvert w\\rvert <$ | $=$ L1 at $\\lvert w\\rvert$ | $=$ L2 at $\\lvert w\\rvert$ |"
        + (" prox zeroes $\\lvert z\\rvert \\le$ |" if prox_column else ""),
        "|---" * (12 if prox_column else 11) + "|",
    ]
    lines += [_row(a, prox_column) for a in analyses]
    lines += [
        "",
        "## Where neighbouring k pull equally hard",
        "",
        "Solving $k_1 x^{k_1 - 1} = k_2 x^{k_2 - 1}$ for $x = \\lvert w\\rvert > 0$ gives "
        "$x = (k_1/k_2)^{1/(k_2 - k_1)}$. Below it the smaller k pulls harder toward 0, above it the larger k does.",
        "",
        "| $k_1$ | $k_2$ | equal gradient magnitude at $\\lvert w\\rvert$ |",
        "|---|---|---|",
    ]
    for a1, a2 in zip(analyses, analyses[1:]):
        x = neighbour_crossover(a1, a2)
        lines.append(f"| {_m(a1.k)} | {_m(a2.k)} | {_num(x) if x is not None else 'none'} |")
    captions = {
        "penalties.svg": "Penalties $\\lvert w\\rvert^k$",
        "gradients.svg": f"Gradients (clipped to $\\pm {GRADIENT_CLIP:g}$: sub-linear k have a pole at 0)",
        "shrinkage.svg": f"Shrinkage maps, the proximal step of $\\lambda\\lvert w\\rvert^k$ with $\\lambda = {SHRINK_LAMBDA:g}$: "
        "flat at 0 means exact zeros",
        "unit_balls.svg": "Unit balls $\\lvert x\\rvert^k + \\lvert y\\rvert^k \\le 1$: for $k \\le 1$ the corners "
        "sit on the axes, where a level set of a smooth loss touches first, so solutions land on sparse points",
    }
    figure_names = list(figure_names)
    if figure_names:
        lines += ["", "## Figures", ""]
        from .plots import image_name

        for name in figure_names:
            file = image_name(name, image_format)
            lines += [f"**{captions.get(name, name)}**", "", f"![{file}]({FIGURE_DIR}/{file})", ""]
    return "\n".join(lines).rstrip() + "\n"


def _distinct(ks: Iterable) -> list[sp.Expr]:
    from .expr import parse_k

    exact: list[sp.Expr] = []
    for k in ks:
        value = parse_k(k)
        if value not in exact:
            exact.append(value)
    return sorted(exact, key=float)


def render_compare(ks: Iterable, image_format: str = "svg", dpi: Optional[int] = None) -> dict[str, bytes]:
    """Analyse ``ks`` and render the page and figures (SVG or PNG) in memory, keyed by path relative to the output folder."""
    from .plots import DPI, image_name, render_image

    from .errors import InputError
    from .regenerate import ARTICLE_KS

    ks = list(ks) or list(ARTICLE_KS)
    distinct = _distinct(ks)
    if len(distinct) < 2:
        raise InputError(f"compare needs at least two different k, got {len(distinct)} ({', '.join(map(str, ks))}); "
                         "give --k twice, or no --k for the article's k")
    analyses = [analyze(k) for k in distinct]
    figs = compare_figures(analyses)
    order = ["penalties.svg", "gradients.svg", "shrinkage.svg", "unit_balls.svg"]
    names = [n for n in order if n in figs]
    files = {f"{FIGURE_DIR}/{image_name(name, image_format)}": render_image(figs[name], image_format, dpi or DPI)
             for name in names}
    files[PAGE_NAME] = compare_markdown(analyses, names, image_format).encode("utf-8")
    return files


def write_compare(ks: Iterable, out_dir: os.PathLike | str = "reports", image_format: str = "svg",
                  dpi: Optional[int] = None) -> Path:
    """Write ``out_dir/compare.md`` and its figures in ``out_dir/compare/``, then refresh the index.

    Parameters
    ----------
    ks : iterable of str or exact numbers
        The exponents, checked before anything is written; duplicates (``1.5``
        and ``3/2``) count once and the page lists k in increasing order.  At
        least two different k; none means the article's
        (:data:`lksym.regenerate.ARTICLE_KS`).
    out_dir : path
        Output folder (created if needed).
    image_format : {"svg", "png"}
        Format of the figures (the page links them); ``dpi`` for PNG.

    Returns
    -------
    Path
        The page written.

    Examples
    --------
    >>> import tempfile
    >>> write_compare(["1", "2"], tempfile.mkdtemp()).name
    'compare.md'
    """
    from .api import write_index

    out = Path(out_dir)
    files = render_compare(ks, image_format, dpi)
    # The figure folder appears whole or not at all, then the page that links it.
    figures = {name.partition("/")[2]: data for name, data in files.items() if name.startswith(FIGURE_DIR + "/")}
    write_folder(out / FIGURE_DIR, figures)
    write_atomic(out / PAGE_NAME, files[PAGE_NAME])
    write_index(out)
    return out / PAGE_NAME
