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
:class:`~lksym.results.Analysis`; :func:`simulate` runs the map numerically with
the lambdified gradient.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import sympy as sp

from lksym.derivation.exact import solve_positive
from lksym.derivation.symbols import ETA, X


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
    >>> from lksym.derivation.symbols import X
    >>> g = derive_gd(sp.Rational(3, 2) * sp.sqrt(X), sp.Rational(3, 4) / sp.sqrt(X))
    >>> g.cycle_amplitude, g.cycle_multiplier, g.cycle_stable
    (9*eta**2/16, 0, True)
    >>> derive_gd(3 * X**2, 6 * X).decay
    Decay(kind='power', rate=None, order=1, constant=1/(3*eta))
    """
    amplitude = solve_positive(ETA * gradient_branch, 2 * X)
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
    >>> from lksym.derivation.symbols import X
    >>> decay_near_zero(X).rate, decay_near_zero(None).kind
    (1 - eta, None)
    """
    if gradient_branch is None:
        return Decay(None, None, None)
    return _decay(gradient_branch)


def _decay(gradient_branch: sp.Expr) -> Decay:
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
    constant = solve_positive(coefficient.subs(C, X), sp.S.One)
    return Decay("power", None, p_value, constant)


# --------------------------------------------------------------------------- simulation


