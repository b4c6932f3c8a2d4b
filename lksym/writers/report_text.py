r"""What every report shares: LaTeX that survives a Markdown table, exact values, the formulas and limits sections.

Used by :mod:`lksym.writers.report` (the power family's report and the dispatch), by
:mod:`lksym.writers.penalty_report` (any other penalty) and by the comparison and symbolic-family pages.

Examples
--------
>>> import sympy as sp
>>> inline(sp.Rational(1, 2)), exact_and_float(sp.sqrt(2))
('$\\frac{1}{2}$', '$\\sqrt{2}$ ≈ 1.414')
"""

from __future__ import annotations

import re

import sympy as sp

from lksym.derivation.analysis import POINTS, Band, Part
from lksym.derivation.exact import MAX_EXACT_DIGITS, k_text
from lksym.derivation.mathtext import in_lambda
from lksym.results import Analysis

POINT_LATEX = {"0+": r"w \to 0^+", "0-": r"w \to 0^-", "+oo": r"w \to +\infty", "-oo": r"w \to -\infty"}
SYMBOL = {"penalty": "f(w)", "gradient": "f'(w)", "curvature": "f''(w)"}


def tex(expr: sp.Expr) -> str:
    r"""LaTeX for ``expr`` without bare ``|`` (it would split a Markdown table cell).

    Examples
    --------
    >>> tex(sp.Abs(sp.Symbol("w", real=True)) ** sp.Rational(3, 2))
    '\\lvert{w}\\rvert^{\\frac{3}{2}}'
    """
    try:
        text = sp.latex(expr)
    except ValueError:  # the printer evaluated a kept-short power past Python's 4300-digit int-to-str limit
        text = None
    if isinstance(expr, (sp.Mul, sp.Pow)) and (text is None or re.search(r"\d{%d}" % (MAX_EXACT_DIGITS + 1), text)):
        text = _tex_unevaluated_product(expr)
    elif text is None:
        raise ValueError(f"cannot print {sp.sstr(expr)[:80]} in LaTeX")
    return text.replace(r"\left|", r"\lvert").replace(r"\right|", r"\rvert")


def _flat_factors(expr: sp.Expr):
    if not isinstance(expr, sp.Mul):  # a lone power kept short
        yield expr
        return
    for factor in expr.args:
        yield from _flat_factors(factor)  # unevaluated products nest: (x*) * (1 + ...)


def _tex_unevaluated_product(expr: sp.Mul) -> str:
    """A product of powers as a fraction, factor by factor, without evaluating any power.

    SymPy's printer evaluates the denominator it builds, so :math:`201^{-100}`,
    kept unevaluated by :func:`lksym.derivation.exact.solve_positive`, would come out as
    a 232-digit integer.
    """
    top, bottom = [], []
    for factor in _flat_factors(expr):
        base, exponent = factor.as_base_exp()
        if exponent.is_negative:
            bottom.append(sp.latex(sp.Pow(base, -exponent, evaluate=False)))
        else:
            top.append(sp.latex(factor))
    times = r" \cdot "
    numerator, denominator = times.join(top) or "1", times.join(bottom)
    return rf"\frac{{{numerator}}}{{{denominator}}}" if bottom else numerator


def inline(expr) -> str:
    return f"${tex(expr) if isinstance(expr, sp.Basic) else expr}$"


def exact_and_float(expr: sp.Expr) -> str:
    """An exact value with its decimal approximation when it is not already a short number."""
    if expr.is_Integer or (expr.is_Rational and len(k_text(expr)) <= 6 and "/" not in k_text(expr)):
        return inline(expr)
    return f"{inline(expr)} ≈ {float(expr):.4g}"


def at_zero_text(part: Part) -> str:
    at = part.at_zero
    if at.value is not None:
        return inline(at.value)
    if at.subdifferential is not None:
        lo, hi = at.subdifferential
        return f"subdifferential ${{[{tex(lo)}, {tex(hi)}]}}$"
    return "does not exist"


def formulas(a: Analysis) -> list[str]:
    lines = ["## Formulas", "", r"For $w \ne 0$ (derived by SymPy on $w > 0$ and carried to $w < 0$ by symmetry):", ""]
    for part in a.parts:
        lines += ["$$", f"{SYMBOL[part.name]} = {tex(part.expr)}", "$$", ""]
    lines += ["At $w = 0$ itself:", ""]
    for part in a.parts:
        lines.append(f"- {part.name} ${SYMBOL[part.name].replace('(w)', '(0)')}$: {at_zero_text(part)}")
    return lines + [""]


def limits_table(a: Analysis) -> list[str]:
    header = "| | " + " | ".join(f"${POINT_LATEX[p]}$" for p in POINTS) + " | at $w = 0$ | continuous at 0 |"
    lines = ["## Limits", "", header, "|---" * (len(POINTS) + 3) + "|"]
    for part in a.parts:
        cells = [inline(part.limits[p]) for p in POINTS]
        cont = "yes" if part.at_zero.continuous else "no"
        lines.append(f"| {part.name} ${SYMBOL[part.name]}$ | " + " | ".join(cells) + f" | {at_zero_text(part)} | {cont} |")
    return lines + [""]


def smoothness_text(a: Analysis) -> str:
    if a.smoothness is None:
        return r"$f \in C^\infty$: every derivative exists and is continuous at 0 (a polynomial)."
    n = a.smoothness
    failing = n + 1
    name = {1: "first", 2: "second", 3: "third"}.get(failing, f"{failing}th")
    return (
        f"$f \\in C^{{{n}}}$ at 0 and no better: derivatives up to order {n} are continuous there, "
        f"the {name} derivative is not."
    )


def interval_text(band: Band) -> str:
    if band.lo == 0:
        return f"$\\lvert w\\rvert < {tex(band.hi)}$"
    if band.hi == sp.oo:
        return f"$\\lvert w\\rvert > {tex(band.lo)}$"
    return f"${tex(band.lo)} < \\lvert w\\rvert < {tex(band.hi)}$"


def lam_tex(expr: sp.Expr) -> str:

    # The JSON symbol is "lam" (lambda is a Python keyword); the reader should see a Greek letter.
    return tex(in_lambda(expr))
