"""Plain gradient descent on the penalty alone, run in floats, and what each trajectory does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from lksym.derivation.mathtext import text
from lksym.derivation.symbols import ETA
from lksym.numerics.numeric import evaluate

STARTS = (-1.0, -0.3, -0.05, 0.05, 0.3, 1.0)
"""Starting weights of :func:`simulate` and the report figure."""


REPORT_ETA = 0.1
"""Step size of the report's trajectory figure: small, as in training."""


REPORT_STEPS = 200


def simulate(a, eta: float, steps: int = REPORT_STEPS, starts: Sequence[float] = STARTS) -> np.ndarray:
    r"""Run :math:`w_{t+1} = w_t - \eta f'(w_t)` from each start; rows are times, columns starts.

    The gradient is the analysis's own expression, lambdified
    (:func:`lksym.numerics.numeric.evaluate`).  A weight that lands exactly on 0 where
    :math:`f'(0)` does not exist (:math:`k < 1`) stays there.

    Examples
    --------
    >>> from lksym.results import analyze
    >>> simulate(analyze("2"), 0.25, steps=2, starts=[1.0]).ravel().tolist()
    [1.0, 0.5, 0.25]
    """
    if not (eta > 0 and np.isfinite(eta)):
        raise ValueError("eta must be a positive finite number")
    w = np.array(starts, dtype=float)
    path = np.empty((steps + 1, w.size))
    path[0] = w
    with np.errstate(all="ignore"):
        for step in range(1, steps + 1):
            grad = evaluate(a.gradient, w)
            grad[(w == 0) & ~np.isfinite(grad)] = 0.0
            w = w - eta * grad
            path[step] = w
    return path


@dataclass(frozen=True)
class Outcome:
    """What one trajectory of :func:`simulate` does, named from the derived facts and the path.

    Attributes
    ----------
    kind
        ``"diverges"``, ``"zero"`` (lands exactly on 0), ``"cycle"`` (settles on a
        two-cycle), ``"flips"`` (L2 with η = 1: w → -w for ever), ``"chaos"``
        (jumps across 0 without settling), ``"decays"`` (to 0, geometrically or
        like a power of t), ``"approaches"`` (heading for one of these, not
        there within the steps run) or ``"ends"`` (none of these: where it ended).
    text
        One line for the terminal, with the numbers.
    """

    kind: str
    text: str


def _n(x: float) -> str:
    return f"{x:.4g}"


