"""The explorer's optimiser picker: its JS update rules against lksym.numerics.dynamics (float64), its facts
against lksym.dynamics(...), and its URL fragment (round trip, hostile names).  Playwright + Chromium."""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from lksym.derivation.optimizers import NAMES, optimizer
from lksym.derivation.penalty import parse_subject
from lksym.numerics.dynamics import run
from lksym.app import explore

CHROMIUM = os.environ.get("LKSYM_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def base(explore_html):
    return Path(explore_html).resolve().as_uri()  # the default page (tests/conftest.py: written once per process)


@pytest.fixture(scope="module")
def page(browser, base):
    pg = browser.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(base + "#k=1.5")
    pg.wait_for_function("() => window.lksym && window.lksym.draws > 0")
    yield pg
    assert errors == []
    pg.close()


def _open(page, base, fragment):
    page.goto("about:blank")  # a fresh load: the page rewrites its own hash after reading it
    page.goto(base + fragment)
    drawn = "() => !!(window.lksym && window.lksym.draws > 0)"
    if not page.evaluate(drawn):  # the page draws before its load event: asking once is usually enough
        page.wait_for_function(drawn)


# Parameters away from every default, so a field read wrongly shows; eps = 0 and amsgrad included.
CASES = {
    "sgd": dict(lr="1/20", weight_decay="1/10"),
    "momentum": dict(lr="1/20", momentum="0.8", dampening="0.3", weight_decay="0.05"),
    "nesterov": dict(lr="1/50", momentum="0.7", weight_decay="0.02"),
    "adam": dict(lr="0.03", betas=("0.8", "0.95"), eps="1e-3", weight_decay="0.1"),
    "adamw": dict(lr="0.02", betas=("0.85", "0.99"), eps="0", weight_decay="0.3", amsgrad=True),
    "rmsprop": dict(lr="0.01", smoothing="0.9", eps="1e-4", weight_decay="0.01"),
    "prox-sgd": dict(lr="0.05"),
    "adam-prox": dict(lr="0.05", eps="1e-3"),
}


def _page_values(name, opts, alpha):
    v = {"lr": float(optimizer(name, **opts).lr), "alpha": alpha}
    for key, value in optimizer(name, **opts).params:
        if key == "betas":
            v["beta1"], v["beta2"] = float(value[0]), float(value[1])
        elif key == "amsgrad":
            v["amsgrad"] = bool(value)
        else:
            v[key] = float(value)
    return v


STARTS = [0.3, -0.3, 1.1]


def _steps(k):
    # |w|^(1/2) has p'' -> -oo at 0: the weights jitter chaotically around 0, and an ulp of difference (the
    # page's Math.pow against NumPy's power) grows by orders of magnitude per crossing; 12 steps stay before it.
    return 12 if k == "1/2" else 50


@pytest.fixture(scope="module")
def trajectories(page, base):
    """``get(k, alpha, name)``: the page's run of ``name`` (CASES' parameters) on |w|^k from STARTS.

    runOptimizer reads only the page's k (set by the fragment) and its arguments: for each k the page is loaded
    once and every optimiser run in one evaluate (kept for that k's other cases).
    """
    got = {}

    def get(k, alpha, name):
        if (k, alpha) not in got:
            _open(page, base, f"#k={k}")
            cases = [[n, _page_values(n, CASES[n], alpha), STARTS, _steps(k)] for n in NAMES]
            runs = page.evaluate("(cases) => cases.map(([n, v, s, t]) => window.lksym.runOptimizer(n, v, s, t))", cases)
            got[(k, alpha)] = dict(zip(NAMES, runs))
        return got[(k, alpha)][name]

    return get


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("k,alpha", [("1", 0.7), ("1.5", 1.3), ("3", 2.0), ("1/2", 0.4)])
def test_js_trajectory_equals_numerics(trajectories, name, k, alpha):
    opts = CASES[name]
    starts, steps = STARTS, _steps(k)
    got = trajectories(k, alpha, name)
    want = run(parse_subject(k), optimizer(name, **opts), alpha, None, starts, steps)
    js = np.array(got["paths"], dtype=float).T
    assert js.shape == want.path.shape
    # The prox of |w|^1.5 squares |w| near 0 (superlinear): relative rounding doubles per step down there, and
    # 1e-300 underflows to 0 a step apart; so below 1e-100 only "tiny in both" is asked.
    big = np.abs(want.path) >= 1e-100
    if name.endswith("prox") or name.startswith("prox"):
        # lksym's float prox of |w|^1.5 (penalty_prox.prox_vector) cancels catastrophically for tiny z: it gives
        # 0 at z = 1e-9 where the true prox is 1.05e-16 (mpmath), 1.415e-16 for 1.515e-16 at 1.2e-9.  The page
        # bisects the stationarity equation and keeps the tail; the two are compared where Python is accurate.
        big = np.abs(want.path) >= 1e-6
        assert np.all(np.abs(js[~big]) < 1e-5)
    rel = np.abs(js - want.path)[big] / np.abs(want.path)[big]
    assert rel.size == 0 or rel.max() <= 1e-12, (name, k, rel.max())
    if not name.endswith("prox") and not name.startswith("prox"):
        assert np.all(np.abs(js[~big]) < 1e-90)
    if k == "1":  # an exact zero is exact in both (the prox optimisers on L1 reach it)
        assert np.array_equal(js == 0, want.path == 0)


def _facts(page):
    return page.evaluate("() => Object.fromEntries([...document.querySelectorAll('#opt-facts tbody tr')]"
                         ".map(r => [r.dataset.key, r.dataset.value]))")


@pytest.mark.parametrize("name,k,fragment,opts", [
    ("sgd", "1.5", "lr=0.05", dict(lr="0.05")),
    ("momentum", "3", "lr=0.1&momentum=0.5", dict(lr="0.1", momentum="0.5")),
    ("nesterov", "1.5", "lr=0.05", dict(lr="0.05")),
    ("adam", "3", "eps=0", dict(eps="0")),
    ("adam", "1.5", "alpha=2", dict()),
    ("rmsprop", "3", "eps=0", dict(eps="0")),
    ("adamw", "1.5", "", dict()),
])
def test_facts_match_lksym_dynamics(page, base, name, k, fragment, opts):
    import lksym

    alpha = "2" if "alpha=2" in fragment else "1"
    _open(page, base, f"#k={k}&w0=0.3&opt={name}" + ("&" + fragment if fragment else ""))
    facts = _facts(page)
    d = lksym.dynamics(k, optimizer=name, alpha=alpha, starts=["0.3", "-0.3"], steps=10, **opts)
    cycle = d.fact("two-cycle").number
    got = __import__("json").loads(facts["two_cycle"])
    assert len(got) == len(cycle) and all(math.isclose(a, b, rel_tol=1e-9) for a, b in zip(got, cycle))
    first = __import__("json").loads(facts["first_step"])
    assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(first, d.fact("first step").number))
    scaling = d.fact("scaling in alpha").number
    assert math.isclose(float(facts["scaling"]), scaling, rel_tol=1e-12)


