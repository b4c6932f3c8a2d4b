r"""Figures of an :class:`~lksym.analysis.Analysis`, drawn with matplotlib.

Every curve is the lambdified derived expression (:func:`lksym.numeric.evaluate`);
nothing is re-typed.  Figures are built on :class:`matplotlib.figure.Figure`
directly, without pyplot, so no GUI backend is loaded and global state is left
alone.  :func:`render_svg` makes byte-identical SVG for the same figure.
"""

from __future__ import annotations

import io
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional, Union

import numpy as np

if TYPE_CHECKING:  # the drawing half of this module must load without SymPy
    from .analysis import Analysis, Part

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
    data: Union[Callable[[Analysis], dict], str]
    """The numbers: a function, or ``"module:function"`` imported on first use (keeps SymPy out of the drawing side)."""
    render: Callable[[dict], "object"]

    def numbers(self, a: Analysis) -> dict:
        """Run the data step for ``a``."""
        data = self.data
        if isinstance(data, str):
            import importlib

            module, name = data.split(":")
            data = getattr(importlib.import_module(module), name)
        return data(a)

    def draw(self, a: Analysis):
        """Both steps at once: a :class:`~matplotlib.figure.Figure` for ``a``."""
        return self.render(self.numbers(a))


def _grid(half_width: float) -> np.ndarray:
    # Odd sample count: w = 0 is on the grid, where evaluate() puts the exact value.
    return np.linspace(-half_width, half_width, SAMPLES)


def _curve(part: Part, w: np.ndarray) -> np.ndarray:
    from .numeric import evaluate

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
    ylabel: Optional[str] = None,
    xlim: Optional[tuple[float, float]] = None,
    ylim: Optional[tuple[float, float]] = None,
    size: tuple[float, float] = (7.0, 4.2),
    left: float = 0.09,
):
    """A figure with one axes in lksym's house style: light axes lines through 0 and a grid.

    Every lksym figure starts here, so they all look alike.  Fixed margins
    instead of a layout engine: the same look for every k, and much faster.

    Inside :func:`render_figure` the figure is recycled: the one drawn for the
    previous k, emptied, instead of a new one (see :func:`_recycled`).

    Returns
    -------
    (Figure, Axes)
    """
    from matplotlib.ticker import MaxNLocator

    frame = (size, left, xlabel, ylabel)
    name = _RECYCLING.get()
    # Per thread: two threads drawing the same figure at once must not share one.
    key = (threading.get_ident(), name, frame)
    if name is None:
        fig, ax = _frame(*frame)
    elif key in _FRAMES:
        fig, ax, keep = _FRAMES[key]
        _empty(ax, keep)
    else:
        fig, ax = _frame(*frame)
        _FRAMES[key] = fig, ax, frozenset(_content(ax))
    # Fewer, rounder ticks than the default (up to 9 per axis): easier to read, and each tick
    # is five artists to build and draw.
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    # y=1.0 fixes the title's place; left to itself, matplotlib measures the tick labels at
    # every draw to dodge them.
    ax.set_title(title, y=1.0)
    if xlim is not None:
        ax.set_xlim(*xlim)
    if ylim is not None:
        ax.set_ylim(*ylim)
    return fig, ax


def _frame(size: tuple[float, float], left: float, xlabel: str, ylabel: Optional[str]):
    """The part of a figure that is the same for every k: size, margins, labels, grid, lines through 0."""
    from matplotlib.figure import Figure
    from matplotlib.transforms import ScaledTranslation, blended_transform_factory

    fig = Figure(figsize=size, dpi=100)
    fig.subplots_adjust(left=left, right=0.98, bottom=0.12, top=0.92)
    ax = fig.add_subplot()
    ax.axhline(0, color="0.8", lw=0.8, zorder=0)
    ax.axvline(0, color="0.8", lw=0.8, zorder=0)
    ax.grid(True, color="0.92", lw=0.6)
    # Axis labels at fixed places, like the title: our margins leave room for the tick labels.
    ax.set_xlabel(xlabel)
    below_ticks = ScaledTranslation(0, -22 / 72, fig.dpi_scale_trans)  # tick, pad and label text, in inches
    ax.xaxis.set_label_coords(0.5, 0.0, transform=ax.transAxes + below_ticks)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
        # The rotated label's anchor is its right edge (matplotlib's "bottom"): one text height from the edge.
        from_edge = fig.transFigure + ScaledTranslation(16 / 72, 0, fig.dpi_scale_trans)
        ax.yaxis.set_label_coords(0.0, 0.5, transform=blended_transform_factory(from_edge, ax.transAxes))
    return fig, ax


