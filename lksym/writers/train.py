"""Render a :class:`~lksym.training.grid.TrainResult`: ``train.md``, ``train.json``, figures, a terminal summary.

Renders a frozen result only; nothing is computed here but formatting and drawing.  The folder
(``reports/train/`` for the published run) is written whole or not at all
(:func:`lksym.fileio.write_folder`).
"""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import numpy as np

from lksym.errors import InputError
from lksym.fileio import check_replaceable, write_folder
from lksym.writers.plots import render_svg

HEADING = "# Evidence on a real network"


def _spec(spec) -> dict:
    return {"penalty": spec.penalty, "optimizer": spec.optimizer, "alpha": spec.alpha, "lr": spec.lr,
            "epochs": spec.epochs, "seed": spec.seed}


def _run(r) -> dict:
    return {
        **_spec(r.spec), "test_accuracy": r.test_accuracy, "train_loss": r.train_loss, "weights": r.weights,
        "exact_zero": r.exact_zero, "below_1e-6": r.below_1e6, "below_1e-3": r.below_1e3,
        "small_sign_changes": r.small_sign_changes, "seconds": round(r.seconds, 3),
        "cpu_seconds": round(r.cpu_seconds, 3),
        "log10_abs_histogram": {"counts": list(r.log_hist), "exact_zeros": r.log_zeros, "below_first_edge": r.log_below},
        "signed_histogram": {"counts": list(r.signed_hist)},
    }


def to_dict(result) -> dict:
    """Every figure and setting of the result, as plain JSON types."""
    return {
        "settings": {"penalties": list(result.penalties), "optimizers": list(result.optimizers), "epochs": result.epochs,
                     "seed": result.seed, "alpha": result.alpha, **result.settings},
        "environment": dict(result.environment),
        "runs": [_run(r) for r in result.runs],
        "chosen": [
            {**_spec(c.run.spec), "within_tolerance": c.within_tolerance,
             "predicted": {"zeros": c.prediction.zeros, "flips": c.prediction.flips, "untouched": c.prediction.untouched,
                           "text": c.prediction.text(), "because": c.prediction.because,
                           "one_weight_long_run": c.prediction.long_run},
             "observed": {"zeros": c.verdict.zeros, "flips": c.verdict.flips, "untouched": c.verdict.untouched,
                          "text": c.verdict.text()},
             "agree": c.verdict.agree, "why": c.verdict.why, "float32_prox_check": c.float32_prox}
            for c in result.cells
        ],
    }


def to_json(result) -> str:
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%" if x >= 1e-3 or x == 0 else f"{100 * x:.2f}%"


def summary(result) -> str:
    """One line per chosen run: penalty, optimiser, alpha, accuracy, zeros, small, flips, agreement."""
    lines = [f"{'penalty':<22}{'optimizer':<11}{'alpha':>9}{'acc':>7}{'=0':>8}{'<1e-3':>8}{'flips':>7}  prediction"]
    for opt in result.optimizers:
        b = result.baselines[opt]
        lines.append(f"{'none':<22}{opt:<11}{'-':>9}{100 * b.test_accuracy:>6.1f}%{_pct(b.exact_zero):>8}"
                     f"{_pct(b.below_1e3):>8}{b.small_sign_changes:>7}")
        for c in result.cells:
            r = c.run
            if r.spec.optimizer != opt:
                continue
            verdict = "agrees" if c.verdict.agree else "DISAGREES: " + c.verdict.why
            lines.append(f"{r.spec.penalty:<22}{opt:<11}{r.spec.alpha:>9.3g}{100 * r.test_accuracy:>6.1f}%"
                         f"{_pct(r.exact_zero):>8}{_pct(r.below_1e3):>8}{r.small_sign_changes:>7}  "
                         f"{c.prediction.text()}; {verdict}")
    return "\n".join(lines)


def _label(penalty: str) -> str:
    try:
        float(penalty)
        return f"L{penalty}"
    except ValueError:
        return penalty


def _new_figure(figsize: tuple):
    """A :class:`matplotlib.figure.Figure` without pyplot (no backend, no global state; see :mod:`lksym.writers.plots`).

    Imported here, not at the top: the terminal summary and ``--json`` of ``lksym train`` use this
    module and draw nothing, and matplotlib would be half a second of their start-up.
    """
    from matplotlib.figure import Figure

    return Figure(figsize=figsize)


