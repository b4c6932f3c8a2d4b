"""lksym: exact analysis of the weight penalty :math:`|w|^k` for any k.

Importing :mod:`lksym` is cheap; SymPy and matplotlib load on first use.

Examples
--------
>>> import lksym
>>> a = lksym.analyze("3/2")
>>> a.sparse, a.smoothness
(False, 1)
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "analyze", "write_reports", "write_compare", "write_fit", "check_prox", "dynamics", "train", "InputError", "LksymError"]

from lksym.errors import InputError, LksymError


def __getattr__(name: str):
    # Lazy: `lksym --help` and `import lksym` must not pay for SymPy.
    if name == "analyze":
        from lksym.notebook import analyze

        return analyze
    if name == "dynamics":
        from lksym.api import dynamics

        return dynamics
    if name == "write_reports":
        from lksym.api import write_reports

        return write_reports
    if name == "write_compare":
        from lksym.app.compare import write_compare

        return write_compare
    if name == "check_prox":
        from lksym.numerics.prox_check import check_prox

        return check_prox
    if name == "write_fit":
        from lksym.app.fit import write_fit

        return write_fit
    if name == "train":
        from lksym.api import train

        return train
    raise AttributeError(f"module 'lksym' has no attribute {name!r}")
