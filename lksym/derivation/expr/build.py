"""A bounded syntax tree to a SymPy expression, through the whitelist only.

Job: the last step of reading an expression.  :class:`Builder` walks the tree
from :func:`lksym.derivation.expr.scan.parse_tree` and builds every SymPy
object itself, from the nodes, names and functions in
:mod:`lksym.derivation.expr.whitelist`; decimal literals are read from their
source text, so ``0.1`` is exactly ``1/10``.  SymPy evaluates as it builds, so
the builder refuses what would make it slow: numeric exponents, exact
rationals, ``exp`` of numbers, roots of huge integers and nearly cancelling
sums, against the limits in :mod:`lksym.derivation.expr.limits` (with the
checks of :mod:`lksym.derivation.expr.guards`).  :func:`build_expression` is
the whole reading, text to SymPy: checks, :func:`~lksym.derivation.expr.scan.scan`,
:func:`~lksym.derivation.expr.scan.parse_tree`, :class:`Builder`.

Contracts
---------
- Nothing is ever evaluated as code: no ``eval``, ``exec``, ``sympify`` or
  ``parse_expr``, and the one ``getattr`` dispatches to the builder's own
  ``_<node type>`` methods.
- :func:`build_expression` returns a SymPy object or raises
  :class:`lksym.errors.InputError` with a one-line message, never another
  exception.  It runs without a clock: call it through
  :func:`lksym.derivation.expr.parse_expression` (or under
  :class:`lksym.budget.TraceLimit`), which bounds its time in any thread.

Examples
--------
>>> import sympy as sp
>>> w = sp.Symbol("w", real=True)
>>> build_expression("3/2*|w|^0.5", {"w": w}, None)
3*sqrt(Abs(w))/2
>>> build_expression("w**100000", {"w": w}, None)
Traceback (most recent call last):
...
lksym.errors.InputError: exponent too large in w**100000 (|exponent| at most 1000): 'w**100000'
"""

from __future__ import annotations

import ast
import math
import re
from typing import Callable, Mapping, Optional

import mpmath
import sympy as sp

from lksym.derivation.expr.guards import (
    NEAR_ZERO, Unsettled, approximate, cancelling_sums, flat_arguments, magnitude, rational_bits,
)
from lksym.derivation.expr.limits import (
    MAX_DECIMAL_EXPONENT, MAX_EXP_ARGUMENT, MAX_EXPONENT, MAX_EXPONENT_DENOMINATOR, MAX_LENGTH,
    MAX_MIN_MAX_ARGUMENTS, MAX_NUMBER_BITS, MAX_POWER_BITS, MAX_ROOT_BITS,
)
from lksym.derivation.expr.messages import echo, first_line, short, show
from lksym.derivation.expr.scan import Source, chain, check_characters, parse_tree, scan
from lksym.derivation.expr.whitelist import (
    ARITHMETIC, BAR, COMPARISONS, CONSTANTS, FUNCTION_TABLE, FUNCTIONS, OPERATOR_TEXT, SYNTAX_NAMES, TRUTH_VALUES,
)
from lksym.errors import InputError

_DECIMAL = re.compile(r"(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?", re.ASCII)


