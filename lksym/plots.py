r"""Figures of an :class:`~lksym.analysis.Analysis`, drawn with matplotlib.

Every curve is the lambdified derived expression (:func:`lksym.numeric.evaluate`);
nothing is re-typed.  Figures are built on :class:`matplotlib.figure.Figure`
directly, without pyplot, so no GUI backend is loaded and global state is left
alone.  :func:`render_svg` makes byte-identical SVG for the same figure.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from .analysis import Analysis, Part
from .numeric import evaluate
from . import gd as _gd, prox as _prox  # their figures' data and drawing live beside their derivations

RANGE = 1.5
"""Half-width of the main plots: wide enough to show both crossovers for every k."""

ZOOM = 0.25
"""Half-width of the zoomed view near 0 (the article zooms in for k = 3 and 10)."""

SAMPLES = 401

PENALTY_COLOR, GRADIENT_COLOR, CURVATURE_COLOR = "tab:blue", "tab:red", "tab:green"
L1_COLOR, L2_COLOR = "0.45", "tab:purple"

# Text stays text ("none"): smaller files, diffable labels, and several times faster than glyph paths.
SVG_RC = {"svg.hashsalt": "lksym", "svg.fonttype": "none", "path.simplify": True}


@dataclass(frozen=True)
class FigureSpec:
    """A figure of the report: file name, caption, and how to make it.

    A figure is made in two steps so that SymPy and matplotlib can load in
    different processes (the report pipeline overlaps them on two cores):
    ``data(a)`` turns the analysis into plain numbers (NumPy arrays, floats,
    strings; no SymPy objects), and ``render(data)`` draws them with matplotlib.
    """

    name: str
    caption: str
    data: Callable[[Analysis], dict]
    render: Callable[[dict], "object"]

    def draw(self, a: Analysis):
        """Both steps at once: a :class:`~matplotlib.figure.Figure` for ``a``."""
        return self.render(self.data(a))


def _grid(half_width: float) -> np.ndarray:
    # Odd sample count: w = 0 is on the grid, where evaluate() puts the exact value.
    return np.linspace(-half_width, half_width, SAMPLES)


def _curve(part: Part, w: np.ndarray) -> np.ndarray:
    y = evaluate(part, w)
    if not part.at_zero.continuous:
        # Break the line at 0 so a jump or a pole is not drawn as a steep segment.
        y[w == 0] = np.nan
    return y


def _value_at_zero(part: Part):
    return None if part.at_zero.value is None else float(part.at_zero.value)


def _clip_limits(curves: list[np.ndarray], w: np.ndarray) -> tuple[float, float]:
    """y-limits that show the curves away from a pole at 0 (ignoring |w| < 5% of the range)."""
    away = np.abs(w) >= 0.05 * np.abs(w).max()
    values = np.concatenate([c[away] for c in curves])
    values = values[np.isfinite(values)]
    lo, hi = float(min(values.min(), 0.0)), float(max(values.max(), 0.0))
    pad = 0.08 * (hi - lo or 1.0)
    return lo - pad, hi + pad


def new_axes(
    title: str,
    *,
    xlabel: str = "weight w",
    xlim: Optional[tuple[float, float]] = None,
    ylim: Optional[tuple[float, float]] = None,
    size: tuple[float, float] = (7.0, 4.2),
    left: float = 0.09,
):
    """A figure with one axes in lksym's house style: light axes lines through 0 and a grid.

    Every lksym figure starts here, so they all look alike.  Fixed margins
    instead of a layout engine: the same look for every k, and much faster.

    Returns
    -------
    (Figure, Axes)
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=100)
    fig.subplots_adjust(left=left, right=0.98, bottom=0.12, top=0.92)
    ax = fig.add_subplot()
    ax.axhline(0, color="0.8", lw=0.8, zorder=0)
    ax.axvline(0, color="0.8", lw=0.8, zorder=0)
    ax.grid(True, color="0.92", lw=0.6)
    ax.set_xlabel(xlabel)
    if xlim is not None:
        ax.set_xlim(*xlim)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_title(title)
    return fig, ax


# --------------------------------------------------------------------------- penalty and gradient


def _penalty_data(a: Analysis, half_width: float, title: str) -> dict:
    w = _grid(half_width)
    penalty, gradient = _curve(a.penalty, w), _curve(a.gradient, w)
    return {
        "w": w,
        "penalty": penalty,
        "gradient": gradient,
        "gradient_at_zero": _value_at_zero(a.gradient),
        "penalty_label": f"penalty |w|^{a.label[1:]}",
        "title": title,
        "half_width": half_width,
        "ylim": _clip_limits([penalty, gradient], w),
    }


def _penalty_render(d: dict):
    fig, ax = new_axes(d["title"], xlim=(-d["half_width"], d["half_width"]), ylim=d["ylim"])
    ax.plot(d["w"], d["penalty"], color=PENALTY_COLOR, lw=2, label=d["penalty_label"])
    ax.plot(d["w"], d["gradient"], color=GRADIENT_COLOR, lw=2, label="gradient (derivative)")
    if d["gradient_at_zero"] is not None:
        ax.plot([0], [d["gradient_at_zero"]], "o", color=GRADIENT_COLOR, ms=4)
    ax.legend(loc="upper center")
    return fig


