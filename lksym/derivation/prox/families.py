r"""One table of each family's exact shortcuts for the proximal step, and the entry points that use it.

.. math::

    \operatorname{prox}(z) = \operatorname*{arg\,min}_x \; \tfrac12 (x - z)^2 + \lambda\, p(x), \qquad \lambda > 0 .

A family with exact knowledge of its own (the power family :math:`|w|^k`: the threshold from two
equations in closed form, roots of cubics, every :math:`z`'s value in radicals) has an entry in
:data:`FAMILIES`; every other penalty uses :data:`PIECEWISE`, derived from its exact pieces
(:mod:`lksym.derivation.prox.threshold`, :mod:`lksym.derivation.prox.closed_form`).  The entry
points below look the family up once; none asks which family it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import sympy as sp

from lksym.derivation.penalty import Penalty
from lksym.derivation.prox.closed_form import piecewise_closed_form
from lksym.derivation.prox.common import Prox, exact_number, tidy_form
from lksym.derivation.prox.fan_li import Thresholding, piecewise_thresholding, thresholding_with
from lksym.derivation.prox.power import power_closed_form, power_threshold, prox_exact, prox_precise
from lksym.derivation.prox.threshold import piecewise_threshold
from lksym.derivation.symbols import LAM, Z


def _piecewise_exact_at(penalty: Penalty, lam: sp.Expr, z: sp.Expr) -> Optional[sp.Expr]:
    """The derived closed form at one ``lam`` and ``z`` (it holds for ``z > 0``; the sign is put back)."""
    form = piecewise_closed_form(penalty)
    if form is None:
        return None
    magnitude = sp.Abs(z)
    return sp.S.Zero if magnitude == 0 else tidy_form(sp.sign(z) * form.subs(LAM, lam).subs(Z, magnitude))


@dataclass(frozen=True)
class FamilyProx:
    """How one family's exact prox facts are derived (the entries of :data:`FAMILIES`).

    Attributes
    ----------
    threshold
        ``penalty -> T(lam)``: the largest :math:`|z|` mapped to 0.
    closed_form
        ``penalty -> prox(z)`` in ``z`` and ``lam``, or ``None``.
    thresholding
        ``penalty -> Thresholding``: Fan and Li's properties.
    exact_at
        ``(penalty, lam, z) -> prox(z)`` exactly at one exact ``lam`` and ``z``, or ``None`` where no closed
        form is derived.
    precise
        ``(penalty, lam, z) -> mpmath number``: the value to many digits (no float underflow), where the
        family has it; ``None`` otherwise.
    form_above_threshold
        Whether :attr:`closed_form` holds above the threshold only (the power family: below it prox is 0,
        which the form does not say), rather than for every :math:`z > 0`.
    """

    threshold: Callable[[Penalty], sp.Expr]
    closed_form: Callable[[Penalty], Optional[sp.Expr]]
    thresholding: Callable[[Penalty], Thresholding]
    exact_at: Callable[[Penalty, sp.Expr, sp.Expr], Optional[sp.Expr]]
    precise: Optional[Callable] = None
    form_above_threshold: bool = False


PIECEWISE = FamilyProx(
    threshold=piecewise_threshold,
    closed_form=piecewise_closed_form,
    thresholding=piecewise_thresholding,
    exact_at=_piecewise_exact_at,
)
"""Any penalty, from its exact pieces: thresholds per piece, closed forms for pieces of degree <= 2."""

FAMILIES = {
    # |w|^k: the forms hold above the threshold only (below it prox is 0); Fan and Li's rules read
    # the pieces, with no closed form needed.
    "power": FamilyProx(
        threshold=lambda penalty: power_threshold(penalty.k),
        closed_form=lambda penalty: power_closed_form(penalty.k),
        thresholding=lambda penalty: thresholding_with(penalty, None),
        exact_at=lambda penalty, lam, z: prox_exact(penalty.k, lam, z),
        precise=lambda penalty, lam, z: prox_precise(penalty.k, lam, z),
        form_above_threshold=True,
    ),
}
"""A family's own exact shortcuts, where it has them; every other family uses :data:`PIECEWISE`."""


