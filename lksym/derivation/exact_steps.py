r"""A few steps of an optimiser in exact arithmetic: no rounding, so an exact zero is an exact zero.

For the optimisers whose step has no square root (``sgd``, ``momentum``, ``nesterov``) the iterates stay
rational as long as the penalty's gradient is rational at rational points (L1, L2, L3, SCAD, MCP, ...);
``prox-sgd`` uses the exact proximal step (:func:`lksym.derivation.penalty_prox.prox_closed_form` above
the threshold :func:`lksym.derivation.penalty_prox.prox_threshold`).  The run stops, with the reason, at
the first value that is not rational or grows past :data:`MAX_DIGITS` digits.

Examples
--------
>>> import sympy as sp
>>> from lksym.derivation.penalty import parse_subject
>>> from lksym.derivation.optimizers import optimizer
>>> values, why = exact_trajectory(parse_subject("1"), optimizer("prox-sgd", lr="1/10"), sp.S.One, None,
...                                sp.Rational(1, 4), 4)
>>> [str(v) for v in values], why
(['1/4', '3/20', '1/20', '0', '0'], '')
"""

from __future__ import annotations

from typing import Optional

import sympy as sp

from lksym.derivation.dynamics import slopes
from lksym.derivation.optimizers import DataTerm, Optimizer
from lksym.derivation.penalty import Penalty
from lksym.derivation.prox import prox_closed_form, prox_threshold
from lksym.derivation.symbols import LAM, Z

EXACT_OPTIMIZERS = ("sgd", "momentum", "nesterov", "prox-sgd")
"""Optimisers whose step has no square root: exact rational steps are possible."""

MAX_DIGITS = 2000
"""A value with more digits than this stops the exact run (L3 under SGD triples its digits every step)."""

MAX_EXACT_STEPS = 1000


def _digits(value: sp.Expr) -> int:
    p, q = sp.fraction(value)
    return max(len(str(abs(int(p)))), len(str(abs(int(q)))))


def exact_trajectory(penalty: Penalty, opt: Optimizer, alpha: sp.Expr, data: Optional[DataTerm], w0: sp.Expr,
                     steps: int) -> tuple[list, str]:
    """``(values, reason)``: :math:`w_0, \\dots` exactly, as far as they stay rational and short.

    ``reason`` is empty when every step was taken, else why the run stopped early.
    """
    if opt.name not in EXACT_OPTIMIZERS:
        return [], f"{opt.name} divides by a square root: its iterates are not rational, so no exact run"
    s = slopes(penalty)
    p = dict(opt.params)
    lr = opt.lr
    wd = p.get("weight_decay", sp.S.Zero)
    mu, damp = p.get("momentum", sp.S.Zero), p.get("dampening", sp.S.Zero)
    prox = _exact_prox(penalty) if opt.name == "prox-sgd" else None
    if opt.name == "prox-sgd" and prox is None:
        return [w0], "no exact proximal step for this penalty (no closed form)"
    w, buf, values = w0, sp.S.Zero, [w0]
    for t in range(1, steps + 1):
        g_data = data.c * (w - data.target) if data is not None else sp.S.Zero
        if opt.name == "prox-sgd":
            new = prox(lr * alpha, w - lr * g_data)
        else:
            g = (sp.sign(w) * alpha * s.at(abs(w)) if w != 0 else sp.S.Zero) + g_data + wd * w
            if opt.name == "sgd":
                new = w - lr * g
            else:
                buf = g if t == 1 else mu * buf + (1 - damp) * g
                new = w - lr * (g + mu * buf if opt.name == "nesterov" else buf)
        new = sp.nsimplify(new) if isinstance(new, sp.Float) else new
        if not new.is_Rational:
            return values, f"step {t} leaves the rationals ({sp.sstr(new)[:40]}...): the exact run stops there"
        if _digits(new) > MAX_DIGITS:
            return values, f"step {t} has over {MAX_DIGITS} digits: the exact run stops there"
        w = new
        values.append(w)
    return values, ""


def _exact_prox(penalty: Penalty):
    form = prox_closed_form(penalty)
    if form is None:
        return None
    threshold = prox_threshold(penalty)

    def prox(lam, z):
        x = abs(z)
        if x == 0 or bool(x <= threshold.subs(LAM, lam)):
            return sp.S.Zero
        return sp.sign(z) * sp.piecewise_fold(form.subs({LAM: lam, Z: x}))

    return prox
