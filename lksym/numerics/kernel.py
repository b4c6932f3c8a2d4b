r"""What generated training code needs to know about one penalty, read from its frozen :class:`~lksym.results.Analysis`.

A :class:`Kernel` holds the exact expressions that :mod:`lksym.writers.export` prints as
PyTorch or NumPy code (and :mod:`lksym.torch` runs): the penalty, its gradient and its
curvature on each piece of :math:`x = |w| > 0`, the value at 0 and the limits at
:math:`+\infty`, the threshold of the proximal step and its closed form where lksym
derives one.  Where there is none (and, for a closed form with a root of :math:`z`, where it
over- or underflows or cancels: :mod:`lksym.writers.export`), the generated code solves the derived stationarity
equation :math:`G(x) = x - |z| + \lambda p'(x) = 0` piece by piece; :attr:`KernelPiece.shape`
says on which side of the extremum of :math:`G` the local minimiser of the objective lies.

Conventions (the ones lksym's analysis uses)
--------------------------------------------
* At :math:`w = 0` the value is :math:`p(0)` (the typed value: L0 has 0) and the gradient 0:
  :math:`\operatorname{sign}(0) = 0`, the subgradient of least magnitude for a kink (L1's
  :math:`[-1, 1]`) and the derivative itself where it exists (it is 0 for an even :math:`p`).
* At a breakpoint :math:`|w| = b` the piece on the left holds (pieces hold on
  :math:`lo < |w| \le hi`): the value and the gradient there are the left piece's.
* The proximal step maps a tie between two global minimisers (the jump of L0.5, L0, SCAD for
  large :math:`\lambda`) to the smaller :math:`|x|`: the threshold itself maps to 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import sympy as sp

from lksym.derivation.analysis import direction
from lksym.derivation.prox import family_prox
from lksym.derivation.symbols import LAM, X, Z  # noqa: F401 -- LAM re-exported for the writer
from lksym.results import Analysis

ZN = sp.Symbol("z", nonnegative=True)
"""The input of a closed form in generated code: |z| >= 0 (``Z`` is positive, so ``Z <= 0`` would vanish)."""



@dataclass(frozen=True)
class KernelPiece:
    r"""One piece :math:`lo < x \le hi` of the right branch.

    Attributes
    ----------
    lo, hi
        Its ends (``hi`` is ``oo`` for the last piece).
    value, slope, bend
        :math:`p`, :math:`p'` and :math:`p''` on the piece, in :data:`~lksym.derivation.symbols.X`.
    shape
        How :math:`p''` moves on the piece: ``1`` nondecreasing (:math:`G` convex: the local
        minimiser of the objective lies right of the minimum of :math:`G`), ``-1`` nonincreasing
        (:math:`G` concave: left of its maximum), ``0`` constant (:math:`G` linear), ``None``
        undecided (the generated solver then brackets on a fixed subdivision of the piece).
    secant
        :math:`(p(x) - p(0)) / x`, the slope of the chord from 0: the solver compares objectives as
        :math:`(F(x) - F(0)) / |z| = (x / |z|)\,(x/2 - |z| + \lambda (p(x) - p(0)) / x)`, finite where
        :math:`p(x)` itself overflows (:math:`x^{1.4}` at :math:`x = 10^{300}`).
    monomials
        For ``(secant, slope, bend)``, each ``(c, e)`` where it is :math:`c\,x^e` on the piece
        (numbers, :math:`c > 0`), else ``None``.  The solver then evaluates :math:`\lambda c\,x^e` as
        :math:`(x s)^e` with :math:`s = (\lambda c)^{1/e}` where :math:`e > 1`: finite wherever the
        product is (:math:`c\,x^e` alone overflows first when :math:`\lambda < 1`), and starts Newton
        on a piece where :math:`p' = c\,x^e` rises (:math:`e > 0`) from
        :math:`\min(\text{right end}, |z|^{1/e} / s)`: at a root of :math:`G` there,
        :math:`\lambda p'(x) = |z| - x \le |z|`, so the root lies at or below the :math:`x` with
        :math:`\lambda p'(x) = |z|`, a start that scales with the root
        (:math:`(|z| / \lambda k)^{1/(k-1)}` for :math:`|w|^k`, far below a huge :math:`|z|` for :math:`k > 2`).
    """

    lo: sp.Expr
    hi: sp.Expr
    value: sp.Expr
    slope: sp.Expr
    bend: sp.Expr
    shape: Optional[int]
    secant: sp.Expr = sp.nan
    monomials: tuple = (None, None, None)


@dataclass(frozen=True)
class Kernel:
    r"""The expressions generated code evaluates for one penalty.

    Attributes
    ----------
    text, label
        The penalty as typed back and as named (``scad(lam=1, a=37/10)``, ``SCAD (λ = 1, a = 3.7)``).
    pieces
        :class:`KernelPiece` per piece of :math:`x = |w| > 0`, in order.
    at_zero
        :math:`p(0)`.
    value_at_infinity, slope_at_infinity
        :math:`p(+\infty)` and :math:`p'(+\infty)` (``oo`` where unbounded).
    threshold
        The largest :math:`|z|` the proximal step of :math:`\lambda p` maps to 0, in ``lam``;
        ``None`` where it is only an infimum with no closed form (it is then not printed:
        the solver finds the zeros by comparing objectives).
    threshold_text
        The derived threshold as SymPy writes it (for the header; an infimum included).
    closed_form
        :math:`\operatorname{prox}(z)` for every :math:`z \ge 0`, in ``z`` and ``lam``
        (its first branch is 0 up to the threshold), or ``None``: no closed form derived.
    """

    text: str
    label: str
    pieces: tuple
    at_zero: sp.Expr
    value_at_infinity: sp.Expr
    slope_at_infinity: sp.Expr
    threshold: Optional[sp.Expr]
    threshold_text: str
    closed_form: Optional[sp.Expr]

    @property
    def breakpoints(self) -> tuple:
        """The inner ends of the pieces, increasing."""
        return tuple(piece.hi for piece in self.pieces[:-1])


def _per_piece(branch: sp.Expr, pieces) -> list:
    """The expression of a derived branch ``Piecewise((e_1, x <= b_1), ..., (e_n, True))`` on each piece.

    SymPy merges equal neighbours (capped L1's curvature is 0 throughout), so each piece takes the
    branch whose condition holds inside it.
    """
    if not isinstance(branch, sp.Piecewise):
        return [branch] * len(pieces)
    out = []
    for piece in pieces:
        inside = piece.lo + 1 if piece.hi == sp.oo else (piece.lo + piece.hi) / 2
        out.append(next(expr for expr, condition in branch.args if bool(condition.subs(X, inside))))
    return out


def _monomial(expr: sp.Expr) -> Optional[tuple]:
    r"""``(c, e)`` where ``expr`` is :math:`c\,x^e` with numbers :math:`c > 0` and :math:`e \ne 0`, else ``None``.

    Examples
    --------
    >>> _monomial(10 * X**9), _monomial(sp.sqrt(2) * X**sp.sqrt(2) / X), _monomial(1 / (X + 1)), _monomial(sp.S.One)
    ((10, 9), (sqrt(2), -1 + sqrt(2)), None, None)
    """
    c, power = sp.powsimp(expr, combine="exp").as_independent(X, as_Add=False)
    if power == X:
        e = sp.S.One
    elif isinstance(power, sp.Pow) and power.base == X:
        e = power.exp
    else:
        return None
    if not (c.is_number and e.is_number and c.is_positive and e.is_nonzero):
        return None
    return (c, e)


def _secant(value: sp.Expr, at_zero: sp.Expr) -> sp.Expr:
    """``(value - at_zero) / x``, with powers of x merged (``x**sqrt(2)/x`` as ``x**(sqrt(2) - 1)``: no overflow of x**sqrt(2))."""
    return sp.powsimp((value - at_zero) / X, combine="exp")


def _printable(expr: Optional[sp.Expr]) -> bool:
    """Whether an expression holds only elementary functions a code printer can write (no Infimum, no nan)."""
    if expr is None:
        return False
    if expr.has(sp.nan, sp.zoo):
        return False
    for f in expr.atoms(sp.Function):
        if not isinstance(f, (sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.asin, sp.acos, sp.atan, sp.sinh,
                              sp.cosh, sp.tanh, sp.sign, sp.Abs, sp.Min, sp.Max, sp.Piecewise)):
            return False
    return True


def kernel(a: Analysis) -> Kernel:
    r"""The :class:`Kernel` of an analysed penalty.

    The power family's closed form holds above the threshold only; it is joined to 0 below it
    here, so that every closed form covers :math:`z \ge 0`.

    Examples
    --------
    >>> from lksym.results import analyze
    >>> k = kernel(analyze("l1"))
    >>> k.closed_form, k.threshold, k.pieces[0].slope
    (Piecewise((0, lam >= z), (-lam + z, True)), lam, 1)
    >>> [p.shape for p in kernel(analyze("logsum(eps=0.1)")).pieces]
    [1]
    """
    subject = a.subject
    values = _per_piece(a.penalty.branch, subject.pieces)
    slopes = _per_piece(a.gradient.branch, subject.pieces)
    bends = _per_piece(a.curvature.branch, subject.pieces)
    pieces = []
    for piece, value, slope, bend in zip(subject.pieces, values, slopes, bends):
        try:
            shape = direction(bend, piece.lo, piece.hi)
        except (TypeError, ValueError, ArithmeticError, NotImplementedError):
            shape = None
        secant = _secant(value, subject.at_zero)
        pieces.append(KernelPiece(piece.lo, piece.hi, value, slope, bend, shape,
                                  secant=secant, monomials=(_monomial(secant), _monomial(slope), _monomial(bend))))
    threshold = a.prox.threshold
    form = a.prox.closed_form
    if form is not None:
        form = form.subs(Z, ZN)
    if form is not None and family_prox(subject).form_above_threshold:
        # A form that holds above the threshold only is 0 below it, z <= 0 too: a form like L1.5's (sqrt(9 lam^2 + 16 z) - 3 lam)^2/16 leaves rounding at z = 0.
        form = sp.Piecewise((sp.S.Zero, ZN <= threshold), (form, True))
    if not _printable(form):
        form = None
    return Kernel(
        text=subject.text,
        label=a.label,
        pieces=tuple(pieces),
        at_zero=subject.at_zero,
        value_at_infinity=a.penalty.limits["+oo"],
        slope_at_infinity=a.gradient.limits["+oo"],
        threshold=threshold if _printable(threshold) else None,
        threshold_text=sp.sstr(threshold),
        closed_form=form,
    )


__all__ = ["Kernel", "KernelPiece", "kernel", "LAM", "X", "ZN"]
