r"""The analysis for a *symbolic* exponent k: one set of facts per case of k.

The cases are the regimes of :mod:`lksym.regime`, with :math:`k > 2` split by
whether k is an even integer (then :math:`|w|^k = w^k` is a polynomial):

.. math::

    0 < k < 1, \quad k = 1, \quad 1 < k < 2, \quad k = 2, \quad
    k > 2,\ k \in 2\mathbb{Z}, \quad k > 2,\ k \notin 2\mathbb{Z}.

They cover every :math:`k > 0` and do not overlap.  Point cases are the numeric
analysis of that k.  An open interval is parametrised by a positive symbol
:math:`u` that ranges over exactly that interval,

.. math::

    k = \frac{1}{1+u} \in (0, 1), \qquad k = 1 + \frac{1}{1+u} \in (1, 2), \qquad k = 2 + u \in (2, \infty),

so SymPy's assumptions on :math:`u > 0` decide every limit and sign for the whole
interval at once; the same helpers as :func:`lksym.analysis.analyze` are used on
the substituted right branch.  Expressions are reported in the positive symbol ``k``.

Smoothness: the n-th right-branch derivative is :math:`k^{\underline{n}} x^{k-n}`;
it tends to 0 at :math:`0^\pm` while :math:`k - n > 0`, is the constant
:math:`\pm k!` (odd n: a jump) at :math:`n = k`, and blows up after unless k is
an integer.  So :math:`f \in C^n` exactly for the integers :math:`n < k`
(largest: :math:`\lceil k \rceil - 1`), except for even integers, where
:math:`f` is the polynomial :math:`w^k`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import sympy as sp

from .regime import K, Regime

U = sp.Symbol("u", positive=True)


@dataclass(frozen=True)
class Case:
    """The facts that hold for every k satisfying ``condition``.

    Attributes
    ----------
    name
        Regime name, with ``STEEP_EVEN``/``STEEP_OTHER`` for the split of :math:`k > 2`.
    condition
        A SymPy boolean in the positive symbol ``k``.
    penalty, gradient, curvature
        Expressions in ``k`` and the real symbol ``w`` (for :math:`w \\ne 0`).
    limits
        ``limits[part][point]`` as in :class:`~lksym.analysis.Part`.
    continuity
        Per part: continuous at 0.
    smoothness
        An int, ``None`` (:math:`C^\\infty`) or an expression in ``k``.
    convex, sparse, lipschitz_gradient_near_zero
        As in :class:`~lksym.analysis.Analysis`.
    """

    name: str
    title: str
    condition: sp.Basic
    penalty: sp.Expr
    gradient: sp.Expr
    curvature: sp.Expr
    limits: dict
    continuity: dict
    smoothness: object
    convex: bool
    sparse: bool
    lipschitz_gradient_near_zero: bool

    def holds_for(self, k: sp.Expr) -> bool:
        """Whether the exact number ``k`` is in this case."""
        return bool(self.condition.subs(K, k))


def _point_case(regime: Regime) -> Case:
    from .analysis import analyze

    k_value = {Regime.L1: 1, Regime.L2: 2}[regime]
    a = analyze(k_value)
    return Case(
        name=regime.name,
        title=regime.title,
        condition=regime.condition,
        penalty=a.penalty.expr,
        gradient=a.gradient.expr,
        curvature=a.curvature.expr,
        limits={p.name: dict(p.limits) for p in a.parts},
        continuity={p.name: p.at_zero.continuous for p in a.parts},
        smoothness=a.smoothness,
        convex=a.convex,
        sparse=a.sparse,
        lipschitz_gradient_near_zero=a.lipschitz_gradient_near_zero,
    )


def _interval_case(name: str, title: str, condition: sp.Basic, parameter: sp.Expr, k_symbol: sp.Symbol) -> Case:
    from .analysis import PART_NAMES, X, _at_zero, _is_nonnegative, _limits, _to_real_line

    branches = [X**k_symbol]
    for _ in range(2):
        branches.append(sp.powsimp(sp.diff(branches[-1], X), force=True))
    # Substituting the parametrisation lets u > 0 stand for "k anywhere in the interval".
    on_interval = [sp.powsimp(b.subs(k_symbol, parameter), force=True) for b in branches]
    limits = [_limits(b, n) for n, b in enumerate(on_interval)]
    coefficient, _ = on_interval[2].as_coeff_exponent(X)
    convex = _is_nonnegative(sp.factor(coefficient)) and bool(limits[1]["0-"] <= limits[1]["0+"])
    at_zero = []
    for n in range(3):
        at_zero.append(_at_zero(n, on_interval, limits[n], at_zero[-1] if at_zero else None, convex))
    exprs = [_to_real_line(b, n).subs(k_symbol, K) for n, b in enumerate(branches)]
    if k_symbol.is_even:
        smoothness = None  # |w|^k is the polynomial w^k (SymPy already wrote it so)
    else:
        # Largest integer n < k (see the module docstring), simplified on the interval when it is constant.
        smoothness = sp.ceiling(parameter) - 1
        smoothness = int(smoothness) if smoothness.is_Integer else sp.ceiling(K) - 1
    return Case(
        name=name,
        title=title,
        condition=condition,
        penalty=exprs[0],
        gradient=exprs[1],
        curvature=exprs[2],
        limits=dict(zip(PART_NAMES, limits)),
        continuity={name_: at_zero[n].continuous for n, name_ in enumerate(PART_NAMES)},
        smoothness=smoothness,
        convex=convex,
        sparse=bool(limits[1]["0+"] > 0),
        lipschitz_gradient_near_zero=at_zero[1].continuous and bool(limits[2]["0+"].is_finite),
    )


@lru_cache(maxsize=1)
def cases() -> tuple[Case, ...]:
    """Every case of k > 0, in increasing order of k.

    Examples
    --------
    >>> [c.name for c in cases()]
    ['SUBLINEAR', 'L1', 'BETWEEN', 'L2', 'STEEP_EVEN', 'STEEP_OTHER']
    >>> print(cases()[2].gradient)
    k*Abs(w)**(k - 1)*sign(w)
    >>> cases()[5].smoothness
    ceiling(k) - 1
    """
    even = sp.Symbol("k", positive=True, even=True)
    steep = Regime.STEEP.condition
    is_even = sp.Eq(sp.Mod(K, 2), 0)
    return (
        _interval_case("SUBLINEAR", Regime.SUBLINEAR.title, Regime.SUBLINEAR.condition, 1 / (1 + U), K),
        _point_case(Regime.L1),
        _interval_case("BETWEEN", Regime.BETWEEN.title, Regime.BETWEEN.condition, 1 + 1 / (1 + U), K),
        _point_case(Regime.L2),
        _interval_case("STEEP_EVEN", Regime.STEEP.title + ", k an even integer", sp.And(steep, is_even), 2 + U, even),
        _interval_case("STEEP_OTHER", Regime.STEEP.title + ", k not an even integer",
                       sp.And(steep, sp.Not(is_even)), 2 + U, K),
    )


def case_of(k: sp.Expr) -> Case:
    """The one case an exact positive k belongs to."""
    found = [c for c in cases() if c.holds_for(k)]
    if len(found) != 1:
        raise ValueError(f"k = {k} is in {len(found)} cases")
    return found[0]


def _s(value) -> Optional[str]:
    return None if value is None else sp.sstr(value)


def to_dict() -> dict:
    """The symbolic analysis as JSON data: ``{"k": "k", "cases": [...]}``.

    Examples
    --------
    >>> d = to_dict()
    >>> d["cases"][2]["condition"], d["cases"][2]["smoothness"], d["cases"][5]["smoothness"]
    ('(k > 1) & (k < 2)', 1, 'ceiling(k) - 1')
    """
    from .analysis import POINTS

    out = []
    for c in cases():
        smooth = "inf" if c.smoothness is None else c.smoothness if isinstance(c.smoothness, int) else _s(c.smoothness)
        out.append({
            "name": c.name,
            "title": c.title,
            "condition": _s(c.condition),
            "penalty": _s(c.penalty),
            "gradient": _s(c.gradient),
            "curvature": _s(c.curvature),
            "limits": {part: {p: _s(c.limits[part][p]) for p in POINTS} for part in c.limits},
            "continuity": dict(c.continuity),
            "smoothness": smooth,
            "convex": c.convex,
            "sparse": c.sparse,
            "lipschitz_gradient_near_zero": c.lipschitz_gradient_near_zero,
        })
    return {"schema": 1, "k": "k", "cases": out}


def dumps() -> str:
    """:func:`to_dict` as indented JSON text."""
    import json

    return json.dumps(to_dict(), indent=2, ensure_ascii=False)


# --------------------------------------------------------------------------- the general report

SWEEP = ("1/2", "1", "3/2", "2", "3", "10")
"""The exponents drawn in the general report's figure."""

