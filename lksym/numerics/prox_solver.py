r"""The proximal step in floats: a global minimiser of :math:`\tfrac12 (x - z)^2 + \lambda p(x)` for any penalty.

* :func:`prox_numeric`, :func:`prox_vector`, :func:`objective` — for any
  :class:`~lksym.derivation.penalty.Penalty`; the family's solver is chosen in :data:`SOLVERS`
  (a bare exponent k, the old spelling, is :math:`|w|^k`).
* :func:`power_numeric`, :func:`power_vector` — :math:`|w|^k`: a bisection on the stationarity
  function, whose shape is known for every k.
* :func:`piecewise_numeric`, :func:`piecewise_vector` — any other penalty, from its derived pieces
  (lambdified): every local minimiser on a grid of each piece, bisected to the last float.

The exact derivation (:mod:`lksym.derivation.prox`) checks each of its closed forms against
these, so this module sits in the derivation's layer (``tests/test_layers.py``) and imports only
the derivation's penalty, exact helpers and symbols.  NumPy is imported where it is first used:
``lksym analyze 1.5`` derives the power family's prox with no array at all, and NumPy's import
is a tenth of that command.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Optional

import sympy as sp

from lksym.derivation.exact import bisect_root
from lksym.derivation.penalty import Penalty
from lksym.derivation.stable_form import without_cancellation
from lksym.derivation.symbols import X
from lksym.errors import InputError


def compile_expr(args, expr: sp.Expr, modules) -> Callable:
    """``sympy.lambdify`` without the docstring: printing ``expr`` a second time for it is ~40% of a call,
    and nothing reads it (the code, and ``inspect.getsource`` of it, are the same)."""
    return sp.lambdify(args, expr, modules, docstring_limit=0)


def prox_key(penalty: Penalty) -> tuple:
    """What the prox depends on: the pieces and p(0), not the name (``Min(abs(w), 1)`` is capped L1)."""
    return (tuple((p.expr, p.lo, p.hi) for p in penalty.pieces), penalty.at_zero)


BISECTION_STEPS = 20
NEWTON_STEPS = 3
"""The vectorised prox brackets the root by bisection, then polishes it with Newton steps (fixed counts: same output every run)."""
# --------------------------------------------------------------------------- numeric core


@dataclass(frozen=True)
class NumericPieces:
    p: tuple  # float -> float per piece
    dp: tuple  # numpy-vectorised derivative per piece
    his: tuple  # right ends (inf for the last)
    p0: float
    ds: tuple = ()  # per piece: the derivative for one Python float, or None (see _scalar_twin)


@lru_cache(maxsize=128)
def numeric_pieces(key: tuple) -> NumericPieces:
    import numpy as np

    pieces, at_zero = key
    p, dp, ds = [], [], []
    for expr, lo, hi in pieces:
        # The objective's p as log1p / expm1 where it cancels near 0: as written, log(1 + 10x) and 1 - exp(-x)
        # are 0 at x = 1e-30, and x = |z| then looked as good as 0 (p' has no such cancellation).
        f = compile_expr(X, without_cancellation(expr), "math")
        # The module object, not the string "numpy": the string runs ``from numpy import *``,
        # which loads numpy.testing, numpy.f2py and more (~0.1 s) for names never printed.
        derivative = sp.diff(expr, X)
        g = compile_expr(X, derivative, [np])
        p.append(f)
        dp.append(lambda x, g=g: np.asarray(g(x), dtype=float) + 0 * x)
        ds.append(_scalar_twin(derivative, g))
    his = tuple(float(hi) for _, _, hi in pieces)
    out = NumericPieces(tuple(p), tuple(dp), his, float(at_zero), tuple(ds))
    _check_nondecreasing(out, pieces)
    return out


def _scalar_twin(expr: sp.Expr, vectorised) -> Optional[Callable]:
    """``expr`` lambdified for one Python float, if it runs exactly the operations of ``vectorised``.

    Bisection to the last float calls the derivative ~50 times per root, and numpy on a one-element
    array costs ~10 us a call.  The twin is used only for ``+``, ``*``, ``/`` and ``sqrt`` of numbers
    and ``x`` (every catalogue derivative), printed as the same code: IEEE arithmetic and ``sqrt``
    round the same for a Python float as for a numpy one, so every bisection step, and the root, is
    the same.  Not for other powers (numpy squares where Python calls ``pow``) nor for any other
    function (numpy's ``exp`` or ``log`` may round differently from ``math``'s).
    """
    for node in sp.preorder_traversal(expr):
        if not (node.is_Symbol or node.is_Rational or node.is_Float or node.is_Add or node.is_Mul
                or (node.is_Pow and node.exp in (-1, sp.S.Half))):
            return None
    f = compile_expr(X, expr, "math")
    try:
        same = inspect.getsource(f) == inspect.getsource(vectorised)
    except (OSError, TypeError):
        return None
    return f if same else None


def _sorted_unique(xs):
    """``np.unique`` of a float array without NaN, by sort and neighbour test.

    ``np.unique`` asks ``np.ma.is_masked``, and that first touch imports ``numpy.ma`` (~60 ms of
    a ~1 s command).
    """
    import numpy as np

    xs = np.sort(xs)
    return xs[np.concatenate(([True], xs[1:] != xs[:-1]))]


def _check_nondecreasing(n: NumericPieces, pieces) -> None:
    import numpy as np

    previous = n.p0
    for i, (_, lo, hi) in enumerate(pieces):
        a, b = float(lo), float(hi) if hi != sp.oo else float(lo) + 1e6
        xs = _sorted_unique(np.concatenate([a + (b - a) * np.linspace(1e-9, 1, 400), a + (b - a) * np.geomspace(1e-12, 1, 200)]))
        with np.errstate(all="ignore"):  # exp(|w|) overflows far out: growing without bound is nondecreasing
            slopes = n.dp[i](xs)
        first = _value_or_inf(n.p[i], float(xs[0]))
        if np.any(slopes < -1e-12 * (1 + np.abs(slopes))) or first < previous - 1e-12 * (1 + abs(previous)):
            raise InputError("prox: the penalty must be nondecreasing in |w| (the minimiser is then in [0, |z|])")
        previous = _value_or_inf(n.p[i], float(xs[-1]))


def _value_or_inf(f, x: float) -> float:
    try:
        return f(x)
    except OverflowError:
        return math.inf


def _objective(n: NumericPieces, lam: float, z: float, x: float) -> float:
    if x == 0:
        return 0.5 * z * z + lam * n.p0
    return 0.5 * (x - z) ** 2 + lam * n.p[_piece_index(n, x)](x)


def _piece_index(n: NumericPieces, x: float) -> int:
    for i, hi in enumerate(n.his):
        if x <= hi:
            return i
    return len(n.his) - 1


@lru_cache(maxsize=1)
def _unit_grid():
    """The stationarity grid on [0, 1]: 2048 even steps and 300 geometric ones down to 1e-15, sorted."""
    import numpy as np

    grid = np.sort(np.concatenate([np.linspace(0, 1, 2049)[1:], np.geomspace(1e-15, 1, 300)]))
    grid.flags.writeable = False
    return grid


def _candidates(n: NumericPieces, lam: float, a: float) -> list:
    """0, every breakpoint below ``a``, ``a`` itself and every local minimiser of F on each piece in (0, a)."""
    import numpy as np

    out = [0.0, a]
    lo = 0.0
    for i, hi in enumerate(n.his):
        if lo >= a:
            break
        top = min(hi, a)
        if hi < a:
            out.append(hi)
        width = top - lo
        # np.unique(lo + width * grid) without rebuilding and sorting the grid on every call:
        # scaling is monotone, so the scaled sorted grid is sorted; equal neighbours are dropped.
        xs = lo + width * _unit_grid()
        xs = xs[np.concatenate(([True], xs[1:] != xs[:-1]))]
        xs = xs[(xs > lo) & (xs <= top)]
        with np.errstate(all="ignore"):
            g = xs - a + lam * n.dp[i](xs)
        g = np.where(np.isnan(g), np.inf, g)
        down = np.nonzero((g[:-1] < 0) & (g[1:] >= 0))[0]

        def gf(x, i=i, twin=n.ds[i] if n.ds else None):
            if twin is not None:
                try:
                    value = float(x - a + lam * twin(x))
                    return math.inf if value != value else value
                except (ArithmeticError, ValueError, TypeError):
                    pass  # 1/0, an overflow, a negative base: numpy's inf or nan, as below
            with np.errstate(all="ignore"):
                value = float(x - a + lam * n.dp[i](np.array([x]))[0])
            return math.inf if value != value else value

        for j in down:
            out.append(bisect_root(gf, float(xs[j]), float(xs[j + 1])))
        out.extend(float(x) for x in xs[np.nonzero(g == 0)[0]])
        lo = hi
    return sorted(set(out))


def _best(n: NumericPieces, lam: float, a: float) -> float:
    best_x, best_f = 0.0, _objective(n, lam, a, 0.0)
    for x in _candidates(n, lam, a):
        f = _objective(n, lam, a, x)
        # A tie (within rounding of the objective) goes to the smaller |x|: candidates come in increasing x.
        # Rounding is relative to the terms (no "+ 1": at |z| = 1e-7 that made every candidate a tie).
        if f < best_f - 4e-16 * (abs(best_f) + a * a):
            best_x, best_f = x, f
    return best_x


def _check_inputs(lam, z) -> tuple:
    lam, z = float(lam), float(z)
    if not (lam > 0 and math.isfinite(lam)):
        raise ValueError("lam must be a positive finite number")
    if not math.isfinite(z):
        raise ValueError("z must be a finite real number")
    return lam, z


def lam_array(lam, shape: tuple):
    """``lam`` (a number or an array) broadcast to ``shape``, checked positive and finite: the vector solvers' ``lam``.

    Examples
    --------
    >>> lam_array(0.5, (2,)).tolist(), lam_array([0.5, 2.0], (2,)).tolist()
    ([0.5, 0.5], [0.5, 2.0])
    """
    import numpy as np

    values = np.asarray(lam, dtype=float)
    try:
        values = np.broadcast_to(values, shape)
    except ValueError:
        raise ValueError(f"lam of shape {values.shape} does not broadcast to z's shape {shape}") from None
    if not np.all((values > 0) & np.isfinite(values)):
        raise ValueError("lam must be a positive finite number")
    return values


def piecewise_numeric(penalty: Penalty, lam: float, z: float) -> float:
    r"""A global minimiser of :math:`\tfrac12 (x - z)^2 + \lambda p(x)`, for any penalty.

    On :math:`[0, |z|]` the candidates are 0 (where :math:`p(0)` may differ from
    :math:`p(0^+)`), every breakpoint, :math:`|z|`, and every local minimiser inside a piece:
    the stationarity function :math:`G(x) = x - |z| + \lambda p'(x)` (the derived derivative,
    lambdified, evaluated on :math:`x > 0` only) is sampled on a grid of each piece, linear and
    geometric towards its left end, and bisected to the last float wherever it crosses 0 upwards.
    The candidate with the least objective wins; a tie within rounding goes to the smaller
    :math:`|x|` (so the threshold itself maps to 0).  Deterministic; the power family has its own solver,
    :func:`power_numeric` (chosen by :func:`prox_numeric`).

    Parameters
    ----------
    penalty : Penalty
        Nondecreasing in :math:`|w|` (checked; :class:`~lksym.errors.InputError` otherwise).
    lam : float
        :math:`\lambda > 0`.
    z : float
        Any finite real number.

    Returns
    -------
    float
        :math:`\operatorname{prox}(z)`, with the sign of ``z``.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> prox_numeric(parse_penalty("l0"), 0.5, 0.9), prox_numeric(parse_penalty("l0"), 0.5, 1.1)
    (0.0, 1.1)
    >>> round(prox_numeric(parse_penalty("logsum(eps=0.1)"), 0.3, 2.875), 4)
    2.7705
    """
    lam, z = _check_inputs(lam, z)
    n = numeric_pieces(prox_key(penalty))
    a = abs(z)
    if a == 0:
        return 0.0
    x = _best(n, lam, a)
    return math.copysign(x, z) if x != 0 else 0.0


def piecewise_vector(penalty: Penalty, lam, z):
    r""":func:`piecewise_numeric` coordinate by coordinate (the power family: :func:`power_vector`).

    ``lam`` is a number or an array broadcast against ``z`` (:func:`lam_array`): a :math:`\lambda` per coordinate.

    Returns
    -------
    numpy.ndarray
        Same shape as ``z``.

    Examples
    --------
    >>> import numpy as np
    >>> from lksym.derivation.penalty import parse_penalty
    >>> prox_vector(parse_penalty("capped_l1(theta=1)"), 0.5, np.array([-2.0, 0.3, 1.0]))
    array([-2. ,  0. ,  0.5])
    """
    import numpy as np

    values = np.asarray(z, dtype=float)
    lams = lam_array(lam, values.shape).reshape(-1).tolist()
    if not np.all(np.isfinite(values)):
        raise ValueError("z must be finite real numbers")
    out = np.empty_like(values)
    flat, result = values.reshape(-1), out.reshape(-1)
    cache: dict = {}
    for i, v in enumerate(flat):
        key = (lams[i], abs(float(v)))
        if key not in cache:
            cache[key] = piecewise_numeric(penalty, *key)
        x = cache[key]
        result[i] = math.copysign(x, v) if x != 0 else 0.0
    return out


def piecewise_objective(penalty: Penalty, lam: float, z: float, x: float) -> float:
    r""":math:`\tfrac12 (x - z)^2 + \lambda p(x)` in floats (the quantity every minimiser is judged by).

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> objective(parse_penalty("l0"), 1.0, 2.0, 0.0), objective(parse_penalty("l0"), 1.0, 2.0, 2.0)
    (2.0, 1.0)
    """
    lam, z = _check_inputs(lam, z)
    x = float(x)
    n = numeric_pieces(prox_key(penalty))
    return 0.5 * (x - z) ** 2 + (lam * n.p0 if x == 0 else lam * n.p[_piece_index(n, abs(x))](abs(x)))


def power_numeric(k, lam: float, z: float) -> float:
    r"""The proximal step :math:`\operatorname{prox}(z)` for any k > 0, by bisection.

    On :math:`x > 0` the stationarity function :math:`g(x) = x - z + \lambda k x^{k-1}`
    is increasing for :math:`k > 1`, so its one root in :math:`(0, z)` is the
    minimiser.  For :math:`k < 1`, :math:`g` is convex with its minimum at
    :math:`x_m = (\lambda k (1-k))^{1/(2-k)}`; the local minimiser of the objective
    is the root of :math:`g` on :math:`(x_m, z)` (if :math:`g(x_m) < 0`) and it
    wins over :math:`x = 0` only when its objective is strictly smaller.

    Parameters
    ----------
    k : exact number or float
        The exponent, :math:`k > 0`.
    lam : float
        :math:`\lambda > 0`.
    z : float
        Any real input.

    Returns
    -------
    float

    Examples
    --------
    >>> power_numeric(1, 0.5, 2.0), power_numeric(2, 0.5, 2.0)
    (1.5, 1.0)
    >>> power_numeric(0.5, 1.0, 1.4), round(power_numeric(0.5, 1.0, 1.6), 6)
    (0.0, 1.129545)
    """
    kf, lam, z = float(k), float(lam), float(z)
    if not (lam > 0 and math.isfinite(lam)):
        raise ValueError("lam must be a positive finite number")
    if not math.isfinite(z):
        raise ValueError("z must be a finite real number")
    if z < 0:
        return -power_numeric(kf, lam, -z)
    if z == 0:
        return 0.0
    if kf == 1:
        return max(z - lam, 0.0)

    def g(x: float) -> float:
        try:
            return x - z + lam * kf * x ** (kf - 1)
        except OverflowError:
            return math.inf

    lo = 0.0
    if kf < 1:
        x_m = (lam * kf * (1 - kf)) ** (1 / (2 - kf))
        if x_m >= z or g(x_m) >= 0:
            return 0.0  # no interior stationary point with g crossing upward: 0 is the minimiser
        lo = x_m
    x = bisect_root(g, lo, z)
    if kf < 1:
        # (F(x) - F(0)) / z, factored: (x - z)^2 and z^2 overflow beyond |z| = 1e154 (inf - inf: a NaN gain).
        gain = (x / z) * (0.5 * x - z) + lam * x**kf / z
        if not gain < 0:
            return 0.0  # ties go to 0: the threshold itself maps to 0
    return x


def power_vector(k, lam, z):
    r"""Vectorised :math:`\operatorname{prox}_{\lambda|\cdot|^k}(z)`, coordinate by coordinate.

    The same rule as :func:`power_numeric`: by oddness work on
    :math:`|z|`; for :math:`k > 1` bisect the increasing
    :math:`g(x) = x - |z| + \lambda k x^{k-1}` on :math:`(0, |z|)`; for
    :math:`k < 1` bisect on :math:`(x_m, |z|)` right of the minimum
    :math:`x_m = (\lambda k(1-k))^{1/(2-k)}` of the convex g, and keep the root
    only where it beats :math:`x = 0` strictly.  k = 1 and 2 are closed forms.

    ``lam`` is a number or an array broadcast against ``z`` (:func:`lam_array`): each coordinate gives
    exactly what a call with its own :math:`\lambda` alone gives (every operation is elementwise, and
    :math:`x_m`, a power of Python floats, is computed so per distinct :math:`\lambda`).  A zero
    result is :math:`\operatorname{sign}(z) \cdot 0`, whatever the other coordinates.

    Returns
    -------
    numpy.ndarray
        Same shape as ``z``.

    Examples
    --------
    >>> import numpy as np
    >>> power_vector(1, 0.5, np.array([-2.0, 0.3, 2.0]))
    array([-1.5,  0. ,  1.5])
    >>> power_vector(0.5, 1.0, np.array([1.4, 1.6])).round(6)
    array([0.      , 1.129545])
    >>> power_vector(1.5, np.array([0.5, 1.0]), np.array([2.0, 2.0])).tolist() == [
    ...     power_vector(1.5, 0.5, np.array([2.0]))[0], power_vector(1.5, 1.0, np.array([2.0]))[0]]
    True
    """
    import numpy as np

    kf = float(k)
    z = np.asarray(z, dtype=float)
    lam = lam_array(lam, z.shape)
    a = np.abs(z)
    if kf == 1:
        return np.sign(z) * np.maximum(a - lam, 0.0)
    if kf == 2:
        return z / (1 + 2 * lam)

    def g(x):
        return x - a + lam * kf * x ** (kf - 1)

    lo = np.zeros_like(a)
    active = a > 0
    if kf < 1:
        # A Python power, as power_numeric's (np.power may round it differently), once per distinct lam.
        # One lam for all (every caller but the batched optimisers): no Python pass over the elements.
        first = float(lam.flat[0]) if lam.size else 1.0
        if np.all(lam == first):
            x_m = np.full(a.shape, (first * kf * (1 - kf)) ** (1 / (2 - kf)))
        else:
            x_ms = {v: (v * kf * (1 - kf)) ** (1 / (2 - kf)) for v in set(lam.reshape(-1).tolist())}
            x_m = np.array([x_ms[v] for v in lam.reshape(-1).tolist()]).reshape(a.shape)
        with np.errstate(divide="ignore"):
            active &= (x_m < a) & (g(x_m) < 0)
        lo = x_m
    if not active.any():
        return np.sign(z) * np.zeros_like(a)  # as below: the same zero whatever the other coordinates
    lo, hi, target = lo[active], a[active].copy(), a[active]
    c1, c2 = (lam * kf)[active], (lam * kf * (kf - 1))[active]
    if kf > 1:
        # Both terms of g are positive, so the root lies in [min(a/2, (a/2c1)^(1/(k-1))), min(a, (a/c1)^(1/(k-1)))];
        # bisecting [0, a] instead pinned a root far below a at 0 (k = 3/2, lam = 1, z = 1e-9: 0, not 4.4e-19).
        with np.errstate(under="ignore", over="ignore"):
            lo = np.minimum(0.5 * target, (0.5 * target / c1) ** (1 / (kf - 1)))
            hi = np.minimum(target, (target / c1) ** (1 / (kf - 1)))
    # Bisection brackets the root safely (g has a pole or a kink at 0); a few
    # Newton steps inside the tight bracket then reach full precision at a
    # fraction of the cost of bisecting to the last bit.  Fixed step counts keep
    # the path, and so the output, identical run after run.
    for _ in range(BISECTION_STEPS):
        # The geometric midpoint where the bracket spans decades (a root of any size), else the arithmetic one.
        # Each factor apart: lo * hi and lo + hi overflow near the largest float.
        mid = np.where((lo > 0) & (0.25 * hi > lo), np.sqrt(lo) * np.sqrt(hi), 0.5 * lo + 0.5 * hi)
        below = mid - target + c1 * mid ** (kf - 1) < 0
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    x = 0.5 * lo + 0.5 * hi
    # Bisection can pin a tiny root at x = 0 (k just above 1, z near 0), where x**(k-2) is
    # inf: the Newton step is then 0, which is right, so NumPy's warning is noise.
    with np.errstate(divide="ignore", over="ignore"):
        for _ in range(NEWTON_STEPS):
            x = np.clip(x - (x - target + c1 * x ** (kf - 1)) / (1 + c2 * x ** (kf - 2)), lo, hi)
    if kf < 1:
        gain = (x / target) * (0.5 * x - target) + lam[active] * x**kf / target  # (F(x) - F(0)) / |z|: no overflow
        x = np.where(gain < 0, x, 0.0)
    out = np.zeros_like(a)
    out[active] = x
    return np.sign(z) * out


# --------------------------------------------------------------------------- one entry point per question


@dataclass(frozen=True)
class Solver:
    """How one family's proximal step is computed in floats (the entries of :data:`SOLVERS`).

    Each callable takes the :class:`~lksym.derivation.penalty.Penalty` first, then checked inputs.
    """

    numeric: Callable  # (penalty, lam, z) -> float
    vector: Callable  # (penalty, lam, z: ndarray) -> ndarray
    objective: Callable  # (penalty, lam, z, x) -> float


PIECEWISE = Solver(numeric=piecewise_numeric, vector=piecewise_vector, objective=piecewise_objective)
"""Any penalty, from its derived pieces."""

SOLVERS = {
    "power": Solver(
        numeric=lambda penalty, lam, z: power_numeric(penalty.k, lam, z),
        vector=lambda penalty, lam, z: power_vector(penalty.k, lam, z),
        objective=lambda penalty, lam, z, x: 0.5 * (x - z) ** 2 + lam * abs(x) ** float(penalty.k),
    ),
}
"""A family's own solver, where it has one; every other family uses :data:`PIECEWISE`."""


