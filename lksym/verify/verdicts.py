"""The verdicts of ``lksym verify``: frozen results and how their numbers are shown as text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

import mpmath
import sympy as sp

from lksym.derivation.exact import k_text
from lksym.verify.sampling import DIGITS, Coverage

__all__ = ["Counterexample", "Verdict", "VerifyResult", "MAX_EXACT_TEXT"]

@dataclass(frozen=True)
class Counterexample:
    """Where a claim fails.

    Attributes
    ----------
    w
        The point: an exact number (``"-1"``) or, for a limit, the point
        (``"0+"``).
    claimed, true
        The claimed and the true value as text: exact where it is a plain
        number, else exact with its float in brackets, or ``"undefined"`` /
        ``"non-real (...)"``.
    lam, lam_value
        For a ``prox`` claim: the penalty weight (``w`` is then the point ``z``).
    w_value, claimed_value, true_value
        The same as Python numbers (``claimed_value`` is complex when not
        real, ``None`` when undefined; limits use ``float('inf')``).
    w_exact, claimed_exact, true_exact, lam_exact
        Exact values as SymPy text (powers of ten kept short, ``347*10**248``),
        ``None`` when not real, undefined, too costly or longer than
        :data:`MAX_EXACT_TEXT`; the text fields above are for reading.
    """

    w: str
    claimed: str
    true: str
    w_value: float
    claimed_value: Optional[Union[float, complex]]
    true_value: float
    lam: Optional[str] = None
    lam_value: Optional[float] = None
    w_exact: Optional[str] = None
    claimed_exact: Optional[str] = None
    true_exact: Optional[str] = None
    lam_exact: Optional[str] = None

    def to_dict(self) -> dict:
        data = {"w": self.w, "claimed": self.claimed, "true": self.true,
                "w_exact": self.w_exact, "claimed_exact": self.claimed_exact, "true_exact": self.true_exact}
        if self.lam is not None:
            # A prox claim: w is the point z.
            data.update(z=self.w, lam=self.lam, z_exact=self.w_exact, lam_exact=self.lam_exact)
        return data


@dataclass(frozen=True)
class Verdict:
    """The verdict on one claim.

    Attributes
    ----------
    part
        ``"penalty"``, ``"gradient"``, ``"curvature"`` or ``"prox"``.
    kind
        ``"expression"`` (for all :math:`w \\ne 0`), ``"limit"`` or ``"prox"``
        (a proximal-operator formula in ``z`` and ``lam``).
    claim
        The claimed expression or limit value, as given.
    point
        For a limit: ``"0+"``, ``"0-"``, ``"+oo"`` or ``"-oo"``; else ``None``.
    holds
        Whether the claim is right (false also when undecided, see ``note``).
    method
        ``"symbolic"`` or ``"numeric"``: which step decided (see the module notes).
    truth
        The derived expression or limit, as SymPy prints it.
    counterexample
        Where the claim fails, or ``None``.
    note
        Why a claim is undecided; for a claim that holds, where it was not checked (a
        jump of the part, where the claim is meant off it); else ``None``.
    regions
        For an expression claim: ``(where, status)`` per region (``"(0, oo)"``)
        and per breakpoint other than 0, status ``"equal"``, ``"different"``
        (proved by SymPy) or ``"unknown"``; empty when nothing was proved.
    coverage
        What the numeric step sampled (:class:`Coverage`), or ``None`` when it
        did not run.
    """

    part: str
    kind: str
    claim: str
    point: Optional[str]
    holds: bool
    method: str
    truth: str
    counterexample: Optional[Counterexample]
    note: Optional[str] = None
    regions: tuple = ()
    coverage: Optional["Coverage"] = None

    @property
    def label(self) -> str:
        """``gradient`` or ``gradient@0+``."""
        return self.part if self.point is None else f"{self.part}@{self.point}"

    def line(self) -> str:
        """One line for the terminal."""
        head = f"{self.label}: {self.claim}  "
        if self.holds:
            aside = f"; {self.note}" if self.note else ""
            if self.method == "numeric" and self.coverage is not None and self.kind == "expression":
                return head + f"OK (numeric: agrees at {self.coverage.text()}{aside})"
            return head + f"OK ({self.method}{aside})"
        if self.counterexample is None:
            return head + f"UNDECIDED ({self.note}); derived: {self.truth}"
        c = self.counterexample
        if self.kind == "prox":
            where = f"z = {c.w}, lam = {c.lam}"
        else:
            where = f"w = {c.w}" if self.kind == "expression" else f"w -> {c.w}"
        return head + f"WRONG at {where}: claimed {c.claimed}, true {c.true}; correct: {self.truth}"

    def to_dict(self) -> dict:
        return {
            "part": self.part,
            "kind": self.kind,
            "claim": self.claim,
            "point": self.point,
            "holds": self.holds,
            "method": self.method,
            "truth": self.truth,
            "counterexample": None if self.counterexample is None else self.counterexample.to_dict(),
            "note": self.note,
            "regions": [{"where": where, "status": status} for where, status in self.regions],
            "coverage": None if self.coverage is None else self.coverage.to_dict(),
        }


@dataclass(frozen=True)
class VerifyResult:
    """All verdicts for one k.

    Attributes
    ----------
    k
        The exact exponent.
    claims
        One :class:`Verdict` per claim, in the order given (penalty, gradient,
        curvature, then limits).
    """

    k: Optional[sp.Expr]
    claims: tuple[Verdict, ...]
    penalty: Optional[str] = None

    @property
    def all_hold(self) -> bool:
        return all(v.holds for v in self.claims)

    def lines(self) -> str:
        """The plain report: one line per claim."""
        return "\n".join(v.line() for v in self.claims)

    def to_dict(self) -> dict:
        """JSON-ready data: ``{"k", "all_hold", "claims": [...]}``.

        Examples
        --------
        >>> from lksym.verify import verify
        >>> verify("2", gradient="2*w").to_dict()["all_hold"]
        True
        """
        head = {"k": _text(self.k)}
        if self.penalty is not None:  # a penalty other than |w|^k: its text
            head["penalty"] = self.penalty
        return {**head, "all_hold": self.all_hold, "claims": [v.to_dict() for v in self.claims]}


# --------------------------------------------------------------------------- numbers as text


def _text(value: Optional[sp.Expr]) -> Optional[str]:
    """An exact number as SymPy writes it, ``None`` kept (the ``k`` of a result about another penalty)."""
    return None if value is None else sp.sstr(value)


def as_number(value: Optional[sp.Expr]) -> Optional[Union[float, complex]]:
    if value is None:
        return None
    real, imag = value.as_real_imag()
    try:
        return float(real) if imag == 0 else complex(float(real), float(imag))
    except TypeError:
        return None


def shown(approx: Optional[sp.Expr], exact: Optional[sp.Expr], digits: int = 20) -> str:
    """A value as text: exact when short (``1.5``, ``3*sqrt(2)/2 (2.12...)``), else a float of ``digits`` digits."""
    if approx is None:
        return "undefined"
    number = as_number(approx)
    if isinstance(number, complex):
        return f"non-real ({sp.sstr(sp.N(approx, 15))})"
    if exact is not None and exact.is_Rational:
        text = k_text(exact) if exact >= 0 else "-" + k_text(-exact)
        if len(text) <= 12:
            return text
    if exact is not None and not exact.is_Rational and len(sp.sstr(exact)) <= 16:
        return f"{sp.sstr(exact)} ({number!r})"
    if number is not None:
        # ``digits`` digits, trailing zeros dropped: enough to show a tiny relative difference.
        work = max(DIGITS, digits + 5)
        with mpmath.workdps(work):
            return mpmath.nstr(mpmath.mpf(sp.re(approx).evalf(work)._mpf_), digits, min_fixed=-5, max_fixed=7)
    return sp.sstr(sp.N(approx, 15))


MAX_EXACT_TEXT = 2000
"""Longest exact value written to the JSON (``null`` beyond)."""


def exact_text(value: Optional[sp.Expr]) -> Optional[str]:
    """An exact value as text, powers of ten kept short (``347*10**248``), or None when too long."""
    if value is None:
        return None
    if value.is_Rational and value != 0:
        parts = []
        for n in (abs(value.p), value.q):
            zeros = len(str(n)) - len(str(n).rstrip("0"))
            head = n // 10**zeros
            parts.append(str(n) if zeros < 6 else (f"10**{zeros}" if head == 1 else f"{head}*10**{zeros}"))
        text = ("-" if value < 0 else "") + (parts[0] if value.q == 1 else f"{parts[0]}/{parts[1]}" if "*" not in parts[1] else f"{parts[0]}/({parts[1]})")
    else:
        text = sp.sstr(value)
    return text if len(text) <= MAX_EXACT_TEXT else None
