r"""Turn untrusted text into exact SymPy objects without running any code.

``eval``, ``sympify``, ``parse_expr`` and ``S(text)`` all execute Python, so
they never see user text here.  Instead the text is

1. checked (type, length, ASCII, no control characters, no strings, no names
   starting with ``_``) and rewritten by a small scanner: ``^`` becomes ``**``
   and absolute-value bars ``|x|`` become a private call;
2. parsed with :func:`ast.parse` in ``eval`` mode, whose tree is then bounded
   in size and depth;
3. walked with a whitelist that builds every SymPy object itself.  Decimal
   literals are read from their source text, so ``0.1`` is exactly ``1/10``.

SymPy evaluates as it builds, so the builder also keeps that work small:
numeric exponents, exact rationals, ``exp`` of numbers, roots of huge
integers and nearly cancelling sums are refused before SymPy would spend
minutes on them, and every call runs against :data:`TIME_LIMIT` for the slow
corners no static rule fences off.

Examples
--------
>>> import sympy as sp
>>> w = sp.Symbol("w", real=True)
>>> parse_expression("3/2*|w|^0.5", names={"w": w})
3*sqrt(Abs(w))/2
>>> parse_k("1.5"), parse_k("sqrt(2)")
(3/2, sqrt(2))
"""

from __future__ import annotations

import ast
import keyword
import math
import numbers
import re
from decimal import Decimal
from typing import Callable, Mapping, Optional

import mpmath
import sympy as sp
from sympy.core.evalf import PrecisionExhausted

from lksym.budget import OutOfTime, TraceLimit
from lksym.errors import InputError

__all__ = [
    "MAX_LENGTH",
    "MAX_DEPTH",
    "MAX_NODES",
    "MAX_EXPONENT",
    "MAX_K",
    "MIN_K",
    "TIME_LIMIT",
    "CONSTANTS",
    "FUNCTIONS",
    "K",
    "parse_expression",
    "parse_k",
]

MAX_LENGTH = 1000
"""Most characters accepted in one expression."""

MAX_DEPTH = 40
"""Deepest nesting accepted, both of brackets/bars in the text and of the syntax tree."""

MAX_NODES = 400
"""Most syntax-tree nodes (numbers, names, operations, calls) in one expression."""

MAX_EXPONENT = 1000
"""Largest :math:`|e|` of a numeric exponent, in ``x**e`` for any ``x``."""

MAX_POWER_BITS = 4000
"""Largest size, in bits, of a number raised to a numeric power (``10**1000`` has 3322)."""

MAX_EXP_ARGUMENT = 10_000
"""Largest :math:`|x|` in ``exp(x)`` for a numeric ``x``; stops towers like ``exp(exp(exp(10)))``."""

MAX_NUMBER_BITS = MAX_POWER_BITS
"""Largest numerator or denominator, in bits, of any exact rational in any part built.

SymPy's assumption system may test an integer for primality on its own (``Abs``
asks whether its argument is nonnegative, which can ask whether it is prime):
0.15 s at 4000 bits, 2 s at 10,000, in one uninterruptible step.
"""

MAX_EXPONENT_DENOMINATOR = 10**12
"""Largest denominator of a fractional exponent of a number: ``2**(1e-300)`` has degree 10**300."""

MAX_ROOT_BITS = 1024
"""Largest exact rational (in bits) whose root is taken: SymPy factors it to simplify."""

MAX_MIN_MAX_ARGUMENTS = 20
"""Most arguments of one Min or Max (nested ones included): each pair is compared."""

MAX_DECIMAL_EXPONENT = 400
"""Largest :math:`|e|` written in a literal such as ``1.5e400``."""

TIME_LIMIT = 1.0
"""Seconds one call may spend; the limits above keep ordinary input far below it.

SymPy evaluates as it builds and has slow corners no static limit can fence
off (``Heaviside(log(w)**1000)`` expands a 1000th power of a complex sum), so
each call also runs against this clock (see :class:`TraceLimit`).
"""

MAX_K = 1000
"""Largest exponent k accepted by :func:`parse_k`."""

MIN_K = sp.Rational(1, 1000)
"""Smallest exponent k accepted by :func:`parse_k` (the smallest rational with an accepted denominator).

Below it even irrational k (``pi/10**6``) need powers like :math:`x^{1/(1-k)}`
of numbers with millions of digits in exact form."""

MAX_K_DENOMINATOR = 1000
"""Largest denominator of a rational k accepted by :func:`parse_k`."""

MAX_POLE_EXPONENT = 100
"""Largest |1/(k - 1)| and |1/(k - 2)| for any k (rational or not): bounds the exact powers in crossovers."""

