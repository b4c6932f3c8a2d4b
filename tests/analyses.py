"""One cache of analyses per test process (each pytest-xdist worker has its own).

``conftest.analysis_of`` hands it out as a fixture; tests outside a fixture's reach (parametrised helpers, module
code) import :func:`analyzed` from here, so a penalty is derived once per process whichever way a test asks.
Analyses are frozen and ``analyze`` is deterministic, so sharing one changes no result.  Errors are not cached.
"""

from __future__ import annotations

import functools

from lksym.results import analyze


@functools.lru_cache(maxsize=None)
def analyzed(subject):
    """``lksym.results.analyze(subject)``, derived once per process."""
    return analyze(subject)