def penalty_data(a: Analysis) -> dict:
    """Penalty (blue) and gradient (red) on :math:`|w| \\le 1.5`, as in the article."""
    return _penalty_data(a, RANGE, f"{a.label}: penalty and its gradient")


def zoom_data(a: Analysis) -> dict:
    """The same near :math:`w = 0`, where the regimes differ most."""
    return _penalty_data(a, ZOOM, f"{a.label} near w = 0 (zoom)")


# --------------------------------------------------------------------------- curvature


def curvature_data(a: Analysis) -> dict:
    """Curvature :math:`f''(w)`; a dot marks :math:`f''(0)` where it exists."""
    w = _grid(RANGE)
    curvature = _curve(a.curvature, w)
    return {
        "w": w,
        "curvature": curvature,
        "at_zero": _value_at_zero(a.curvature),
        "title": f"{a.label}: curvature",
        "ylim": _clip_limits([curvature], w),
    }


def curvature_render(d: dict):
    fig, ax = new_axes(d["title"], xlim=(-RANGE, RANGE), ylim=d["ylim"])
    ax.plot(d["w"], d["curvature"], color=CURVATURE_COLOR, lw=2, label="curvature (second derivative)")
    if d["at_zero"] is not None:
        ax.plot([0], [d["at_zero"]], "o", color=CURVATURE_COLOR, ms=4)
    ax.legend(loc="upper center")
    return fig


# --------------------------------------------------------------------------- against L1 and L2


def comparison_data(a: Analysis) -> dict:
    """Gradient of :math:`|w|^k` beside those of L1 and L2, with the exact crossover weights."""
    w = _grid(RANGE)
    gradient = _curve(a.gradient, w)
    l1 = np.where(w == 0, np.nan, np.sign(w))  # L1's gradient has no value at 0
    l2 = 2 * w
    return {
        "w": w,
        "gradient": gradient,
        "l1": l1,
        "l2": l2,
        "label": a.label,
        "crossovers": [(c.reference, float(c.weight)) for c in a.crossovers if c.weight is not None],
        "ylim": _clip_limits([gradient, l1, l2], w),
    }


def comparison_render(d: dict):
    fig, ax = new_axes(f"{d['label']}: gradient against L1 and L2", xlim=(-RANGE, RANGE), ylim=d["ylim"])
    w = d["w"]
    ax.plot(w, d["l1"], color=L1_COLOR, lw=1.5, ls="--", label="L1: sign(w)")
    ax.plot(w, d["l2"], color=L2_COLOR, lw=1.5, ls=":", label="L2: 2w")
    ax.plot(w, d["gradient"], color=GRADIENT_COLOR, lw=2, label=f"{d['label']}: gradient")
    for reference, x in d["crossovers"]:
        if x > RANGE:
            continue
        for side in (-x, x):
            ax.axvline(side, color="0.6", lw=0.8, ls="-.")
        ax.annotate(
            f"= {reference}\n|w| = {x:.3g}",
            (x, 0),
            xytext=(4, -28 if reference == "L1" else 8),
            textcoords="offset points",
            fontsize=8,
            color="0.3",
        )
    ax.legend(loc="upper left")
    return fig


FIGURES = [
    FigureSpec("penalty_gradient.svg", "Penalty (blue) and gradient (red)", penalty_data, _penalty_render),
    FigureSpec("zoom.svg", f"Zoom near w = 0 (|w| ≤ {ZOOM})", zoom_data, _penalty_render),
    FigureSpec("curvature.svg", "Curvature", curvature_data, curvature_render),
    FigureSpec(
        "gradients_l1_l2.svg", "Gradient beside L1's and L2's, crossovers marked", comparison_data, comparison_render
    ),
    FigureSpec(
        "shrinkage.svg", "Proximal step (shrinkage map) beside L1's soft threshold and L2's scaling, lam = 1",
        _prox.shrinkage_data, _prox.shrinkage_render,
    ),
    FigureSpec(
        "gd_trajectories.svg", f"Plain gradient descent on the penalty alone, eta = {_gd.REPORT_ETA}",
        _gd.trajectory_data, _gd.trajectory_render,
    ),
]
"""The report's figures, in order (other modules append theirs)."""


def figure_data(a: Analysis) -> dict:
    """The numbers behind every figure, keyed by file name (picklable without SymPy)."""
    return {spec.name: spec.data(a) for spec in FIGURES}


def render_figures(data: dict) -> dict:
    """Draw :func:`figure_data` output as matplotlib figures, keyed by file name."""
    import matplotlib

    renderers = {spec.name: spec.render for spec in FIGURES}
    with matplotlib.rc_context(SVG_RC):
        return {name: renderers[name](d) for name, d in data.items()}


def figures(a: Analysis) -> dict:
    """All report figures as matplotlib :class:`~matplotlib.figure.Figure` objects, keyed by file name.

    The figures are independent of pyplot: restyle them freely.

    Examples
    --------
    >>> from lksym.analysis import analyze
    >>> sorted(figures(analyze("3")))[0]
    'curvature.svg'
    """
    return render_figures(figure_data(a))


def render_svg(fig) -> bytes:
    """Serialise a figure to SVG bytes, identical for identical figures.

    The date is left out of the metadata and the hash salt that names clip paths
    is fixed, so the same k gives the same bytes run after run.
    """
    import matplotlib

    buffer = io.BytesIO()
    with matplotlib.rc_context(SVG_RC):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
