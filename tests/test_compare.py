"""``lksym compare``: the page, the exact neighbour crossovers, the unit balls, determinism."""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

from lksym.cli import main

KS = ["0.5", "1", "1.5", "2", "3"]
R = sp.Rational


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp")
    result = CliRunner().invoke(main, ["compare", *sum((["--k", k] for k in KS), []), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result


def test_prints_the_page_path(written):
    out, result = written
    assert result.output.strip() == str(out / "compare.md")
    assert (out / "compare.md").is_file()


def test_one_table_row_per_k(written):
    out, _ = written
    page = (out / "compare.md").read_text(encoding="utf-8")
    facts = page.split("## Derived facts")[1].split("##")[0]
    rows = [line for line in facts.splitlines() if line.startswith("| $")]
    assert len(rows) == len(KS)
    # Every table row has the header's number of cells: no bare | leaked into a cell.
    header = next(line for line in facts.splitlines() if line.startswith("| k |"))
    assert all(row.count("|") == header.count("|") for row in rows)
    assert [row.split("|")[1].strip() for row in rows] == ["$\\frac{1}{2}$", "$1$", "$\\frac{3}{2}$", "$2$", "$3$"]


def test_figures_written_and_linked(written):
    out, _ = written
    page = (out / "compare.md").read_text(encoding="utf-8")
    for name in ("penalties.svg", "gradients.svg", "unit_balls.svg"):
        assert (out / "compare" / name).read_bytes().startswith(b"<?xml")
        assert f"](compare/{name})" in page
    for link in re.findall(r"\]\((compare/[^)]+)\)", page):
        assert (out / link).is_file()


def test_index_links_page(written):
    out, _ = written
    assert "[compare.md](compare.md)" in (out / "README.md").read_text(encoding="utf-8")


def _hand(k1, k2):
    # k1 x^(k1-1) = k2 x^(k2-1)  <=>  x^(k2-k1) = k1/k2
    return (k1 / k2) ** (1 / (k2 - k1))


@pytest.mark.parametrize(
    "k1, k2, exact",
    [
        ("1", "2", R(1, 2)),
        ("3/2", "2", R(9, 16)),
        ("1/2", "1", R(1, 4)),
        ("1", "3/2", R(4, 9)),
        ("2", "3", R(2, 3)),
        ("1/2", "3", None),
        ("sqrt(2)", "pi", None),
    ],
)
def test_neighbour_crossover_by_hand(analysis_of, k1, k2, exact):
    from lksym.compare import neighbour_crossover

    x = neighbour_crossover(analysis_of(k1), analysis_of(k2))
    if exact is not None:
        assert sp.simplify(x - exact) == 0
    k1f, k2f = float(sp.sympify(k1)), float(sp.sympify(k2))
    assert float(x) == pytest.approx(_hand(k1f, k2f), rel=1e-12)


def test_neighbour_table_on_page(written):
    out, _ = written
    page = (out / "compare.md").read_text(encoding="utf-8")
    table = page.split("## Where neighbouring k")[1].split("##")[0]
    rows = [line for line in table.splitlines() if line.startswith("| $") and "≈" in line]
    ks = [0.5, 1, 1.5, 2, 3]
    assert len(rows) == len(ks) - 1
    for row, k1, k2 in zip(rows, ks, ks[1:]):
        approx = float(row.rsplit("≈", 1)[1].strip(" |"))
        assert approx == pytest.approx(_hand(k1, k2), rel=1e-3)


@pytest.mark.parametrize("k", [0.25, 0.5, 1, 1.5, 2, 3, 10])
def test_unit_ball_on_the_unit_sphere(k):
    from lksym.compare import unit_ball

    x, y = unit_ball(k)
    assert np.allclose(np.abs(x) ** k + np.abs(y) ** k, 1.0, atol=1e-12)
    # Closed curve through the four axis points (the corners for k < 1).
    for px, py in [(1, 0), (0, 1), (-1, 0), (0, -1)]:
        assert np.min(np.hypot(x - px, y - py)) < 1e-12


def test_deterministic(tmp_path):
    from lksym.compare import render_compare

    first, second = render_compare(KS), render_compare(list(reversed(KS)) + ["3/2"])
    assert first == second
    assert set(first) >= {"compare.md", "compare/unit_balls.svg"}


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "nan"])
def test_bad_k_exit_2(tmp_path, bad):
    result = CliRunner().invoke(main, ["compare", "--k", "1", "--k", bad, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert not (tmp_path / "compare.md").exists()


def test_help():
    result = CliRunner().invoke(main, ["compare", "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_shrinkage_figure_is_linked(written):
    out, _ = written
    assert (out / "compare" / "shrinkage.svg").is_file()
    assert "](compare/shrinkage.svg)" in (out / "compare.md").read_text(encoding="utf-8")


def test_overlays_break_at_jumps_and_poles():
    """The shrinkage map of k = 1/2 jumps at its threshold: no vertical segment is drawn there."""
    from lksym.analysis import analyze
    from lksym.compare import compare_figures

    figs = compare_figures([analyze("1/2"), analyze("1"), analyze("2")])
    half = [ln for ln in figs["shrinkage.svg"].axes[0].get_lines() if ln.get_label() == "k = 0.5"][0]
    y = np.asarray(half.get_ydata(), dtype=float)
    steps = np.abs(np.diff(y))
    assert np.isnan(y).any() and np.nanmax(steps) < 0.05  # broken at the jump, smooth elsewhere


def test_symbolic_sweep_leaves_a_gap_at_zero():
    from lksym.family import sweep_figure

    for line in sweep_figure().axes[0].get_lines():
        if str(line.get_label()).startswith("k = "):
            w, y = (np.asarray(v, dtype=float) for v in (line.get_xdata(), line.get_ydata()))
            assert np.isnan(y[w == 0]).all(), line.get_label()
