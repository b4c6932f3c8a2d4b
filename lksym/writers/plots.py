r"""Figures of an :class:`~lksym.results.Analysis`, drawn with matplotlib.

Every curve is the lambdified derived expression (:func:`lksym.numerics.numeric.evaluate`);
nothing is re-typed.  Figures are built on :class:`matplotlib.figure.Figure`
directly, without pyplot, so no GUI backend is loaded and global state is left
alone.  :func:`render_svg` makes byte-identical SVG for the same figure.
"""

from __future__ import annotations

import importlib
import io
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional, Union

import numpy as np


if TYPE_CHECKING:  # the drawing half of this module must load without SymPy
    from lksym.derivation.analysis import Part
    from lksym.results import Analysis

RANGE = 1.5
"""Half-width of the main plots: wide enough to show both crossovers for every k."""

ZOOM = 0.25
"""Half-width of the zoomed view near 0 (the article zooms in for k = 3 and 10)."""

SAMPLES = 401

PENALTY_COLOR, GRADIENT_COLOR, CURVATURE_COLOR = "tab:blue", "tab:red", "tab:green"
L1_COLOR, L2_COLOR = "0.45", "tab:purple"

CURVE_STYLES = (
    ("#0072B2", "-"), ("#D55E00", (0, (6, 2))), ("#009E73", (0, (1.2, 1.6))), ("#CC79A7", (0, (7, 2, 1.5, 2))),
    ("#E69F00", (0, (3, 1.5))), ("#56B4E9", (0, (10, 2.5))), ("#000000", (0, (7, 2, 1.5, 2, 1.5, 2))),
    ("#882255", (0, (2, 1, 2, 3))), ("#44AA99", (0, (12, 2, 3, 2))), ("#999933", (0, (1, 3))),
    ("#AA4499", (0, (5, 1.5, 1, 1.5, 1, 1.5))),
)
"""Colour and line style of the i-th curve of an overlay: Okabe and Ito's colour-blind-safe palette, then Tol's
(no yellow: it vanishes on white), each with its own dash pattern so the curves stay apart in greyscale too."""


def curve_styles(n: int) -> list[dict]:
    """Keyword arguments for ``ax.plot`` of ``n`` overlaid curves: colour and line style each their own.

    Examples
    --------
    >>> [s["color"] for s in curve_styles(3)]
    ['#0072B2', '#D55E00', '#009E73']
    >>> len({str(s["linestyle"]) for s in curve_styles(11)})
    11
    """
    return [{"color": c, "linestyle": ls, "lw": 1.9} for c, ls in (CURVE_STYLES[i % len(CURVE_STYLES)] for i in range(n))]


def legend_below(ax, ncol: int, **options):
    """The legend under the axes in ``ncol`` columns (for many curves with long names: room a side legend lacks)."""
    from matplotlib.transforms import ScaledTranslation

    # A fixed distance under the axes (past the tick labels and the axis label), whatever the figure's height.
    below = ax.transAxes + ScaledTranslation(0, -36 / 72, ax.figure.dpi_scale_trans)
    return ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=below, borderaxespad=0.0,
                     fontsize=8, ncol=ncol, frameon=False, handlelength=3.2, columnspacing=1.6, **options)


# Text stays text ("none"): smaller files, diffable labels, and several times faster than glyph paths.
LEGEND_WIDTH = 1.8
"""Inches right of the plot that hold its legend."""

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
            module, name = data.split(":")
            data = getattr(importlib.import_module(module), name)
        return data(a)

    def draw(self, a: Analysis):
        """Both steps at once: a :class:`~matplotlib.figure.Figure` for ``a``."""
        return self.render(self.numbers(a))


def _grid(half_width: float) -> np.ndarray:
    # Odd sample count: w = 0 is on the grid, where evaluate() puts the exact value.
    return np.linspace(-half_width, half_width, SAMPLES)


