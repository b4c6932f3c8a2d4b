r"""The closed-form prox of a piecewise penalty, and reading a closed form (its threshold, where it is the identity).

:func:`piecewise_closed_form` gives :math:`\operatorname{prox}(z)` as a ``Piecewise`` in ``z`` and
``lam`` when every piece has degree at most 2 (:mod:`lksym.derivation.prox.quadratic`), each branch
checked against the numeric prox (:mod:`lksym.numerics.prox_solver`).  The power family's forms are
in :mod:`lksym.derivation.prox.power`; :func:`lksym.derivation.prox.prox_closed_form` chooses.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Callable, Optional

import sympy as sp

from lksym.budget import bounded
from lksym.derivation.penalty import Penalty
from lksym.derivation.prox.common import (
    CLOSED_FORM_LIMIT, TOLERANCE, GiveUp, exact_number, join_branches, solve_lam, tidy_form,
)
from lksym.derivation.prox.quadratic import Quadratic, Shapes, quadratic_pieces
from lksym.derivation.prox.regimes import lam_range, lam_regimes
from lksym.derivation.symbols import LAM, Z
from lksym.numerics.prox_solver import same_prox, compile_expr, prox_key, numeric_pieces, piecewise_numeric


def _formula(q: Quadratic, sig: tuple) -> sp.Expr:
    shape, bounds = sig
    if len(shape) == 1:
        return tidy_form(q.xs[shape[0]])
    branches = [(tidy_form(q.xs[w]), Z <= tidy_form(q.transitions[b])) for w, b in zip(shape, bounds)]
    return sp.Piecewise(*branches, (tidy_form(q.xs[shape[-1]]), True))


@lru_cache(maxsize=256)
def _in_floats(form: sp.Expr):
    return compile_expr((Z, LAM), form, "math")


def _agrees(penalty: Penalty, form: sp.Expr, lam: sp.Expr, zs, exact: bool = True) -> bool:
    """Whether ``form`` at ``lam`` matches :func:`prox_numeric` at every z in ``zs``.

    ``exact=False`` (a lam well inside a range): the form is evaluated in floats at ``float(lam)``,
    compiled once per form; at a change point ``lam`` is put in exactly first (a denominator
    of the form may vanish there).
    """
    if form.has(Z) and not exact:
        g, lf = _in_floats(form), float(lam)
        f = lambda z: g(z, lf)
    else:
        f = compile_expr(Z, form.subs(LAM, lam), "math") if form.has(Z) else (lambda z, v=float(form.subs(LAM, lam)): v)
    lf = float(lam)
    for z in zs:
        try:
            mine = float(f(z))
        except (ValueError, ZeroDivisionError, TypeError, OverflowError):
            return False
        if not same_prox(penalty, lf, z, mine, piecewise_numeric(penalty, lf, z), TOLERANCE * 10):
            return False
    return True


def _z_samples(threshold: float, points) -> list:
    zs = {0.5 * threshold, 1.5 * threshold + 0.1, 3 * threshold + 1, 1e3 * (1 + threshold)}
    for p in points:
        if p is not None and p > 0:
            zs.update({p * (1 - 1e-3), p * (1 + 1e-3), 1.1 * p})
    return sorted(z for z in zs if z > 0)


def _shape_threshold(shapes: Shapes, signature: tuple, lam: float) -> float:
    """The threshold a shape claims at one lam: the end of its first branch if that is x = 0, else 0."""
    shape, bounds = signature[:2]
    if shape[0] != 0 or not bounds:
        return 0.0
    value = shapes.transition_values(lam)[bounds[0]]
    return 0.0 if value is None else float(value)


def _bound_values(shapes: Shapes, signature: tuple, lam: float) -> list:
    """The z where the winner changes in the given shape(s), at one lam (floats; None where undefined)."""
    values = shapes.transition_values(lam)
    bounds = [t for i in range(1, len(signature), 2) for t in signature[i]]
    return [None if values[t] is None else float(values[t]) for t in bounds]


@lru_cache(maxsize=128)
def _closed_form(key: tuple, penalty: Penalty) -> Optional[sp.Expr]:
    q = quadratic_pieces(key)
    if q is None:
        return None
    shapes = Shapes(q)

    def change(sa, sb, la, lb):
        # Sorted, not in set order: a change point found twice keeps its first form, and set order
        # follows the string hashes, which change from process to process (PYTHONHASHSEED).
        exprs = sorted({q.transitions[t] for t in sa[1] + sb[1]}, key=sp.default_sort_key)
        found = []
        for i in range(len(exprs)):
            for j in range(i + 1, len(exprs)):
                found += solve_lam(exprs[i] - exprs[j], la, lb)
            for sq in exprs[i].atoms(sp.Pow):
                if sq.exp == sp.Rational(1, 2):
                    found += solve_lam(sq.base, la, lb)
        return found

    span = lam_range(key)
    regimes = lam_regimes(shapes.signature, change, q.structural, shapes.precise_signature, span)
    if regimes is None:
        raise GiveUp("the shape of the proximal map could not be followed across lam")
    forms = [_formula(q, r.signature) for r in regimes]
    # Check every form inside its range, and decide to which side each change point belongs.
    lowers = [sp.S.Zero] + [r.upper for r in regimes[:-1]]
    conditions = []
    for i, (r, form) in enumerate(zip(regimes, forms)):
        lo = float(lowers[i]) if lowers[i] != 0 else span[0]
        hi = float(r.upper) if r.upper is not None else span[1]
        for lam in (math.sqrt(lo * hi), lo * (hi / lo) ** 0.01 if lowers[i] != 0 else min(1e-3, hi / 2), hi * (lo / hi) ** 0.01 if r.upper is not None else max(1e3, lo * 10)):
            lam_q = exact_number(float(f"{lam:.12g}"))
            if not _agrees(penalty, form, lam_q, _z_samples(_shape_threshold(shapes, r.signature, float(lam_q)), _bound_values(shapes, r.signature, lam)), exact=False):
                raise GiveUp(f"the derived form disagrees with the numeric prox at lam = {lam:g}")
        if r.upper is not None:
            zs = _z_samples(_shape_threshold(shapes, r.signature, float(r.upper)), _bound_values(shapes, r.signature + regimes[i + 1].signature, float(r.upper)))
            if _agrees(penalty, form, r.upper, zs):
                conditions.append(LAM <= r.upper)
            elif _agrees(penalty, forms[i + 1], r.upper, zs):
                conditions.append(LAM < r.upper)
            else:
                raise GiveUp(f"neither side's form holds at lam = {r.upper}")
    merged: list = []
    for form, cond in zip(forms, conditions + [sp.true]):
        if merged and merged[-1][0] == form:
            merged[-1] = (form, cond)
        else:
            merged.append((form, cond))
    if len(merged) == 1:
        return merged[0][0]
    return sp.Piecewise(*merged[:-1], (merged[-1][0], True))


def piecewise_closed_form(penalty: Penalty) -> Optional[sp.Expr]:
    r"""Exact :math:`\operatorname{prox}(z)` for :math:`z > 0` when every piece has degree at most 2, else ``None``.

    On a piece :math:`p = a + b x + c x^2` the stationarity condition
    :math:`x - z + \lambda p'(x) = 0` gives :math:`x = (z - \lambda b)/(1 + 2\lambda c)`, a local
    minimiser where :math:`1 + 2\lambda c > 0` and it lies inside the piece.  With :math:`x = 0`
    and every breakpoint (where :math:`p'` may jump) these are all the candidates; the global
    minimiser is the one of least objective (quadratics in :math:`z`, compared exactly: the
    switching points are validity ends or roots of a difference of two objectives).  The winner
    sequence in :math:`z` is followed across :math:`\lambda` (see the module notes) and every
    form is checked against :func:`prox_numeric`.  Negative :math:`z`: :math:`-\operatorname{prox}(-z)`.

    Unlike :func:`lksym.derivation.prox.prox_closed_form` (used for the power family, and valid above the
    threshold only), the result covers every :math:`z > 0`: its first branch is
    ``(0, z <= T)``.

    Returns
    -------
    sympy.Expr or None
        In :data:`lksym.derivation.symbols.Z` and :data:`lksym.derivation.symbols.LAM`.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> piecewise_closed_form(parse_penalty("l0"))
    Piecewise((0, z <= sqrt(2)*sqrt(lam)), (z, True))
    >>> piecewise_closed_form(parse_penalty("elastic_net(l1=0.5, l2=0.25)"))
    Piecewise((0, z <= lam/2), ((-lam + 2*z)/(lam + 2), True))
    >>> piecewise_closed_form(parse_penalty("logsum(eps=0.1)")) is None
    True
    """
    numeric_pieces(prox_key(penalty))
    return _closed_form_or_none(prox_key(penalty), penalty)


@lru_cache(maxsize=128)
def _closed_form_or_none(key: tuple, penalty: Penalty) -> Optional[sp.Expr]:
    # Cached here, not only in _closed_form: a derivation that gave up (an exception, which
    # lru_cache does not keep) must not be tried again by the threshold and by Fan and Li's properties.
    # A caller's own deadline is not cached: its Timeout passes through.
    try:
        # None also where it ran out of its own time (lksym.budget.bounded).
        return bounded(_closed_form, key, penalty, limit=CLOSED_FORM_LIMIT)
    except GiveUp:
        return None
    except AssertionError:
        # SymPy's own: sqrt of a product with 2**(1/3) in it trips an assertion in Mul.flatten (SymPy 1.14).
        # The map is then derived without a closed form, as where the derivation gives up.
        return None


# --------------------------------------------------------------------------- reading a closed form


def _upper_bound(condition, symbol: sp.Symbol) -> Optional[sp.Expr]:
    """``c`` of a condition ``symbol <= c`` or ``symbol < c`` (in either orientation), else ``None``."""
    if isinstance(condition, (sp.LessThan, sp.StrictLessThan)) and condition.lhs == symbol:
        return condition.rhs
    if isinstance(condition, (sp.GreaterThan, sp.StrictGreaterThan)) and condition.rhs == symbol:
        return condition.lhs
    return None


def _identity_in_z(form: sp.Expr) -> Optional[sp.Expr]:
    """The z from which a Piecewise in z is z itself: the bound of the last branch that is not."""
    if form == Z:
        return sp.S.Zero
    if not isinstance(form, sp.Piecewise) or form.args[-1] != (Z, sp.true):
        return None
    others = [c for e, c in form.args if e != Z]
    return _upper_bound(others[-1], Z) if others else sp.S.Zero


def _zero_in_z(form: sp.Expr) -> Optional[sp.Expr]:
    """The z up to which a Piecewise in z is 0: the bound of its first branch if that is 0, else 0."""
    branches = form.args if isinstance(form, sp.Piecewise) else ((form, sp.true),)
    if any(e == 0 for e, _ in branches[1:]):
        return None  # zero again after another branch: not the shape of a proximal map
    if branches[0][0] != 0:
        return sp.S.Zero
    return None if branches[0][1] == sp.true else _upper_bound(branches[0][1], Z)


def _read_per_range(form: sp.Expr, read: Callable[[sp.Expr], Optional[sp.Expr]]) -> Optional[sp.Expr]:
    """``read`` applied to a closed form's Piecewise in z in each range of lam, joined as a Piecewise in lam.

    The values read here are continuous in lam, so a change of range is written ``lam <= c``
    whichever side the closed form gives the point to; that the two values meet there is checked
    exactly.  ``None`` where ``read`` gives ``None`` in some range, or the values do not meet.
    """
    ranges = [(form, None)]
    if isinstance(form, sp.Piecewise) and not form.args[0][1].has(Z):
        ranges = [(f, _upper_bound(c, LAM)) for f, c in form.args[:-1]] + [(form.args[-1][0], None)]
        if any(c is None or c.free_symbols for _, c in ranges[:-1]) or form.args[-1][1] != sp.true:
            return None
    branches = [(read(f), c) for f, c in ranges]
    if any(b is None for b, _ in branches):
        return None
    for (b0, c), (b1, _) in zip(branches, branches[1:]):
        if sp.simplify(b0.subs(LAM, c) - b1.subs(LAM, c)) != 0:
            return None
    return join_branches(branches)


def identity_from(form: sp.Expr) -> Optional[sp.Expr]:
    r"""The :math:`|z|` from which a closed-form proximal map is the identity, read off the form, or ``None``.

    ``form`` is a :func:`prox_closed_form`: a ``Piecewise`` in :math:`z` (bounds in ``lam``),
    or a ``Piecewise`` over ranges of ``lam`` of such forms.  In each range the answer is the
    bound of the last branch that is not :math:`z` itself, after which
    :math:`\operatorname{prox}(z) = z` for every larger :math:`z`.  It is continuous in
    :math:`\lambda` (a supremum, see :func:`thresholding`).  ``None`` when some range never ends
    in :math:`z`, or a bound is not of the form ``z <= t``.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> identity_from(piecewise_closed_form(parse_penalty("mcp(lam=1, gamma=3)")))
    Piecewise((3, lam <= 3), (sqrt(3)*sqrt(lam), True))
    """
    return _read_per_range(form, _identity_in_z)


def threshold_from(form: sp.Expr) -> Optional[sp.Expr]:
    r"""The threshold of a closed-form proximal map, read off the form, or ``None``.

    The bound of the first branch in each range of ``lam`` where that branch is 0, and 0 where it
    is not (the map is nondecreasing in :math:`z`, so it is 0 on an interval :math:`[0, T]`).
    :math:`T(\lambda) = \inf_x h(x)` is an infimum of functions linear in :math:`\lambda`,
    hence concave and continuous (see :func:`prox_threshold`).  ``None`` for a form that is 0 again
    after another branch.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> threshold_from(piecewise_closed_form(parse_penalty("scad(lam=1, a=3.7)")))
    Piecewise((lam, lam <= 47/10), (sqrt(470)*sqrt(lam)/10, True))
    """
    return _read_per_range(form, _zero_in_z)


