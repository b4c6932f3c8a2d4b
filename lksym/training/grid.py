r"""The grid of ``lksym train``: every penalty under every optimiser at a few strengths, run on all cores.

Strength (:func:`alpha_grid`, :func:`choose`)
    Each penalty is first put on a common scale, :math:`s = 1/|p'(1)|` (the rule of
    :func:`lksym.numerics.fitting.alpha_rule`: every penalty then pulls a unit weight equally
    hard; :math:`1/k` for :math:`|w|^k`), and tried at :math:`\alpha = c\,s` for three decades of
    :math:`c` per optimiser (:data:`SCALES`): the penalty's gradient is added to the data
    gradient for ``sgd`` and ``adam``, but is a separate step of size :math:`lr\,\alpha` (a
    thousandth of alpha) for ``adamw`` and ``adam-prox``, so those need larger alpha to matter.
    The strength reported for a penalty and optimiser is the **largest** tried whose test
    accuracy is within :data:`TOLERANCE` (two points) of that optimiser's unpenalised baseline:
    the strongest penalty that still costs (almost) nothing.  Every strength tried is in the
    result (and in the exact-zero-against-alpha figure).  ``alpha=`` given: that one strength for
    every penalty, no selection.

Runs are independent and seeded; with ``jobs > 1`` they run in forked processes, one thread each
(and the chosen cells' predictions after them), and the result does not depend on ``jobs``.
"""

from __future__ import annotations

import multiprocessing
import platform
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Callable, Optional

import torch

import lksym.torch as lt
from lksym.derivation.penalty import parse_subject
from lksym.numerics import train_claims
from lksym.numerics.fitting import alpha_rule
from lksym.results import analyze
from lksym.training import model as training
from lksym.training.model import OPTIMISERS, RunResult, RunSpec

PENALTIES = ("0.5", "1", "1.5", "2", "3", "10", "scad(lam=1, a=3.7)", "mcp(lam=1, gamma=3)", "logsum(eps=0.1)")
"""The default penalties (the article's six k and the catalogue's three non-convex ones); ``none`` is always run too."""

SCALES = {"sgd": (1e-4, 1e-3, 1e-2), "adam": (1e-4, 1e-3, 1e-2), "adamw": (1e-2, 1e-1, 1.0), "adam-prox": (1e-2, 1e-1, 1.0)}

TOLERANCE = 0.02
"""Largest loss of test accuracy (a fraction) against the baseline for a strength to be chosen."""


@dataclass(frozen=True)
class Cell:
    """One penalty under one optimiser at its chosen strength: the run, the prediction and the verdict."""

    run: RunResult
    prediction: train_claims.Prediction
    verdict: train_claims.Verdict
    within_tolerance: bool
    float32_prox: Optional[str] = None


@dataclass(frozen=True)
class TrainResult:
    """Everything ``lksym train`` measured: settings, every run, the chosen cells, where it ran."""

    penalties: tuple
    optimizers: tuple
    epochs: int
    seed: int
    alpha: Optional[float]
    runs: tuple
    baselines: dict
    cells: tuple
    environment: dict
    settings: dict = field(default_factory=dict)

    def cell(self, penalty: str, optimizer: str) -> Cell:
        return next(c for c in self.cells if c.run.spec.penalty == penalty and c.run.spec.optimizer == optimizer)


def scale(subject) -> float:
    """:math:`1/|p'(1)|` (or the next rule of :func:`~lksym.numerics.fitting.alpha_rule`) for a penalty text."""
    return alpha_rule(analyze(subject))[0] / 1.5


def check_penalty(text: str) -> None:
    """Raise :class:`~lksym.errors.InputError` for a penalty that cannot be trained (parsed, scaled) before any run."""
    parse_subject(text)
    scale(text)


def alpha_grid(penalty: str, optimizer: str, alpha: Optional[float] = None) -> tuple:
    """The strengths tried.

    Examples
    --------
    >>> alpha_grid("2", "sgd")
    (5e-05, 0.0005, 0.005)
    >>> alpha_grid("2", "adam", alpha=0.25)
    (0.25,)
    """
    if alpha is not None:
        return (float(alpha),)
    s = scale(penalty)
    return tuple(float(f"{c * s:.6g}") for c in SCALES[optimizer])


def specs(penalties, optimizers, epochs: int, seed: int, alpha: Optional[float] = None) -> list:
    """Every run of the grid: each optimiser's baseline, then each penalty at each strength."""
    out = []
    for opt in optimizers:
        out.append(RunSpec("none", opt, 0.0, epochs, seed))
        for p in penalties:
            out += [RunSpec(p, opt, a, epochs, seed) for a in alpha_grid(p, opt, alpha)]
    return out


_DATA: dict = {}


def _data(seed: int) -> training.Data:
    """The split of ``seed``, loaded once per process (a forked worker inherits the parent's)."""
    if seed not in _DATA:
        _DATA[seed] = training.load_data(seed)
    return _DATA[seed]


def _one(spec: RunSpec) -> RunResult:
    return training.run(spec, _data(spec.seed))


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment() -> dict:
    """Versions and the processor: what the page says it ran on (read from the installed packages' metadata)."""

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:  # lksym run from a source tree without installing
            return "not installed"

    return {
        "lksym": installed("lksym"), "python": platform.python_version(), "torch": torch.__version__,
        "scikit-learn": installed("scikit-learn"), "numpy": installed("numpy"), "sympy": installed("sympy"),
        "cpu": cpu_model(), "platform": platform.platform(), "threads_per_run": 1,
    }