FOLDER = "k-symbolic"


def _tex(expr) -> str:
    from .report import tex

    return tex(expr) if isinstance(expr, sp.Basic) else str(expr)


def report_markdown() -> str:
    """The general report: the cases of k, what separates them, and a figure sweeping k."""
    from .analysis import X

    gradient = sp.powsimp(sp.diff(X**K, X), force=True)
    curvature = sp.powsimp(sp.diff(gradient, X), force=True)
    rows = []
    for c in cases():
        smooth = "C^\\infty" if c.smoothness is None else f"C^{{{_tex(c.smoothness)}}}"
        rows.append(
            f"| {c.title} | ${_tex(c.condition)}$ | ${_tex(c.gradient)}$ | ${_tex(c.limits['gradient']['0+'])}$ "
            f"| ${_tex(c.limits['curvature']['0+'])}$ | ${_tex(c.limits['gradient']['+oo'])}$ | ${smooth}$ "
            f"| {'yes' if c.convex else 'no'} | {'yes' if c.sparse else 'no'} "
            f"| {'yes' if c.lipschitz_gradient_near_zero else 'no'} |"
        )
    lines = [
        "# The penalty $\\lvert w\\rvert^k$ for every k > 0",
        "",
        "Derived by SymPy for a symbolic positive k, case by case (`lksym analyze --k k --json` gives the same "
        "as data). Each open interval of k is handled at once by a positive parameter $u$ that sweeps it "
        "($k = 1/(1+u)$, $k = 1 + 1/(1+u)$, $k = 2 + u$); the tests check every case against the exact "
        "analysis of sample k.",
        "",
        "## The cases",
        "",
        "| case | condition | gradient $f'(w)$ | $f'(0^+)$ | $f''(0^+)$ | $f'(+\\infty)$ | smoothness at 0 "
        "| convex | sparse | Lipschitz gradient near 0 |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "## What separates them",
        "",
        f"On $x = \\lvert w\\rvert > 0$ the gradient is ${_tex(gradient)}$ and the curvature ${_tex(sp.factor(curvature))}$: "
        "everything near 0 and far away is decided by the signs of the exponents $k - 1$ and $k - 2$ and of "
        "the factor $k - 1$.",
        "",
        "- **k = 1** is where the gradient's exponent $k - 1$ changes sign: below it the pull blows up at 0 "
        "(a cusp, concave on each side because $k - 1 < 0$ makes the curvature negative: not convex, and the "
        "proximal step jumps), above it the pull vanishes at 0 (no exact zeros). At $k = 1$ itself the pull is "
        "the constant 1: convex and sparse at once — the only such k.",
        "- **k = 2** is where the curvature's exponent $k - 2$ changes sign: below it the curvature is unbounded "
        "at 0 (no step size is small enough for every small weight), above it the curvature vanishes at 0 and "
        "small weights stop moving. At $k = 2$ the curvature is the constant 2 (weight decay).",
        "- **Smoothness**: the n-th derivative on $w > 0$ is a constant times $w^{k-n}$, continuous at 0 while "
        "$k - n > 0$; so $f \\in C^{\\lceil k\\rceil - 1}$, except when k is an even integer, where "
        "$\\lvert w\\rvert^k = w^k$ is a polynomial ($C^\\infty$). An odd integer k has a jump in its k-th "
        "derivative ($\\pm k!$).",
        "",
        "## Figure",
        "",
        "![Gradients for several k](gradients_sweep.svg)",
        "",
        "---",
        "",
        "Generated by lksym from the symbolic SymPy analysis.",
        "",
    ]
    return "\n".join(lines)


