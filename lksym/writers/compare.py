r"""Several exponents side by side: one Markdown page and its overlay figures.

The page of ``lksym compare`` (:func:`lksym.app.compare.write_compare` analyses each subject, builds
the frozen :class:`~lksym.command_results.Comparison` and calls these): it overlays their penalties,
gradients and shrinkage maps (sampled by :mod:`lksym.numerics.curves`), draws the 2-D unit
balls :math:`|x|^k + |y|^k \le 1`, and tabulates every derived fact k by k,
with the exact weight where the gradients of neighbouring k pull equally hard.

Any other penalty may join the k (:func:`lksym.app.compare.compare_subjects`): the page is then
:func:`mixed_markdown`, led by Fan and Li's three properties, with the figures
of :func:`mixed_figures` (lines broken at every jump, shrinkage maps at
:data:`MIXED_SHRINK_LAMBDA` with located jumps, balls
:math:`p(x) + p(y) \le p(0) + p(1)` where :func:`lksym.numerics.curves.ball_constant` allows them).
With only k the page is exactly the power family's.

"""

from __future__ import annotations

from typing import Iterable, Optional

import matplotlib
import numpy as np
import sympy as sp

from lksym.command_results import Comparison
from lksym.derivation.exact import k_text
from lksym.derivation.mathtext import in_lambda
from lksym.derivation.penalty_prox import Infimum
from lksym.numerics.curves import SAMPLES
from lksym.results import Analysis
from lksym.writers.plots import SVG_RC, curve_styles, image_name, legend_below, new_axes, outside_legend, plot_curve
from lksym.writers.report_text import tex

PAGE_NAME = "compare.md"
FIGURE_DIR = "compare"
RANGE = 1.5
GRADIENT_CLIP = 3.0
"""y-range of the gradient overlay: sub-linear gradients have a pole at 0."""
SHRINK_LAMBDA = 0.5
"""Penalty weight of the shrinkage maps :math:`z \\mapsto \\operatorname{prox}_{\\lambda |\\cdot|^k}(z)`."""


# --------------------------------------------------------------------------- figures


def _styles(n: int) -> list:
    """Colour and line style of each curve (:func:`lksym.writers.plots.curve_styles`): apart in greyscale too."""

    return curve_styles(n)


def _figure(xlabel: str, square: bool = False, below: int = 0):
    """A figure for an overlay; ``below`` > 0 puts a legend of that many rows under the axes instead of beside."""

    if not below:
        # The title is set by each caller; the square figure holds the unit balls.
        return new_axes("", xlabel=xlabel, size=(5.2, 5.2) if square else (7.0, 4.2), left=0.12 if square else 0.09)
    width, plot_height = (6.4, 5.4) if square else (8.8, 4.2)
    extra = 0.62 + 0.19 * below  # inches: tick labels, axis label and the legend's rows
    fig, ax = new_axes("", xlabel=xlabel, size=(width, plot_height + extra), legend_width=0.0,
                       left=0.1 if square else 0.07)
    height = plot_height + extra
    fig.subplots_adjust(bottom=(extra + 0.12) / height, top=1 - 0.35 / height, right=0.97)
    return fig, ax


def _part_overlay(analyses: list[Analysis], part: str, title: str, clip: Optional[float]):

    fig, ax = _figure("weight w")
    w = np.linspace(-RANGE, RANGE, SAMPLES)
    for a, style in zip(analyses, _styles(len(analyses))):
        y = plot_curve(getattr(a, part), w)
        if clip is not None:
            # Hide the pole instead of letting it squash every other curve.
            y = np.where(np.abs(y) > clip * 1.05, np.nan, y)
        ax.plot(w, y, label=f"k = {k_text(a.power.k)}", **style)
    return _finish_overlay(fig, ax, clip, title)


def _finish_overlay(fig, ax, clip, title: str):
    """Limits, title and legend of an overlay of penalties or gradients (clipped to ``±clip`` if given)."""

    ax.set_xlim(-RANGE, RANGE)
    if clip is not None:
        ax.set_ylim(-clip, clip)
    else:
        ax.set_ylim(-0.1, 2.5)
    ax.set_title(title)
    outside_legend(ax)
    return fig


def _unit_balls(c: Comparison):

    fig, ax = _figure("x", square=True)
    for a, (x, y), style in zip(c.analyses, c.balls, _styles(len(c.analyses))):
        ax.plot(x, y, label=f"k = {k_text(a.power.k)}", **style)
    ax.set_aspect("equal")
    ax.set_xlim(-1.15, 1.15)
    ax.set_ylim(-1.15, 1.15)
    ax.set_ylabel("y")
    ax.set_title("unit balls |x|^k + |y|^k ≤ 1")
    outside_legend(ax)
    return fig


