r"""Exact analysis of the penalty :math:`f(w) = |w|^k` for one exact k.

:func:`analyze` asks a fixed set of questions of the penalty and returns one
frozen :class:`Analysis`.  Writers (Markdown, JSON, plots, terminal) only read it.

How the derivation avoids SymPy's pitfalls
------------------------------------------
Differentiating ``Abs(w)**k`` directly brings ``sign(w)**2`` and ``DiracDelta``
terms.  Instead every derivative is taken on the right branch
:math:`f_+(x) = x^k` with a *positive* symbol ``x`` and carried to the real line
by the parity of an even function,

.. math::

    f^{(n)}(w) = \operatorname{sign}(w)^n \, f_+^{(n)}(|w|), \qquad w \ne 0,

so limits at :math:`0^-` and :math:`-\infty` are :math:`(-1)^n` times those at
:math:`0^+` and :math:`+\infty`.  What happens *at* 0 is decided from the
one-sided difference quotients, not from a formula that is only valid for
:math:`w \ne 0`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

import sympy as sp

from .errors import InputError
from .penalty import W, X, number_text  # the weight and |w| > 0: one definition for every module
from .regime import Regime, classify, integer_parity

if TYPE_CHECKING:  # only for the annotations of Analysis: the modules import this one
    from .gd import GradientDescent
    from .penalty import Penalty
    from .penalty_prox import Thresholding
    from .prox import Prox


ALPHA = sp.Symbol("alpha", positive=True)
TAU = sp.Symbol("tau", positive=True)
ETA = sp.Symbol("eta", positive=True)

POINTS = ("0+", "0-", "+oo", "-oo")
PART_NAMES = ("penalty", "gradient", "curvature")


@dataclass(frozen=True)
class AtZero:
    """What one derivative of the penalty does at :math:`w = 0` itself.

    Attributes
    ----------
    value
        The exact value of :math:`f^{(n)}(0)`, or ``None`` where it does not exist.
    subdifferential
        For the gradient of a convex penalty with a kink: the interval
        ``(lo, hi)`` of subgradients at 0; otherwise ``None``.
    continuous
        Whether :math:`f^{(n)}` exists at 0 and is continuous there.
    """

    value: Optional[sp.Expr]
    subdifferential: Optional[tuple[sp.Expr, sp.Expr]]
    continuous: bool


@dataclass(frozen=True)
class Part:
    """The penalty or one of its derivatives.

    Attributes
    ----------
    name
        ``"penalty"``, ``"gradient"`` or ``"curvature"``.
    order
        0, 1 or 2: which derivative.
    expr
        The derivative for :math:`w \\ne 0` in the real symbol ``w``, free of
        ``DiracDelta`` and ``sign(w)**2``.
    branch
        The same on the right branch, in the positive symbol ``x``.
    limits
        One-sided limits keyed by ``"0+"``, ``"0-"``, ``"+oo"``, ``"-oo"``.
    at_zero
        Value, subdifferential and continuity at 0.
    """

    name: str
    order: int
    expr: sp.Expr
    branch: sp.Expr
    limits: dict
    at_zero: AtZero


@dataclass(frozen=True)
class Crossover:
    """Where the gradient magnitude of :math:`|w|^k` meets that of a reference.

    Attributes
    ----------
    reference
        ``"L1"`` (:math:`|w|`) or ``"L2"`` (:math:`|w|^2`).
    weight
        The exact :math:`|w| > 0` where the magnitudes are equal, or ``None``
        when they never are (or are equal everywhere).
    identical
        The two penalties are the same.
    stronger_below
        Which gradient is larger for :math:`|w|` below ``weight``: ``"Lk"`` or
        the reference; ``None`` when identical.
    """

    reference: str
    weight: Optional[sp.Expr]
    identical: bool
    stronger_below: Optional[str]


@dataclass(frozen=True)
class Overshoot:
    r"""Where one plain gradient step :math:`w \mapsto w - \eta f'(w)` jumps across 0.

    The step overshoots when :math:`\eta |f'(w)| > |w|`.

    Attributes
    ----------
    weight
        The :math:`|w|` where :math:`\eta |f'(w)| = |w|`, in the positive symbol
        ``eta``; ``None`` when no single weight separates the two behaviours.
    side
        ``"below"``: weights smaller than ``weight`` overshoot; ``"above"``:
        larger ones do; ``None`` with ``weight`` ``None``.
    step_limit
        When ``weight`` is ``None``: the step size above which *every* weight
        overshoots (1/2 for L2), else ``None``.
    """

    weight: Optional[sp.Expr]
    side: Optional[str]
    step_limit: Optional[sp.Expr]


@dataclass(frozen=True)
class Band:
    """An interval of :math:`|w|` with a fixed order of the three gradient magnitudes.

    ``order`` lists ``"L1"``, ``"L2"`` and ``"Lk"`` from the weakest to the
    strongest pull toward 0 on ``(lo, hi)``; ``hi`` is ``oo`` for the last band.
    ``ties`` names pairs that are equal throughout (when k is 1 or 2).
    """

    lo: sp.Expr
    hi: sp.Expr
    order: tuple[str, str, str]
    ties: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Analysis:
    r"""Every derived fact about :math:`f(w) = |w|^k` for one exact k.

    Build it with :func:`analyze`; it is immutable and computed once.

    Attributes
    ----------
    k
        The exponent, an exact positive SymPy number.
    regime
        The :class:`~lksym.regime.Regime` of ``k``.
    penalty, gradient, curvature
        :class:`Part` objects for :math:`f`, :math:`f'` and :math:`f''`.
    smoothness
        The largest n with :math:`f \in C^n` at 0, or ``None`` for
        :math:`C^\infty`.
    convex
        Whether :math:`f` is convex on the real line.
    sparse
        Whether a proximal (or clipped) step sets small weights exactly to 0:
        true exactly when the gradient does not vanish at :math:`0^+`.
    lipschitz_gradient_near_zero
        Whether the gradient is continuous at 0 and the curvature stays bounded
        near 0, so that a small enough fixed
        gradient step cannot overshoot 0 for small weights.
    dead_zone
        For penalties whose gradient vanishes at 0: the :math:`|w|` below which
        :math:`\alpha |f'(w)| < \tau`, in the positive symbols ``alpha`` and
        ``tau``; otherwise ``None``.
    overshoot
        :class:`Overshoot`: which weights one gradient step of size ``eta`` throws across 0.
    crossovers
        :class:`Crossover` against L1 and L2.
    bands
        The order of the L1, L2 and Lk gradient magnitudes between crossovers.
    prox
        :class:`~lksym.prox.Prox`: threshold and closed form of the proximal step
        of :math:`\lambda |w|^k`.
    gd
        :class:`~lksym.gd.GradientDescent`: two-cycle and decay of plain gradient
        descent with step ``eta``.
    subject
        The :class:`~lksym.penalty.Penalty` analysed (for the power family
        ``k`` and ``regime`` are set; for any other penalty they are ``None``).
    breakpoints
        :class:`Breakpoint` per :math:`|w| > 0` where the definition changes.
    curvature_min
        The infimum of the curvature off 0 and off the breakpoints: the proximal
        step of :math:`\lambda p` is a convex problem when
        :math:`1 + \lambda \cdot` ``curvature_min`` :math:`\ge 0`.
    thresholding
        :class:`~lksym.penalty_prox.Thresholding`: Fan and Li's three properties
        of the proximal step of :math:`\lambda p`.
    omitted
        Why a fact is ``None`` where it is not derived for this penalty, by field name.
    """

    k: Optional[sp.Expr]
    regime: Optional[Regime]
    penalty: Part
    gradient: Part
    curvature: Part
    smoothness: Optional[int]
    convex: bool
    sparse: bool
    lipschitz_gradient_near_zero: bool
    dead_zone: Optional[sp.Expr]
    overshoot: Optional[Overshoot]
    crossovers: Optional[tuple[Crossover, Crossover]]
    bands: Optional[tuple[Band, ...]]
    prox: "Prox"
    gd: Optional["GradientDescent"]
    subject: Optional["Penalty"] = None
    breakpoints: tuple["Breakpoint", ...] = ()
    curvature_min: Optional[sp.Expr] = None
    thresholding: Optional["Thresholding"] = None
    omitted: dict = field(default_factory=dict)

    @property
    def parts(self) -> tuple[Part, Part, Part]:
        """Penalty, gradient and curvature, in that order."""
        return (self.penalty, self.gradient, self.curvature)

    @property
    def integer_parity(self) -> Optional[str]:
        """``"even"``/``"odd"`` for an integer k, else ``None``."""
        return integer_parity(self.k)

    @property
    def label(self) -> str:
        """A short name such as ``L1.5``, ``L7/3``, ``L√2`` (see :func:`lksym.mathtext.k_name`) or ``SCAD (λ = 1, a = 3.7)``."""
        if self.k is None:
            return self.subject.label
        from .mathtext import k_name

        return k_name(self.k)

    def to_dict(self) -> dict:
        """The analysis as JSON-ready data; see :mod:`lksym.jsonout`."""
        from .jsonout import to_dict

        return to_dict(self)

    def __str__(self) -> str:
        """The readable summary of ``lksym analyze`` (:func:`lksym.terminal.summary`)."""
        from .terminal import summary

        return summary(self)

    def __repr__(self) -> str:
        # The REPL shows repr(): the summary, not a dump of every field (those are attributes).
        return str(self)

    def _repr_markdown_(self) -> str:
        from .report import summary_markdown

        return summary_markdown(self, figures=True)

    def figures(self) -> dict:
        """The report's figures as matplotlib Figures keyed by plain name (``"zoom"``), to restyle or save.

        Examples
        --------
        >>> figs = analyze("3/2").figures()
        >>> figs["zoom"].axes[0].set_title("L1.5 near 0")  # doctest: +ELLIPSIS
        Text(...)
        """
        from .plots import figures

        return figures(self)


# --------------------------------------------------------------------------- helpers


def k_text(k: sp.Expr) -> str:
    """Write k as people do: a terminating fraction as a decimal (``1.5``), else SymPy's form.

    The same rule as :func:`lksym.penalty.number_text` (which this is), kept under its old name.

    Examples
    --------
    >>> k_text(sp.Rational(3, 2)), k_text(sp.Rational(7, 3)), k_text(sp.sqrt(2))
    ('1.5', '7/3', 'sqrt(2)')
    """
    return number_text(k)


def _limit(expr: sp.Expr, point: sp.Expr) -> sp.Expr:
    """One-sided limit on the right branch, ``x -> point`` (0 or oo) from inside (0, oo)."""
    if not expr.has(X):
        return expr
    coeff, exponent = expr.as_coeff_exponent(X)
    if not coeff.has(X) and exponent.is_real and point in (0, sp.oo):
        # c*x**e, every branch lksym derives: the sign of e decides, no series needed
        # (limit() would also expand the coefficient's powers, which for k = 998.3 is slow).
        if coeff == 0:
            return sp.S.Zero
        grows = bool(exponent < 0) if point == 0 else bool(exponent > 0)
        return sp.sign(coeff) * sp.oo if grows else sp.S.Zero
    return sp.limit(expr, X, point, "+" if point == 0 else "-")


def _to_real_line(branch: sp.Expr, order: int) -> sp.Expr:
    r"""Carry a right-branch derivative to :math:`w \ne 0` as :math:`\operatorname{sign}(w)^n f_+^{(n)}(|w|)`.

    Monomials :math:`c\,x^e` get the tidiest equivalent form: for odd ``order``
    and an odd integer e, :math:`\operatorname{sign}(w)|w|^e = w^e`; for an even
    integer e > 0, :math:`w^{e-1}|w|`.
    """
    coeff, exponent = branch.as_coeff_exponent(X)
    odd = order % 2 == 1
    if coeff.has(X):  # not a monomial: plain substitution is still correct
        expr = branch.subs(X, sp.Abs(W))
        return sp.sign(W) * expr if odd else expr
    if not odd:
        return coeff * sp.Abs(W) ** exponent  # SymPy turns |w|**even into w**even itself
    if exponent.is_integer and exponent.is_odd:
        return coeff * W**exponent
    if exponent.is_integer and exponent.is_positive:
        return coeff * W ** (exponent - 1) * sp.Abs(W)
    return coeff * sp.sign(W) * sp.Abs(W) ** exponent


def _limits(branch: sp.Expr, order: int) -> dict:
    right0, right_inf = _limit(branch, sp.S.Zero), _limit(branch, sp.oo)
    flip = -1 if order % 2 else 1  # parity of an even function's n-th derivative
    return {"0+": right0, "0-": flip * right0, "+oo": right_inf, "-oo": flip * right_inf}


def _is_finite(value: sp.Expr) -> bool:
    return bool(value.is_finite)


def _at_zero(order: int, branches: list, limits: dict, below: Optional[AtZero], convex: bool) -> AtZero:
    r"""Value and continuity at 0 of :math:`f^{(n)}`, from the derivative below it.

    :math:`f^{(n)}(0)` exists when :math:`f^{(n-1)}(0) = v` exists and the
    difference quotients :math:`(f^{(n-1)}(\pm x) - v)/(\pm x)` have one finite
    common limit as :math:`x \to 0^+`; the penalty itself is :math:`0^k = 0`.
    A convex penalty whose quotients have different finite limits has the
    subdifferential between them (L1's :math:`[-1, 1]`).
    """
    value: Optional[sp.Expr]
    sub = None
    if order == 0:
        value = sp.S.Zero
    elif below is None or below.value is None:
        value = None
    else:
        v, b = below.value, branches[order - 1]
        right = _limit((b - v) / X, sp.S.Zero)
        left = _limit(((-1) ** (order - 1) * b - v) / (-X), sp.S.Zero)
        value = right if _is_finite(right) and left == right else None
        if value is None and convex and _is_finite(left) and _is_finite(right):
            sub = (left, right)
    continuous = value is not None and limits["0+"] == value and limits["0-"] == value
    return AtZero(value=value, subdifferential=sub, continuous=continuous)


def _is_nonnegative(branch: sp.Expr) -> bool:
    """Whether a right-branch expression is >= 0 for every x > 0."""
    known = branch.is_nonnegative
    if known is not None:
        return bool(known)
    coeff, _ = branch.as_coeff_exponent(X)
    if coeff.has(X):
        raise ValueError(f"cannot decide the sign of {branch}")
    return bool(coeff >= 0)  # c * x**e with x > 0 has the sign of c


def _smoothness(k: sp.Expr) -> Optional[int]:
    r"""Largest n with :math:`f \in C^n` at 0 (``None`` for :math:`C^\infty`).

    By the mean value theorem, if :math:`f^{(n-1)}` is continuous at 0 and both
    one-sided limits of :math:`f^{(n)}` at 0 agree and are finite, then
    :math:`f^{(n)}(0)` exists and :math:`f^{(n)}` is continuous there.  A
    derivative that vanishes identically makes every later one continuous.

    On :math:`x > 0` the n-th derivative of :math:`x^k` is
    :math:`(k)_n x^{k-n}` (falling factorial), and on :math:`x < 0` it is
    :math:`(-1)^n` times its mirror image, so only the exponent :math:`k - n`
    and whether :math:`(k)_n` vanishes matter: the coefficients themselves,
    products of up to a thousand factors for k near 1000, are never built.
    """
    n = 0
    while True:
        if k.is_integer and n > k:  # (k)_n = 0: the derivative vanishes identically from here on
            return None
        exponent = k - n
        if exponent.is_zero:  # a nonzero constant n! on the right, (-1)^n n! on the left
            if n % 2:
                return n - 1
        elif bool(exponent < 0):  # a pole: the one-sided limits are infinite
            return n - 1
        n += 1


def _solve_positive(lhs: sp.Expr, rhs: sp.Expr) -> Optional[sp.Expr]:
    r"""The unique :math:`x > 0` with ``lhs == rhs``, or ``None``.

    Both sides are products of powers of ``x``; with :math:`x = e^t` the
    equation becomes linear in t after taking logarithms, which SymPy solves
    instantly where a polynomial form (:math:`x^{9/10} = x`, say) would be
    of high degree.
    """
    (c1, e1), (c2, e2) = lhs.as_coeff_exponent(X), rhs.as_coeff_exponent(X)
    if not (c1.has(X) or c2.has(X)):
        # c1 x^e1 = c2 x^e2 is log(c1) + e1 t = log(c2) + e2 t: a*t + b = 0, solved by hand
        # (solve() on the same line costs ten times more).  radsimp clears surds from
        # denominators: a canonical form that sympify reads back as is.
        offset = sp.expand_log(sp.log(c1), force=True) - sp.expand_log(sp.log(c2), force=True)
        roots = [] if e1 == e2 else [sp.radsimp(-offset / (e1 - e2))]
    else:  # not a ratio of powers after all: let solve() deal with it
        t = sp.Dummy("t", real=True)
        roots = sp.solve(sp.expand_log(sp.log(lhs.subs(X, sp.exp(t)) / rhs.subs(X, sp.exp(t))), force=True), t)
    if len(roots) != 1:
        return None
    root = sp.expand(roots[0])
    product = _unevaluated_powers(root)  # b1**c1 * b2**c2 * ..., nothing evaluated yet
    if product is not None and _costly(product):
        return product
    # exp(a*log(p) + b*log(q)) -> p**a * q**b: SymPy's canonical, sympify-stable form.
    canonical = sp.powsimp(sp.expand_power_exp(sp.exp(root)))
    if product is None or _largest_integer_digits(canonical) <= MAX_EXACT_DIGITS:
        return canonical
    return product


MAX_EXACT_DIGITS = 60
"""Longest integer an exact result may spell out; longer ones are kept as unevaluated powers."""


def _costly(expr: sp.Expr) -> bool:
    r"""Whether evaluating the numeric powers in ``expr`` would make SymPy build huge integers.

    SymPy normalises :math:`b^{p/q}` through :math:`b^{q-p}`-sized integers and
    perfect-power tests on them (k = 1.541: q = 541, seconds of factoring); the
    estimate is q times the digits of b.  Irrational exponents count too: radsimp
    turns 1/(k - 2) for k = 1000*sqrt(6)/3 into a 7-digit denominator.
    """
    for power in expr.atoms(sp.Pow):
        base, exponent = power.args
        if base.is_number and not exponent.free_symbols:
            denominator = max((r.q for r in exponent.atoms(sp.Rational)), default=1)
            if denominator * _largest_integer_digits(base) > MAX_EXACT_DIGITS:
                return True
    return False


def _unevaluated_powers(log_value: sp.Expr) -> Optional[sp.Expr]:
    r"""``exp(log_value)`` as a product of powers that SymPy is told not to evaluate.

    SymPy writes :math:`b^{-p/q}` as :math:`(b^{q-p})^{1/q} / b`, so for
    k = 100.1 (roots of order 981) a crossover spells out an integer of
    thousands of digits: unreadable, and longer than Python agrees to print.
    :math:`\sum_i c_i \log b_i` becomes :math:`\prod_i b_i^{c_i}` instead, which
    prints short and has the same value.  ``None`` if a term is not of that shape.
    """
    factors = []
    for term in sp.Add.make_args(log_value):
        coefficient, rest = term.as_independent(sp.log, as_Add=False)
        if not isinstance(rest, sp.log):
            return None
        factors.append(sp.Pow(rest.args[0], coefficient, evaluate=False))
    return sp.Mul(*factors, evaluate=False)


def substitute(expr: sp.Expr, mapping: dict) -> sp.Expr:
    """``expr.subs(mapping)``, or the same substitution left unevaluated where SymPy would spell out huge integers.

    Examples
    --------
    >>> substitute(ETA * X, {ETA: 2})
    2*x
    """
    if not _costly(expr):
        value = expr.subs(mapping)
        if _largest_integer_digits(value) <= MAX_EXACT_DIGITS:
            return value
    with sp.evaluate(False):
        value = expr.xreplace(mapping)
        return value.replace(lambda e: e.is_Pow and e.base == 1, lambda e: sp.S.One)  # lam = 1 leaves 1**c


def _largest_integer_digits(expr: sp.Expr) -> int:
    """Decimal digits of the longest integer in ``expr`` (numerators and denominators), by bit length."""
    sizes = [max(abs(r.p), r.q).bit_length() for r in expr.atoms(sp.Rational)]
    return int(max(sizes, default=0) * 0.30103) + 1


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    """Whether two right-branch products of powers are identical (cheaper than simplify)."""
    return sp.powsimp(a / b, force=True) == 1


def _crossover(gradient_branch: sp.Expr, reference: str) -> Crossover:
    ref = {"L1": sp.S.One, "L2": 2 * X}[reference]
    if _same(gradient_branch, ref):
        return Crossover(reference, None, True, None)
    weight = _solve_positive(gradient_branch, ref)
    probe = _to_float(weight) / 2 if weight is not None else 1.0
    stronger = "Lk" if _at(gradient_branch, probe) > _at(ref, probe) else reference
    return Crossover(reference, weight, False, stronger)


PROBE_DIGITS = 30
"""Digits of the numeric probes that decide which side of a crossing is which."""


def _to_float(value: sp.Expr, subs: Optional[dict] = None) -> float:
    # evalf with subs: no exact re-evaluation of powers like 1541**(1000/541) on the way.
    return float(value.evalf(PROBE_DIGITS, subs=subs))


def _at(expr: sp.Expr, x: float) -> sp.Float:
    """``expr`` at the point ``x`` (a float strictly between crossings), to :data:`PROBE_DIGITS` digits.

    Which of two pulls is stronger between two crossings is the same at every
    point there, so a float point decides it; exact substitution could make
    SymPy build and factor huge powers.
    """
    return expr.evalf(PROBE_DIGITS, subs={X: sp.Float(x, PROBE_DIGITS)})


def _bands(gradient_branch: sp.Expr, crossovers: tuple[Crossover, ...]) -> tuple[Band, ...]:
    magnitudes = {"L1": sp.S.One, "L2": 2 * X, "Lk": gradient_branch}
    # L1 and L2 gradients cross at |w| = 1/2 too: the order of the three changes there.
    cuts = sorted({c.weight for c in crossovers if c.weight is not None} | {sp.Rational(1, 2)}, key=_to_float)
    edges = [sp.S.Zero, *cuts, sp.oo]
    bands = []
    for lo, hi in zip(edges, edges[1:]):
        probe = (_to_float(lo) + _to_float(hi)) / 2 if hi != sp.oo else _to_float(lo) + 1
        values = {name: _at(g, probe) for name, g in magnitudes.items()}
        order = tuple(sorted(values, key=lambda name: (float(values[name]), name)))
        ties = tuple(
            (a, b)
            for i, a in enumerate(order)
            for b in order[i + 1 :]
            if _same(magnitudes[a], magnitudes[b])
        )
        bands.append(Band(lo, hi, order, ties))
    # Merge neighbours with the same order: a cut only matters where the order changes.
    merged: list[Band] = []
    for band in bands:
        if merged and merged[-1].order == band.order:
            merged[-1] = Band(merged[-1].lo, band.hi, band.order, band.ties)
        else:
            merged.append(band)
    return tuple(merged)


def _dead_zone(gradient_branch: sp.Expr, vanishes_at_zero: bool) -> Optional[sp.Expr]:
    if not vanishes_at_zero:
        return None
    return _solve_positive(ALPHA * gradient_branch, TAU)


def _overshoot(gradient_branch: sp.Expr) -> Overshoot:
    weight = _solve_positive(ETA * gradient_branch, X)
    if weight is not None:
        probe = _to_float(weight, {ETA: 1}) / 2  # at eta = 1: which side overshoots does not depend on eta
        below = _at(gradient_branch, probe) > probe
        return Overshoot(weight, "below" if below else "above", None)
    # eta*|f'(w)|/|w| does not depend on w (L2): the step size alone decides.
    ratio = sp.simplify(gradient_branch / X)
    return Overshoot(None, None, 1 / ratio if ratio.is_positive else None)


# --------------------------------------------------------------------------- public


TIME_LIMIT = 20.0
"""Seconds an analysis may take (nearly every k takes well under one)."""


def _import_derivation() -> None:
    """Import what the derivation uses before any deadline is armed.

    A timer that fires inside an import leaves a half-initialised module behind for
    the rest of the process (numpy without ``numpy.ma``, seen after a 5 ms limit).
    """
    import numpy.ma  # noqa: F401  (numpy loads it lazily; lambdify and the prox solvers touch it)

    from . import gd, penalty_prox, prox  # noqa: F401


def analyze(k, *, time_limit: Optional[float] = None) -> Analysis:
    r"""Derive every fact lksym reports about a penalty: :math:`|w|^k` or any other.

    Parameters
    ----------
    k : str, int, SymPy number or Penalty
        The exponent of :math:`|w|^k`: any text :func:`lksym.expr.parse_k`
        accepts (``"3/2"``, ``"1.5"``, ``"sqrt(2)"``) or an exact positive
        number; or any penalty :func:`lksym.penalty.parse_penalty` reads
        (``"scad(lam=1, a=3.7)"``, ``"log(1 + abs(w)/0.1)"``), or a
        :class:`~lksym.penalty.Penalty`.
    time_limit : float, optional
        Seconds before giving up (default :data:`TIME_LIMIT`; in any thread,
        see :mod:`lksym.budget`).
        Exact arithmetic can run away for k with many digits: 1.541 needs
        1000/541-th powers, and SymPy factors numbers of thousands of digits.

    Returns
    -------
    Analysis
        The frozen result.

    Raises
    ------
    lksym.errors.InputError
        If ``k`` is not an exact positive real number lksym can handle, or
        its analysis takes longer than ``time_limit``.

    Examples
    --------
    >>> a = analyze("3/2")
    >>> a.gradient.expr
    3*sqrt(Abs(w))*sign(w)/2
    >>> a.gradient.limits["0+"], a.curvature.limits["0+"], a.smoothness
    (0, oo, 1)
    """
    from . import budget
    from .penalty import parse_subject

    _import_derivation()
    subject = parse_subject(k)
    time_limit = TIME_LIMIT if time_limit is None else time_limit
    try:
        with budget.deadline(time_limit):
            if subject.family == "power":
                return _analyze_exact(subject.k)
            try:
                return _analyze_penalty(subject)
            except (TypeError, ValueError, ArithmeticError, NotImplementedError) as error:
                if isinstance(error, InputError):
                    raise
                # A typed penalty SymPy cannot take through every step: one line, not a traceback.
                raise InputError(f"{subject.text[:60]}: lksym cannot derive every fact of this penalty exactly "
                                 f"({type(error).__name__}: {str(error).splitlines()[0][:80] if str(error) else ''})") from None
    except budget.Timeout:
        if subject.family != "power":
            raise InputError(f"{subject.text} is too costly to analyse exactly (over {time_limit:g} s)") from None
        raise InputError(
            f"k = {k_text(subject.k)} is too costly to analyse exactly (over {time_limit:g} s): "
            "exact powers with k's digits grow too large; a k with fewer digits works"
        ) from None


def _analyze_exact(k: sp.Expr) -> Analysis:
    from .gd import derive_gd  # imported here: both modules use this one's symbols
    from .penalty import power_of
    from .penalty_prox import thresholding
    from .prox import derive_prox

    subject = power_of(k)  # k is exact and checked: parsing it again inside the deadline would mask a timeout

    branches = [X**k]
    for _ in range(2):
        branches.append(sp.powsimp(sp.diff(branches[-1], X), force=True))

    regime = classify(k)
    limits = [_limits(b, n) for n, b in enumerate(branches)]
    gradient_vanishes = limits[1]["0+"] == 0
    curvature_nonnegative = _is_nonnegative(branches[2])
    # A convex even function: curvature >= 0 off 0 and the gradient not decreasing across 0.
    convex = curvature_nonnegative and bool(limits[1]["0-"] <= limits[1]["0+"])

    at_zero: list[AtZero] = []
    for n in range(3):
        at_zero.append(_at_zero(n, branches, limits[n], at_zero[-1] if at_zero else None, convex))

    parts = tuple(
        Part(name, n, _to_real_line(branches[n], n), branches[n], limits[n], at_zero[n])
        for n, name in enumerate(PART_NAMES)
    )
    crossovers = (_crossover(branches[1], "L1"), _crossover(branches[1], "L2"))
    return Analysis(
        k=k,
        regime=regime,
        penalty=parts[0],
        gradient=parts[1],
        curvature=parts[2],
        smoothness=_smoothness(k),
        convex=convex,
        # Sparsity: a non-vanishing pull at 0+ beats the quadratic data term for small z.
        sparse=bool(limits[1]["0+"] > 0),
        # Lipschitz near 0 needs a continuous gradient (L1's jumps) and bounded curvature.
        lipschitz_gradient_near_zero=at_zero[1].continuous and _is_finite(limits[2]["0+"]),
        dead_zone=_dead_zone(branches[1], gradient_vanishes),
        overshoot=_overshoot(branches[1]),
        crossovers=crossovers,
        bands=_bands(branches[1], crossovers),
        prox=derive_prox(k),
        gd=derive_gd(branches[1], branches[2]),
        subject=subject,
        breakpoints=(),
        curvature_min=_infimum(branches[2], sp.S.Zero, sp.oo),
        thresholding=thresholding(subject),
    )


# --------------------------------------------------------------------------- any penalty


@dataclass(frozen=True)
class Breakpoint:
    r"""A :math:`|w| = b > 0` where the penalty's definition changes.

    Attributes
    ----------
    at
        The exact :math:`b`.
    smoothness
        The largest n with :math:`p \in C^n` at b: -1 where :math:`p` itself jumps,
        ``None`` for :math:`C^\infty` (never for a true breakpoint).
    limits
        ``limits[part]["left"|"right"]``: the one-sided limits of the penalty, its
        gradient and its curvature at :math:`w = b` (on :math:`w = -b` the odd
        derivatives change sign).
    """

    at: sp.Expr
    smoothness: Optional[int]
    limits: dict


MAX_SMOOTHNESS_ORDER = 16
"""Derivatives compared at 0 and at breakpoints before a smooth penalty is called C^inf (even analytic) or C^16."""

def _real_line_piecewise(branches: list, pieces, order: int) -> sp.Expr:
    """The n-th derivative for w != 0 off the breakpoints, from the right branch's pieces and parity."""
    if len(pieces) == 1:
        return _to_real_line(branches[0], order)
    a = sp.Abs(W)
    body = sp.Piecewise(*[(b.subs(X, a), a <= p.hi) for b, p in zip(branches[:-1], pieces[:-1])], (branches[-1].subs(X, a), True))
    return sp.sign(W) * body if order % 2 else body


def _one_sided(expr: sp.Expr, at: sp.Expr, side: str) -> sp.Expr:
    if not expr.has(X):
        return expr
    if at in (0, sp.oo):
        return _limit(expr, at)
    return sp.limit(expr, X, at, side)


def _smoothness_at_zero(first: sp.Expr, value: sp.Expr) -> Optional[int]:
    r"""Largest n with p in C^n at 0 (-1: p jumps at 0; ``None``: C^inf), from the first piece.

    The n-th derivative of an even function is continuous at 0 when its one-sided
    limits are finite and equal: :math:`L` and :math:`(-1)^n L`, so odd orders must
    tend to 0 (the mean value theorem then gives the derivative at 0 itself).
    """
    if _one_sided(first, sp.S.Zero, "+") != value:
        return -1
    d = first
    for n in range(1, MAX_SMOOTHNESS_ORDER + 1):
        d = sp.diff(d, X)
        if d == 0:
            return None
        limit = _one_sided(d, sp.S.Zero, "+")
        if not limit.is_finite or (n % 2 and limit != 0):
            return n - 1
    y = sp.Symbol("y", real=True)
    return None if sp.simplify(first.subs(X, y) - first.subs(X, -y)) == 0 else MAX_SMOOTHNESS_ORDER


def _breakpoint(left: sp.Expr, right: sp.Expr, at: sp.Expr) -> Breakpoint:
    limits: dict = {}
    smoothness: Optional[int] = None
    dl, dr = left, right
    for n in range(MAX_SMOOTHNESS_ORDER + 1):
        lo, hi = _one_sided(dl, at, "-"), _one_sided(dr, at, "+")
        if n < 3:
            limits[PART_NAMES[n]] = {"left": lo, "right": hi}
        if smoothness is None and sp.simplify(lo - hi) != 0:
            smoothness = n - 1
        if smoothness is not None and n >= 2:
            break
        dl, dr = sp.diff(dl, X), sp.diff(dr, X)
    return Breakpoint(at, MAX_SMOOTHNESS_ORDER if smoothness is None else smoothness, limits)


def _infimum(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> sp.Expr:
    """The infimum of ``expr`` over the open interval (lo, hi) of x: ends and critical points."""
    if not expr.has(X):
        return expr
    candidates = [_one_sided(expr, lo, "+"), _one_sided(expr, hi, "-")]
    coefficient, exponent = expr.as_coeff_exponent(X)
    if not coefficient.has(X):  # c*x**e is monotone: the ends decide (no solveset on x**97.1)
        return sp.Min(*candidates)
    slope = sp.diff(expr, X)
    try:
        critical = sp.solveset(slope, X, sp.Interval.open(lo, hi))
    except (TypeError, ValueError, NotImplementedError):  # "undecidable set membership" and the like
        critical = None
    if critical is None or not isinstance(critical, (sp.FiniteSet, type(sp.S.EmptySet))):
        raise InputError(f"cannot find the least curvature of {sp.sstr(expr)[:60]} exactly")
    if isinstance(critical, sp.FiniteSet):
        candidates += [expr.subs(X, c) for c in critical]
    return sp.Min(*candidates)


def decide(relation) -> bool:
    """Truth of a relation between exact numbers; where SymPy leaves it open, at 50 digits (a tie counts as equal).

    Examples
    --------
    >>> decide(sp.pi > 3), decide(sp.Integer(1) <= 2 / (2 * sp.pi - 2) * (sp.pi - 1))
    (True, True)
    """
    try:
        return bool(relation)
    except TypeError:
        pass
    difference = sp.N(relation.lhs - relation.rhs, 50)
    if not difference.is_real:
        raise InputError(f"cannot decide {sp.sstr(relation)[:60]}")
    tie = abs(difference) < sp.Float(10) ** -40 * (1 + abs(sp.N(relation.lhs, 50)))
    if isinstance(relation, (sp.GreaterThan, sp.LessThan)):
        return bool(tie or (difference > 0 if isinstance(relation, sp.GreaterThan) else difference < 0))
    return bool(not tie and (difference > 0 if isinstance(relation, sp.StrictGreaterThan) else difference < 0))


def _analyze_penalty(penalty) -> "Analysis":
    """Every fact derivable for any :class:`~lksym.penalty.Penalty`, piece by piece."""
    from .penalty_prox import prox_closed_form, prox_threshold, thresholding
    from .prox import Prox

    pieces = penalty.pieces
    derivatives = [[p.expr] for p in pieces]
    for ds in derivatives:
        for _ in range(2):
            ds.append(sp.diff(ds[-1], X))
    first, last = derivatives[0], derivatives[-1]
    p0 = penalty.at_zero

    limits = []
    for n in range(3):
        right0, right_inf = _one_sided(first[n], sp.S.Zero, "+"), _one_sided(last[n], sp.oo, "-")
        flip = -1 if n % 2 else 1
        limits.append({"0+": right0, "0-": flip * right0, "+oo": right_inf, "-oo": flip * right_inf})

    breakpoints = tuple(
        _breakpoint(derivatives[i][0], derivatives[i + 1][0], pieces[i].hi) for i in range(len(pieces) - 1)
    )
    curvature_min = sp.Min(*[_infimum(ds[2], p.lo, p.hi) for ds, p in zip(derivatives, pieces)])
    continuous = limits[0]["0+"] == p0 and all(b.smoothness >= 0 for b in breakpoints)
    gradient_up = decide(limits[1]["0+"] >= 0) and all(
        decide(b.limits["gradient"]["left"] <= b.limits["gradient"]["right"]) for b in breakpoints
    )
    convex = continuous and gradient_up and decide(curvature_min >= 0)

    # What happens at 0 itself: p(0) is given; derivatives from difference quotients.
    at_zero: list[AtZero] = [AtZero(p0, None, limits[0]["0+"] == p0)]
    if at_zero[0].continuous:
        kink_up = decide(limits[1]["0+"] >= limits[1]["0-"])  # locally convex at 0: a subdifferential there
        for n in (1, 2):
            at_zero.append(_at_zero(n, first, limits[n], at_zero[-1], kink_up))
    else:
        at_zero += [AtZero(None, None, False), AtZero(None, None, False)]
    parts = tuple(
        Part(name, n, _real_line_piecewise([ds[n] for ds in derivatives], pieces, n), _piecewise_branch([ds[n] for ds in derivatives], pieces), limits[n], at_zero[n])
        for n, name in enumerate(PART_NAMES)
    )
    quotient = _one_sided((first[0] - p0) / X, sp.S.Zero, "+")
    facts = thresholding(penalty)
    weights, omitted = _penalty_gd_facts(derivatives, pieces, limits)
    return Analysis(
        k=None,
        regime=None,
        penalty=parts[0],
        gradient=parts[1],
        curvature=parts[2],
        smoothness=_smoothness_at_zero(first[0], p0),
        convex=convex,
        sparse=decide(quotient > 0),
        lipschitz_gradient_near_zero=at_zero[1].continuous and _is_finite(limits[2]["0+"]),
        dead_zone=weights["dead_zone"],
        overshoot=weights["overshoot"],
        crossovers=weights["crossovers"],
        bands=weights["bands"],
        prox=Prox(prox_threshold(penalty), prox_closed_form(penalty)),
        gd=weights["gd"],
        subject=penalty,
        breakpoints=breakpoints,
        curvature_min=curvature_min,
        thresholding=facts,
        omitted=omitted,
    )


def _piecewise_branch(branches: list, pieces) -> sp.Expr:
    if len(pieces) == 1:
        return branches[0]
    return sp.Piecewise(*[(b, X <= p.hi) for b, p in zip(branches[:-1], pieces[:-1])], (branches[-1], True))


# --------------------------------------------------------------------------- dead zone, overshoot, crossovers, gd of any penalty


class _NotExact(Exception):
    """A fact of a penalty has no single exact answer lksym can give; the message says why (for ``omitted``)."""


_LEVEL = sp.Symbol("level", positive=True)
"""The level c a monotone piecewise h(x) is cut at: tau/alpha, 1/eta or 2/eta."""


def _interval_text(lo: sp.Expr, hi: sp.Expr) -> str:
    return f"{sp.sstr(lo)} < |w|" + ("" if hi == sp.oo else f" <= {sp.sstr(hi)}")


def _direction(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> Optional[int]:
    """How ``expr`` (in x) moves on (lo, hi): 0 constant, +1 nondecreasing, -1 nonincreasing, ``None`` neither or undecided."""
    slope = sp.cancel(sp.diff(expr, X))
    if slope == 0:
        return 0
    signs = _rational_signs(slope, lo, hi)
    if signs is not None:
        return 1 if min(signs) >= 0 else (-1 if max(signs) <= 0 else None)
    try:
        if decide(_infimum(slope, lo, hi) >= 0):
            return 1
        if decide(_infimum(-slope, lo, hi) >= 0):
            return -1
    except (InputError, TypeError, ValueError, NotImplementedError):
        return None
    return None


def _rational_signs(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> Optional[list]:
    """Signs of a rational function of x between its real zeros and poles in (lo, hi), or ``None`` if not rational.

    A rational function keeps its sign between consecutive real roots of its numerator and denominator,
    which :func:`sympy.real_roots` isolates exactly: one probe per gap decides it (far cheaper than solveset).
    """
    if not expr.is_rational_function(X):
        return None
    numerator, denominator = sp.fraction(sp.together(expr))
    cuts = set()
    for poly in (numerator, denominator):
        if poly.has(X):
            cuts |= {r for r in sp.real_roots(sp.Poly(poly, X)) if decide(r > lo) and (hi == sp.oo or decide(r < hi))}
    edges = [lo, *sorted(cuts, key=_to_float), hi]
    signs = []
    for a, b in zip(edges, edges[1:]):
        probe = (_to_float(a) + _to_float(b)) / 2 if b != sp.oo else _to_float(a) + 1
        value = _at(expr, probe)
        signs.append(0 if value == 0 else (1 if value > 0 else -1))
    return signs


def _monotone_pieces(pieces: list, what: str) -> tuple[int, list]:
    """The direction of a piecewise h over (0, oo) (jumps at breakpoints included) and each piece's own.

    ``pieces`` are ``(h_i, lo_i, hi_i)``.  Raises :class:`_NotExact` when h is not monotone.
    """
    directions = [_direction(h, lo, hi) for h, lo, hi in pieces]
    for d, (h, lo, hi) in zip(directions, pieces):
        if d is None:
            raise _NotExact(f"{what} is not monotone on {_interval_text(lo, hi)} (or SymPy cannot decide it there)")
    for (h0, _, b), (h1, _, _) in zip(pieces, pieces[1:]):
        step = sp.simplify(_one_sided(h1, b, "+") - _one_sided(h0, b, "-"))
        directions.append(0 if step == 0 else (1 if decide(step > 0) else -1))
    moving = {d for d in directions if d != 0}
    if len(moving) > 1:
        raise _NotExact(f"{what} rises on some |w| and falls on others, so the set is a union of intervals")
    return (moving.pop() if moving else 0), directions[: len(pieces)]


def _level_root(h: sp.Expr, lo: sp.Expr, hi: sp.Expr, start: sp.Expr, end: sp.Expr) -> sp.Expr:
    """The x in (lo, hi] with h(x) = level, for a strictly monotone piece whose values run from start to end."""
    a, b = sorted((start, end), key=lambda v: float(v) if v.is_finite else (float("inf") if v == sp.oo else -float("inf")))
    a = sp.Max(a, 0)
    if b == sp.oo:
        samples = [a + 1, a + 10] if a.is_finite else [sp.S(1), sp.S(10)]
    else:
        samples = [a + (b - a) / 3, a + 2 * (b - a) / 3]
    numerator = sp.fraction(sp.together(h - _LEVEL))[0]
    try:
        if numerator.is_polynomial(X):  # the roots of a polynomial in x: sp.roots is far quicker than solve
            candidates = list(sp.roots(sp.Poly(numerator, X)))
        else:
            candidates = sp.solve(h - _LEVEL, X)
    except (NotImplementedError, TypeError, ValueError, sp.PolynomialError):
        candidates = []
    found = []
    for root in candidates:
        ok = True
        for c in samples:
            value = sp.N(root.subs(_LEVEL, c), PROBE_DIGITS)
            if not value.is_real or not (sp.N(lo, PROBE_DIGITS) < value <= sp.N(hi, PROBE_DIGITS) * (1 + sp.Float(1e-25))):
                ok = False
                break
        if ok:
            found.append(root)
    if len(found) != 1:
        raise _NotExact(f"SymPy finds no single exact root of {sp.sstr(h)} = c on {_interval_text(lo, hi)}")
    return found[0]


def _level_clauses(pieces: list, direction: int, directions: list) -> list:
    r"""Where a monotone piecewise h(x) crosses the level c, as ordered clauses ``(x(c), bound, strict)``.

    For nondecreasing h (``direction`` >= 0) the first clause with :math:`c \le` bound (``<`` when strict)
    gives :math:`d(c) = \inf\{x : h(x) \ge c\}`, so :math:`h < c` exactly on :math:`(0, d)`; for
    nonincreasing h the first with :math:`c \ge` bound (``>``) gives :math:`s(c) = \sup\{x : h(x) > c\}`,
    so :math:`h > c` exactly on :math:`(0, s)`.  Past every clause x is :math:`\infty`.  Each root clause
    also carries its own range of c, ``(x(c), bound, strict, start)``: c strictly past ``start``.
    """
    clauses = [(sp.S.Zero, _one_sided(pieces[0][0], pieces[0][1], "+"), False, None)]
    previous = None
    for (h, lo, hi), d in zip(pieces, directions):
        start, end = _one_sided(h, lo, "+"), _one_sided(h, hi, "-")
        if previous is not None and sp.simplify(start - previous) != 0:
            clauses.append((lo, start, False, None))  # h jumps at lo: c between the two sides stops there
        if d != 0:
            clauses.append((_level_root(h, lo, hi, start, end), end, hi == sp.oo, start))
        previous = end
    return clauses


def _level_condition(up: bool, bound: sp.Expr, strict: bool, level: sp.Expr, eta: Optional[sp.Symbol]):
    """``level <= bound`` (``up``: h nondecreasing) or ``level >= bound`` (h nonincreasing), in the parameter.

    The level is positive: tau/alpha (``eta`` None; written ``tau <= bound*alpha``) or m/eta (written
    ``eta >= m/bound``); strict relations where ``strict``.
    """
    if bound == sp.oo:
        return sp.true if up else sp.false
    if bound == -sp.oo or decide(bound <= 0):  # bound <= 0 < level
        return sp.false if up else sp.true
    if eta is None:
        rel = (sp.Lt if strict else sp.Le) if up else (sp.Gt if strict else sp.Ge)
        return rel(TAU, bound * ALPHA)
    m = sp.cancel(level * eta)
    rel = (sp.Gt if strict else sp.Ge) if up else (sp.Lt if strict else sp.Le)
    return rel(eta, m / bound)


def _tidy(expr: sp.Expr, radicals: bool = True) -> sp.Expr:
    """A short form: a rational function factored; a short radical one simplified (unless not ``radicals``)."""
    if expr.is_rational_function():
        return sp.factor(expr)
    if radicals and sp.count_ops(expr) <= TIDY_OPS:
        return sp.simplify(expr)
    return expr


TIDY_OPS = 30
"""Largest radical expression :func:`_tidy` simplifies (logsum's roots: ~0.1 s each; longer ones are left as built)."""


def _level_piecewise(pieces: list, level: sp.Expr, solve_for: Optional[sp.Symbol], what: str,
                     roots_only: bool = False):
    """The crossing of a monotone piecewise h with ``level`` as a Piecewise in the parameter, and h's directions.

    With ``roots_only`` only the clauses where h(x) = level has a root are kept, each with its own range of
    the parameter (no default: undefined elsewhere); the list of ``(value, condition, piece index)`` is returned too.
    """
    direction, directions = _monotone_pieces(pieces, what)
    clauses = _level_clauses(pieces, direction, directions)
    if not roots_only:
        args = []
        for value, bound, strict, _ in clauses:
            cond = _level_condition(direction >= 0, bound, strict, level, solve_for)
            args.append((_tidy(value.subs(_LEVEL, level)), cond))
        return sp.Piecewise(*args, (sp.oo, True)), direction, []
    kept = []
    index = [i for i, d in enumerate(directions) if d != 0]
    for (value, bound, strict, start), i in zip([c for c in clauses if c[3] is not None], index):
        upper = _level_condition(direction >= 0, bound, strict, level, solve_for)
        # past start: the opposite of "level <= start" (nondecreasing) or "level >= start" (nonincreasing)
        lower = sp.Not(_level_condition(direction >= 0, start, False, level, solve_for))
        cond = sp.And(upper, lower)
        if cond != sp.false:
            kept.append((_tidy(value.subs(_LEVEL, level)), cond, i))
    if not kept:
        return None, direction, []
    return sp.Piecewise(*[(v, c) for v, c, _ in kept]), direction, kept


REFERENCES = (("L1", sp.S.One), ("L2", 2 * X))
"""The reference gradient magnitudes on x = |w| > 0: L1's 1 and L2's 2x."""


def _penalty_crossings(grads: list) -> tuple[Optional[tuple], tuple, Optional[str]]:
    """Crossovers with L1 and L2 (or ``None`` and why) and the bands of the three pulls, piece by piece.

    ``grads`` are ``(p'_i, lo_i, hi_i)``.  Every root of :math:`p'_i = 1` and :math:`p'_i = 2x` on its own
    interval, every breakpoint and L1 = L2 at 1/2 cut :math:`(0, \\infty)`; one probe per cut interval
    orders the three pulls (they cannot change order inside one); a piece equal to a reference is a tie.
    """
    ties: dict = {name: set() for name, _ in REFERENCES}
    roots: dict = {name: set() for name, _ in REFERENCES}
    for name, ref in REFERENCES:
        for i, (g, lo, hi) in enumerate(grads):
            difference = sp.cancel(g - ref)
            if difference == 0:
                ties[name].add(i)
                continue
            where = sp.Interval.open(lo, sp.oo) if hi == sp.oo else sp.Interval.Lopen(lo, hi)
            try:
                found = sp.solveset(difference, X, where)
            except (TypeError, ValueError, NotImplementedError):
                found = None
            if not isinstance(found, (sp.FiniteSet, type(sp.S.EmptySet))):
                raise _NotExact(f"SymPy cannot solve |p'(w)| = {'1' if name == 'L1' else '2|w|'} exactly on "
                                f"{_interval_text(lo, hi)}")
            roots[name] |= set(found)
    cuts = {hi for _, _, hi in grads[:-1]} | {sp.Rational(1, 2)} | roots["L1"] | roots["L2"]
    edges = [sp.S.Zero, *sorted(cuts, key=_to_float), sp.oo]
    cells = []  # (lo, hi, order, ties, signs against each reference)
    for lo, hi in zip(edges, edges[1:]):
        probe = (_to_float(lo) + _to_float(hi)) / 2 if hi != sp.oo else _to_float(lo) + 1
        index = next(i for i, (_, a, b) in enumerate(grads) if _to_float(a) < probe and (b == sp.oo or probe <= _to_float(b)))
        values = {"L1": sp.S.One, "L2": sp.Float(2 * probe, PROBE_DIGITS), "Lk": _at(grads[index][0], probe)}
        order = tuple(sorted(values, key=lambda name: (float(values[name]), name)))
        tied = {frozenset((name, "Lk")) for name, _ in REFERENCES if index in ties[name]}
        pairs = tuple((x, y) for i, x in enumerate(order) for y in order[i + 1:] if frozenset((x, y)) in tied)
        signs = {name: 0 if index in ties[name] else (1 if values["Lk"] > values[name] else -1) for name, _ in REFERENCES}
        cells.append((lo, hi, order, pairs, signs))
    bands: list[Band] = []
    for lo, hi, order, pairs, _ in cells:
        if bands and bands[-1].order == order and bands[-1].ties == pairs:
            bands[-1] = Band(bands[-1].lo, hi, order, pairs)
        else:
            bands.append(Band(lo, hi, order, pairs))
    crossovers, why = [], []
    for name, _ in REFERENCES:
        signs = [c[4][name] for c in cells]
        if all(s == 0 for s in signs):
            crossovers.append(Crossover(name, None, True, None))
            continue
        changes = [cells[i][1] for i in range(len(cells) - 1) if signs[i] != signs[i + 1]]
        if 0 not in signs and not changes and not roots[name]:
            crossovers.append(Crossover(name, None, False, "Lk" if signs[0] > 0 else name))
            continue
        if 0 not in signs and len(changes) == 1 and roots[name] == {changes[0]}:
            crossovers.append(Crossover(name, changes[0], False, "Lk" if signs[0] > 0 else name))
            continue
        why.append(f"{name}: " + _crossing_structure(cells, name, roots[name]))
    if why:
        return None, tuple(bands), ("the gradient magnitude does not meet the reference at one crossing weight ("
                                    + "; ".join(why) + "); the bands give the order of the three pulls exactly")
    return tuple(crossovers), tuple(bands), None


def _crossing_structure(cells: list, name: str, roots: set) -> str:
    """Where |p'| equals a reference, in words: intervals of equality, single weights, jumps across it."""
    parts, run = [], None
    for lo, hi, _, _, signs in cells:
        if signs[name] == 0:
            run = (run[0] if run else lo, hi)
            continue
        if run:
            parts.append(f"equal on {_interval_text(*run)}")
            run = None
    if run:
        parts.append(f"equal on {_interval_text(*run)}")
    inside = [r for r in sorted(roots, key=_to_float)
              if not any(c[4][name] == 0 and (c[0] == r or c[1] == r) for c in cells)]
    parts += [f"equal at |w| = {sp.sstr(r)}" for r in inside]
    for left, right in zip(cells, cells[1:]):
        a, b = left[4][name], right[4][name]
        if a * b < 0 and left[1] not in roots:
            parts.append(f"crosses it by a jump at |w| = {sp.sstr(left[1])}")
    return ", ".join(parts)


_GIVE_UP = (_NotExact, TypeError, ValueError, ArithmeticError, NotImplementedError)
"""What a weight fact may fail with: it is then left out with the reason, never the whole analysis (a Timeout still stops it)."""


def _why(error: Exception) -> str:
    """The reason a weight fact is left out, for ``omitted``."""
    if isinstance(error, (_NotExact, InputError)):
        return str(error)
    return f"SymPy could not derive it exactly ({type(error).__name__})"


def _penalty_gd_facts(derivatives: list, pieces, limits: list) -> tuple[dict, dict]:
    """Dead zone, overshoot, crossovers, bands and gradient descent of any penalty, from its exact pieces.

    Returns the fields for :class:`Analysis` and, for each fact that has no single exact answer, why (``omitted``).
    """
    from .gd import GradientDescent, decay_near_zero

    grads = [(ds[1], p.lo, p.hi) for ds, p in zip(derivatives, pieces)]
    ratios = [(sp.cancel(g / X), lo, hi) for g, lo, hi in grads]  # |p'(x)|/x: a step overshoots where eta*ratio > 1
    g0 = limits[1]["0+"]
    facts: dict = {"dead_zone": None, "overshoot": None, "crossovers": None, "bands": None, "gd": None}
    omitted: dict = {}

    if g0 != 0:
        omitted["dead_zone"] = (f"the gradient does not vanish at 0 (|p'(0+)| = {sp.sstr(g0)}): the pull on small "
                                "weights does not fade, as for |w|^k with k <= 1")
    else:
        try:
            facts["dead_zone"] = _level_piecewise(grads, TAU / ALPHA, None, "the gradient magnitude")[0]
        except _GIVE_UP as error:
            omitted["dead_zone"] = _why(error)

    flat = all(sp.diff(q, X) == 0 for q, _, _ in ratios) and len({q for q, _, _ in ratios}) == 1
    if flat and ratios[0][0] == 0:
        omitted["overshoot"] = "the gradient is 0 for every w != 0: a plain step never moves a weight, none overshoots"
    elif flat:  # eta*|p'(w)|/|w| does not depend on w (a ridge): the step size alone decides
        facts["overshoot"] = Overshoot(None, None, 1 / ratios[0][0])
    else:
        try:
            weight, direction, _ = _level_piecewise(ratios, 1 / ETA, ETA, "|p'(w)|/|w|")
            facts["overshoot"] = Overshoot(weight, "below" if direction < 0 else "above", None)
        except _GIVE_UP as error:
            omitted["overshoot"] = _why(error)

    try:
        facts["crossovers"], facts["bands"], why = _penalty_crossings(grads)
        if why is not None:
            omitted["crossovers"] = why
    except _GIVE_UP as error:
        omitted["crossovers"] = omitted["bands"] = _why(error)

    try:
        facts["gd"] = _penalty_gd(grads, ratios, flat, g0, omitted, GradientDescent, decay_near_zero)
    except _GIVE_UP as error:
        omitted["gd"] = _why(error)
    return facts, omitted


def _penalty_gd(grads, ratios, flat, g0, omitted, GradientDescent, decay_near_zero):
    """Two-cycle (where eta p'(a) = 2a, a Piecewise in eta), its multiplier and stability, decay near 0."""
    amplitude = multiplier = stable = None
    if not flat:
        amplitude, direction, kept = _level_piecewise(ratios, 2 / ETA, ETA, "|p'(w)|/|w|", roots_only=True)
        if amplitude is not None:
            clauses, verdicts = [], []
            for a, condition, i in kept:
                slope = sp.cancel(sp.diff(grads[i][0], X))
                clauses.append((_tidy((1 - ETA * slope.subs(X, a)) ** 2, radicals=False), condition))
                if slope == 0:
                    verdict = "neutral"  # multiplier exactly 1: as L1, a family of cycles, neither attracting nor repelling
                elif direction > 0:
                    verdict = "repelling"  # x p''/p' > 1 where p'/x grows: eta p''(a) > 2
                else:  # p'/x falls, so 0 < eta p''(a) < 2 exactly where p' rises
                    rises = _direction(grads[i][0], grads[i][1], grads[i][2])
                    verdict = {1: "attracting", -1: "repelling"}.get(rises, "undecided")
                verdicts.append((verdict, condition))
            multiplier = sp.Piecewise(*clauses)  # one clause that always holds is the expression itself
            kinds = {v for v, _ in verdicts}
            if kinds == {"attracting"}:
                stable = True
            elif kinds == {"repelling"}:
                stable = False
            elif kinds != {"neutral"}:
                omitted["gd.cycle_stable"] = "depends on eta: " + "; ".join(f"{v} for {sp.sstr(c)}" for v, c in verdicts)
    first = grads[0][0]
    if g0 != 0:
        decay = decay_near_zero(None)
    elif first == 0:
        decay = decay_near_zero(None)
        omitted["gd.decay"] = "the gradient is 0 near 0: plain gradient descent leaves small weights where they are"
    else:
        decay = decay_near_zero(first)
        if decay.kind is None:
            omitted["gd.decay"] = f"the gradient near 0, {sp.sstr(first)}, is not c*|w|^m: no exact decay law derived"
    return GradientDescent(amplitude, multiplier, stable, decay)
