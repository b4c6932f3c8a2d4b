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


def _hand(k1, k2):
    # k1 x^(k1-1) = k2 x^(k2-1)  <=>  x^(k2-k1) = k1/k2
    return (k1 / k2) ** (1 / (k2 - k1))


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


def test_deterministic(written):
    """The second build (the k reversed, 3/2 twice) is byte for byte the module's first, which the command wrote:
    the figures as rendered, the page with lksym's signature line (``write_page``)."""
    from lksym.app.compare import render_compare
    from lksym.fileio import MANIFEST, signed

    out, _ = written
    first = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted((out / "compare").rglob("*"))
             if p.is_file() and p.name != MANIFEST}
    first["compare.md"] = (out / "compare.md").read_bytes()
    second = render_compare(list(reversed(KS)) + ["3/2"])
    assert first == {**second, "compare.md": signed(second["compare.md"])}
    assert set(second) >= {"compare.md", "compare/unit_balls.svg"}


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
    from lksym.app.compare import comparison
    from lksym.results import analyze
    from lksym.writers.compare import compare_figures

    figs = compare_figures(comparison([analyze("1/2"), analyze("1"), analyze("2")]))
    half = [ln for ln in figs["shrinkage.svg"].axes[0].get_lines() if ln.get_label() == "k = 0.5"][0]
    y = np.asarray(half.get_ydata(), dtype=float)
    steps = np.abs(np.diff(y))
    assert np.isnan(y).any() and np.nanmax(steps) < 0.05  # broken at the jump, smooth elsewhere


def test_symbolic_sweep_leaves_a_gap_at_zero():
    from lksym.app.family import symbolic_family
    from lksym.writers.family import sweep_figure

    for line in sweep_figure(symbolic_family()).axes[0].get_lines():
        if str(line.get_label()).startswith("k = "):
            w, y = (np.asarray(v, dtype=float) for v in (line.get_xdata(), line.get_ydata()))
            assert np.isnan(y[w == 0]).all(), line.get_label()


# --------------------------------------------------------------------------- any penalty among the k

MIXED = ["1.5", "1", "scad(lam=1, a=3.7)", "mcp(lam=1, gamma=3)", "l0", "logsum(eps=0.1)", "capped_l1(theta=1)",
         "huber(delta=1)", "3/2", "l1"]
MIXED_LABELS = ["L1", "L1.5", "SCAD (λ = 1, a = 3.7)", "MCP (λ = 1, γ = 3)", "L0", "Log-sum (ε = 0.1)",
                "Capped L1 (θ = 1)", "Huber (δ = 1)"]


@pytest.fixture(scope="module")
def mixed_files():
    from lksym.app.compare import render_compare

    return render_compare(MIXED)