K = sp.Symbol("k", positive=True)
"""The symbolic exponent returned by ``parse_k("k", allow_symbol=True)``."""

_ECHO_LENGTH = 40
_BAR = "_bar"  # the scanner rejects user names starting with "_", so only bars produce it

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
_FUNCTION_TABLE: Mapping[str, tuple[Callable[..., sp.Basic], int, Optional[int]]] = {
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

FUNCTIONS = frozenset(_FUNCTION_TABLE)
"""Every function name :func:`parse_expression` can allow (the default)."""

_ARITHMETIC: Mapping[type, Callable[[sp.Basic, sp.Basic], sp.Basic]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
_OPERATOR_TEXT = {
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
_COMPARISONS = {ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt, ast.GtE: sp.Ge, ast.Eq: sp.Eq, ast.NotEq: sp.Ne}
_SYNTAX_NAMES = {
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
_TRUTH_VALUES = (sp.core.relational.Relational, sp.logic.boolalg.BooleanFunction, sp.logic.boolalg.BooleanAtom)
_PASSIVE_NODES = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)

_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<number>0[xX][\da-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+
                 |(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)
    | (?P<name>[A-Za-z_]\w*)
    | (?P<quote>['"])
    | (?P<op>\*\*|//|<<|>>|<=|>=|==|!=|:=|->|\S)
    """,
    re.VERBOSE | re.ASCII,
)
_DECIMAL = re.compile(r"(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?", re.ASCII)
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}


# --------------------------------------------------------------------------- messages


def _short(text: str, limit: int = _ECHO_LENGTH) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[:limit] + "…"


def _echo(text: str) -> str:
    """``text`` quoted and shortened for a one-line message (repr escapes newlines)."""
    return repr(_short(text))


def _show(value: sp.Basic) -> str:
    try:
        return _short(sp.sstr(value))
    except Exception:  # noqa: BLE001 - e.g. Python refuses to print ints over 4300 digits
        return "(too long to show)"


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return _short(lines[0], 100) if lines else type(error).__name__


# --------------------------------------------------------------------------- scanning


class _Source:
    """The user's text and the rewritten code handed to :func:`ast.parse`.

    ``origin[i]`` is the index in the user's text that produced ``code[i]``, so
    messages can quote what the user wrote rather than the rewrite.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._parts: list[str] = []
        self.origin: list[int] = []

    def emit(self, code: str, at: int) -> None:
        self._parts.append(code)
        self.origin.extend([at] * len(code))

    def emit_token(self, token: str, start: int) -> None:
        self._parts.append(token)
        self.origin.extend(range(start, start + len(token)))

    @property
    def code(self) -> str:
        return "".join(self._parts)

    def original(self, start: int, end: int) -> str:
        """The user's text behind ``code[start:end]``."""
        if not self.origin:
            return ""
        start = min(max(start, 0), len(self.origin) - 1)
        end = min(max(end, start + 1), len(self.origin))
        return self.text[self.origin[start] : self.origin[end - 1] + 1]

    def segment(self, node: ast.AST) -> str:
        return self.original(node.col_offset, node.end_col_offset)

    def quote(self, node: ast.AST) -> str:
        return _echo(self.segment(node).strip())


def _check_characters(text: str) -> None:
    for ch in text:
        if ord(ch) > 127:
            raise InputError(f"non-ASCII character {ch!r} (U+{ord(ch):04X}) in expression")
        if not ch.isprintable() and ch not in " \t\n\r\v\f":
            raise InputError(f"control character {ch!r} in expression")


def _scan(text: str) -> _Source:
    """Rewrite ``^`` and ``|...|`` and catch what :mod:`ast` would hide or misread.

    A bar opens at the start, after an operator, ``(``, ``,`` or another opening
    bar; otherwise it closes the innermost open bar.  After a number with no bar
    open (``2|w|``) it opens, with an implied ``*``.
    """
    source = _Source(text)
    stack: list[tuple[str, int]] = []  # open brackets and bars with their position
    previous = "start"  # kind of the last token: start, open, operand or number
    for match in _TOKEN.finditer(text):
        kind, token, start = match.lastgroup, match.group(), match.start()
        if kind == "space":
            if previous != "start":  # leading blanks would be an indent to ast.parse
                source.emit(" ", start)  # one line, so ast offsets are plain columns
            continue
        if kind == "quote":
            end = text.find(token, start + 1)
            literal = text[start:] if end < 0 else text[start : end + 1]
            raise InputError(f"strings are not allowed in expression: {_echo(literal)}")
        following = text[match.end() : match.end() + 1]
        if kind == "number" and re.match(r"[\w.]", following):
            # 2w, 1if, 1.__class__, 1..2: Python would fail or, for 1if, merely warn.
            hint = _IMPLICIT_PRODUCT if re.match(r"[A-Za-z_]", following) else ""
            raise InputError(_syntax_near(text, start) + hint)
        if kind == "name" and token.startswith("_"):
            raise InputError(f"names starting with '_' are not allowed: {_echo(token)}")
        if token in ("#", "\\"):
            raise InputError(f"character {token!r} is not allowed in expression")
        if token == "^":
            source.emit("**", start)
            previous = "open"
            continue
        if token == "|":
            previous = _bar(source, stack, previous, start)
            continue
        if token in _OPENERS:
            stack.append((token, start))
        elif token in _CLOSERS:
            _close_bracket(stack, token, start)
        if len(stack) > MAX_DEPTH:
            raise InputError("expression nested too deeply")
        source.emit_token(token, start)
        previous = _token_kind(kind, token)
    if stack:
        opener, at = stack[-1]
        if opener == "|":
            raise InputError(f"unbalanced '|' at position {at + 1}: the absolute value is never closed")
        raise InputError(f"unclosed {opener!r} at position {at + 1}")
    return source


def _token_kind(kind: str, token: str) -> str:
    if kind == "number":
        return "number"
    if kind == "name":
        is_operator = keyword.iskeyword(token) and token not in ("True", "False", "None")
        return "open" if is_operator else "operand"
    return "operand" if token in _CLOSERS else "open"


def _bar(source: _Source, stack: list[tuple[str, int]], previous: str, start: int) -> str:
    """Emit the code for one ``|`` and return the kind of token it was."""
    if previous in ("start", "open"):
        opens = True
    elif stack and stack[-1][0] == "|":
        opens = False
    elif previous == "number":
        source.emit("*", start)  # 2|w| means 2*|w|
        opens = True
    else:
        raise InputError(
            f"unbalanced '|' at position {start + 1}: no absolute value is open here "
            "(use 'or' for a logical or)"
        )
    if opens:
        stack.append(("|", start))
        if len(stack) > MAX_DEPTH:
            raise InputError("expression nested too deeply")
        source.emit(_BAR + "(", start)
        return "open"
    stack.pop()
    source.emit(")", start)
    return "operand"


def _close_bracket(stack: list[tuple[str, int]], token: str, start: int) -> None:
    if not stack:
        raise InputError(f"unmatched {token!r} at position {start + 1}")
    opener, at = stack[-1]
    if opener == "|":
        raise InputError(f"unbalanced '|' at position {at + 1}: closed by {token!r} before its closing '|'")
    if opener != _CLOSERS[token]:
        raise InputError(f"unmatched {token!r} at position {start + 1}")
    stack.pop()


# --------------------------------------------------------------------------- parsing


def _parse(source: _Source) -> ast.Expression:
    code = source.code
    try:
        tree = ast.parse(code, mode="eval")
    except SyntaxError as error:
        raise InputError(_syntax_message(source, error)) from None
    except RecursionError:
        raise InputError("expression nested too deeply") from None
    except MemoryError:
        raise InputError("expression too large") from None
    except (ValueError, OverflowError) as error:
        raise InputError(f"invalid syntax: {_first_line(error)}") from None
    _check_size(tree)
    return tree


def _syntax_message(source: _Source, error: SyntaxError) -> str:
    code = source.code
    offset = (error.offset or 0) - 1  # CPython reports 0 for "ran out of input"
    if error.lineno not in (None, 1) or not 0 <= offset < len(code.rstrip()):
        return "invalid syntax near the end of the expression (is something missing?)"
    return _syntax_near(source.text, source.origin[offset])


_IMPLICIT_PRODUCT = " (implicit multiplication is not supported: write 2*w, not 2w)"


def _syntax_near(text: str, at: int) -> str:
    words = text[at:].split()
    near = _short(words[0] if words else text[at:], 20)
    return f"invalid syntax near {near!r} at position {at + 1}"


def _check_size(tree: ast.AST) -> None:
    # Iterative, so a deep tree cannot exhaust the stack here; the builder
    # recurses only after this has bounded the depth.
    count = 0
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, _PASSIVE_NODES):
            continue
        count += 1
        if count > MAX_NODES:
            raise InputError(f"expression too large (more than {MAX_NODES} parts)")
        if depth > MAX_DEPTH:
            raise InputError("expression nested too deeply")
        for child in ast.iter_child_nodes(node):
            # w+w+...+w is a left-leaning chain that the builder walks in a
            # loop, so its length is bounded by MAX_NODES, not MAX_DEPTH.
            in_chain = _chain(node) is not None and child is node.left and _chain(child) == _chain(node)
            stack.append((child, depth if in_chain else depth + 1))


def _chain(node: ast.AST) -> Optional[str]:
    """``"sum"`` or ``"product"`` for a ``+ -`` or ``* /`` node, else None."""
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, (ast.Add, ast.Sub)):
            return "sum"
        if isinstance(node.op, (ast.Mult, ast.Div)):
            return "product"
    return None


# --------------------------------------------------------------------------- building


def _magnitude(value: sp.Basic) -> mpmath.mpf:
    """:math:`|value|` of a number, evaluated without building anything big; inf if unknown."""
    if value.is_Rational:
        return abs(mpmath.mpf(value.p) / value.q)
    try:
        approx = sp.N(value, 15)
        real, imag = approx.as_real_imag()
        if real.is_Number and imag.is_Number:
            result = mpmath.hypot(mpmath.mpf(real), mpmath.mpf(imag))
            if mpmath.isfinite(result):
                return result
    except Exception:  # noqa: BLE001 - any failure means "cannot bound it"
        pass
    return mpmath.inf


_NEAR_ZERO = "number cancels to too many digits to be evaluated reliably: {}"


class _Unsettled(Exception):
    """A number SymPy cannot evaluate to 15 digits within its usual precision."""


def _approximate(value: sp.Expr) -> Optional[sp.Expr]:
    """``value`` to 15 digits, None if SymPy fails to evaluate it at all.

    Raises :class:`_Unsettled` for a number that does not settle.  A sum that
    cancels to 100+ digits, such as ``2**(1/1000) - 1.000693...`` written to
    130 digits, does not; SymPy then decides its sign from a minimal polynomial
    of huge degree and coefficients: minutes and gigabytes.  SymPy also
    compares numbers with small integers on its own (``log(x)`` asks whether
    ``x - 1`` is positive), so a number within 1e-100 of an integer is just as
    bad.
    """
    try:
        approx = sp.N(value, 15, strict=True)
        real = approx.as_real_imag()[0]
        if real.is_Float and abs(real) < 10**15:
            nearest = int(mpmath.nint(mpmath.mpf(real)))
            if nearest:
                sp.N(value - nearest, 15, strict=True)
    except PrecisionExhausted:
        raise _Unsettled from None
    except Exception:  # noqa: BLE001 - other failures are SymPy's to report when it builds
        return None
    return approx


def _settles(value: sp.Expr) -> bool:
    try:
        _approximate(value)
    except _Unsettled:
        return False
    return True


def _cancelling_sums(value: sp.Basic) -> list[sp.Expr]:
    """The numeric sums in ``value`` and in its common-factor form that do not settle.

    ``w*2**(1/1000) - w*1.000693...`` hides its cancelling sum until SymPy
    factors out ``w``, as Min, Max and comparisons do.
    """
    found = []
    for form in (value, sp.factor_terms(value)):
        for sub in sp.preorder_traversal(form):
            if isinstance(sub, sp.Add) and sub.is_number and not _settles(sub):
                found.append(sub)
    return found


def _flat_arguments(kind: type, args: list[sp.Basic]) -> list[sp.Basic]:
    """The arguments SymPy will compare: Min(Min(a, b), c) is Min(a, b, c)."""
    flat = []
    for arg in args:
        flat.extend(arg.args if isinstance(arg, kind) else [arg])
    return flat


def _bits(value: sp.Rational) -> int:
    return max(abs(int(value.p)).bit_length(), int(value.q).bit_length())


class _Builder:
    """Walks the syntax tree and builds SymPy objects from whitelisted nodes only.

    ``condition`` says a truth value is expected (a Piecewise condition):
    only there are comparisons, ``and``/``or``/``not``/``&`` and True/False allowed.
    """

    def __init__(self, source: _Source, names: Mapping[str, sp.Basic], functions: frozenset[str]) -> None:
        self.source = source
        self.names = names
        self.functions = functions
        self.root: Optional[ast.AST] = None

    def build(self, node: ast.AST, condition: bool = False) -> sp.Basic:
        handler = getattr(self, "_" + type(node).__name__, None)
        if handler is None:
            what = _SYNTAX_NAMES.get(type(node), f"'{type(node).__name__}' syntax is")
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
        bits = max((_bits(r) for r in value.atoms(sp.Rational)), default=0)
        if bits > MAX_NUMBER_BITS:
            raise InputError(f"number too large ({bits} bits, at most {MAX_NUMBER_BITS}): {self.source.quote(node)}")
        if value.is_Rational or not (isinstance(value, sp.Expr) and value.is_number):
            return
        try:
            approx = _approximate(value)
        except _Unsettled:
            raise InputError(_NEAR_ZERO.format(self.source.quote(node))) from None
        if approx is not None and node is not self.root and approx.as_real_imag()[1] != 0:
            # Complex intermediate values make SymPy expand real and imaginary
            # parts, exponentially in the nesting; only a whole expression may be
            # complex (so parse_k can say "k must be a real number, got I").
            raise InputError(
                f"complex numbers are not allowed: {self.source.quote(node)} is {_show(value)}"
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
                f"cannot build expression: {self.source.quote(node)}: {_first_line(error)}"
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
            raise InputError(f"invalid number {_echo(text)}")
        exponent = int(match.group(3) or 0)
        if exponent > MAX_DECIMAL_EXPONENT:
            raise InputError(f"number too large: {_short(text)}")
        if exponent < -MAX_DECIMAL_EXPONENT:
            raise InputError(f"number too small: {_short(text)}")
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
        if name in self.functions or name == _BAR:
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
        if op is not ast.Pow and op not in _ARITHMETIC:
            symbol = _OPERATOR_TEXT.get(op, op.__name__)
            raise InputError(f"operator {symbol!r} is not allowed: {self.source.quote(node)}")
        if op is ast.Pow:
            return self._power(node, self.build(node.left), self.build(node.right))
        spine = [node]  # a loop, not recursion, along a + b + c + ...
        while _chain(spine[-1].left) == _chain(node):
            spine.append(spine[-1].left)
        value = self.build(spine[-1].left)
        for link in reversed(spine):
            value = self._construct(link, _ARITHMETIC[type(link.op)], value, self.build(link.right))
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
            size = _magnitude(exponent)
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
                    digits = abs(mpmath.log(_magnitude(base), 2))
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
        return _show(sp.Pow(base, exponent, evaluate=False))

    # ---- conditions

    def _need_condition(self, node: ast.AST, what: str, condition: bool) -> None:
        if not condition:
            raise InputError(f"{what} only allowed in Piecewise conditions: {self.source.quote(node)}")

    def _condition(self, node: ast.AST) -> sp.Basic:
        value = self.build(node, condition=True)
        if not isinstance(value, _TRUTH_VALUES):  # not Boolean: a Symbol is one
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
            relation = _COMPARISONS.get(type(op))
            if relation is None:
                symbol = _OPERATOR_TEXT.get(type(op), type(op).__name__)
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
        if name == _BAR:
            if not {"abs", "Abs"} & self.functions:
                raise InputError("absolute value bars |...| are not allowed here")
            return self._construct(node, sp.Abs, self.build(node.args[0]))
        if name not in self.functions:
            if name in self.names or name in CONSTANTS:
                raise InputError(f"{name!r} is not a function: {self.source.quote(node)}")
            raise InputError(f"unknown function {name!r} in expression")
        make, fewest, most = _FUNCTION_TABLE[name]
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
            self._check_comparable(node, _flat_arguments(make, args))
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
                if self._construct(node, _cancelling_sums, difference):
                    raise InputError(_NEAR_ZERO.format(self.source.quote(node)))

    def _check_root(self, node: ast.AST, base: sp.Basic) -> None:
        # SymPy factors a rational to simplify its root: fast up to ~1000 bits,
        # seconds beyond a few thousand.
        if isinstance(base, sp.Rational) and _bits(base) > MAX_ROOT_BITS:
            raise InputError(
                f"number too large to take a root of (at most {MAX_ROOT_BITS} bits): {self.source.quote(node)}"
            )

    def _check_exp(self, node: ast.AST, arg: sp.Basic) -> None:
        # exp of a number is kept symbolic, but comparing it evaluates it:
        # exp(exp(exp(10))) would take minutes and gigabytes.
        if not isinstance(arg, sp.Expr):
            return
        if arg.is_number and arg not in (sp.oo, -sp.oo) and _magnitude(arg) > MAX_EXP_ARGUMENT:
            raise InputError(
                f"exponent too large in exp({_show(arg)}) (at most {MAX_EXP_ARGUMENT}): {self.source.quote(node)}"
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


# --------------------------------------------------------------------------- time limit


def _too_slow() -> InputError:
    return InputError(f"expression too costly to build (gave up after {TIME_LIMIT:g} s); simplify it")


# --------------------------------------------------------------------------- public API


def parse_expression(
    text: str,
    *,
    names: Optional[Mapping[str, sp.Basic]] = None,
    functions: Optional[frozenset[str]] = None,
) -> sp.Basic:
    """Parse ``text`` into a SymPy expression without running any code.

    Parameters
    ----------
    text : str
        Untrusted input such as ``"3/2*sign(w)*sqrt(|w|)"``.  ``^`` and ``**``
        are powers, ``|x|`` is ``Abs(x)`` (``2|w|`` is ``2*Abs(w)``), decimals
        are exact (``0.1`` is ``1/10``).  Comparisons, ``and``/``or``/``not``,
        ``&`` and ``True``/``False`` are only allowed in Piecewise conditions.
    names : mapping of str to sympy.Basic, optional
        The free names allowed, e.g. ``{"w": Symbol("w", real=True)}``.  By
        default there are none.  ``pi``, ``E``, ``oo`` (``inf``, ``infinity``)
        are always known.
    functions : frozenset of str, optional
        The function names allowed, a subset of :data:`FUNCTIONS` (the
        default): ``abs``/``Abs``, ``sign``, ``sqrt``, ``cbrt`` (real cube
        root), ``exp``, ``log`` (``log(x)`` or ``log(x, base)``),
        ``Piecewise``, ``Heaviside``, ``Min``, ``Max``.  Bars need ``abs``.

    Returns
    -------
    sympy.Basic
        The expression, evaluated as SymPy normally does (``1+1/3`` is ``4/3``).

    Raises
    ------
    InputError
        With a one-line message naming the offending part, for anything
        outside the whitelist, too long, too deep, too large or undefined.

    Examples
    --------
    >>> import sympy as sp
    >>> w = sp.Symbol("w", real=True)
    >>> parse_expression("1.5*w/sqrt(abs(w))", names={"w": w})
    3*w/(2*sqrt(Abs(w)))
    >>> parse_expression("|w - |w||", names={"w": w})
    Abs(w - Abs(w))
    >>> parse_expression("Piecewise((w^2, w > 0), (0, True))", names={"w": w})
    Piecewise((w**2, w > 0), (0, True))
    >>> parse_expression("__import__('os')")
    Traceback (most recent call last):
    ...
    lksym.errors.InputError: names starting with '_' are not allowed: '__import__'
    """
    try:
        with TraceLimit(TIME_LIMIT):
            return _parse_expression(text, names, functions)
    except OutOfTime:
        raise _too_slow() from None


def _parse_expression(
    text: str, names: Optional[Mapping[str, sp.Basic]], functions: Optional[frozenset[str]]
) -> sp.Basic:
    if not isinstance(text, str):
        raise InputError(f"expression must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise InputError(f"expression too long ({len(text)} characters, at most {MAX_LENGTH})")
    _check_characters(text)
    if not text.strip():
        raise InputError("empty expression")
    allowed = FUNCTIONS if functions is None else frozenset(functions)
    if allowed - FUNCTIONS:
        raise InputError(f"unsupported function names: {', '.join(sorted(allowed - FUNCTIONS))}")
    source = _scan(text)
    tree = _parse(source)
    builder = _Builder(source, dict(names or {}), allowed)
    try:
        return builder.build_root(tree)
    except InputError:
        raise
    except Exception as error:  # noqa: BLE001 - the promise is: InputError or a result
        raise InputError(f"cannot build expression: {_first_line(error)}") from None


def parse_k(text: str | int | float | sp.Basic, *, allow_symbol: bool = False) -> sp.Expr:
    """Parse an exponent k: a positive real exact number (or the symbol k if allow_symbol).

    Parameters
    ----------
    text : str, int, float or SymPy number
        ``"3"``, ``"3/2"``, ``"1.5"``, ``"sqrt(2)"``, ``"pi"``, ``"2^(1/2)"``...
        Surrounding whitespace is ignored.  A Python float is read from its
        shortest decimal form (``0.1`` is ``1/10``), as is a SymPy Float.
    allow_symbol : bool
        Accept the bare text ``"k"`` and return the positive symbol :data:`K`.

    Returns
    -------
    sympy.Expr
        An exact number: Integer, Rational or an exact irrational such as
        ``sqrt(2)``, with :math:`0 < k \\le 1000`; a rational k has a
        denominator of at most :data:`MAX_K_DENOMINATOR` and is 1, 2 or at
        least ``1/MAX_POLE_EXPONENT`` away from them.  Or :data:`K`.

    Raises
    ------
    InputError
        For text that is not such a number; the message echoes the input.

    Examples
    --------
    >>> parse_k("1.5"), parse_k(" 0.1 "), parse_k("1+1/3"), parse_k(0.1)
    (3/2, 1/10, 4/3, 1/10)
    >>> parse_k("2^(1/2)")
    sqrt(2)
    >>> parse_k("k", allow_symbol=True)
    k
    >>> parse_k("-1")
    Traceback (most recent call last):
    ...
    lksym.errors.InputError: k must be positive, got -1
    >>> parse_k("1+2j")
    Traceback (most recent call last):
    ...
    lksym.errors.InputError: invalid k '1+2j': complex numbers are not allowed: '2j'
    """
    try:
        with TraceLimit(TIME_LIMIT):
            return _parse_k(text, allow_symbol)
    except OutOfTime:
        raise InputError(f"invalid k {_echo(str(text))}: {_too_slow()}") from None


_NAMED_K = re.compile(r"[lL]\s*(\d+(?:\.\d*)?|\.\d+|\d+\s*/\s*\d+)", re.ASCII)
_WORD_K = {"lasso": "1", "ridge": "2"}
K_NAMES = ("lasso (l1)", "ridge (l2)", "l<k> or L<k> (l1.5, L2)")
"""The names of |w|^k that :func:`k_alias` reads, as shown in messages."""


def k_alias(text: str) -> Optional[str]:
    """The number behind a name of :math:`|w|^k` (the article's ``l1.5``, ``L2``; ``lasso``, ``ridge``), else ``None``.

    ``l0`` is not one: it names the L0 penalty (counting), not a power.

    Examples
    --------
    >>> k_alias("l1.5"), k_alias(" L2 "), k_alias("lasso"), k_alias("Ridge"), k_alias("l3/2"), k_alias("scad")
    ('1.5', '2', '1', '2', '3/2', None)
    """
    stripped = text.strip()
    match = _NAMED_K.fullmatch(stripped)
    if match and re.search(r"[1-9]", match.group(1).partition("/")[0]):
        return match.group(1).replace(" ", "")
    return _WORD_K.get(stripped.lower())


def _parse_k(text: str | int | float | sp.Basic, allow_symbol: bool) -> sp.Expr:
    if isinstance(text, str) and k_alias(text) is not None:
        text = k_alias(text)
    if isinstance(text, bool):
        raise InputError(f"k must be text or a number, got {text!r}")
    if isinstance(text, sp.Basic) and not isinstance(text, sp.Float):
        value, shown = text, _show(text)
        if allow_symbol and isinstance(value, sp.Symbol) and value.name == "k":
            return K
    elif isinstance(text, numbers.Integral):
        value, shown = sp.Integer(int(text)), str(int(text))
    elif isinstance(text, numbers.Rational):
        value, shown = sp.Rational(int(text.numerator), int(text.denominator)), str(text)
    elif isinstance(text, (str, float, Decimal, sp.Float)):
        shown = text.strip() if isinstance(text, str) else repr(text) if isinstance(text, float) else str(text)
        if isinstance(text, float) and not math.isfinite(text):
            raise InputError(f"k must be a finite real number, got {shown}")
        if shown == "k":
            if allow_symbol:
                return K
            raise InputError("symbolic k is not supported here; give a number such as 3/2")
        try:
            value = _parse_expression(shown, {"k": K} if allow_symbol else None, None)
        except InputError as error:
            raise InputError(f"invalid k {_echo(shown)}: {error}") from None
    else:
        raise InputError(f"k must be text or a number, got {type(text).__name__}")
    try:
        return _check_k(value, shown, allow_symbol)
    except InputError:
        raise
    except Exception as error:  # noqa: BLE001 - the promise is: InputError or a result
        raise InputError(f"invalid k {_echo(shown)}: cannot evaluate it: {_first_line(error)}") from None


def _check_k(value: sp.Basic, shown: str, allow_symbol: bool) -> sp.Expr:
    printed = _show(value)
    got = f"got {printed}" if printed == shown else f"got {printed} (from {_echo(shown)})"
    if not isinstance(value, sp.Expr):
        raise InputError(f"k must be a number, {got}")
    if value.free_symbols:
        if allow_symbol:
            raise InputError(f"symbolic k must be given as the bare symbol 'k', {got}")
        raise InputError(f"k must be a number, {got}")
    if value.has(sp.oo, -sp.oo, sp.zoo, sp.nan) or value.is_finite is False:
        raise InputError(f"k must be a finite real number, {got}")
    if not _decide(value.is_real, lambda v: v.as_real_imag()[1] == 0, value):
        raise InputError(f"k must be a real number, {got}")
    if not _decide(value.is_positive, lambda v: v > mpmath.mpf(10) ** -40, value):
        raise InputError(f"k must be positive, {got}")
    if _decide(_truth(value > MAX_K), lambda v: v > MAX_K, value, undecided=True):
        raise InputError(f"k must be at most {MAX_K}, {got}")
    if value.is_Rational and value.q > MAX_K_DENOMINATOR:
        raise InputError(f"k has too many digits (at most 3 decimal places, denominator at most {MAX_K_DENOMINATOR}), {got}")
    if _decide(_truth(value < MIN_K), lambda v: v < mpmath.mpf(MIN_K.p) / MIN_K.q, value, undecided=True):
        raise InputError(f"k must be at least {MIN_K}, {got}")
    # Exact answers raise numbers to 1/(k-1) and 1/(k-2): for k within 1/100 of 1 or 2 that is a
    # power with thousands of digits (k = 0.999 needs 3-digit numbers to the 1000th), rational or not.
    for pole in (1, 2):
        if _near_pole(value, pole):
            raise InputError(
                f"k is too close to {pole} for exact results (|k - {pole}| must be 0 or at least "
                f"1/{MAX_POLE_EXPONENT}), {got}"
            )
    return stable_form(value)


def stable_form(value: sp.Expr) -> sp.Expr:
    """``value`` with every power of a unit fraction written as a power of an integer: ``(1/2)^a`` as ``2^(-a)``.

    SymPy turns :math:`(1/n)^a` into :math:`n^{-a}` in some operations and not in others, so
    an exponent k in the first form met itself in the second as a different power of x
    (``(1/2)^(1/2)^(1/2)`` left a tie equation of three terms).  Given in the form SymPy
    settles on, every later expression in k agrees with itself.

    Examples
    --------
    >>> stable_form(sp.Rational(1, 2) ** sp.pi), stable_form(sp.Rational(1, 3) ** (sp.Rational(1, 2) ** sp.pi))
    (2**(-pi), 3**(-1/2**pi))
    """
    def unit_fraction_power(e) -> bool:
        return e.is_Pow and e.base.is_Rational and e.base.p == 1 and e.base.q > 1 and not e.exp.is_Rational

    return value.replace(unit_fraction_power, lambda e: sp.Pow(sp.Integer(e.base.q), -e.exp))


def _near_pole(value: sp.Expr, pole: int) -> bool:
    """Whether ``0 < |value - pole| < 1/MAX_POLE_EXPONENT``, for any exact real ``value``.

    A rational k is decided exactly.  For any other k the difference is evaluated
    with SymPy's adaptive precision, which is accurate far below 1/100 in absolute
    terms even where it cancels (2 - 1/(10**300*E)); a difference SymPy cannot
    tell from 0 (a disguised 2, or a k closer than any working precision) counts
    as too close, so the question is always answered, and quickly.
    """
    difference = value - pole
    if difference == 0:
        return False
    if difference.is_Rational:
        return abs(difference) * MAX_POLE_EXPONENT < 1
    try:
        approx = abs(sp.N(difference, 15))
        return not bool(approx * MAX_POLE_EXPONENT >= 1)
    except Exception:  # noqa: BLE001 - cannot evaluate: cannot tell it from the pole
        return True


def _truth(relation: sp.Basic) -> Optional[bool]:
    return bool(relation) if relation in (sp.true, sp.false) else None


def _decide(
    exact: Optional[bool], numeric: Callable[[sp.Expr], object], value: sp.Expr, undecided: bool = False
) -> bool:
    """SymPy's exact answer, else the answer at 50 digits, else ``undecided``."""
    if exact is not None:
        return bool(exact)
    try:
        approx = sp.N(value, 50)
        return bool(numeric(approx)) if approx.is_number else undecided
    except Exception:  # noqa: BLE001 - cannot evaluate: treat as undecided
        return undecided


def parse_real(text: str, name: str, *, positive: bool = False) -> sp.Expr:
    """Parse a user-typed real number exactly (``"0.1"`` is 1/10), never through ``sympify``.

    Raises
    ------
    lksym.errors.InputError
        For anything but a finite real number (positive if asked).

    Examples
    --------
    >>> parse_real("0.1", "lam", positive=True), parse_real("-sqrt(2)", "z")
    (1/10, -sqrt(2))
    """
    try:
        value = parse_expression(text.strip() if isinstance(text, str) else text)
    except InputError as error:
        raise InputError(f"invalid {name}: {error}") from None
    if not isinstance(value, sp.Expr) or value.free_symbols or value.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        raise InputError(f"{name} must be a finite real number, got {text!r}")
    approx = sp.N(value, 30)
    if not approx.is_real or not approx.is_finite:
        raise InputError(f"{name} must be a finite real number, got {text!r}")
    if positive and not approx > 0:
        raise InputError(f"{name} must be positive, got {text!r}")
    if abs(approx) > 1e12:
        raise InputError(f"{name} must be at most 1e12 in size, got {text!r}")
    return value
