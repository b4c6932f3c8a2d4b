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
    alpha = default_alpha(a.k) if alpha is None else float(alpha)
    n, p = data.X.shape
    # Fixed summation order everywhere (see the module docstring): chaotic runs amplify any rounding difference.
    Xt = np.ascontiguousarray(data.X.T)
    gram = np.stack([fixed_order_matvec(Xt, row) for row in Xt]) / n
    xty = fixed_order_matvec(Xt, data.y) / n
    step = float(f"{1.0 / float(np.linalg.eigvalsh(gram)[-1]):.12g}")
    lam = alpha / p  # alpha * mean(|w|^k) = (alpha / p) * sum(|w|^k)
    w = np.zeros(p)
    tail = min(TAIL, iterations)
    history = np.empty((tail, p))
    for t in range(iterations):
        data_grad = fixed_order_matvec(gram, w) - xty
        if optimiser == "gd":
            with np.errstate(over="ignore", invalid="ignore"):
                w = w - step * (data_grad + lam * _penalty_gradient(a, w))
        else:
            w = prox_vector(a.k, step * lam, w - step * data_grad)
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


def predictions(a: Analysis) -> dict:
    """What the analysis predicts for the two optimisers.

    ``zeros``: a proximal step gives exact zeros (``a.sparse``).  ``gd``:
    ``"jitter"`` when the gradient is not Lipschitz near 0 (k < 2: an unbounded
    or jumping pull throws small weights across 0), ``"stall"`` when the
    curvature vanishes at 0 (k > 2: small weights are hardly pulled at all),
    ``"smooth"`` otherwise (L2).

    Examples
    --------
    >>> [predictions(analyze(k))["gd"] for k in ("1/2", "1", "3/2", "2", "3")]
    ['jitter', 'jitter', 'jitter', 'smooth', 'stall']
    """
    if not a.lipschitz_gradient_near_zero:
        gd = "jitter"
    elif a.curvature.limits["0+"] == 0:
        gd = "stall"
    else:
        gd = "smooth"
    return {"zeros": a.sparse, "gd": gd}


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
    if o.weight is None or o.side != "below":
        return None
    return float(o.weight.subs(ETA, result.step * result.alpha / result.w.size))


def _observed_gd(a: Analysis, result: FitResult, data: Data) -> str:
    if result.flips > 0:
        return "jitter"
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
        name = figure_names[a.k]
        lines += [f"**{a.label}**: histograms of the final weights (dotted: true values)", "", f"![{name}]({FIGURE_DIR}/{name})", ""]
    return "\n".join(lines).rstrip() + "\n"


def _slug(k, image_format: str = "svg") -> str:
    from .api import k_slug

    return k_slug(k) + "." + image_format


def render_fit(ks: Iterable, seed: int = 0, progress: Optional[Callable[[], None]] = None,
               image_format: str = "svg", dpi: Optional[int] = None) -> dict[str, bytes]:
    """Fit every k with both optimisers and render ``fit.md`` and histograms (SVG or PNG) in memory.

    ``progress()`` is called after each single fit.
    """
    import matplotlib

    from .compare import _distinct
    from .plots import DPI, SVG_RC, image_name, render_image
    from .regenerate import FIT_KS

    image_name("check.svg", image_format)  # an unknown format fails before the fits

    ks = list(ks) or list(FIT_KS)  # none: the published set
    data = make_data(seed)
    rows, files, names = [], {}, {}
    for k in _distinct(ks):
        a = analyze(k)
        results, measured = {}, {}
        for name in OPTIMISERS:
            results[name] = fit_one(a, data, name)
            measured[name] = measures(results[name], data)
            if progress is not None:
                progress()
        measured["gd"]["observed"] = _observed_gd(a, results["gd"], data)
        rows.append((a, results, measured))
        names[a.k] = _slug(a.k, image_format)
        with matplotlib.rc_context(SVG_RC):
            files[f"{FIGURE_DIR}/{names[a.k]}"] = render_image(_histogram(a, results, data), image_format, dpi or DPI)
    files[PAGE_NAME] = fit_markdown(rows, seed, names).encode("utf-8")
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