def solver_of(penalty: Penalty) -> Solver:
    """The float solver of ``penalty``'s family (:data:`SOLVERS`, else :data:`PIECEWISE`)."""
    return SOLVERS.get(penalty.family, PIECEWISE)


def prox_numeric(penalty, lam: float, z: float) -> float:
    r"""A global minimiser of :math:`\tfrac12 (x - z)^2 + \lambda p(x)`, for any penalty.

    Parameters
    ----------
    penalty : Penalty
        Any penalty (its family's solver, :func:`solver_of`).  A bare exponent ``k`` (an exact
        number or a float) is the old spelling of :math:`|w|^k`: :func:`power_numeric`.
    lam : float
        :math:`\lambda > 0`.
    z : float
        Any finite real number.

    Returns
    -------
    float
        :math:`\operatorname{prox}(z)`, with the sign of ``z``.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> prox_numeric(parse_penalty("l0"), 0.5, 0.9), prox_numeric(parse_penalty("1"), 0.5, -2.0)
    (0.0, -1.5)
    >>> prox_numeric(0.5, 1.0, 1.4)
    0.0
    """
    if not isinstance(penalty, Penalty):
        return power_numeric(penalty, lam, z)
    lam, z = _check_inputs(lam, z)
    return solver_of(penalty).numeric(penalty, lam, z)


