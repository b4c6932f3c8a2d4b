r"""Check a hand derivation of :math:`f(w) = |w|^k`, with a counterexample when it is wrong.

A *claim* is either an expression in ``w`` for the penalty, gradient or
curvature (``3/2*sign(w)*sqrt(abs(w))``), meant to hold for every
:math:`w \ne 0`, or a one-sided limit (``gradient@0+=oo``).  Every claim is
held against :func:`lksym.results.analyze` and gets one :class:`Verdict`.

How a claim is decided
----------------------
1. **Regions.**  The line is split at 0 and at every *breakpoint* of truth or
   claim (:func:`breakpoints`): the real zeros of the arguments of ``Abs``,
   ``sign``, ``Heaviside``, of the pairwise differences of ``Min``/``Max``
   arguments and of every relation in a Piecewise condition, solved exactly by
   SymPy (only real solutions, kept exact).  A condition SymPy cannot solve
   (``exp(w) > w + 2``) is located numerically (sign changes on the sweep, then
   bisection) and the claim can then only be decided numerically.
2. **Symbolic, region by region.**  On each open region (:func:`regions`) every
   switching building block takes the branch it has at an interior point
   (:func:`resolve`), ``w`` becomes ``x`` or ``-x`` with ``x > 0``, and SymPy
   simplifies the difference; each breakpoint other than 0 is checked at the
   point itself.  A region counts as proved only if every switch argument,
   resolved there, is proved by SymPy to keep one sign on the whole region
   (:func:`lksym.verify.regions.keeps_sign`): a proof never depends on the
   breakpoint solver having found every zero (solveset misses the zero of
   ``1 - 7/3*Abs(w)**(4/3)``).  All proved equal: "OK (symbolic)".  The verdict's ``regions``
   lists each region's status: "equal", "different" (SymPy proved the
   difference never 0 there) or "unknown".
3. **Numeric, the whole line.**  Claim and truth are evaluated with 50
   significant digits (exact points substituted by evalf, so cancelling terms
   are recomputed at higher precision) at: "nice" points first (1, -1, 2, -2,
   1/2, ...); three points strictly inside every region however narrow
   (:func:`lksym.verify.sampling.region_interiors`); both sides of every breakpoint, b(1 +- 1/10), b(1 +- 1e-6),
   b(1 +- 1e-20), and b itself; then |w| log-uniformly from 1e-300 to 1e300 (30
   decades beyond the claim's smallest and largest constant when those are
   further out), coarse to fine, both signs (:func:`sweep_points`).  Points in
   a region proved different are sampled first, so the counterexample lies
   there.  A difference (relative 1e-45) that survives evaluation at 150 digits,
   or a claim undefined or not real where the truth is defined, is a
   counterexample: WRONG.  At the nice points and inside every region the
   difference ``claim - truth`` is also evaluated as one expression
   (:func:`lksym.verify.sampling.certified_difference`: evalf follows the
   cancellation), so a difference evalf can tell from 0 (``10^-60 sin(w)``) is
   WRONG, and agreement there means below 1e-100 of the values.  Agreement at
   every planned point, with an agreeing point inside every region, is
   "OK (numeric)", which states its :class:`Coverage` (points, range,
   breakpoints): sampled agreement is evidence, not proof.
4. A region proved different that no sample shows at 50 digits
   (``2*w*(1 + 1e-40)``) is WRONG ("symbolic") at a point of that region,
   values shown with 50 digits.
5. Anything else is **UNDECIDED** (``holds`` false, no counterexample, a
   ``note`` saying what was checked): a point where evaluation failed (an
   exponent mpmath refuses) or a difference that did not survive higher
   precision, a region with no agreeing point inside, or the budget running
   out before every point was sampled.

A counterexample's text shows short exact numbers (``-1``, ``3/2``,
``3*sqrt(2)/2 (2.12...)``) and otherwise floats with as many digits as it
takes to see the difference; the exact point and values are in
``w_exact``, ``claimed_exact`` and ``true_exact`` (SymPy text, powers of ten
kept short).  :func:`check_expression` does all this for any true expression
in ``w`` (a penalty's), not only for :math:`|w|^k`.

A *prox* claim (``prox=``, ``--prox``) is an expression in ``z`` (real) and
``lam`` (positive) for :math:`\operatorname{prox}(z) = \arg\min_x \tfrac12 (x-z)^2
+ \lambda |x|^k`.  When :func:`lksym.derivation.prox.prox_closed_form` exists, SymPy first
tries to prove the claim equal to it on :math:`z = \text{threshold} + t`, :math:`t > 0`;
then the claim is always evaluated at 40 digits (exact evalf substitution) at
the nice points of old (lam 1/10, 1/2, 1, 2; z of both signs, inside the
threshold and at t(1 +- d) for d = 1e-1, 1e-6, 1e-9, 1e-12, 1e-20), then
for lam from 1e-300 to 1e300 (``PROX_FAR_LAMS``) on both sides of each
threshold and for |z| from 1e-250 to 1e250 (``PROX_Z_EXPONENTS``), wherever
the float first guess is representable, and compared with the proximal step to
40 digits (:func:`lksym.verify.prox_claims.precise_truth`: Newton from
:func:`lksym.derivation.prox.prox_numeric`, certified by a sign change, else
:func:`lksym.derivation.prox.prox_precise`) with relative tolerance 1e-30
(non-real or undefined is wrong).
Method "symbolic" means the branch above the threshold was proved and all the
rest agreed numerically; a point not evaluable, or the budget running out,
makes it UNDECIDED.

Limit claims compare one exact number (``oo``, ``-oo``, ``inf`` allowed) with
the derived limit: exactly (SymPy proves the difference 0), else by the
certified difference of the two numbers (a limit off by 10^-25 is WRONG; one
evalf cannot tell from 0 is UNDECIDED unless below 1e-100 of its size).

Time budget
-----------
Parseable input can still be expensive (``simplify`` on a nasty nest), so each
claim gets ``budget`` seconds (default 15): at most a quarter for the
breakpoints, at most half in all for the symbolic step, the rest for the
numeric one.  Each expression and prox claim is decided in a forked child
process (:func:`lksym.budget.attempt` with ``process=True``) that is killed
when its budget is up, so a C call no alarm interrupts (``exp(exp(exp(exp(
exp(abs(w))))))`` at a large w, one mpmath call of minutes) cannot outrun it:
the claim is then UNDECIDED.  Inside the child the sampling stops itself just
before its time is up and reports how far it got (UNDECIDED).  Numeric
evaluation substitutes the exact point inside evalf, so no huge exact power is
ever built.  A timer of the caller's own is honoured.  Deriving the truth for
k is guarded the same way (:data:`ANALYSIS_BUDGET`); a k that takes longer is
refused with :class:`~lksym.errors.InputError`.

Limitations
-----------
Equality is as SymPy's automatic evaluation sees it: ``w*log(w)/log(w)`` is
``w`` before any check, though undefined at ``w = 1``.  Numerically, a
relative difference below 1e-45 at the sweep's points (below 1e-100 at the
nice points and inside the regions) passes unless step 2 proved the difference
nonzero, and a claim wrong only between sample points of a region SymPy could
not decide and no breakpoint of its own marks (``1e-40*exp(-(w - 7)^2*10^60)``
at w = 7) passes as "OK (numeric)": the coverage says what was looked at.
Conditions SymPy cannot solve exactly are never proved.

Examples
--------
>>> r = verify("3/2", gradient="3/2*sign(w)*sqrt(abs(w))")
>>> r.all_hold, r.claims[0].method
(True, 'symbolic')
>>> r = verify("3/2", gradient="3/2*sqrt(abs(w))")
>>> r.all_hold, r.claims[0].counterexample.w
(False, '-1')
"""

from __future__ import annotations

from lksym.verify.claims import DEFAULT_BUDGET, check_expression, parse_limit_spec, verify
from lksym.verify.regions import Breakpoints, Region, breakpoints, regions, resolve, switch_arguments
from lksym.verify.sampling import Coverage, sweep_points
from lksym.verify.verdicts import Counterexample, Verdict, VerifyResult

__all__ = [
    "Breakpoints", "Counterexample", "Coverage", "Region", "Verdict", "VerifyResult", "DEFAULT_BUDGET",
    "breakpoints", "check_expression", "parse_limit_spec", "regions", "resolve", "sweep_points",
    "switch_arguments", "verify",
]
