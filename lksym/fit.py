r"""Fit a sparse linear regression with the penalty :math:`\alpha \operatorname{mean}(|w_i|^k)`.

The experiment checks the analysis against an optimiser: does the penalty give
exact zeros (``Analysis.sparse``), do small weights jitter across 0 under plain
gradient descent, or stall?

Data (:func:`make_data`, seeded :class:`numpy.random.Generator`)
    200 training samples, 50 features drawn i.i.d. from N(0, 1); the true
    weights have 5 non-zeros at random positions with magnitudes uniform in
    [1, 3] and random signs; noise sd 0.1; a separate test set of 1000 samples.

Loss
    :math:`\frac{1}{2n}\lVert Xw - y\rVert^2 + \alpha \frac{1}{p}\sum_i |w_i|^k`.

Default :math:`\alpha` (:func:`default_alpha`)
    :math:`\alpha = 1.5 / k`, i.e. a per-weight strength :math:`\lambda = \alpha/p
    = 0.03/k`: every k then pulls a weight of magnitude 1 equally hard
    (:math:`\lambda k |w|^{k-1} = 0.03` at :math:`|w| = 1`).  0.03 is about
    twice the noise level of the data gradient,
    :math:`\sigma\sqrt{2\log p / n} \approx 0.02`, so L1 can switch off pure-noise
    weights without visibly shrinking the true ones.

Any other penalty :math:`p` (``scad(lam=1, a=3.7)``, ``l0``, an expression in ``w``)
    Loss :math:`\frac{1}{2n}\lVert Xw - y\rVert^2 + \alpha \operatorname{mean}(p(w_i))`, with
    :math:`\alpha` from the same rule (:func:`alpha_rule`): :math:`\alpha \cdot p'(1) = 1.5`
    where :math:`p'(1)` exists and is not 0 (for :math:`|w|^k`, :math:`p'(1) = k`: today's
    :math:`1.5/k`; SCAD and MCP with :math:`\lambda = 1` have :math:`p'(1) = 1` and
    :math:`1 - 1/\gamma`), else :math:`\alpha \cdot p'(0^+) = 1.5` (capped L1 with
    :math:`\theta = 1`, whose slope jumps at 1), else :math:`\alpha (p(1) - p(0)) = 1.5`
    (L0: no slope anywhere, so its rise from 0 to 1 stands in).  The proximal step is the
    derived closed form (:attr:`lksym.prox.Prox.closed_form`, lambdified) where there is one,
    else :func:`lksym.penalty_prox.prox_vector`, the global minimiser coordinate by coordinate.

Optimisers (fixed step :math:`\eta = 1/L`, :math:`L` the largest eigenvalue of
:math:`X^\top X/n`, 2000 iterations, start at 0)
    ``gd``
        plain (sub)gradient descent; the penalty gradient is the analysis'
        derived expression, lambdified by :func:`lksym.numeric.evaluate`; where
        it does not exist (:math:`w = 0` for :math:`k \le 1`) the subgradient 0
        is used.
    ``prox``
        proximal gradient descent (ISTA): a gradient step on the data term, then
        :func:`lksym.prox.prox_vector`, the vectorised counterpart of
        :func:`lksym.prox.prox_numeric` (the scalar version would cost 100 000
        Python calls per fit).

Everything is deterministic: the same seed gives byte-identical pages and SVGs,
on any machine.  Plain GD for :math:`k \le 1` is chaotic (weights jump across
0 for ever), so one rounding difference in the last bit changes its final
weights completely (a 1e-16 relative change of y moves the L0.5 support RMSE
from 0.036 to 0.045).  BLAS sums a matrix-vector product in an order that
depends on the CPU's kernel, so every product the optimisers use goes through
:func:`fixed_order_matvec` instead, and the step :math:`1/L` (from LAPACK) is
rounded to 12 significant digits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional

import numpy as np

from .analysis import Analysis, analyze, k_text
from .fileio import write_atomic, write_folder
from .numeric import evaluate
from .prox import prox_vector

N_TRAIN, N_FEATURES, N_TRUE, N_TEST = 200, 50, 5, 1000
NOISE_SD = 0.1
ITERATIONS = 2000
TAIL = 200
"""Iterations at the end in which sign flips of small weights are counted."""
SMALL = 1e-3
NEAR_ZERO = 0.05
"""A final weight below this counts as "near zero" for the flip count."""
OPTIMISERS = ("gd", "prox")
PAGE_NAME = "fit.md"
FIGURE_DIR = "fit"


# --------------------------------------------------------------------------- data


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
    columns = np.ascontiguousarray(A.T)
    out = np.zeros(A.shape[0])
    for j in range(columns.shape[0]):
        out += columns[j] * v[j]
    return out


def make_data(seed: int = 0) -> Data:
    """The documented synthetic regression problem (see the module docstring).

    Examples
    --------
    >>> d = make_data(0)
    >>> d.X.shape, d.X_test.shape, int((d.w_true != 0).sum())
    ((200, 50), (1000, 50), 5)
    """
    import numbers

    from .errors import InputError

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
    >>> alpha_rule(analyze("mcp(lam=1, gamma=3)"))
    (2.25, "p'(1)")
    >>> alpha_rule(analyze("capped_l1(theta=1)")), alpha_rule(analyze("l0"))
    ((1.5, "p'(0+)"), (1.5, 'p(1) - p(0)'))
    """
    import sympy as sp

    from .errors import InputError
    from .penalty import X

    if a.k is not None:
        return default_alpha(a.k), "p'(1)"
    one = sp.Integer(1)
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


