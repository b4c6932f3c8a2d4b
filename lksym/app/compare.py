"""``lksym compare``: parse the subjects, analyse each, then have :mod:`lksym.writers.compare` render the page.

Everything is rendered in memory, then written file by file atomically (figures first,
``compare.md`` last because it links them; :func:`lksym.writers.index.write_page`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Optional

from lksym.derivation.penalty import parse_subject
from lksym.errors import InputError
from lksym.results import analyze
from lksym.writers.compare import (
    ARTICLE_KS,
    FIGURE_DIR,
    PAGE_NAME,
    compare_figures,
    compare_markdown,
    mixed_figures,
    mixed_markdown,
)
from lksym.writers.index import write_page
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
        analyses = [analyze(p) for p in subjects]
        figs = compare_figures(analyses)
        order = ["penalties.svg", "gradients.svg", "shrinkage.svg", "unit_balls.svg"]
    else:
        analyses = [analyze(p) for p in subjects]
        figs = mixed_figures(analyses)
        order = ["penalties.svg", "gradients.svg", "shrinkage.svg", "balls.svg"]
    names = [n for n in order if n in figs]
    files = {f"{FIGURE_DIR}/{image_name(name, image_format)}": render_image(figs[name], image_format, dpi or DPI)
             for name in names}
    page = compare_markdown if powers_only else mixed_markdown
    files[PAGE_NAME] = page(analyses, names, image_format).encode("utf-8")
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
    return write_page(out_dir, PAGE_NAME, FIGURE_DIR, render_compare(ks, image_format, dpi), heading=b"# Comparing penalties")