def prox_vector(penalty, lam, z):
    r""":func:`prox_numeric` coordinate by coordinate, for any penalty (a bare ``k``: :func:`power_vector`).

    ``lam`` is a number or an array broadcast against ``z`` (:func:`lam_array`): a :math:`\lambda` per
    coordinate, each coordinate equal to a call with its own :math:`\lambda` (one call serves many step sizes).

    Returns
    -------
    numpy.ndarray
        Same shape as ``z``.

    Examples
    --------
    >>> import numpy as np
    >>> from lksym.derivation.penalty import parse_penalty
    >>> prox_vector(parse_penalty("capped_l1(theta=1)"), 0.5, np.array([-2.0, 0.3, 1.0]))
    array([-2. ,  0. ,  0.5])
    >>> prox_vector(1, 0.5, np.array([-2.0, 0.3, 2.0]))
    array([-1.5,  0. ,  1.5])
    >>> prox_vector(parse_penalty("l0"), np.array([0.5, 0.1]), np.array([0.9, 0.9]))
    array([0. , 0.9])
    """
    import numpy as np

    if not isinstance(penalty, Penalty):
        return power_vector(penalty, lam, z)
    values = np.asarray(z, dtype=float)
    lam = lam_array(lam, values.shape)
    if not np.all(np.isfinite(values)):
        raise ValueError("z must be finite real numbers")
    return solver_of(penalty).vector(penalty, lam, values)


