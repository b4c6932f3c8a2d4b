"""Formulas as a person writes them on one line of plain text: ``3/2 √|w| sign(w)``, ``4τ²/(9α²)``.

SymPy's ``sstr`` is code (``Abs(w)**(3/2)``, ``4*tau**2/(9*alpha**2)``); the
terminal summary and the names of penalties use this printer instead:

* ``Abs(x)`` is ``|x|``, ``sqrt(x)`` is ``√x``, ``oo`` is ``∞``, ``pi`` is ``π``;
* powers are ``x^(3/2)``, small integer powers superscripts (``w²``);
* ``alpha``, ``tau``, ``eta``, ``lam`` are the Greek letters α, τ, η, λ;
* a number multiplies by juxtaposition (``3τ``, ``2|w|``), anything else with ``·``;
* a sum starts with a positive term where there is one (``z − λ``, not ``-lam + z``).

Examples
--------
>>> import sympy as sp
>>> w, tau, alpha = sp.Symbol("w", real=True), sp.Symbol("tau", positive=True), sp.Symbol("alpha", positive=True)
>>> text(sp.Abs(w) ** sp.Rational(3, 2)), text(4 * tau**2 / (9 * alpha**2))
('|w|^(3/2)', '4τ²/(9α²)')
>>> text(sp.Symbol("z") - sp.Symbol("lam")), text(sp.sqrt(2)), text(sp.oo)
('z − λ', '√2', '∞')
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.str import StrPrinter

from lksym.derivation.exact import k_text, substitute

GREEK = {"alpha": "α", "tau": "τ", "eta": "η", "lam": "λ", "lambda": "λ", "mu": "μ", "pi": "π", "theta": "θ"}
SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
MINUS = "−"


class _UnicodePrinter(StrPrinter):
    """StrPrinter with the notation of the module docstring."""

    # An object's own ``_unicodetext(printer)`` wins over the str form (its ``_sympystr``), as
    # ``_latex`` does for LaTeX: lksym.derivation.penalty_prox.Infimum reads as inf, not as a call.
    printmethod = "_unicodetext"

    def _print_Symbol(self, expr):
        return GREEK.get(expr.name, expr.name)

    def _print_Infinity(self, expr):
        return "∞"

    def _print_NegativeInfinity(self, expr):
        return "-∞"

    def _print_Pi(self, expr):
        return "π"

    def _print_ImaginaryUnit(self, expr):
        return "i"

    def _print_Abs(self, expr):
        return "|" + self._print(expr.args[0]) + "|"

    def _atom(self, expr) -> str:
        """``expr`` as an operand of a power or root: parenthesised unless it is one token."""
        s = self._print(expr)
        if expr.is_Symbol or isinstance(expr, (sp.Abs, sp.Function)) or (expr.is_Integer and expr >= 0):
            return s
        return f"({s})"

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.args
        if exp == sp.S.Half:
            return "√" + self._atom(base)
        if exp == sp.Rational(1, 3):
            return "∛" + self._atom(base)
        if exp == -1:
            return "1/" + self._atom(base)
        if exp.is_Integer and 1 < exp < 10:
            return self._atom(base) + str(exp).translate(SUPERSCRIPTS)
        if exp.is_Rational and exp.q != 1 and exp < 0:
            return f"{self._atom(base)}^({self._print(exp)})"
        exponent = self._print(exp)
        if not (exp.is_Symbol or (exp.is_Integer and exp >= 0)):
            exponent = f"({exponent})"
        return f"{self._atom(base)}^{exponent}"

    def _print_Add(self, expr, order=None):
        terms = list(sp.Add.make_args(expr))
        terms = sorted(terms, key=lambda t: (_is_negative(t), sp.default_sort_key(t)))
        out = ""
        for i, term in enumerate(terms):
            if _is_negative(term):
                body = self._print(-term)
                out += f" {MINUS} " + body if i else "-" + body
            else:
                out += (" + " if i else "") + self._print(term)
        return out

    def _print_Piecewise(self, expr):
        pieces = []
        for value, cond in expr.args:
            pieces.append(self._print(value) + ("" if cond == sp.true else f" if {self._print(cond)}"))
        return "{" + "; otherwise ".join(pieces) + "}"

    def _print_Relational(self, expr):
        symbol = {"<": "<", ">": ">", "<=": "≤", ">=": "≥", "==": "=", "!=": "≠"}[expr.rel_op]
        return f"{self._print(expr.lhs)} {symbol} {self._print(expr.rhs)}"


def _is_negative(term) -> bool:
    coefficient, _ = term.as_coeff_Mul()
    return bool(coefficient.is_number and coefficient.is_negative)


def _juxtapose(s: str) -> str:
    """Drop ``*`` after a number (``3*τ`` → ``3τ``, ``4*√z`` → ``4√z``); elsewhere write ``·``."""
    parts = s.split("*")
    out = [parts[0]]
    for part in parts[1:]:
        left, right = out[-1][-1:], part[:1]
        number = out[-1][len(out[-1].rstrip("0123456789")) - 1 :][:1]  # the character before the trailing digits
        joined = left.isdigit() and not right.isdigit() and right not in "(/" and number not in "√∛^"
        out.append(part if joined else "·" + part)
    return "".join(out)


def text(expr) -> str:
    """One line of Unicode maths for a SymPy expression (``"-"`` for ``None``).

    Examples
    --------
    >>> import sympy as sp
    >>> w = sp.Symbol("w", real=True)
    >>> text(3 * sp.sqrt(sp.Abs(w)) * sp.sign(w) / 2), text(None)
    ('3√|w|·sign(w)/2', '-')
    """
    if expr is None:
        return "-"
    if isinstance(expr, (int, float, str)):
        return str(expr)
    printer = _UnicodePrinter({"order": "none"})
    return _juxtapose(printer.doprint(expr))


def k_name(k: sp.Expr) -> str:
    """The name of the penalty |w|^k as people write it: ``L1.5``, ``L7/3``, ``L√2``, ``Lπ``.

    Examples
    --------
    >>> import sympy as sp
    >>> k_name(sp.Rational(3, 2)), k_name(sp.sqrt(2)), k_name(sp.pi), k_name(1 + sp.sqrt(2))
    ('L1.5', 'L√2', 'Lπ', 'L(1 + √2)')
    """
    if k.is_Rational:
        return "L" + k_text(k)
    body = text(k)
    return "L" + (body if k.is_Atom or isinstance(k, sp.Pow) and not body.startswith("(") else f"({body})")


LAMBDA = sp.Symbol("lambda", positive=True)
"""The symbol ``lam`` is printed as on a page: LaTeX writes ``\\lambda`` for it."""


def in_lambda(expr: sp.Expr) -> sp.Expr:
    r"""``expr`` with every symbol named ``lam`` renamed :data:`LAMBDA`, for LaTeX to print the Greek letter.

    The derivation writes the prox strength as ``lam`` (``lambda`` is a Python keyword); the pages show λ.
    Renamed with :func:`lksym.derivation.exact.substitute`, so a huge exact number stays unexpanded.

    Examples
    --------
    >>> import sympy as sp
    >>> lam = sp.Symbol("lam", positive=True)
    >>> sp.latex(in_lambda(sp.sqrt(2) * sp.sqrt(lam)))
    '\\sqrt{2} \\sqrt{\\lambda}'
    """
    return substitute(expr, {s: LAMBDA for s in expr.free_symbols if s.name == "lam"})
