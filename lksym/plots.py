r"""Figures of an :class:`~lksym.analysis.Analysis`, drawn with matplotlib.

Every curve is the lambdified derived expression (:func:`lksym.numeric.evaluate`);
nothing is re-typed.  Figures are built on :class:`matplotlib.figure.Figure`
directly, without pyplot, so no GUI backend is loaded and global state is left
alone.  :func:`render_svg` makes byte-identical SVG for the same figure.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .analysis import Analysis, Part
from .numeric import evaluate

RANGE = 1.5
"""Half-width of the main plots: wide enough to show both crossovers for every k."""

ZOOM = 0.25
"""Half-width of the zoomed view near 0 (the article zooms in for k = 3 and 10)."""

SAMPLES = 801

PENALTY_COLOR, GRADIENT_COLOR, CURVATURE_COLOR = "tab:blue", "tab:red", "tab:green"
L1_COLOR, L2_COLOR = "0.45", "tab:purple"

SVG_RC = {"svg.hashsalt": "lksym", "svg.fonttype": "path", "path.simplify": True}


@dataclass(frozen=True)
class FigureSpec:
    """A figure of the report: its file name, a caption and how to draw it."""

    name: str
    caption: str
    draw: Callable[[Analysis], "object"]


def _grid(half_width: float) -> np.ndarray:
    # Odd sample count: w = 0 is on the grid, where evaluate() puts the exact value.
    return np.linspace(-half_width, half_width, SAMPLES)


def _curve(part: Part, w: np.ndarray) -> np.ndarray:
    y = evaluate(part, w)
    if not part.at_zero.continuous:
        # Break the line at 0 so a jump or a pole is not drawn as a steep segment.
        y[w == 0] = np.nan
    return y


def _clip_limits(curves: list[np.ndarray], w: np.ndarray) -> tuple[float, float]:
    """y-limits that show the curves away from a pole at 0 (ignoring |w| < 5% of the range)."""
    away = np.abs(w) >= 0.05 * np.abs(w).max()
    values = np.concatenate([c[away] for c in curves])
    values = values[np.isfinite(values)]
    lo, hi = float(min(values.min(), 0.0)), float(max(values.max(), 0.0))
    pad = 0.08 * (hi - lo or 1.0)
    return lo - pad, hi + pad


def _new_figure():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 4.2), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.axhline(0, color="0.8", lw=0.8, zorder=0)
    ax.axvline(0, color="0.8", lw=0.8, zorder=0)
    ax.grid(True, color="0.92", lw=0.6)
    ax.set_xlabel("weight w")
    return fig, ax


def _penalty_and_gradient(a: Analysis, half_width: float, title: str):
    fig, ax = _new_figure()
    w = _grid(half_width)
    penalty, gradient = _curve(a.penalty, w), _curve(a.gradient, w)
    ax.plot(w, penalty, color=PENALTY_COLOR, lw=2, label=f"penalty |w|^{a.label[1:]}")
    ax.plot(w, gradient, color=GRADIENT_COLOR, lw=2, label="gradient (derivative)")
    if a.gradient.at_zero.value is not None:
        ax.plot([0], [float(a.gradient.at_zero.value)], "o", color=GRADIENT_COLOR, ms=4)
    ax.set_ylim(*_clip_limits([penalty, gradient], w))
    ax.set_xlim(-half_width, half_width)
    ax.set_title(title)
    ax.legend(loc="upper center")
    return fig


def penalty_figure(a: Analysis):
    """Penalty (blue) and gradient (red) on :math:`|w| \\le 1.5`, as in the article."""
    return _penalty_and_gradient(a, RANGE, f"{a.label}: penalty and its gradient")


def zoom_figure(a: Analysis):
    """The same near :math:`w = 0`, where the regimes differ most."""
    return _penalty_and_gradient(a, ZOOM, f"{a.label} near w = 0 (zoom)")


def curvature_figure(a: Analysis):
    """Curvature :math:`f''(w)`; a dot marks :math:`f''(0)` where it exists."""
    fig, ax = _new_figure()
    w = _grid(RANGE)
    curvature = _curve(a.curvature, w)
    ax.plot(w, curvature, color=CURVATURE_COLOR, lw=2, label="curvature (second derivative)")
    if a.curvature.at_zero.value is not None:
        ax.plot([0], [float(a.curvature.at_zero.value)], "o", color=CURVATURE_COLOR, ms=4)
    ax.set_ylim(*_clip_limits([curvature], w))
    ax.set_xlim(-RANGE, RANGE)
    ax.set_title(f"{a.label}: curvature")
    ax.legend(loc="upper center")
    return fig


def comparison_figure(a: Analysis):
    """Gradient of :math:`|w|^k` beside those of L1 and L2, with the exact crossover weights."""
    fig, ax = _new_figure()
    w = _grid(RANGE)
    gradient = _curve(a.gradient, w)
    with np.errstate(invalid="ignore"):
        l1 = np.where(w == 0, np.nan, np.sign(w))
    l2 = 2 * w
    ax.plot(w, l1, color=L1_COLOR, lw=1.5, ls="--", label="L1: sign(w)")
    ax.plot(w, l2, color=L2_COLOR, lw=1.5, ls=":", label="L2: 2w")
    ax.plot(w, gradient, color=GRADIENT_COLOR, lw=2, label=f"{a.label}: gradient")
    for crossover in a.crossovers:
        if crossover.weight is None:
            continue
        x = float(crossover.weight)
        if x <= RANGE:
            for side in (-x, x):
                ax.axvline(side, color="0.6", lw=0.8, ls="-.")
            ax.annotate(
                f"= {crossover.reference}\n|w| = {x:.3g}",
                (x, 0),
                xytext=(4, -28 if crossover.reference == "L1" else 8),
                textcoords="offset points",
                fontsize=8,
                color="0.3",
            )
    ax.set_ylim(*_clip_limits([gradient, l1, l2], w))
    ax.set_xlim(-RANGE, RANGE)
    ax.set_title(f"{a.label}: gradient against L1 and L2")
    ax.legend(loc="upper left")
    return fig


FIGURES = (
    FigureSpec("penalty_gradient.svg", "Penalty (blue) and gradient (red)", penalty_figure),
    FigureSpec("zoom.svg", f"Zoom near w = 0 (|w| ≤ {ZOOM})", zoom_figure),
    FigureSpec("curvature.svg", "Curvature", curvature_figure),
    FigureSpec("gradients_l1_l2.svg", "Gradient beside L1's and L2's, crossovers marked", comparison_figure),
)
"""The report's figures, in order."""


def figures(a: Analysis) -> dict:
    """All report figures as matplotlib :class:`~matplotlib.figure.Figure` objects, keyed by file name.

    Examples
    --------
    >>> from lksym.analysis import analyze
    >>> sorted(figures(analyze("3")))[0]
    'curvature.svg'
    """
    import matplotlib

    with matplotlib.rc_context(SVG_RC):
        return {spec.name: spec.draw(a) for spec in FIGURES}


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
