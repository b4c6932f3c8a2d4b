"""``lksym dynamics``: every exact fact against hand formulas, mpmath and plain loops; the issue's examples."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import lksym
from lksym.derivation.dynamics import derive_facts
from lksym.derivation.optimizers import optimizer, parse_data
from lksym.derivation.penalty import parse_subject
from lksym.errors import InputError
from lksym.numerics.dynamics import run

R = sp.Rational


def fact(d, name):
    return d.fact(name)


# --------------------------------------------------------------------------- two-cycle amplitudes by hand

@pytest.mark.parametrize("lr,alpha", [("1/100", "1"), ("1/10", "3"), ("1/3", "1/7")])
@pytest.mark.parametrize("mu", ["0", "1/2", "9/10"])
def test_two_cycle_amplitudes_for_l15_by_hand(lr, alpha, mu):
    # p'(a) = 3/2 sqrt(a): lr*alpha*3/2*sqrt(a) = 2*a*K  =>  a = (3*lr*alpha/(4*K))^2
    lr_, alpha_, mu_ = R(lr), R(alpha), R(mu)
    hand = {
        "sgd": 1,
        "momentum": 1 + mu_,
        "nesterov": (1 + mu_) / (1 + 2 * mu_),
    }
    for name, K in hand.items():
        if name == "sgd" and mu != "0":
            continue
        if name != "sgd" and mu == "0" and name == "nesterov":
            continue
        opt = optimizer(name, lr=lr, **({} if name == "sgd" else {"momentum": mu}))
        facts = derive_facts(parse_subject("1.5"), opt, alpha_, None)
        cycle = next(f for f in facts if f.name == "two-cycle")
        assert cycle.method == "exact"
        assert sp.sympify(cycle.value[0]) == (3 * lr_ * alpha_ / (4 * K)) ** 2


@pytest.mark.parametrize("d", ["0", "3/10", "1"])
def test_dampened_momentum_cycle(d):
    # lr*(1-d)*alpha*p'(a) = 2*(1+mu)*a; for L3: 3*lr*(1-d)*a^2 = 2*(1+mu)*a
    opt = optimizer("momentum", lr="1/100", momentum="1/2", dampening=d)
    cycle = next(f for f in derive_facts(parse_subject("3"), opt, sp.S.One, None) if f.name == "two-cycle")
    if d == "1":
        assert cycle.value is None  # the gradient never reaches the buffer
    else:
        assert sp.sympify(cycle.value[0]) == 2 * (1 + R(1, 2)) / (3 * R(1, 100) * (1 - R(d)))


@pytest.mark.parametrize("penalty", ["0.5", "1", "1.5", "3", "10", "scad(lam=1, a=3.7)", "logsum(eps=0.1)"])
@pytest.mark.parametrize("betas", [("9/10", "999/1000"), ("0", "0"), ("1/2", "9/10")])
@pytest.mark.parametrize("alpha", ["1", "1/1000"])
def test_adam_two_cycle_is_the_same_for_every_penalty(penalty, betas, alpha):
    opt = optimizer("adam", lr="1/100", eps="0", betas=betas)
    cycle = next(f for f in derive_facts(parse_subject(penalty), opt, R(alpha), None) if f.name == "two-cycle")
    b1 = R(betas[0])
    assert [sp.sympify(v) for v in cycle.value] == [R(1, 100) * (1 - b1) / (2 * (1 + b1))]


def test_rmsprop_and_adamw_cycles():
    rms = derive_facts(parse_subject("1.5"), optimizer("rmsprop", eps="0"), sp.S.One, None)
    assert next(f for f in rms if f.name == "two-cycle").value == ["1/200"]
    adamw = derive_facts(parse_subject("1.5"), optimizer("adamw", eps="0", weight_decay="1/10"), sp.S.One, None)
    # a (2 - lr*wd) = lr (1-b1)/(1+b1)
    hand = R(1, 100) * R(1, 10) / R(19, 10) / (2 - R(1, 1000))
    assert sp.sympify(next(f for f in adamw if f.name == "two-cycle").value[0]) == hand


def test_adam_cycle_with_eps_solves_its_equation():
    facts = derive_facts(parse_subject("1.5"), optimizer("adam", eps="1/1000"), sp.S.One, None)
    cycle = next(f for f in facts if f.name == "two-cycle")
    a = mp.mpf(cycle.number[0])
    G = 1.5 * mp.sqrt(a)
    assert abs(2 * a - 0.01 * 0.1 / 1.9 * G / (G + 1e-3)) < 1e-15


# --------------------------------------------------------------------------- multipliers against mpmath


def _mp_map(name, lr, mu, b1, b2, k):
    def g(w):
        return k * abs(w) ** (k - 1) * mp.sign(w)

    def step(s):
        w, b, v = s
        if name == "sgd":
            return [w - lr * g(w), b, v]
        if name == "momentum":
            b2_ = mu * b + g(w)
            return [w - lr * b2_, b2_, v]
        if name == "nesterov":
            b2_ = mu * b + g(w)
            return [w - lr * (g(w) + mu * b2_), b2_, v]
        if name == "rmsprop":
            v2 = b2 * v + (1 - b2) * g(w) ** 2
            return [w - lr * g(w) / mp.sqrt(v2), b, v2]
        m2, v2 = b1 * b + (1 - b1) * g(w), b2 * v + (1 - b2) * g(w) ** 2
        return [w - lr * m2 / mp.sqrt(v2), m2, v2]

    return step


@pytest.mark.parametrize("k", ["1/2", "3/2", "3"])
@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adam", "rmsprop"])
def test_multipliers_equal_a_finite_difference_jacobian(k, name):
    mp.mp.dps = 50
    options = {"momentum": {"momentum": "1/2"}, "nesterov": {"momentum": "1/2"}, "adam": {"eps": "0"},
               "rmsprop": {"eps": "0", "smoothing": "9/10"}}.get(name, {})
    opt = optimizer(name, lr="1/50", **options)
    facts = derive_facts(parse_subject(k), opt, sp.S.One, None)
    cycle = next(f for f in facts if f.name == "two-cycle")
    stability = next(f for f in facts if f.name == "two-cycle stability")
    a = mp.mpf(sp.N(sp.sympify(cycle.value[0]), 60))
    step = _mp_map(name, mp.mpf(1) / 50, mp.mpf(1) / 2, mp.mpf(9) / 10, mp.mpf(999) / 1000 if name == "adam" else mp.mpf(9) / 10,
                   mp.mpf(sp.Rational(k).p) / sp.Rational(k).q)
    # The cycle state: find it by iterating the exact map from the derived one (it is a fixed point of two steps).
    kk = mp.mpf(sp.Rational(k).p) / sp.Rational(k).q
    G = kk * a ** (kk - 1)
    b = {"momentum": -G / mp.mpf(1.5), "nesterov": -G / mp.mpf(1.5), "adam": -(mp.mpf(1) / 10) * G / (mp.mpf(19) / 10)}.get(name, 0)
    state = [a, b, G**2]
    two = step(step(state))
    assert abs(two[0] - a) < mp.mpf(10) ** -40 and abs(step(state)[0] + a) < mp.mpf(10) ** -40
    dims = {"sgd": [0], "momentum": [0, 1], "nesterov": [0, 1], "rmsprop": [0, 2], "adam": [0, 1, 2]}[name]
    h = mp.mpf(10) ** -20
    J = mp.matrix(len(dims), len(dims))
    for j, dj in enumerate(dims):
        up, down = list(state), list(state)
        up[dj] += h
        down[dj] -= h
        fu, fd = step(step(up)), step(step(down))
        for i, di in enumerate(dims):
            J[i, j] = (fu[di] - fd[di]) / (2 * h)
    ours = sorted(abs(complex(x if not isinstance(x, list) else complex(*x))) for x in stability.number[0])
    theirs = sorted(abs(complex(e)) for e in mp.eig(J)[0])
    assert np.allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    assert stability.extra["attracts"][0] == (max(theirs) < 1)


def test_power_law_cycles_attract_exactly_for_1_lt_k_lt_2_under_momentum():
    # trace (1+mu)(3-2k), det mu: both roots inside the unit circle iff 1 < k < 2
    for k, expected in (("1/2", "repelling"), ("3/2", "attracting"), ("3", "repelling"), ("7/4", "attracting")):
        facts = derive_facts(parse_subject(k), optimizer("momentum"), sp.S.One, None)
        assert next(f for f in facts if f.name == "two-cycle stability").extra["kind"] == [expected]


# --------------------------------------------------------------------------- scaling laws by simulation


@pytest.mark.parametrize("penalty", ["1", "1.5", "3", "scad(lam=1, a=3.7)"])
@pytest.mark.parametrize("alpha", [0.001, 7.0])
def test_adam_is_blind_to_alpha_with_eps_zero_and_rescales_eps_otherwise(penalty, alpha):
    p = parse_subject(penalty)
    starts = [0.3, -1.0]
    one = run(p, optimizer("adam", eps="0"), 1.0, None, starts, 300).path
    scaled = run(p, optimizer("adam", eps="0"), alpha, None, starts, 300).path
    assert np.allclose(one, scaled, rtol=1e-12, atol=1e-15)
    with_eps = run(p, optimizer("adam", eps="1e-3"), alpha, None, starts, 300).path
    eps_over_alpha = run(p, optimizer("adam", eps=str(sp.Rational(1, 1000) / sp.nsimplify(alpha))), 1.0, None, starts, 300).path
    assert np.allclose(with_eps, eps_over_alpha, rtol=1e-9, atol=1e-13)
    facts = derive_facts(p, optimizer("adam", eps="1/1000"), sp.nsimplify(alpha), None)
    assert facts[0].value == sp.sstr(sp.Rational(1, 1000) / sp.nsimplify(alpha))


def test_sgd_depends_on_lr_times_alpha():
    p = parse_subject("1.5")
    a = run(p, optimizer("sgd", lr="1/100"), 4.0, None, [0.3], 200).path
    b = run(p, optimizer("sgd", lr="1/25"), 1.0, None, [0.3], 200).path
    assert np.allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("penalty", ["0.5", "1", "3", "mcp(lam=1, gamma=3)"])
@pytest.mark.parametrize("w0", ["3/10", "-1", "1/20"])
def test_adam_first_step_is_lr_sign_g(penalty, w0):
    d = lksym.dynamics(penalty, optimizer="adam", eps="0", starts=[w0], steps=1)
    w0f = float(sp.Rational(w0))
    assert abs(d.path[1, 0] - (w0f - 0.01 * math.copysign(1, w0f))) <= 1e-16  # float64 bias corrections: ulps
    assert sp.sympify(d.fact("first step").value[0]) == sp.Rational(w0) - R(1, 100) * sp.sign(sp.Rational(w0))


# --------------------------------------------------------------------------- proximal steps


@pytest.mark.parametrize("lr,alpha,w0", [("1/100", "1", "3/10"), ("1/10", "1/2", "-1"), ("1/7", "1/3", "1"),
                                         ("1/100", "1", "1/20"), ("1/100", "3", "-7/10")])
def test_l1_prox_reaches_zero_after_ceil_steps(lr, alpha, w0):
    d = lksym.dynamics("1", optimizer="prox-sgd", lr=lr, alpha=alpha, starts=[w0], steps=1000, exact_steps=400)
    hand = math.ceil(abs(sp.Rational(w0)) / (sp.Rational(lr) * sp.Rational(alpha)))
    assert d.fact("steps to exact zero").number == [hand]
    assert d.behaviours[0].kind == "exact zero" and d.behaviours[0].step in (hand, hand + 1)  # float rounding
    exact = [sp.Rational(v) for v in d.exact[0]]
    first_zero = next(i for i, v in enumerate(exact) if v == 0)
    assert first_zero == hand


def _grid_prox(f, lam, z):
    xs = np.linspace(-abs(z) - 0.1, abs(z) + 0.1, 400_001)
    return xs[np.argmin(0.5 * (xs - z) ** 2 + lam * f(xs))]


@pytest.mark.parametrize("penalty,f,closed", [
    ("1", np.abs, lambda lam, z: np.sign(z) * max(abs(z) - lam, 0.0)),
    ("2", np.square, lambda lam, z: z / (1 + 2 * lam)),
    ("0.5", lambda x: np.sqrt(np.abs(x)), None),
    ("scad(lam=1, a=3.7)", None, None),
])
@pytest.mark.parametrize("name", ["prox-sgd", "adam-prox"])
def test_proximal_optimisers_equal_a_plain_loop(penalty, f, closed, name):
    if f is None:
        def f(x):
            t = np.abs(x)
            return np.where(t <= 1, t, np.where(t <= 3.7, (7.4 * t - t**2 - 1) / 5.4, 4.7 / 2))
    data = parse_data("quadratic(c=1, target=0.4)")
    lr, alpha, steps = 0.05, 0.5, 25
    ours = run(parse_subject(penalty), optimizer(name, lr="0.05"), alpha, data, [0.9, -0.6], steps).path
    for col, w in enumerate([0.9, -0.6]):
        m = v = 0.0
        for t in range(1, steps + 1):
            g = 1.0 * (w - 0.4)
            if name == "prox-sgd":
                z = w - lr * g
            else:
                m = 0.9 * m + 0.1 * g
                v = 0.999 * v + 0.001 * g * g
                z = w - lr / (1 - 0.9**t) * m / (math.sqrt(v / (1 - 0.999**t)) + 1e-8)
            w = closed(lr * alpha, z) if closed is not None else _grid_prox(f, lr * alpha, z)
            tol = 1e-12 if closed is not None else 2e-5
            assert abs(ours[t, col] - w) <= tol, (t, ours[t, col], w)
            w = ours[t, col]  # follow our path: the grid's resolution must not accumulate


# --------------------------------------------------------------------------- fixed points with data


@pytest.mark.parametrize("c,T,alpha", [("1", "1/2", "1/4"), ("2", "-1", "1/2"), ("1", "1/10", "1")])
def test_fixed_points_with_data_by_hand(c, T, alpha):
    cq, Tq, aq = R(c), R(T), R(alpha)
    data = f"quadratic(c={c}, target={T})"
    l2 = lksym.dynamics("2", optimizer="sgd", alpha=alpha, data=data, starts=["1"], steps=3000)
    assert [sp.sympify(v) for v in l2.fact("fixed points").value] == [cq * Tq / (cq + 2 * aq)]
    assert abs(l2.path[-1, 0] - float(cq * Tq / (cq + 2 * aq))) < 1e-9
    l1 = lksym.dynamics("1", optimizer="prox-sgd", alpha=alpha, data=data, starts=["1"], steps=3000)
    soft = sp.sign(Tq) * sp.Max(abs(Tq) - aq / cq, 0)
    assert soft in [sp.sympify(v) for v in l1.fact("fixed points").value]
    assert abs(l1.path[-1, 0] - float(soft)) < 1e-9
    if soft == 0:
        assert l1.behaviours[0].kind == "exact zero"


# --------------------------------------------------------------------------- the examples


def test_adam_l3_reaches_1_7e_8_while_gd_stays_near_1_7e_3():
    adam = lksym.dynamics("3", optimizer="adam", eps="0", starts=["0.3"], steps=20000)
    gd = lksym.dynamics("3", optimizer="sgd", starts=["0.3"], steps=20000)
    assert 1.6e-8 < abs(adam.path[-1, 0]) < 1.8e-8
    assert 1.6e-3 < abs(gd.path[-1, 0]) < 1.8e-3
    # GD by hand: w' = w - 3 lr w^2 ~ w0/(1 + 3 lr w0 t)
    assert abs(gd.path[-1, 0] - 0.3 / (1 + 3 * 0.01 * 0.3 * 20000)) < 2e-5


@pytest.mark.parametrize("penalty", ["1", "1.5"])
def test_adam_on_l1_and_l15_ends_in_longer_cycles(penalty):
    d = lksym.dynamics(penalty, optimizer="adam", starts=["0.3", "-1", "0.05"], steps=20000)
    for b in d.behaviours:
        assert b.kind.startswith("cycle of period") and b.period > 2
    if penalty == "1.5":  # the two-cycle attracts locally (multipliers < 1), yet is not reached
        assert d.fact("two-cycle stability").extra["attracts"] == [True]
        assert "no start simulated reaches it" in d.fact("long run").statement


# --------------------------------------------------------------------------- exact steps


def test_exact_sgd_on_l2_is_geometric():
    d = lksym.dynamics("2", optimizer="sgd", lr="1/10", starts=["3/10"], steps=5, exact_steps=5)
    assert [sp.Rational(v) for v in d.exact[0]] == [R(3, 10) * R(4, 5) ** t for t in range(6)]


def test_exact_run_stops_when_it_leaves_the_rationals():
    d = lksym.dynamics("1.5", optimizer="sgd", starts=["1/3"], steps=5, exact_steps=5)
    assert len(d.exact[0]) == 1 and "leaves the rationals" in d.exact_reason[0]


# --------------------------------------------------------------------------- edges and the command line


def _process(*args):
    """``lksym dynamics ARGS`` in a real process: its exit code, stdout and stderr."""
    return subprocess.run([sys.executable, "-m", "lksym", "dynamics", *args], capture_output=True, text=True, timeout=120)


def _cli(*args):
    """``lksym dynamics ARGS`` in this process (click's CliRunner): the same exit code, stdout and stderr, without
    a Python start-up per call; :func:`test_bad_input_in_a_real_process` keeps the real process for that concern."""
    from types import SimpleNamespace

    from click.testing import CliRunner

    from lksym.cli import main

    result = CliRunner().invoke(main, ["dynamics", *args], prog_name="lksym")
    return SimpleNamespace(returncode=result.exit_code, stdout=result.stdout, stderr=result.stderr)


def _no_nan(text):
    def refuse(name):
        raise AssertionError(f"{name} in JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("args", [
    ["1.5", "--optimizer", "adam", "--betas", "0", "0"],
    ["1.5", "--optimizer", "momentum", "--momentum", "0.999999", "--steps", "300"],
    ["3", "--lr", "1000", "--steps", "50"],
    ["0.5", "--optimizer", "adam", "--lr", "1000", "--eps", "0", "--steps", "50"],
    ["2", "--optimizer", "adam", "--eps", "0", "--w0", "0", "--steps", "5"],
])
def test_edge_values_give_facts_not_nan(args):
    r = _cli(*args, "--json")
    assert r.returncode == 0, r.stderr
    data = _no_nan(r.stdout)
    assert all(t["behaviour"]["kind"] for t in data["trajectories"])


def test_overflow_is_a_fact():
    d = lksym.dynamics("3", optimizer="sgd", lr="1000", starts=["1"], steps=50)
    assert d.behaviours[0].kind == "diverges" and d.diverged_at[0] is not None


@pytest.mark.parametrize("args,needle", [
    (["1.5", "--lr", "0"], "lr"),
    (["1.5", "--lr", "-1"], "lr"),
    (["1.5", "--optimizer", "adam", "--betas", "1", "0"], "beta1"),
    (["1.5", "--optimizer", "bogus"], "unknown optimizer"),
    (["1.5", "--optimizer", "momentum", "--momentum", "1"], "momentum"),
    (["1.5", "--betas", "0.9", "0.99"], "does not apply"),
    (["1.5", "--data", "quadratic(c=1)"], "data term"),
    (["1.5", "--data", "__import__('os').system('true')"], "data term"),
    (["1.5", "--w0", "abc"], "w0"),
    (["1.5", "--eps", "-1", "--optimizer", "adam"], "eps"),
    (["1.5", "--optimizer", "rmsprop", "--smoothing", "1"], "smoothing"),
    (["1.5", "--figure", "out.txt"], "--figure"),
])
def test_bad_input_is_one_line_and_exit_2(args, needle):
    r = _cli(*args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and needle in lines[0]


@pytest.mark.parametrize("args,needle", [(["1.5", "--lr", "0"], "lr"), (["1.5", "--optimizer", "bogus"], "unknown optimizer")])
def test_bad_input_in_a_real_process(args, needle):
    """The console command itself: exit code 2 and one Error line on stderr, no traceback, nothing on stdout."""
    r = _process(*args)
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and needle in lines[0]
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_json_holds_every_trajectory_and_the_figure_is_written(tmp_path):
    figure = tmp_path / "f.png"
    r = _cli("1", "--optimizer", "adam", "--w0", "0.3", "--w0", "-0.3", "--steps", "40", "--json", "--figure", str(figure))
    assert r.returncode == 0, r.stderr
    data = _no_nan(r.stdout)
    assert [len(t["path"]) for t in data["trajectories"]] == [41, 41]
    assert figure.read_bytes()[:4] == b"\x89PNG"


def test_input_errors_from_python():
    with pytest.raises(InputError):
        lksym.dynamics("1.5", optimizer="sgd", steps=0)
    with pytest.raises(InputError):
        lksym.dynamics("1.5", optimizer="adam", amsgrad=True, momentum="0.5")


# --------------------------------------------------------------------------- pages


def test_report_section_sits_before_the_figures(tmp_path):
    from lksym.api import write_reports

    (path,) = write_reports(["1.5"], tmp_path, jobs=1)
    text = path.read_text(encoding="utf-8")
    section = text[text.index("## Under other optimisers"):text.index("## Figures")]
    assert "`1/3800`" in section  # Adam, eps = 0: lr (1 - b1)/(2 (1 + b1)) with lr 1/100, b1 = 9/10
    assert "`9/160000`" in section  # SGD: (3 lr/4)^2
    assert "(../optimizers.md)" in section


@pytest.mark.parametrize("claim,optimizer_name,verdict", [
    (0, "sgd", "fails"), (0, "prox-sgd", "holds"), (0, "adam", "fails"),
    (2, "prox-sgd", "fails"), (2, "adam", "holds"),
])
def test_claims_re_judged(claim, optimizer_name, verdict):
    from lksym.numerics.rejudge import CLAIMS, judge_claims

    (v,) = judge_claims(optimizers=(optimizer_name,), claims=(CLAIMS[claim],), steps=600, lrs=("1/100",))
    assert v.verdict == verdict


def test_adam_fails_l3_leaves_small_weights_alone_where_sgd_holds():
    from lksym.numerics.rejudge import CLAIMS, judge_claims

    verdicts = judge_claims(optimizers=("sgd", "adam"), claims=(CLAIMS[3],), steps=1000, lrs=("1/100",))
    by = {v.optimizer: v.verdict for v in verdicts}
    assert by["adam"] != "holds" and by["sgd"] != "fails"


def test_published_page_is_linked_from_the_index():
    from pathlib import Path

    reports = Path(__file__).resolve().parents[2] / "reports"
    assert "[optimizers.md](optimizers.md)" in (reports / "README.md").read_text(encoding="utf-8")
    page = (reports / "optimizers.md").read_text(encoding="utf-8")
    assert "| L1 is sparse (weights reach exactly 0) | `prox-sgd` | **holds** |" in page


# --------------------------------------------------------------------------- free inputs

from hypothesis import given, settings, strategies as st  # noqa: E402

fractions = st.fractions(min_value=R(1, 1000), max_value=R(999, 1000), max_denominator=1000)


@settings(max_examples=25, deadline=None)
@given(lr=fractions, b1=st.fractions(min_value=0, max_value=R(99, 100), max_denominator=100), penalty=st.sampled_from(["1", "1.5", "3"]))
def test_adam_cycle_formula_for_any_lr_and_beta1(lr, b1, penalty):
    opt = optimizer("adam", lr=str(lr), betas=(str(b1), "999/1000"), eps="0")
    cycle = next(f for f in derive_facts(parse_subject(penalty), opt, sp.S.One, None) if f.name == "two-cycle")
    assert [sp.Rational(v) for v in cycle.value] == [sp.Rational(lr) * (1 - sp.Rational(b1)) / (2 * (1 + sp.Rational(b1)))]


@settings(max_examples=25, deadline=None)
@given(lr=fractions, mu=st.fractions(min_value=0, max_value=R(99, 100), max_denominator=100),
       w0=st.fractions(min_value=-2, max_value=2, max_denominator=50), penalty=st.sampled_from(["1", "2", "3"]))
def test_exact_rational_steps_match_float64(lr, mu, w0, penalty):
    # The exact run and the float64 run of the same rule agree to rounding for a few steps.
    d = lksym.dynamics(penalty, optimizer="momentum", lr=str(lr), momentum=str(mu), starts=[str(w0)], steps=6,
                       exact_steps=6)
    exact = [float(sp.Rational(v)) for v in d.exact[0]]
    floats = d.path[: len(exact), 0]
    assert np.allclose(floats, exact, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("penalty", ["logsum(eps=0.1)", "mcp(lam=1, gamma=3)", "3"])
def test_rmsprop_at_an_irrational_cycle_has_numeric_multipliers_quickly_and_says_so(penalty):
    # Exact multipliers here are radical expressions of ~50,000 characters (minutes each: the optimizers page
    # took 150 s); they are now 30-digit numbers from the exact Jacobian, checked against finite differences.
    import time

    start = time.perf_counter()
    facts = derive_facts(parse_subject(penalty), optimizer("rmsprop"), sp.S.One, None)
    assert time.perf_counter() - start < 30
    cycle = next(f for f in facts if f.name == "two-cycle")
    stability = next(f for f in facts if f.name == "two-cycle stability")
    assert cycle.method == "exact" and stability.method == "numeric" and stability.value is None
    assert "found numerically" in stability.reason
    mp.mp.dps = 50
    subject = parse_subject(penalty)
    from lksym.derivation.dynamics import slopes
    from lksym.derivation.symbols import X

    pieces = slopes(subject).pieces
    lr, rho, eps = mp.mpf(1) / 100, mp.mpf(99) / 100, mp.mpf(10) ** -8

    def g(w):
        x = abs(w)
        for p1, _, lo, hi in pieces:
            if x > lo and (hi is sp.oo or x <= hi):
                return mp.sign(w) * mp.mpf(sp.N(p1.subs(X, sp.Float(x, 60)), 60))
        raise AssertionError

    def step(s):
        w, v = s
        v2 = rho * v + (1 - rho) * g(w) ** 2
        return [w - lr * g(w) / (mp.sqrt(v2) + eps), v2]

    for value, numbers in zip(cycle.value, stability.number):
        a = mp.mpf(sp.N(sp.sympify(value), 60))
        state = [a, g(a) ** 2]
        assert abs(step(step(state))[0] - a) < mp.mpf(10) ** -35
        J = mp.matrix(2, 2)
        for j in range(2):
            h = abs(state[j]) * mp.mpf(10) ** -20  # relative: v = G^2 can be ~1e-24
            up, down = list(state), list(state)
            up[j] += h
            down[j] -= h
            fu, fd = step(step(up)), step(step(down))
            for i in range(2):
                J[i, j] = (fu[i] - fd[i]) / (2 * h)
        ours = sorted(abs(complex(x if not isinstance(x, list) else complex(*x))) for x in numbers)
        theirs = sorted(abs(complex(e)) for e in mp.eig(J)[0])
        assert np.allclose(ours, theirs, rtol=1e-9, atol=1e-12)