def run_grid(penalties, optimizers, epochs: int = training.EPOCHS, seed: int = 0, alpha: Optional[float] = None,
             jobs: int = 1, progress: Optional[Callable[[int, int], None]] = None) -> TrainResult:
    """Run the grid and judge each chosen cell against its prediction (see the module docstring).

    Everything a run needs but does not measure is done once, here, before the workers fork
    (they inherit it): each penalty's analysis and compiled functions, the data, torch's
    optimiser machinery (:func:`~lksym.training.model.warm_up`).  The workers then train the
    runs and, once every run is in, derive the chosen cells' predictions (:func:`assemble`).
    """
    torch.set_num_threads(1)
    todo = specs(penalties, optimizers, epochs, seed, alpha)
    for p in penalties:
        lt.compiled(p)
    training.warm_up()
    _data(seed)
    results: list = []
    if jobs > 1 and len(todo) > 1:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(jobs, len(todo))) as pool:
            for r in pool.imap(_one, todo):
                results.append(r)
                if progress is not None:
                    progress(len(results), len(todo))
            return assemble(results, penalties, optimizers, epochs, seed, alpha, pool.map)
    for spec in todo:
        results.append(_one(spec))
        if progress is not None:
            progress(len(results), len(todo))
    return assemble(results, penalties, optimizers, epochs, seed, alpha)


def float32_prox_check(penalty: str, lam: float) -> Optional[str]:
    """Where ``lksym.torch.prox`` in float32 returns 0 although its float64 answer is not 0, for |z| in [1e-6, 1].

    ``None`` when float32 agrees (no false zero); else one line naming the largest such |z|.

    Examples
    --------
    >>> float32_prox_check("1", 1e-4) is None
    True
    """
    z = torch.logspace(-6, 0, 121, dtype=torch.float64)
    exact = lt.prox(penalty, z, lam)
    single = lt.prox(penalty, z.float(), lam).double()
    false_zero = (single == 0) & (exact != 0)
    if not bool(false_zero.any()):
        return None
    worst = float(z[false_zero].max())
    return (f"lksym.torch.prox({penalty!r}, z, {lam:.3g}) is exactly 0 in float32 up to |z| = {worst:.3g}, "
            f"where float64 gives {float(exact[false_zero].max()):.3g}")


def _judged(task: tuple) -> tuple:
    """``(prediction, float32 check, verdict)`` of one chosen run against its baseline (a worker's task)."""
    chosen, base, steps = task
    spec = chosen.spec
    prediction = train_claims.predict(analyze(spec.penalty), spec.penalty, spec.optimizer, spec.lr, spec.alpha, steps)
    check = float32_prox_check(spec.penalty, spec.lr * spec.alpha) if spec.optimizer == "adam-prox" else None
    return prediction, check, train_claims.judge(prediction, chosen, base, check)


def assemble(results, penalties, optimizers, epochs: int, seed: int, alpha: Optional[float],
             mapper: Callable = map) -> TrainResult:
    """Choose each cell's strength, predict and judge it, and freeze everything into a :class:`TrainResult`.

    ``mapper``: ``map``, or a pool's ``map`` to derive the predictions on its workers.
    """
    baselines = {r.spec.optimizer: r for r in results if r.spec.penalty == "none"}
    steps = epochs * -(-(_data(seed).X.shape[0]) // training.BATCH)  # the network's steps
    chosen = []
    for opt in optimizers:
        base = baselines[opt]
        for p in penalties:
            tried = [r for r in results if r.spec.penalty == p and r.spec.optimizer == opt]
            good = [r for r in tried if r.test_accuracy >= base.test_accuracy - TOLERANCE]
            pick = max(good, key=lambda r: r.spec.alpha) if good else min(tried, key=lambda r: r.spec.alpha)
            chosen.append((pick, base, bool(good)))
    judged = list(mapper(_judged, [(pick, base, steps) for pick, base, _ in chosen]))
    cells = [Cell(pick, prediction, verdict, good, check)
             for (pick, _, good), (prediction, check, verdict) in zip(chosen, judged)]
    settings = {
        "data": "sklearn.datasets.load_digits, standardised", "test_images": training.N_TEST,
        "constant_pixels": training.constant_pixels(_data(seed)),
        "model": f"MLP 64-{training.HIDDEN}-10 ReLU, float32", "hidden": training.HIDDEN, "batch": training.BATCH,
        "learning_rates": dict(training.LEARNING_RATES), "tail_epochs": training.TAIL_EPOCHS,
        "small": training.SMALL, "alpha_scales": {k: list(v) for k, v in SCALES.items()},
        "scales": {p: scale(p) for p in penalties},
        "log10_edges": [float(e) for e in training.LOG_EDGES],
        "signed_edges": [round(float(e), 6) for e in training.SIGNED_EDGES],
        "tolerance": TOLERANCE,
    }
    return TrainResult(tuple(penalties), tuple(optimizers), epochs, seed, alpha, tuple(results), baselines,
                       tuple(cells), environment(), settings)
