r"""Exact facts about a penalty under an optimiser: scaling in alpha, first step, two-cycles, fixed points.

The loss is :math:`L(w) = \alpha p(w)` (the article's setting) or, with a data term,
:math:`L(w) = \tfrac c2 (w - T)^2 + \alpha p(w)`; :math:`g = L'(w)` plus ``weight_decay * w`` where that
decay is coupled (``sgd``, ``momentum``, ``nesterov``, ``adam``, ``rmsprop``).

Two-cycles.  Every map here is odd for the penalty alone, so a weight alternating :math:`+a, -a` has its
auxiliary state alternating too: a buffer :math:`b \to -b` (:math:`b^* = \gamma G/(1 + \beta)` for
:math:`b \leftarrow \beta b + \gamma g`), a second moment constant (:math:`v^* = G^2`), where
:math:`G = g(a)`.  Putting that state into the weight update gives the cycle equation:

* SGD: :math:`\mathrm{lr}\,G = 2a`;  heavy ball: :math:`\mathrm{lr}(1-d)\,G = 2(1+\mu)a`;
  Nesterov: :math:`\mathrm{lr}\,G = 2a(1+\mu)/(1+2\mu)`;
* Adam (bias correction faded): :math:`2a = \mathrm{lr}\,\frac{1-\beta_1}{1+\beta_1}\,\frac{G}{G+\epsilon}`,
  so with :math:`\epsilon = 0`, :math:`a = \mathrm{lr}(1-\beta_1)/(2(1+\beta_1))` for every penalty;
  RMSprop: :math:`2a = \mathrm{lr}\,G/(G+\epsilon)`.

Whether a cycle attracts: the eigenvalues (multipliers) of the Jacobian of the two-step map in the full
state :math:`(w, b)` or :math:`(w, m, v)`, computed by SymPy from the update rule itself
(:func:`optimizer_map`).  A 1x1 or 2x2 product has exact eigenvalues; a 3x3 one (Adam) has an exact
characteristic polynomial whose roots are found numerically (the fact says which).

Examples
--------
>>> from lksym.derivation.penalty import parse_subject
>>> from lksym.derivation.optimizers import optimizer
>>> facts = derive_facts(parse_subject("1.5"), optimizer("sgd", lr="0.1"), sp.S.One, None)
>>> cycle = next(f for f in facts if f.name == "two-cycle")
>>> cycle.value, cycle.number
(['9/1600'], [0.005625])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import mpmath
import sympy as sp

from lksym.derivation.exact import bisect_root
from lksym.derivation.optimizers import DataTerm, Optimizer
from lksym.derivation.penalty import Penalty
from lksym.derivation.symbols import ETA, X

@dataclass(frozen=True)
class Fact:
    """One derived fact: a formula, its value at the given parameters, or ``None`` with the reason.

    Attributes
    ----------
    name
        ``"scaling in alpha"``, ``"first step"``, ``"two-cycle"``, ``"two-cycle stability"``,
        ``"fixed points"``, ``"steps to exact zero"``.
    statement
        One line a person reads.
    formula
        Exact SymPy text in the parameters (``None`` where there is none).
    value
        Exact SymPy text(s) of the value at the given parameters, or ``None``.
    number
        The value(s) as floats, or ``None``.
    method
        ``"exact"``, ``"numeric"`` (a float root or eigenvalue of exact data) or ``""``.
    reason
        Why ``value`` is ``None`` (empty otherwise).
    extra
        Further named values (multipliers, whether a cycle attracts), JSON-ready.
    """

    name: str
    statement: str
    formula: Optional[str]
    value: Optional[object]
    number: Optional[object]
    method: str = "exact"
    reason: str = ""
    extra: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- the penalty's derivatives


@dataclass(frozen=True)
class Slopes:
    r""":math:`p'` and :math:`p''` on each piece ``lo < x <= hi`` of the right branch (in ``x``)."""

    pieces: tuple  # (p1, p2, lo, hi)

    def at(self, x: sp.Expr, order: int = 1) -> sp.Expr:
        """:math:`p'(x)` (order 1) or :math:`p''(x)` (order 2) at an exact ``x > 0``."""
        for p1, p2, lo, hi in self.pieces:
            if bool(x > lo) and (hi is sp.oo or bool(x <= hi)):
                return (p1 if order == 1 else p2).subs(X, x)
        raise ValueError("x outside every piece")


def slopes(penalty: Penalty) -> Slopes:
    """The derivatives of every piece of ``penalty`` (cheap: no limit, no prox, no full analysis).

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_subject
    >>> slopes(parse_subject("mcp(lam=1, gamma=3)")).pieces
    ((1 - x/3, -1/3, 0, 3), (0, 0, 3, oo))
    """
    out = []
    for piece in penalty.pieces:
        p1 = sp.diff(piece.expr, X)
        out.append((p1, sp.diff(p1, X), piece.lo, piece.hi))
    return Slopes(tuple(out))


def gradient_at_zero(s: Slopes) -> sp.Expr:
    """:math:`p'(0^+)`: the half-width of the subdifferential at 0 (``oo`` for k < 1)."""
    return sp.limit(s.pieces[0][0], X, 0, "+")


# --------------------------------------------------------------------------- the update rules, symbolically

_w, _b, _v = sp.symbols("w b v", real=True)
_g_symbol = sp.Symbol("g", real=True)
_G, _H = sp.symbols("G H", positive=True)


def _g(w):
    # g(w), the penalty's gradient, as a plain symbol: derivatives in w add H * d/dg (the chain rule),
    # which keeps every substitution a cheap xreplace instead of a subs through Derivative objects.
    return _g_symbol


def optimizer_map(opt: Optimizer) -> tuple[tuple, tuple]:
    r"""The optimiser's step as SymPy: ``(state, next_state)`` in the gradient ``g(w)`` of the loss.

    Bias correction has faded (:math:`t \to \infty`) and the coupled weight decay is in ``g``; an
    optimiser that divides by :math:`\sqrt v` carries ``v`` in its state.

    Examples
    --------
    >>> from lksym.derivation.optimizers import optimizer
    >>> optimizer_map(optimizer("nesterov", lr="1/10", momentum="1/2"))[1]
    (-b/40 - 3*g/20 + w, b/2 + g)
    """
    lr, p = opt.lr, dict(opt.params)
    wd = p.get("weight_decay", sp.S.Zero) if opt.name != "adamw" else sp.S.Zero
    g = _g(_w) + wd * _w
    if opt.name == "sgd":
        return (_w,), (_w - lr * g,)
    if opt.name in ("momentum", "nesterov"):
        mu, d = p["momentum"], p.get("dampening", sp.S.Zero)
        b = mu * _b + (1 - d) * g
        step = g + mu * b if opt.name == "nesterov" else b
        return (_w, _b), (_w - lr * step, b)
    if opt.name in ("adam", "adamw"):
        b1, b2 = p["betas"]
        m, v = b1 * _b + (1 - b1) * g, b2 * _v + (1 - b2) * g**2
        decay = 1 - lr * p["weight_decay"] if opt.name == "adamw" else 1
        return (_w, _b, _v), (decay * _w - lr * m / (sp.sqrt(v) + p["eps"]), m, v)
    if opt.name == "rmsprop":
        v = p["smoothing"] * _v + (1 - p["smoothing"]) * g**2
        return (_w, _v), (_w - lr * g / (sp.sqrt(v) + p["eps"]), v)
    raise ValueError(f"{opt.name} has no gradient map")


def _cycle_state(opt: Optimizer, a: sp.Expr, G: sp.Expr) -> dict:
    r"""The auxiliary state carried into the step from +a, from the alternating gradient G.

    A buffer leaves the step at +a as :math:`b^* = \gamma G/(1+\beta)`, so it enters that step as
    :math:`-b^*` (what the step at -a left); a second moment is the same at both points.
    """
    p = dict(opt.params)
    if opt.name in ("momentum", "nesterov"):
        return {_b: -(1 - p.get("dampening", sp.S.Zero)) * G / (1 + p["momentum"])}
    if opt.name in ("adam", "adamw"):
        b1 = p["betas"][0]
        return {_b: -(1 - b1) * G / (1 + b1), _v: G**2}
    if opt.name == "rmsprop":
        return {_v: G**2}
    return {}


def _at(expr: sp.Expr, point: dict, g_value, h_value) -> sp.Expr:
    return expr.xreplace({_H: h_value, _g_symbol: g_value, **point})


def _jacobian(state, nxt) -> sp.Matrix:
    """d(next)/d(state), with g = g(w): the w column gains H * d/dg."""
    rows = []
    for f in nxt:
        rows.append([sp.diff(f, s) + (_H * sp.diff(f, _g_symbol) if s == _w else 0) for s in state])
    return sp.Matrix(rows)


def _coupled(opt: Optimizer) -> sp.Expr:
    return dict(opt.params).get("weight_decay", sp.S.Zero) if opt.name != "adamw" else sp.S.Zero


def cycle_equation(opt: Optimizer) -> sp.Expr:
    r"""The symmetric two-cycle's equation ``E(a, G) = 0``, with ``G = alpha p'(a)`` (positive).

    Examples
    --------
    >>> from lksym.derivation.optimizers import optimizer
    >>> cycle_equation(optimizer("adam", lr="1/100", eps="0"))
    2*a - 1/1900
    """
    a = sp.Symbol("a", positive=True)
    state, nxt = optimizer_map(opt)
    G = _G + _coupled(opt) * a  # the loss gradient at +a
    point = {_w: a, **_cycle_state(opt, a, G)}
    # together(), not simplify(): simplify imports sympy.physics (a second) for nothing here.
    equation = sp.together(sp.expand(_at(nxt[0], point, _G, _H) + a))
    if sp.fraction(equation)[1].is_number:
        equation = sp.expand(equation)
    return equation.subs(_G, sp.Symbol("G", positive=True))


def _multipliers(opt: Optimizer, a: sp.Expr, G: sp.Expr, H: sp.Expr) -> tuple[list, str, Optional[str]]:
    """Eigenvalues of the two-step Jacobian at the cycle (values, method, exact characteristic polynomial)."""
    state, nxt = optimizer_map(opt)
    J = _jacobian(state, nxt)
    wd = _coupled(opt)
    aux = _cycle_state(opt, a, G + wd * a)
    plus = {_w: a, **aux}
    minus = {_w: -a, **{s: (-v if s == _b else v) for s, v in aux.items()}}
    Jp = J.applyfunc(lambda e: _at(e, plus, G + wd * a, H + wd))
    Jm = J.applyfunc(lambda e: _at(e, minus, -(G + wd * a), H + wd))
    lam = sp.Symbol("lambda")
    # An adaptive step at an irrational cycle: sqrt(v) of a radical makes the exact eigenvalues radical
    # expressions of ~50,000 characters that take minutes to expand and evaluate; numbers instead (said so).
    irrational = opt.adaptive and not all(x.is_Rational for x in (a, G, H))
    if J.shape[0] == 1:
        value = sp.expand(Jm[0, 0] * Jp[0, 0])
        return [value], "exact", sp.sstr(lam - value)
    if J.shape[0] == 2 and not irrational:
        # By hand, not Matrix.charpoly(): that simplifies every entry (and imports sympy.physics), seconds per report.
        M = (Jm * Jp).applyfunc(sp.expand)  # no radsimp: a second per report for tidier text only
        trace, det = sp.expand(M[0, 0] + M[1, 1]), sp.expand(M[0, 0] * M[1, 1] - M[0, 1] * M[1, 0])
        root = sp.sqrt(sp.expand(trace**2 - 4 * det))
        values = [sp.expand((trace + root) / 2), sp.expand((trace - root) / 2)]
        return values, "exact", sp.sstr(lam**2 - trace * lam + det)
    # A 3x3 product (Adam), or an irrational adaptive cycle: its entries are exact, their 30-digit values
    # multiplied in mpmath.
    with mpmath.workdps(30):
        Mn = mpmath.matrix([[sp.N(e, 30) for e in row] for row in Jm.tolist()]) * \
            mpmath.matrix([[sp.N(e, 30) for e in row] for row in Jp.tolist()])
        values = [complex(v) for v in mpmath.eig(Mn)[0]]
    return values, "numeric", None


# --------------------------------------------------------------------------- solving


def _exact_roots(expr: sp.Expr) -> Optional[list]:
    """Positive roots of ``expr = 0`` in ``x`` by formula: a polynomial of degree <= 4, or two power terms."""
    numerator, denominator = sp.fraction(sp.together(expr))
    # A rational equation (log-sum's 1/(eps + x)): the roots of the numerator where the denominator lives.
    expr = sp.expand(numerator if denominator.is_polynomial(X) and not denominator.is_number else expr)
    try:
        poly = sp.Poly(expr, X)
        if poly.degree() <= 4 and all(c.is_number for c in poly.all_coeffs()):
            roots = sp.roots(poly)
            if sum(roots.values()) == poly.degree():
                return list(roots)
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        pass
    terms = sp.Add.make_args(expr)
    if len(terms) == 2:
        (c1, e1), (c2, e2) = (t.as_coeff_exponent(X) for t in terms)
        if not (c1.has(X) or c2.has(X)) and e1 != e2 and c1 * c2 < 0:
            # c1 x^e1 + c2 x^e2 = 0  =>  x^(e1 - e2) = -c2/c1
            return [sp.powsimp((-c2 / c1) ** (1 / (e1 - e2)), force=True)]
    return None


def _positive_roots(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> tuple[list, str]:
    """Roots in ``(lo, hi]`` of an equation in ``x``: by formula where :func:`_exact_roots` has one, else bisection."""
    def inside(r) -> bool:
        value = complex(sp.N(r, 30))
        return abs(value.imag) < 1e-25 and value.real > float(lo) and (hi is sp.oo or value.real <= float(hi))

    if not expr.has(X):
        return [], "exact"
    exact = _exact_roots(expr)
    if exact is not None:
        denominator = sp.fraction(sp.together(expr))[1]
        kept = {r for r in exact if inside(r) and sp.N(denominator.subs(X, r), 30) != 0}
        return sorted(kept, key=lambda r: float(sp.N(r))), "exact"
    f = sp.lambdify(X, expr, "math")
    top = float(hi) if hi is not sp.oo else max(10.0, 10 * float(lo))
    grid = [float(lo) + (top - float(lo)) * (i / 4000) ** 3 for i in range(1, 4001)]
    roots, prev = [], None
    for x in grid:
        try:
            y = float(f(x))
        except (ValueError, ZeroDivisionError, OverflowError):
            prev = None
            continue
        if prev is not None and (prev[1] == 0 or prev[1] * y < 0):
            roots.append(sp.Float(bisect_root(lambda t: float(f(t)), prev[0], x), 15))
        prev = (x, y)
    return roots, "numeric"


def _num(value) -> float:
    return float(sp.N(value, 20))


# --------------------------------------------------------------------------- the facts


def _scaling(opt: Optimizer, alpha: sp.Expr) -> Fact:
    p = dict(opt.params)
    lr = opt.lr
    if opt.proximal:
        statement = ("the penalty enters only through prox of lr*alpha*p: any (lr, alpha) with the same product "
                     "treats the penalty the same")
        return Fact("scaling in alpha", statement, "lr*alpha", sp.sstr(lr * alpha), _num(lr * alpha))
    if opt.adaptive:
        eps = p["eps"]
        coupled = p.get("weight_decay", sp.S.Zero) if opt.name != "adamw" else sp.S.Zero
        extra = f" and weight_decay/alpha = {sp.sstr(coupled / alpha)}" if coupled else ""
        if eps == 0:
            statement = ("eps = 0: the update is invariant under g -> s*g (s > 0), so for the penalty alone alpha "
                         "has no effect: the trajectory of alpha*p is the trajectory of p" + (
                             f" (with weight_decay/alpha{extra[len(' and weight_decay/alpha'):]})" if coupled else ""))
            return Fact("scaling in alpha", statement, "1", "1", 1.0)
        statement = (f"{opt.name} on alpha*p with eps equals {opt.name} on p with eps/alpha = "
                     f"{sp.sstr(eps / alpha)}{extra}: a small alpha acts like a large eps")
        return Fact("scaling in alpha", statement, "eps/alpha", sp.sstr(eps / alpha), _num(eps / alpha))
    statement = "for the penalty alone the trajectory depends on lr and alpha only through lr*alpha"
    return Fact("scaling in alpha", statement, "lr*alpha", sp.sstr(lr * alpha), _num(lr * alpha))


def first_step(opt: Optimizer, penalty: Penalty, s: Slopes, alpha: sp.Expr, data: Optional[DataTerm], w0: sp.Expr) -> sp.Expr:
    r"""The exact :math:`w_1` from ``w0`` (PyTorch's first step: bias corrections :math:`1-\beta^1` cancel).

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_subject
    >>> from lksym.derivation.optimizers import optimizer
    >>> p = parse_subject("3")
    >>> first_step(optimizer("adam", eps="0"), p, slopes(p), sp.Integer(5), None, sp.Rational(3, 10))
    29/100
    """
    p = dict(opt.params)
    lr = opt.lr
    sign = sp.sign(w0)
    g_pen = sign * alpha * s.at(abs(w0)) if w0 != 0 else sp.S.Zero
    g_data = data.c * (w0 - data.target) if data is not None else sp.S.Zero
    if opt.name == "prox-sgd":
        return sp.Symbol("prox")  # placeholder, never used: the prox step has no closed form in general
    wd = p.get("weight_decay", sp.S.Zero)
    g = (g_data if opt.name == "adam-prox" else g_pen + g_data) + (wd * w0 if opt.name not in ("adamw",) else 0)
    if opt.name == "sgd":
        return w0 - lr * g
    if opt.name == "momentum":
        return w0 - lr * g  # the buffer starts as g itself: no dampening at the first step
    if opt.name == "nesterov":
        return w0 - lr * (1 + p["momentum"]) * g
    if opt.name == "rmsprop":
        rho = p["smoothing"]
        return w0 - lr * g / (sp.sqrt((1 - rho) * g**2) + p["eps"]) if g != 0 else w0
    start = w0 * (1 - lr * wd) if opt.name == "adamw" else w0
    return start - lr * g / (abs(g) + p["eps"]) if g != 0 else start


def _first_step_fact(opt, penalty, s, alpha, data, starts) -> Fact:
    p = dict(opt.params)
    if opt.name == "prox-sgd":
        return Fact("first step", "w1 = prox_{lr*alpha*p}(w0 - lr*g_data(w0))", "prox(w0 - lr*g_data, lr*alpha)",
                    None, None, "", "the proximal step has no closed form for every penalty; w1 is in the trajectories")
    formulas = {
        "sgd": "w0 - lr*g0", "momentum": "w0 - lr*g0 (the buffer starts as g0: no dampening at the first step)",
        "nesterov": "w0 - lr*(1 + momentum)*g0", "rmsprop": "w0 - lr*g0/(sqrt(1 - smoothing)*|g0| + eps)",
        "adam": "w0 - lr*g0/(|g0| + eps)", "adamw": "w0*(1 - lr*weight_decay) - lr*g0/(|g0| + eps)",
        "adam-prox": "prox_{lr*alpha*p}(w0 - lr*g0/(|g0| + eps)), g0 the data gradient",
    }
    statement = f"w1 = {formulas[opt.name]}"
    if opt.name in ("adam", "adamw", "adam-prox") and p["eps"] == 0:
        statement += ": with eps = 0 exactly lr*sign(g0), whatever the penalty and alpha"
    if opt.name == "adam-prox":
        return Fact("first step", statement, formulas[opt.name], None, None, "",
                    "the proximal step has no closed form for every penalty; w1 is in the trajectories")
    values = [first_step(opt, penalty, s, alpha, data, w0) for w0 in starts]
    return Fact("first step", statement, formulas[opt.name].split(" (")[0], [sp.sstr(v) for v in values],
                [_num(v) for v in values])


def _cycle_facts(opt: Optimizer, s: Slopes, alpha: sp.Expr, data: Optional[DataTerm]) -> list[Fact]:
    name = "two-cycle"
    if data is not None:
        why = "the data term breaks the symmetry w -> -w, so there is no symmetric two-cycle; see the trajectories"
        return [Fact(name, why, None, None, None, "", why), Fact("two-cycle stability", why, None, None, None, "", why)]
    if opt.proximal:
        why = ("the proximal map is nondecreasing, so iterates are monotone and never alternate: no two-cycle" if
               opt.name == "prox-sgd" else
               "with no data gradient the Adam step is 0 and only the (monotone) proximal map acts: no two-cycle")
        return [Fact(name, why, None, None, None, "", why), Fact("two-cycle stability", why, None, None, None, "", why)]
    if dict(opt.params).get("amsgrad"):
        why = ("amsgrad divides by the largest v seen, which remembers the transient: the cycle's amplitude "
               "depends on the history, so it has no formula in the parameters")
        return [Fact(name, why, None, None, None, "", why), Fact("two-cycle stability", why, None, None, None, "", why)]
    equation = cycle_equation(opt)
    a_sym = sp.Symbol("a", positive=True)
    G = sp.Symbol("G", positive=True)
    formula = sp.sstr(sp.Eq(equation, 0)) + "  with G = alpha*p'(a) > 0"
    amplitudes: list = []
    methods = set()
    for p1, p2, lo, hi in s.pieces:
        if p1 == 0:
            continue
        roots, method = _positive_roots(equation.subs({G: alpha * p1, a_sym: X}), lo, hi)
        if not equation.has(G):  # Adam/RMSprop with eps = 0: a is the same for every penalty
            roots = [r for r in _exact_roots(equation.subs(a_sym, X)) if bool(r > lo) and (hi is sp.oo or bool(r <= hi))]
            method = "exact"
        for r in roots:
            if _num(p1.subs(X, r)) > 0 and all(abs(_num(r) - _num(q)) > 1e-15 * (1 + abs(_num(r))) for q, _, _ in amplitudes):
                amplitudes.append((r, p1.subs(X, r) * alpha, p2.subs(X, r) * alpha))
                methods.add(method)
    method = "numeric" if "numeric" in methods else "exact"
    if not amplitudes:
        why = "the cycle equation has no solution a > 0 with p'(a) > 0"
        return [Fact(name, "no symmetric two-cycle: " + why, formula, None, None, "", why),
                Fact("two-cycle stability", "no two-cycle to judge", None, None, None, "", why)]
    statement = "a weight alternating +a, -a under the penalty alone: " + formula
    if not equation.has(G):
        statement += " (eps = 0: the same a for every penalty and every alpha)"
    cycle = Fact(name, statement, formula, [sp.sstr(a) for a, _, _ in amplitudes], [_num(a) for a, _, _ in amplitudes],
                 method)
    judged, numbers, kinds, polys, how = [], [], [], [], set()
    for a, G_value, H_value in amplitudes:
        values, m_method, poly = _multipliers(opt, a, G_value, H_value)
        how.add(m_method if method == "exact" else "numeric")
        sizes = [abs(complex(sp.N(v, 30))) for v in values]
        top = max(sizes)
        # |multiplier| = 1 (L1's neutral cycles) is decided at 30 digits, 1e-25 apart.
        ones = abs(top - 1) < (1e-25 if m_method == "exact" and method == "exact" else 1e-12)
        kind = "neutral" if ones and top <= 1 + 1e-12 else ("attracting" if top < 1 else "repelling")
        judged.append([sp.sstr(v) for v in values] if m_method == "exact" else None)
        numbers.append([_real_or_pair(complex(sp.N(v, 20))) for v in values])
        kinds.append(kind)
        polys.append(poly)
    m_how = "numeric" if "numeric" in how else "exact"
    statement = "; ".join(f"a = {_num(a):.6g}: {k} (largest |multiplier| {max(abs(complex(x) if not isinstance(x, list) else complex(*x)) for x in n):.6g})"
                          for (a, _, _), k, n in zip(amplitudes, kinds, numbers))
    state = {"sgd": "w", "momentum": "(w, buffer)", "nesterov": "(w, buffer)", "adam": "(w, m, v)",
             "adamw": "(w, m, v)", "rmsprop": "(w, v)"}[opt.name]
    stability = Fact("two-cycle stability", f"multipliers of the two-step map linearised in {state}: {statement}",
                     "eigenvalues of J(-a)*J(a)", judged if all(j is not None for j in judged) else None, numbers,
                     m_how, "" if all(j is not None for j in judged) else
                     "the characteristic polynomial is exact; its roots are found numerically" if state.count(",") == 2 else
                     "the Jacobian is exact at an irrational cycle; its eigenvalues are found numerically (30 digits): "
                     "their exact radical forms are too large to print",
                     {"attracts": [k == "attracting" for k in kinds], "kind": kinds, "characteristic_polynomial": polys,
                      "state": state, "bias_correction": "faded (t -> oo)" if opt.adaptive else "none"})
    return [cycle, stability]


def _real_or_pair(z: complex):
    return z.real if abs(z.imag) < 1e-15 * max(1.0, abs(z)) else [z.real, z.imag]


def _fixed_points(opt: Optimizer, s: Slopes, alpha: sp.Expr, data: Optional[DataTerm]) -> Fact:
    name = "fixed points"
    if data is None:
        why = "no data term: the only rest point is w = 0 (add --data 'quadratic(c=C, target=T)')"
        return Fact(name, why, None, None, None, "", why)
    c, T = data.c, data.target
    wd = _coupled(opt) if not opt.proximal else sp.S.Zero
    formula = f"{sp.sstr(c)}*(w - {sp.sstr(T)}) + {sp.sstr(alpha)}*p'(w)" + (f" + {sp.sstr(wd)}*w" if wd else "") + " = 0"
    points, methods = [], set()
    for sign in (1, -1):
        for p1, p2, lo, hi in s.pieces:
            equation = c * (sign * X - T) + sign * alpha * p1 + wd * sign * X
            roots, method = _positive_roots(sp.expand(equation), lo, hi)
            methods.add(method)
            for r in roots:
                points.append((sign * r, c + alpha * p2.subs(X, r) + wd))
    slope0 = gradient_at_zero(s)
    if bool(abs(c * T) <= alpha * slope0):  # 0 is in the subdifferential of the loss at 0
        points.append((sp.S.Zero, None))
    points.sort(key=lambda pair: _num(pair[0]))
    if opt.name == "adamw":
        why = "decoupled decay: a rest point needs weight_decay*w = -g/(|g| + eps); see the trajectories"
        return Fact(name, why, formula, None, None, "", why)
    kinds = []
    for w, curvature in points:
        kinds.append(_rest_kind(opt, alpha, w, curvature, c))
    method = "numeric" if "numeric" in methods else "exact"
    shown = ", ".join(f"{_num(w):.6g} ({k})" for (w, _), k in zip(points, kinds))
    statement = f"stationary points of the loss ({formula}): {shown or 'none'}"
    return Fact(name, statement, formula, [sp.sstr(w) for w, _ in points], [_num(w) for w, _ in points], method,
                "", {"stability": kinds})


def _rest_kind(opt: Optimizer, alpha, w, curvature, c) -> str:
    """Whether the optimiser rests stably at a stationary point ``w`` with loss curvature ``curvature``."""
    if curvature is None:  # w = 0 with a kink: only a proximal step lands there exactly
        return ("reached exactly (0 is inside the prox's dead zone)" if opt.proximal
                else "a kink: gradient steps jitter around it, never rest on it")
    if opt.adaptive:
        return "no linearisation (v -> 0 and the step divides by sqrt(v))" + (
            "" if opt.name != "adam-prox" else "")
    if opt.name == "prox-sgd":
        m = (1 - opt.lr * c) / (1 + opt.lr * (curvature - c))
        return _kind_from(abs(_num(m)))
    state, nxt = optimizer_map(opt)
    J = _jacobian(state, nxt)
    J = J.applyfunc(lambda e: _at(e, {_w: w, _b: 0, _v: 0}, 0, curvature))
    values = list(J.eigenvals(multiple=True))
    return _kind_from(max(abs(complex(sp.N(v, 30))) for v in values))


def _kind_from(top: float) -> str:
    if top < 1 - 1e-12:
        return f"stable, multiplier {top:.4g}"
    if top > 1 + 1e-12:
        return f"unstable, multiplier {top:.4g}"
    return "neutral, multiplier 1"


def _steps_to_zero(opt: Optimizer, s: Slopes, alpha: sp.Expr, data: Optional[DataTerm], starts) -> Fact:
    name = "steps to exact zero"
    if not opt.proximal:
        why = (f"a {opt.name} step moves w by a gradient step, which lands exactly on 0 only by a coincidence of "
               "rounding; the trajectories say whether it happened")
        return Fact(name, "no exact zero by construction: " + why, None, None, None, "", why)
    if data is not None or opt.name == "adam-prox" and data is not None:
        why = "with a data term the count depends on the data gradient; the trajectories give it"
        return Fact(name, why, None, None, None, "", why)
    p1, _, lo, hi = s.pieces[0]
    slope = sp.expand(p1)
    if slope.has(X) or slope == 0:
        why = ("the penalty is not linear next to 0, so the prox is not a fixed shift there; the trajectories give "
               "the count")
        return Fact(name, why, None, None, None, "", why)
    step = opt.lr * alpha * slope
    formula = f"ceiling(|w0|/(lr*alpha*{sp.sstr(slope)}))"
    values = []
    for w0 in starts:
        values.append(sp.ceiling(abs(w0) / step) if (hi is sp.oo or bool(abs(w0) <= hi)) else None)
    statement = (f"next to 0 the penalty is {sp.sstr(slope)}*|w|, so the prox subtracts lr*alpha*{sp.sstr(slope)} "
                 f"= {sp.sstr(step)} from |w| per step and lands on 0 after {formula} steps")
    return Fact(name, statement, formula, [None if v is None else sp.sstr(v) for v in values],
                [None if v is None else int(v) for v in values], "exact",
                "" if all(v is not None for v in values) else "a start beyond the first piece: see its trajectory")


def derive_facts(penalty: Penalty, opt: Optimizer, alpha: sp.Expr, data: Optional[DataTerm], starts=()) -> tuple[Fact, ...]:
    """Every exact fact of ``opt`` on ``alpha * penalty`` (plus ``data``), from the exact ``starts``.

    Examples
    --------
    >>> from lksym.derivation.penalty import parse_subject
    >>> from lksym.derivation.optimizers import optimizer
    >>> f = derive_facts(parse_subject("1"), optimizer("prox-sgd"), sp.Rational(1, 2), None, [sp.Rational(3, 10)])
    >>> f[-1].statement.split(",")[0], f[-1].number
    ('next to 0 the penalty is 1*|w|', [60])
    """
    s = slopes(penalty)
    return (_scaling(opt, alpha), _first_step_fact(opt, penalty, s, alpha, data, starts),
            *_cycle_facts(opt, s, alpha, data), _fixed_points(opt, s, alpha, data),
            _steps_to_zero(opt, s, alpha, data, starts))




def cycle_rows(gd) -> tuple:
    r"""A report's "Under other optimisers" rows from plain GD's two-cycle :math:`a(\eta)` (cheap: substitutions).

    Heavy ball's and Nesterov's cycle equations are SGD's with an effective step (module docstring):
    :math:`\eta = \mathrm{lr}(1-d)\alpha/(1+\mu)` and :math:`\mathrm{lr}\,\alpha(1+2\mu)/(1+\mu)`; Adam's
    (eps = 0) and RMSprop's amplitudes do not depend on the penalty.  Values at lr = 1/100, alpha = 1, torch's
    defaults (mu = 9/10, betas 0.9, 0.999).  Rows: ``(optimizer, rule, amplitude text or None, stability)``.

    Examples
    --------
    >>> from lksym.derivation.gd import derive_gd
    >>> rows = cycle_rows(derive_gd(sp.Rational(3, 2) * sp.sqrt(X), sp.Rational(3, 4) / sp.sqrt(X)))
    >>> [r[2] for r in rows]
    ['9/160000', '9/577600', '441/3610000', '1/3800', '1/200']
    """
    lr, mu, b1 = sp.Rational(1, 100), sp.Rational(9, 10), sp.Rational(9, 10)
    amplitude = None if gd is None else gd.cycle_amplitude
    stable = None if gd is None else gd.cycle_stable

    def at(eta):
        if amplitude is None:
            return None
        value = amplitude.subs(ETA, eta)
        return sp.sstr(value) if value.is_real and value.is_finite and bool(value > 0) else None

    sgd_kind = {True: "attracting", False: "repelling"}.get(stable, "neutral (L1-like)" if amplitude is not None else "")
    return (
        ("sgd", "lr*alpha*p'(a) = 2a", at(lr), sgd_kind),
        ("momentum", "as SGD with eta = lr*(1 - d)*alpha/(1 + mu)", at(lr / (1 + mu)), "`lksym dynamics`"),
        ("nesterov", "as SGD with eta = lr*alpha*(1 + 2mu)/(1 + mu)", at(lr * (1 + 2 * mu) / (1 + mu)), "`lksym dynamics`"),
        ("adam, eps = 0", "a = lr*(1 - beta1)/(2*(1 + beta1)), every penalty", sp.sstr(lr * (1 - b1) / (2 * (1 + b1))),
         "`lksym dynamics`"),
        ("rmsprop, eps = 0", "a = lr/2, every penalty", sp.sstr(lr / 2), "`lksym dynamics`"),
    )
