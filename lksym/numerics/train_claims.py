r"""What lksym's exact one-weight analysis predicts for a trained network, and whether the network agreed.

Three claims per penalty and optimiser, each a yes or no (:class:`Prediction`), read off the one-weight
model of ``lksym dynamics`` (:func:`long_run`: the penalty alone, from a small weight, for as many steps
as the network took) and explained by the analysis' facts quoted beside them:

``zeros``
    the weight reaches exactly 0.  Only a proximal step does that on purpose (``adam-prox`` with a
    penalty whose proximal map is sparse at :math:`\lambda = lr\,\alpha`: the analysis' threshold
    is quoted); a gradient step lands on 0 only by coincidence.  The network is float32: a weight
    the (float64) model takes below float32's least number (:data:`FLOAT32_ZERO`) is 0 there too,
    which is how a prox that is not sparse (L1.5's, about :math:`(z/(1.5\lambda))^2` near 0,
    squared at every step) still makes exact zeros.
``flips``
    the penalty throws a small weight across 0 for ever: the long run is a two-cycle, a longer cycle
    or chaos.  For a plain step on the penalty (``sgd``, and ``adamw``'s decoupled step) that is the
    analysis' ``overshoot`` below ``overshoot.weight`` at :math:`\eta = lr\,\alpha`; under ``adam``
    the normalised step makes a cycle of amplitude about :math:`lr(1-\beta_1)/(2(1+\beta_1))` for any
    penalty whose gradient is not lost in Adam's ``eps``; a proximal step keeps the sign.
``untouched``
    claimed (``True``) only when the small weight still holds more than half its size at the end (a
    dead zone: :math:`|w|^k`, k > 2, or a penalty too weak at this alpha to move it in that many
    steps); otherwise no claim (``None``), since how many weights end below 1e-3 depends on where
    they start.

Observed (:func:`judge`), against the unpenalised baseline of the same optimiser: ``zeros`` when any
weight is exactly 0; ``flips`` when the small weights that changed sign in the last epochs number
at least :data:`FLIP_FACTOR` times the baseline's plus :data:`FLIP_MARGIN` (mini-batch noise flips
a few weights without any penalty); ``untouched`` when the fraction of weights below 1e-3 is at most
:data:`UNTOUCHED_FACTOR` times the baseline's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import sympy as sp

from lksym.derivation.optimizers import optimizer as make
from lksym.derivation.penalty import parse_subject
from lksym.derivation.symbols import ETA
from lksym.numerics.dynamics import classify, run
from lksym.numerics.fitting import decide_at
from lksym.results import Analysis

ADAM_BETA1 = 0.9

FLIP_FACTOR = 2
FLIP_MARGIN = 10
UNTOUCHED_FACTOR = 2.0

CLAIMS = ("zeros", "flips", "untouched")


def describe(zeros: bool, flips: bool, untouched: Optional[bool]) -> str:
    """What a prediction or an observation says, in words: ``"exact zeros, sign flips"``.

    Examples
    --------
    >>> describe(False, True, None)
    'no exact zeros, sign flips'
    """
    parts = ["exact zeros" if zeros else "no exact zeros"]
    if flips:
        parts.append("sign flips")
    if untouched:
        parts.append("small weights untouched")
    return ", ".join(parts)


@dataclass(frozen=True)
class Prediction:
    """The three claims (see the module docstring) and the numbers behind them, in words."""

    zeros: bool
    flips: bool
    untouched: Optional[bool]
    because: str
    long_run: Optional[str] = None

    def text(self) -> str:
        return describe(self.zeros, self.flips, self.untouched)


def _number(expr, symbol_name: str, value: float) -> Optional[float]:
    try:
        found = [s for s in expr.free_symbols if s.name == symbol_name]
        out = expr.subs({s: sp.Float(value, 30) for s in found}) if found else expr
        number = float(out)
    except (TypeError, ValueError, AttributeError):
        return None
    return number


ONE_WEIGHT_MODEL = {"sgd": "sgd", "adam": "adam", "adamw": "sgd", "adam-prox": "adam-prox"}
"""The one-weight optimiser of ``lksym dynamics`` that models each: ``adamw``'s decoupled step on the penalty is a plain step."""

START = 0.01
"""The small weight the one-weight model starts from."""


FLOAT32_ZERO = 2.0 ** -150
"""Half float32's smallest subnormal: a weight below it in size is exactly 0 once rounded to float32."""


def long_run(subject: str, optimizer: str, lr: float, alpha: float, steps: int):
    """What ``lksym dynamics`` finds for the penalty alone from :data:`START`: ``(Behaviour, final w, least |w|)``.

    The run is in float64; the least :math:`|w|` on the way tells whether the float32 network
    would have held the weight at exactly 0 (:data:`FLOAT32_ZERO`).

    Examples
    --------
    >>> b, w, least = long_run("1", "adam-prox", 1e-3, 0.1, 200)
    >>> b.kind, w, least
    ('exact zero', 0.0, 0.0)
    """
    opt = make(ONE_WEIGHT_MODEL[optimizer], lr=repr(float(lr)))
    path = run(parse_subject(subject), opt, alpha, None, [START], steps)
    w = path.path[:, 0]
    return classify(w, path.diverged_at[0]), float(w[-1]), float(np.nanmin(np.abs(w)))


