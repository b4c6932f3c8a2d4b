"""The symbols every derivation shares: one definition each, so equal expressions compare equal.

=========  ==============================================  =====================
symbol     meaning                                         assumptions
=========  ==============================================  =====================
``w``      a weight                                        real
``x``      :math:`|w|`, on the right branch                positive
``lam``    strength of the proximal step                   positive
``z``      input of the proximal step                      positive
``eta``    gradient-descent step size                      positive
``alpha``  weight of the penalty in the loss                positive
``tau``    size of a data gradient                         positive
=========  ==============================================  =====================
"""

from __future__ import annotations

import sympy as sp

W = sp.Symbol("w", real=True)
"""The weight, a real symbol."""


X = sp.Symbol("x", positive=True)
"""A positive stand-in for :math:`|w|` on the right branch."""


LAM = sp.Symbol("lam", positive=True)
"""The penalty weight :math:`\\lambda`."""


Z = sp.Symbol("z", positive=True)
"""The input of the proximal operator; closed forms are for :math:`z` above the threshold."""


ALPHA = sp.Symbol("alpha", positive=True)


TAU = sp.Symbol("tau", positive=True)


ETA = sp.Symbol("eta", positive=True)