@pytest.mark.parametrize("name", ["prox-sgd", "adam-prox"])
def test_steps_to_zero_on_l1(page, base, name):
    import lksym

    _open(page, base, f"#k=1&w0=0.3&opt={name}&lr=0.01&alpha=0.7")
    d = lksym.dynamics("1", optimizer=name, lr="0.01", alpha="0.7", starts=["0.3"], steps=100)
    want = d.fact("steps to exact zero").number[0]
    assert int(_facts(page)["steps_to_zero"]) == want == math.ceil(0.3 / 0.007)
    assert int(_facts(page)["observed"]) == want  # the simulation lands on 0 at that very step


def test_adam_ignores_alpha_with_eps_zero(page, base):
    a = page.evaluate("() => window.lksym.runOptimizer('adam', {eps: 0, alpha: 1}, [0.3], 50).paths[0]")
    b = page.evaluate("() => window.lksym.runOptimizer('adam', {eps: 0, alpha: 1024}, [0.3], 50).paths[0]")
    c = page.evaluate("() => window.lksym.runOptimizer('adam', {eps: 0, alpha: 1000}, [0.3], 50).paths[0]")
    assert a == b  # a power of two scales every rounding exactly: bit for bit
    assert np.allclose(a, c, rtol=1e-12, atol=1e-14)  # 1000 rounds differently: ulps


def test_fragment_round_trip(page, base):
    fragment = "#k=1.5&opt=nesterov&lr=0.02&alpha=3&momentum=0.8&weight_decay=0.01&log=1"
    _open(page, base, fragment)
    assert page.evaluate("document.getElementById('fragment-error').hidden")
    page.wait_for_function("() => location.hash.includes('opt=nesterov')")
    written = page.evaluate("location.hash")
    for part in ("opt=nesterov", "lr=0.02", "alpha=3", "momentum=0.8", "weight_decay=0.01", "log=1"):
        assert part in written
    _open(page, base, written)
    assert page.evaluate("location.hash") == written
    assert page.evaluate("[lksym.ostate.opt, lksym.ostate.v.lr, lksym.ostate.v.momentum, lksym.ostate.log]") == ["nesterov", 0.02, 0.8, True]


@pytest.mark.parametrize("fragment,said", [
    ("#opt=constructor", "unknown optimiser “constructor”"),
    ("#opt=__proto__", "unknown optimiser “__proto__”"),
    ("#opt=toString&lr=0.5", "unknown optimiser “toString”"),
    ("#opt=adam&beta1=1", "beta1 = “1”"),
    ("#opt=sgd&momentum=0.9", "momentum does not apply to sgd"),
    ("#opt=adam&lr=-1", "lr = “-1”"),
    ("#opt=adam&eps=alert(1)", "eps = “alert(1)”"),
    ("#opt=sgd&amsgrad=1", "amsgrad does not apply to sgd"),
    ("#opt=adam&amsgrad=yes", "amsgrad = “yes”"),
])
def test_hostile_fragments_keep_defaults(page, base, fragment, said):
    _open(page, base, fragment)
    box = page.evaluate("[document.getElementById('fragment-error').hidden, document.getElementById('fragment-error').textContent]")
    assert box[0] is False and said in box[1]
    name = page.evaluate("lksym.ostate.opt")
    assert name in NAMES
    spec = next(o for o in explore.optimizer_data() if o["name"] == name)
    v = page.evaluate("lksym.ostate.v")
    for key, default in spec["defaults"].items():
        if key != "amsgrad" and key not in fragment.replace("#", "&").split("&")[1:] and not fragment.startswith("#opt=toString"):
            assert v[key] == default or f"&{key}=" in fragment
    assert page.evaluate("Object.prototype.polluted === undefined")
