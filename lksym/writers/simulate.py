"""``lksym simulate``'s figure: the trajectories of plain gradient descent as SVG bytes.

The command itself (analyse, simulate, name and write the file) is :func:`lksym.app.simulate.run_simulation`.
"""

from __future__ import annotations

import matplotlib

from lksym.writers.plots import SVG_RC, render_svg, trajectory_render


def trajectory_svg(data: dict) -> bytes:
    """The SVG of :func:`lksym.writers.plots.trajectory_render` for ``data`` (``path``, ``label``, ``eta``, ``starts``, cycle marks).

    Examples
    --------
    >>> import numpy as np
    >>> svg = trajectory_svg({"path": np.array([[1.0], [0.5]]), "label": "|w|^2", "eta": 0.25, "starts": [1.0]})
    >>> svg.lstrip().startswith(b"<?xml")
    True
    """
    with matplotlib.rc_context(SVG_RC):
        return render_svg(trajectory_render(data))
