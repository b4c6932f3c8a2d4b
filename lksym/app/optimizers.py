"""``reports/optimizers.md``: run the article's claims and every penalty under every optimiser, then render.

:func:`optimizers_page` runs the float trajectories and exact facts (:mod:`lksym.numerics.rejudge`)
onto a frozen :class:`~lksym.command_results.OptimizersPage`; :mod:`lksym.writers.optimizers_page`
renders it and :func:`write_optimizers` writes the page with its figures (the ``optimizers`` target of
``lksym regenerate``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import sympy as sp

from lksym.command_results import OptimizersPage
from lksym.derivation.optimizers import NAMES
from lksym.numerics.rejudge import judge_claims, penalty_table
from lksym.writers.index import write_page
from lksym.writers.optimizers_page import ARTICLE, FIGURES, HEADING, PAGE, page_files


def optimizers_page(catalogue: Sequence[str] = (), optimizers: Sequence[str] = NAMES) -> OptimizersPage:
    """Judge the article's claims and tabulate :data:`~lksym.writers.optimizers_page.ARTICLE` then ``catalogue``.

    The first ``len(ARTICLE)`` rows of the table are drawn, one figure per k.

    Examples
    --------
    >>> page = optimizers_page(optimizers=("sgd", "prox-sgd"))
    >>> [row[0].label for row in page.table], page.optimizers, [f[0] for f in page.figures]
    (['L0.5', 'L1', 'L1.5', 'L2', 'L3', 'L10'], ('sgd', 'prox-sgd'), ['1/2', '1', '3/2', '2', '3', '10'])
    """
    optimizers = tuple(optimizers)
    verdicts = judge_claims(optimizers)
    table = penalty_table(ARTICLE + tuple(catalogue), optimizers)
    figures = tuple((sp.sstr(subject.k), subject.slug, results) for subject, results in table[: len(ARTICLE)])
    return OptimizersPage(verdicts=tuple(verdicts), table=tuple(table), optimizers=optimizers, figures=figures)


def write_optimizers(out_dir: os.PathLike | str = "reports", catalogue: Sequence[str] = (),
                     image_format: str = "svg") -> Path:
    """Compute and write ``optimizers.md`` with its figures under ``out_dir``; return the page's path."""
    files = page_files(optimizers_page(catalogue), image_format)
    return write_page(Path(out_dir), PAGE, FIGURES, files, HEADING.encode("utf-8"))
