"""lksym.writers.plots: the four figures, deterministic SVG, and curves that are the derived formulas."""

from __future__ import annotations

import re

import numpy as np
import pytest

from lksym.writers import plots
from lksym.writers.plots import FIGURES, figures, render_svg

NAMES = ("penalty_gradient.svg", "zoom.svg", "curvature.svg", "gradients_l1_l2.svg", "shrinkage.svg", "gd_trajectories.svg")


@pytest.fixture(scope="module")
def figs(analysis_of):
    cache = {}

    def get(text):
        if text not in cache:
            cache[text] = {name + ".svg": fig for name, fig in figures(analysis_of(text)).items()}
        return cache[text]

    return get


def _line(fig, label: str):
    lines = [ln for ln in fig.axes[0].get_lines() if ln.get_label() == label]
    assert len(lines) == 1, [ln.get_label() for ln in fig.axes[0].get_lines()]
    return lines[0]


def test_four_figures_named_as_in_FIGURES(figs):
    assert tuple(spec.name for spec in FIGURES) == NAMES
    out = figs("1.5")
    assert list(out) == list(NAMES)
    from matplotlib.figure import Figure

    assert all(isinstance(f, Figure) for f in out.values())


@pytest.mark.parametrize("text", ["1.5", "1/2"])
def test_svg_is_deterministic_and_undated(analysis_of, text):
    first = {n + ".svg": render_svg(f) for n, f in figures(analysis_of(text)).items()}
    second = {n + ".svg": render_svg(f) for n, f in figures(analysis_of(text)).items()}
    assert list(first) == list(NAMES)
    for name in NAMES:
        svg = first[name]
        assert svg == second[name], name
        assert svg.startswith(b"<?xml") and b"<svg" in svg
        assert b"<dc:date>" not in svg
        assert re.search(rb"(19|20)\d\d-\d\d-\d\d", svg) is None, name


def test_svg_differs_between_k(figs):
    a = render_svg(figs("1.5")["penalty_gradient.svg"])
    b = render_svg(figs("3")["penalty_gradient.svg"])
    assert a != b


@pytest.mark.parametrize("text, k", [("1.5", 1.5), ("3", 3.0)])
def test_penalty_figure_curves_are_the_formulas(figs, text, k):
    fig = figs(text)["penalty_gradient.svg"]
    w_grid = np.linspace(-plots.RANGE, plots.RANGE, plots.SAMPLES)  # the documented range and sample count
    grad = _line(fig, "gradient (derivative)")
    w = np.asarray(grad.get_xdata(), dtype=float)
    y = np.asarray(grad.get_ydata(), dtype=float)
    np.testing.assert_array_equal(w, w_grid)
    assert 0.0 in w
    # independent formula: k sign(w) |w|^(k-1); at 0 both are 0 (f'(0) = 0 for k > 1)
    np.testing.assert_allclose(y, k * np.sign(w) * np.abs(w) ** (k - 1), rtol=1e-12, atol=0)
    pen = _line(fig, next(ln.get_label() for ln in fig.axes[0].get_lines() if str(ln.get_label()).startswith("penalty")))
    np.testing.assert_allclose(np.asarray(pen.get_ydata(), dtype=float), np.abs(w) ** k, rtol=1e-12, atol=0)


@pytest.mark.parametrize("text, k", [("1.5", 1.5), ("3", 3.0)])
def test_zoom_figure_gradient(figs, text, k):
    fig = figs(text)["zoom.svg"]
    grad = _line(fig, "gradient (derivative)")
    w = np.asarray(grad.get_xdata(), dtype=float)
    np.testing.assert_array_equal(w, np.linspace(-plots.ZOOM, plots.ZOOM, plots.SAMPLES))
    np.testing.assert_allclose(np.asarray(grad.get_ydata(), dtype=float), k * np.sign(w) * np.abs(w) ** (k - 1), rtol=1e-12)


def test_curvature_figure_k3(figs):
    fig = figs("3")["curvature.svg"]
    line = _line(fig, "curvature f''(w)")
    w = np.asarray(line.get_xdata(), dtype=float)
    y = np.asarray(line.get_ydata(), dtype=float)
    np.testing.assert_allclose(y, 6 * np.abs(w), rtol=1e-12, atol=0)  # f'' = 6|w|, f''(0) = 0


def test_gradient_line_breaks_at_a_pole(figs):
    """k = 1/2: the gradient has no value at 0 -- the line is broken there, not drawn through a fake 0."""
    grad = _line(figs("1/2")["penalty_gradient.svg"], "gradient (derivative)")
    w = np.asarray(grad.get_xdata(), dtype=float)
    y = np.asarray(grad.get_ydata(), dtype=float)
    assert np.isnan(y[w == 0]).all()
    off = w != 0
    np.testing.assert_allclose(y[off], 0.5 * np.sign(w[off]) / np.sqrt(np.abs(w[off])), rtol=1e-12)
    assert np.isfinite(y[off]).all()


def test_gradient_line_breaks_at_a_jump(figs):
    grad = _line(figs("1")["penalty_gradient.svg"], "gradient (derivative)")
    w = np.asarray(grad.get_xdata(), dtype=float)
    y = np.asarray(grad.get_ydata(), dtype=float)
    assert np.isnan(y[w == 0]).all()
    assert (y[w > 0] == 1).all() and (y[w < 0] == -1).all()