def _figure_hist(result, opt: str, kind: str) -> bytes:  # noqa: N806 (edges as constants)
    LOG_EDGES, SIGNED_EDGES = np.array(result.settings["log10_edges"]), np.array(result.settings["signed_edges"])
    runs = [result.baselines[opt]] + [c.run for c in result.cells if c.run.spec.optimizer == opt]
    cols = min(5, len(runs))
    rows = -(-len(runs) // cols)
    fig = _new_figure((2.6 * cols, 2.1 * rows))
    axes = fig.subplots(rows, cols, sharex=True, squeeze=False)
    for ax in axes.flat[len(runs):]:
        ax.set_visible(False)
    for ax, r in zip(axes.flat, runs):
        title = "none" if r.spec.penalty == "none" else f"{_label(r.spec.penalty)}, α={r.spec.alpha:.2g}"
        if kind == "log":
            ax.stairs(r.log_hist, LOG_EDGES, fill=True, color="#4477aa")  # one patch, not a bar per bin
            if r.log_below:  # 0 < |w| < 1e-10 (underflowing weights) would otherwise not be drawn at all
                ax.bar([LOG_EDGES[0] - 0.3], [r.log_below], width=0.4, color="#999999")
            if r.log_zeros:
                ax.bar([LOG_EDGES[0] - 0.8], [r.log_zeros], width=0.4, color="#cc3311")
            ax.set_xlim(LOG_EDGES[0] - 1.1, LOG_EDGES[-1])
            ax.set_xticks([-10, -8, -6, -4, -2, 0])  # the edges run from -10 to 1
            ax.set_xticklabels(["1e-10", "1e-8", "1e-6", "1e-4", "0.01", "1"], fontsize=6)
        else:
            # np.histogram counts w = 0 in the bin [0, 0.001); drawn apart in red, so taken out of that bin.
            counts = np.array(r.signed_hist)
            counts[np.searchsorted(SIGNED_EDGES, 0.0, side="right") - 1] -= r.log_zeros
            ax.stairs(counts, SIGNED_EDGES, fill=True, color="#4477aa")
            if r.log_zeros:
                ax.bar([0.0], [r.log_zeros], width=(SIGNED_EDGES[1] - SIGNED_EDGES[0]) / 3, color="#cc3311")
            ax.tick_params(labelsize=6)
        ax.set_yscale("symlog", linthresh=10)
        ax.set_title(title + f"  ({100 * r.test_accuracy:.1f}%)", fontsize=7)
        ax.tick_params(axis="y", labelsize=6)
    what = ("|w| on a log scale (red, left: exact zeros; grey: 0 < |w| < 1e-10)" if kind == "log"
            else "signed w in [-0.02, 0.02] (red: exact zeros, apart from the bin [0, 0.001))")
    fig.suptitle(f"{opt}: histogram of the {runs[0].weights} penalised weights, {what}", fontsize=9)
    fig.tight_layout()
    svg = render_svg(fig)
    return svg


def _figure_zeros(result) -> bytes:
    opts = list(result.optimizers)
    fig = _new_figure((3.2 * len(opts) + 1.6, 2.8))
    axes = fig.subplots(1, len(opts), squeeze=False, sharey=True)
    styles = ("-", "--", ":", "-.")  # penalties with the same zeros (L1 and SCAD: SCAD is L1 below 1) stay visible
    for ax, opt in zip(axes.flat, opts):
        for i, p in enumerate(result.penalties):
            tried = sorted((r for r in result.runs if r.spec.optimizer == opt and r.spec.penalty == p),
                           key=lambda r: r.spec.alpha)
            s = result.settings["scales"][p]
            line, = ax.plot([r.spec.alpha / s for r in tried], [r.exact_zero for r in tried], marker="o", ms=3,
                            ls=styles[i % len(styles)], label=_label(p))
            chosen = result.cell(p, opt).run
            ax.plot([chosen.spec.alpha / s], [chosen.exact_zero], marker="o", ms=8, mfc="none", ls="none",
                    color=line.get_color())
        ax.set_xscale("log")
        ax.set_title(opt, fontsize=9)
        ax.set_xlabel("alpha · |p'(1)|", fontsize=8)
        ax.tick_params(labelsize=7)
    axes.flat[0].set_ylabel("fraction of weights exactly 0", fontsize=8)
    fig.suptitle("Exact zeros against the strength (ringed: the strength chosen for the tables)", fontsize=9)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, loc="center right")  # beside the panels, never over a line
    fig.tight_layout(rect=(0, 0, 0.86, 1))
    svg = render_svg(fig)
    return svg


