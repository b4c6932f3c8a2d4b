r"""The optimisers ``lksym dynamics`` knows, with exact parameters, spelled as :mod:`torch.optim` spells them.

One :class:`Optimizer` is a name and its exact parameters (SymPy numbers); :func:`optimizer` builds and
validates one from text.  The update rules (``g`` is the gradient of the loss at ``w``, ``t`` counts from 1):

==============  =======================================================================================
name            one step (PyTorch's conventions, float64)
==============  =======================================================================================
``sgd``         :math:`w \leftarrow w - \mathrm{lr}\,(g + \mathrm{wd}\,w)`
``momentum``    :math:`b \leftarrow \mu b + (1 - d)\,g` (:math:`b = g` at the first step),
                :math:`w \leftarrow w - \mathrm{lr}\, b`
``nesterov``    as ``momentum`` with :math:`d = 0`, then :math:`w \leftarrow w - \mathrm{lr}\,(g + \mu b)`
``adam``        :math:`m \leftarrow \beta_1 m + (1-\beta_1) g`, :math:`v \leftarrow \beta_2 v + (1-\beta_2) g^2`,
                :math:`w \leftarrow w - \frac{\mathrm{lr}}{1-\beta_1^t}\, m \,/\,
                (\sqrt{\hat v / (1-\beta_2^t)} + \epsilon)`, :math:`\hat v = v` or
                :math:`\max_{s \le t} v_s` (``amsgrad``)
``adamw``       :math:`w \leftarrow (1 - \mathrm{lr}\,\mathrm{wd})\, w`, then the Adam step
``rmsprop``     :math:`v \leftarrow \rho v + (1-\rho) g^2`, :math:`w \leftarrow w - \mathrm{lr}\, g/(\sqrt v + \epsilon)`
                (torch calls :math:`\rho` ``alpha``; here ``smoothing``, as ``alpha`` is the penalty's strength)
``prox-sgd``    :math:`w \leftarrow \operatorname{prox}_{\mathrm{lr}\,\alpha p}(w - \mathrm{lr}\, g_{\text{data}})`
``adam-prox``   an Adam step on the data gradient, then :math:`\operatorname{prox}_{\mathrm{lr}\,\alpha p}`
==============  =======================================================================================

Defaults are torch's except ``lr`` (1/100 for every optimiser, so that they are compared at one step size;
torch's own defaults are 1e-3 for SGD and Adam, 1e-2 for RMSprop) and ``momentum`` (9/10 for ``momentum``
and ``nesterov``; torch's 0 is plain SGD).

Examples
--------
>>> o = optimizer("adam", lr="1/100", betas=("0.9", "0.999"), eps="0")
>>> o.name, o.lr, o.param("betas"), o.param("eps")
('adam', 1/100, (9/10, 999/1000), 0)
>>> optimizer("nesterov").param("momentum")
9/10
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import sympy as sp

from lksym.derivation.expr import parse_real
from lksym.errors import InputError

NAMES = ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "prox-sgd", "adam-prox")
"""Every optimiser, in the order pages show them."""

DEFAULT_LR = sp.Rational(1, 100)

_ADAM_LIKE = ("adam", "adamw", "adam-prox")

# name -> {parameter: default}; a parameter absent here does not apply to that optimiser.
DEFAULTS: dict[str, dict] = {
    "sgd": {"weight_decay": sp.S.Zero},
    "momentum": {"momentum": sp.Rational(9, 10), "dampening": sp.S.Zero, "weight_decay": sp.S.Zero},
    "nesterov": {"momentum": sp.Rational(9, 10), "weight_decay": sp.S.Zero},
    "adam": {"betas": (sp.Rational(9, 10), sp.Rational(999, 1000)), "eps": sp.Rational(1, 10**8),
             "amsgrad": False, "weight_decay": sp.S.Zero},
    "adamw": {"betas": (sp.Rational(9, 10), sp.Rational(999, 1000)), "eps": sp.Rational(1, 10**8),
              "amsgrad": False, "weight_decay": sp.Rational(1, 100)},
    "rmsprop": {"smoothing": sp.Rational(99, 100), "eps": sp.Rational(1, 10**8), "weight_decay": sp.S.Zero},
    "prox-sgd": {},
    "adam-prox": {"betas": (sp.Rational(9, 10), sp.Rational(999, 1000)), "eps": sp.Rational(1, 10**8),
                  "amsgrad": False},
}

OPTION = {"weight_decay": "--weight-decay", "momentum": "--momentum", "dampening": "--dampening", "betas": "--betas",
          "eps": "--eps", "amsgrad": "--amsgrad", "smoothing": "--smoothing"}
"""The command-line spelling of each parameter."""


@dataclass(frozen=True)
class Optimizer:
    """An optimiser and its exact parameters.

    Attributes
    ----------
    name
        One of :data:`NAMES`.
    lr
        The step size, exact and positive.
    params
        ``(name, value)`` pairs: exact numbers, ``betas`` a pair, ``amsgrad`` a bool.
    """

    name: str
    lr: sp.Expr
    params: tuple

    def param(self, name: str):
        """The value of one parameter (``None`` if it does not apply)."""
        return dict(self.params).get(name)

    @property
    def proximal(self) -> bool:
        """Whether the penalty enters through its proximal step, not its gradient."""
        return self.name in ("prox-sgd", "adam-prox")

    @property
    def adaptive(self) -> bool:
        """Whether the step is divided by a running root mean square (Adam, AdamW, RMSprop, Adam-prox)."""
        return self.name in (*_ADAM_LIKE, "rmsprop")

    @property
    def text(self) -> str:
        """The options as typed back: ``adam --lr 1/100 --betas 9/10 999/1000 --eps 0``."""
        parts = [self.name, "--lr", _t(self.lr)]
        for key, value in self.params:
            if key == "amsgrad":
                parts += ["--amsgrad"] if value else []
            elif key == "betas":
                parts += ["--betas", _t(value[0]), _t(value[1])]
            else:
                parts += [OPTION[key], _t(value)]
        return " ".join(parts)


def _t(value) -> str:
    return sp.sstr(value)


def _number(text, name: str, lo=None, hi=None, lo_open=False, hi_open=False, why: str = "") -> sp.Expr:
    value = parse_real(str(text), name)
    # Exact comparisons: sp.Float(1) == 1 is False in SymPy, so a 30-digit value would let beta = 1 through.
    low = lo is not None and (bool(value < lo) or (lo_open and value == lo))
    high = hi is not None and (bool(value > hi) or (hi_open and value == hi))
    if low or high:
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        span = f"{left}{lo if lo is not None else '-oo'}, {hi if hi is not None else 'oo'}{right}"
        raise InputError(f"{name} must lie in {span}, got {text}{why}")
    return value


def optimizer(name: str, *, lr=None, momentum=None, dampening=None, betas=None, eps=None, amsgrad: bool = False,
              weight_decay=None, smoothing=None) -> Optimizer:
    """Build an :class:`Optimizer` from text, torch's defaults filled in; a bad value raises InputError.

    A parameter that does not apply to ``name`` (``--betas`` for ``sgd``) is refused, not ignored.

    Examples
    --------
    >>> optimizer("momentum", momentum="0.999999").param("momentum")
    999999/1000000
    >>> optimizer("sgd", betas=("0", "0"))
    Traceback (most recent call last):
    ...
    lksym.errors.InputError: --betas does not apply to sgd (it takes: --lr, --weight-decay)
    """
    key = str(name).strip().lower()
    if key not in DEFAULTS:
        raise InputError(f"unknown optimizer {name!r}; choose one of {', '.join(NAMES)}")
    defaults = DEFAULTS[key]
    given = {"momentum": momentum, "dampening": dampening, "betas": betas, "eps": eps,
             "amsgrad": amsgrad or None, "weight_decay": weight_decay, "smoothing": smoothing}
    for param, value in given.items():
        if value is not None and param not in defaults:
            takes = ", ".join(["--lr"] + [OPTION[p] for p in defaults])
            raise InputError(f"{OPTION[param]} does not apply to {key} (it takes: {takes})")
    lr_value = DEFAULT_LR if lr is None else _number(lr, "lr", lo=0, lo_open=True)
    values = {}
    for param, default in defaults.items():
        value = given[param]
        if value is None:
            values[param] = default
        elif param == "betas":
            b1 = _number(value[0], "beta1", 0, 1, hi_open=True, why=" (torch's range: 0 <= beta < 1)")
            b2 = _number(value[1], "beta2", 0, 1, hi_open=True, why=" (torch's range: 0 <= beta < 1)")
            values[param] = (b1, b2)
        elif param == "amsgrad":
            values[param] = bool(value)
        elif param == "momentum":
            values[param] = _number(value, "momentum", 0, 1, lo_open=key == "nesterov", hi_open=True,
                                    why=" (momentum >= 1 never forgets a gradient; nesterov needs momentum > 0)")
        elif param == "dampening":
            values[param] = _number(value, "dampening", 0, 1)
        elif param == "smoothing":
            values[param] = _number(value, "smoothing", 0, 1, hi_open=True,
                                    why=" (torch's RMSprop alpha: 0 <= alpha < 1)")
        else:  # eps, weight_decay
            values[param] = _number(value, param.replace("_", " "), 0)
    return Optimizer(key, lr_value, tuple(values.items()))


@dataclass(frozen=True)
class DataTerm:
    r"""The 1-D data term :math:`\tfrac c2 (w - T)^2` added to the penalty.

    Examples
    --------
    >>> parse_data("quadratic(c=1, target=0.5)")
    DataTerm(c=1, target=1/2)
    """

    c: sp.Expr
    target: sp.Expr

    @property
    def text(self) -> str:
        return f"quadratic(c={_t(self.c)}, target={_t(self.target)})"


_DATA = re.compile(r"\s*quadratic\s*\((?P<args>[^()]*)\)\s*", re.ASCII)


def parse_data(text: Optional[str]) -> Optional[DataTerm]:
    """Read ``quadratic(c=C, target=T)`` (both keywords, exact numbers, c > 0); ``None`` gives ``None``.

    A small whitelisting reader: the outer form is matched by a regular expression and each value by
    :func:`lksym.derivation.expr.parse_real`; nothing is evaluated.

    Examples
    --------
    >>> parse_data("quadratic(target=-1/2, c=2)")
    DataTerm(c=2, target=-1/2)
    >>> parse_data("quadratic(c=0, target=1)")
    Traceback (most recent call last):
    ...
    lksym.errors.InputError: data: c must lie in (0, 1000], got 0
    """
    if text is None:
        return None
    match = _DATA.fullmatch(str(text))
    usage = "write --data 'quadratic(c=C, target=T)' with exact numbers, e.g. 'quadratic(c=1, target=0.5)'"
    if match is None:
        raise InputError(f"cannot read the data term {str(text)[:60]!r}: {usage}")
    found: dict = {}
    for part in match.group("args").split(","):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in ("c", "target") or key in found or not value.strip():
            raise InputError(f"cannot read the data term {str(text)[:60]!r}: {usage}")
        found[key] = value.strip()
    if set(found) != {"c", "target"}:
        raise InputError(f"cannot read the data term {str(text)[:60]!r}: {usage}")
    c = _number(found["c"], "data: c", 0, 1000, lo_open=True)
    target = _number(found["target"], "data: target", -1000, 1000)
    return DataTerm(c, target)
