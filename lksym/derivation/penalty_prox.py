"""Deprecated aliases: this module's contents moved to :mod:`lksym.derivation.prox` (kept for one release).

Import from the new homes instead:

* :mod:`lksym.derivation.prox` — ``prox_threshold``, ``prox_closed_form``, ``thresholding``,
  ``threshold_at``, ``Thresholding``, ``Infimum``, ``tidy_form``, ``exact_number``, ``identity_from``,
  ``threshold_from``, ``lam_range`` and the constants (each taking any ``Penalty``);
* :mod:`lksym.numerics.prox_solver` — ``prox_numeric``, ``prox_vector``, ``objective``, ``same_prox``;
* :mod:`lksym.derivation.interval` — the float-ball arithmetic.
"""

from lksym.derivation.prox import (  # noqa: F401
    CLOSED_FORM_LIMIT,
    LAM_RANGE,
    LAM_SAMPLES,
    SOLVE_LIMIT,
    TIME_LIMIT,
    TOLERANCE,
    Infimum,
    Thresholding,
    exact_number,
    identity_from,
    lam_range,
    prox_closed_form,
    prox_threshold,
    threshold_at,
    threshold_from,
    thresholding,
    tidy_form,
)
from lksym.derivation.symbols import LAM, X, Z  # noqa: F401
from lksym.numerics.prox_solver import objective, prox_numeric, prox_vector, same_prox  # noqa: F401
