r"""What lksym's exact one-weight analysis predicts for a trained network, and whether the network agreed.

Three claims per penalty and optimiser, each a yes or no (:class:`Prediction`):

``zeros``
    weights end *exactly* at 0.  Only a proximal step can do that on purpose: for ``adam-prox``
    the prediction is the analysis' sparsity of the proximal map of :math:`\lambda p` at
    :math:`\lambda = lr\,\alpha` (Fan and Li's ``thresholding.sparse``; the threshold
    ``prox.threshold`` is quoted); a gradient step (``sgd``, ``adam``, ``adamw``) lands on 0 only by
    coincidence, so no.
``flips``
    the penalty throws small weights across 0.  For a plain gradient step on the penalty
    (``sgd``, and ``adamw``'s decoupled step, both of size :math:`\eta = lr\,\alpha`) this is the
    analysis' ``overshoot`` on the side ``below`` (every :math:`|w|` below ``overshoot.weight``
    jumps across 0; quoted at that :math:`\eta`).  Under ``adam`` with the penalty in the loss:
    yes for every penalty: Adam normalises the gradient, so a weight the penalty alone drives ends
    in a cycle around 0 of amplitude about :math:`lr(1-\beta_1)/(2(1+\beta_1))` whatever the penalty
    and alpha (the optimiser issue's exact fact).  A proximal step never changes a sign: no.
``untouched``
    small weights are left alone: the penalty's gradient and curvature both vanish at 0
    (the analysis' ``dead_zone`` with zero curvature at :math:`0^+`: :math:`|w|^k`, k > 2), under
    ``sgd``, ``adamw`` and ``adam-prox`` (whose map is :math:`z - \lambda p'(z) + \dots` near 0);
    no claim (``None``) for the other penalties there.  Under ``adam`` no, for every penalty:
    normalisation removes the vanishing scale.

Observed (:func:`judge`), against the unpenalised baseline of the same optimiser: ``zeros`` when any
weight is exactly 0; ``flips`` when the small weights that changed sign in the last epochs number
at least :data:`FLIP_FACTOR` times the baseline's plus :data:`FLIP_MARGIN` (mini-batch noise flips
a few weights without any penalty); ``untouched`` when the fraction of weights below 1e-3 is at most
:data:`UNTOUCHED_FACTOR` times the baseline's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import sympy as sp

from lksym.derivation.symbols import ETA
from lksym.numerics.fitting import _decide
from lksym.results import Analysis

ADAM_BETA1 = 0.9

FLIP_FACTOR = 2
FLIP_MARGIN = 10
UNTOUCHED_FACTOR = 2.0

CLAIMS = ("zeros", "flips", "untouched")


@dataclass(frozen=True)
class Prediction:
    """The three claims (see the module docstring) and the numbers behind them, in words."""

    zeros: bool
    flips: bool
    untouched: Optional[bool]
    because: str
    long_run: Optional[str] = None

    def text(self) -> str:
        parts = ["exact zeros" if self.zeros else "no exact zeros"]
        if self.flips:
            parts.append("sign flips")
        if self.untouched:
            parts.append("small weights untouched")
        return ", ".join(parts)


def _number(expr, symbol_name: str, value: float) -> Optional[float]:
    try:
        found = [s for s in expr.free_symbols if s.name == symbol_name]
        out = expr.subs({s: sp.Float(value, 30) for s in found}) if found else expr
        number = float(out)
    except (TypeError, ValueError, AttributeError):
        return None
    return number


def predict(a: Analysis, optimizer: str, lr: float, alpha: float) -> Prediction:
    """The claims for penalty ``a`` under ``optimizer`` with step ``lr`` and per-weight strength ``alpha``.

    Examples
    --------
    >>> from lksym.results import analyze
    >>> predict(analyze(1), "adam-prox", 1e-3, 0.1).text()
    'exact zeros'
    >>> predict(analyze(1), "sgd", 0.05, 1e-3).text()
    'no exact zeros, sign flips'
    >>> predict(analyze(3), "sgd", 0.05, 1e-3).text()
    'no exact zeros, small weights untouched'
    """
    eta = lr * alpha
    dead = a.dead_zone is not None and a.curvature.limits["0+"] == 0 and a.gradient.limits["0+"] == 0
    if optimizer == "adam":
        amplitude = lr * (1 - ADAM_BETA1) / (2 * (1 + ADAM_BETA1))
        return Prediction(False, True, False, f"Adam normalises p': a weight the penalty alone drives cycles around 0 "
                          f"with amplitude lr(1-b1)/(2(1+b1)) = {amplitude:.2g}, for any penalty and alpha")
    if optimizer == "adam-prox":
        lam = eta
        sparse = _decide(a.thresholding.sparse if a.thresholding is not None else None, lam, a.sparse)
        threshold = _number(a.prox.threshold, "lam", lam)
        why = (f"prox threshold at lr*alpha = {lam:.3g}: {threshold:.3g}" if threshold is not None and sparse
               else "prox maps only z = 0 to 0")
        if dead:
            why += "; near 0 the prox is z - lam p'(z) + ..., and p'(z) vanishes faster than z"
        return Prediction(bool(sparse), False, True if dead else None, why + "; a proximal step keeps the sign")
    # sgd and adamw: a plain step of size lr*alpha on the penalty (in the loss, or decoupled).
    o = a.overshoot
    flips = o is not None and o.weight is not None and o.side == "below"
    if flips:
        zone = _number(o.weight, ETA.name, eta)
        why = f"one step of lr*alpha = {eta:.3g} throws |w| < {zone:.3g} across 0 (overshoot)"
    elif dead:
        why = "p' and p'' vanish at 0: a dead zone, small weights are hardly pulled"
    else:
        why = "gradient Lipschitz at 0: small weights shrink smoothly, never exactly to 0"
    return Prediction(False, flips, True if dead else None, why)


@dataclass(frozen=True)
class Verdict:
    """The observation beside the prediction: each claim observed or not, and whether all agree."""

    zeros: bool
    flips: bool
    untouched: bool
    agree: bool
    why: str

    def text(self) -> str:
        parts = ["exact zeros" if self.zeros else "no exact zeros"]
        if self.flips:
            parts.append("sign flips")
        if self.untouched:
            parts.append("small weights untouched")
        return ", ".join(parts)


_REASONS = {
    ("zeros", True): "the prox threshold lr*alpha*p'(0+) is below the size of Adam's data steps, so a zero is undone at the next step",
    ("zeros", False): "weights reached exactly 0 in float32 without a proximal step",
    ("flips", True): "near 0 the data gradient outweighs the penalty's, so the penalty-alone cycle is never reached",
    ("flips", False): "the data gradient (with mini-batch noise) throws small weights across 0, not the penalty",
    ("untouched", True): "the penalty still gathers weights below 1e-3 (its pull on mid-sized weights, or Adam's normalisation)",
    ("untouched", False): "the penalty is too weak at this alpha to move small weights beyond the baseline's",
}


def judge(prediction: Prediction, run, baseline) -> Verdict:
    """Compare a run (a :class:`~lksym.numerics.training.RunResult`) with its prediction and the same optimiser's baseline."""
    zeros = run.exact_zero > 0
    flips = run.small_sign_changes >= FLIP_FACTOR * baseline.small_sign_changes + FLIP_MARGIN
    untouched = run.below_1e3 <= UNTOUCHED_FACTOR * baseline.below_1e3
    observed = {"zeros": zeros, "flips": flips, "untouched": untouched}
    wrong = [c for c in CLAIMS if getattr(prediction, c) is not None and getattr(prediction, c) != observed[c]]
    if not wrong:
        return Verdict(zeros, flips, untouched, True, "as predicted")
    why = "; ".join(f"{c}: {_REASONS[(c, getattr(prediction, c))]}" for c in wrong)
    return Verdict(zeros, flips, untouched, False, why)
