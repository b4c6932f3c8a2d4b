"""``lksym compare``: parse the subjects, analyse each, derive the :class:`~lksym.command_results.Comparison`,
then have :mod:`lksym.writers.compare` render it.

Everything is rendered in memory, then written file by file atomically (figures first,
``compare.md`` last because it links them; :func:`lksym.writers.index.write_page`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Optional

import numpy as np
import sympy as sp

from lksym.command_results import Comparison, Neighbour, ProxCurve
from lksym.derivation.exact import solve_positive
from lksym.derivation.penalty import parse_subject
from lksym.derivation.penalty_prox import threshold_at
from lksym.errors import InputError
from lksym.numerics.curves import SAMPLES, ball_constant, half_width, penalty_ball, prox_function, shrinkage_curve
from lksym.results import Analysis, analyze
from lksym.writers.compare import (
    ARTICLE_KS,
    FIGURE_DIR,
    MIXED_SHRINK_LAMBDA,
    PAGE_NAME,
    RANGE,
    SHRINK_LAMBDA,
    compare_figures,
    compare_markdown,
    mixed_figures,
    mixed_markdown,
)
from lksym.writers.index import check_page, write_page
from lksym.writers.plots import DPI, image_name, render_image


def compare_subjects(subjects: Iterable) -> list:
    r"""Parse ``subjects`` with :func:`lksym.derivation.penalty.parse_subject`, drop repeats, order them for the page.

    The power family comes first, by increasing k; every other penalty follows in
    the order given.  Two subjects are the same when their exact definitions are
    (``1.5`` and ``3/2``; ``l1`` and ``1``).

    Examples
    --------
    >>> [p.label for p in compare_subjects(["mcp(lam=1, gamma=3)", "2", "l1", "1"])]
    ['L1', 'L2', 'MCP (λ = 1, γ = 3)']
    """
    ordered, others, seen = [], [], []
    for subject in subjects:
        p = parse_subject(subject)
        key = (p.family, p.params, p.pieces, p.at_zero)
        if key in seen:
            continue
        seen.append(key)
        # A family whose members have an order of their own (|w|^k: by k) comes first, in that order.
        (ordered if p.traits.order is not None else others).append(p)
    return sorted(ordered, key=lambda p: p.traits.order(p)) + others


def only_powers(subjects: list) -> bool:
    """Whether every subject is :math:`|w|^k` (the power family's own page, not the mixed one).

    Examples
    --------
    >>> only_powers(compare_subjects(["1", "3/2"])), only_powers(compare_subjects(["1", "l0"]))
    (True, False)
    """
    return all(p.traits.own_comparison for p in subjects)


def neighbour_crossover(a1: Analysis, a2: Analysis) -> Optional[sp.Expr]:
    r"""The exact :math:`|w| > 0` where the gradient magnitudes of two exponents are equal.

    Solves :math:`k_1 x^{k_1 - 1} = k_2 x^{k_2 - 1}` on the derived right-branch
    gradients, so the answer is :math:`(k_1/k_2)^{1/(k_2 - k_1)}`; ``None`` for
    equal k (equal everywhere).

    Examples
    --------
    >>> neighbour_crossover(analyze(1), analyze(2))
    1/2
    >>> neighbour_crossover(analyze("3/2"), analyze(2))
    9/16
    """
    if a1.power.k == a2.power.k:
        return None
    return solve_positive(a1.gradient.branch, a2.gradient.branch)


def comparison(analyses: Iterable[Analysis]) -> Comparison:
    r"""Everything the comparison page of ``analyses`` (in page order) shows, computed once and frozen.

    With only :math:`|w|^k` the shrinkage maps are at :data:`~lksym.writers.compare.SHRINK_LAMBDA` and
    sampled on a plain grid (the writer breaks them where they jump); with any other penalty at
    :data:`~lksym.writers.compare.MIXED_SHRINK_LAMBDA`, each jump located
    (:func:`lksym.numerics.curves.shrinkage_curve`), with the thresholds there as floats.

    Examples
    --------
    >>> c = comparison([analyze(1), analyze(2), analyze("l0")])
    >>> c.powers_only, [n.weight for n in c.neighbours], c.thresholds
    (False, [1/2], (1.0, 0.0, 1.4142135623730951))
    >>> c.ball_notes
    ('', '', 'p jumps at 0')
    """
    analyses = tuple(analyses)
    powers_only = all(a.power is not None for a in analyses)
    powers = [a for a in analyses if a.power is not None]
    neighbours = tuple(Neighbour(a1.power.k, a2.power.k, neighbour_crossover(a1, a2)) for a1, a2 in zip(powers, powers[1:]))
    lam = SHRINK_LAMBDA if powers_only else MIXED_SHRINK_LAMBDA
    half = half_width(analyses, 2.0, lam)
    grid = np.linspace(-half, half, SAMPLES)
    if powers_only:
        curves = tuple(ProxCurve(grid, prox_function(a, lam)(grid)) for a in analyses)
        thresholds = (None,) * len(analyses)
    else:
        curves = tuple(ProxCurve(z, y, tuple(jumps)) for z, y, jumps in (shrinkage_curve(a, lam, grid) for a in analyses))
        thresholds = tuple(threshold_at(a.subject, lam) for a in analyses)
    balls = tuple(penalty_ball(a) for a in analyses)
    notes = tuple("" if ball is not None else ball_constant(a)[1] for a, ball in zip(analyses, balls))
    return Comparison(analyses=analyses, powers_only=powers_only, neighbours=neighbours, shrink_lambda=lam,
                      shrink_half=half, overlay_half=half_width(analyses, RANGE), shrinkage=curves,
                      thresholds=thresholds, balls=balls, ball_notes=notes)


def render_compare(ks: Iterable, image_format: str = "svg", dpi: Optional[int] = None) -> dict[str, bytes]:
    """Analyse ``ks`` (exponents and penalties) and render the page and figures (SVG or PNG) in memory.

    Keys are paths relative to the output folder.  With only exponents the page is
    the power family's (:func:`lksym.writers.compare.compare_markdown`); with any other penalty among them,
    :func:`lksym.writers.compare.mixed_markdown` and :func:`lksym.writers.compare.mixed_figures`.
    """
    ks = list(ks) or list(ARTICLE_KS)
    subjects = compare_subjects(ks)
    powers_only = only_powers(subjects)
    if len(subjects) < 2:
        if powers_only:
            raise InputError(f"compare needs at least two different k, got {len(subjects)} ({', '.join(map(str, ks))}); "
                             "give two (positional or --k), or none for the article's k")
        raise InputError(f"compare needs at least two different penalties, got {len(subjects)} "
                         f"({', '.join(map(str, ks))})")
    if powers_only:
        result = comparison(analyze(p) for p in subjects)
        figs = compare_figures(result)
        order = ["penalties.svg", "gradients.svg", "shrinkage.svg", "unit_balls.svg"]
    else:
        result = comparison(analyze(p) for p in subjects)
        figs = mixed_figures(result)
        order = ["penalties.svg", "gradients.svg", "shrinkage.svg", "balls.svg"]
    names = [n for n in order if n in figs]
    files = {f"{FIGURE_DIR}/{image_name(name, image_format)}": render_image(figs[name], image_format, dpi or DPI)
             for name in names}
    page = compare_markdown if powers_only else mixed_markdown
    files[PAGE_NAME] = page(result, names, image_format).encode("utf-8")
    return files


def write_compare(ks: Iterable, out_dir: os.PathLike | str = "reports", image_format: str = "svg",
                  dpi: Optional[int] = None) -> Path:
    """Write ``out_dir/compare.md`` and its figures in ``out_dir/compare/``, then refresh the index.

    Parameters
    ----------
    ks : iterable of str, exact numbers or Penalty
        Exponents and penalties (anything :func:`lksym.derivation.penalty.parse_subject`
        reads: ``"1.5"``, ``"scad(lam=1, a=3.7)"``, ``"log(1 + abs(w))"``),
        checked before anything is written; duplicates (``1.5`` and ``3/2``)
        count once.  The page lists the power family by increasing k, then the
        other penalties in the order given.  At least two different subjects;
        none means the article's k (:data:`lksym.writers.compare.ARTICLE_KS`).
    out_dir : path
        Output folder (created if needed).
    image_format : {"svg", "png"}
        Format of the figures (the page links them); ``dpi`` for PNG.

    Returns
    -------
    Path
        The page written.

    Examples
    --------
    >>> import tempfile
    >>> write_compare(["1", "2"], tempfile.mkdtemp()).name
    'compare.md'
    """
    heading = b"# Comparing penalties"
    check_page(out_dir, PAGE_NAME, FIGURE_DIR, heading)  # a user's file in the way: refused before the analyses
    return write_page(out_dir, PAGE_NAME, FIGURE_DIR, render_compare(ks, image_format, dpi), heading=heading)
