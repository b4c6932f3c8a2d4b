r"""Plain gradient descent on :math:`f(w) = |w|^k` near 0, with a fixed step :math:`\eta`.

The map is :math:`T(w) = w - \eta f'(w)`.  Because :math:`f'` is odd, the
symmetric two-cycle :math:`a \to -a \to a` exists exactly when

.. math::

    \eta f'(a) = 2a, \qquad a > 0,

and its stability multiplier is :math:`T'(a)\,T'(-a) = (1 - \eta f''(a))^2`
(:math:`f''` is even).  For a power law the multiplier does not depend on
:math:`\eta`: with :math:`f''(a) = (k-1) f'(a)/a = 2(k-1)/\eta` it is
:math:`(3 - 2k)^2`, below 1 exactly for :math:`1 < k < 2`.  For :math:`k < 1` the
cycle is small (:math:`a \propto \eta^{1/(2-k)}`) and repelling, so weights keep
jumping across 0 without settling; for :math:`k > 2` it is large
(:math:`a \propto \eta^{-1/(k-2)}`) and repelling: it separates weights that decay
(:math:`|w| < a`) from weights that oscillate with growing amplitude and diverge.

Where the gradient vanishes at least linearly (:math:`k \ge 2`) weights decay
instead: geometrically for :math:`k = 2`, and like a power of :math:`t` for
:math:`k > 2`, read off the ansatz :math:`w_t = C t^{-p}` in
:math:`\dot w = -\eta f'(w)`.

Everything is derived from the right-branch gradient and curvature of the
:class:`~lksym.analysis.Analysis`; :func:`simulate` runs the map numerically with
the lambdified gradient.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import sympy as sp

STARTS = (-1.0, -0.3, -0.05, 0.05, 0.3, 1.0)
"""Starting weights of :func:`simulate` and the report figure."""

REPORT_ETA = 0.1
"""Step size of the report's trajectory figure: small, as in training."""

REPORT_STEPS = 200


@dataclass(frozen=True)
class Decay:
    """How a small weight decays under plain gradient descent.

    Attributes
    ----------
    kind
        ``"geometric"`` (:math:`w_t = r^t w_0`), ``"power"``
        (:math:`|w_t| \\sim C t^{-p}`) or ``None`` (no decay to 0 from small weights).
    rate
        :math:`r` for ``"geometric"``, in ``eta``; else ``None``.
    order
        :math:`p` for ``"power"``; else ``None``.
    constant
        :math:`C` for ``"power"``, in ``eta``; else ``None``.
    """

    kind: Optional[str]
    rate: Optional[sp.Expr]
    order: Optional[sp.Expr]
    constant: Optional[sp.Expr] = None


@dataclass(frozen=True)
class GradientDescent:
    """Derived facts about :math:`w \\mapsto w - \\eta f'(w)` near 0.

    Attributes
    ----------
    cycle_amplitude
        The :math:`a > 0` of the two-cycle :math:`\\pm a`, in ``eta``; ``None`` when
        no single amplitude exists (L2: only for :math:`\\eta = 1`, then every weight).
    cycle_multiplier
        :math:`(1 - \\eta f''(a))^2`, or ``None`` without a cycle.
    cycle_stable
        Whether nearby weights are attracted to the cycle (:math:`|m| < 1`);
        ``None`` without a cycle and for L1, whose multiplier is exactly 1:
        there every weight with :math:`|w| < \\eta` lies on its own two-cycle
        :math:`\\{w, w - \\eta\\operatorname{sign}(w)\\}`, neither attracted nor repelled.
    decay
        :class:`Decay` of small weights.
    """

    cycle_amplitude: Optional[sp.Expr]
    cycle_multiplier: Optional[sp.Expr]
    cycle_stable: Optional[bool]
    decay: Decay