def family_prox(penalty: Penalty) -> FamilyProx:
    """The exact shortcuts of ``penalty``'s family.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> family_prox(parse_penalty("1.5")) is FAMILIES["power"], family_prox(parse_penalty("l0")) is PIECEWISE
    (True, True)
    """
    return FAMILIES.get(penalty.family, PIECEWISE)


def prox_threshold(penalty) -> sp.Expr:
    r"""The largest :math:`|z|` that the proximal step of :math:`\lambda p` maps to exactly 0, in ``lam``.

    Parameters
    ----------
    penalty : Penalty
        Any penalty.  A bare exact exponent ``k`` is the old spelling of :math:`|w|^k`
        (:func:`lksym.derivation.prox.power.power_threshold`).

    Raises
    ------
    lksym.errors.InputError
        For a penalty that decreases somewhere in :math:`|w|`, or whose threshold could not be
        derived in time.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> prox_threshold(parse_penalty("l0")), prox_threshold(parse_penalty("0.5"))
    (sqrt(2)*sqrt(lam), 3*lam**(2/3)/2)
    >>> prox_threshold(sp.Integer(1))
    lam
    """
    if not isinstance(penalty, Penalty):
        return power_threshold(penalty)
    return family_prox(penalty).threshold(penalty)


def prox_closed_form(penalty) -> Optional[sp.Expr]:
    r""":math:`\operatorname{prox}(z)` in ``z`` and ``lam`` where a closed form is derived, else ``None``.

    For the power family the form holds above the threshold (below it the prox is 0); for the
    others it covers every :math:`z > 0`, its first branch ``(0, z <= T)``.  A bare exact ``k``
    is the old spelling of :math:`|w|^k`.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> prox_closed_form(parse_penalty("l0"))
    Piecewise((0, z <= sqrt(2)*sqrt(lam)), (z, True))
    >>> prox_closed_form(sp.Integer(2))
    z/(2*lam + 1)
    """
    if not isinstance(penalty, Penalty):
        return power_closed_form(penalty)
    return family_prox(penalty).closed_form(penalty)


def thresholding(penalty: Penalty) -> Thresholding:
    """Fan and Li's properties (sparse, continuous, unbiased) of ``penalty``'s proximal map.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> t = thresholding(parse_penalty("scad(lam=1, a=3.7)"))
    >>> t.sparse, t.continuous, t.unbiased
    (True, lam < 27/10, True)
    >>> t = thresholding(parse_penalty("0.5"))
    >>> t.sparse, t.continuous, t.unbiased
    (True, False, True)
    """
    return family_prox(penalty).thresholding(penalty)


def derive_prox(penalty: Penalty) -> Prox:
    """Threshold and closed form of any penalty (what :class:`~lksym.results.Analysis` stores).

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> derive_prox(parse_penalty("l1"))
    Prox(threshold=lam, closed_form=-lam + z)
    """
    if not isinstance(penalty, Penalty):
        return Prox(threshold=power_threshold(penalty), closed_form=power_closed_form(penalty))
    return Prox(threshold=prox_threshold(penalty), closed_form=prox_closed_form(penalty))


def threshold_at(penalty: Penalty, lam: float) -> float:
    """The threshold at one ``lam`` as a float (an :class:`Infimum` branch is evaluated numerically).

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> round(threshold_at(parse_penalty("logsum(eps=0.1)"), 0.3), 6)
    1.217293
    """
    threshold, lam = prox_threshold(penalty), exact_number(lam)
    # Piecewise.subs puts lam into every branch; the branch of the first condition that holds is the value.
    for value, condition in threshold.args if isinstance(threshold, sp.Piecewise) else ():
        condition = condition.subs(LAM, lam)
        if condition is sp.true:
            return float(sp.N(value.subs(LAM, lam), 20))
        if condition is not sp.false:
            break
    return float(sp.N(threshold.subs(LAM, lam), 20))


