"""The analysis as JSON-ready data: a stable, scriptable form.

Every expression is a SymPy string (``sympy.sympify`` reads it back; ``w`` is the
weight, ``alpha``/``tau``/``eta`` positive symbols), limits use ``oo`` for
infinity, and the key set is documented in the README.
"""

from __future__ import annotations

import json
from typing import Optional

import sympy as sp

from lksym.derivation.analysis import POINTS, AtZero
from lksym.results import Analysis

SCHEMA_VERSION = 1


def _s(expr: Optional[sp.Expr]) -> Optional[str]:
    return None if expr is None else sp.sstr(expr)


def behaviour_at_zero(at: AtZero) -> dict:
    return {
        "value": _s(at.value),
        "subdifferential": None if at.subdifferential is None else [_s(v) for v in at.subdifferential],
        "continuous": at.continuous,
    }


def to_dict(a: Analysis) -> dict:
    """Every derived fact of ``a`` as plain JSON data.

    Examples
    --------
    >>> from lksym.results import analyze
    >>> d = to_dict(analyze("1.5"))
    >>> d["k"], d["gradient"], d["limits"]["curvature"]["0+"], d["smoothness"]
    ('3/2', '3*sqrt(Abs(w))*sign(w)/2', 'oo', 1)
    """
    power = a.power  # the power family's own facts, None for every other penalty (the keys stay, as null)
    return {
        "schema": SCHEMA_VERSION,
        "k": _s(power.k) if power is not None else None,
        "k_float": float(power.k) if power is not None else None,
        "regime": power.regime.condition_text if power is not None else None,
        "subject": _subject(a),
        "penalty": _s(a.penalty.expr),
        "gradient": _s(a.gradient.expr),
        "curvature": _s(a.curvature.expr),
        "limits": {p.name: {point: _s(p.limits[point]) for point in POINTS} for p in a.parts},
        "at_zero": {p.name: behaviour_at_zero(p.at_zero) for p in a.parts},
        "continuity": {p.name: p.at_zero.continuous for p in a.parts},
        "smoothness": "inf" if a.smoothness is None else a.smoothness,
        "breakpoints": [
            {
                "at": _s(b.at),
                "smoothness": "inf" if b.smoothness is None else b.smoothness,
                "limits": {part: {side: _s(v) for side, v in sides.items()} for part, sides in b.limits.items()},
            }
            for b in a.breakpoints
        ],
        "convex": a.convex,
        "curvature_min": _s(a.curvature_min),
        "sparse": a.sparse,
        "thresholding": _thresholding(a),
        "lipschitz_gradient_near_zero": a.lipschitz_gradient_near_zero,
        "dead_zone": _s(a.dead_zone),
        "overshoot": None if a.overshoot is None else {
            "weight": _s(a.overshoot.weight),
            "side": a.overshoot.side,
            "step_limit": _s(a.overshoot.step_limit),
        },
        "crossovers": None if a.crossovers is None else {
            c.reference: {
                "weight": _s(c.weight),
                "weight_float": None if c.weight is None else float(c.weight),
                "identical": c.identical,
                "stronger_below": c.stronger_below,
            }
            for c in a.crossovers
        },
        "bands": None if a.bands is None else [
            {"from": _s(b.lo), "to": _s(b.hi), "order": list(b.order), "ties": [list(t) for t in b.ties]}
            for b in a.bands
        ],
        "prox": {"threshold": _s(a.prox.threshold), "closed_form": _s(a.prox.closed_form)},
        "gd": None if a.gd is None else {
            "cycle_amplitude": _s(a.gd.cycle_amplitude),
            "cycle_stable": a.gd.cycle_stable,
            "cycle_multiplier": _s(a.gd.cycle_multiplier),
            "decay": {"kind": a.gd.decay.kind, "rate": _s(a.gd.decay.rate), "order": _s(a.gd.decay.order)},
        },
        "omitted": dict(a.omitted),
    }


def _subject(a: Analysis) -> dict:
    p = a.subject
    return {
        "family": p.family,
        "text": p.text,
        "label": p.label,
        "slug": p.slug,
        "params": {name: _s(value) for name, value in p.params},
        "pieces": [{"expr": _s(q.expr), "from": _s(q.lo), "to": _s(q.hi)} for q in p.pieces],
        "at_zero": _s(p.at_zero),
    }


def _fact(value) -> object:
    """A thresholding property: true, false, or a SymPy condition in lam as a string."""
    if value is None or isinstance(value, bool):
        return value
    if value in (sp.true, sp.false):
        return bool(value)
    return sp.sstr(value)


def _thresholding(a: Analysis) -> Optional[dict]:
    t = a.thresholding
    if t is None:
        return None
    return {
        "sparse": _fact(t.sparse),
        "continuous": _fact(t.continuous),
        "unbiased": _fact(t.unbiased),
        "unbiased_beyond": _s(t.unbiased_beyond),
        "unbiased_kind": t.unbiased_kind,
    }


def dumps(a: Analysis) -> str:
    """``to_dict(a)`` as indented JSON text, keys in a fixed order."""
    return json.dumps(to_dict(a), indent=2, ensure_ascii=False)
