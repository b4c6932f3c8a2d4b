"""lksym regenerate: one command rebuilds every committed page, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from lksym.cli import main
from lksym.derivation.penalty import parse_penalty
from lksym.regenerate import CATALOGUE_TEXTS, TARGETS
from lksym.writers.compare import ARTICLE_KS


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


REPORTS = Path(__file__).resolve().parents[1] / "reports"


@pytest.fixture(scope="module")
def built(regenerated) -> Path:
    out, pages = regenerated  # one build per session, shared with the committed-page tests of fit and compare
    assert [p.relative_to(out).as_posix() for p in pages] == [
        *(f"k-{k}/report.md" for k in ARTICLE_KS), "k-symbolic/report.md", "compare.md", "fit.md",
        *(f"{parse_penalty(p).slug}/report.md" for p in CATALOGUE_TEXTS), "penalties/compare.md", "optimizers.md",
        "explore.html"]
    return out


@pytest.mark.xdist_group("regenerated")
def test_every_page_is_built_and_indexed(built):
    index = (built / "README.md").read_text(encoding="utf-8")
    for page in ["k-0.5/report.md", "k-10/report.md", "k-symbolic/report.md", "compare.md", "fit.md",
                 "scad-lam-1-a-3.7/report.md", "l0/report.md", "penalties/compare.md", "optimizers.md", "explore.html"]:
        assert (built / page).exists()
        assert f"]({page})" in index
    assert "lksym regenerate" in index


@pytest.mark.xdist_group("regenerated")
def test_the_build_is_the_committed_tree(built):
    """What CI checks after the tests, as a test: reports/ is exactly what ``lksym regenerate`` builds, nothing more.

    The committed tree was written by another process (another day, another hash seed): equal bytes show the
    command rebuilds the same bytes, with no second build here.

    Except ``train/``, as in ``.ci/run``: a recorded measurement of ``lksym train``, not a derivation."""
    committed = {name: data for name, data in _tree(REPORTS).items() if not name.startswith("train/")}
    assert _tree(built) == committed


def test_targets_document_their_commands():
    assert [t.command for t in TARGETS][2:4] == ["lksym compare", "lksym fit --seed 0"]
    assert TARGETS[-1].command == "lksym explore"


def test_catalogue_reports_are_the_usual_catalogue():
    from lksym.derivation.penalty import usual_catalogue

    assert {parse_penalty(p) for p in CATALOGUE_TEXTS} == set(usual_catalogue())


def test_compare_and_fit_without_k_build_the_published_pages(tmp_path):
    # Against the committed pages (which the build in the "regenerated" group is held to), so that this test
    # needs no build of its own and can run on any worker.
    runner = CliRunner()
    assert runner.invoke(main, ["compare", "--out", str(tmp_path)]).exit_code == 0
    assert (tmp_path / "compare.md").read_bytes() == (REPORTS / "compare.md").read_bytes()
    assert runner.invoke(main, ["fit", "--seed", "0", "--out", str(tmp_path)]).exit_code == 0
    assert (tmp_path / "fit.md").read_bytes() == (REPORTS / "fit.md").read_bytes()


@pytest.mark.parametrize("ks", [["1"], ["1.5", "3/2"]])
def test_compare_needs_two_different_k(ks, tmp_path):
    args = ["compare", "--out", str(tmp_path)] + [a for k in ks for a in ("--k", k)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "needs at least two different k" in result.output
    assert not (tmp_path / "compare.md").exists()
