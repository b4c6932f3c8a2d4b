"""``lksym prox``: the proximal step at one (lam, z), as text or JSON (the whole command: it computes)."""

from __future__ import annotations

import json
import sys
from typing import Optional

import mpmath
import sympy as sp

from lksym import budget
from lksym.derivation import penalty_prox
from lksym.derivation.exact import substitute
from lksym.derivation.expr import parse_k, parse_real
from lksym.derivation.penalty import parse_penalty, parse_subject
from lksym.derivation.penalty_prox import Infimum, same_prox
from lksym.derivation.prox import family_prox, prox_exact, prox_precise, prox_threshold, stationarity_polynomial
from lksym.derivation.symbols import LAM, Z

LONG_FORM = 40
"""Operations above which an exact prox value is stated as the root of a polynomial instead of spelt out."""


def _exact_text(k: sp.Expr, lam: sp.Expr, z: sp.Expr, exact: sp.Expr) -> str:
    """The exact value, short; a long radical (Ferrari's quartic) as "the root of ... in (a, b)"."""
    if sp.count_ops(exact) <= LONG_FORM or exact == 0:
        return sp.sstr(exact)
    poly, t, q = stationarity_polynomial(k)
    numeric = poly.as_expr().subs({Z: abs(z), LAM: lam})
    at = sp.Poly(numeric, t)
    root = abs(sp.N(exact, 30)) ** sp.Rational(1, q)
    for (lo, hi), _ in at.intervals(eps=sp.Rational(1, 100)):
        if lo <= root <= hi:
            sign = "-" if z < 0 else ""
            where = f"{sign}x where " if q == 1 else f"{sign}t**{q} where t is"
            return f"{where} the root of {sp.sstr(at.as_expr())} = 0 in ({sp.sstr(lo)}, {sp.sstr(hi)})"
    return sp.sstr(exact)


def prox_lines(k_text: str, lam_text: str, z_text: str) -> str:
    """What ``lksym prox`` prints: the exact value where a closed form exists, and a float.

    Examples
    --------
    >>> print(prox_lines("2", "1", "3"))
    prox(z) of lam*|x|^k with k = 2, lam = 1, z = 3
      exact: 1
      float: 1.0
      threshold: |z| <= 0 maps to exactly 0 (formula: 0)
    """
    k = parse_k(k_text)
    lam = parse_real(lam_text, "lam", positive=True)
    z = parse_real(z_text, "z")
    threshold = prox_threshold(k)
    exact, timed_out = _bounded_exact(k, lam, z)
    # The float comes from a solver without underflow (mpmath), never from floats or from evaluating
    # the closed form, whose Cardano sums cancel to more digits than evalf keeps (k = 5/2, tiny z).
    value = prox_precise(k, lam, z)
    lines = [f"prox(z) of lam*|x|^k with k = {sp.sstr(k)}, lam = {sp.sstr(lam)}, z = {sp.sstr(z)}"]
    if timed_out:
        lines.append(f"  exact: (not evaluated within {EXACT_SECONDS:g} s for these numbers; value from the numeric solver)")
    elif exact is None:
        lines.append("  exact: (no closed form for this k; value from the numeric solver)")
    else:
        lines.append(f"  exact: {_exact_text(k, lam, z, exact)}")
    lines.append(f"  float: {_float_text(value)}")
    lines.append(
        f"  threshold: |z| <= {sp.sstr(substitute(threshold, {LAM: lam}))} maps to exactly 0 (formula: {sp.sstr(threshold)})"
    )
    return "\n".join(lines)


def _float_text(value) -> str:
    """``repr`` of the float nearest ``value``, or its digits where no float is near (outside 2.2e-308 to 1.8e308)."""
    if value == 0 or sys.float_info.min <= abs(value) <= sys.float_info.max:
        return repr(float(value))
    return f"{mpmath.nstr(value, 17)} (outside the float range, no float is near it)"


def _bounded_exact(k: sp.Expr, lam: sp.Expr, z: sp.Expr) -> tuple[Optional[sp.Expr], bool]:
    # The closed form at huge or tiny lam and z can take SymPy minutes (k = 4/3, lam = 1e12, z = 1e-1000).
    try:
        with budget.deadline(EXACT_SECONDS):
            return prox_exact(k, lam, z), False
    except budget.Timeout:
        return None, True


