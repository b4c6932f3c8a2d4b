r"""Untrusted text to a bounded Python syntax tree, with one-line syntax messages.

Job: the first two steps of reading an expression.

1. :func:`check_characters` refuses non-ASCII and control characters;
   :func:`scan` refuses tokens that are no part of an expression (strings,
   names starting with ``_``, ``#``, ``\``, ``2w``), balances brackets and bars
   within :data:`~lksym.derivation.expr.limits.MAX_DEPTH`, and rewrites ``^``
   as ``**`` and ``|x|`` as a call of :data:`~lksym.derivation.expr.whitelist.BAR`.
2. :func:`parse_tree` hands the rewritten code to :func:`ast.parse` in ``eval``
   mode (which only parses; nothing runs) and bounds the tree to
   :data:`~lksym.derivation.expr.limits.MAX_NODES` nodes and
   :data:`~lksym.derivation.expr.limits.MAX_DEPTH` levels.

Contracts
---------
- Both raise only :class:`lksym.errors.InputError` for bad text, with a
  one-line message that quotes the user's own text (:class:`Source` maps the
  rewrite back to it), never the rewrite.
- A tree :func:`parse_tree` returns is small enough for the builder to recurse
  on; no check here depends on global state, so it holds in any thread.

Examples
--------
>>> source = scan("2|w|^0.5")
>>> source.code
'2*_bar(w)**0.5'
>>> ast.dump(parse_tree(source).body.op)
'Mult()'
"""

from __future__ import annotations

import ast
import keyword
import re
from typing import Optional

from lksym.derivation.expr.limits import MAX_DEPTH, MAX_NODES
from lksym.derivation.expr.messages import echo, short
from lksym.derivation.expr.whitelist import BAR
from lksym.errors import InputError

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
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}


class Source:
    """The user's text and the rewritten code handed to :func:`ast.parse`.

    ``origin[i]`` is the index in the user's text that produced ``code[i]``, so
    messages can quote what the user wrote rather than the rewrite.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._parts: list[str] = []
        self.origin: list[int] = []

    def emit(self, code: str, at: int) -> None:
        """Append ``code``, all of it produced by the user's character at ``at``."""
        self._parts.append(code)
        self.origin.extend([at] * len(code))

    def emit_token(self, token: str, start: int) -> None:
        """Append the user's ``token`` unchanged, found at ``start``."""
        self._parts.append(token)
        self.origin.extend(range(start, start + len(token)))

    @property
    def code(self) -> str:
        """The rewritten text handed to :func:`ast.parse`."""
        return "".join(self._parts)

    def original(self, start: int, end: int) -> str:
        """The user's text behind ``code[start:end]``."""
        if not self.origin:
            return ""
        start = min(max(start, 0), len(self.origin) - 1)
        end = min(max(end, start + 1), len(self.origin))
        return self.text[self.origin[start] : self.origin[end - 1] + 1]

    def segment(self, node: ast.AST) -> str:
        """The user's text behind a node of the tree parsed from :attr:`code`."""
        return self.original(node.col_offset, node.end_col_offset)

    def quote(self, node: ast.AST) -> str:
        """:meth:`segment`, stripped, quoted and shortened for a message."""
        return echo(self.segment(node).strip())


def check_characters(text: str) -> None:
    """Raise :class:`InputError` for a non-ASCII or control character (blanks are allowed)."""
    for ch in text:
        if ord(ch) > 127:
            raise InputError(f"non-ASCII character {ch!r} (U+{ord(ch):04X}) in expression")
        if not ch.isprintable() and ch not in " \t\n\r\v\f":
            raise InputError(f"control character {ch!r} in expression")


def scan(text: str) -> Source:
    """Rewrite ``^`` and ``|...|`` and catch what :mod:`ast` would hide or misread.

    A bar opens at the start, after an operator, ``(``, ``,`` or another opening
    bar; otherwise it closes the innermost open bar.  After a number with no bar
    open (``2|w|``) it opens, with an implied ``*``.
    """
    source = Source(text)
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
            raise InputError(f"strings are not allowed in expression: {echo(literal)}")
        following = text[match.end() : match.end() + 1]
        if kind == "number" and re.match(r"[\w.]", following):
            # 2w, 1if, 1.__class__, 1..2: Python would fail or, for 1if, merely warn.
            hint = _IMPLICIT_PRODUCT if re.match(r"[A-Za-z_]", following) else ""
            raise InputError(_syntax_near(text, start) + hint)
        if kind == "name" and token.startswith("_"):
            raise InputError(f"names starting with '_' are not allowed: {echo(token)}")
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


def _bar(source: Source, stack: list[tuple[str, int]], previous: str, start: int) -> str:
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
        source.emit(BAR + "(", start)
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


def parse_tree(source: Source) -> ast.Expression:
    """The syntax tree of ``source.code`` (``eval`` mode), bounded in nodes and depth.

    Raises
    ------
    InputError
        For a syntax error (quoting the user's text near it), or a tree too large or too deep.
    """
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
        raise InputError(f"invalid syntax: {first_line(error)}") from None
    _check_size(tree)
    return tree


def _syntax_message(source: Source, error: SyntaxError) -> str:
    code = source.code
    offset = (error.offset or 0) - 1  # CPython reports 0 for "ran out of input"
    if error.lineno not in (None, 1) or not 0 <= offset < len(code.rstrip()):
        return "invalid syntax near the end of the expression (is something missing?)"
    return _syntax_near(source.text, source.origin[offset])


_IMPLICIT_PRODUCT = " (implicit multiplication is not supported: write 2*w, not 2w)"


def _syntax_near(text: str, at: int) -> str:
    words = text[at:].split()
    near = short(words[0] if words else text[at:], 20)
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
            in_chain = chain(node) is not None and child is node.left and chain(child) == chain(node)
            stack.append((child, depth if in_chain else depth + 1))


def chain(node: ast.AST) -> Optional[str]:
    """``"sum"`` or ``"product"`` for a ``+ -`` or ``* /`` node, else None."""
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, (ast.Add, ast.Sub)):
            return "sum"
        if isinstance(node.op, (ast.Mult, ast.Div)):
            return "product"
    return None
