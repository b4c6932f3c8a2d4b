"""Every static limit on untrusted expression text and on what is built from it.

Job: name each bound once, with what it bounds and why.  Nothing here runs;
:mod:`lksym.derivation.expr.scan` (text and syntax tree),
:mod:`lksym.derivation.expr.build` (numbers SymPy would make) and
:mod:`lksym.derivation.expr.values` (the exponent k) enforce them.

Contracts
---------
- Each limit is a plain module constant, read at call time, the same in every
  thread; nothing here changes at run time.
- The limits keep ordinary input far below the time limit of one call,
  :data:`lksym.derivation.expr.TIME_LIMIT`, which stays with the public entry
  points that run against it.

Examples
--------
>>> MAX_LENGTH, MAX_DEPTH, MAX_NODES
(1000, 40, 400)
>>> MIN_K, MAX_K
(1/1000, 1000)
"""

from __future__ import annotations

import sympy as sp

MAX_LENGTH = 1000
"""Most characters accepted in one expression: bounds the scanner's and :func:`ast.parse`'s work and memory."""

MAX_DEPTH = 40
"""Deepest nesting accepted, both of brackets/bars in the text and of the syntax tree.

The builder recurses on the tree, so this keeps it far from Python's recursion limit
(a left-leaning ``w+w+...+w`` is walked in a loop and bounded by :data:`MAX_NODES` instead)."""

MAX_NODES = 400
"""Most syntax-tree nodes (numbers, names, operations, calls) in one expression.

Every node is built and checked (numbers evaluated to 15 digits), so this bounds the number of those steps."""

MAX_EXPONENT = 1000
"""Largest :math:`|e|` of a numeric exponent, in ``x**e`` for any ``x``: SymPy evaluates powers as it builds
(``9**9**9**9``, ``w**100000``)."""

MAX_POWER_BITS = 4000
"""Largest size, in bits, of a number raised to a numeric power (``10**1000`` has 3322)."""

MAX_EXP_ARGUMENT = 10_000
"""Largest :math:`|x|` in ``exp(x)`` for a numeric ``x``; stops towers like ``exp(exp(exp(10)))``."""

MAX_NUMBER_BITS = MAX_POWER_BITS
"""Largest numerator or denominator, in bits, of any exact rational in any part built.

SymPy's assumption system may test an integer for primality on its own (``Abs``
asks whether its argument is nonnegative, which can ask whether it is prime):
0.15 s at 4000 bits, 2 s at 10,000, in one uninterruptible step.
"""

MAX_EXPONENT_DENOMINATOR = 10**12
"""Largest denominator of a fractional exponent of a number: ``2**(1e-300)`` has degree 10**300."""

MAX_ROOT_BITS = 1024
"""Largest exact rational (in bits) whose root is taken: SymPy factors it to simplify."""

MAX_MIN_MAX_ARGUMENTS = 20
"""Most arguments of one Min or Max (nested ones included): each pair is compared."""

MAX_DECIMAL_EXPONENT = 400
"""Largest :math:`|e|` written in a literal such as ``1.5e400``: the literal is an exact rational of that many digits."""

MAX_K = 1000
"""Largest exponent k accepted by :func:`parse_k`."""

MIN_K = sp.Rational(1, 1000)
"""Smallest exponent k accepted by :func:`parse_k` (the smallest rational with an accepted denominator).

Below it even irrational k (``pi/10**6``) need powers like :math:`x^{1/(1-k)}`
of numbers with millions of digits in exact form."""

MAX_K_DENOMINATOR = 1000
"""Largest denominator of a rational k accepted by :func:`parse_k`."""

MAX_POLE_EXPONENT = 100
"""Largest |1/(k - 1)| and |1/(k - 2)| for any k (rational or not): bounds the exact powers in crossovers."""