def objective(penalty: Penalty, lam: float, z: float, x: float) -> float:
    r""":math:`\tfrac12 (x - z)^2 + \lambda p(x)` in floats (the quantity every minimiser is judged by).

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_penalty
    >>> objective(parse_penalty("l0"), 1.0, 2.0, 0.0), objective(parse_penalty("l0"), 1.0, 2.0, 2.0)
    (2.0, 1.0)
    """
    lam, z = _check_inputs(lam, z)
    return solver_of(penalty).objective(penalty, lam, z, float(x))


def same_prox(penalty: Penalty, lam: float, z: float, a: float, b: float, tol: float) -> bool:
    """Whether two answers are both right: equal, or equally good minimisers (a jump's tie)."""
    if not math.isfinite(a):
        return False
    # Relative to the problem's own size: with 1 + |b| any two answers "agree" once z is 1e-7.
    if abs(a - b) <= tol * max(abs(a), abs(b), abs(z)):
        return True
    # Two distinct answers are both right only as equal minimisers with nothing lower between them: a
    # jump's two sides, or a flat stretch (MCP at lam = gamma).  Equal means within rounding, not within
    # tol: near a minimiser F grows with the square of the error, so an answer off by 1e-4 is within 1e-9
    # of the least F; and such a near miss is lower halfway back to the minimiser.  The constant lam p(0)
    # is left out of F's size (abs(w) + 10^12 made every answer a tie).
    base = lam * float(penalty.at_zero)
    fa, fb, fm = (objective(penalty, lam, z, x) - base for x in (a, b, (a + b) / 2))
    rounding = 1e-13 * max(abs(fa), abs(fb), abs(base) * 1e-3)
    return abs(fa - fb) <= rounding and fm >= max(fa, fb) - rounding