# --------------------------------------------------------------------------- prox


# --------------------------------------------------------------------------- optimisers


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

    The power family uses :func:`lksym.prox.prox_vector`; a derived closed form is
    lambdified in :math:`|v|` (it holds for :math:`z > 0`; the sign is put back, and
    0 stays +0); otherwise :func:`lksym.penalty_prox.prox_vector`.

    Examples
    --------
    >>> step = prox_step(analyze("mcp(lam=1, gamma=3)"), 1.0)
    >>> step(np.array([-4.0, -2.0, 0.5, 2.0]))
    array([-4. , -1.5,  0. ,  1.5])
    """
    if a.k is not None:
        return lambda v: prox_vector(a.k, lam, v)
    form = getattr(a.prox, "closed_form", None)
    if form is None:
        from . import penalty_prox

        return lambda v: penalty_prox.prox_vector(a.subject, lam, v)
    import sympy as sp

    z = next(s for s in form.free_symbols if s.name == "z")
    lam_symbol = [s for s in form.free_symbols if s.name == "lam"]
    exact = form.subs(lam_symbol[0], sp.Float(lam, 17)) if lam_symbol else form
    if exact.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        # A branch this lam never reaches can still divide by 0 (MCP at lam = gamma); NumPy cannot print it.
        from . import penalty_prox

        return lambda v: penalty_prox.prox_vector(a.subject, lam, v)
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
    >>> r = fit_one(analyze(1), make_data(0), "prox")
    >>> int((r.w == 0).sum()) > 0
    True
    """
    if optimiser not in OPTIMISERS:
        raise ValueError(f"optimiser must be one of {OPTIMISERS}")
    alpha = (default_alpha(a.k) if a.k is not None else alpha_rule(a)[0]) if alpha is None else float(alpha)
    n, p = data.X.shape
    # Fixed summation order everywhere (see the module docstring): chaotic runs amplify any rounding difference.
    Xt = np.ascontiguousarray(data.X.T)
    gram = np.stack([fixed_order_matvec(Xt, row) for row in Xt]) / n
    xty = fixed_order_matvec(Xt, data.y) / n
    step = float(f"{1.0 / float(np.linalg.eigvalsh(gram)[-1]):.12g}")
    lam = alpha / p  # alpha * mean(|w|^k) = (alpha / p) * sum(|w|^k)
    w = np.zeros(p)
    shrink = prox_step(a, step * lam) if optimiser == "prox" and a.k is None else None
    tail = min(TAIL, iterations)
    history = np.empty((tail, p))
    for t in range(iterations):
        data_grad = fixed_order_matvec(gram, w) - xty
        if optimiser == "gd":
            with np.errstate(over="ignore", invalid="ignore"):
                w = w - step * (data_grad + lam * _penalty_gradient(a, w))
        else:
            v = w - step * data_grad
            w = prox_vector(a.k, step * lam, v) if shrink is None else shrink(v)
        if t >= iterations - tail:
            history[t - (iterations - tail)] = w
    near = np.abs(w) < NEAR_ZERO
    signs = np.sign(history[:, near])
    flips = int((signs[1:] * signs[:-1] < 0).sum())
    return FitResult(a.k, optimiser, alpha, step, w, flips, history)