def _shrinkage(c: Comparison):

    fig, ax = _figure("input z")
    half = c.shrink_half
    z = np.linspace(-half, half, SAMPLES)
    ax.plot(z, z, color="0.75", lw=1, ls="-", label="identity")
    for a, curve, style in zip(c.analyses, c.shrinkage, _styles(len(c.analyses))):
        shrunk = np.array(curve.y, dtype=float)
        # A jump (k < 1) is not a steep segment: break the line where the map jumps, as the per-k figure does.
        shrunk[1:][np.abs(np.diff(shrunk)) > 0.25] = np.nan
        ax.plot(z, shrunk, label=f"k = {k_text(a.power.k)}", **style)
    ax.set_xlim(-half, half)
    ax.set_ylim(-half, half)
    ax.set_ylabel("prox(z)")
    ax.set_title(f"shrinkage maps: argmin_w (w - z)^2/2 + {SHRINK_LAMBDA}|w|^k")
    outside_legend(ax)
    return fig


def compare_figures(c: Comparison) -> dict:
    """The overlay figures of the power family's page as matplotlib Figures, keyed by file name.

    Examples
    --------
    >>> from lksym.app.compare import comparison
    >>> from lksym.results import analyze
    >>> sorted(compare_figures(comparison([analyze(1), analyze(2)])))[:2]
    ['gradients.svg', 'penalties.svg']
    """

    with matplotlib.rc_context(SVG_RC):
        figs = {
            "penalties.svg": _part_overlay(c.analyses, "penalty", "penalties |w|^k", None),
            "gradients.svg": _part_overlay(c.analyses, "gradient", "gradients f'(w)", GRADIENT_CLIP),
            "shrinkage.svg": _shrinkage(c),
            "unit_balls.svg": _unit_balls(c),
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
        _m(a.power.k),
        a.power.regime.condition_text,
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
        # lksym.derivation.prox writes lambda as `lam`; show it as the Greek letter the page uses.
        cells.append(_m(in_lambda(prox.threshold)) if prox is not None else "—")
    return "| " + " | ".join(cells) + " |"


def _neighbour_table(c: Comparison, gloss: str) -> list[str]:
    """The exact |w| where consecutive members of the power family pull equally hard, as a Markdown table."""
    lines = [
        "",
        "## Where neighbouring k pull equally hard",
        "",
        "Solving $k_1 x^{k_1 - 1} = k_2 x^{k_2 - 1}$ for $x = \\lvert w\\rvert > 0$ gives "
        "$x = (k_1/k_2)^{1/(k_2 - k_1)}$" + gloss,
        "",
        "| $k_1$ | $k_2$ | equal gradient magnitude at $\\lvert w\\rvert$ |",
        "|---|---|---|",
    ]
    for n in c.neighbours:
        x = n.weight
        lines.append(f"| {_m(n.k1)} | {_m(n.k2)} | {_num(x) if x is not None else 'none'} |")
    return lines


def _figure_section(figure_names, captions: dict, image_format: str) -> list[str]:
    """The page's "Figures" section: each figure under its caption, linked from :data:`FIGURE_DIR`."""

    figure_names = list(figure_names)
    if not figure_names:
        return []
    lines = ["", "## Figures", ""]
    for name in figure_names:
        file = image_name(name, image_format)
        lines += [f"**{captions.get(name, name)}**", "", f"![{file}]({FIGURE_DIR}/{file})", ""]
    return lines


def compare_markdown(c: Comparison, figure_names: Iterable[str], image_format: str = "svg") -> str:
    r"""The comparison page of the power family (analyses sorted by k), linking ``figure_names`` in ``compare/``.

    Examples
    --------
    >>> from lksym.app.compare import comparison
    >>> from lksym.results import analyze
    >>> page = compare_markdown(comparison([analyze(1), analyze(2)]), [])
    >>> page.splitlines()[-1]
    '| $1$ | $2$ | $\\frac{1}{2}$ ≈ 0.5 |'
    """
    analyses = c.analyses
    names = ", ".join(f"${tex(a.power.k)}$" for a in analyses)
    # The prox facts are optional: Analysis gains them only where lksym.derivation.prox is present.
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
    lines += _neighbour_table(c, ". Below it the smaller k pulls harder toward 0, above it the larger k does.")
    captions = {
        "penalties.svg": "Penalties $\\lvert w\\rvert^k$",
        "gradients.svg": f"Gradients (clipped to $\\pm {GRADIENT_CLIP:g}$: sub-linear k have a pole at 0)",
        "shrinkage.svg": f"Shrinkage maps, the proximal step of $\\lambda\\lvert w\\rvert^k$ with $\\lambda = {SHRINK_LAMBDA:g}$: "
        "flat at 0 means exact zeros",
        "unit_balls.svg": "Unit balls $\\lvert x\\rvert^k + \\lvert y\\rvert^k \\le 1$: for $k \\le 1$ the corners "
        "sit on the axes, where a level set of a smooth loss touches first, so solutions land on sparse points",
    }
    lines += _figure_section(figure_names, captions, image_format)
    return "\n".join(lines).rstrip() + "\n"



# --------------------------------------------------------------------------- any penalty

MIXED_SHRINK_LAMBDA = 1.0
r"""Weight :math:`\lambda` of the shrinkage maps on a page with penalties other than :math:`|w|^k`.

At :math:`\lambda = 1` the catalogue's usual parameters give their textbook thresholding
rules (SCAD with :math:`\lambda = 1` thresholds at 1, as the soft threshold of L1 does)."""

def _breaks(part, analysis: Analysis) -> list[float]:
    """The |w| > 0 where ``part`` (penalty or gradient) jumps: breakpoints whose one-sided limits differ."""
    out = []
    for b in analysis.breakpoints:
        lim = b.limits[part.name]
        if sp.simplify(lim["left"] - lim["right"]) != 0:
            out.append(float(b.at))
    return out


def _with_gaps(w: np.ndarray, y: np.ndarray, at: Iterable[float]) -> tuple[np.ndarray, np.ndarray]:
    """Insert ``nan`` right of each ``+b`` and left of each ``-b`` so no segment crosses a jump there.

    The value at :math:`|w| = b` itself belongs to the piece ``lo < |w| <= b``, the inner one.
    """
    for b in sorted(at):
        for x, side in ((b, "right"), (-b, "left")):
            i = int(np.searchsorted(w, x, side=side))
            w, y = np.insert(w, i, x), np.insert(y, i, np.nan)
    return w, y


def part_curve(analysis: Analysis, part: str, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The derived ``part`` ("penalty" or "gradient") on ``w``, broken at 0 and at every breakpoint where it jumps.

    Examples
    --------
    >>> from lksym.results import analyze
    >>> w, y = part_curve(analyze("capped_l1(theta=1)"), "gradient", np.linspace(-2, 2, 9))
    >>> [float(v) for v in w[np.isnan(y)]]
    [-1.0, 0.0, 1.0]
    """

    p = getattr(analysis, part)
    return _with_gaps(w, plot_curve(p, w), _breaks(p, analysis))


LEGEND_COLUMNS = 3
"""Columns of the legend under a figure with penalties other than |w|^k (their names are long)."""


def _rows(analyses: list[Analysis], extra: int = 0) -> int:
    return -(-(len(analyses) + extra) // LEGEND_COLUMNS)


def _mixed_overlay(c: Comparison, part: str, title: str, clip: Optional[float]):

    analyses = c.analyses
    fig, ax = _figure("weight w", below=_rows(analyses))
    half = c.overlay_half
    grid = np.linspace(-half, half, SAMPLES)
    tops = []
    for a, style in zip(analyses, _styles(len(analyses))):
        w, y = part_curve(a, part, grid)
        if clip is not None:
            y = np.where(np.abs(y) > clip * 1.05, np.nan, y)
        finite = y[np.isfinite(y)]
        tops.append(float(np.max(np.abs(finite))) if finite.size else 0.0)
        ax.plot(w, y, label=a.label, **style)
        p = getattr(a, part)
        if not p.at_zero.continuous and p.at_zero.value is not None:
            # An isolated value at 0 (L0's p(0) = 0): a dot, the curve itself does not reach it.
            ax.plot([0.0], [float(p.at_zero.value)], "o", color=style["color"], ms=4)
    ax.set_xlim(-half, half)
    if clip is not None:
        ax.set_ylim(-clip, clip)
    else:
        # One steep curve (the elastic net's w^2 far out) must not flatten the rest: at most 1.5 times the runner-up.
        tops = sorted(tops, reverse=True) + [0.0]
        top = max(1.0, min(tops[0], 1.5 * tops[1])) * 1.08
        ax.set_ylim(-0.04 * top, top)
    ax.set_title(title)
    legend_below(ax, LEGEND_COLUMNS)
    return fig


def _mixed_shrinkage(c: Comparison):

    analyses = c.analyses
    fig, ax = _figure("input z", below=_rows(analyses, 1))
    # Out to every threshold (log-sum's 2.52 at lam = 1) and every |z| past which prox(z) = z (SCAD's 3.7).
    half = c.shrink_half
    grid = np.linspace(-half, half, SAMPLES)
    ax.plot(grid, grid, color="0.75", lw=1, ls="-", label="identity")
    for a, curve, style in zip(analyses, c.shrinkage, _styles(len(analyses))):
        ax.plot(curve.z, curve.y, label=a.label, **style)
        for at, left, right in curve.jumps:
            # The jump itself: a thin dotted riser, so it reads as a jump, not as part of the map.
            ax.plot([at, at], [left, right], color=style["color"], lw=0.8, ls=(0, (1, 2)))
    ax.set_xlim(-half, half)
    ax.set_ylim(-half, half)
    ax.set_ylabel("prox(z)")
    ax.set_title(f"shrinkage maps: argmin_w (w - z)^2/2 + {MIXED_SHRINK_LAMBDA:g}·p(w)")
    legend_below(ax, LEGEND_COLUMNS)
    return fig


def _mixed_balls(c: Comparison):

    curves = [(a, style, ball) for a, ball, style in zip(c.analyses, c.balls, _styles(len(c.analyses)))]
    drawn = [c for c in curves if c[2] is not None]
    fig, ax = _figure("x", square=True, below=-(-len(drawn) // 2))
    for a, style, curve in drawn:
        ax.plot(*curve, label=a.label, **style)
    ax.set_aspect("equal")
    ax.set_xlim(-1.15, 1.15)
    ax.set_ylim(-1.15, 1.15)
    ax.set_ylabel("y")
    ax.set_title("balls p(x) + p(y) ≤ p(0) + p(1)")
    legend_below(ax, 2)
    return fig


def mixed_figures(c: Comparison) -> dict:
    """The overlay figures of a page with penalties other than :math:`|w|^k`, keyed by file name.

    Examples
    --------
    >>> from lksym.app.compare import comparison
    >>> from lksym.results import analyze
    >>> sorted(mixed_figures(comparison([analyze(1), analyze("l0")])))
    ['balls.svg', 'gradients.svg', 'penalties.svg', 'shrinkage.svg']
    """

    with matplotlib.rc_context(SVG_RC):
        return {
            "penalties.svg": _mixed_overlay(c, "penalty", "penalties p(w)", None),
            "gradients.svg": _mixed_overlay(c, "gradient", "gradients p'(w)", GRADIENT_CLIP),
            "shrinkage.svg": _mixed_shrinkage(c),
            "balls.svg": _mixed_balls(c),
        }


def condition_cell(condition) -> str:
    r"""A Fan and Li property as a table cell: ``yes``, ``no``, ``for $\lambda < …$`` or ``not derived``.

    Examples
    --------
    >>> condition_cell(True), condition_cell(sp.Symbol("lam", positive=True) < sp.Rational(27, 10))
    ('yes', 'for $\\lambda < \\frac{27}{10}$')
    """
    if condition is None:
        return "not derived"
    if condition is True or condition == sp.true:
        return "yes"
    if condition is False or condition == sp.false:
        return "no"
    return f"for {_m(in_lambda(condition))}"


def _smoothness_cell(a: Analysis) -> str:
    if a.smoothness is None:
        return r"$C^\infty$"
    if a.smoothness < 0:
        return "discontinuous"
    return f"$C^{{{a.smoothness}}}$"


def _threshold_cells(a: Analysis, at_lambda: float) -> list[str]:

    t = a.prox.threshold
    exact = "no closed form" if t.has(Infimum) else _m(in_lambda(t))
    return [exact, f"{at_lambda:.4g}"]


def _cell_text(text: str) -> str:
    return text.replace("|", "\\|")


def _kind_cell(th) -> str:
    """`` (exact)`` or `` (asymptotic)`` after an unbiased "yes"."""
    return f" ({th.unbiased_kind})" if th is not None and th.unbiased_kind else ""


def _mixed_row(a: Analysis, threshold: float) -> str:
    th = a.thresholding
    cells = [
        _cell_text(a.label),
        condition_cell(th.sparse if th is not None else None),
        condition_cell(th.continuous if th is not None else None),
        condition_cell(th.unbiased if th is not None else None) + _kind_cell(th),
        "yes" if a.convex else "no",
        _smoothness_cell(a),
        ", ".join(_m(b.at) for b in a.breakpoints) or "none",
        *_threshold_cells(a, threshold),
    ]
    return "| " + " | ".join(cells) + " |"


MIXED_COLUMNS = ("penalty", "sparse", "continuous", "unbiased", "convex", "smoothness at 0",
                 "breakpoints $\\lvert w\\rvert =$", "prox zeroes $\\lvert z\\rvert \\le$",
                 f"threshold at $\\lambda = {MIXED_SHRINK_LAMBDA:g}$")
"""Columns of the table every page with a penalty other than :math:`|w|^k` leads with."""


def mixed_markdown(c: Comparison, figure_names: Iterable[str], image_format: str = "svg") -> str:
    r"""The comparison page for penalties other than (or besides) :math:`|w|^k`.

    Examples
    --------
    >>> from lksym.app.compare import comparison
    >>> from lksym.results import analyze
    >>> page = mixed_markdown(comparison([analyze(1), analyze("l0")]), [])
    >>> [line for line in page.splitlines() if line.startswith("| L0")]
    ['| L0 | yes | no | yes (exact) | no | discontinuous | none | $\\sqrt{2} \\sqrt{\\lambda}$ | 1.414 |']
    """
    analyses, powers = c.analyses, c.powers
    lines = [
        "# Comparing penalties",
        "",
        f"{', '.join(_cell_text(a.label) for a in analyses)}. Generated by `lksym compare`; every entry is derived "
        "exactly by SymPy.",
        "",
        "## Fan and Li's properties, and more",
        "",
        "Fan and Li (2001) ask three things of the thresholding rule "
        "$\\hat w(z) = \\operatorname{argmin}_w \\tfrac12 (w - z)^2 + \\lambda p(w)$: *sparse* (small $z$ give exactly "
        "0), *continuous* (no jump in $z$, so small data changes move the estimate a little), *unbiased* (large $z$ "
        "are left alone: $\\hat w(z) - z \\to 0$). Where the answer depends on $\\lambda$ the cell gives the "
        "condition. Convex is $p$ on the real line; the breakpoints are the $\\lvert w\\rvert > 0$ where the "
        "definition of $p$ changes; the prox threshold is the largest $\\lvert z\\rvert$ mapped to exactly 0.",
        "",
        "| " + " | ".join(MIXED_COLUMNS) + " |",
        "|---" * len(MIXED_COLUMNS) + "|",
    ]
    lines += [_mixed_row(a, t) for a, t in zip(analyses, c.thresholds)]
    if powers:
        prox_column = any(getattr(a, "prox", None) is not None for a in powers)
        lines += [
            "",
            "## Derived facts of the power family, k by k",
            "",
            "The dead zone is where $\\alpha \\lvert f'(w)\\rvert < \\tau$; the crossovers are the "
            "$\\lvert w\\rvert$ where the gradient magnitude equals L1's ($1$) and L2's ($2\\lvert w\\rvert$).",
            "",
            "| k | regime | $f'(0^+)$ | $f'(+\\infty)$ | $f''(0^+)$ | smoothness at 0 | convex | sparse "
            "| dead zone $\\lvert w\\rvert <$ | $=$ L1 at $\\lvert w\\rvert$ | $=$ L2 at $\\lvert w\\rvert$ |"
            + (" prox zeroes $\\lvert z\\rvert \\le$ |" if prox_column else ""),
            "|---" * (12 if prox_column else 11) + "|",
        ]
        lines += [_row(a, prox_column) for a in powers]
    if len(powers) >= 2:
        lines += _neighbour_table(c, " (power family members only).")
    left_out = [f"{_cell_text(a.label)} ({note})" for a, ball, note in zip(analyses, c.balls, c.ball_notes)
                if ball is None]
    captions = {
        "penalties.svg": "Penalties $p(w)$ (a dot marks a value at 0 the curve does not reach)",
        "gradients.svg": f"Gradients (clipped to $\\pm {GRADIENT_CLIP:g}$; broken where they jump or do not exist)",
        "shrinkage.svg": f"Shrinkage maps, the proximal step of $\\lambda p$ with $\\lambda = {MIXED_SHRINK_LAMBDA:g}$: "
        "flat at 0 means exact zeros; a dashed riser marks a jump (the map takes no value in between)",
        "balls.svg": "Balls $p(x) + p(y) \\le p(0) + p(1)$, through $(\\pm 1, 0)$ and $(0, \\pm 1)$, drawn where $p$ "
        "is continuous at 0 and strictly increasing on $[0, 1]$"
        + (f"; left out: {'; '.join(left_out)}" if left_out else ""),
    }
    lines += _figure_section(figure_names, captions, image_format)
    return "\n".join(lines).rstrip() + "\n"


ARTICLE_KS = ("0.5", "1", "1.5", "2", "3", "10")
"""The exponents of the article: one per regime, and the defaults of ``lksym compare``."""
