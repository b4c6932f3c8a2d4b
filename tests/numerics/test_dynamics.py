"""The batched stepper (``run_batch``, and ``run``, one spec of it) against a plain loop, one trajectory at a time.

The reference below is written from the update rules of :mod:`lksym.derivation.optimizers` (torch.optim's
single-tensor steps), one float at a time with ``if``s per optimiser: no masks, no per-column arrays, no
grouping.  It shares only the primitives with the product: the fused multiply-add ``fma`` (held against torch in
``test_dynamics_torch.py``), the penalty's gradient and the proximal step with a scalar lam (each tested against
closed forms and brute force elsewhere).  Paths are compared bit for bit (``tobytes``: +0 and -0 differ).
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from lksym.derivation.optimizers import NAMES, optimizer, parse_data
from lksym.derivation.penalty import parse_subject
from lksym.numerics.dynamics import HUGE, RunSpec, fma, penalty_gradient, run, run_batch
from lksym.numerics.prox_solver import prox_vector

PENALTIES = ["0.5", "1", "1.5", "2", "3", "10", "scad(lam=1, a=3.7)", "mcp(lam=1, gamma=3)", "logsum(eps=0.1)", "l0",
             "capped_l1(theta=1)", "huber(delta=1)"]
STARTS = (0.3, -1.7, 0.05, 0.0)
STEPS = 30


def reference(penalty, opt, alpha, data, start, steps):
    """``(path, diverged_at, note)`` of one trajectory, stepped plainly in float64 scalars."""
    p = dict(opt.params)
    name, lr, alpha = opt.name, float(opt.lr), float(alpha)
    wd = float(p.get("weight_decay", 0))
    grad = penalty_gradient(penalty)

    def f(a, b, c):
        return fma(a, b, c)[()]

    def prox(lam, z):
        return prox_vector(penalty, lam, np.array([z]))[0] if np.isfinite(z) else z

    w = np.float64(start)
    path, note = [w], ""
    buf = m = v = vmax = np.float64(0.0)
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            g_data = float(data.c) * (w - float(data.target)) if data is not None else np.float64(0.0)
            if opt.proximal:
                g = g_data
            else:
                g = alpha * grad(np.array([w]))[0]
                if data is not None:
                    g = g + g_data
            if wd != 0 and name != "adamw":
                g = f(w, wd, g)
            if name == "prox-sgd":
                new = prox(lr * alpha, w - lr * g)
            elif name in ("sgd", "momentum", "nesterov"):
                if name != "sgd":
                    mu, d = float(p["momentum"]), float(p.get("dampening", 0))
                    buf = g if t == 1 else f(g, 1 - d, buf * mu)
                    g = f(buf, mu, g) if name == "nesterov" else buf
                new = f(g, -lr, w)
            else:
                eps = float(p["eps"])
                if name == "rmsprop":
                    rho = float(p["smoothing"])
                    v = f((1 - rho) * g, g, v * rho)
                    begin, numerator, step, denom = w, g, lr, np.sqrt(v) + eps
                else:
                    b1, b2 = (float(b) for b in p["betas"])
                    begin = w * (1 - lr * wd) if name == "adamw" else w
                    weight = 1 - b1
                    m = f(weight, g - m, m) if abs(weight) < 0.5 else f(-(g - m), 1 - weight, g)
                    v = f((1 - b2) * g, g, v * b2)
                    vmax = np.maximum(vmax, v)
                    bc1, bc2 = 1 - b1**t, 1 - b2**t
                    numerator, step = m, lr / bc1
                    denom = np.sqrt(vmax if p["amsgrad"] else v) / bc2 ** 0.5 + eps
                if denom == 0 and numerator == 0:
                    note = note or (f"step {t}: 0/0 ({name} with eps = 0 at a zero gradient; torch gives NaN): "
                                    "taken as a zero step")
                    new = begin
                else:
                    new = begin + ((-step) * numerator) / denom
                if name == "adam-prox":
                    new = prox(lr * alpha, new)
            if not abs(new) <= HUGE:
                return np.array(path + [w] * (steps + 1 - len(path))), t, note
            w = new
            path.append(w)
    return np.array(path), None, note


def assert_same(result, spec, steps):
    for i, start in enumerate(spec.starts):
        path, diverged_at, note = reference(spec.penalty, spec.opt, spec.alpha, spec.data, start, steps)
        assert result.path[:, i].tobytes() == path.tobytes(), (spec.opt.text, spec.penalty, start)
        assert result.diverged_at[i] == diverged_at
        assert result.notes[i] == note
    assert result.path.shape == (steps + 1, len(spec.starts))


@pytest.mark.parametrize("penalty", PENALTIES)
@pytest.mark.parametrize("name", NAMES)
def test_run_is_the_plain_loop_for_every_optimiser_and_penalty(name, penalty):
    subject = parse_subject(penalty)
    for lr in ("1/100", "1/2"):
        spec = RunSpec(subject, optimizer(name, lr=lr), 1.0, None, STARTS)
        assert_same(run(subject, spec.opt, 1.0, None, STARTS, STEPS), spec, STEPS)


def _option_specs() -> list:
    """Non-default parameters, data terms, strengths, diverging and 0/0 columns."""
    l2, l1, l15 = parse_subject("2"), parse_subject("1"), parse_subject("1.5")
    data = parse_data("quadratic(c=1, target=0.5)")
    scad = parse_subject("scad(lam=1, a=3.7)")
    return [
        RunSpec(l2, optimizer("sgd", lr="1000"), 1.0, None, (0.3, -0.2)),  # w <- -1999 w: diverges
        RunSpec(l2, optimizer("sgd", lr="1/10", weight_decay="0.1"), 2.5, data, (0.3, -1.0)),
        RunSpec(l15, optimizer("momentum", momentum="0.5", dampening="0.3"), 1.0, data, (0.3, 2.0)),
        RunSpec(l1, optimizer("nesterov", weight_decay="0.01"), 0.5, None, (0.3, -0.7)),
        RunSpec(l2, optimizer("adam", eps="0"), 1.0, None, (0.0, 0.3)),  # 0/0 at w = 0
        RunSpec(l2, optimizer("rmsprop", eps="0"), 1.0, None, (0.0, -0.4)),
        RunSpec(l2, optimizer("adam-prox", eps="0"), 1.0, None, (0.0,)),
        RunSpec(l15, optimizer("adam", amsgrad=True, betas=("0.3", "0.9"), weight_decay="0.1"), 1.0, data, (0.3, -2.0)),
        RunSpec(l1, optimizer("adam", betas=("0", "0")), 1.0, None, (0.3, 0.05)),
        RunSpec(scad, optimizer("adamw", weight_decay="0.5", amsgrad=True), 3.0, None, (2.0, -0.3)),
        RunSpec(l2, optimizer("rmsprop", smoothing="0.9", eps="1e-6", weight_decay="0.1"), 1.0, data, (0.3, 5.0)),
        RunSpec(scad, optimizer("prox-sgd", lr="1/4"), 2.0, data, (3.0, -0.5)),
        RunSpec(parse_subject("0.5"), optimizer("adam-prox", lr="1/10", betas=("0.6", "0.99")), 0.5, data, (-0.3, 0.8)),
        RunSpec(parse_subject("3"), optimizer("sgd", lr="1/2"), 1.0, None, (30.0, 0.1)),  # superexponential: diverges
    ]


def test_options_data_divergence_and_zero_over_zero_are_the_plain_loop():
    specs = _option_specs()
    results = run_batch(specs, 50)
    assert any(d is not None for r in results for d in r.diverged_at)
    assert any(n for r in results for n in r.notes)
    for result, spec in zip(results, specs):
        assert_same(result, spec, 50)


def test_a_mixed_batch_gives_each_spec_what_it_gets_alone(seed=0):
    # Columns of every optimiser, penalty, lr and option in one batch, in a shuffled order: each spec's Run equals
    # its run alone (and so the plain loop, above), whatever its neighbours.
    rng = random.Random(seed)
    specs = [RunSpec(parse_subject(pen), optimizer(name, lr=rng.choice(("1/1000", "1/100", "1/10", "1/2"))),
                     rng.choice((1.0, 0.5)), None, tuple(rng.sample(STARTS, 3)))
             for name in NAMES for pen in rng.sample(PENALTIES, 3)] + _option_specs()
    rng.shuffle(specs)
    batched = run_batch(specs, STEPS)
    for spec, got in zip(specs, batched):
        alone = run(spec.penalty, spec.opt, spec.alpha, spec.data, spec.starts, STEPS)
        assert got.path.tobytes() == alone.path.tobytes(), (spec.opt.text, spec.penalty)
        assert (got.diverged_at, got.notes) == (alone.diverged_at, alone.notes)


def test_the_plain_loop_can_fail():
    # The reference is sensitive to one ulp: a different lr (by one ulp) changes the path's bytes.
    subject = parse_subject("1.5")
    spec = RunSpec(subject, optimizer("adam"), 1.0, None, (0.3,))
    path, _, _ = reference(subject, spec.opt, np.nextafter(1.0, 2.0), None, 0.3, STEPS)
    assert run(subject, spec.opt, 1.0, None, (0.3,), STEPS).path[:, 0].tobytes() != path.tobytes()


def test_a_given_gradient_replaces_the_penalty_s_own():
    subject = parse_subject("1")
    doubled = penalty_gradient(parse_subject("2"))
    ours = run(subject, optimizer("sgd"), 1.0, None, (0.3, -0.2), 50, gradient=doubled).path
    l2 = run(parse_subject("2"), optimizer("sgd"), 1.0, None, (0.3, -0.2), 50).path
    assert ours.tobytes() == l2.tobytes()


def test_an_empty_batch_and_spec():
    assert run_batch([], 5) == []
    r = run(parse_subject("2"), optimizer("sgd"), 1.0, None, (), 5)
    assert r.path.shape == (6, 0) and r.diverged_at == () and r.notes == ()
