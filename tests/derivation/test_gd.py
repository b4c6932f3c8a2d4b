"""Gradient descent facts of the analysis against a plain loop written here with the hand gradient.

The loop uses k*sign(w)*|w|^(k-1) typed in this file (conftest's KCase.gradient),
not lksym's lambdified expression, so the derived amplitude, stability and decay
are checked against an independent computation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from conftest import CASES_BY_TEXT, ETA

ETA_VALUE = 0.1


def _run(case, w0: float, eta: float, steps: int) -> list[float]:
    w, path = w0, [w0]
    for _ in range(steps):
        w = w - eta * case.gradient(w) if w != 0 else 0.0
        path.append(w)
        if abs(w) > 1e6:
            break  # diverging (k > 2 beyond the cycle): stop before floats overflow
    return path


def _amplitude(a, eta: float) -> float:
    return float(a.gd.cycle_amplitude.subs(ETA, eta))


@pytest.mark.parametrize("text", ["4/3", "1.5", "1.9", "sqrt(2)"])
def test_stable_cycle_attracts(text, analysis_of):
    a, case = analysis_of(text), CASES_BY_TEXT[text]
    assert a.gd.cycle_stable is True
    amp = _amplitude(a, ETA_VALUE)
    m = float(a.gd.cycle_multiplier)
    assert m == pytest.approx((3 - 2 * case.kf) ** 2, abs=1e-12)
    for start in (amp * 1.3, amp * 0.7, -amp * 1.1):
        path = _run(case, start, ETA_VALUE, 400)
        assert abs(abs(path[-1]) - amp) <= 1e-9 * amp, (text, start)
        assert path[-1] * path[-2] < 0  # it keeps jumping across 0


@pytest.mark.parametrize("text", ["0.1", "1/2", "7/3", "3", "5/2"])
def test_unstable_cycle_repels(text, analysis_of):
    a, case = analysis_of(text), CASES_BY_TEXT[text]
    assert a.gd.cycle_stable is False
    amp = _amplitude(a, ETA_VALUE)
    assert float(a.gd.cycle_multiplier) == pytest.approx((3 - 2 * case.kf) ** 2, rel=1e-12)
    # Exactly on the cycle (up to rounding) the loop flips sign and keeps |w|.
    one = _run(case, amp, ETA_VALUE, 1)
    assert one[1] == pytest.approx(-amp, rel=1e-9)
    # A small offset grows by about sqrt(multiplier) per step.
    start = amp * (1 + 1e-8)
    path = _run(case, start, ETA_VALUE, 40)
    offsets = [abs(abs(w) - amp) for w in path[:41] if math.isfinite(w)]
    assert max(offsets) > 1e3 * offsets[0]


def test_l1_cycle_is_neutral(analysis_of):
    a, case = analysis_of("1"), CASES_BY_TEXT["1"]
    assert a.gd.cycle_stable is None and a.gd.cycle_multiplier == 1
    assert a.gd.cycle_amplitude == ETA / 2
    for start in (0.03, 0.05, 0.08):  # every |w| < eta is on its own two-cycle
        path = _run(case, start, ETA_VALUE, 6)
        assert path[2] == pytest.approx(start, abs=1e-15) and path[4] == pytest.approx(start, abs=1e-15)


def test_l2_has_no_single_cycle_and_decays_geometrically(analysis_of):
    a, case = analysis_of("2"), CASES_BY_TEXT["2"]
    assert a.gd.cycle_amplitude is None and a.gd.cycle_stable is None
    assert a.gd.decay.kind == "geometric"
    assert sp.expand(a.gd.decay.rate - (1 - 2 * ETA)) == 0
    for eta in (0.1, 0.3, 0.7):
        rate = float(a.gd.decay.rate.subs(ETA, eta))
        path = _run(case, 0.8, eta, 25)
        for t, w in enumerate(path):
            assert w == pytest.approx(rate**t * 0.8, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("text", ["7/3", "3", "5/2", "10", "pi"])
def test_power_decay_order(text, analysis_of):
    a, case = analysis_of(text), CASES_BY_TEXT[text]
    d = a.gd.decay
    assert d.kind == "power"
    assert sp.simplify(d.order - 1 / (case.k - 2)) == 0
    if text in ("3", "5/2"):
        # |w_t| * t^p tends to the derived constant C.
        p, c = float(d.order), float(d.constant.subs(ETA, ETA_VALUE))
        path = _run(case, 0.5, ETA_VALUE, 200_000)
        scaled = [abs(path[t]) * t**p for t in (50_000, 100_000, 200_000)]
        assert abs(scaled[2] - scaled[1]) < abs(scaled[1] - scaled[0])  # settling
        assert scaled[2] == pytest.approx(c, rel=2e-2)


def test_sublinear_and_between_have_no_decay(analysis_of):
    for text in ("0.1", "1/2", "1", "1.5", "sqrt(2)"):
        assert analysis_of(text).gd.decay.kind is None


def test_simulate_uses_the_derived_gradient(analysis_of):
    from lksym.numerics.simulate import describe, simulate

    a, case = analysis_of("1.5"), CASES_BY_TEXT["1.5"]
    path = simulate(a, ETA_VALUE, steps=50, starts=[0.3, -1.0])
    for column, start in enumerate([0.3, -1.0]):
        np.testing.assert_allclose(path[:, column], _run(case, start, ETA_VALUE, 50), rtol=1e-12, atol=1e-15)
    assert "ends at" in describe(simulate(a, ETA_VALUE), 0)  # without the analysis: only where it ended
    # The old summary said "keeps jumping across 0" here, the words for L0.5's chaos.
    assert "settles on the two-cycle ±9η²/16" in describe(simulate(a, ETA_VALUE), 0, a, ETA_VALUE)


def test_simulate_command(tmp_path):
    from click.testing import CliRunner

    from lksym.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["simulate", "--k", "3", "--eta", "0.1", "--steps", "30", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].endswith("simulate-k-3-eta-0.1.svg") and len(lines) == 7
    first = (tmp_path / "simulate-k-3-eta-0.1.svg").read_bytes()
    runner.invoke(main, ["simulate", "--k", "3", "--eta", "0.1", "--steps", "30", "--out", str(tmp_path)])
    assert (tmp_path / "simulate-k-3-eta-0.1.svg").read_bytes() == first  # deterministic
    bad = runner.invoke(main, ["simulate", "--k", "3", "--eta", "-1"])
    assert bad.exit_code == 2 and "eta must be positive" in bad.output


def test_json_gd_keys(analysis_of):
    from lksym.writers.jsonout import to_dict

    d = to_dict(analysis_of("1.5"))["gd"]
    assert d == {
        "cycle_amplitude": "9*eta**2/16",
        "cycle_stable": True,
        "cycle_multiplier": "0",
        "decay": {"kind": None, "rate": None, "order": None},
    }
    assert to_dict(analysis_of("2"))["gd"]["decay"] == {"kind": "geometric", "rate": "1 - 2*eta", "order": None}
    assert to_dict(analysis_of("3"))["gd"]["decay"] == {"kind": "power", "rate": None, "order": "1"}


def test_report_states_the_article_claims(analysis_of):
    from lksym.writers.report import report_markdown

    assert "of $L_{0.5}$, small weights keep jumping across zero" in report_markdown(analysis_of("1/2"))
    assert "of $L_3$, weights near zero stop moving" in report_markdown(analysis_of("3"))


# --------------------------------------------------------------------------- naming trajectories (issue 13)

OUTCOME_CASES = [  # (k, eta): both sides of the cycle / divergence boundaries
    ("0.5", 0.1), ("0.5", 1.0), ("1", 0.07), ("1.5", 0.1), ("1.5", 0.5), ("2", 0.1), ("2", 1.0), ("2", 1.5),
    ("3", 0.1), ("3", 10.0), ("10", 0.1), ("10", 10.0),
]


def _truth(kf: float, eta: float, w0: float, steps: int = 200) -> str:
    """What the trajectory does, from a 60-digit loop with the hand gradient and hand-derived facts only."""
    from fractions import Fraction

    import mpmath

    def exact(x: float):  # the decimal the user typed (0.1 is 1/10), not the binary float
        f = Fraction(str(x))
        return mpmath.mpf(f.numerator) / f.denominator

    with mpmath.workdps(60):
        k, e = mpmath.mpf(kf), exact(eta)
        w, path = exact(w0), [exact(w0)]
        for _ in range(steps):
            if w == 0:
                path.append(w)
                continue
            w = w - e * k * mpmath.sign(w) * abs(w) ** (k - 1)
            path.append(w)
            if abs(w) > 1e6:
                return "diverges"
        tail = path[len(path) // 2 :]
        alternates = all(x * y < 0 for x, y in zip(tail, tail[1:]))
        flips = sum(x * y < 0 for x, y in zip(tail, tail[1:]))
        if path[-1] == 0:
            return "zero"
        if kf == 2:
            return "flips" if eta == 1 else "decays"
        if kf == 1:  # L1: ends on {r, r - eta sign r} with |r| < eta
            return "cycle" if alternates and abs(path[-1]) < e and abs(abs(path[-1] - path[-2]) - e) < 1e-40 else "?"
        a = (2 / (e * k)) ** (1 / (k - 2))  # the two-cycle by hand: eta k a^(k-1) = 2a
        if 1 < kf < 2:
            return "cycle" if alternates and abs(abs(path[-1]) - a) < 1e-6 * a else "approaches"
        if kf > 2:
            return "decays" if abs(w0) < a and abs(path[-1]) < abs(w0) else "?"
        # k < 1: nothing attracts but 0 itself, so once a weight has crossed 0 it jumps for ever.
        return "chaos" if flips > 0 else "approaches"


@pytest.mark.parametrize("text, eta", OUTCOME_CASES)
def test_trajectories_are_named_for_what_they_do(text, eta, analysis_of):
    from lksym.numerics.simulate import STARTS, classify, simulate

    a = analysis_of(text)
    path = simulate(a, eta)
    for column, w0 in enumerate(STARTS):
        outcome = classify(a, eta, path, column)
        assert outcome.kind == _truth(float(a.power.k), eta, w0), (text, eta, w0, outcome.text)


def test_chaotic_weights_never_end_where_a_float_run_ends(analysis_of):
    import mpmath

    from lksym.numerics.simulate import classify, simulate

    a = analysis_of("0.5")
    path = simulate(a, 0.1, starts=[0.3])
    assert classify(a, 0.1, path, 0).kind == "chaos"
    with mpmath.workdps(60):
        w = mpmath.mpf(0.3)
        for _ in range(200):
            w = w - mpmath.mpf(0.1) * mpmath.sign(w) / (2 * mpmath.sqrt(abs(w)))
    assert abs(float(w) - path[-1, 0]) > 1e-3  # the end is an accident of rounding, so the label names none


def test_cycle_label_names_the_amplitude(analysis_of):
    from lksym.numerics.simulate import classify, simulate

    a = analysis_of("1.5")
    line = classify(a, 0.1, simulate(a, 0.1, starts=[1.0]), 0).text
    assert line == "w0 = +1: settles on the two-cycle ±9η²/16 = ±0.005625 (attracting)"
    assert "jumping" not in line




def test_simulate_command_eta_below_the_float_range_is_one_line(tmp_path):
    from click.testing import CliRunner

    from lksym.cli import main

    for eta in ("1e-400", "10**-400", "1e-320"):
        out = CliRunner().invoke(main, ["simulate", "--k", "1.5", "--eta", eta, "--out", str(tmp_path)])
        assert out.exit_code == 2, out.output
        [line] = out.output.strip().splitlines()
        assert line.startswith("Error: eta = ") and "too small to simulate in floating point" in line
    assert list(tmp_path.iterdir()) == []


def test_simulate_command_long_exact_eta_gets_a_short_distinct_name(tmp_path):
    from click.testing import CliRunner

    from lksym.cli import main

    names = []
    for eta in ("10**-300", "3*10**-300"):
        out = CliRunner().invoke(main, ["simulate", "--k", "1.5", "--eta", eta, "--steps", "3", "--out", str(tmp_path)])
        assert out.exit_code == 0, out.output
        path = out.output.splitlines()[0]
        names.append(path.rsplit("/", 1)[1])
        assert len(names[-1]) <= 104 and names[-1].endswith(".svg")
        assert "w0 = +1: " in out.output and "(|w| = 1 after 3 steps)" in out.output  # a step of 1e-300 does not move 1
    assert names[0] != names[1] and sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