def sweep_figure():
    """Gradients :math:`k\\,\\operatorname{sign}(w)|w|^{k-1}` for the k in :data:`SWEEP`, from each case's formula."""
    import numpy as np

    from .expr import parse_k
    from .numeric import numpy_function
    from .plots import new_axes, outside_legend

    fig, ax = new_axes("Gradient of |w|^k for several k", xlim=(-1.5, 1.5), ylim=(-4, 4))
    w = np.linspace(-1.5, 1.5, 601)  # odd count: w = 0 is a sample, left empty
    for text in SWEEP:
        k = parse_k(text)
        expr = case_of(k).gradient.subs(K, k)
        with np.errstate(all="ignore"):
            y = np.array(np.broadcast_to(np.asarray(numpy_function(expr)(w), dtype=float), w.shape))
        # The formulas hold for w != 0: a gap at 0, so a pole (k = 1/2) or a jump (k = 1) is not a vertical line.
        y[w == 0] = np.nan
        y[np.abs(y) > 40] = np.nan  # far off the axes near the pole: no line back from there
        ax.plot(w, y, lw=1.6, label=f"k = {text}")
    outside_legend(ax)
    return fig


def render_report(image_format: str = "svg", dpi=None) -> dict[str, bytes]:
    """The files of ``k-symbolic/`` in memory: ``report.md``, ``cases.json`` and the sweep figure (SVG or PNG)."""
    import matplotlib

    from .plots import DPI, SVG_RC, image_name, render_image

    figure = image_name("gradients_sweep.svg", image_format)
    with matplotlib.rc_context(SVG_RC):
        image = render_image(sweep_figure(), image_format, dpi or DPI)
    return {
        figure: image,
        "cases.json": (dumps() + "\n").encode("utf-8"),
        "report.md": report_markdown().replace("(gradients_sweep.svg)", f"({figure})").encode("utf-8"),
    }


def write_report(out_dir, image_format: str = "svg", dpi=None) -> "object":
    """Write ``<out_dir>/k-symbolic/report.md`` and its figure, the folder whole or not at all; return the report's path."""
    from pathlib import Path

    from .fileio import write_folder

    return write_folder(Path(out_dir) / FOLDER, render_report(image_format, dpi)) / "report.md"