# --------------------------------------------------------------------------- recycling figures
#
# A new figure costs as much as drawing it: an Axes and, at the first draw, every tick
# (five artists each, copied property by property).  The report pipeline draws the same six
# figures for k after k, so each drawing process keeps one of each and empties it for the
# next k.  Emptied means: back to the state _frame() left it in, which the tests check byte
# for byte against a new figure.

_RECYCLING: ContextVar[Optional[str]] = ContextVar("lksym_recycling", default=None)
_FRAMES: dict = {}


def _content(ax) -> list:
    return [*ax.lines, *ax.texts, *ax.patches, *ax.collections, *ax.images]


def _empty(ax, keep: frozenset) -> None:
    for artist in _content(ax):
        if artist not in keep:
            artist.remove()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    for axis, scale in ((ax.xaxis, ax.set_xscale), (ax.yaxis, ax.set_yscale)):
        if axis.get_scale() != "linear":
            scale("linear")
    ax.set_prop_cycle(None)  # the colour cycle restarts, as on a new Axes
    ax.set_autoscale_on(True)
    ax.relim()  # data limits from what is left: the lines through 0


@contextmanager
def _recycled(name: str):
    """Within the block, :func:`new_axes` hands out the kept figure for ``name``."""
    token = _RECYCLING.set(name)
    try:
        yield
    finally:
        _RECYCLING.reset(token)


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


# --------------------------------------------------------------------------- proximal step and gradient descent


def shrinkage_render(d: dict):
    """The proximal map of :math:`|x|^k` (red) against soft thresholding and L2's scaling."""
    fig, ax = new_axes(
        f"{d['label']}: proximal step (shrinkage map), lam = 1",
        xlabel="input z",
        ylabel="prox(z)",
        xlim=(-3, 3),
        ylim=(-3, 3),
    )
    ax.plot(d["z"], d["z"], color="0.85", lw=1, ls="-", label="identity (no penalty)")
    ax.plot(d["z"], d["soft"], color="0.45", lw=1.5, ls="--", label="L1: soft threshold")
    ax.plot(d["z"], d["ridge"], color="tab:purple", lw=1.5, ls=":", label="L2: z/(1+2 lam)")
    ax.plot(d["z"], d["prox"], color="tab:red", lw=2, label=f"{d['label']}: prox")
    if d["threshold"] > 0:
        for side in (-d["threshold"], d["threshold"]):
            ax.axvline(side, color="0.6", lw=0.8, ls="-.")
    ax.legend(loc="upper left", fontsize=8)
    return fig


def trajectory_render(d: dict):
    """Weights against step number, one line per start, on a symmetric-log axis."""
    fig, ax = new_axes(
        f"{d['label']}: gradient descent on the penalty alone, eta = {d['eta']:g}",
        xlabel="step t",
        ylabel="weight w_t",
        left=0.13,  # room for symlog tick labels
    )
    path = np.where(np.abs(d["path"]) > 10, np.nan, d["path"])
    steps = np.arange(path.shape[0])
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown"]
    for i, start in enumerate(d["starts"]):
        ax.plot(steps, path[:, i], lw=1.0, color=colors[i % len(colors)], label=f"w0 = {start:g}")
    ax.set_yscale("symlog", linthresh=1e-3)
    # symlog's default minor ticks and mathtext labels ($10^{-3}$) cost most of this
    # figure's rendering time (mathtext means a pyparsing run per label): plain text instead.
    from matplotlib.ticker import FuncFormatter, NullLocator

    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.set_xlim(0, steps[-1])
    ax.legend(loc="upper right", fontsize=8, ncol=3)
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
        "lksym.prox:shrinkage_data", shrinkage_render,
    ),
    FigureSpec(
        "gd_trajectories.svg", "Plain gradient descent on the penalty alone (step size in the title)",
        "lksym.gd:trajectory_data", trajectory_render,
    ),
]
"""The report's figures, in order (other modules append theirs)."""


