r"""SymPy expressions as code for ``torch`` or ``numpy``: the printers behind :mod:`lksym.writers.export`.

Each function here turns one derived expression into text of the generated module;
:func:`lksym.writers.export.module_source` assembles the module from them.

* :func:`backend_code`: an expression of tensors as one expression of the backend, printed by
  SymPy's own printers (:class:`sympy.printing.pytorch.TorchPrinter`,
  :class:`sympy.printing.numpy.NumPyPrinter`) with subexpressions in ``lam`` alone as Python
  floats (:class:`ScalarPrinter`), infix comparisons and ``Piecewise`` as nested ``where``.
* :func:`statements` and :func:`statements_by_lam`: a closed form as a sequence of in-place
  operations on one temporary (:class:`_Tape`): on 10^7 elements a new tensor per operation
  costs as much as the arithmetic.
* :func:`needs_polish`, :func:`form_propagates`: what a closed form needs around it (a
  Newton step against cancellation; an explicit pass for NaN and inf).
* :func:`float_literal`, :func:`formula_text`: numbers and formulas as the module's text shows them.

Contract: pure functions of their arguments, deterministic (same expression, same text); the
printed code uses only the backend module named and the standard library's ``math``.

Examples
--------
>>> from lksym.numerics.kernel import X
>>> backend_code(X**2 / 2, "numpy")
'(1/2)*x**2'
>>> statements(ZN**sp.Rational(3, 2), "torch", "z", "")
['# z**(3/2)', 't0 = torch.sqrt(z)', 'torch.mul(t0, z, out=t0)', 'return t0']
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pycode import PythonCodePrinter
from sympy.printing.pytorch import TorchPrinter

from lksym.numerics.kernel import X, ZN, Kernel

TENSORS = frozenset({X, ZN})
"""The symbols that stand for tensors (arrays) in generated code; ``lam`` is a Python float."""


class ScalarPrinter(PythonCodePrinter):
    """Subexpressions in ``lam`` alone: Python floats through :mod:`math`."""

    def _print_Piecewise(self, expr):
        return _ternary(self, expr)


def _ternary(printer, expr) -> str:
    (value, condition), rest = expr.args[0], expr.args[1:]
    if condition == sp.true or not rest:
        return printer._print(value)
    return f"({printer._print(value)} if {printer._print(condition)} else {printer._print(sp.Piecewise(*rest))})"


def _printer(base):
    class Printer(base):
        """``base`` with ``lam``-only subexpressions as Python floats, infix comparisons, and Piecewise as nested where."""

        def __init__(self, module: str):
            super().__init__({"fully_qualified_modules": True})
            self.module = module
            self.scalar = ScalarPrinter({"fully_qualified_modules": True})

        def _print(self, expr, **kwargs):
            if isinstance(expr, sp.Basic) and not (expr.free_symbols & TENSORS):
                return self.scalar._print(expr)
            return super()._print(expr, **kwargs)

        def _print_Relational(self, expr):
            return f"({self._print(expr.lhs)} {expr.rel_op} {self._print(expr.rhs)})"

        def _print_And(self, expr):
            return "(" + " & ".join(self._print(a) for a in expr.args) + ")"

        def _print_Or(self, expr):
            return "(" + " | ".join(self._print(a) for a in expr.args) + ")"

        def _print_Piecewise(self, expr):
            (value, condition), rest = expr.args[0], expr.args[1:]
            if condition == sp.true or not rest:
                return self._print(value)
            other = sp.Piecewise(*rest)
            if not (condition.free_symbols & TENSORS):
                return f"({self._print(value)} if {self._print(condition)} else {self._print(other)})"
            first, second = self._print(value), self._print(other)
            if not ((value.free_symbols | other.free_symbols) & TENSORS):
                # Two constants would give a tensor of the default dtype: one takes the shape and dtype of the input.
                tensor = sorted(condition.free_symbols & TENSORS, key=str)[0]
                second = f"{self.module}.full_like({tensor}, {second})"
            return f"{self.module}.where({self._print(condition)}, {first}, {second})"

        def _print_log1p(self, expr):
            return f"{self.module}.log1p({self._print(expr.args[0])})"

        def _print_expm1(self, expr):
            return f"{self.module}.expm1({self._print(expr.args[0])})"

    return Printer


def rationalised(expr: sp.Expr) -> sp.Expr:
    r"""``expr`` with each :math:`\sqrt{A} - B` (:math:`B > 0`, :math:`A - B^2` free of the root) as
    :math:`(A - B^2) / (\sqrt{A} + B)`: it cancels where :math:`A \approx B^2`
    (:math:`|w|^{1.5}`'s :math:`\sqrt{9\lambda^2 + 16 z} - 3\lambda` is 0 for :math:`z \ll \lambda^2`); the quotient does not.

    Examples
    --------
    >>> lam = sp.Symbol("lam", positive=True)
    >>> rationalised(sp.sqrt(9 * lam**2 + 16 * ZN) - 3 * lam)
    16*z/(3*lam + sqrt(9*lam**2 + 16*z))
    """

    def difference(e):
        if not (isinstance(e, sp.Add) and len(e.args) == 2 and e.free_symbols & TENSORS):
            return False
        roots = [a for a in e.args if isinstance(a, sp.Pow) and a.exp == sp.S.Half]
        return len(roots) == 1 and (-(e - roots[0])).is_positive is True

    def rewrite(e):
        root = next(a for a in e.args if isinstance(a, sp.Pow) and a.exp == sp.S.Half)
        b = -(e - root)
        top = sp.expand(root.base - b**2)
        return top / (root + b) if not top.has(root) and sp.count_ops(top) < sp.count_ops(root.base) else e

    return expr.replace(difference, rewrite)


_TorchCode = _printer(TorchPrinter)
_NumPyCode = _printer(NumPyPrinter)


def backend_code(expr: sp.Expr, backend: str, tensor: str = "x") -> str:
    """``expr`` as an expression of ``backend``; a constant is spread to the shape and dtype of ``tensor``."""
    printer = _TorchCode("torch") if backend == "torch" else _NumPyCode("numpy")
    if not (expr.free_symbols & TENSORS):
        return f"{printer.module}.full_like({tensor}, {printer.scalar.doprint(expr)})"
    return printer.doprint(expr)


def float_literal(expr: sp.Expr) -> str:
    if expr == sp.oo:
        return "math.inf"
    if expr == -sp.oo:
        return "-math.inf"
    return repr(float(expr))


def formula_text(expr) -> str:
    if isinstance(expr, sp.Basic):
        expr = expr.subs(X, sp.Symbol("t", positive=True))
    return sp.sstr(expr).replace("\n", " ")


def statements_by_lam(form: sp.Expr, backend: str) -> list:
    """The body of ``_closed_form``: one ``if`` per range of lam (SCAD's, MCP's), each returning its form in z."""
    if isinstance(form, sp.Piecewise) and not any(c.free_symbols & TENSORS for _, c in form.args):
        scalar = ScalarPrinter({"fully_qualified_modules": True})
        lines = []
        for value, condition in form.args:
            if condition == sp.true:
                return lines + statements(value, backend, "z", "    ")
            lines += [f"    if {scalar.doprint(condition)}:", *statements(value, backend, "z", "        ")]
        lines.append("    raise ValueError('lam outside every range')")  # never: the last range is 'True'
        return lines
    return statements(form, backend, "z", "    ")


def needs_polish(k: Kernel) -> bool:
    """A one-piece penalty, continuous prox from 0, whose closed form takes a root or a function of z.

    Such a form cancels for small |z| (L3's sqrt(1 + 12 lam z) - 1 loses half the digits of float32);
    a jump threshold (L0.5's trigonometric form) keeps the small |z| at 0 and needs no step.
    """
    if len(k.pieces) != 1 or k.threshold != 0:
        return False
    for node in sp.preorder_traversal(k.closed_form):
        if ZN in getattr(node, "free_symbols", ()) and (isinstance(node, sp.Function) and not isinstance(node, sp.Piecewise)
                                                       or isinstance(node, sp.Pow) and not node.exp.is_Integer):
            return True
    return False


def form_propagates(form: sp.Expr) -> bool:
    """Whether every last branch of ``form`` (a Piecewise, nested in ranges of lam) gives inf at z = inf and NaN at NaN.

    The conditions in z are false at NaN, so the last branch is taken; if it is an expression in z it is NaN there.
    """
    if isinstance(form, sp.Piecewise):
        last = form.args[-1][0]
        inner = [e for e, c in form.args if not (c.free_symbols & TENSORS)]
        if any(c.free_symbols & TENSORS for _, c in form.args):
            inner = [last]
        return all(form_propagates(e) for e in inner)
    if ZN not in form.free_symbols:
        return False
    try:
        return sp.limit(form, ZN, sp.oo) == sp.oo and form.subs(ZN, sp.oo) == sp.oo
    except (TypeError, ValueError, NotImplementedError):
        return False


# --------------------------------------------------------------------------- closed forms as in-place statements

_UNARY = {sp.exp: "exp", sp.log: "log", sp.sin: "sin", sp.cos: "cos", sp.tan: "tan", sp.asin: "asin", sp.acos: "acos",
          sp.atan: "atan", sp.sinh: "sinh", sp.cosh: "cosh", sp.tanh: "tanh", sp.Abs: "abs", sp.sign: "sign"}
"""The elementwise functions written as one in-place call each (SymPy class: torch name)."""

_NUMPY_NAMES = {"mul": "multiply", "div": "divide", "pow": "power", "asin": "arcsin", "acos": "arccos", "atan": "arctan"}


class _Tape:
    r"""An expression in a tensor as a sequence of single operations, each writing into a temporary it owns.

    Every node of the expression tree is used once, so the result of a node is a temporary its
    parent may overwrite: ``t0 = torch.sqrt(z); torch.mul(t0, z, out=t0)`` computes
    :math:`z^{3/2}` with one allocation instead of ``torch.pow`` and a new tensor per operation (on
    10^7 elements an allocation costs as much as the arithmetic).  Python floats for the parts in
    ``lam`` alone, :math:`b^2` as ``square``, :math:`b^{n + 1/2}` as :math:`b^n \sqrt b`, a
    quotient by a tensor as ``reciprocal``, Piecewise as ``where`` into the last branch.  An input
    symbol is never written to.
    """

    def __init__(self, backend: str):
        self.backend = backend
        self.mod = "torch" if backend == "torch" else "numpy"
        self.printer = _TorchCode("torch") if backend == "torch" else _NumPyCode("numpy")
        self.lines: list = []
        self.count = 0

    def _name(self, op: str) -> str:
        return f"{self.mod}.{_NUMPY_NAMES.get(op, op) if self.backend == 'numpy' else op}"

    def _call(self, op: str, *args, into=None) -> str:
        """``op(args)`` into the temporary ``into`` (in place), or into a new one."""
        if into is None:
            into = f"t{self.count}"
            self.count += 1
            self.lines.append(f"{into} = {self._name(op)}({', '.join(args)})")
        else:
            self.lines.append(f"{self._name(op)}({', '.join(args)}, out={into})")
        return into

    def scalar(self, expr) -> str:
        return self.printer.scalar.doprint(expr)

    def tensor(self, expr) -> tuple:
        """(name, whether it is a temporary this tape may overwrite) of an expression holding a tensor symbol."""
        if expr.is_Symbol:
            return str(expr), False
        if isinstance(expr, sp.Add):
            return self._add(expr)
        if isinstance(expr, sp.Mul):
            return self._mul(expr)
        if isinstance(expr, sp.Pow) and expr.exp.is_Rational and expr.base.free_symbols & TENSORS:
            return self._pow(expr.base, expr.exp)
        if isinstance(expr, sp.Piecewise):
            return self._piecewise(expr)
        if type(expr) in _UNARY and len(expr.args) == 1:
            name, temp = self.tensor(expr.args[0])
            return self._call(_UNARY[type(expr)], name, into=name if temp else None), True
        return self._whole(expr)

    def _whole(self, expr) -> tuple:
        """What has no in-place form here: SymPy's own printing, into a new temporary."""
        name = f"t{self.count}"
        self.count += 1
        self.lines.append(f"{name} = {self.printer.doprint(expr)}")
        return name, True

    def _combine(self, op: str, terms) -> tuple:
        name, temp = self.tensor(terms[0])
        for term in terms[1:]:
            other, other_temp = self.tensor(term)
            into = name if temp else other if other_temp and op in ("add", "mul") else None
            args = (other, name) if into == other else (name, other)
            name, temp = self._call(op, *args, into=into), True
        return name, temp

    def _add(self, expr) -> tuple:
        tensors = [a for a in expr.args if a.free_symbols & TENSORS]
        constant = sp.Add(*[a for a in expr.args if not (a.free_symbols & TENSORS)])
        name, temp = self._combine("add", tensors)
        if constant != 0:
            name, temp = self._call("add", name, self.scalar(constant), into=name if temp else None), True
        return name, temp

    def _mul(self, expr) -> tuple:
        tensors = [a for a in expr.args if a.free_symbols & TENSORS]
        scalars = [a for a in expr.args if not (a.free_symbols & TENSORS)]
        # A denominator in lam (MCP's lam - 3) may be 0 in a branch not taken: a tensor divided by 0.0 is
        # inf there, where a Python float would raise ZeroDivisionError.
        divisor = sp.Mul(*[a.base ** -a.exp for a in scalars if isinstance(a, sp.Pow) and a.exp.is_negative and a.free_symbols])
        constant = sp.Mul(*scalars) * divisor
        above = [a for a in tensors if not (isinstance(a, sp.Pow) and a.exp.is_negative)]
        below = [a.base ** -a.exp for a in tensors if isinstance(a, sp.Pow) and a.exp.is_negative]
        if above:
            name, temp = self._combine("mul", above)
            if below:
                other, _ = self._combine("mul", below)
                name, temp = self._call("div", name, other, into=name if temp else None), True
        else:
            name, temp = self._combine("mul", below)
            name, temp = self._call("reciprocal", name, into=name if temp else None), True
        if constant != 1:
            name, temp = self._call("mul", name, self.scalar(constant), into=name if temp else None), True
        if divisor != 1:
            name, temp = self._call("div", name, self.scalar(divisor), into=name if temp else None), True
        return name, temp

    def _pow(self, base, exp) -> tuple:
        if exp < 0:
            name, temp = self._pow(base, -exp)
            return self._call("reciprocal", name, into=name if temp else None), True
        name, temp = self.tensor(base)
        into = name if temp else None
        if exp == 1:
            return name, temp
        if exp == 2:
            return self._call("square", name, into=into), True
        if exp == sp.Rational(1, 2):
            return self._call("sqrt", name, into=into), True
        if exp.q == 2 and exp < 8:  # b^(n + 1/2) = b^n sqrt(b): sqrt is far cheaper than pow
            root = self._call("sqrt", name)
            if exp.p // 2 > 1:
                name = self._call("pow", name, str(exp.p // 2), into=into)
            return self._call("mul", root, name, into=root), True
        return self._call("pow", name, str(int(exp)) if exp.is_Integer else self.scalar(exp), into=into), True

    def _piecewise(self, expr) -> tuple:
        *firsts, (last, _) = expr.args
        if any(not (c.free_symbols & TENSORS) for _, c in firsts):
            return self._whole(expr)
        if last.free_symbols & TENSORS:
            name, temp = self.tensor(last)
        else:
            name, temp = f"t{self.count}", False
            self.count += 1
            self.lines.append(f"{name} = {self.mod}.full_like({self.printer.doprint(sorted(expr.free_symbols & TENSORS, key=str)[0])}, "
                              f"{self.scalar(last)})")
            temp = True
        for value, condition in reversed(firsts):
            v = self.tensor(value)[0] if value.free_symbols & TENSORS else self.scalar(value)
            c = self.printer.doprint(condition)
            if not temp:
                name, temp = self._call("where", c, v, name), True
            elif self.backend == "torch" and not (value.free_symbols & TENSORS):
                self.lines.append(f"{name}.masked_fill_({c}, {v})")
            elif self.backend == "torch":
                self.lines.append(f"torch.where({c}, {v}, {name}, out={name})")
            else:
                self.lines.append(f"numpy.copyto({name}, {v}, where={c})")
        return name, temp


def statements(expr: sp.Expr, backend: str, tensor: str, indent: str) -> list:
    """Lines computing ``expr`` into a new tensor and returning it (see :class:`_Tape`)."""
    mod = "torch" if backend == "torch" else "numpy"
    if not (expr.free_symbols & TENSORS):
        return [f"{indent}return {mod}.full_like({tensor}, {ScalarPrinter({'fully_qualified_modules': True}).doprint(expr)})"]
    tape = _Tape(backend)
    tape.lines.append(f"# {sp.sstr(expr)}")
    name, temp = tape.tensor(expr)
    if not temp:
        name = f"{name}.{'clone' if backend == 'torch' else 'copy'}()"
    return [indent + line for line in tape.lines] + [f"{indent}return {name}"]
