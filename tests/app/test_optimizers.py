"""lksym.app.optimizers: the page's frozen result, its runs against a plain loop of the update rule."""

from __future__ import annotations

import numpy as np
import pytest

from lksym.app.optimizers import optimizers_page
from lksym.numerics.rejudge import judge_claims
from lksym.writers.optimizers_page import ARTICLE, page_files


@pytest.fixture(scope="module")
def page():
    return optimizers_page(("huber(delta=1)",), optimizers=("sgd", "prox-sgd"))


def test_rows_columns_and_figures(page):
    assert page.optimizers == ("sgd", "prox-sgd")
    assert [subject.label for subject, _ in page.table] == ["L0.5", "L1", "L1.5", "L2", "L3", "L10", "Huber (δ = 1)"]
    assert all(len(results) == 2 for _, results in page.table)
    assert [(k, slug) for k, slug, _ in page.figures] == [
        ("1/2", "k-0.5"), ("1", "k-1"), ("3/2", "k-1.5"), ("2", "k-2"), ("3", "k-3"), ("10", "k-10")]
    assert len(page.figures) == len(ARTICLE)


def test_the_verdicts_are_the_judges(page):
    assert page.verdicts == tuple(judge_claims(("sgd", "prox-sgd")))


@pytest.mark.parametrize("name, step", [("sgd", lambda w, lr: w - lr * 2 * w),
                                        ("prox-sgd", lambda w, lr: np.sign(w) * max(abs(w) - lr, 0.0))])
def test_runs_are_plain_loops_of_the_update_rule(page, name, step):
    # L1 under prox-sgd (soft threshold by lr) and L2 under sgd (w <- (1 - 2 lr) w), lr = 1/100, alpha = 1.
    subject, results = page.table[1 if name == "prox-sgd" else 3]
    d = results[page.optimizers.index(name)]
    path = np.asarray(d.path, dtype=float)
    for column, w0 in enumerate((0.3, 0.05)):
        w = w0
        for t in range(1, 200):
            w = step(w, 0.01)
            assert path[t, column] == pytest.approx(w, rel=1e-12, abs=1e-15), (subject.label, t)
    if name == "prox-sgd":
        assert [b.kind for b in d.behaviours] == ["exact zero", "exact zero"]
        assert d.behaviours[0].step == 30 and d.behaviours[1].step == 5  # |w0| / lr steps


def test_page_files_render_the_result(page):
    files = page_files(page, "svg")
    assert list(files)[-1] == "optimizers.md"
    text = files["optimizers.md"].decode()
    assert "| penalty | `sgd` | `prox-sgd` |" in text and "![L1/2 under every optimiser](optimizers/k-0.5.svg)" in text