def _yes(flag) -> str:
    return "—" if flag is None else ("yes" if flag else "no")


def markdown(result) -> str:
    """The page ``train.md``."""
    env, st = result.environment, result.settings
    out = [
        HEADING + " (lksym train)",
        "",
        "What the exact one-weight analysis of each penalty predicts under each optimiser, beside what a small "
        "network trained on scikit-learn's digits did to its weights. Made by "
        f"`lksym train --epochs {result.epochs} --seed {result.seed} --out reports/train`"
        + (f" --alpha {result.alpha}" if result.alpha is not None else "") + " (not rebuilt by `lksym regenerate`).",
        "",
        "## Setting",
        "",
        f"- Data: {st['data']}; {st['test_images']} test images by a seeded permutation (seed {result.seed}).",
        f"- Model: {st['model']}; only the two weight matrices are penalised and measured (biases not).",
        f"- Pixels {', '.join(str(i) for i in st['constant_pixels'])} are constant over the training images, so the "
        f"{len(st['constant_pixels'])} x {st['hidden']} first-layer weights from them get no data gradient: they move "
        "by the penalty alone, the one-weight model without the data.",
        f"- Training: {result.epochs} epochs, mini-batches of {st['batch']}; learning rates "
        + ", ".join(f"{k} {v:g}" for k, v in st["learning_rates"].items()) + ".",
        "- Loss: mean cross-entropy + alpha · Σ p(w) (alpha per weight). `sgd`, `adam`: the penalty in the loss: "
        "its gradient alpha·p'(w) (`lksym.torch`'s, subgradient 0 at w = 0) added to the data gradient, bit for bit "
        "what backpropagation through alpha · Σ p(w) gives. `adamw`: AdamW with weight_decay 0 on "
        "the data loss and the decoupled step w ← w − lr·alpha·p'(w) before each Adam step (for L2 exactly AdamW with "
        "weight_decay = 2·alpha). `adam-prox`: Adam on the data loss, then w ← prox_{lr·alpha·p}(w) "
        "(`lksym.torch.ProximalPenalty`).",
        "- Strength: each penalty tried at alpha = c / |p'(1)| for c in "
        + "; ".join(f"{k}: {', '.join(f'{c:g}' for c in v)}" for k, v in st["alpha_scales"].items())
        + f"; the table shows the largest whose test accuracy is within {100 * st['tolerance']:g} points of the "
        "optimiser's baseline (every run is in `train.json` and in the figure of exact zeros against alpha).",
        f"- Sign changes: weights with |w| < {st['small']:g} at the end that were both > 0 and < 0 after some step "
        f"of the last {st['tail_epochs']} epochs.",
        "- Time: CPU s is the run's CPU time (one thread, training and evaluation); the wall seconds, which "
        "depend on what else the machine was doing, are in `train.json` beside it. The numbers do not depend on "
        "`--jobs` (each run is seeded and single-threaded).",
        f"- Ran on: {env['cpu']}, {env['platform']}; Python {env['python']}, torch {env['torch']}, scikit-learn "
        f"{env['scikit-learn']}, NumPy {env['numpy']}, SymPy {env['sympy']}, lksym {env['lksym']}; one thread per run. "
        "float32 kernels may round differently on another CPU: the same seed gives the same numbers on the same "
        "machine and build.",
        "",
        "## All runs at the chosen strength",
        "",
        "| penalty | optimizer | alpha | test acc. | exactly 0 | < 1e-6 | < 1e-3 | sign changes | CPU s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for opt in result.optimizers:
        rows = [result.baselines[opt]] + [c.run for c in result.cells if c.run.spec.optimizer == opt]
        for r in rows:
            alpha = "—" if r.spec.penalty == "none" else f"{r.spec.alpha:.3g}"
            out.append(f"| {_label(r.spec.penalty)} | {opt} | {alpha} | {100 * r.test_accuracy:.1f}% | "
                       f"{_pct(r.exact_zero)} | {_pct(r.below_1e6)} | {_pct(r.below_1e3)} | {r.small_sign_changes} | "
                       f"{r.cpu_seconds:.1f} |")
    agree = sum(c.verdict.agree for c in result.cells)
    out += [
        "",
        "## Predictions beside observations",
        "",
        f"{agree} of {len(result.cells)} agree. Claims: exact zeros; sign flips driven by the penalty (at least "
        "twice the baseline's sign changes + 10); small weights untouched (the fraction below 1e-3 at most twice the "
        "baseline's). The prediction is the one-weight model of `lksym dynamics` (the penalty alone on one weight "
        "starting at 0.01, the optimiser's own update, as many steps as the network took; `adamw`'s decoupled step "
        "is a plain step), with the fact of `lksym analyze` behind it (overshoot zone, dead zone, prox threshold).",
        "",
        "| penalty | optimizer | alpha | one weight from 0.01 (`lksym dynamics`) | predicted | because | observed | agree | why |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in result.cells:
        r = c.run
        out.append(f"| {_label(r.spec.penalty)} | {r.spec.optimizer} | {r.spec.alpha:.3g} | {c.prediction.long_run} | "
                   f"{c.prediction.text()} | "
                   f"{c.prediction.because} | {c.verdict.text()} | {'yes' if c.verdict.agree else '**no**'} | "
                   f"{c.verdict.why} |")
    out += ["", "## Figures", "", "Exact zeros against alpha (alpha scaled by |p'(1)|, one line per penalty):", "",
            "![exact zeros against alpha](zeros-vs-alpha.svg)", ""]
    for opt in result.optimizers:
        out += [f"### {opt}", "", f"![log10 |w| under {opt}](hist-log-{opt}.svg)", "",
                f"![signed w near 0 under {opt}](hist-signed-{opt}.svg)", ""]
    return "\n".join(out)


def _figure(task: tuple) -> bytes:
    """One figure of the folder: ``(result, "zeros")`` or ``(result, optimizer, "log" | "signed")``."""
    result, *which = task
    return _figure_zeros(result) if which == ["zeros"] else _figure_hist(result, *which)


def files(result, jobs: int = 1) -> dict:
    """Every file of the folder, rendered in memory: name -> bytes.

    ``jobs > 1``: the figures (most of the time this takes) are drawn in that many forked
    processes; each figure is drawn alone, so the bytes do not depend on ``jobs``.
    """
    names = ["zeros-vs-alpha.svg"]
    tasks: list = [(result, "zeros")]
    for opt in result.optimizers:
        for kind in ("log", "signed"):
            names.append(f"hist-{kind}-{opt}.svg")
            tasks.append((result, opt, kind))
    _new_figure((1, 1))  # matplotlib loaded once, before the workers fork
    if jobs > 1:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(tasks))) as pool:
            figures = pool.map(_figure, tasks, chunksize=1)
    else:
        figures = [_figure(t) for t in tasks]
    out = {"train.md": markdown(result).encode("utf-8"), "train.json": (to_json(result) + "\n").encode("utf-8")}
    out.update(zip(names, figures))
    return out


def check_out(out: Path) -> None:
    """Refuse a folder that holds anything but an earlier ``lksym train`` output (a report folder is lksym's too, but not this)."""
    if not out.is_dir() or not any(out.iterdir()):
        return
    try:
        ours = (out / "train.md").read_bytes().startswith(HEADING.encode("utf-8"))
    except OSError:
        ours = False
    if not ours:
        raise InputError(f"refusing to replace {out}: it holds no train.md written by lksym train "
                         "(choose an empty or new folder, e.g. reports/train)")


def write_train(result, out_dir: os.PathLike | str, jobs: int = 1) -> Path:
    """Write the folder ``out_dir`` (``train.md``, ``train.json``, figures) whole or not at all; return ``train.md``.

    ``jobs``: processes to draw the figures in (:func:`files`).
    """
    out = Path(out_dir)
    check_out(out)
    rendered = files(result, jobs)
    check_replaceable(out, rendered)
    write_folder(out, rendered)
    return out / "train.md"
