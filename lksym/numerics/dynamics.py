r"""The optimisers' exact update rules in float64, and what each trajectory does in the long run.

:func:`run` follows :mod:`torch.optim`'s single-tensor implementations operation by operation
(``torch.optim.SGD``, ``Adam``, ``AdamW``, ``RMSprop`` with ``foreach=False``), with torch's fused
multiply-adds (:func:`fma`): SGD, momentum and Nesterov trajectories equal torch's bit for bit; Adam, AdamW
and RMSprop differ by an ulp now and then, because torch's ``sqrt`` is not correctly rounded in about 1.4%
of cases and NumPy's is (``tests/test_dynamics_torch.py`` holds both against torch itself).
The proximal optimisers call lksym's proximal step (:func:`lksym.derivation.penalty_prox.prox_vector`).

Two places where torch would print NaN are decided instead and said: Adam/RMSprop with ``eps = 0`` at a
zero gradient (0/0: the step is taken as 0), and a trajectory that overflows (it stops at its last
finite value and is called ``diverges``).

Examples
--------
>>> import numpy as np
>>> from lksym.derivation.penalty import parse_subject
>>> from lksym.derivation.optimizers import optimizer
>>> run(parse_subject("2"), optimizer("sgd", lr="1/4"), 1.0, None, [1.0], 2).path.ravel().tolist()
[1.0, 0.5, 0.25]
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np
import sympy as sp

from lksym.derivation.dynamics import slopes
from lksym.derivation.optimizers import DataTerm, Optimizer
from lksym.derivation.penalty import Penalty
from lksym.derivation.symbols import X
from lksym.numerics.prox_solver import prox_vector

HUGE = 1e150
"""A weight beyond this counts as diverged (its square, in v, would soon overflow)."""

UNDERFLOW = 1e-250
"""A weight this small that becomes 0 got there by float64 underflow (a true zero comes from far above it)."""

MAX_PERIOD = 64
"""Longest cycle looked for at the end of a trajectory."""


@functools.lru_cache(maxsize=64)
def _gradient_pieces(penalty: Penalty) -> tuple:
    # Cached per penalty: differentiating and lambdifying costs ~0.05 s, and the optimizers page runs each
    # penalty a few hundred times (every optimiser, step size and claim).
    pieces = []
    for p1, _, lo, hi in slopes(penalty).pieces:
        f = sp.lambdify(X, p1, "numpy")
        pieces.append((f, float(lo), math.inf if hi is sp.oo else float(hi)))
    return tuple(pieces)


def penalty_gradient(penalty: Penalty) -> Callable[[np.ndarray], np.ndarray]:
    r""":math:`p'(w)` in floats from the exact pieces, :math:`p'(0) = 0` (PyTorch's choice for ``abs``).

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_subject
    >>> penalty_gradient(parse_subject("1.5"))(np.array([-4.0, 0.0, 1.0])).tolist()
    [-3.0, 0.0, 1.5]
    """
    pieces = _gradient_pieces(penalty)

    def gradient(w: np.ndarray) -> np.ndarray:
        x = np.abs(w)
        out = np.zeros_like(x)
        with np.errstate(all="ignore"):
            for f, lo, hi in pieces:
                inside = (x > lo) & (x <= hi)
                if inside.any():
                    out[inside] = np.broadcast_to(f(x[inside]), x[inside].shape)
        return np.sign(w) * out

    return gradient


@dataclass(frozen=True)
class Run:
    """Trajectories of one optimiser from several starts.

    Attributes
    ----------
    path
        ``(steps + 1, starts)`` float64; a column that diverged repeats its last finite value.
    diverged_at
        Per start: the step at which the weight overflowed or passed :data:`HUGE`, else ``None``.
    notes
        Per start: what was decided where torch would give NaN (empty if nothing).
    """

    path: np.ndarray
    diverged_at: tuple
    notes: tuple


def _prox(penalty: Penalty) -> Callable:
    return lambda lam, z: prox_vector(penalty, lam, z)


def run(penalty: Penalty, opt: Optimizer, alpha: float, data: Optional[DataTerm], starts: Sequence[float], steps: int,
        gradient: Optional[Callable] = None) -> Run:
    """Run ``opt`` on ``alpha * penalty`` (+ ``data``) from each start for ``steps`` steps, in float64.

    ``gradient`` replaces the penalty's own :math:`p'` (the torch tests pass the same one to both).
    """
    grad_p = gradient or penalty_gradient(penalty)
    p = dict(opt.params)
    lr = float(opt.lr)
    alpha = float(alpha)
    c, target = (float(data.c), float(data.target)) if data is not None else (0.0, 0.0)
    w = np.array([float(s) for s in starts], dtype=np.float64)
    n = w.size
    path = np.empty((steps + 1, n))
    path[0] = w
    alive = np.ones(n, dtype=bool)
    diverged: list = [None] * n
    notes: list = [""] * n
    wd = float(p.get("weight_decay", 0))
    b1, b2 = (float(p["betas"][0]), float(p["betas"][1])) if "betas" in p else (0.0, 0.0)
    eps = float(p.get("eps", 0))
    momentum, dampening = float(p.get("momentum", 0)), float(p.get("dampening", 0))
    rho = float(p.get("smoothing", 0))
    buf = np.zeros(n)
    m, v, vmax = np.zeros(n), np.zeros(n), np.zeros(n)
    prox = _prox(penalty) if opt.proximal else None
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            g_data = c * (w - target) if data is not None else np.zeros(n)
            if opt.name == "adam-prox":
                g = g_data
            elif opt.name == "prox-sgd":
                g = g_data
            else:
                g = alpha * grad_p(w) + g_data if data is not None else alpha * grad_p(w)
            if opt.name == "prox-sgd":
                new = _prox_step(prox, lr * alpha, w - lr * g, alive)
            elif opt.name in ("sgd", "momentum", "nesterov"):
                # torch: grad.add(param, alpha=wd), buf.mul_(mu).add_(grad, alpha=1-d), param.add_(grad, alpha=-lr),
                # each a fused multiply-add on the CPU.
                if wd != 0:
                    g = fma(w, wd, g)
                if opt.name != "sgd":
                    buf = g.copy() if t == 1 else fma(g, 1 - dampening, buf * momentum)
                    g = fma(buf, momentum, g) if opt.name == "nesterov" else buf
                new = fma(g, -lr, w)
            elif opt.name == "rmsprop":
                if wd != 0:
                    g = fma(w, wd, g)
                v = fma((1 - rho) * g, g, v * rho)  # torch's addcmul_, fused
                denom = np.sqrt(v) + eps
                new = w + ((-lr) * g) / denom
                new = _zero_over_zero(new, w, g, denom, t, notes, "rmsprop")
            else:  # adam, adamw, adam-prox
                start = w
                if opt.name == "adamw":
                    start = w * (1 - lr * wd)
                elif opt.name == "adam" and wd != 0:
                    g = fma(w, wd, g)
                m = _lerp(m, g, 1 - b1)
                v = fma((1 - b2) * g, g, v * b2)  # torch's addcmul_, fused
                bc1, bc2 = 1 - b1**t, 1 - b2**t
                step_size = lr / bc1
                if p.get("amsgrad"):
                    vmax = np.maximum(vmax, v)
                    denom = np.sqrt(vmax) / bc2 ** 0.5 + eps
                else:
                    denom = np.sqrt(v) / bc2 ** 0.5 + eps
                new = start + ((-step_size) * m) / denom
                new = _zero_over_zero(new, start, m, denom, t, notes, opt.name)
                if opt.name == "adam-prox":
                    new = _prox_step(prox, lr * alpha, new, alive & np.isfinite(new))
            bad = alive & ~(np.abs(new) <= HUGE)
            for i in np.flatnonzero(bad):
                diverged[i] = t
            alive &= ~bad
            w = np.where(alive, new, w)
            path[t] = w
            if not alive.any():
                path[t + 1:] = w
                break
    return Run(path, tuple(diverged), tuple(notes))


def fma(a, b, c) -> np.ndarray:
    """:math:`a b + c` rounded once, as torch's CPU kernels compute ``add(x, alpha=)`` and ``lerp``.

    Dekker's exact product and Knuth's exact sum give :math:`ab + c` as an unevaluated sum, rounded
    at the end; equal to a true fused multiply-add except in rare double-rounding ties (one ulp).  Where
    the split would overflow the plain expression is used.

    Examples
    --------
    >>> float(fma(np.float64(0.1), np.float64(10.0), np.float64(-1.0)))
    5.551115123125783e-17
    """
    a, b, c = np.asarray(a, dtype=float), np.asarray(b, dtype=float), np.asarray(c, dtype=float)
    with np.errstate(all="ignore"):
        p = a * b
        ca, cb = 134217729.0 * a, 134217729.0 * b
        ah, bh = ca - (ca - a), cb - (cb - b)
        al, bl = a - ah, b - bh
        e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
        s = p + c
        z = s - p
        t = (p - (s - z)) + (c - z)
        out = s + (t + e)
        plain = p + c
    return np.where(np.isfinite(out) & (np.abs(a) < 1e290) & (np.abs(b) < 1e290), out, plain)


def _lerp(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    # torch.lerp: start + weight*(end - start) fused, or end - (end - start)*(1 - weight) for weight >= 1/2.
    if abs(weight) < 0.5:
        return fma(weight, end - start, start)
    return fma(-(end - start), 1 - weight, end)


def _zero_over_zero(new, start, numerator, denom, t, notes, name) -> np.ndarray:
    undefined = (denom == 0) & (numerator == 0)
    for i in np.flatnonzero(undefined):
        if not notes[i]:
            notes[i] = (f"step {t}: 0/0 ({name} with eps = 0 at a zero gradient; torch gives NaN): "
                        "taken as a zero step")
    return np.where(undefined, start, new)


def _prox_step(prox, lam: float, z: np.ndarray, alive: np.ndarray) -> np.ndarray:
    out = np.array(z, dtype=float)
    ok = alive & np.isfinite(z)
    if ok.any():
        out[ok] = prox(lam, z[ok])
    return out


# --------------------------------------------------------------------------- what a trajectory does


@dataclass(frozen=True)
class Behaviour:
    """The long-run behaviour of one trajectory.

    Attributes
    ----------
    kind
        ``"exact zero"``, ``"converges"``, ``"two-cycle"``, ``"cycle of period N"``, ``"chaotic"``,
        ``"diverges"`` or ``"undecided"`` (still moving without a pattern over the steps run).
    text
        One line with the numbers.
    step
        The step it reached 0 or diverged at, or ``None``.
    period
        The cycle's period (1 for a fixed point), or ``None``.
    limit
        The fixed point, or the cycle's points, or ``None``.
    rate
        Geometric: the factor per step; power: ``"t^-p"``; else ``None``.
    """

    kind: str
    text: str
    step: Optional[int] = None
    period: Optional[int] = None
    limit: Optional[tuple] = None
    rate: Optional[str] = None


def classify(column: np.ndarray, diverged_at: Optional[int]) -> Behaviour:
    """Name what one trajectory does at its end.

    Examples
    --------
    >>> classify(np.array([1.0, 0.5, 0.0, 0.0]), None).kind
    'exact zero'
    >>> classify(np.array([0.3, -0.2] + [0.1, -0.1] * 50), None).text
    'two-cycle between -0.1 and 0.1'
    """
    w = column
    if diverged_at is not None:
        return Behaviour("diverges", f"diverges: |w| passes {HUGE:.0e} (overflow) at step {diverged_at}", diverged_at)
    zeros = np.flatnonzero(w != 0)
    last_nonzero = int(zeros[-1]) if zeros.size else -1
    if last_nonzero < len(w) - 1:
        step = last_nonzero + 1
        before = abs(float(w[last_nonzero])) if last_nonzero >= 0 else 0.0
        if 0 < before < UNDERFLOW:
            # A superlinear approach (the prox of |w|^1.5) ends in float64 underflow, not in a true zero.
            return Behaviour("converges", f"converges to 0 superlinearly; |w| = {before:.3g} at step {last_nonzero}, "
                                          f"then 0 by float64 underflow (not an exact zero of the map)",
                             step, 1, (0.0,), "superlinear")
        return Behaviour("exact zero", f"reaches exactly 0 at step {step} and stays", step, 1, (0.0,))
    tail = w[-min(len(w) // 2, 4 * MAX_PERIOD):] if len(w) >= 8 else w
    scale = max(float(np.max(np.abs(tail))), 1e-300)
    for period in range(1, min(MAX_PERIOD, len(tail) // 3) + 1):
        if np.all(np.abs(tail[period:] - tail[:-period]) <= 1e-12 * scale):
            points = tuple(float(x) for x in sorted(set(tail[-period:].tolist())))
            if period == 1:
                return Behaviour("converges", f"settles at {tail[-1]:.6g} (exactly fixed in float64)", None, 1,
                                 (float(tail[-1]),), None)
            if period == 2:
                return Behaviour("two-cycle", f"two-cycle between {points[0]:.6g} and {points[-1]:.6g}", None, 2, points)
            return Behaviour(f"cycle of period {period}", f"cycle of period {period}, |w| up to {scale:.3g}", None,
                             period, points)
    # Converging without arriving: |w - limit| shrinks steadily.
    rate = _rate(w)
    if rate is not None:
        where = "0" if rate[0] == 0 else f"{rate[0]:.6g}"
        return Behaviour("converges", f"converges to {where}: {rate[1]} (w = {w[-1]:.3g} at the end)",
                         None, 1, (rate[0],), rate[1])
    crossings = int(np.sum(np.sign(tail[1:]) != np.sign(tail[:-1])))
    lo, hi = float(np.min(np.abs(tail))), float(np.max(np.abs(tail)))
    if crossings:
        return Behaviour("chaotic", f"chaotic: no cycle of period <= {MAX_PERIOD}, no convergence, |w| between "
                                    f"{lo:.3g} and {hi:.3g} with {crossings} sign changes over the last {len(tail)} steps")
    return Behaviour("undecided", f"still moving: |w| between {lo:.3g} and {hi:.3g} over the last {len(tail)} steps")


def _rate(w: np.ndarray) -> Optional[tuple]:
    """``(limit, how)`` when the second half of ``w`` approaches a limit, else ``None``.

    Monotone steps: geometric when the ratio of successive steps is the same in the middle and at the end
    of the half (Aitken's extrapolation gives the limit); otherwise, with :math:`|w|` falling, a power of t
    toward 0, read off the log-log slope.  Steps that flip sign: toward 0 when the envelope of :math:`|w|`
    (its maximum over four blocks) falls in every block.
    """
    n = len(w)
    if n < 40:
        return None
    start = n - (n // 2)
    tail = w[start:]
    steps = np.diff(tail)
    t = np.arange(start, n, dtype=float)
    if np.all(steps < 0) or np.all(steps > 0):
        mid = len(steps) // 2
        r_mid, r_end = steps[mid] / steps[mid - 1], steps[-1] / steps[-2]
        if 0 <= r_end < 1 and abs(r_end - r_mid) <= 0.05 * (1 - r_end):
            limit = float(tail[-1] + steps[-1] * r_end / (1 - r_end))
            limit = 0.0 if abs(limit) <= 1e-9 * abs(w[0]) else limit
            return (limit, f"geometric, factor {r_end:.6g} per step")
        x = np.abs(tail)
        if np.all(np.diff(x) < 0) and x[-1] > 0:
            q = len(x) // 4
            power = (math.log(x[-1]) - math.log(x[q])) / (math.log(t[-1]) - math.log(t[q]))
            return (0.0, f"like t^{power:.3g} (a power of the step count, not geometric)")
        return None
    x = np.abs(tail)
    blocks, times = np.array_split(x, 4), np.array_split(t, 4)
    tops = [float(np.max(b)) for b in blocks]
    if all(b < a for a, b in zip(tops, tops[1:])) and tops[-1] > 0:
        at = [float(tt[int(np.argmax(b))]) for tt, b in zip(times, blocks)]
        s1 = (math.log(tops[1]) - math.log(tops[0])) / (at[1] - at[0])
        s2 = (math.log(tops[3]) - math.log(tops[2])) / (at[3] - at[2])
        if abs(s1 - s2) <= 0.1 * abs(s1):
            return (0.0, f"geometric, about {math.exp(s2):.6g} per step, flipping sign")
        power = (math.log(tops[3]) - math.log(tops[1])) / (math.log(at[3]) - math.log(at[1]))
        return (0.0, f"like t^{power:.3g}, flipping sign")
    return None
