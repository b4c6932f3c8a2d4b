"""Notebook and REPL use: :func:`analyze` returns the frozen result with the writers attached.

:func:`lksym.analyze` is :func:`analyze`.  The result itself (:mod:`lksym.results`) imports no
writer; :class:`AnalysisView` is where the two meet, above both in the layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from lksym import results
from lksym.results import Analysis


@dataclass(frozen=True, repr=False)
class AnalysisView(Analysis):
    """An :class:`~lksym.results.Analysis` with the writers attached, for the REPL and notebooks.

    ``str`` and ``repr`` give the summary of ``lksym analyze``, a notebook shows
    the Markdown summary with figures, :meth:`to_dict` is the JSON of
    ``lksym analyze --json`` and :meth:`figures` returns matplotlib Figures.
    The result itself (:mod:`lksym.results`) imports no writer; this class is
    where the two meet.
    """

    @classmethod
    def of(cls, a: Analysis) -> "AnalysisView":
        """The same frozen facts as ``a``, viewed through the writers."""
        return a if isinstance(a, cls) else cls(**vars(a))

    def to_dict(self) -> dict:
        """The analysis as JSON-ready data; see :mod:`lksym.writers.jsonout`."""
        from lksym.writers.jsonout import to_dict

        return to_dict(self)

    def __str__(self) -> str:
        """The readable summary of ``lksym analyze`` (:func:`lksym.writers.terminal.summary`)."""
        from lksym.writers.terminal import summary

        return summary(self)

    def __repr__(self) -> str:
        # The REPL shows repr(): the summary, not a dump of every field (those are attributes).
        return str(self)

    def _repr_markdown_(self) -> str:
        from lksym.writers.report import summary_markdown

        return summary_markdown(self, figures=True)

    def figures(self) -> dict:
        """The report's figures as matplotlib Figures keyed by plain name (``"zoom"``), to restyle or save.

        Examples
        --------
        >>> figs = analyze("3/2").figures()
        >>> figs["zoom"].axes[0].set_title("L1.5 near 0")  # doctest: +ELLIPSIS
        Text(...)
        """
        from lksym.writers.plots import figures

        return figures(self)


def analyze(k, *, time_limit: Optional[float] = None) -> AnalysisView:
    """:func:`lksym.results.analyze`, returned as an :class:`AnalysisView` that prints and displays itself.

    This is :func:`lksym.analyze`; it takes the same arguments.

    Examples
    --------
    >>> a = analyze("3/2")
    >>> a.label, a.smoothness
    ('L1.5', 1)
    >>> str(a).splitlines()[0]
    'k = 3/2 (1 < k < 2): between L1 and L2'
    """
    return AnalysisView.of(results.analyze(k, time_limit=time_limit))