def derive_gd(gradient_branch: sp.Expr, curvature_branch: sp.Expr) -> GradientDescent:
    r"""Two-cycle and decay of gradient descent, from the right-branch derivatives in ``x``.

    Parameters
    ----------
    gradient_branch, curvature_branch : sympy.Expr
        :math:`f'` and :math:`f''` on :math:`x > 0` (the ``branch`` of the analysis parts).

    Examples
    --------
    >>> from lksym.analysis import X
    >>> g = derive_gd(sp.Rational(3, 2) * sp.sqrt(X), sp.Rational(3, 4) / sp.sqrt(X))
    >>> g.cycle_amplitude, g.cycle_multiplier, g.cycle_stable
    (9*eta**2/16, 0, True)
    >>> derive_gd(3 * X**2, 6 * X).decay
    Decay(kind='power', rate=None, order=1, constant=1/(3*eta))
    """
    from .analysis import ETA, X, _solve_positive

    amplitude = _solve_positive(ETA * gradient_branch, 2 * X)
    multiplier = stable = None
    if amplitude is not None:
        # eta f''(a) = (x f''/f')(a) * eta f'(a)/a = 2 (x f''/f')(a): for c x^m branches the ratio is
        # the constant m, with no substitution of a (which for k = 47.98 is a 2299th root).
        ratio = sp.powsimp(X * curvature_branch / gradient_branch, force=True)
        if not ratio.has(X):
            inner = 2 * ratio
        else:  # powsimp cancels eta (f''(a) ~ 1/eta); simplify() is too slow for irrational k and not needed.
            inner = sp.powsimp(sp.expand_power_base(ETA * curvature_branch.subs(X, amplitude), force=True), force=True)
        multiplier = sp.factor_terms((1 - inner) ** 2)
        if curvature_branch == 0:
            stable = None  # L1: multiplier exactly 1, a neutral family of cycles (see the class docstring)
        elif not multiplier.free_symbols:
            stable = bool(abs(multiplier) < 1)
    return GradientDescent(amplitude, multiplier, stable, _decay(gradient_branch))


def decay_near_zero(gradient_branch: Optional[sp.Expr]) -> Decay:
    r"""How plain gradient descent shrinks small weights when :math:`f'(x) =` ``gradient_branch`` near 0.

    ``gradient_branch`` is the gradient on the first piece :math:`0 < x \le b` (in ``x``), which must
    vanish at :math:`0^+`; ``None`` (a gradient that does not vanish at 0) gives no decay.  A linear
    :math:`c x` shrinks weights geometrically, :math:`w_t = (1 - \eta c)^t w_0`, a power :math:`c x^m`
    with :math:`m > 1` like :math:`t^{-1/(m - 1)}`; anything else is ``Decay(None, None, None)``.

    Examples
    --------
    >>> from lksym.analysis import X
    >>> decay_near_zero(X).rate, decay_near_zero(None).kind
    (1 - eta, None)
    """
    if gradient_branch is None:
        return Decay(None, None, None)
    return _decay(gradient_branch)


def _decay(gradient_branch: sp.Expr) -> Decay:
    from .analysis import ETA, X, _solve_positive

    ratio = sp.powsimp(gradient_branch / X, force=True)
    if not ratio.has(X):
        # f'(w) = c w: one step multiplies w by 1 - eta c.
        return Decay("geometric", sp.expand(1 - ETA * ratio), None)
    c, m = gradient_branch.as_coeff_exponent(X)
    if c.has(X) or not bool(m > 1):
        return Decay(None, None, None)  # the pull is not small against w: no smooth decay to 0
    p, C, t = sp.Symbol("p", positive=True), sp.Symbol("C", positive=True), sp.Symbol("t", positive=True)
    # w = C t^-p in dw/dt = -eta c w^m: the powers of t must match, then the coefficients.
    lhs, rhs = sp.diff(C * t**-p, t), -ETA * c * (C * t**-p) ** m
    powers = (-p - 1) - (-p * m)
    # powers is linear in p: solve a*p + b = 0 by hand, far cheaper than solve() for irrational k.
    slope = powers.coeff(p)
    p_value = sp.factor_terms(-powers.subs(p, 0) / slope)
    # With that p the powers of t cancel, so t = 1 leaves the coefficient equation.
    coefficient = sp.powsimp(sp.expand_power_base((lhs / rhs).subs(p, p_value).subs(t, 1), force=True), force=True)
    constant = _solve_positive(coefficient.subs(C, X), sp.S.One)
    return Decay("power", None, p_value, constant)


# --------------------------------------------------------------------------- simulation