class Builder:
    """Walks the syntax tree and builds SymPy objects from whitelisted nodes only.

    ``condition`` says a truth value is expected (a Piecewise condition):
    only there are comparisons, ``and``/``or``/``not``/``&`` and True/False allowed.
    """

    def __init__(self, source: Source, names: Mapping[str, sp.Basic], functions: frozenset[str]) -> None:
        self.source = source
        self.names = names
        self.functions = functions
        self.root: Optional[ast.AST] = None

    def build(self, node: ast.AST, condition: bool = False) -> sp.Basic:
        handler = getattr(self, "_" + type(node).__name__, None)
        if handler is None:
            what = SYNTAX_NAMES.get(type(node), f"'{type(node).__name__}' syntax is")
            raise InputError(f"{what} not allowed in expression: {self.source.quote(node)}")
        value = handler(node, condition)
        self._check_value(node, value)
        return value

    def _check_value(self, node: ast.AST, value: sp.Basic) -> None:
        # Checked at every node: 0*(1/0) would hide the zoo as nan, and later
        # steps could hide it entirely.
        if isinstance(value, sp.Basic) and value.has(sp.zoo, sp.nan):
            raise InputError(f"expression is undefined (division by zero?) at {self.source.quote(node)}")
        if not isinstance(value, sp.Basic):
            return
        # SymPy makes new rationals inside, as in sqrt(1.5)**99 = 3**49*sqrt(6)/2**50
        # or Piecewise((1e-300, w > 0), (0, True))**1000 with 1e-300000 in it.
        bits = max((rational_bits(r) for r in value.atoms(sp.Rational)), default=0)
        if bits > MAX_NUMBER_BITS:
            raise InputError(f"number too large ({bits} bits, at most {MAX_NUMBER_BITS}): {self.source.quote(node)}")
        if value.is_Rational or not (isinstance(value, sp.Expr) and value.is_number):
            return
        try:
            approx = approximate(value)
        except Unsettled:
            raise InputError(NEAR_ZERO.format(self.source.quote(node))) from None
        if approx is not None and node is not self.root and approx.as_real_imag()[1] != 0:
            # Complex intermediate values make SymPy expand real and imaginary
            # parts, exponentially in the nesting; only a whole expression may be
            # complex (so parse_k can say "k must be a real number, got I").
            raise InputError(
                f"complex numbers are not allowed: {self.source.quote(node)} is {show(value)}"
            )

    def _construct(self, node: ast.AST, make: Callable[..., sp.Basic], *args: sp.Basic) -> sp.Basic:
        # SymPy signals nonsense (Abs of a condition, Eq of a tuple...) with
        # assorted exceptions; the user only needs to know which part failed.
        try:
            return make(*args)
        except InputError:
            raise
        except Exception as error:  # noqa: BLE001
            raise InputError(
                f"cannot build expression: {self.source.quote(node)}: {first_line(error)}"
            ) from None

    # ---- leaves

    def build_root(self, tree: ast.Expression) -> sp.Basic:
        self.root = tree.body
        return self.build(tree.body)

    def _Constant(self, node: ast.Constant, condition: bool) -> sp.Basic:
        value = node.value
        if isinstance(value, bool):
            if not condition:
                raise InputError(f"{value} is only allowed as a Piecewise condition")
            return sp.true if value else sp.false
        if isinstance(value, int):
            return sp.Integer(value)
        if isinstance(value, float):
            return self._decimal(node)
        if isinstance(value, complex):
            raise InputError(f"complex numbers are not allowed: {self.source.quote(node)}")
        what = {str: "strings are", bytes: "bytes are"}.get(type(value), f"{value!r} is")
        raise InputError(f"{what} not allowed in expression: {self.source.quote(node)}")

    def _decimal(self, node: ast.Constant) -> sp.Rational:
        # The float Python made is rounded; the digits the user wrote are exact.
        text = self.source.code[node.col_offset : node.end_col_offset].replace("_", "")
        match = _DECIMAL.fullmatch(text)
        if match is None or not (match.group(1) or match.group(2)):
            raise InputError(f"invalid number {echo(text)}")
        exponent = int(match.group(3) or 0)
        if exponent > MAX_DECIMAL_EXPONENT:
            raise InputError(f"number too large: {short(text)}")
        if exponent < -MAX_DECIMAL_EXPONENT:
            raise InputError(f"number too small: {short(text)}")
        whole, fraction = match.group(1), match.group(2) or ""
        value = sp.Rational(int(whole + fraction or "0"), 10 ** len(fraction))
        return value * sp.Rational(10) ** exponent

    def _Name(self, node: ast.Name, condition: bool) -> sp.Basic:
        name = node.id
        if name.startswith("_"):
            raise InputError(f"names starting with '_' are not allowed: {name!r}")
        if name in self.names:
            return self.names[name]
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in self.functions or name == BAR:
            raise InputError(f"function {name!r} must be called, e.g. {name}(w)")
        raise InputError(f"unknown name {name!r} in expression")

    # ---- operators

    def _UnaryOp(self, node: ast.UnaryOp, condition: bool) -> sp.Basic:
        if isinstance(node.op, ast.Not):
            self._need_condition(node, "'not' is", condition)
            return self._construct(node, sp.Not, self._condition(node.operand))
        if isinstance(node.op, ast.Invert):
            raise InputError(f"operator '~' is not allowed: {self.source.quote(node)}")
        operand = self.build(node.operand)
        if isinstance(node.op, ast.USub):
            return self._construct(node, sp.Mul, sp.S.NegativeOne, operand)
        return operand

    def _BinOp(self, node: ast.BinOp, condition: bool) -> sp.Basic:
        op = type(node.op)
        if op is ast.BitAnd:
            if not condition:
                raise InputError(
                    f"'&' only joins Piecewise conditions, each in parentheses as in (w > 0) & (w < 1): "
                    f"{self.source.quote(node)}"
                )
            return self._construct(node, sp.And, self._condition(node.left), self._condition(node.right))
        if op is not ast.Pow and op not in ARITHMETIC:
            symbol = OPERATOR_TEXT.get(op, op.__name__)
            raise InputError(f"operator {symbol!r} is not allowed: {self.source.quote(node)}")
        if op is ast.Pow:
            return self._power(node, self.build(node.left), self.build(node.right))
        spine = [node]  # a loop, not recursion, along a + b + c + ...
        while chain(spine[-1].left) == chain(node):
            spine.append(spine[-1].left)
        value = self.build(spine[-1].left)
        for link in reversed(spine):
            value = self._construct(link, ARITHMETIC[type(link.op)], value, self.build(link.right))
            self._check_value(link, value)
        return value

    def _power(self, node: ast.AST, base: sp.Basic, exponent: sp.Basic) -> sp.Basic:
        """``base**exponent``, refused before SymPy would compute something huge."""
        self._check_power(node, base, exponent)
        if base == sp.E:
            self._check_exp(node, exponent)  # E**x is exp(x)
        return self._construct(node, sp.Pow, base, exponent)

    def _check_power(self, node: ast.AST, base: sp.Basic, exponent: sp.Basic) -> None:
        shown = self.source.quote(node)
        if isinstance(exponent, sp.Expr) and exponent.is_number:
            size = magnitude(exponent)
            if size > MAX_EXPONENT:
                raise InputError(
                    f"exponent too large in {self._power_text(base, exponent)} "
                    f"(|exponent| at most {MAX_EXPONENT}): {shown}"
                )
            if isinstance(base, sp.Expr) and base.is_number and not base.is_zero:
                # An exact rational grows by its digits, (1+1e-300)**1000 too.
                if base.is_Rational:
                    digits = max(math.log2(abs(int(base.p))), math.log2(int(base.q)))
                else:
                    digits = abs(mpmath.log(magnitude(base), 2))
                bits = size * digits
                if bits > MAX_POWER_BITS:
                    raise InputError(
                        f"number too large: {self._power_text(base, exponent)} has about "
                        f"{mpmath.nstr(bits, 3)} bits (at most {MAX_POWER_BITS}): {shown}"
                    )
                if exponent.is_Rational and exponent.q > MAX_EXPONENT_DENOMINATOR:
                    raise InputError(
                        f"exponent has too many digits (denominator above 10**12): {shown}"
                    )
            if not exponent.is_Integer:
                self._check_root(node, base)

    @staticmethod
    def _power_text(base: sp.Basic, exponent: sp.Basic) -> str:
        # Unevaluated, so showing the power does not compute it.
        return show(sp.Pow(base, exponent, evaluate=False))

    # ---- conditions

    def _need_condition(self, node: ast.AST, what: str, condition: bool) -> None:
        if not condition:
            raise InputError(f"{what} only allowed in Piecewise conditions: {self.source.quote(node)}")

    def _condition(self, node: ast.AST) -> sp.Basic:
        value = self.build(node, condition=True)
        if not isinstance(value, TRUTH_VALUES):  # not Boolean: a Symbol is one
            raise InputError(
                f"a condition must be a comparison or True/False, got {self.source.quote(node)}"
            )
        if value.has(sp.Piecewise):
            # SymPy would solve it as an inequality to fold it, which can take forever.
            raise InputError(f"a condition cannot contain Piecewise: {self.source.quote(node)}")
        return value

    def _Compare(self, node: ast.Compare, condition: bool) -> sp.Basic:
        self._need_condition(node, "comparisons are", condition)
        operands = [self.build(node.left)]
        parts = []
        for op, right in zip(node.ops, node.comparators):
            relation = COMPARISONS.get(type(op))
            if relation is None:
                symbol = OPERATOR_TEXT.get(type(op), type(op).__name__)
                raise InputError(f"operator {symbol!r} is not allowed: {self.source.quote(node)}")
            operands.append(self.build(right))
            self._check_comparable(node, operands[-2:])
            parts.append(self._construct(node, relation, operands[-2], operands[-1]))
        return parts[0] if len(parts) == 1 else self._construct(node, sp.And, *parts)

    def _BoolOp(self, node: ast.BoolOp, condition: bool) -> sp.Basic:
        word = "'and' is" if isinstance(node.op, ast.And) else "'or' is"
        self._need_condition(node, word, condition)
        values = [self._condition(value) for value in node.values]
        return self._construct(node, sp.And if isinstance(node.op, ast.And) else sp.Or, *values)

    # ---- calls

    def _Call(self, node: ast.Call, condition: bool) -> sp.Basic:
        if not isinstance(node.func, ast.Name):
            raise InputError(f"only named functions can be called: {self.source.quote(node)}")
        name = node.func.id
        if node.keywords:
            keyword_text = self.source.quote(node.keywords[0])
            raise InputError(f"keyword arguments are not allowed: {keyword_text} in {self.source.quote(node)}")
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            raise InputError(f"'*' arguments are not allowed: {self.source.quote(node)}")
        if name == BAR:
            if not {"abs", "Abs"} & self.functions:
                raise InputError("absolute value bars |...| are not allowed here")
            return self._construct(node, sp.Abs, self.build(node.args[0]))
        if name not in self.functions:
            if name in self.names or name in CONSTANTS:
                raise InputError(f"{name!r} is not a function: {self.source.quote(node)}")
            raise InputError(f"unknown function {name!r} in expression")
        make, fewest, most = FUNCTION_TABLE[name]
        count = len(node.args)
        if count < fewest or (most is not None and count > most):
            expected = f"{fewest}" if fewest == most else f"{fewest} or {most}" if most else f"at least {fewest}"
            raise InputError(f"{name} takes {expected} argument{'s' if expected != '1' else ''}, got {count}")
        if name == "Piecewise":
            return self._piecewise(node)
        args = [self.build(arg) for arg in node.args]
        if name == "exp":
            self._check_exp(node, args[0])
        if name in ("sqrt", "cbrt"):
            self._check_root(node, args[0])
        if name in ("Min", "Max"):
            self._check_comparable(node, flat_arguments(make, args))
        return self._construct(node, make, *args)

    def _check_comparable(self, node: ast.AST, values: list[sp.Basic]) -> None:
        """Refuse what SymPy would compare through a minimal polynomial of huge degree."""
        if len(values) > MAX_MIN_MAX_ARGUMENTS:
            raise InputError(
                f"too many arguments to compare (at most {MAX_MIN_MAX_ARGUMENTS}): {self.source.quote(node)}"
            )
        for i, first in enumerate(values):
            for second in values[i + 1 :]:
                difference = self._construct(node, lambda a, b: a - b, first, second)
                if self._construct(node, cancelling_sums, difference):
                    raise InputError(NEAR_ZERO.format(self.source.quote(node)))

    def _check_root(self, node: ast.AST, base: sp.Basic) -> None:
        # SymPy factors a rational to simplify its root: fast up to ~1000 bits,
        # seconds beyond a few thousand.
        if isinstance(base, sp.Rational) and rational_bits(base) > MAX_ROOT_BITS:
            raise InputError(
                f"number too large to take a root of (at most {MAX_ROOT_BITS} bits): {self.source.quote(node)}"
            )

    def _check_exp(self, node: ast.AST, arg: sp.Basic) -> None:
        # exp of a number is kept symbolic, but comparing it evaluates it:
        # exp(exp(exp(10))) would take minutes and gigabytes.
        if not isinstance(arg, sp.Expr):
            return
        if arg.is_number and arg not in (sp.oo, -sp.oo) and magnitude(arg) > MAX_EXP_ARGUMENT:
            raise InputError(
                f"exponent too large in exp({show(arg)}) (at most {MAX_EXP_ARGUMENT}): {self.source.quote(node)}"
            )
        # SymPy turns each term c*log(x) of the argument into the power x**c.
        for term in sp.Add.make_args(arg):
            factors = sp.Mul.make_args(term)
            logs = [factor for factor in factors if isinstance(factor, sp.log)]
            if len(logs) == 1:
                coefficient = sp.Mul(*[factor for factor in factors if factor is not logs[0]])
                self._check_power(node, logs[0].args[0], coefficient)

    def _piecewise(self, node: ast.Call) -> sp.Basic:
        pairs = []
        for arg in node.args:
            if not (isinstance(arg, ast.Tuple) and len(arg.elts) == 2):
                raise InputError(
                    f"Piecewise arguments must be (expression, condition) pairs, got {self.source.quote(arg)}"
                )
            pairs.append((self.build(arg.elts[0]), self._condition(arg.elts[1])))
        return self._construct(node, sp.Piecewise, *pairs)

    def _Tuple(self, node: ast.Tuple, condition: bool) -> sp.Basic:
        raise InputError(f"tuples are only allowed as Piecewise arguments: {self.source.quote(node)}")