def plot_curve(part: Part, w: np.ndarray) -> np.ndarray:
    from lksym.numerics.numeric import evaluate

    y = evaluate(part, w)
    if not part.at_zero.continuous or part.at_zero.value is None:
        # Break the line at 0 so a jump or a pole is not drawn as a steep segment, and a
        # part that does not exist at 0 (L1's curvature) is not drawn through it.
        y[w == 0] = np.nan
    return y


def _break_at_breakpoints(a: Analysis, part: Part, w: np.ndarray, y: np.ndarray) -> np.ndarray:
    """NaN at the grid points nearest ±b where ``part`` jumps at a breakpoint b: a jump is drawn as a jump."""
    for b in a.breakpoints:
        sides = b.limits[part.name]
        if sides["left"] != sides["right"]:
            at = float(b.at)
            for target in (at, -at):
                y[int(np.argmin(np.abs(w - target)))] = np.nan
    return y


def _value_at_zero(part: Part):
    return None if part.at_zero.value is None else float(part.at_zero.value)


def _finite_limit_at_zero(part: Part) -> Optional[float]:
    """The common finite one-sided limit at 0 of a part with no value there (L1's curvature: 0), else None."""
    if part.at_zero.value is not None:
        return None
    right, left = part.limits["0+"], part.limits["0-"]
    return float(right) if right == left and right.is_finite else None


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
    legend_width: float = LEGEND_WIDTH,
):
    """A figure with one axes in lksym's house style: light axes lines through 0 and a grid.

    Every lksym figure starts here, so they all look alike.  Fixed margins
    instead of a layout engine: the same look for every k, and much faster.
    ``size`` and ``left`` describe the plot as before; ``legend_width`` inches
    are added on the right for the legend (:func:`outside_legend`), so a legend
    never covers data.

    Inside :func:`render_figure` the figure is recycled: the one drawn for the
    previous k, emptied, instead of a new one (see :func:`_recycled`).

    Returns
    -------
    (Figure, Axes)
    """
    from matplotlib.ticker import MaxNLocator

    width = size[0] + legend_width
    frame = ((width, size[1]), left * size[0] / width, xlabel, ylabel, 1 - (0.02 * size[0] + legend_width) / width)
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


def _frame(size: tuple[float, float], left: float, xlabel: str, ylabel: Optional[str], right: float = 0.98):
    """The part of a figure that is the same for every k: size, margins, labels, grid, lines through 0."""
    from matplotlib.figure import Figure
    from matplotlib.transforms import ScaledTranslation, blended_transform_factory

    fig = Figure(figsize=size, dpi=100)
    fig.subplots_adjust(left=left, right=right, bottom=0.12, top=0.92)
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