# --------------------------------------------------------------------------- measures


def measures(result: FitResult, data: Data) -> dict:
    """Exact zeros, small weights, support RMSE, test MSE and flips of one fit.

    Examples
    --------
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
    from .penalty import X

    return a.k is None and all(not piece.expr.has(X) for piece in a.subject.pieces)


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
    if a.k is not None:
        return {"zeros": a.sparse, "gd": gd}
    return {"zeros": _decide(a.thresholding.sparse if a.thresholding is not None else None, lam, a.sparse), "gd": gd}


def _decide(condition, lam: Optional[float], fallback: bool) -> bool:
    """A property that may depend on lambda (a SymPy relation in ``lam``) at one ``lam``."""
    import sympy as sp

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
    >>> d = make_data(0)
    >>> r = fit_one(analyze(1), d, "gd", iterations=1)
    >>> overshoot_zone(analyze(1), r) == r.step * r.alpha / 50
    True
    """
    from .analysis import ETA

    o = a.overshoot
    if o is None or o.weight is None or o.side != "below":
        return None
    return float(o.weight.subs(ETA, result.step * result.alpha / result.w.size))


def _observed_gd(a: Analysis, result: FitResult, data: Data) -> str:
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


# --------------------------------------------------------------------------- page and figures


def _histogram(a: Analysis, results: dict, data: Data):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.0, 3.4), dpi=100, layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    bins = np.linspace(-3.5, 3.5, 71)
    for ax, (name, result) in zip(axes, results.items()):
        w = result.w
        zeros = int((w == 0).sum())
        ax.hist(w[w != 0], bins=bins, color="tab:blue", alpha=0.8, label="non-zero weights")
        if zeros:
            ax.bar([0], [zeros], width=0.05, color="tab:red", label=f"exact zeros ({zeros})")
        for v in data.w_true[data.support]:
            ax.axvline(v, color="0.5", lw=0.8, ls=":")
        ax.set_yscale("log")
        ax.set_ylim(0.5, N_FEATURES * 1.5)
        ax.set_xlabel("final weight")
        ax.set_title(f"{a.label}, {'plain GD' if name == 'gd' else 'proximal GD'}")
        ax.legend(loc="upper left", fontsize=8)
    axes[0].set_ylabel("count (log)")
    return fig


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def fit_markdown(rows: list[tuple[Analysis, dict, dict]], seed: int, figure_names: dict) -> str:
    """The page: one row per k and optimiser, then predicted against observed behaviour."""
    lines = [
        "# Fitting with $\\alpha \\operatorname{mean}(\\lvert w_i\\rvert^k)$",
        "",
        f"Generated by `lksym fit` with seed {seed}: {N_TRAIN} training samples, {N_FEATURES} features "
        f"(N(0, 1)), {N_TRUE} true non-zeros of magnitude 1 to 3 with random signs, noise sd {NOISE_SD}, "
        f"a separate test set of {N_TEST} samples. Loss $\\frac{{1}}{{2n}}\\lVert Xw - y\\rVert^2 + "
        "\\alpha \\operatorname{mean}(\\lvert w_i\\rvert^k)$ with $\\alpha = 1.5/k$ (equal pull on a unit weight), "
        f"step $1/L$ ($L$ the largest eigenvalue of $X^\\top X/n$), {ITERATIONS} iterations from $w = 0$.",
        "",
        "`gd` is plain (sub)gradient descent with the derived gradient (subgradient 0 where $f'(0)$ does not exist); "
        "`prox` is proximal gradient descent.",
        "",
        "## Results",
        "",
        f"| k | $\\alpha$ | optimiser | exact zeros | $\\lvert w\\rvert < 10^{{-3}}$ | RMSE on true support "
        f"| test MSE | median off-support $\\lvert w\\rvert$ | sign flips (last {TAIL} it.) |",
        "|---" * 9 + "|",
    ]
    for a, results, measured in rows:
        for name in OPTIMISERS:
            m = measured[name]
            lines.append(
                f"| {k_text(a.k)} | {results[name].alpha:.4g} | {name} | {m['exact_zeros']} | {m['small']} "
                f"| {m['support_rmse']:.4f} | {m['test_mse']:.5f} | {m['off_support_median']:.2e} | {m['flips']} |"
            )
    lines += [
        "",
        "## Predicted by the analysis, observed in the fit",
        "",
        "Exact zeros: predicted by `sparse` (non-vanishing gradient at $0^+$), observed when proximal GD ends with "
        "exact zeros. Plain GD: *jitter* predicted when the gradient is not Lipschitz near 0 "
        f"(observed: near-zero weights, $\\lvert w\\rvert < {NEAR_ZERO}$, change sign in the last {TAIL} iterations); "
        "*stall* predicted when the curvature vanishes at 0 (observed: no flips, and the penalty's pull per unit "
        "weight on the off-support weights is below 10% of its value at $\\lvert w\\rvert = 1$).",
        "",
        "The overshoot zone is the analysis' exact `overshoot.weight` with $\\eta$ set to the effective step "
        "$\\eta\\alpha/p$: a weight below it is thrown across 0 by one step of the penalty's gradient.",
        "",
        "| k | zeros predicted | zeros observed (prox) | match | plain GD predicted | overshoot zone "
        "| plain GD observed | match |",
        "|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    for a, results, measured in rows:
        pred = predictions(a)
        zeros = measured["prox"]["exact_zeros"] > 0
        gd = measured["gd"]["observed"]
        zone = overshoot_zone(a, results["gd"])
        zone_text = f"$\\lvert w\\rvert < {zone:.3g}$" if zone is not None else "none"
        lines.append(
            f"| {k_text(a.k)} | {_yes(pred['zeros'])} | {_yes(zeros)} | {_yes(zeros == pred['zeros'])} "
            f"| {pred['gd']} | {zone_text} | {gd} | {_yes(gd == pred['gd'])} |"
        )
        if pred["gd"] == "jitter" and gd != "jitter" and zone is not None:
            median = measured["gd"]["off_support_median"]
            notes.append(
                f"- {a.label}: no flips although the gradient is not Lipschitz at 0: the overshoot zone "
                f"({zone:.3g}) is narrower than where the off-support weights settle (median {median:.3g}), "
                "so no weight ever enters it."
            )
    if notes:
        lines += ["", *notes]
    lines += ["", "## Final weights", ""]
    for a, _, _ in rows:
        name = figure_names[a.subject]
        lines += [f"**{a.label}**: histograms of the final weights (dotted: true values)", "", f"![{name}]({FIGURE_DIR}/{name})", ""]
    return "\n".join(lines).rstrip() + "\n"


def mixed_fit_markdown(rows: list[tuple[Analysis, dict, dict]], seed: int, figure_names: dict) -> str:
    """The page of a fit with penalties other than :math:`|w|^k` among the subjects (see :func:`fit_markdown`)."""
    lines = [
        "# Fitting with $\\alpha \\operatorname{mean}(p(w_i))$",
        "",
        f"Generated by `lksym fit` with seed {seed}: {N_TRAIN} training samples, {N_FEATURES} features "
        f"(N(0, 1)), {N_TRUE} true non-zeros of magnitude 1 to 3 with random signs, noise sd {NOISE_SD}, "
        f"a separate test set of {N_TEST} samples. Loss $\\frac{{1}}{{2n}}\\lVert Xw - y\\rVert^2 + "
        "\\alpha \\operatorname{mean}(p(w_i))$, "
        f"step $1/L$ ($L$ the largest eigenvalue of $X^\\top X/n$), {ITERATIONS} iterations from $w = 0$.",
        "",
        "$\\alpha$ gives every penalty the same pull on a unit weight, as $\\alpha = 1.5/k$ does for "
        "$\\lvert w\\rvert^k$: $\\alpha \\cdot p'(1) = 1.5$ where $p'(1)$ exists and is not 0, else "
        "$\\alpha \\cdot p'(0^+) = 1.5$, else $\\alpha (p(1) - p(0)) = 1.5$ (a penalty with no slope, L0); "
        "the column *rule* says which applied.",
        "",
        "`gd` is plain (sub)gradient descent with the derived gradient (subgradient 0 where $p'(0)$ does not exist); "
        "`prox` is proximal gradient descent with the derived proximal step (its closed form where there is one, "
        "else the global minimiser found coordinate by coordinate).",
        "",
        "## Results",
        "",
        f"| penalty | $\\alpha$ | rule | optimiser | exact zeros | $\\lvert w\\rvert < 10^{{-3}}$ | RMSE on true support "
        f"| test MSE | median off-support $\\lvert w\\rvert$ | sign flips (last {TAIL} it.) |",
        "|---" * 10 + "|",
    ]
    for a, results, measured in rows:
        rule = alpha_rule(a)[1]
        for name in OPTIMISERS:
            m = measured[name]
            lines.append(
                f"| {a.label} | {results[name].alpha:.4g} | ${rule}$ | {name} | {m['exact_zeros']} | {m['small']} "
                f"| {m['support_rmse']:.4f} | {m['test_mse']:.5f} | {m['off_support_median']:.2e} | {m['flips']} |"
            )
    lines += [
        "",
        "## Predicted by the analysis, observed in the fit",
        "",
        "Exact zeros: predicted by Fan and Li's *sparse* (for the power family: non-vanishing gradient at $0^+$; "
        "where it depends on $\\lambda$, decided at the proximal step's $\\lambda = \\eta\\alpha/p$), observed when "
        "proximal GD ends with exact zeros. Plain GD: *no pull* for a penalty constant off 0 (plain GD is then "
        "least squares); *jitter* predicted when the gradient is not Lipschitz near 0 "
        f"(observed: near-zero weights, $\\lvert w\\rvert < {NEAR_ZERO}$, change sign in the last {TAIL} iterations); "
        "*stall* predicted when the curvature vanishes at 0 (observed: no flips, and the penalty's pull per unit "
        "weight on the off-support weights is below 10% of its value at $\\lvert w\\rvert = 1$).",
        "",
        "The overshoot zone is the analysis' `overshoot.weight` with $\\eta$ set to $\\eta\\alpha/p$ (derived piece "
        "by piece; *none* where small weights do not overshoot, *not derived* where it has no single exact form).",
        "",
        "| penalty | zeros predicted | zeros observed (prox) | match | plain GD predicted | overshoot zone "
        "| plain GD observed | match |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for a, results, measured in rows:
        r = results["prox"]
        pred = predictions(a, r.step * r.alpha / r.w.size)
        zeros = measured["prox"]["exact_zeros"] > 0
        gd = measured["gd"]["observed"]
        zone = overshoot_zone(a, results["gd"])
        if zone is not None:
            zone_text = f"$\\lvert w\\rvert < {zone:.3g}$"
        else:
            zone_text = "not derived" if a.overshoot is None else "none"
        lines.append(
            f"| {a.label} | {_yes(pred['zeros'])} | {_yes(zeros)} | {_yes(zeros == pred['zeros'])} "
            f"| {pred['gd']} | {zone_text} | {gd} | {_yes(gd == pred['gd'])} |"
        )
    lines += ["", "## Final weights", ""]
    for a, _, _ in rows:
        name = figure_names[a.subject]
        lines += [f"**{a.label}**: histograms of the final weights (dotted: true values)", "", f"![{name}]({FIGURE_DIR}/{name})", ""]
    return "\n".join(lines).rstrip() + "\n"


def _slug(k, image_format: str = "svg") -> str:
    from .api import k_slug

    return k_slug(k) + "." + image_format


def render_fit(ks: Iterable, seed: int = 0, progress: Optional[Callable[[], None]] = None,
               image_format: str = "svg", dpi: Optional[int] = None) -> dict[str, bytes]:
    """Fit every subject with both optimisers and render ``fit.md`` and histograms (SVG or PNG) in memory.

    ``ks``: exponents and penalties, as :func:`lksym.compare.compare_subjects` reads and
    orders them (only exponents: the power family's page, :func:`fit_markdown`).

    ``progress()`` is called after each single fit.
    """
    import matplotlib

    from .compare import compare_subjects
    from .plots import DPI, SVG_RC, image_name, render_image
    from .regenerate import FIT_KS

    image_name("check.svg", image_format)  # an unknown format fails before the fits

    ks = list(ks) or list(FIT_KS)  # none: the published set
    data = make_data(seed)
    rows, files, names = [], {}, {}
    subjects = compare_subjects(ks)
    powers_only = all(p.family == "power" for p in subjects)
    for subject in subjects:
        a = analyze(subject.k if powers_only else subject)
        results, measured = {}, {}
        for name in OPTIMISERS:
            results[name] = fit_one(a, data, name)
            measured[name] = measures(results[name], data)
            if progress is not None:
                progress()
        measured["gd"]["observed"] = _observed_gd(a, results["gd"], data)
        rows.append((a, results, measured))
        names[a.subject] = _slug(a.k, image_format) if a.k is not None else f"{a.subject.slug}.{image_format}"
        with matplotlib.rc_context(SVG_RC):
            files[f"{FIGURE_DIR}/{names[a.subject]}"] = render_image(_histogram(a, results, data), image_format, dpi or DPI)
    page = fit_markdown if powers_only else mixed_fit_markdown
    files[PAGE_NAME] = page(rows, seed, names).encode("utf-8")
    return files


def write_fit(ks: Iterable, out_dir: os.PathLike | str = "reports", seed: int = 0, progress=None,
              image_format: str = "svg", dpi: Optional[int] = None) -> Path:
    """Write ``out_dir/fit.md`` and its histograms (``image_format`` SVG or PNG) in ``out_dir/fit/``, then refresh the index.

    Examples
    --------
    >>> import tempfile
    >>> write_fit(["2"], tempfile.mkdtemp()).name
    'fit.md'
    """
    from .api import write_index

    out = Path(out_dir)
    files = render_fit(ks, seed, progress, image_format, dpi)
    # The figure folder appears whole or not at all, then the page that links it.
    figures = {name.partition("/")[2]: data for name, data in files.items() if name.startswith(FIGURE_DIR + "/")}
    write_folder(out / FIGURE_DIR, figures)
    write_atomic(out / PAGE_NAME, files[PAGE_NAME])
    write_index(out)
    return out / PAGE_NAME
