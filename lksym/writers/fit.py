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
    derived closed form (:attr:`lksym.derivation.prox.Prox.closed_form`, lambdified) where there is one,
    else :func:`lksym.derivation.penalty_prox.prox_vector`, the global minimiser coordinate by coordinate.

Optimisers (fixed step :math:`\eta = 1/L`, :math:`L` the largest eigenvalue of
:math:`X^\top X/n`, 2000 iterations, start at 0)
    ``gd``
        plain (sub)gradient descent; the penalty gradient is the analysis'
        derived expression, lambdified by :func:`lksym.numerics.numeric.evaluate`; where
        it does not exist (:math:`w = 0` for :math:`k \le 1`) the subgradient 0
        is used.
    ``prox``
        proximal gradient descent (ISTA): a gradient step on the data term, then
        :func:`lksym.derivation.prox.prox_vector`, the vectorised counterpart of
        :func:`lksym.derivation.prox.prox_numeric` (the scalar version would cost 100 000
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

from matplotlib.figure import Figure
import numpy as np

from lksym.derivation.exact import k_text
from lksym.numerics.fitting import (
    ITERATIONS,
    N_FEATURES,
    N_TEST,
    N_TRAIN,
    N_TRUE,
    NEAR_ZERO,
    NOISE_SD,
    OPTIMISERS,
    TAIL,
    Data,
    alpha_rule,
    overshoot_zone,
    predictions,
)
from lksym.results import Analysis

PAGE_NAME = "fit.md"
FIGURE_DIR = "fit"


# --------------------------------------------------------------------------- data


# --------------------------------------------------------------------------- prox


# --------------------------------------------------------------------------- optimisers


# --------------------------------------------------------------------------- measures


# --------------------------------------------------------------------------- page and figures


def histogram(a: Analysis, results: dict, data: Data):

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
                f"| {k_text(a.power.k)} | {results[name].alpha:.4g} | {name} | {m['exact_zeros']} | {m['small']} "
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
            f"| {k_text(a.power.k)} | {_yes(pred['zeros'])} | {_yes(zeros)} | {_yes(zeros == pred['zeros'])} "
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


FIT_KS = ("0.5", "1", "1.5", "2", "3")
"""The exponents ``lksym fit`` fits by default (k = 10 stalls like k = 3 and adds nothing)."""


FIT_SEED = 0
"""Seed of the published fit."""