def build_expression(
    text: str, names: Optional[Mapping[str, sp.Basic]], functions: Optional[frozenset[str]]
) -> sp.Basic:
    """``text`` read into SymPy, without a clock: the caller bounds its time.

    Parameters and result as in :func:`lksym.derivation.expr.parse_expression`; ``functions=None``
    allows every function in :data:`~lksym.derivation.expr.whitelist.FUNCTIONS`.

    Raises
    ------
    InputError
        For any text that is not such an expression; never another exception.
    """
    if not isinstance(text, str):
        raise InputError(f"expression must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise InputError(f"expression too long ({len(text)} characters, at most {MAX_LENGTH})")
    check_characters(text)
    if not text.strip():
        raise InputError("empty expression")
    allowed = FUNCTIONS if functions is None else frozenset(functions)
    if allowed - FUNCTIONS:
        raise InputError(f"unsupported function names: {', '.join(sorted(allowed - FUNCTIONS))}")
    source = scan(text)
    tree = parse_tree(source)
    builder = Builder(source, dict(names or {}), allowed)
    try:
        return builder.build_root(tree)
    except InputError:
        raise
    except Exception as error:  # noqa: BLE001 - the promise is: InputError or a result
        raise InputError(f"cannot build expression: {first_line(error)}") from None