def classify(a, eta: float, path: np.ndarray, column: int) -> Outcome:
    r"""Name what the trajectory in ``column`` of :func:`simulate` does.

    The derived facts decide what is possible: the two-cycle :math:`\pm a`
    (attracting for :math:`1 < k < 2`: weights settle on it; repelling for
    :math:`k < 1`: weights jump across 0 chaotically; repelling for :math:`k > 2`:
    it separates decay, :math:`|w_0| < a`, from divergence), L1's neutral
    cycles :math:`\{w, w - \eta\,\mathrm{sign}\,w\}`, L2's factor :math:`1 - 2\eta`
    and the power decay :math:`t^{-1/(k-2)}`; the path says which one this start
    shows within the steps run.

    Examples
    --------
    >>> from lksym.results import analyze
    >>> a = analyze("3/2")
    >>> classify(a, 0.1, simulate(a, 0.1, starts=[0.3]), 0).text
    'w0 = +0.3: settles on the two-cycle ±9η²/16 = ±0.005625 (attracting)'
    """
    w = path[:, column]
    start, end, steps = w[0], w[-1], len(w) - 1
    head = f"w0 = {start:+.3g}: "
    gd = a.gd
    if gd is None or not a.subject.traits.gd_in_words:  # the wording below is the power family's: for other penalties the path speaks
        return _path_outcome(w, head)
    amplitude = None if gd.cycle_amplitude is None else float(gd.cycle_amplitude.subs(ETA, eta))
    cycle = None if gd.cycle_amplitude is None else f"±{text(gd.cycle_amplitude)} = ±{_n(amplitude)}"
    if not np.all(np.isfinite(w)) or abs(end) > 1e6 * max(1.0, abs(start)):
        why = ""
        if gd.decay.kind == "geometric":
            why = f" (|1 − 2η| = {_n(abs(1 - 2 * eta))} > 1: each step multiplies w by {_n(1 - 2 * eta)})"
        elif amplitude is not None and gd.cycle_stable is False and abs(start) > amplitude:
            why = f" (|w0| > a: outside the repelling two-cycle {cycle}, the jumps grow)"
        return Outcome("diverges", head + "diverges" + why)
    zeros = np.flatnonzero(w == 0)
    if zeros.size and np.all(w[zeros[0]:] == 0):
        return Outcome("zero", head + f"reaches exactly 0 at step {int(zeros[0])} and stays")
    tail = w[len(w) // 2 :]
    alternates = bool(np.all(tail[1:] * tail[:-1] < 0))
    if gd.decay.kind == "geometric":
        rate = 1 - 2 * eta
        if rate == -1:
            return Outcome("flips", head + f"flips between ±{_n(abs(start))} for ever (η = 1: each step maps w to -w)")
        return Outcome("decays", head + f"decays geometrically to 0, by the factor 1 − 2η = {_n(rate)} per step "
                                        f"(|w| = {abs(end):.3g} after {steps} steps)")
    if amplitude is not None and gd.cycle_stable is True:
        if alternates and abs(abs(end) - amplitude) <= 1e-6 * amplitude:
            return Outcome("cycle", head + f"settles on the two-cycle {cycle} (attracting)")
        return Outcome("approaches", head + f"approaches the attracting two-cycle {cycle} "
                                            f"(|w| = {_n(abs(end))} after {steps} steps)")
    if gd.cycle_stable is None and amplitude is not None:  # L1: |w| < eta lies on its own two-cycle
        if alternates and abs(end) < eta and abs(abs(w[-1] - w[-2]) - eta) <= 1e-9 * eta:
            return Outcome("cycle", head + f"settles on the two-cycle {{{w[-2]:+.4g}, {w[-1]:+.4g}}} "
                                           "(L1: every |w| < η lies on one, w ↔ w − η·sign(w))")
        return Outcome("approaches", head + f"steps toward 0 by η per step (|w| = {_n(abs(end))} after {steps} steps)")
    flips = int(np.sum(tail[1:] * tail[:-1] < 0))
    if gd.decay.kind == "power":
        order = gd.decay.order
        if amplitude is not None and abs(start) > amplitude:
            return Outcome("approaches", head + f"grows away from 0 across it (|w0| > a, outside the repelling "
                                                f"two-cycle {cycle}; |w| = {_n(abs(end))} after {steps} steps)")
        return Outcome("decays", head + f"decays to 0 like t^(-{text(order)}) (|w| = {abs(end):.3g} after {steps} "
                                        f"steps; |w0| < a, inside the repelling two-cycle {cycle})")
    if amplitude is not None and gd.cycle_stable is False:  # k < 1: the cycle repels, the pole throws weights out
        if flips > 0:  # nothing attracts but 0 itself: a weight that crosses 0 keeps crossing
            lo, hi = float(np.min(np.abs(tail))), float(np.max(np.abs(tail)))
            return Outcome("chaos", head + f"jumps across 0 chaotically, |w| between {lo:.3g} and {hi:.3g} over the "
                                           f"last {len(tail)} steps ({flips} sign changes; the two-cycle {cycle} "
                                           "repels, so it never settles)")
        return Outcome("approaches", head + f"moves toward 0 (|w| = {_n(abs(end))} after {steps} steps); near 0 "
                                            f"it will jump across (the two-cycle {cycle} repels)")
    moved = abs(w[-1] - w[-2])
    return Outcome("ends", head + f"ends at {end:+.4g} (last step moved it by {moved:.2g})")


def _path_outcome(w: np.ndarray, head: str) -> Outcome:
    """What a trajectory does, read off the path alone (for penalties without derived gradient-descent facts)."""
    start, end, steps = w[0], w[-1], len(w) - 1
    if not np.all(np.isfinite(w)) or abs(end) > 1e6 * max(1.0, abs(start)):
        return Outcome("diverges", head + "diverges")
    zeros = np.flatnonzero(w == 0)
    if zeros.size and np.all(w[zeros[0]:] == 0):
        return Outcome("zero", head + f"reaches exactly 0 at step {int(zeros[0])} and stays")
    tail = w[len(w) // 2 :]
    flips = int(np.sum(tail[1:] * tail[:-1] < 0))
    if flips == len(tail) - 1 and np.allclose(np.abs(tail[-2:]), abs(end), rtol=1e-9):
        return Outcome("cycle", head + f"settles on a two-cycle ±{_n(abs(end))} (found on the path)")
    if flips:
        lo, hi = float(np.min(np.abs(tail))), float(np.max(np.abs(tail)))
        return Outcome("chaos", head + f"keeps jumping across 0, |w| between {lo:.3g} and {hi:.3g} over the last "
                                       f"{len(tail)} steps ({flips} sign changes)")
    if end == w[-2]:
        return Outcome("ends", head + f"stops at {end:+.4g}: the gradient is 0 there")
    return Outcome("ends", head + f"ends at {end:+.4g} after {steps} steps (last step moved it by {abs(w[-1] - w[-2]):.2g})")


def describe(path: np.ndarray, column: int, a=None, eta: Optional[float] = None) -> str:
    """One line on what the trajectory in ``column`` of :func:`simulate` does (:func:`classify`, given ``a`` and ``eta``)."""
    if a is not None and eta is not None:
        return classify(a, eta, path, column).text
    w = path[:, column]
    start, end = w[0], w[-1]
    if not np.all(np.isfinite(w)) or abs(end) > 1e6:
        return f"w0 = {start:+.3g}: diverges"
    if end == 0:
        return f"w0 = {start:+.3g}: reaches exactly 0"
    return f"w0 = {start:+.3g}: ends at {end:+.4g} (last step moved it by {abs(w[-1] - w[-2]):.2g})"


def trajectory_data(a) -> dict:
    """Numbers for the report figure: trajectories at :data:`REPORT_ETA` (no SymPy inside)."""
    path = simulate(a, REPORT_ETA)
    return {"path": path, "label": a.label, "eta": REPORT_ETA, "starts": list(STARTS), **cycle_marks(a, REPORT_ETA)}


def cycle_marks(a, eta: float) -> dict:
    """The two-cycle amplitude at ``eta`` and whether it attracts, for the figure (nothing for L1's neutral family)."""
    gd = a.gd
    if gd is None or gd.cycle_amplitude is None or gd.cycle_stable is None:  # no two-cycle derived (or L1's neutral family)
        return {}
    amplitude = gd.cycle_amplitude.subs(ETA, eta)  # a penalty's amplitude is a Piecewise in eta: no cycle at some eta
    if not (amplitude.is_real and amplitude.is_finite):
        return {}
    return {"cycle": float(amplitude), "cycle_kind": "attracting" if gd.cycle_stable else "repelling"}