EXACT_SECONDS = 5.0
"""Seconds :func:`prox_lines` gives the exact value before it reports none."""


def prox_report(penalty_text: str, lam_text: str, z_text: str) -> dict:
    r"""What ``lksym prox PENALTY --lam L --z Z`` shows, as a dict (``--json``) with a text rendering.

    Returns
    -------
    dict
        ``penalty`` (its text), ``lam``, ``z`` (exact, as text), ``value`` (float),
        ``exact`` (the exact prox as text, or ``None``), ``threshold`` (float, at this lam),
        ``threshold_exact`` (text, or ``None`` where it is an :class:`Infimum`) and ``text``
        (the lines to print).

    Raises
    ------
    lksym.errors.InputError
        For a bad penalty, lam or z.

    Examples
    --------
    >>> r = prox_report("mcp(lam=1, gamma=3)", "1", "2")
    >>> r["value"], r["exact"], r["threshold"]
    (1.5, '3/2', 1.0)
    """
    penalty = parse_penalty(penalty_text)
    lam = parse_real(lam_text, "lam", positive=True)
    z = parse_real(z_text, "z")
    lamf, zf = float(lam), float(z)
    value = penalty_prox.prox_numeric(penalty, lamf, zf)
    threshold_expr = penalty_prox.prox_threshold(penalty).subs(LAM, lam)
    threshold = float(sp.N(threshold_expr, 20))
    threshold_exact = None if threshold_expr.has(Infimum) else sp.sstr(threshold_expr)
    exact = None
    exact_value = family_prox(penalty).exact_at(penalty, lam, z)
    if exact_value is not None:
        exact = sp.sstr(exact_value)
        re_part, _ = sp.N(exact_value, 30).as_real_imag()
        if same_prox(penalty, lamf, zf, float(re_part), value, 1e-9):
            value = float(re_part)
    lines = [
        f"prox(z) of lam*p with p = {penalty.label}, lam = {sp.sstr(lam)}, z = {sp.sstr(z)}",
        f"  exact: {exact}" if exact is not None else "  exact: (no closed form; value from the numeric solver)",
        f"  float: {value!r}",
        f"  threshold: |z| <= {threshold_exact if threshold_exact is not None else repr(threshold)} maps to exactly 0"
        + ("" if threshold_exact is not None else " (numeric: the threshold is an infimum with no closed form here)"),
    ]
    return {
        "penalty": penalty.text,
        "lam": sp.sstr(lam),
        "z": sp.sstr(z),
        "value": value,
        "exact": exact,
        "threshold": threshold,
        "threshold_exact": threshold_exact,
        "text": "\n".join(lines),
    }


OWN_TEXT = {
    "power": lambda subject, lam_text, z_text: prox_lines(sp.sstr(subject.k), lam_text, z_text),
}
"""Families whose ``lksym prox`` text is their own (|w|^k: :func:`prox_lines`, with roots of polynomials);
every other penalty prints :func:`prox_report`'s lines."""


def prox_command(penalty_text: str, lam_text: str, z_text: str, *, as_json: bool = False) -> str:
    """What ``lksym prox`` prints: :func:`prox_report`'s text or JSON; |w|^k keeps :func:`prox_lines`.

    For the power family the float comes from :func:`lksym.derivation.prox.prox_precise` (40 digits,
    no underflow); ``value_digits`` in the JSON carries the digits where no float is near.

    Examples
    --------
    >>> import json
    >>> json.loads(prox_command("l0", "2", "3", as_json=True))["value"]
    3.0
    """
    subject = parse_subject(penalty_text)
    own_text = OWN_TEXT.get(subject.family)
    if own_text is not None and not as_json:
        return own_text(subject, lam_text, z_text)
    report = prox_report(subject.text, lam_text, z_text)
    text = report.pop("text")
    if not as_json:
        return text
    precise_value = family_prox(subject).precise
    if precise_value is not None:
        precise = precise_value(subject, parse_real(lam_text, "lam", positive=True), parse_real(z_text, "z"))
        report["value"] = float(precise)
        report["value_digits"] = str(precise)
    return json.dumps(report, indent=2, ensure_ascii=False)
