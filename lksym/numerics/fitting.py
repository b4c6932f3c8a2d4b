"""Least squares with a penalty, fitted by plain and proximal gradient descent in floats.

The numbers behind ``lksym fit``; :mod:`lksym.writers.fit` writes the page.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Optional

import numpy as np
import sympy as sp

from lksym.derivation.prox import family_prox
from lksym.derivation.symbols import ETA, X
from lksym.errors import InputError
from lksym.numerics.numeric import evaluate
from lksym.numerics.prox_solver import prox_vector
from lksym.results import Analysis

N_TRAIN, N_FEATURES, N_TRUE, N_TEST = 200, 50, 5, 1000


NOISE_SD = 0.1


ITERATIONS = 2000


TAIL = 200
"""Iterations at the end in which sign flips of small weights are counted."""


SMALL = 1e-3


NEAR_ZERO = 0.05
"""A final weight below this counts as "near zero" for the flip count."""


OPTIMISERS = ("gd", "prox")


@dataclass(frozen=True)
class Data:
    """Training and test data with the true weights."""

    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    w_true: np.ndarray

    @property
    def support(self) -> np.ndarray:
        return np.flatnonzero(self.w_true)


def fixed_order_matvec(A: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``A @ v`` summed column by column: each step one exactly rounded IEEE operation, the same on every CPU.

    Examples
    --------
    >>> fixed_order_matvec(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, -1.0]))
    array([-1., -1.])
    """
    # The loop ``out += A[:, j] * v[j]`` in one pass: the products are the same IEEE products, and
    # ``add.accumulate`` adds them strictly in order along axis 0 (no pairwise summation, no FMA), so the bits
    # are those of the loop; the first row gets the loop's starting +0.0 (0.0 + -0.0 is +0.0).
    products = np.ascontiguousarray(A.T) * np.asarray(v, dtype=float)[:, None]
    if products.shape[0] == 0:
        return np.zeros(A.shape[0])
    products[0] += 0.0
    return np.add.accumulate(products, axis=0)[-1]


