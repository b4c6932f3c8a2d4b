"""``lksym simulate``: trajectories of plain gradient descent, as text and a figure (the whole command)."""

from __future__ import annotations

import sys
from pathlib import Path

import sympy as sp

from lksym.derivation.exact import k_text as exact_text
from lksym.derivation.expr import parse_real
from lksym.errors import InputError
from lksym.fileio import owned, signed, write_atomic
from lksym.numerics.simulate import STARTS, classify, cycle_marks, simulate
from lksym.results import analyze
from lksym.writers.index import short_name, subject_slug
from lksym.writers.simulate import trajectory_svg


def run_simulation(k_text: str, eta_text: str, steps: int, out_dir: str) -> tuple[str, list[str]]:
    """What ``lksym simulate`` does: write the trajectory SVG, return its path and one line per start.

    Examples
    --------
    >>> import tempfile
    >>> path, lines = run_simulation("2", "0.25", 3, tempfile.mkdtemp())
    >>> path.endswith("simulate-k-2-eta-0.25.svg"), lines[-1]
    (True, 'w0 = +1: decays geometrically to 0, by the factor 1 − 2η = 0.5 per step (|w| = 0.125 after 3 steps)')
    """
    a = analyze(k_text)
    eta = parse_real(eta_text, "eta", positive=True)
    if not float(eta) >= sys.float_info.min:  # 1e-400 is 0.0 as a float: the simulation runs in floats
        raise InputError(
            f"eta = {sp.sstr(sp.N(eta, 3))} is too small to simulate in floating point "
            f"(at least {sys.float_info.min:.3g}); its exact effects are in `lksym analyze {k_text} --json` (gd)"
        )
    path = simulate(a, float(eta), steps=steps)
    svg = trajectory_svg({"path": path, "label": a.label, "eta": float(eta), "starts": list(STARTS),
                          **cycle_marks(a, float(eta))})
    # A long exact eta (10**-300 has 301 digits) is shortened with a hash: names stay distinct and legal.
    slug = subject_slug(a)
    name = short_name(f"simulate-{slug}-eta-{exact_text(eta).replace('/', '_')}") + ".svg"
    # Unsigned (an lksym before signatures): a matplotlib SVG; a user's own SVG of that name is not.
    legacy = owned(lambda old: old.lstrip().startswith((b"<?xml", b"<svg")) and b"matplotlib" in old[:4096].lower())
    target = write_atomic(Path(out_dir) / name, signed(svg), ours=legacy)
    return str(target), [classify(a, float(eta), path, i).text for i in range(path.shape[1])]
