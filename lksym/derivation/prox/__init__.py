r"""The proximal step of :math:`\lambda p` for any penalty: which weights it sets to 0, and to what.

.. math::

    \operatorname{prox}(z) = \operatorname*{arg\,min}_x \; \tfrac12 (x - z)^2 + \lambda\, p(x),
    \qquad \lambda > 0 .

:math:`p` is even, so :math:`\operatorname{prox}(-z) = -\operatorname{prox}(z)`; everything is
derived for :math:`z \ge 0`.  One entry point per question, for every
:class:`~lksym.derivation.penalty.Penalty` (a family's own shortcuts are chosen in
:data:`lksym.derivation.prox.families.FAMILIES`):

* :func:`prox_threshold` — the largest :math:`|z|` mapped to 0, in ``lam``.
* :func:`prox_closed_form` — :math:`\operatorname{prox}(z)` in ``z`` and ``lam``, where derived.
* :func:`thresholding` — Fan and Li's properties (sparse, continuous, unbiased).
* :func:`derive_prox` — threshold and closed form as a :class:`Prox` record.
* :func:`prox_numeric`, :func:`prox_vector`, :func:`objective` — the float solver
  (:mod:`lksym.numerics.prox_solver`), re-exported here.

The rooms:

=============================================  =================================================
:mod:`~lksym.derivation.prox.families`         the per-family table and the entry points
:mod:`~lksym.derivation.prox.power`            :math:`|w|^k`: threshold, cubic/quartic closed forms,
                                               exact and 40-digit values
:mod:`~lksym.derivation.prox.threshold`        any other penalty's threshold, per piece
:mod:`~lksym.derivation.prox.closed_form`      its closed form (pieces of degree <= 2), and reading
                                               a form's threshold and identity range
:mod:`~lksym.derivation.prox.quadratic`        the candidates of quadratic pieces and who wins where
:mod:`~lksym.derivation.prox.regimes`          ranges of ``lam`` where a result changes shape
:mod:`~lksym.derivation.prox.fan_li`           Fan and Li's three properties
:mod:`~lksym.derivation.prox.common`           shared exact helpers, :class:`Infimum`, :class:`Prox`
:mod:`lksym.derivation.interval`               float balls (interval arithmetic) for fast exact decisions
:mod:`lksym.numerics.prox_solver`              the float solvers every closed form is checked against
=============================================  =================================================

This package replaces the modules ``lksym.derivation.prox`` (the power family) and
``lksym.derivation.penalty_prox`` (every other penalty).  The first path is now this package and
still accepts a bare exponent ``k`` wherever a penalty goes (``prox_threshold(k)``,
``prox_vector(k, lam, z)``); the second re-exports these names (deprecated aliases, for one release).

Examples
--------
>>> import sympy as sp
>>> from lksym.derivation.penalty import parse_penalty
>>> prox_threshold(parse_penalty("mcp(lam=1, gamma=3)"))
Piecewise((lam, lam <= 3), (sqrt(3)*sqrt(lam), True))
>>> prox_numeric(parse_penalty("1.5"), 1.0, 2.0) == prox_numeric(sp.Rational(3, 2), 1.0, 2.0)
True
"""

from lksym.derivation.prox.common import (
    CLOSED_FORM_LIMIT,
    LAM_RANGE,
    LAM_SAMPLES,
    SOLVE_LIMIT,
    TIME_LIMIT,
    TOLERANCE,
    Infimum,
    Prox,
    exact_number,
    tidy_form,
)
from lksym.derivation.prox.closed_form import identity_from, threshold_from
from lksym.derivation.prox.families import (
    FAMILIES,
    PIECEWISE,
    FamilyProx,
    derive_prox,
    family_prox,
    prox_closed_form,
    prox_threshold,
    threshold_at,
    thresholding,
)
from lksym.derivation.prox.fan_li import Thresholding
from lksym.derivation.prox.power import (
    MAX_DEGREE,
    PRECISE_DIGITS,
    cubic_real_roots,
    prox_exact,
    prox_precise,
    stationarity_polynomial,
    tidy_root,
)
from lksym.derivation.prox.regimes import lam_range
from lksym.numerics.prox_solver import (
    BISECTION_STEPS,
    NEWTON_STEPS,
    objective,
    prox_numeric,
    prox_vector,
    same_prox,
)

__all__ = [
    "BISECTION_STEPS", "CLOSED_FORM_LIMIT", "FAMILIES", "LAM_RANGE", "LAM_SAMPLES", "MAX_DEGREE", "NEWTON_STEPS",
    "PIECEWISE", "PRECISE_DIGITS", "SOLVE_LIMIT", "TIME_LIMIT", "TOLERANCE", "FamilyProx", "Infimum", "Prox",
    "Thresholding", "cubic_real_roots", "derive_prox", "exact_number", "family_prox", "identity_from", "lam_range",
    "objective", "prox_closed_form", "prox_exact", "prox_numeric", "prox_precise", "prox_threshold", "prox_vector",
    "same_prox", "stationarity_polynomial", "threshold_at", "threshold_from", "thresholding", "tidy_form",
    "tidy_root",
]
