"""``lksym fit``: fit each subject with both optimisers, then have :mod:`lksym.writers.fit` render the page."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable, Optional

import matplotlib

from lksym.app.compare import compare_subjects, only_powers
from lksym.numerics.fitting import OPTIMISERS, fit_one, make_data, measures, observed_gd
from lksym.results import analyze
from lksym.writers.fit import FIGURE_DIR, FIT_KS, PAGE_NAME, fit_markdown, histogram, mixed_fit_markdown
from lksym.writers.index import check_page, subject_slug, write_page
from lksym.writers.plots import DPI, SVG_RC, image_name, render_image


def render_fit(ks: Iterable, seed: int = 0, progress: Optional[Callable[[], None]] = None,
               image_format: str = "svg", dpi: Optional[int] = None) -> dict[str, bytes]:
    """Fit every subject with both optimisers and render ``fit.md`` and histograms (SVG or PNG) in memory.

    ``ks``: exponents and penalties, as :func:`lksym.app.compare.compare_subjects` reads and
    orders them (only exponents: the power family's page, :func:`lksym.writers.fit.fit_markdown`).

    ``progress()`` is called after each single fit.
    """
    image_name("check.svg", image_format)  # an unknown format fails before the fits

    ks = list(ks) or list(FIT_KS)  # none: the published set
    data = make_data(seed)
    rows, files, names = [], {}, {}
    subjects = compare_subjects(ks)
    powers_only = only_powers(subjects)
    for subject in subjects:
        a = analyze(subject.k if powers_only else subject)
        results, measured = {}, {}
        for name in OPTIMISERS:
            results[name] = fit_one(a, data, name)
            measured[name] = measures(results[name], data)
            if progress is not None:
                progress()
        measured["gd"]["observed"] = observed_gd(a, results["gd"], data)
        rows.append((a, results, measured))
        names[a.subject] = f"{subject_slug(a)}.{image_format}"
        with matplotlib.rc_context(SVG_RC):
            files[f"{FIGURE_DIR}/{names[a.subject]}"] = render_image(histogram(a, results, data), image_format, dpi or DPI)
    page = fit_markdown if powers_only else mixed_fit_markdown
    files[PAGE_NAME] = page(rows, seed, names).encode("utf-8")
    return files


def write_fit(ks: Iterable, out_dir: os.PathLike | str = "reports", seed: int = 0, progress=None,
              image_format: str = "svg", dpi: Optional[int] = None) -> Path:
    """Write ``out_dir/fit.md`` and its histograms (``image_format`` SVG or PNG) in ``out_dir/fit/``, then refresh the index.

    Examples
    --------
    >>> import tempfile
    >>> write_fit(["2"], tempfile.mkdtemp()).name
    'fit.md'
    """
    heading = b"# Fitting with"
    check_page(out_dir, PAGE_NAME, FIGURE_DIR, heading)  # a user's file in the way: refused before the fits
    return write_page(out_dir, PAGE_NAME, FIGURE_DIR, render_fit(ks, seed, progress, image_format, dpi), heading=heading)
