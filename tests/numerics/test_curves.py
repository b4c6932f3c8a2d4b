"""lksym.numerics.curves: shrinkage maps against brute force, located jumps, balls on their level sets."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.mark.parametrize("k", [0.25, 0.5, 1, 1.5, 2, 3, 10])
def test_unit_ball_on_the_unit_sphere(k):
    from lksym.numerics.curves import unit_ball

    x, y = unit_ball(k)
    assert np.allclose(np.abs(x) ** k + np.abs(y) ** k, 1.0, atol=1e-12)
    # Closed curve through the four axis points (the corners for k < 1).
    for px, py in [(1, 0), (0, 1), (-1, 0), (0, -1)]:
        assert np.min(np.hypot(x - px, y - py)) < 1e-12


@pytest.mark.parametrize(
    "subject, lam, jumps",
    [
        ("l0", 1.0, [np.sqrt(2.0)]),  # hard threshold sqrt(2 lam)
        ("l0", 0.5, [1.0]),
        ("capped_l1(theta=1)", 1.0, [1.5]),  # z - lam/2 = theta: objectives of z - lam and z agree
        ("0.5", 1.0, [1.5]),  # half thresholding: (54^(1/3)/4) (2 lam)^(2/3) = 3/2 lam^(2/3)
        ("logsum(eps=0.1)", 1.0, None),  # at the brute-force threshold
        ("scad(lam=1, a=3.7)", 1.0, []),  # continuous for lam < 27/10
        ("scad(lam=1, a=3.7)", 3.0, [(10 * 3.0 + 47) / 20]),  # lam in (27/10, 47/10]: jump at (10 lam + 47)/20
        ("mcp(lam=1, gamma=3)", 1.0, []),
        ("mcp(lam=1, gamma=3)", 4.0, [np.sqrt(3 * 4.0)]),  # lam > gamma: hard threshold sqrt(gamma lam)
        ("huber(delta=1)", 1.0, []),
        ("1", 1.0, []),
    ],
)
def test_shrinkage_jumps_located_and_never_drawn_across(analysis_of, subject, lam, jumps):
    from lksym.numerics.curves import shrinkage_curve

    if jumps is None:
        x = np.linspace(1e-4, 10, 2_000_001)
        jumps = [float(np.min(x / 2 + lam * np.log1p(10 * x) / x))]
    a = analysis_of(subject)
    grid = np.linspace(-4.0, 4.0, 801)
    z, y, found = shrinkage_curve(a, lam, grid)
    expected = sorted([-j for j in jumps] + list(jumps))
    assert [f[0] for f in sorted(found)] == pytest.approx(expected, abs=1e-3 if subject.startswith("log") else 1e-9)
    assert int(np.isnan(y).sum()) == len(expected)
    # No segment joins two finite points on either side of a jump, and everywhere else the map moves in small steps.
    for at, _, _ in found:
        left, right = z[:-1] < at, z[1:] > at
        both = np.isfinite(y[:-1]) & np.isfinite(y[1:])
        assert not np.any(left & right & both)
    finite = np.isfinite(y[:-1]) & np.isfinite(y[1:])
    assert np.max(np.abs(np.diff(y))[finite]) < 0.05


@pytest.mark.parametrize(
    "subject, on_boundary",
    [
        ("scad(lam=1, a=3.7)", lambda x, y: np.abs(x) + np.abs(y)),  # SCAD is |w| on [0, 1]
        ("capped_l1(theta=1)", lambda x, y: np.abs(x) + np.abs(y)),
        ("huber(delta=1)", lambda x, y: x**2 + y**2),  # x^2/2 on [0, 1]: the circle
        ("mcp(lam=1, gamma=3)", lambda x, y: (np.abs(x) - x**2 / 6 + np.abs(y) - y**2 / 6) / (5 / 6)),
        ("logsum(eps=0.1)", lambda x, y: (np.log1p(10 * np.abs(x)) + np.log1p(10 * np.abs(y))) / np.log(11)),
    ],
)
def test_penalty_ball_on_its_level_set(analysis_of, subject, on_boundary):
    from lksym.numerics.curves import penalty_ball

    x, y = penalty_ball(analysis_of(subject))
    assert np.allclose(on_boundary(x, y), 1.0, atol=1e-9)
    for px, py in [(1, 0), (0, 1), (-1, 0), (0, -1)]:
        assert np.min(np.hypot(x - px, y - py)) < 1e-9


W = np.linspace(-12.0, 12.0, 2_400_001)  # spacing 1e-5


@pytest.mark.parametrize(
    "subject, penalty",
    [
        ("1", np.abs),
        ("1/2", lambda w: np.abs(w) ** 0.5),
        ("3", lambda w: np.abs(w) ** 3),
        ("capped_l1(theta=1)", lambda w: np.minimum(np.abs(w), 1.0)),
        ("huber(delta=1)", lambda w: np.where(np.abs(w) <= 1, w**2 / 2, np.abs(w) - 0.5)),
    ],
)
def test_report_shrinkage_data_is_the_brute_force_argmin(analysis_of, subject, penalty):
    from lksym.numerics.curves import shrinkage_data

    d = shrinkage_data(analysis_of(subject))
    z, y = d["z"], d["prox"]
    assert z[0] == -d["half"] and z[-1] == d["half"] and d["half"] >= 3.0
    for zi, yi in zip(z[::97], y[::97]):
        if not np.isfinite(yi) or abs(abs(zi) - d["threshold"]) < 0.05:
            continue  # a broken jump, or the tie at the threshold
        want = float(W[np.argmin((W - zi) ** 2 / 2 + penalty(W))])
        assert yi == pytest.approx(want, abs=2e-5), (subject, zi)
    assert np.array_equal(d["soft"], np.sign(z) * np.maximum(np.abs(z) - 1.0, 0.0))


@pytest.mark.parametrize(
    "subjects, lam, want",
    [
        (("1", "2"), None, 1.5),  # no breakpoint: the least
        (("scad(lam=1, a=3.7)",), None, 4.5),  # ceil(1.2 * 3.7 * 2) / 2
        (("logsum(eps=0.1)",), 1.0, 3.5),  # threshold 2.52 at lam = 1: ceil(1.2 * 2.52 * 2) / 2
        (("l0",), 4.0, 3.5),  # sqrt(2 * 4) = 2.83: ceil(6.79) / 2
    ],
)
def test_half_width_reaches_past_every_landmark(analysis_of, subjects, lam, want):
    from lksym.numerics.curves import half_width, landmarks

    analyses = [analysis_of(s) for s in subjects]
    assert half_width(analyses, 1.5, lam) == want
    assert all(e <= want / 1.2 + 1e-12 for e in landmarks(analyses, lam))
