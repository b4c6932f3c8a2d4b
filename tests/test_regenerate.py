"""lksym regenerate: one command rebuilds every committed page, byte for byte."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from lksym.cli import main
from lksym.derivation.penalty import parse_penalty
from lksym.numerics.fitting import fixed_order_matvec
from lksym.regenerate import CATALOGUE_TEXTS, TARGETS, regenerate
from lksym.writers.compare import ARTICLE_KS


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("regenerated")
    pages = regenerate(out)
    assert [p.relative_to(out).as_posix() for p in pages] == [
        *(f"k-{k}/report.md" for k in ARTICLE_KS), "k-symbolic/report.md", "compare.md", "fit.md",
        *(f"{parse_penalty(p).slug}/report.md" for p in CATALOGUE_TEXTS), "penalties/compare.md", "optimizers.md",
        "explore.html"]
    return out


def test_every_page_is_built_and_indexed(built):
    index = (built / "README.md").read_text(encoding="utf-8")
    for page in ["k-0.5/report.md", "k-10/report.md", "k-symbolic/report.md", "compare.md", "fit.md",
                 "scad-lam-1-a-3.7/report.md", "l0/report.md", "penalties/compare.md", "optimizers.md", "explore.html"]:
        assert (built / page).exists()
        assert f"]({page})" in index
    assert "lksym regenerate" in index


def test_command_rebuilds_the_same_bytes(built, tmp_path):
    result = CliRunner().invoke(main, ["regenerate", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert _tree(tmp_path) == _tree(built)


def test_targets_document_their_commands():
    assert [t.command for t in TARGETS][2:4] == ["lksym compare", "lksym fit --seed 0"]
    assert TARGETS[-1].command == "lksym explore"


def test_catalogue_reports_are_the_usual_catalogue():
    from lksym.derivation.penalty import usual_catalogue

    assert {parse_penalty(p) for p in CATALOGUE_TEXTS} == set(usual_catalogue())


def test_compare_and_fit_without_k_build_the_published_pages(built, tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["compare", "--out", str(tmp_path)]).exit_code == 0
    assert (tmp_path / "compare.md").read_bytes() == (built / "compare.md").read_bytes()
    assert runner.invoke(main, ["fit", "--seed", "0", "--out", str(tmp_path)]).exit_code == 0
    assert (tmp_path / "fit.md").read_bytes() == (built / "fit.md").read_bytes()


@pytest.mark.parametrize("ks", [["1"], ["1.5", "3/2"]])
def test_compare_needs_two_different_k(ks, tmp_path):
    args = ["compare", "--out", str(tmp_path)] + [a for k in ks for a in ("--k", k)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "needs at least two different k" in result.output
    assert not (tmp_path / "compare.md").exists()


@pytest.mark.parametrize("shape", [(200, 50), (50, 50), (3, 7)])
def test_fixed_order_matvec_is_the_sequential_sum(shape):
    rng = np.random.default_rng(sum(shape))
    A, v = rng.standard_normal(shape), rng.standard_normal(shape[1])
    got = fixed_order_matvec(A, v)
    for i in range(shape[0]):
        total = 0.0
        for j in range(shape[1]):  # plain Python floats: IEEE, left to right
            total += float(A[i, j]) * float(v[j])
        assert got[i] == total  # bit for bit, whatever BLAS this NumPy uses
    assert np.allclose(got, A @ v, rtol=1e-12, atol=1e-12)