def make_data(seed: int = 0) -> Data:
    """The documented synthetic regression problem (see the module docstring).

    Examples
    --------
    >>> d = make_data(0)
    >>> d.X.shape, d.X_test.shape, int((d.w_true != 0).sum())
    ((200, 50), (1000, 50), 5)
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    w_true = np.zeros(N_FEATURES)
    support = rng.choice(N_FEATURES, size=N_TRUE, replace=False)
    w_true[support] = rng.uniform(1.0, 3.0, N_TRUE) * rng.choice([-1.0, 1.0], N_TRUE)
    X = rng.standard_normal((N_TRAIN, N_FEATURES))
    y = fixed_order_matvec(X, w_true) + NOISE_SD * rng.standard_normal(N_TRAIN)
    X_test = rng.standard_normal((N_TEST, N_FEATURES))
    y_test = fixed_order_matvec(X_test, w_true) + NOISE_SD * rng.standard_normal(N_TEST)
    return Data(X, y, X_test, y_test, w_true)


def alpha_rule(a: Analysis) -> tuple[float, str]:
    r"""The default :math:`\alpha` of any penalty and the rule that gave it (see the module docstring).

    Examples
    --------
    >>> from lksym.results import analyze
    >>> alpha_rule(analyze("mcp(lam=1, gamma=3)"))
    (2.25, "p'(1)")
    >>> alpha_rule(analyze("capped_l1(theta=1)")), alpha_rule(analyze("l0"))
    ((1.5, "p'(0+)"), (1.5, 'p(1) - p(0)'))
    """
    one = sp.Integer(1)  # for |w|^k p'(1) = k: default_alpha(k)
    slope = None
    if not any(b.at == one and b.smoothness < 1 for b in a.breakpoints):
        piece = next(piece for piece in a.subject.pieces if bool(piece.lo < one) and bool(one <= piece.hi))
        slope = sp.diff(piece.expr, X).subs(X, one)
    start = a.gradient.limits["0+"]
    rise = a.subject.pieces[0].expr.subs(X, one) if len(a.subject.pieces) == 1 else a.subject.branch.subs(X, one)
    for value, name in ((slope, "p'(1)"), (start, "p'(0+)"), (sp.simplify(rise - a.subject.at_zero), "p(1) - p(0)")):
        if value is not None and value.is_finite and value != 0:
            return 1.5 / abs(float(value)), name
    raise InputError(f"{a.subject.text}: no default alpha (p'(1), p'(0+) and p(1) - p(0) are all 0 or undefined)")


def default_alpha(k) -> float:
    """:math:`\\alpha = 1.5/k`: the same pull on a unit weight for every k.

    Examples
    --------
    >>> default_alpha(1), default_alpha(0.5), default_alpha(3)
    (1.5, 3.0, 0.5)
    """
    return 1.5 / float(k)


@dataclass(frozen=True)
class FitResult:
    """The outcome of one optimiser on one k.

    ``flips`` counts sign changes of near-zero weights over the last
    :data:`TAIL` iterations; ``history`` holds those iterates.
    """

    k: object
    optimiser: str
    alpha: float
    step: float
    w: np.ndarray
    flips: int
    history: np.ndarray


def prox_step(a: Analysis, lam: float):
    r"""The proximal map :math:`v \mapsto \operatorname{prox}_{\lambda p}(v)` on arrays, for any penalty.

    The power family uses :func:`lksym.derivation.prox.prox_vector`; a derived closed form is
    lambdified in :math:`|v|` (it holds for :math:`z > 0`; the sign is put back, and
    0 stays +0); otherwise :func:`lksym.numerics.prox_solver.prox_vector`.

    Examples
    --------
    >>> from lksym.results import analyze
    >>> step = prox_step(analyze("mcp(lam=1, gamma=3)"), 1.0)
    >>> step(np.array([-4.0, -2.0, 0.5, 2.0]))
    array([-4. , -1.5,  0. ,  1.5])
    """
    form = getattr(a.prox, "closed_form", None)
    if form is None or family_prox(a.subject).form_above_threshold:
        # No form, or one that is not the whole map (|w|^k's holds above the threshold only): the family's solver.
        return lambda v: prox_vector(a.subject, lam, v)
    z = next(s for s in form.free_symbols if s.name == "z")
    lam_symbol = [s for s in form.free_symbols if s.name == "lam"]
    exact = form.subs(lam_symbol[0], sp.Float(lam, 17)) if lam_symbol else form
    if exact.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        # A branch this lam never reaches can still divide by 0 (MCP at lam = gamma); NumPy cannot print it.
        return lambda v: prox_vector(a.subject, lam, v)
    f = sp.lambdify(z, exact, modules=[np])

    def step(v):
        v = np.asarray(v, dtype=float)
        x = np.broadcast_to(np.asarray(f(np.abs(v)), dtype=float), v.shape)
        return np.where(x == 0, 0.0, np.copysign(x, v))

    return step


def _penalty_gradient(a: Analysis, w: np.ndarray) -> np.ndarray:
    g = evaluate(a.gradient, w)
    # Where f'(0) does not exist (k <= 1), 0 is in (or is the natural choice of) the subdifferential.
    return np.where(np.isfinite(g), g, 0.0)


def fit_one(a: Analysis, data: Data, optimiser: str, alpha: Optional[float] = None, iterations: int = ITERATIONS) -> FitResult:
    """Run one optimiser on ``data`` with the penalty of ``a``.

    Parameters
    ----------
    a : Analysis
        Supplies k and the derived gradient.
    data : Data
    optimiser : {"gd", "prox"}
    alpha : float, optional
        Default :func:`default_alpha`.
    iterations : int

    Returns
    -------
    FitResult

    Examples
    --------
    >>> from lksym.results import analyze
    >>> r = fit_one(analyze(1), make_data(0), "prox")
    >>> int((r.w == 0).sum()) > 0
    True
    """
    if optimiser not in OPTIMISERS:
        raise ValueError(f"optimiser must be one of {OPTIMISERS}")
    alpha = alpha_rule(a)[0] if alpha is None else float(alpha)
    n, p = data.X.shape
    # Fixed summation order everywhere (see the module docstring): chaotic runs amplify any rounding difference.
    Xt = np.ascontiguousarray(data.X.T)
    gram = np.stack([fixed_order_matvec(Xt, row) for row in Xt]) / n
    xty = fixed_order_matvec(Xt, data.y) / n
    step = float(f"{1.0 / float(np.linalg.eigvalsh(gram)[-1]):.12g}")
    lam = alpha / p  # alpha * mean(|w|^k) = (alpha / p) * sum(|w|^k)
    w = np.zeros(p)
    shrink = prox_step(a, step * lam) if optimiser == "prox" else None
    tail = min(TAIL, iterations)
    history = np.empty((tail, p))
    for t in range(iterations):
        data_grad = fixed_order_matvec(gram, w) - xty
        if optimiser == "gd":
            with np.errstate(over="ignore", invalid="ignore"):
                w = w - step * (data_grad + lam * _penalty_gradient(a, w))
        else:
            v = w - step * data_grad
            w = shrink(v)
        if t >= iterations - tail:
            history[t - (iterations - tail)] = w
    near = np.abs(w) < NEAR_ZERO
    signs = np.sign(history[:, near])
    flips = int((signs[1:] * signs[:-1] < 0).sum())
    return FitResult(a.subject.k, optimiser, alpha, step, w, flips, history)


def measures(result: FitResult, data: Data) -> dict:
    """Exact zeros, small weights, support RMSE, test MSE and flips of one fit.

    Examples
    --------
    >>> from lksym.results import analyze
    >>> d = make_data(0)
    >>> m = measures(fit_one(analyze(2), d, "gd"), d)
    >>> m["exact_zeros"], m["test_mse"] < 0.1
    (0, True)
    """
    w, s = result.w, data.support
    residual = fixed_order_matvec(data.X_test, w) - data.y_test
    return {
        "exact_zeros": int((w == 0).sum()),
        "small": int((np.abs(w) < SMALL).sum()),
        "support_rmse": float(np.sqrt(np.mean((w[s] - data.w_true[s]) ** 2))),
        "test_mse": float(np.mean(residual**2)),
        "flips": result.flips,
        "off_support_median": float(np.median(np.abs(np.delete(w, s)))),
    }


def _no_pull(a: Analysis) -> bool:
    """Whether the penalty is constant off 0 (L0): its gradient is 0 wherever it exists."""
    return all(not piece.expr.has(X) for piece in a.subject.pieces)


def predictions(a: Analysis, lam: Optional[float] = None) -> dict:
    r"""What the analysis predicts for the two optimisers.

    ``zeros``: a proximal step gives exact zeros (``a.sparse``).  ``gd``:
    ``"jitter"`` when the gradient is not Lipschitz near 0 (k < 2: an unbounded
    or jumping pull throws small weights across 0), ``"stall"`` when the
    curvature vanishes at 0 (k > 2: small weights are hardly pulled at all),
    ``"smooth"`` otherwise (L2).  For a penalty other than :math:`|w|^k`, ``zeros``
    is Fan and Li's sparsity (``a.thresholding.sparse``), decided at the prox's
    :math:`\lambda` = ``lam`` where it is a condition, and ``gd`` is ``"no pull"``
    for a penalty constant off 0 (L0: plain GD is least squares).

    Examples
    --------
    >>> from lksym.results import analyze
    >>> [predictions(analyze(k))["gd"] for k in ("1/2", "1", "3/2", "2", "3")]
    ['jitter', 'jitter', 'jitter', 'smooth', 'stall']
    """
    if _no_pull(a):
        gd = "no pull"
    elif not a.lipschitz_gradient_near_zero:
        gd = "jitter"
    elif a.curvature.limits["0+"] == 0:
        gd = "stall"
    else:
        gd = "smooth"
    # |w|^k's sparsity is a plain bool (a.sparse), which decide_at returns as it is.
    return {"zeros": decide_at(a.thresholding.sparse if a.thresholding is not None else None, lam, a.sparse), "gd": gd}


def decide_at(condition, lam: Optional[float], fallback: bool) -> bool:
    """A property that may depend on lambda (a SymPy relation in ``lam``) at one ``lam``."""
    if condition is None:
        return fallback
    if condition in (True, False) or condition in (sp.true, sp.false):
        return bool(condition)
    if lam is None:
        return fallback
    return bool(condition.subs({s: lam for s in condition.free_symbols if s.name == "lam"}))


def overshoot_zone(a: Analysis, result: FitResult) -> Optional[float]:
    r"""The :math:`|w|` below which one plain step on the penalty alone throws a weight across 0.

    The analysis' exact ``overshoot.weight`` with :math:`\eta` replaced by the
    effective step :math:`\eta \alpha / p`; ``None`` where small weights never
    overshoot (k >= 2).

    Examples
    --------
    >>> from lksym.results import analyze
    >>> d = make_data(0)
    >>> r = fit_one(analyze(1), d, "gd", iterations=1)
    >>> overshoot_zone(analyze(1), r) == r.step * r.alpha / 50
    True
    """
    o = a.overshoot
    if o is None or o.weight is None or o.side != "below":
        return None
    return float(o.weight.subs(ETA, result.step * result.alpha / result.w.size))


def observed_gd(a: Analysis, result: FitResult, data: Data) -> str:
    """What plain GD did to the weights that should be 0: ``"jitter"``, ``"no pull"``, ``"stall"`` or ``"smooth"``."""
    if result.flips > 0:
        return "jitter"
    if _no_pull(a):
        return "no pull"
    off = np.delete(np.abs(result.w), data.support)
    off = off[off > 0]
    if off.size == 0:
        return "smooth"
    # Penalty pull per unit weight, relative to its value at |w| = 1 (k |w|^(k-2) vs k):
    # below 10% the penalty has practically let go of the small weights.
    rate = np.abs(evaluate(a.gradient, off)) / off / abs(float(evaluate(a.gradient, np.array([1.0]))[0]))
    return "stall" if float(np.median(rate)) < 0.1 else "smooth"