def predict(a: Analysis, subject: str, optimizer: str, lr: float, alpha: float, steps: int) -> Prediction:
    """The claims for penalty ``a`` under ``optimizer`` with step ``lr``, per-weight strength ``alpha``, ``steps`` steps.

    The claims are read off the one-weight model (:func:`long_run`, as many steps as the network
    took): ``zeros`` if it reaches exactly 0, ``flips`` if it ends in a two-cycle, a longer cycle or
    chaos around 0, ``untouched`` if it still holds more than half of :data:`START`.  ``because``
    quotes the analysis' fact behind it (overshoot zone, dead zone, prox threshold, Adam's cycle).

    Examples
    --------
    >>> from lksym.results import analyze
    >>> predict(analyze(1), "1", "adam-prox", 1e-3, 0.1, 460).text()
    'exact zeros'
    >>> predict(analyze(1), "1", "sgd", 0.05, 1e-3, 460).text()
    'no exact zeros, sign flips'
    >>> predict(analyze(10), "10", "sgd", 0.05, 1e-4, 460).text()
    'no exact zeros, small weights untouched'
    """
    behaviour, final, least = long_run(subject, optimizer, lr, alpha, steps)
    kind = behaviour.kind
    eta = lr * alpha
    sparse = decide_at(a.thresholding.sparse if a.thresholding is not None else None, eta, a.sparse)
    # The network is float32: a weight the model takes below float32's least number is 0 there, whether
    # the float64 run hit 0 exactly or by underflow (L1.5's prox squares a small weight at every step).
    underflows = least < FLOAT32_ZERO
    # A sparse prox zeroes every weight whose Adam step ends within its threshold, wherever it started.
    zeros = underflows or (optimizer == "adam-prox" and bool(sparse))
    # A convergence that alternates in sign (Adam on L2) crosses 0 at every step as well.
    flips = kind in ("two-cycle", "chaotic") or kind.startswith("cycle") or "flipping sign" in behaviour.text
    # Claimed only where the model leaves the weight alone (a weight in a cycle may end anywhere in it).
    untouched = True if abs(final) > START / 2 and not flips else None
    o = a.overshoot
    if optimizer == "adam":
        amplitude = lr * (1 - ADAM_BETA1) / (2 * (1 + ADAM_BETA1))
        why = (f"Adam normalises p': a two-cycle around 0 would have amplitude lr(1-b1)/(2(1+b1)) = {amplitude:.2g} "
               "for any penalty and alpha (eps = 1e-8 stops a vanishing p')")
    elif optimizer == "adam-prox":
        threshold = _number(a.prox.threshold, "lam", eta) if sparse else None
        if threshold is not None:
            why = f"prox threshold at lr*alpha = {eta:.3g}: {threshold:.3g}"
        elif underflows:  # L1.5: prox(z) ~ (z / (1.5 lam))^2 near 0, squared at every step to underflow
            why = ("the prox maps only z = 0 to 0, but shrinks small z faster than any geometric factor: "
                   "the weight passes below float32's least number (1.4e-45), 0 in the float32 network")
        else:
            why = "the prox maps only z = 0 to 0"
        why += "; a proximal step keeps the sign"
    elif o is not None and o.weight is not None and o.side == "below":
        zone = _number(o.weight, ETA.name, eta)
        why = f"a step of lr*alpha = {eta:.3g} throws |w| < {zone:.3g} across 0 (overshoot)"
    elif a.dead_zone is not None and a.curvature.limits["0+"] == 0 and a.gradient.limits["0+"] == 0:
        why = "p' and p'' vanish at 0: a dead zone, small weights are hardly pulled"
    else:
        why = "gradient Lipschitz at 0: small weights shrink geometrically, never exactly to 0"
    return Prediction(zeros, flips, untouched, why, behaviour.text)


@dataclass(frozen=True)
class Verdict:
    """The observation beside the prediction: each claim observed or not, and whether all agree."""

    zeros: bool
    flips: bool
    untouched: bool
    agree: bool
    why: str

    def text(self) -> str:
        return describe(self.zeros, self.flips, self.untouched)


_REASONS = {
    ("zeros", True): "the prox threshold lr*alpha*p'(0+) is below the size of Adam's data steps, so a zero is undone at the next step",
    ("zeros", False): "weights reached exactly 0 in float32 without a proximal step",
    ("flips", True): "near 0 the data gradient outweighs the penalty's, so the penalty-alone cycle is never reached",
    ("flips", False): "the data gradient (with mini-batch noise) throws small weights across 0, not the penalty "
                      "(under adam-prox: weights held at exactly 0 are pushed to either side by the next Adam step)",
    ("untouched", True): "the penalty still gathers weights below 1e-3 (its pull on mid-sized weights, or Adam's normalisation)",
    ("untouched", False): "the penalty is too weak at this alpha to move small weights beyond the baseline's",
}


def judge(prediction: Prediction, run, baseline, float32_prox: Optional[str] = None) -> Verdict:
    """Compare a run (a :class:`~lksym.training.model.RunResult`) with its prediction and the same optimiser's baseline.

    ``float32_prox``: what a check of the float32 proximal step found (a false zero), quoted as the
    reason when zeros appear that the exact prox does not give.
    """
    zeros = run.exact_zero > 0
    flips = run.small_sign_changes >= FLIP_FACTOR * baseline.small_sign_changes + FLIP_MARGIN
    untouched = run.below_1e3 <= UNTOUCHED_FACTOR * baseline.below_1e3
    observed = {"zeros": zeros, "flips": flips, "untouched": untouched}
    wrong = [c for c in CLAIMS if getattr(prediction, c) is not None and getattr(prediction, c) != observed[c]]
    if not wrong:
        return Verdict(zeros, flips, untouched, True, "as predicted")
    reasons = {c: _REASONS[(c, getattr(prediction, c))] for c in wrong}
    if "zeros" in reasons and zeros and float32_prox is not None:
        reasons["zeros"] = "the float32 proximal step rounds small weights to 0 where the exact prox does not: " + float32_prox
    why = "; ".join(f"{c}: {r}" for c, r in reasons.items())
    return Verdict(zeros, flips, untouched, False, why)
