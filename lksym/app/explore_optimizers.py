r"""The explorer's optimiser picker: the eight optimisers of ``lksym dynamics``, their parameters and derived facts.

For each optimiser of :data:`lksym.derivation.optimizers.NAMES` the page gets its parameters with the
defaults ``lksym dynamics`` uses (:data:`lksym.derivation.optimizers.DEFAULTS`), the update rule as text, and
the symmetric two-cycle's equation :math:`E(a, G) = 0` (:func:`lksym.derivation.dynamics.cycle_equation`,
derived here with *symbolic* parameters and compiled to JavaScript), which the page solves for :math:`a > 0`
with :math:`G = \alpha p'(a)` from the penalty's compiled gradient.  The update rules themselves are ported
by hand to the page's JavaScript from :func:`lksym.numerics.dynamics.run` (the same order of operations,
the same emulated fused multiply-adds); ``tests/test_explore_optimizers.py`` holds the two equal.
:func:`lksym.writers.explore.optimizer_code` writes the equations as JavaScript functions.

Examples
--------
>>> d = optimizer_data()
>>> [o["name"] for o in d][:3]
['sgd', 'momentum', 'nesterov']
>>> next(o for o in d if o["name"] == "sgd")["cycle_js"]
'-G*lr - a*lr*weight_decay + 2*a'
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from lksym.derivation.dynamics import cycle_equation, derive_facts
from lksym.derivation.optimizers import DEFAULT_LR, DEFAULTS, NAMES, Optimizer, optimizer
from lksym.derivation.penalty import parse_subject
from lksym.writers.explore_text import plain_text, to_js

TORCH = {"sgd": "torch.optim.SGD", "momentum": "torch.optim.SGD(momentum=μ)",
         "nesterov": "torch.optim.SGD(momentum=μ, nesterov=True)", "adam": "torch.optim.Adam",
         "adamw": "torch.optim.AdamW", "rmsprop": "torch.optim.RMSprop", "prox-sgd": "SGD step, then prox",
         "adam-prox": "Adam step, then prox"}
"""What each optimiser is in torch's terms."""

RULES = {
    "sgd": "w ← w − lr·(g + wd·w)",
    "momentum": "b ← μ·b + (1 − d)·g (b = g at step 1); w ← w − lr·b",
    "nesterov": "b ← μ·b + g (b = g at step 1); w ← w − lr·(g + μ·b)",
    "adam": "m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; w ← w − lr/(1−β₁ᵗ)·m/(√(v/(1−β₂ᵗ)) + eps)",
    "adamw": "w ← (1 − lr·wd)·w, then the Adam step",
    "rmsprop": "v ← ρv + (1−ρ)g²; w ← w − lr·g/(√v + eps)",
    "prox-sgd": "w ← prox_{lr·α·p}(w − lr·g_data)",
    "adam-prox": "an Adam step on the data gradient, then w ← prox_{lr·α·p}(w)",
}
"""The update rules as the page shows them (g is the loss gradient α·p′(w), t counts from 1)."""

# The page's name of each parameter (also its fragment key and element id): betas are two fields.
_SYMBOLS = {
    "momentum": sp.Symbol("momentum", positive=True),
    "dampening": sp.Symbol("dampening", nonnegative=True),
    "beta1": sp.Symbol("beta1", nonnegative=True),
    "beta2": sp.Symbol("beta2", nonnegative=True),
    "eps": sp.Symbol("eps", nonnegative=True),
    "weight_decay": sp.Symbol("weight_decay", nonnegative=True),
    "smoothing": sp.Symbol("smoothing", nonnegative=True),
}
LR = sp.Symbol("lr", positive=True)
CYCLE_PARAMETERS = ("lr", *_SYMBOLS)
"""The parameters each compiled two-cycle equation takes from the page's fields, in order."""
FIELDS = ("lr", "alpha", "momentum", "dampening", "beta1", "beta2", "eps", "weight_decay", "smoothing", "amsgrad")
"""Every parameter field of the picker; ``alpha`` is the penalty's strength."""

# name: (label, lo, hi, lo open, hi open): the ranges lksym.derivation.optimizers.optimizer accepts.
RANGES = {
    "lr": ("lr (step size)", 0, None, True, False),
    "alpha": ("α (penalty strength)", 0, None, True, False),
    "momentum": ("momentum μ", 0, 1, False, True),
    "dampening": ("dampening", 0, 1, False, False),
    "beta1": ("β₁", 0, 1, False, True),
    "beta2": ("β₂", 0, 1, False, True),
    "eps": ("eps", 0, None, False, False),
    "weight_decay": ("weight decay", 0, None, False, False),
    "smoothing": ("smoothing ρ (torch's RMSprop alpha)", 0, 1, False, True),
}


def _fields(name: str) -> dict:
    """The page's fields of one optimiser with their default values (floats; amsgrad a bool)."""
    out = {"lr": float(DEFAULT_LR), "alpha": 1.0}
    for key, value in DEFAULTS[name].items():
        if key == "betas":
            out["beta1"], out["beta2"] = float(value[0]), float(value[1])
        elif key == "amsgrad":
            out["amsgrad"] = bool(value)
        else:
            out[key] = float(value)
    return out


def _symbolic(name: str) -> Optimizer:
    params = []
    for key, value in DEFAULTS[name].items():
        if key == "betas":
            params.append(("betas", (_SYMBOLS["beta1"], _SYMBOLS["beta2"])))
        elif key == "amsgrad":
            params.append(("amsgrad", False))
        else:
            params.append((key, _SYMBOLS[key]))
    return Optimizer(name, LR, tuple(params))


def _tidy(equation: sp.Expr) -> sp.Expr:
    """The cycle equation's numerator, factored: its denominators are positive (G > 0, parameters >= 0)."""
    equation = equation.replace(lambda e: isinstance(e, sp.Pow) and e.exp == sp.S.Half,
                                lambda e: sp.sqrt(sp.factor(e.base)))
    numerator = sp.fraction(sp.together(equation))[0]
    return sp.factor(sp.expand(numerator))


def _first_step_formula(name: str) -> str:
    """The derivation's formula for :math:`w_1` (:func:`lksym.derivation.dynamics.derive_facts`), ``g0`` the gradient at w0."""
    fact = next(f for f in derive_facts(parse_subject("2"), optimizer(name), sp.S.One, None, [sp.Rational(3, 10)])
                if f.name == "first step")
    return fact.formula


@lru_cache(maxsize=1)
def optimizer_data() -> list:
    """One record per optimiser: fields, defaults, torch's class, the rule, the two-cycle equation (text and JS)."""
    out = []
    for name in NAMES:
        record = {"name": name, "torch": TORCH[name], "rule": RULES[name], "defaults": _fields(name),
                  "first_step": _first_step_formula(name),
                  "steps_to_zero": "ceiling(|w0|/(lr*alpha*p'(0+)))" if name in ("prox-sgd", "adam-prox") else None}
        if name in ("prox-sgd", "adam-prox"):
            record["cycle"], record["cycle_js"] = None, None
        else:
            equation = _tidy(cycle_equation(_symbolic(name)))
            record["cycle"] = plain_text(sp.Eq(equation, 0)).replace("Eq(", "").rstrip(")").replace(", 0", " = 0")
            record["cycle_js"] = to_js(equation)
        out.append(record)
    return out


def ranges() -> list:
    """The fields' labels and ranges, for the page's validation."""
    return [{"name": n, "label": RANGES[n][0], "lo": RANGES[n][1], "hi": RANGES[n][2], "lo_open": RANGES[n][3],
             "hi_open": RANGES[n][4]} for n in FIELDS if n in RANGES]