def figure_data(a: Analysis) -> dict:
    """The numbers behind every figure, keyed by file name (picklable without SymPy)."""
    return {spec.name: spec.numbers(a) for spec in FIGURES}


def render_figures(data: dict) -> dict:
    """Draw :func:`figure_data` output as matplotlib figures, keyed by file name."""
    import matplotlib

    renderers = {spec.name: spec.render for spec in FIGURES}
    with matplotlib.rc_context(SVG_RC):
        return {name: renderers[name](d) for name, d in data.items()}


FORMATS = ("svg", "png")
"""Image formats the writers produce (``--format``)."""

DPI = 150
"""Default resolution of PNG figures (``--dpi``); SVG has none."""


def image_name(name: str, fmt: str = "svg") -> str:
    """The file name of figure ``name`` (``"zoom.svg"``) in format ``fmt``.

    Examples
    --------
    >>> image_name("zoom.svg", "png"), image_name("zoom.svg")
    ('zoom.png', 'zoom.svg')
    """
    if fmt not in FORMATS:
        raise ValueError(f"image format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return figure_key(name) + "." + fmt


def render_image(fig, fmt: str = "svg", dpi: int = DPI) -> bytes:
    """SVG or PNG bytes of ``fig``, identical for identical figures (see :func:`render_svg`, :func:`render_png`)."""
    return render_png(fig, dpi) if fmt == "png" else render_svg(fig)


def render_figure(name: str, data: dict) -> bytes:
    """SVG or PNG bytes of one report figure from its numbers (``figure_data(a)[name]``).

    ``name`` is the output file name: its extension picks the format (``zoom.png``
    is the ``zoom.svg`` figure as PNG), and a ``"_dpi"`` entry in ``data`` the PNG
    resolution.  This is the whole drawing side of a report, and needs no SymPy.
    The matplotlib figure is recycled from the previous call for the same name.
    """
    spec_name = figure_key(name) + ".svg"
    fmt = name.rsplit(".", 1)[-1]
    numbers = {key: value for key, value in data.items() if key != "_dpi"}
    with _recycled(spec_name):
        return render_image(render_figures({spec_name: numbers})[spec_name], fmt, data.get("_dpi", DPI))


def figure_key(name: str) -> str:
    """The plain name of a figure file: ``"zoom.svg"`` → ``"zoom"`` (the same for SVG and PNG).

    Examples
    --------
    >>> figure_key("gradients_l1_l2.svg")
    'gradients_l1_l2'
    """
    return name.rsplit(".", 1)[0]


def figures(a: Analysis) -> dict:
    """All report figures as matplotlib :class:`~matplotlib.figure.Figure` objects, keyed by plain name.

    The keys are the file names without extension (``"zoom"``, ``"gradients_l1_l2"``):
    the report writes each as SVG or PNG.  The figures are independent of
    pyplot: restyle them freely, then ``fig.savefig("zoom.png")``.

    Examples
    --------
    >>> from lksym.analysis import analyze
    >>> sorted(figures(analyze("3")))[0]
    'curvature'
    """
    return {figure_key(name): fig for name, fig in render_figures(figure_data(a)).items()}


def render_png(fig, dpi: int = DPI) -> bytes:
    """Serialise a figure to PNG bytes (Agg), identical for identical figures.

    The ``Software`` tag (matplotlib's version) is left out, so the bytes depend
    on the picture only.

    Examples
    --------
    >>> fig, ax = new_axes("t", xlim=(0, 1), ylim=(0, 1))
    >>> render_png(fig, 50)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    with matplotlib.rc_context(SVG_RC):
        FigureCanvasAgg(fig)  # Agg whatever the session's backend: the same pixels everywhere
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


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