def simulate(a, eta: float, steps: int = REPORT_STEPS, starts: Sequence[float] = STARTS) -> np.ndarray:
    r"""Run :math:`w_{t+1} = w_t - \eta f'(w_t)` from each start; rows are times, columns starts.

    The gradient is the analysis's own expression, lambdified
    (:func:`lksym.numeric.evaluate`).  A weight that lands exactly on 0 where
    :math:`f'(0)` does not exist (:math:`k < 1`) stays there.

    Examples
    --------
    >>> from lksym.analysis import analyze
    >>> simulate(analyze("2"), 0.25, steps=2, starts=[1.0]).ravel().tolist()
    [1.0, 0.5, 0.25]
    """
    from .numeric import evaluate

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
    >>> from lksym.analysis import analyze
    >>> a = analyze("3/2")
    >>> classify(a, 0.1, simulate(a, 0.1, starts=[0.3]), 0).text
    'w0 = +0.3: settles on the two-cycle ±9η²/16 = ±0.005625 (attracting)'
    """
    from .analysis import ETA
    from .mathtext import text

    w = path[:, column]
    start, end, steps = w[0], w[-1], len(w) - 1
    head = f"w0 = {start:+.3g}: "
    gd = a.gd
    if gd is None or a.k is None:  # the wording below is the power family's: for other penalties the path speaks
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
    return {"path": path, "label": a.label, "eta": REPORT_ETA, "starts": list(STARTS), **_cycle_marks(a, REPORT_ETA)}


def _cycle_marks(a, eta: float) -> dict:
    """The two-cycle amplitude at ``eta`` and whether it attracts, for the figure (nothing for L1's neutral family)."""
    from .analysis import ETA

    gd = a.gd
    if gd is None or gd.cycle_amplitude is None or gd.cycle_stable is None:  # no two-cycle derived (or L1's neutral family)
        return {}
    amplitude = gd.cycle_amplitude.subs(ETA, eta)  # a penalty's amplitude is a Piecewise in eta: no cycle at some eta
    if not (amplitude.is_real and amplitude.is_finite):
        return {}
    return {"cycle": float(amplitude), "cycle_kind": "attracting" if gd.cycle_stable else "repelling"}


def run_simulation(k_text: str, eta_text: str, steps: int, out_dir: str) -> tuple[str, list[str]]:
    """What ``lksym simulate`` does: write the trajectory SVG, return its path and one line per start.

    Examples
    --------
    >>> import tempfile
    >>> path, lines = run_simulation("2", "0.25", 3, tempfile.mkdtemp())
    >>> path.endswith("simulate-k-2-eta-0.25.svg"), lines[-1]
    (True, 'w0 = +1: decays geometrically to 0, by the factor 1 − 2η = 0.5 per step (|w| = 0.125 after 3 steps)')
    """
    import sys
    from pathlib import Path

    import matplotlib

    from .analysis import analyze
    from .analysis import k_text as exact_text
    from .api import k_slug, short_name
    from .errors import InputError
    from .fileio import write_atomic
    from .plots import SVG_RC, render_svg, trajectory_render
    from .prox import parse_real

    a = analyze(k_text)
    eta = parse_real(eta_text, "eta", positive=True)
    if not float(eta) >= sys.float_info.min:  # 1e-400 is 0.0 as a float: the simulation runs in floats
        raise InputError(
            f"eta = {sp.sstr(sp.N(eta, 3))} is too small to simulate in floating point "
            f"(at least {sys.float_info.min:.3g}); its exact effects are in `lksym analyze {k_text} --json` (gd)"
        )
    path = simulate(a, float(eta), steps=steps)
    data = {"path": path, "label": a.label, "eta": float(eta), "starts": list(STARTS), **_cycle_marks(a, float(eta))}
    with matplotlib.rc_context(SVG_RC):
        svg = render_svg(trajectory_render(data))
    # A long exact eta (10**-300 has 301 digits) is shortened with a hash: names stay distinct and legal.
    slug = k_slug(a.k) if a.k is not None else a.subject.slug
    name = short_name(f"simulate-{slug}-eta-{exact_text(eta).replace('/', '_')}") + ".svg"
    target = write_atomic(Path(out_dir) / name, svg)
    return str(target), [classify(a, float(eta), path, i).text for i in range(path.shape[1])]