def _table(page: str, heading: str) -> dict:
    section = page.split(heading)[1].split("\n## ")[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    header = [c.strip() for c in rows[0].strip("|").split(" | ")]
    return {cells[0]: dict(zip(header, cells)) for cells in ([c.strip() for c in r.strip("|").split(" | ")] for r in rows[1:])}


def test_mixed_rows_ordered_and_deduplicated(mixed_files):
    page = mixed_files["compare.md"].decode()
    table = _table(page, "## Fan and Li's properties")
    # Power family by k (1.5 = 3/2, l1 = 1 count once), then the others in the order given.
    assert list(table) == MIXED_LABELS
    assert set(mixed_files) == {"compare.md", *(f"compare/{n}.svg" for n in ("penalties", "gradients", "shrinkage", "balls"))}


@pytest.mark.parametrize(
    "label, column, expected",
    [
        # SCAD, lambda = 1, a = 3.7: slope 1 at 0+ (sparse); the middle piece has p'' = -1/(a-1) = -10/27, so
        # 1 + lam p'' > 0 (continuous) iff lam < 27/10; p' = 0 beyond a (unbiased).
        ("SCAD (λ = 1, a = 3.7)", "sparse", "yes"),
        ("SCAD (λ = 1, a = 3.7)", "continuous", "for $\\lambda < \\frac{27}{10}$"),
        ("SCAD (λ = 1, a = 3.7)", "unbiased", "yes (exact)"),
        ("SCAD (λ = 1, a = 3.7)", "convex", "no"),
        ("SCAD (λ = 1, a = 3.7)", "breakpoints $\\lvert w\\rvert =$", "$1$, $\\frac{37}{10}$"),
        # MCP: p'' = -1/gamma = -1/3 below gamma*lam = 3.
        ("MCP (λ = 1, γ = 3)", "continuous", "for $\\lambda < 3$"),
        ("MCP (λ = 1, γ = 3)", "unbiased", "yes (exact)"),
        # Capped L1 jumps from z - lam to z where z - lam/2 = 1 (objectives equal): never continuous.
        ("Capped L1 (θ = 1)", "continuous", "no"),
        ("Capped L1 (θ = 1)", "sparse", "yes"),
        # L0: hard thresholding at sqrt(2 lam).
        ("L0", "sparse", "yes"),
        ("L0", "continuous", "no"),
        ("L0", "unbiased", "yes (exact)"),
        ("L0", "smoothness at 0", "discontinuous"),
        ("L0", "prox zeroes $\\lvert z\\rvert \\le$", "$\\sqrt{2} \\sqrt{\\lambda}$"),
        ("L0", "threshold at $\\lambda = 1$", "1.414"),
        # Huber: x^2/2 near 0 (no zeros, C^inf at 0), slope 1 at infinity (biased), convex.
        ("Huber (δ = 1)", "sparse", "no"),
        ("Huber (δ = 1)", "continuous", "yes"),
        ("Huber (δ = 1)", "unbiased", "no"),
        ("Huber (δ = 1)", "convex", "yes"),
        ("Huber (δ = 1)", "smoothness at 0", "$C^\\infty$"),
        # The power family in the same table: soft thresholding for L1, no zeros for L1.5.
        ("L1", "sparse", "yes"),
        ("L1", "unbiased", "no"),
        ("L1", "prox zeroes $\\lvert z\\rvert \\le$", "$\\lambda$"),
        ("L1.5", "sparse", "no"),
        ("Log-sum (ε = 0.1)", "unbiased", "yes (asymptotic)"),
        ("Log-sum (ε = 0.1)", "continuous", "for $\\lambda \\leq \\frac{1}{100}$"),
    ],
)
def test_mixed_table_hand_facts(mixed_files, label, column, expected):
    table = _table(mixed_files["compare.md"].decode(), "## Fan and Li's properties")
    assert table[label][column] == expected


def test_mixed_threshold_of_logsum_by_brute_force(mixed_files):
    # T = inf_x x/2 + lam p(x)/x at lam = 1 (the largest z with 0 as minimiser), on a dense grid.
    x = np.linspace(1e-4, 10, 2_000_001)
    brute = float(np.min(x / 2 + np.log1p(10 * x) / x))
    table = _table(mixed_files["compare.md"].decode(), "## Fan and Li's properties")
    assert float(table["Log-sum (ε = 0.1)"]["threshold at $\\lambda = 1$"]) == pytest.approx(brute, abs=6e-4)


def test_mixed_power_tables_only_for_the_power_family(mixed_files):
    page = mixed_files["compare.md"].decode()
    facts = _table(page, "## Derived facts of the power family")
    assert list(facts) == ["$1$", "$\\frac{3}{2}$"]
    neighbours = page.split("## Where neighbouring k")[1].split("\n## ")[0]
    rows = [line for line in neighbours.splitlines() if line.startswith("| $") and "≈" in line]
    assert len(rows) == 1 and float(rows[0].rsplit("≈", 1)[1].strip(" |")) == pytest.approx(_hand(1, 1.5), rel=1e-3)


def test_mixed_without_two_powers_has_no_neighbour_table():
    from lksym.app.compare import render_compare

    page = render_compare(["1", "l0"])["compare.md"].decode()
    assert "## Where neighbouring k" not in page and "## Derived facts of the power family" in page
    page = render_compare(["scad(lam=1, a=3.7)", "l0"])["compare.md"].decode()
    assert "power family" not in page.split("## Figures")[0].split("## Fan and Li")[1]


@pytest.mark.parametrize("subjects", [["scad(lam=1, a=3.7)"], ["scad(lam=1, a=3.7)", "scad(lam=1, a=37/10)"], ["l1", "1"]])
def test_mixed_fewer_than_two_distinct(subjects):
    from lksym.errors import InputError
    from lksym.app.compare import render_compare

    with pytest.raises(InputError) as info:
        render_compare(subjects)
    assert "\n" not in str(info.value) and "at least two different" in str(info.value)


def test_mixed_deterministic(mixed_files):
    from lksym.app.compare import render_compare

    assert render_compare(["huber(delta=1)", "1"]) == render_compare(["1", "huber(delta=1)", "l1"])
    assert render_compare(MIXED) == mixed_files


@pytest.mark.xdist_group("regenerated")
def test_power_only_page_is_the_committed_one(regenerated):
    """With only k the page and figures are byte for byte the published ones (reports/ is regenerated from them).

    The session's one build writes ``write_compare(ARTICLE_KS)``, exactly ``render_compare``'s bytes."""
    from pathlib import Path

    from lksym.writers.compare import FIGURE_DIR, PAGE_NAME

    built, _ = regenerated
    reports = Path(__file__).resolve().parents[2] / "reports"
    names = [PAGE_NAME, *sorted(p.relative_to(built).as_posix() for p in (built / FIGURE_DIR).iterdir())]
    assert names[1:] == sorted(p.relative_to(reports).as_posix() for p in (reports / FIGURE_DIR).iterdir())
    for name in names:
        assert (reports / name).read_bytes() == (built / name).read_bytes(), name


def test_mixed_shrinkage_figure_broken_at_jumps():
    from lksym.app.compare import comparison
    from lksym.results import analyze
    from lksym.writers.compare import mixed_figures

    figs = mixed_figures(comparison([analyze(s) for s in ("l0", "1")]))
    line = [ln for ln in figs["shrinkage.svg"].axes[0].get_lines() if ln.get_label() == "L0"][0]
    y = np.asarray(line.get_ydata(), dtype=float)
    assert np.isnan(y).sum() == 2 and np.nanmax(np.abs(np.diff(y))) < 0.05


def test_overlays_break_where_the_penalty_or_gradient_jumps(analysis_of):
    from lksym.writers.compare import part_curve

    w = np.linspace(-1.5, 1.5, 801)
    x, y = part_curve(analysis_of("capped_l1(theta=1)"), "gradient", w)
    assert sorted(x[np.isnan(y)]) == [-1.0, 0.0, 1.0]
    x, y = part_curve(analysis_of("scad(lam=1, a=3.7)"), "gradient", w)
    assert list(x[np.isnan(y)]) == [0.0]  # continuous at 1 and 3.7, jumps at 0 only
    x, y = part_curve(analysis_of("l0"), "penalty", w)
    assert list(x[np.isnan(y)]) == [0.0] and np.all(y[np.isfinite(y)] == 1.0)
    x, y = part_curve(analysis_of("huber(delta=1)"), "gradient", w)
    assert not np.isnan(y).any()


def test_ball_left_out_and_said_so(mixed_files, analysis_of):
    from lksym.numerics.curves import ball_constant, penalty_ball

    assert penalty_ball(analysis_of("l0")) is None and ball_constant(analysis_of("l0"))[0] is None
    page = mixed_files["compare.md"].decode()
    assert "left out: L0 (p jumps at 0)" in page
