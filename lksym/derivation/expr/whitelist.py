"""What an expression may contain: the constants, functions, operators and syntax the builder accepts.

Job: the whitelist as data.  A name, function, operator or node type absent
from these tables is refused by :class:`lksym.derivation.expr.build.Builder`;
the tables also hold the words its messages use for refused syntax.

Contracts
---------
- :data:`FUNCTION_TABLE` maps each allowed function name to the SymPy callable
  the builder calls and its fewest/most arguments; :data:`FUNCTIONS` is its
  key set, the default (and the largest) set of functions a caller may allow.
- :data:`BAR` names the private call that stands for ``|x|``: it starts with
  ``_``, which the scanner refuses in user text, so only bars produce it.
- The tables are read-only mappings built at import; nothing changes them.

Examples
--------
>>> sorted(CONSTANTS)
['E', 'inf', 'infinity', 'oo', 'pi']
>>> FUNCTION_TABLE["log"][1:], "eval" in FUNCTIONS
((1, 2), False)
"""

from __future__ import annotations

import ast
from typing import Callable, Mapping, Optional

import sympy as sp

BAR = "_bar"  # the scanner rejects user names starting with "_", so only bars produce it

CONSTANTS: Mapping[str, sp.Basic] = {
    "pi": sp.pi,
    "E": sp.E,
    "oo": sp.oo,
    "inf": sp.oo,
    "infinity": sp.oo,
}


def _cbrt(x: sp.Expr) -> sp.Expr:
    # The real cube root: SymPy's cbrt is the principal one, complex for x < 0.
    return sp.real_root(x, 3)


# name -> (SymPy callable, fewest arguments, most arguments or None)
FUNCTION_TABLE: Mapping[str, tuple[Callable[..., sp.Basic], int, Optional[int]]] = {
    "abs": (sp.Abs, 1, 1),
    "Abs": (sp.Abs, 1, 1),
    "sign": (sp.sign, 1, 1),
    "sqrt": (sp.sqrt, 1, 1),
    "cbrt": (_cbrt, 1, 1),
    "exp": (sp.exp, 1, 1),
    # Trigonometric functions: the real form of a cubic's roots (the L1/2 prox) needs cos and acos.
    "cos": (sp.cos, 1, 1),
    "sin": (sp.sin, 1, 1),
    "tan": (sp.tan, 1, 1),
    "acos": (sp.acos, 1, 1),
    "asin": (sp.asin, 1, 1),
    "atan": (sp.atan, 1, 1),
    # Hyperbolic functions: log(cosh(w)) is a standard smooth L1, tanh(abs(w)) a bounded one.
    "sinh": (sp.sinh, 1, 1),
    "cosh": (sp.cosh, 1, 1),
    "tanh": (sp.tanh, 1, 1),
    "asinh": (sp.asinh, 1, 1),
    "acosh": (sp.acosh, 1, 1),
    "atanh": (sp.atanh, 1, 1),
    "log": (sp.log, 1, 2),
    "Piecewise": (sp.Piecewise, 1, None),
    "Heaviside": (sp.Heaviside, 1, 2),
    "Min": (sp.Min, 1, None),
    "Max": (sp.Max, 1, None),
    # Python's spellings, as abs is accepted beside Abs: min(abs(w), 1) is what people type for capped L1.
    "min": (sp.Min, 1, None),
    "max": (sp.Max, 1, None),
}

FUNCTIONS = frozenset(FUNCTION_TABLE)
"""Every function name :func:`parse_expression` can allow (the default)."""

ARITHMETIC: Mapping[type, Callable[[sp.Basic, sp.Basic], sp.Basic]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
OPERATOR_TEXT = {
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Invert: "~",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}
COMPARISONS = {ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt, ast.GtE: sp.Ge, ast.Eq: sp.Eq, ast.NotEq: sp.Ne}
SYNTAX_NAMES = {
    ast.Attribute: "attribute access is",
    ast.Subscript: "subscripts are",
    ast.Lambda: "lambda is",
    ast.List: "lists are",
    ast.Dict: "dicts are",
    ast.Set: "sets are",
    ast.ListComp: "comprehensions are",
    ast.SetComp: "comprehensions are",
    ast.DictComp: "comprehensions are",
    ast.GeneratorExp: "comprehensions are",
    ast.JoinedStr: "f-strings are",
    ast.FormattedValue: "f-strings are",
    ast.NamedExpr: "':=' assignments are",
    ast.IfExp: "'if' expressions are",
    ast.Starred: "'*' unpacking is",
    ast.Slice: "slices are",
    ast.Await: "'await' is",
    ast.Yield: "'yield' is",
    ast.YieldFrom: "'yield' is",
}
TRUTH_VALUES = (sp.core.relational.Relational, sp.logic.boolalg.BooleanFunction, sp.logic.boolalg.BooleanAtom)
