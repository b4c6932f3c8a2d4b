"""Rebuild every committed page under ``reports/``: the one list of what is published.

``lksym regenerate [--out DIR]`` (or :func:`regenerate`) runs every entry of
:data:`TARGETS` in order.  CI runs it after the tests and fails when
``reports/`` then differs from the commit, so a stale page cannot land.  To
publish a new page, add one :class:`Target` here (nothing else needs to know).

Examples
--------
>>> [t.name for t in TARGETS]
['article reports', 'symbolic k', 'compare', 'fit', 'catalogue reports', 'catalogue compare', 'optimizers', 'explore']
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from lksym.writers.compare import ARTICLE_KS
from lksym.writers.fit import FIT_KS, FIT_SEED


@dataclass(frozen=True)
class Target:
    """One published page (or set of pages).

    Attributes
    ----------
    name
        Short name, for progress messages.
    command
        The ``lksym`` command line that builds the same files (documentation).
    build
        ``build(out_dir)`` writes the files and returns the paths of the pages written.
    """

    name: str
    command: str
    build: Callable[[Path], list]


def _article_reports(out: Path) -> list:
    from lksym.api import write_reports

    return write_reports(ARTICLE_KS, out)


def _symbolic(out: Path) -> list:
    from lksym.app.family import write_report

    return [write_report(out)]


def _compare(out: Path) -> list:
    from lksym.app.compare import write_compare

    return [write_compare(ARTICLE_KS, out)]


def _fit(out: Path) -> list:
    from lksym.app.fit import write_fit

    return [write_fit(FIT_KS, out, seed=FIT_SEED)]


def _catalogue(out: Path) -> list:
    from lksym.api import write_reports

    return write_reports(CATALOGUE_TEXTS, out)


def _catalogue_compare(out: Path) -> list:
    from lksym.app.compare import write_compare

    return [write_compare(("0.5", "1", *CATALOGUE_TEXTS), out / PENALTY_COMPARE)]


PENALTY_COMPARE = "penalties"
"""Folder of the comparison of the catalogue (with L0.5 and L1 for reference): ``penalties/compare.md``."""


def _optimizers(out: Path) -> list:
    from lksym.app.optimizers import write_optimizers

    return [write_optimizers(out, CATALOGUE_TEXTS)]


def _explore(out: Path) -> list:
    from lksym.app.explore import write_explore

    return [write_explore((), out)]


CATALOGUE_TEXTS = (
    "elastic_net(l1=0.5, l2=0.25)", "scad(lam=1, a=3.7)", "mcp(lam=1, gamma=3)", "logsum(eps=0.1)",
    "capped_l1(theta=1)", "huber(delta=1)", "l0",
)
"""The catalogue with the literature's usual parameters (:func:`lksym.derivation.penalty.usual_catalogue`), one report each."""


TARGETS: tuple[Target, ...] = (
    Target("article reports", "lksym report " + " ".join(f"--k {k}" for k in ARTICLE_KS), _article_reports),
    Target("symbolic k", "lksym report --k k", _symbolic),
    Target("compare", "lksym compare", _compare),
    Target("fit", f"lksym fit --seed {FIT_SEED}", _fit),
    Target("catalogue reports", "lksym report " + " ".join(f"'{p}'" for p in CATALOGUE_TEXTS), _catalogue),
    Target("catalogue compare", "lksym compare 0.5 1 " + " ".join(f"'{p}'" for p in CATALOGUE_TEXTS)
           + f" --out reports/{PENALTY_COMPARE}", _catalogue_compare),
    Target("optimizers", "lksym dynamics (every optimiser on the article's k and the catalogue)", _optimizers),
    Target("explore", "lksym explore", _explore),
)
"""Everything under ``reports/``, in build order; each writer also refreshes the index ``README.md``."""


def regenerate(out_dir: os.PathLike | str = "reports", progress: Optional[Callable[[Target], None]] = None) -> list[Path]:
    """Build every :data:`TARGETS` entry under ``out_dir``; return the pages written.

    Parameters
    ----------
    out_dir : path
        Output folder (created if needed); ``reports`` is the committed one.
    progress : callable, optional
        Called as ``progress(target)`` before each target is built.

    Returns
    -------
    list of Path
    """
    from lksym.writers.index import write_index

    out = Path(out_dir)
    pages: list[Path] = []
    for target in TARGETS:
        if progress is not None:
            progress(target)
        pages += [Path(p) for p in target.build(out)]
    write_index(out)
    return pages
