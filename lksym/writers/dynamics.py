"""``lksym dynamics`` output: the terminal summary, the JSON object and the side-by-side figure.

Everything here renders a frozen :class:`~lksym.dynamics_result.Dynamics`; nothing is computed but
formatting.  JSON never holds NaN or infinity (``allow_nan=False``): a diverged trajectory stops at its
last finite value and says at which step it overflowed.
"""

from __future__ import annotations

import json
import math
from typing import Sequence

import numpy as np
import sympy as sp

from lksym.dynamics_result import Dynamics

SCHEMA_VERSION = 1


def _clean(value):
    """JSON-safe: floats finite (else ``None``), tuples as lists, SymPy numbers as text."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, sp.Basic):
        return sp.sstr(value)
    if isinstance(value, (np.floating, np.integer)):
        return _clean(value.item())
    return value


def fact_dict(f) -> dict:
    return _clean({"name": f.name, "statement": f.statement, "formula": f.formula, "value": f.value,
                   "number": f.number, "method": f.method or None, "reason": f.reason or None, **f.extra})


def to_dict(d: Dynamics) -> dict:
    """Every fact and every trajectory of ``d`` as JSON data.

    Examples
    --------
    >>> from lksym.api import dynamics
    >>> j = to_dict(dynamics("1", optimizer="prox-sgd", lr="1/10", starts=["1/4"], steps=4))
    >>> j["trajectories"][0]["path"], j["trajectories"][0]["behaviour"]["kind"]
    ([0.25, 0.15, 0.04999999999999999, 0.0, 0.0], 'exact zero')
    """
    opt = d.optimizer
    trajectories = []
    for i, start in enumerate(d.starts):
        column = d.path[:, i]
        end = d.diverged_at[i] if d.diverged_at[i] is not None else len(column)
        b = d.behaviours[i]
        item = {
            "w0": sp.sstr(start),
            "behaviour": {"kind": b.kind, "text": b.text, "step": b.step, "period": b.period,
                          "limit": None if b.limit is None else list(b.limit), "rate": b.rate},
            "diverged_at": d.diverged_at[i],
            "note": d.notes[i] or None,
            "path": [float(x) for x in column[:end]],
        }
        if d.exact:
            item["exact"] = list(d.exact[i])
            item["exact_stopped"] = d.exact_reason[i] or None
        trajectories.append(item)
    return _clean({
        "schema": SCHEMA_VERSION,
        "penalty": d.penalty.text,
        "label": d.penalty.label,
        "optimizer": {"name": opt.name, "lr": opt.lr, **{k: (list(v) if isinstance(v, tuple) else v) for k, v in opt.params},
                      "command": opt.text},
        "alpha": d.alpha,
        "data": None if d.data is None else {"c": d.data.c, "target": d.data.target, "text": d.data.text},
        "steps": d.steps,
        "facts": [fact_dict(f) for f in d.facts],
        "trajectories": trajectories,
    })


def dumps(d: Dynamics) -> str:
    """:func:`to_dict` as JSON text (no NaN, ever: ``allow_nan=False``)."""
    return json.dumps(to_dict(d), indent=1, ensure_ascii=False, allow_nan=False)


def summary(d: Dynamics) -> str:
    """What ``lksym dynamics`` prints without ``--json``.

    Examples
    --------
    >>> from lksym.api import dynamics
    >>> print(summary(dynamics("1", optimizer="prox-sgd", lr="1/10", starts=["1/4"], steps=4)).splitlines()[0])
    L1 under prox-sgd --lr 1/10, alpha = 1, the penalty alone, 4 steps
    """
    where = "the penalty alone" if d.data is None else f"data term {d.data.text}"
    lines = [f"{d.penalty.label} under {d.optimizer.text}, alpha = {sp.sstr(d.alpha)}, {where}, {d.steps} steps", ""]
    for f in d.facts:
        if f.name == "long run":
            continue
        lines.append(f"{f.name}: {f.statement}")
        if f.value is not None and f.name in ("first step", "two-cycle", "steps to exact zero", "fixed points"):
            shown = f.value if isinstance(f.value, list) else [f.value]
            lines.append("    value: " + ", ".join("—" if v is None else str(v) for v in shown))
        if f.value is None and f.reason and f.reason not in f.statement:
            lines.append(f"    (no value: {f.reason})")
        elif f.method == "numeric":
            lines.append("    (numeric: " + (f.reason or "a float root of the exact equation") + ")")
    lines += ["", "long run (float64 simulation):"]
    for i, start in enumerate(d.starts):
        lines.append(f"  w0 = {sp.sstr(start)}: {d.behaviours[i].text}")
        if d.notes[i]:
            lines.append(f"      note: {d.notes[i]}")
        if d.exact:
            shown = ", ".join(d.exact[i][:6]) + (", ..." if len(d.exact[i]) > 6 else "")
            lines.append(f"      exact: {shown}" + (f" ({d.exact_reason[i]})" if d.exact_reason[i] else ""))
    notes = d.fact("long run").extra.get("notes", [])
    lines += [f"  {n}" for n in notes]
    return "\n".join(lines)


# --------------------------------------------------------------------------- the figure

FLOOR = 1e-300
COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:gray")


def figure_data(results: Sequence[Dynamics]) -> dict:
    """The numbers of the side-by-side figure: one panel per result (no SymPy needed to draw them)."""
    panels = []
    for d in results:
        cycle = d.fact("two-cycle")
        panels.append({
            "title": d.optimizer.name,
            "subtitle": d.optimizer.text.split(" ", 1)[1] if " " in d.optimizer.text else "",
            "path": np.abs(d.path),
            "starts": [float(s) for s in d.starts],
            "kinds": [b.kind for b in d.behaviours],
            "cycle": [float(a) for a in cycle.number] if cycle is not None and cycle.number else [],
        })
    first = results[0]
    where = "penalty alone" if first.data is None else first.data.text
    return {"label": f"{first.penalty.label}, alpha = {sp.sstr(first.alpha)}, {where}", "panels": panels}


def render(data: dict):
    """One row of panels: :math:`|w_t|` (log scale) against t per optimiser, a mark where a weight hits 0."""
    from matplotlib.figure import Figure

    panels = data["panels"]
    n = len(panels)
    columns = min(n, 4)
    rows = (n + columns - 1) // columns
    fig = Figure(figsize=(3.2 * columns, 2.7 * rows + 0.5))
    fig.suptitle(f"|w_t| under each optimiser: {data['label']}", fontsize=10)
    for k, panel in enumerate(panels):
        ax = fig.add_subplot(rows, columns, k + 1)
        raw = np.asarray(panel["path"], dtype=float)
        steps = np.arange(raw.shape[0])
        with np.errstate(invalid="ignore"):
            shown = np.where(np.isfinite(raw) & (raw > 0), np.maximum(raw, FLOOR), np.nan)
        finite = shown[np.isfinite(shown)]
        bottom = max(float(finite.min()) / 3, FLOOR) if finite.size else 1e-20
        for i, start in enumerate(panel["starts"]):
            color = COLORS[i % len(COLORS)]
            ax.plot(steps, shown[:, i], lw=0.8, color=color, label=f"w0 = {start:g}: {panel['kinds'][i]}")
            zero = np.flatnonzero(raw[:, i] == 0)
            if zero.size:
                ax.plot([zero[0]], [bottom], "x", color=color, ms=6, mew=1.5, clip_on=False)
        for a in panel["cycle"]:
            if a > 0:
                ax.axhline(a, color="black", lw=0.8, ls="--")
        ax.set_yscale("log")
        ax.set_ylim(bottom, max(float(finite.max()) * 3 if finite.size else 10.0, bottom * 10))
        ax.set_xlim(0, steps[-1])
        ax.set_title(panel["title"], fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_xlabel("step t", fontsize=8)
        if k % columns == 0:
            ax.set_ylabel("|w_t|", fontsize=8)
        ax.legend(fontsize=5.5, loc="lower left")
    fig.tight_layout()
    return fig


def figure_bytes(results: Sequence[Dynamics], fmt: str = "svg") -> bytes:
    """SVG (or PNG) bytes of the side-by-side figure, identical for identical results."""
    import matplotlib

    from lksym.writers.plots import SVG_RC, render_image

    with matplotlib.rc_context(SVG_RC):
        return render_image(render(figure_data(results)), fmt)
