r"""The optimisers' exact update rules in float64, and what each trajectory does in the long run.

:func:`run` follows :mod:`torch.optim`'s single-tensor implementations operation by operation
(``torch.optim.SGD``, ``Adam``, ``AdamW``, ``RMSprop`` with ``foreach=False``), with torch's fused
multiply-adds (:func:`fma`): SGD, momentum and Nesterov trajectories equal torch's bit for bit; Adam, AdamW
and RMSprop differ by an ulp now and then, because torch's ``sqrt`` is not correctly rounded in about 1.4%
of cases and NumPy's is (``tests/test_dynamics_torch.py`` holds both against torch itself).
The proximal optimisers call lksym's proximal step (:func:`lksym.derivation.penalty_prox.prox_vector`).

:func:`run_batch` steps many runs (:class:`RunSpec`: penalty, optimiser, alpha, data term, starts) as one
array, one column per start, each column bit for bit what it is alone; :func:`run` is one spec of it.  The
optimizers page steps its few hundred trajectories so (NumPy's per-call overhead, not arithmetic, was the cost).

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

PLAIN = frozenset({"sgd", "momentum", "nesterov"})
ADAPTIVE = frozenset({"adam", "adamw", "adam-prox", "rmsprop"})
PROXIMAL = frozenset({"prox-sgd", "adam-prox"})
"""The optimisers by the arithmetic :func:`run_batch` does for them (Adam-prox is adaptive and proximal)."""


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


@dataclass(frozen=True)
class RunSpec:
    """One :func:`run`'s question: ``opt`` on ``alpha * penalty`` (+ ``data``) from each of ``starts``.

    ``gradient`` replaces the penalty's own :math:`p'` (the torch tests pass the same one to both).
    """

    penalty: Penalty
    opt: Optimizer
    alpha: float
    data: Optional[DataTerm]
    starts: tuple
    gradient: Optional[Callable] = None


def run(penalty: Penalty, opt: Optimizer, alpha: float, data: Optional[DataTerm], starts: Sequence[float], steps: int,
        gradient: Optional[Callable] = None) -> Run:
    """Run ``opt`` on ``alpha * penalty`` (+ ``data``) from each start for ``steps`` steps, in float64.

    ``gradient`` replaces the penalty's own :math:`p'` (the torch tests pass the same one to both).
    One :class:`RunSpec` stepped by :func:`run_batch`.
    """
    return run_batch([RunSpec(penalty, opt, alpha, data, tuple(starts), gradient)], steps)[0]


def run_batch(specs: Sequence[RunSpec], steps: int) -> list[Run]:
    r"""Every start of every spec stepped together, one column each: the :class:`Run` of each spec, in order.

    Each column's trajectory is what it would be alone: every update is elementwise (IEEE ``+ - * /``,
    ``sqrt``, :func:`fma`, ``np.where``), the penalty's gradient and proximal step are evaluated per
    penalty on its columns (the proximal step with each column's own :math:`\lambda = \mathrm{lr}\,\alpha`),
    and what torch computes as a Python scalar (:math:`1 - \beta_1^t`, :math:`\sqrt{1 - \beta_2^t}`, ``lr /
    bc1``, ``1 - dampening``, ...) is computed so, per column, then broadcast.  A column that diverged is
    frozen and gets no more notes.  Stepping the page's few hundred trajectories together replaces
    per-trajectory NumPy calls on arrays of two or three numbers (call overhead) by the same calls on one
    array of all of them.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_subject
    >>> from lksym.derivation.optimizers import optimizer
    >>> l2 = parse_subject("2")
    >>> a, b = run_batch([RunSpec(l2, optimizer("sgd", lr="1/4"), 1.0, None, (1.0,)),
    ...                   RunSpec(l2, optimizer("prox-sgd", lr="1/2"), 1.0, None, (1.0, -3.0))], 2)
    >>> a.path.ravel().tolist(), b.path.tolist()
    ([1.0, 0.5, 0.25], [[1.0, -3.0], [0.5, -1.5], [0.25, -0.75]])
    """
    cols = _Columns(specs)
    n = cols.n
    w = cols.start.copy()
    path = np.empty((steps + 1, n))
    path[0] = w
    alive = np.ones(n, dtype=bool)
    diverged: list = [None] * n
    notes: list = [""] * n
    buf, m, v, vmax = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            # Each kind's arithmetic only when the batch has such columns (a lone run pays for its own only).
            g = cols.alpha * cols.penalty_gradient(w)
            g_data = 0.0
            if cols.any_data:
                g_data = np.where(cols.has_data, cols.c * (w - cols.target), 0.0)
                g = np.where(cols.has_data, g + g_data, g)
            if cols.kinds & PROXIMAL:  # the penalty enters through its proximal step, below
                g = np.where(cols.proximal, g_data, g)
            if cols.any_coupled_decay:  # torch: grad.add(param, alpha=wd), fused (AdamW decays the weight instead)
                g = np.where(cols.coupled_decay, fma(w, cols.wd, g), g)
            new = w
            if cols.kinds & PLAIN:
                # SGD, momentum, Nesterov: buf.mul_(mu).add_(grad, alpha=1-d), param.add_(grad, alpha=-lr), fused.
                direction = g
                if cols.kinds & {"momentum", "nesterov"}:
                    buf = g.copy() if t == 1 else fma(g, cols.undamped, buf * cols.momentum)
                    direction = np.where(cols.heavy_ball, buf, direction)
                    if "nesterov" in cols.kinds:
                        direction = np.where(cols.nesterov, fma(buf, cols.momentum, g), direction)
                new = np.where(cols.plain, fma(direction, -cols.lr, w), new)
            if cols.kinds & ADAPTIVE:
                # Adam, AdamW, Adam-prox, RMSprop (its numerator is g, its step lr, no bias correction).
                start = w * cols.decay_factor
                m = cols.lerp(m, g)
                v = fma(cols.one_minus_b2 * g, g, v * cols.b2)  # torch's addcmul_, fused
                vmax = np.maximum(vmax, v)
                numerator = np.where(cols.rmsprop, g, m)
                step_size, root_bc2 = cols.bias_corrections(t)
                denom = np.sqrt(np.where(cols.amsgrad, vmax, v)) / root_bc2 + cols.eps
                undefined = alive & cols.adaptive & (denom == 0) & (numerator == 0)
                for i in np.flatnonzero(undefined):
                    if not notes[i]:
                        notes[i] = (f"step {t}: 0/0 ({cols.names[i]} with eps = 0 at a zero gradient; torch gives "
                                    "NaN): taken as a zero step")
                stepped = np.where(undefined, start, start + ((-step_size) * numerator) / denom)
                new = np.where(cols.adaptive, stepped, new)
            if cols.kinds & PROXIMAL:
                # The proximal step of lr * alpha * p, after an SGD step on the data term or after the Adam step.
                z = np.where(cols.prox_sgd, w - cols.lr * g, new)
                new = np.where(cols.proximal, cols.prox(z, alive & np.isfinite(z)), new)
            bad = alive & ~(np.abs(new) <= HUGE)
            for i in np.flatnonzero(bad):
                diverged[i] = t
            alive &= ~bad
            w = np.where(alive, new, w)
            path[t] = w
            if not alive.any():
                path[t + 1:] = w
                break
    out = []
    for a, b in cols.spans:
        out.append(Run(np.ascontiguousarray(path[:, a:b]), tuple(diverged[a:b]), tuple(notes[a:b])))
    return out


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


class _Columns:
    """Every start of every spec as one column, with each column's parameters as arrays.

    The per-parameter scalars torch computes in Python (``1 - beta1``, ``lr * alpha``, ``1 - lr * wd``, ...) are
    computed here in Python too, once per column, so that the arrays hold exactly the numbers a lone run uses.
    """

    def __init__(self, specs: Sequence[RunSpec]):
        rows, self.spans = [], []
        for spec in specs:
            a = len(rows)
            rows.extend((spec, float(s)) for s in spec.starts)
            self.spans.append((a, len(rows)))
        self.n = len(rows)
        self.names = [spec.opt.name for spec, _ in rows]
        self.start = np.array([s for _, s in rows], dtype=np.float64)

        def each(f, dtype=np.float64) -> np.ndarray:
            return np.array([f(spec, dict(spec.opt.params)) for spec, _ in rows], dtype=dtype)

        def name_in(*names) -> np.ndarray:
            return np.array([name in names for name in self.names], dtype=bool)

        self.alpha = each(lambda s, p: float(s.alpha))
        self.lr = each(lambda s, p: float(s.opt.lr))
        self.has_data = each(lambda s, p: s.data is not None, bool)
        self.any_data = bool(self.has_data.any())
        self.c = each(lambda s, p: float(s.data.c) if s.data is not None else 0.0)
        self.target = each(lambda s, p: float(s.data.target) if s.data is not None else 0.0)
        self.wd = each(lambda s, p: float(p.get("weight_decay", 0)))
        self.proximal = name_in(*PROXIMAL)
        self.prox_sgd = name_in("prox-sgd")
        self.coupled_decay = (self.wd != 0) & ~name_in("adamw")
        self.any_coupled_decay = bool(self.coupled_decay.any())
        self.momentum = each(lambda s, p: float(p.get("momentum", 0)))
        self.undamped = each(lambda s, p: 1 - float(p.get("dampening", 0)))
        self.heavy_ball = name_in("momentum")
        self.nesterov = name_in("nesterov")
        self.plain = name_in(*PLAIN)
        self.adaptive = name_in(*ADAPTIVE)
        self.kinds = set(self.names)
        self.rmsprop = name_in("rmsprop")
        self.amsgrad = each(lambda s, p: bool(p.get("amsgrad")), bool)
        self.eps = each(lambda s, p: float(p.get("eps", 0)))
        self.decay_factor = each(lambda s, p: 1 - float(s.opt.lr) * float(p["weight_decay"]) if s.opt.name == "adamw"
                                 else 1.0)
        b1 = each(lambda s, p: float(p["betas"][0]) if "betas" in p else 1.0)
        self.lerp_weight = np.array([1 - b for b in b1.tolist()])
        self.lerp_rest = np.array([1 - (1 - b) for b in b1.tolist()])
        self._lerp_low = np.abs(self.lerp_weight) < 0.5  # the columns without betas too (weight 0; m unused)
        self._lerp_kinds = (bool(self._lerp_low.any()), bool((~self._lerp_low).any()))
        # v <- decay v + (1 - decay) g^2: Adam's beta2, RMSprop's smoothing.
        decay = each(lambda s, p: float(p["betas"][1]) if "betas" in p else float(p.get("smoothing", 0)))
        self.b2 = decay
        self.one_minus_b2 = np.array([1 - d for d in decay.tolist()])
        # The bias corrections 1 - beta^t are Python floats in torch: one per distinct (lr, beta1, beta2).
        keys = [(float(spec.opt.lr), *(float(b) for b in dict(spec.opt.params)["betas"]))
                if "betas" in dict(spec.opt.params) else None for spec, _ in rows]
        self._corrections = sorted({k for k in keys if k is not None})
        where = {k: i for i, k in enumerate(self._corrections)}
        self._which = np.array([where.get(k, -1) for k in keys], dtype=int)
        self._corrected = self._which >= 0
        self.lam = each(lambda s, p: float(s.opt.lr) * float(s.alpha))
        self._gradients = self._groups(rows, lambda spec: not spec.opt.proximal,
                                       lambda spec: spec.gradient or penalty_gradient(spec.penalty),
                                       lambda spec: ("given", id(spec.gradient)) if spec.gradient else ("own", spec.penalty))
        self._proxes = self._groups(rows, lambda spec: spec.opt.proximal, lambda spec: spec.penalty,
                                    lambda spec: spec.penalty)

    @staticmethod
    def _groups(rows, wanted, make, key) -> list:
        """``(what make(spec) gives, column indices)`` per distinct ``key(spec)`` among the wanted columns."""
        found: dict = {}
        for i, (spec, _) in enumerate(rows):
            if wanted(spec):
                k = key(spec)
                if k not in found:
                    found[k] = (make(spec), [])
                found[k][1].append(i)
        return [(thing, np.array(idx, dtype=int)) for thing, idx in found.values()]

    def penalty_gradient(self, w: np.ndarray) -> np.ndarray:
        """:math:`p'(w)` per column from its penalty (0 in the proximal optimisers' columns, which never use it)."""
        out = np.zeros(self.n)
        for gradient, idx in self._gradients:
            out[idx] = gradient(w[idx])
        return out

    def prox(self, z: np.ndarray, ok: np.ndarray) -> np.ndarray:
        """``z`` with each proximal column where ``ok`` replaced by its penalty's prox at :math:`\\lambda = lr\\,\\alpha`."""
        out = np.array(z, dtype=float)
        for penalty, idx in self._proxes:
            idx = idx[ok[idx]]
            if idx.size:
                out[idx] = prox_vector(penalty, self.lam[idx], z[idx])
        return out

    def lerp(self, m: np.ndarray, g: np.ndarray) -> np.ndarray:
        """``torch.lerp(m, g, w)``, w = 1 - beta1: ``m + w (g - m)`` fused for w < 1/2, else ``g - (g - m)(1 - w)``."""
        diff = g - m
        low = fma(self.lerp_weight, diff, m) if self._lerp_kinds[0] else None
        high = fma(-diff, self.lerp_rest, g) if self._lerp_kinds[1] else None
        return low if high is None else high if low is None else np.where(self._lerp_low, low, high)

    def bias_corrections(self, t: int) -> tuple:
        """Per column: Adam's ``lr / (1 - beta1^t)`` and ``sqrt(1 - beta2^t)`` at step t; ``lr`` and 1 elsewhere."""
        step, root = self.lr.copy(), np.ones(self.n)
        if self._corrections:
            values = []
            for lr, b1, b2 in self._corrections:
                bc1, bc2 = 1 - b1**t, 1 - b2**t
                values.append((lr / bc1, bc2 ** 0.5))
            table = np.array(values)[self._which[self._corrected]]
            step[self._corrected] = table[:, 0]
            root[self._corrected] = table[:, 1]
        return step, root


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
