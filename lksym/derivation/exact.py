"""Exact numbers kept small: solving on the positive axis, substitution without huge powers, float probes.

Shared by every derivation module; imports none of them.
"""

from __future__ import annotations

from typing import Optional

import sympy as sp

from lksym.derivation.symbols import X
from lksym.errors import InputError


def number_text(value: sp.Expr) -> str:
    """An exact number as people write it: ``1.5`` for 3/2, ``7/3``, ``sqrt(2)``.

    Examples
    --------
    >>> number_text(sp.Rational(37, 10)), number_text(sp.Rational(7, 3)), number_text(sp.sqrt(2))
    ('3.7', '7/3', 'sqrt(2)')
    """
    if value.is_Rational and not value.is_Integer:
        q = int(value.q)
        twos = fives = 0
        while q % 2 == 0:
            q, twos = q // 2, twos + 1
        while q % 5 == 0:
            q, fives = q // 5, fives + 1
        if q == 1:
            digits = max(twos, fives)
            whole, frac = divmod(abs(int(value * 10**digits)), 10**digits)
            return f"{'-' if value < 0 else ''}{whole}.{frac:0{digits}d}"
    return sp.sstr(value)


def k_text(k: sp.Expr) -> str:
    """Write k as people do: a terminating fraction as a decimal (``1.5``), else SymPy's form.

    The same rule as :func:`number_text` (which this is), kept under its old name.

    Examples
    --------
    >>> k_text(sp.Rational(3, 2)), k_text(sp.Rational(7, 3)), k_text(sp.sqrt(2))
    ('1.5', '7/3', 'sqrt(2)')
    """
    return number_text(k)


def solve_positive(lhs: sp.Expr, rhs: sp.Expr) -> Optional[sp.Expr]:
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
    if product is not None and is_costly(product):
        return product
    # exp(a*log(p) + b*log(q)) -> p**a * q**b: SymPy's canonical, sympify-stable form.
    canonical = sp.powsimp(sp.expand_power_exp(sp.exp(root)))
    if product is None or largest_integer_digits(canonical) <= MAX_EXACT_DIGITS:
        return canonical
    return product


MAX_EXACT_DIGITS = 60
"""Longest integer an exact result may spell out; longer ones are kept as unevaluated powers."""


def is_costly(expr: sp.Expr) -> bool:
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
            if denominator * largest_integer_digits(base) > MAX_EXACT_DIGITS:
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
    >>> from lksym.derivation.symbols import ETA, X
    >>> substitute(ETA * X, {ETA: 2})
    2*x
    """
    if not is_costly(expr):
        value = expr.subs(mapping)
        if largest_integer_digits(value) <= MAX_EXACT_DIGITS:
            return value
    with sp.evaluate(False):
        value = expr.xreplace(mapping)
        return value.replace(lambda e: e.is_Pow and e.base == 1, lambda e: sp.S.One)  # lam = 1 leaves 1**c


def largest_integer_digits(expr: sp.Expr) -> int:
    """Decimal digits of the longest integer in ``expr`` (numerators and denominators), by bit length."""
    sizes = [max(abs(r.p), r.q).bit_length() for r in expr.atoms(sp.Rational)]
    return int(max(sizes, default=0) * 0.30103) + 1


PROBE_DIGITS = 30
"""Digits of the numeric probes that decide which side of a crossing is which."""


def to_float(value: sp.Expr, subs: Optional[dict] = None) -> float:
    # evalf with subs: no exact re-evaluation of powers like 1541**(1000/541) on the way.
    return float(value.evalf(PROBE_DIGITS, subs=subs))


def value_order(value: sp.Expr) -> tuple:
    """A sort key by numeric value, ties broken by form: the same order in every process.

    Sets of SymPy expressions iterate in hash order, and hashes of names change from process to
    process (``PYTHONHASHSEED``), so a sort by value alone would order two forms of one number
    (``sqrt(2) + 3/2`` and ``(2 - sqrt(2))**(-2)``) differently from run to run.
    """
    return to_float(value), sp.default_sort_key(value)


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


def bisect_root(g, lo: float, hi: float) -> float:
    """The root of ``g`` on ``[lo, hi]`` with ``g(lo) < 0 <= g(hi)``, to the last float (the closer end of the last bracket).

    Examples
    --------
    >>> abs(bisect_root(lambda x: x * x - 2, 0.0, 2.0) - 2 ** 0.5) < 1e-15
    True
    """
    for _ in range(2000):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if g(mid) < 0:
            lo = mid
        else:
            hi = mid
    return hi if abs(g(hi)) < abs(g(lo)) else lo


def continuous_value(expr: sp.Expr, point: sp.Expr) -> Optional[sp.Expr]:
    r"""``expr`` at :math:`x` = ``point`` where ``expr`` is provably continuous there, else ``None``.

    Then the value is also the limit from either side, and a substitution costs a fraction of
    ``sympy.limit`` (~5 ms for a quadratic).  Proved from the tree: only sums, products, numbers,
    symbols and powers :math:`b^e`, each of them continuous at the point because :math:`e` is a
    positive integer, or :math:`b > 0` there (:math:`b^e = \exp(e \log b)`), or :math:`e` is a
    negative integer and :math:`b \ne 0` there; the value must be finite.  Anything else
    (a function, a base that may vanish) is left to ``sympy.limit``.

    Examples
    --------
    >>> continuous_value((37 - 10 * X) / (27 * X), sp.Rational(37, 10)), continuous_value(1 / X, sp.S.Zero)
    (0, None)
    >>> continuous_value(X + sp.sqrt(sp.Rational(47, 20) - X), sp.S.Zero)
    sqrt(235)/10
    """
    if point.has(sp.oo, -sp.oo, sp.zoo, sp.nan) or point.free_symbols:
        return None
    for node in sp.preorder_traversal(expr):
        if node.is_Pow:
            e = node.exp
            if e.is_Integer and e > 0:
                continue
            base = node.base.subs(X, point)
            if base.is_positive or (e.is_Integer and base.is_zero is False and base.is_finite):
                continue
            return None
        if not (node.is_Add or node.is_Mul or node.is_Symbol or node.is_Number):
            return None
    value = expr.subs(X, point)
    return value if value.is_finite and not value.has(sp.oo, -sp.oo, sp.zoo, sp.nan) else None