def outside_legend(ax, **options):
    """The legend right of the axes, in the room :func:`new_axes` leaves for it: it never covers data."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=8, **options)


def log_ticks(axis) -> None:
    """Decades on a log axis, labelled as plain numbers (0.01, 1, 100).

    Matplotlib's default labels are mathtext (``$10^{-2}$``): a pyparsing run per
    label, most of a small figure's drawing time.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    axis.set_major_locator(LogLocator(base=10, numticks=12))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))


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
    penalty, gradient = (_break_at_breakpoints(a, part, w, plot_curve(part, w)) for part in (a.penalty, a.gradient))
    return {
        "w": w,
        "penalty": penalty,
        "gradient": gradient,
        "gradient_at_zero": _value_at_zero(a.gradient),
        # A penalty that jumps at 0 (L0: p(0) = 0, 1 elsewhere): its value there is a dot the line does not reach.
        "penalty_at_zero": None if a.penalty.at_zero.continuous else _value_at_zero(a.penalty),
        "penalty_label": f"penalty {a.subject.curve_label}",
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
    if d.get("penalty_at_zero") is not None:
        ax.plot([0], [d["penalty_at_zero"]], "o", color=PENALTY_COLOR, ms=5, zorder=5, label="p(0)")
    outside_legend(ax)
    return fig


def _range(a: Analysis) -> float:
    """Half-width of the full-range figures: the article's 1.5, or past the last breakpoint of a penalty."""
    ends = [float(b.at) for b in a.breakpoints]
    return max([RANGE] + [float(np.ceil(1.25 * e * 2) / 2) for e in ends])


def penalty_data(a: Analysis) -> dict:
    """Penalty (blue) and gradient (red) on :math:`|w| \\le 1.5`, as in the article."""
    return _penalty_data(a, _range(a), f"{a.label}: penalty and its gradient")


def zoom_data(a: Analysis) -> dict:
    """The same near :math:`w = 0`, where the regimes differ most."""
    return _penalty_data(a, ZOOM, f"{a.label} near w = 0 (zoom)")


# --------------------------------------------------------------------------- curvature


def curvature_data(a: Analysis) -> dict:
    """Curvature :math:`f''(w)`; a dot marks :math:`f''(0)` where it exists."""
    w = _grid(_range(a))
    curvature = _break_at_breakpoints(a, a.curvature, w, plot_curve(a.curvature, w))
    return {
        "w": w,
        "curvature": curvature,
        "at_zero": _value_at_zero(a.curvature),
        "limit_at_zero": _finite_limit_at_zero(a.curvature),
        "title": f"{a.label}: curvature",
        "ylim": _clip_limits([curvature], w),
    }


def curvature_render(d: dict):
    half = float(d["w"][-1])
    fig, ax = new_axes(d["title"], xlim=(-half, half), ylim=d["ylim"])
    ax.plot(d["w"], d["curvature"], color=CURVATURE_COLOR, lw=2, label="curvature f''(w)")
    if d["at_zero"] is not None:
        ax.plot([0], [d["at_zero"]], "o", color=CURVATURE_COLOR, ms=4)
    elif d.get("limit_at_zero") is not None:  # finite on both sides, but no value at 0 itself (L1)
        ax.plot([0], [d["limit_at_zero"]], "o", mfc="white", color=CURVATURE_COLOR, ms=5,
                label="no value at w = 0")
    outside_legend(ax)
    return fig


# --------------------------------------------------------------------------- against L1 and L2


def _drawable(x: float) -> bool:
    """Whether a positive weight can sit on log axes with two decades of room either side."""
    return 1e-290 < x < 1e290


def comparison_data(a: Analysis) -> dict:
    """Gradient magnitudes :math:`|f'(w)|` of :math:`|w|^k`, L1 and L2 on log-log axes, with the exact crossovers.

    On log-log axes each :math:`k|w|^{k-1}` is a straight line of slope
    :math:`k - 1` (L1's is flat, L2's has slope 1), so "pulls harder below the
    crossover" is which line lies above left of the intersection.  The range
    spans two decades either side of the crossovers (and at least 0.01 to 10).
    """
    # A crossing a float cannot hold (5e-1001 for abs(w)*10^-1000) is in the text, not on the axes.
    crossovers = [(c.reference, float(c.weight), _exact_text(c.weight)) for c in a.crossovers or () if c.weight is not None]
    crossovers = [(name, x, text) for name, x, text in crossovers if _drawable(x)]
    xs = [x for _, x, _ in crossovers] or [1.0]
    # The band edges (breakpoints, ties; for |w|^k the crossovers and 1/2) belong in the range too.
    xs += [x for x in (float(b.hi) for b in a.bands[:-1]) if _drawable(x)]
    lo, hi = min(1e-2, 10 ** np.floor(np.log10(min(xs)) - 1)), max(10.0, 10 ** np.ceil(np.log10(max(xs)) + 1))
    w = np.geomspace(lo, hi, SAMPLES)
    magnitude = np.abs(plot_curve(a.gradient, w))
    return {
        "w": w,
        "gradient": magnitude,
        "l1": np.ones_like(w),
        "l2": 2 * w,
        "label": a.label,
        "subject": a.subject.short_label,
        "crossovers": crossovers,
        "identical": [c.reference for c in a.crossovers or () if c.identical],
        "xlim": (float(lo), float(hi)),
        "curve": a.subject.traits.gradient_legend(a.subject, tuple(c.reference for c in a.crossovers or () if c.identical)),
    }


def _exact_text(value) -> str:
    """A crossover as the legend names it: exact where short (``4/9``), else with its decimal (``3^(1/2)/3 ≈ 0.5774``)."""
    number = float(value)
    text = str(value).replace("**", "^")
    if len(text) > 18:
        return f"{number:.4g}"
    try:
        if float(text) == number:
            return text
    except ValueError:
        pass
    return text if "/" in text and text.replace("/", "").isdigit() else f"{text} ≈ {number:.4g}"


def comparison_render(d: dict):
    fig, ax = new_axes(f"{d['label']}: gradient magnitude against L1 and L2 (log-log)", xlabel="|w|",
                       ylabel="|f'(w)|", xlim=d["xlim"], ylim=(1e-3, 1e3), left=0.1,
                       legend_width=LEGEND_WIDTH + 0.4)  # room for "at |w| = 2^(2/3)/4 ≈ 0.3969"
    w = d["w"]
    ax.set_xscale("log")
    ax.set_yscale("log")
    log_ticks(ax.xaxis)
    log_ticks(ax.yaxis)
    ax.set_xlim(*d["xlim"])
    ax.set_ylim(1e-3, 1e3)
    ax.plot(w, d["l1"], color=L1_COLOR, lw=1.5, ls="--", label="L1: 1")
    ax.plot(w, d["l2"], color=L2_COLOR, lw=1.5, ls=":", label="L2: 2|w|")
    same = " = " + " = ".join(d["identical"]) if d["identical"] else ""
    ax.plot(w, d["gradient"], color=GRADIENT_COLOR, lw=2, label=d.get("curve", f"{d['label']}{same}: k|w|^(k-1)"))
    subject = d.get("subject", d["label"])
    for reference, x, text in d["crossovers"]:
        # Named in the legend, not beside the point: a label there is struck through by the lines that cross.
        y = 1.0 if reference == "L1" else 2 * x
        ax.plot([x], [y], "o" if reference == "L1" else "s", color="0.15", mfc="white", mew=1.6, ms=6, zorder=5,
                ls="none", label=f"{subject} = {reference}\nat |w| = {text}")
    outside_legend(ax)
    return fig


# --------------------------------------------------------------------------- proximal step and gradient descent


def shrinkage_render(d: dict):
    """The proximal map of :math:`|x|^k` (red) against soft thresholding and L2's scaling."""
    fig, ax = new_axes(
        f"{d['label']}: proximal step (shrinkage map), lam = 1",
        xlabel="input z",
        ylabel="prox(z)",
        xlim=(-d.get("half", 3), d.get("half", 3)),
        ylim=(-d.get("half", 3), d.get("half", 3)),
    )
    ax.plot(d["z"], d["z"], color="0.85", lw=1, ls="-", label="identity (no penalty)")
    ax.plot(d["z"], d["soft"], color="0.45", lw=1.5, ls="--", label="L1: soft threshold")
    ax.plot(d["z"], d["ridge"], color="tab:purple", lw=1.5, ls=":", label="L2: z/(1+2 lam)")
    ax.plot(d["z"], d["prox"], color="tab:red", lw=2, label=f"{d.get('short_label', d['label'])}: prox")
    if d["threshold"] > 0:
        for side in (-d["threshold"], d["threshold"]):
            ax.axvline(side, color="0.6", lw=0.8, ls="-.", label="threshold" if side > 0 else None)
    outside_legend(ax)
    return fig


TRAJECTORY_FLOOR = 1e-300
"""Lowest bottom of the trajectory figure's log axis (L2's weights shrink geometrically: 1e-20 after 200 steps)."""


def trajectory_render(d: dict):
    """:math:`|w_t|` against the step on a log axis, from the positive starts, with the two-cycle marked.

    :math:`f'` is odd, so a negative start is the mirror image of the positive
    one: three lines say all.  On the two-cycle the sign flips every step and
    :math:`|w_t|` is constant: a flat line at the cycle amplitude.
    """
    fig, ax = new_axes(
        f"{d['label']}: gradient descent on the penalty alone, eta = {d['eta']:g}",
        xlabel="step t",
        ylabel="|w_t|",
        left=0.11,
    )
    starts = list(d["starts"])
    raw = np.abs(np.asarray(d["path"], dtype=float))
    with np.errstate(invalid="ignore"):
        # Exactly 0 has no place on a log axis: the line stops there and a cross marks the step.
        path = np.where(np.isfinite(raw) & (raw <= 1e3) & (raw > 0), np.maximum(raw, TRAJECTORY_FLOOR), np.nan)
    steps = np.arange(path.shape[0])
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink"]
    shown = [i for i, start in enumerate(starts) if start > 0] or list(range(len(starts)))
    finite = path[:, shown][np.isfinite(path[:, shown])]
    top = float(finite.max()) if finite.size else 1.0
    bottom = float(finite.min()) if finite.size else TRAJECTORY_FLOOR
    cycle = d.get("cycle")
    if cycle is not None and cycle > 0:
        top, bottom = max(top, cycle), min(bottom, cycle)
    bottom = max(bottom / 3, TRAJECTORY_FLOOR / 3)
    for n, i in enumerate(shown):
        mirror = " (and -w0)" if -starts[i] in starts else ""
        zero = np.flatnonzero(raw[:, i] == 0)
        reached = f"\n= 0 from t = {int(zero[0])} (×)" if zero.size else ""
        color = colors[n % len(colors)]
        ax.plot(steps, path[:, i], lw=1.0, color=color, label=f"w0 = {starts[i]:g}{mirror}{reached}")
        if zero.size:
            ax.plot([zero[0]], [bottom], "x", color=color, ms=7, mew=2, clip_on=False, zorder=6)
    ax.set_yscale("log")
    log_ticks(ax.yaxis)
    if cycle is not None and cycle > 0:
        ax.axhline(cycle, color="tab:red", lw=1.2, ls="--", label=f"two-cycle ±{cycle:.4g}\n({d.get('cycle_kind', '')})")
    ax.set_ylim(bottom, top * 3)
    ax.set_xlim(0, steps[-1])
    outside_legend(ax)
    return fig


FIGURES = [
    FigureSpec("penalty_gradient.svg", "Penalty (blue) and gradient (red)", penalty_data, _penalty_render),
    FigureSpec("zoom.svg", f"Zoom near w = 0 (|w| ≤ {ZOOM})", zoom_data, _penalty_render),
    FigureSpec("curvature.svg", "Curvature", curvature_data, curvature_render),
    FigureSpec(
        "gradients_l1_l2.svg", "Gradient beside L1's and L2's, each crossing marked", comparison_data, comparison_render
    ),
    FigureSpec(
        "shrinkage.svg", "Proximal step (shrinkage map) beside L1's soft threshold and L2's scaling, lam = 1",
        "lksym.numerics.curves:shrinkage_data", shrinkage_render,
    ),
    FigureSpec(
        "gd_trajectories.svg", "Plain gradient descent on the penalty alone (step size in the title)",
        "lksym.numerics.simulate:trajectory_data", trajectory_render,
    ),
]
"""The report's figures, in order (other modules append theirs)."""


POWER_ONLY = frozenset({"gradients_l1_l2.svg"})
"""Figures drawn from the bands of the three pulls: for any other penalty only where those are derived."""


def figure_specs(a: Analysis) -> list:
    """The figures that make sense for ``a``'s penalty: all of them for |w|^k; :data:`POWER_ONLY` only with bands otherwise."""
    return [spec for spec in FIGURES if spec.name not in POWER_ONLY or a.bands is not None]


def figure_data(a: Analysis) -> dict:
    """The numbers behind every figure, keyed by file name (picklable without SymPy)."""
    return {spec.name: spec.numbers(a) for spec in figure_specs(a)}


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
    >>> from lksym.results import analyze
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