def test_comparison_figure_marks_exact_crossovers(figs):
    """Log-log gradient magnitudes: the crossovers are dots at the exact |w| where the lines meet."""
    fig = figs("1.5")["gradients_l1_l2.svg"]
    ax = fig.axes[0]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    dots = sorted((float(ln.get_xdata()[0]), float(ln.get_ydata()[0])) for ln in ax.get_lines() if len(ln.get_xdata()) == 1)
    np.testing.assert_allclose(dots, [(4 / 9, 1.0), (9 / 16, 9 / 8)], rtol=1e-12)  # L1: 1; L2: 2|w|
    grad = _line(fig, "L1.5: k|w|^(k-1)")
    w = np.asarray(grad.get_xdata(), dtype=float)
    assert (w > 0).all() and w.min() <= 0.01 and w.max() >= 10
    np.testing.assert_allclose(np.asarray(grad.get_ydata(), dtype=float), 1.5 * w**0.5, rtol=1e-12)
    # Straight lines on log-log axes: the slope is k - 1 everywhere.
    slope = np.diff(np.log(np.asarray(grad.get_ydata(), dtype=float))) / np.diff(np.log(w))
    np.testing.assert_allclose(slope, 0.5, rtol=1e-9)


@pytest.mark.parametrize("text", ["1", "1/2"])
def test_curvature_is_not_drawn_through_zero_where_it_does_not_exist(figs, text):
    line = _line(figs(text)["curvature.svg"], "curvature f''(w)")
    w, y = (np.asarray(v, dtype=float) for v in (line.get_xdata(), line.get_ydata()))
    assert np.isnan(y[w == 0]).all()


def test_legends_sit_outside_the_axes(analysis_of):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    for name, fig in figures(analysis_of("1/2")).items():
        ax = fig.axes[0]
        renderer = FigureCanvasAgg(fig).get_renderer()
        box = ax.get_legend().get_window_extent(renderer)
        assert box.x0 >= ax.get_window_extent(renderer).x1, name  # right of the plot: it covers no data
        assert box.x1 <= fig.bbox.x1, name  # and inside the figure


def test_trajectory_figure_marks_the_two_cycle(figs):
    ax = figs("1.5")["gd_trajectories.svg"].axes[0]
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "|w_t|"
    cycle = [ln for ln in ax.get_lines() if str(ln.get_label()).startswith("two-cycle")]
    assert len(cycle) == 1 and float(cycle[0].get_ydata()[0]) == pytest.approx(9 * 0.1**2 / 16, rel=1e-12)
    starts = [ln for ln in ax.get_lines() if str(ln.get_label()).startswith("w0 =")]
    assert len(starts) == 3  # the negative starts mirror the positive ones


# A sequence that changes everything recycling could leak from one k to the next: poles and
# jumps (0.1, 0.5, 1), thresholds that appear and vanish, symlog ranges, crossovers off the
# plot (10), an irrational k, and a k drawn again at the end.
RECYCLE_SEQUENCE = ["0.1", "3", "0.5", "1", "1.5", "1.9", "2", "7/3", "10", "sqrt(2)", "0.1"]


def test_recycled_figures_are_byte_identical_to_new_ones(analysis_of):
    from lksym.writers.plots import figure_data, render_figure, render_figures

    for text in RECYCLE_SEQUENCE:
        for name, data in figure_data(analysis_of(text)).items():
            recycled = render_figure(name, data)
            new = render_svg(render_figures({name: data})[name])
            assert recycled == new, f"k = {text}, {name}: a recycled figure kept something from an earlier k"


def test_recycling_does_not_touch_figures_handed_out(analysis_of):
    from lksym.writers.plots import figure_data, render_figure

    handed_out = figures(analysis_of("1.5"))
    before = {name: render_svg(fig) for name, fig in handed_out.items()}
    for name, data in figure_data(analysis_of("3")).items():
        render_figure(name, data)
    assert {name: render_svg(fig) for name, fig in handed_out.items()} == before
    assert all(fig not in {f for f, _, _ in plots._FRAMES.values()} for fig in handed_out.values())


def test_recycling_is_per_thread(analysis_of):
    """Each thread recycles its own figures: two threads never draw on one Figure.

    (Bytes are not compared across concurrent threads: matplotlib's rcParams are
    global, so matplotlib itself does not promise that.)
    """
    import threading

    from lksym.writers.plots import figure_data, render_figure

    data = figure_data(analysis_of("3"))["zoom.svg"]
    idents = []

    def draw():
        render_figure("zoom.svg", data)
        idents.append(threading.get_ident())

    threads = [threading.Thread(target=draw) for _ in range(2)]
    for thread in threads:
        thread.start()
        thread.join()  # one after the other: both threads are alive in turn, the cache must tell them apart
    figures_of = {key[0]: fig for key, (fig, _, _) in plots._FRAMES.items() if key[1] == "zoom.svg"}
    assert set(idents) <= set(figures_of)
    assert len({id(figures_of[i]) for i in idents}) == len(set(idents))
