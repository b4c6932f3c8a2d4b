"""lksym.app.compare: the frozen Comparison a page renders, each number against an independent computation."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

R = sp.Rational


def _hand(k1, k2):
    # k1 x^(k1-1) = k2 x^(k2-1)  <=>  x^(k2-k1) = k1/k2
    return (k1 / k2) ** (1 / (k2 - k1))


@pytest.mark.parametrize(
    "k1, k2, exact",
    [
        ("1", "2", R(1, 2)),
        ("3/2", "2", R(9, 16)),
        ("1/2", "1", R(1, 4)),
        ("1", "3/2", R(4, 9)),
        ("2", "3", R(2, 3)),
        ("1/2", "3", None),
        ("sqrt(2)", "pi", None),
    ],
)
def test_neighbour_crossover_by_hand(analysis_of, k1, k2, exact):
    from lksym.app.compare import neighbour_crossover

    x = neighbour_crossover(analysis_of(k1), analysis_of(k2))
    if exact is not None:
        assert sp.simplify(x - exact) == 0
    k1f, k2f = float(sp.sympify(k1)), float(sp.sympify(k2))
    assert float(x) == pytest.approx(_hand(k1f, k2f), rel=1e-12)


# --------------------------------------------------------------------------- the frozen Comparison

LAM_SCAD, A_SCAD, GAMMA_MCP = 1.0, 3.7, 3.0


def _scad(w):
    # Fan and Li (2001), lam = 1, a = 3.7, typed from the paper's definition.
    x = np.abs(w)
    mid = (2 * A_SCAD * LAM_SCAD * x - x**2 - LAM_SCAD**2) / (2 * (A_SCAD - 1))
    return np.where(x <= LAM_SCAD, LAM_SCAD * x, np.where(x <= A_SCAD * LAM_SCAD, mid, LAM_SCAD**2 * (A_SCAD + 1) / 2))


def _mcp(w):
    # Zhang (2010), lam = 1, gamma = 3.
    x = np.abs(w)
    return np.where(x <= GAMMA_MCP, x - x**2 / (2 * GAMMA_MCP), GAMMA_MCP / 2)


HAND = {
    "1/2": lambda w: np.abs(w) ** 0.5,
    "1": np.abs,
    "3/2": lambda w: np.abs(w) ** 1.5,
    "2": lambda w: w**2,
    "l0": lambda w: (w != 0).astype(float),
    "scad(lam=1, a=3.7)": _scad,
    "mcp(lam=1, gamma=3)": _mcp,
}
"""Each subject's penalty typed by hand: the brute force below never evaluates a derived expression."""

W = np.linspace(-8.0, 8.0, 1_600_001)  # spacing 1e-5, 0 on the grid


def _argmin(p, lam: float, z: float) -> float:
    return float(W[np.argmin((W - z) ** 2 / 2 + lam * p(W))])


@pytest.fixture(scope="module")
def power_page():
    from lksym.app.compare import comparison
    from lksym.results import analyze

    return comparison([analyze(k) for k in ("1/2", "1", "3/2", "2")])


@pytest.fixture(scope="module")
def mixed_page():
    from lksym.app.compare import comparison
    from lksym.results import analyze

    return comparison([analyze(s) for s in ("1", "l0", "scad(lam=1, a=3.7)", "mcp(lam=1, gamma=3)")])


SUBJECTS = {"power": ("1/2", "1", "3/2", "2"), "mixed": ("1", "l0", "scad(lam=1, a=3.7)", "mcp(lam=1, gamma=3)")}


@pytest.mark.parametrize("which", ["power", "mixed"])
def test_shrinkage_curves_are_the_brute_force_argmin(request, which):
    c = request.getfixturevalue(f"{which}_page")
    assert c.shrink_lambda == (0.5 if which == "power" else 1.0)
    assert len(c.shrinkage) == len(c.analyses) == len(SUBJECTS[which])
    for text, curve in zip(SUBJECTS[which], c.shrinkage):
        z, y = np.asarray(curve.z), np.asarray(curve.y)
        assert z[0] == -c.shrink_half and z[-1] == c.shrink_half
        # Away from the thresholds (two minimisers tie there), every 40th sample against the dense-grid argmin.
        ties = [j[0] for j in curve.jumps] + [t for t in (c.thresholds[SUBJECTS[which].index(text)],) if t]
        checked = 0
        for zi, yi in zip(z[::40], y[::40]):
            if not np.isfinite(yi) or any(abs(abs(zi) - abs(t)) < 0.05 for t in ties) or abs(abs(zi) - 1.5 * 0.5 ** (2 / 3)) < 0.05:
                continue
            assert yi == pytest.approx(_argmin(HAND[text], c.shrink_lambda, zi), abs=2e-5), (text, zi)
            checked += 1
        assert checked >= 15, text


def test_power_page_samples_the_map_without_jumps_located(power_page):
    # The power family's page breaks its maps itself (a rise over 0.25 between samples); none is located here.
    assert all(curve.jumps == () for curve in power_page.shrinkage)
    assert power_page.thresholds == (None,) * 4


def test_mixed_thresholds_at_lambda_one_by_hand(mixed_page):
    # L1 soft threshold lam; L0 hard threshold sqrt(2 lam); SCAD and MCP threshold at lam = 1 like L1.
    assert mixed_page.thresholds == pytest.approx((1.0, np.sqrt(2.0), 1.0, 1.0), abs=1e-9)
    l0 = mixed_page.shrinkage[1]
    assert [j[0] for j in l0.jumps] == pytest.approx([-np.sqrt(2.0), np.sqrt(2.0)], abs=1e-9)


def test_neighbours_are_the_consecutive_powers(power_page, mixed_page):
    ks = [(n.k1, n.k2) for n in power_page.neighbours]
    assert ks == [(R(1, 2), 1), (1, R(3, 2)), (R(3, 2), 2)]
    for n in power_page.neighbours:
        assert float(n.weight) == pytest.approx(_hand(float(n.k1), float(n.k2)), rel=1e-12)
    assert mixed_page.neighbours == ()  # one power only


def test_half_widths_reach_every_landmark(power_page, mixed_page):
    # Power page: every threshold at lam = 1/2 is below 2 (k = 1/2: 3/2 lam^(2/3) = 0.94), so the least, 2.
    assert power_page.shrink_half == 2.0 and power_page.overlay_half == 1.5
    # SCAD is the identity beyond a lam = 3.7: ceil(1.2 * 3.7 * 2) / 2 = 4.5, for the maps and the overlays.
    assert mixed_page.shrink_half == 4.5 and mixed_page.overlay_half == 4.5


def test_balls_on_their_level_sets_or_left_out_with_the_reason(power_page, mixed_page):
    for a, (x, y), note in zip(power_page.analyses, power_page.balls, power_page.ball_notes):
        k = float(a.power.k)
        assert np.allclose(np.abs(x) ** k + np.abs(y) ** k, 1.0, atol=1e-12) and note == ""
    assert mixed_page.balls[1] is None and mixed_page.ball_notes == ("", "p jumps at 0", "", "")
    x, y = mixed_page.balls[2]  # SCAD is |w| on [0, 1]: the L1 diamond
    assert np.allclose(np.abs(x) + np.abs(y), 1.0, atol=1e-9)


def test_the_result_is_frozen(power_page):
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        power_page.shrink_half = 3.0
