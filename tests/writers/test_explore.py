"""``lksym explore``: the page's derived formulas against the exact analysis and independent checks,
and the page itself in a real browser (Playwright driving the system Chromium).

Pure-Python tests hold each case's compiled formulas (still SymPy in
:func:`lksym.app.explore.power_cases`) against :func:`lksym.results.analyze` at many k,
and against the defining equations evaluated by mpmath (g(x) = 1 at the L1
crossover, eta g(a) = 2a on the two-cycle, a brute-force prox around the jump).
Browser tests open the written page from disk, block every request that would
leave it, move each slider from the keyboard, compare the facts panel and the
JS prox with lksym's own numbers, and round-trip the URL fragment.
"""

from __future__ import annotations

import functools
import math
import os
import shutil
from pathlib import Path

import mpmath
import pytest
import sympy as sp

from analyses import analyzed as analyze  # derived once per process (tests/analyses.py)
from lksym.derivation.expr import parse_k
from lksym.derivation.family import case_of
from lksym.derivation.prox import prox_numeric
from lksym.derivation.regime import K
from lksym.derivation.symbols import ALPHA, ETA, LAM, TAU
from lksym.app import explore

K_TEXTS = ["0.1", "0.5", "0.9", "1", "1.1", "1.5", "1.9", "2", "2.5", "3", "4", "7/3", "10", "sqrt(2)", "1/sqrt(3)"]
VALUES = {LAM: sp.Rational(7, 10), ETA: sp.Rational(13, 100), ALPHA: sp.Rational(7, 10), TAU: sp.Rational(1, 1000)}


def _record(k):
    name = case_of(k).name
    return next(r for r in explore.power_cases() if r["name"] == name)


def _truth(a, key):
    """The analysis' own value for a fact key (None where it has none)."""
    return {
        "crossover_L1": a.crossovers[0].weight,
        "crossover_L2": a.crossovers[1].weight,
        "dead_zone": a.dead_zone,
        "prox_threshold": a.prox.threshold,
        "cycle_amplitude": a.gd.cycle_amplitude,
        "cycle_multiplier": a.gd.cycle_multiplier,
        "overshoot": a.overshoot.weight if a.overshoot.weight is not None else a.overshoot.step_limit,
    }[key]


def _num(expr, k):
    return sp.N(sp.sympify(expr).subs({K: k, **VALUES}), 30)


@pytest.mark.parametrize("text", K_TEXTS)
def test_case_formulas_equal_the_exact_analysis(text):
    k = parse_k(text)
    a = analyze(k)
    facts = {f["key"]: f for f in _record(k)["facts"]}
    for key in ("crossover_L1", "crossover_L2", "dead_zone", "prox_threshold", "cycle_amplitude",
                "cycle_multiplier", "overshoot"):
        truth, formula = _truth(a, key), facts[key]["formula"]
        assert (truth is None) == (formula is None), (key, truth, formula)
        if truth is not None:
            got, want = _num(formula, k), _num(truth, k)
            assert abs(got - want) <= 1e-25 * (1 + abs(want)), (key, formula, truth)
    attracts = facts["cycle_attracts"]["formula"]
    if a.gd.cycle_stable is None:
        assert attracts is None or not isinstance(attracts, sp.Basic) or attracts.subs(K, k) in (sp.true, sp.false)
        if a.gd.cycle_amplitude is not None and a.gd.cycle_multiplier == 1:
            assert attracts is None  # L1: neutral
    else:
        assert bool(sp.sympify(attracts).subs(K, k)) is a.gd.cycle_stable
    assert facts["convex"]["formula"] is a.convex
    assert facts["sparse"]["formula"] is a.sparse


@pytest.mark.parametrize("text", ["0.1", "0.5", "0.9", "1/sqrt(3)", "2/3"])
@pytest.mark.parametrize("lam", [0.3, 1.0, 2.5])
def test_jump_threshold_against_brute_force(text, lam):
    """Just below the derived threshold prox is 0; just above it jumps to a nonzero value (k < 1)."""
    k = parse_k(text)
    t = float(_num(_record(k)["facts"][[f["key"] for f in _record(k)["facts"]].index("prox_threshold")]["formula"]
                   .subs(LAM, lam), k))
    assert prox_numeric(k, lam, t * (1 - 1e-7)) == 0.0
    assert prox_numeric(k, lam, t * (1 + 1e-7)) > 0.1 * t


@pytest.mark.parametrize("text", K_TEXTS)
def test_defining_equations_hold(text):
    """Independent of the analysis: each solved weight satisfies its defining equation at 40 digits."""
    k = parse_k(text)
    facts = {f["key"]: f["formula"] for f in _record(k)["facts"]}
    mpmath.mp.dps = 40
    kf = mpmath.mpf(sp.N(k, 45))
    eta = mpmath.mpf(13) / 100

    def g(x):
        return kf * x ** (kf - 1)

    def value(key):
        return mpmath.mpf(sp.N(sp.sympify(facts[key]).subs({K: k, **VALUES}), 45))

    if facts["crossover_L1"] is not None:
        assert abs(g(value("crossover_L1")) - 1) < mpmath.mpf(10) ** -30
    if facts["crossover_L2"] is not None:
        x = value("crossover_L2")
        assert abs(g(x) - 2 * x) < mpmath.mpf(10) ** -30 * (1 + x)
    if facts["cycle_amplitude"] is not None:
        x = value("cycle_amplitude")
        assert abs(eta * g(x) - 2 * x) < mpmath.mpf(10) ** -30 * (1 + x)
    if facts["dead_zone"] is not None:
        x = value("dead_zone")
        assert abs(mpmath.mpf(7) / 10 * g(x) - mpmath.mpf(1) / 1000) < mpmath.mpf(10) ** -30


def test_every_case_compiles_every_function():
    for record in explore.power_cases():
        for key in ("condition_js", "penalty_js", "gradient_js", "curvature_js", "gradient_at_0"):
            assert record[key] and "I*" not in record[key] and "**" not in record[key], (record["name"], key)
        if not record["convex"]:
            assert record["x_m"].startswith("Math.pow(")
        for f in record["facts"]:
            if f["kind"] in ("number", "bool", "class") and f["formula"] is not None:
                assert f["js"], (record["name"], f["key"])


@functools.lru_cache(maxsize=1)
def _rendered() -> str:
    """The default page's text, rendered once per process (two tests hold it against a render of their own)."""
    return explore.render_page()


def test_render_is_deterministic_small_and_offline():
    first, second = _rendered(), explore.render_page()
    assert first == second
    assert len(first.encode()) < 300_000
    lowered = first.lower()
    for bad in ("http://", "https://", "<link", "@import", "src=", "url("):
        assert bad not in lowered, bad


def test_unknown_penalty_is_bad_input(tmp_path):
    from click.testing import CliRunner

    from lksym.cli import main

    result = CliRunner().invoke(main, ["explore", "nope", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "unknown penalty 'nope'" in result.output
    assert not (tmp_path / "explore.html").exists()
    # A catalogue entry with parameters: the page has sliders for them, say so.
    result = CliRunner().invoke(main, ["explore", "scad(lam=1, a=3.7)", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "explore takes the name only ('scad', not 'scad(lam=1, a=3.7)')" in result.output
    assert not (tmp_path / "explore.html").exists()


def test_cli_writes_the_page_and_links_it_from_the_index(tmp_path):
    from click.testing import CliRunner

    from lksym.cli import main
    from lksym.fileio import signed
    from lksym.writers.index import write_index

    write_index(tmp_path)
    result = CliRunner().invoke(main, ["explore", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(tmp_path / "explore.html")
    assert (tmp_path / "explore.html").read_bytes() == signed(_rendered())  # the page, then lksym's checksum line
    assert "[explore.html](explore.html)" in (tmp_path / "README.md").read_text(encoding="utf-8")


def test_template_ships_as_package_data():
    from importlib.resources import files

    assert files("lksym.writers").joinpath("explore_page.html").is_file()
    text = Path(__file__).resolve().parents[2].joinpath("pyproject.toml").read_text(encoding="utf-8")
    assert '"lksym.writers" = ["explore_page.html"]' in text


# --------------------------------------------------------------------------- in a real browser

CHROMIUM = os.environ.get("LKSYM_CHROMIUM", "/usr/bin/chromium")


def _browser_or_skip():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install playwright)")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set LKSYM_CHROMIUM)")
    return sync_playwright


VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def chromium():
    sync_playwright = _browser_or_skip()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


class Tabs:
    """The module's pages, in one browser context, each reused by test after test.

    Opening a page (and its context) costs as much as loading the explorer into it; a :class:`Watched` takes a
    free page and loads its URL afresh (about:blank first: a new document each time, nothing of the last test's
    state carries over).  Every page records its errors and requests (and blocks those leaving) for the
    :class:`Watched` holding it.
    """

    def __init__(self, browser):
        self.context = browser.new_context(viewport=VIEWPORT)
        self.free: list = []
        self.busy: list = []
        self.holder: dict = {}

    def take(self, watched):
        page = self.free.pop() if self.free else self._open()
        self.busy.append(page)
        self.holder[page] = watched
        return page

    def release(self) -> None:
        """After each test: its pages go back, and nothing they do later is told to its Watched."""
        for page in self.busy:
            self.holder[page] = None
        self.free += self.busy
        self.busy = []

    def _open(self):
        page = self.context.new_page()

        def record(kind, text):
            watched = self.holder.get(page)
            if watched is not None:
                getattr(watched, kind).append(text)

        page.on("console", lambda m: record("errors", m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: record("errors", str(e)))
        page.on("request", lambda r: record("requests", r.url))

        def block(route):
            record("requests", "BLOCKED " + route.request.url)
            route.abort()

        page.route("http*://**/*", block)
        page.route("ws*://**/*", block)
        return page


@pytest.fixture(scope="module")
def tabs(chromium):
    t = Tabs(chromium)
    yield t
    t.context.close()


@pytest.fixture
def browser(tabs):
    """What a browser test opens its pages with (:class:`Watched`); the pages are handed back after the test."""
    yield tabs
    tabs.release()


@pytest.fixture(scope="module")
def page_file(explore_html):
    return explore_html  # the default page (tests/conftest.py: written once per process)


class Watched:
    """A page freshly loaded from ``url``, its errors and outgoing requests recorded (and the requests blocked)."""

    def __init__(self, tabs: Tabs, url: str, viewport=None, keep: bool = False):
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = tabs.take(None)
        if keep:  # the module's own (a module fixture's): never handed back
            tabs.busy.remove(self.page)
        self.page.set_viewport_size(viewport or VIEWPORT)
        self.page.goto("about:blank")  # the same document for a URL differing only in its fragment otherwise
        tabs.holder[self.page] = self  # from here on: the last document's late events are not this test's
        self.page.goto(url)
        self.ready()

    def ready(self) -> None:
        """Wait for the first drawing (the page draws before its load event: asking once is usually enough)."""
        drawn = "() => !!(window.lksym && window.lksym.draws > 0)"
        if not self.page.evaluate(drawn):
            self.page.wait_for_function(drawn)

    def clean(self, base: str) -> None:
        assert self.errors == []
        leaving = [u for u in self.requests if not u.split("#")[0] == base]
        assert leaving == []

    def facts(self) -> dict:
        return self.page.evaluate(
            "() => Object.fromEntries([...document.querySelectorAll('#facts tbody tr')]"
            ".map(r => [r.dataset.key, r.dataset.value]))"
        )

    def go(self, fragment: str) -> None:
        """Move to ``fragment`` as a reader editing the address would (hashchange), and wait for the redraw."""
        # A redraw still pending (a resize, the last hashchange) writes the old state's fragment back with
        # history.replaceState, and if it runs between the assignment and the hashchange, the page reads that one.
        self.settle()
        # The same fragment again is no hashchange (the page rewrites its hash to the full form after each draw,
        # so the short forms used here never are): nothing to wait for then.
        draws = self.page.evaluate("(h) => { if (location.hash === h) return null; const n = lksym.draws; location.hash = h;"
                                   " return n; }", fragment)
        if draws is not None:
            self.page.wait_for_function("(n) => lksym.draws > n", arg=draws)

    def settle(self) -> None:
        self.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


# The browser tests in two pytest-xdist groups (about even in time), so that two workers can share them; each
# worker launches its own Chromium and holds its own pages (module fixtures are per process).
FIRST_HALF = pytest.mark.xdist_group("tests/writers/test_explore.py:1")
SECOND_HALF = pytest.mark.xdist_group("tests/writers/test_explore.py:2")


def _url(page_file) -> str:
    return Path(page_file).resolve().as_uri()


BROWSER_K = ["0.5", "1", "1.5", "2", "3", "10", "7/3", "sqrt(2)", "0.1", "1.9"]


@pytest.fixture(scope="module")
def nav_page(tabs, page_file):
    """One page for the module's tests that only read what a fragment shows: each moves it there (:meth:`Watched.go`)."""
    return Watched(tabs, _url(page_file), keep=True)


@FIRST_HALF
@pytest.mark.parametrize("text", BROWSER_K)
def test_facts_panel_matches_the_analysis(nav_page, page_file, text):
    base = _url(page_file)
    w = nav_page
    w.go(f"#k={text}&lam=0.7&eta=0.13&tau=0.001")
    got = w.facts()
    k = parse_k(text)
    a = analyze(k)
    assert w.page.evaluate("document.getElementById('facts').dataset.case") == case_of(k).name
    for key in ("crossover_L1", "crossover_L2", "dead_zone", "prox_threshold", "cycle_amplitude",
                "cycle_multiplier", "overshoot"):
        truth = _truth(a, key)
        if truth is None:
            assert got[key] == "none", (key, got[key])
        else:
            want = float(_num(truth, k))
            assert math.isclose(float(got[key]), want, rel_tol=1e-9, abs_tol=1e-300), (key, got[key], want)
    stable = a.gd.cycle_stable
    assert got["cycle_attracts"] == ("none" if stable is None else str(stable).lower())
    assert got["convex"] == str(a.convex).lower() and got["sparse"] == str(a.sparse).lower()
    assert got["smoothness"] == ("Infinity" if a.smoothness is None else str(a.smoothness))
    assert got["regime"] == case_of(k).title
    # The exact column shows the embedded analysis for the stops.
    if text in explore.STOPS or text in ("0.5", "1.5"):
        exact = w.page.inner_text("#fact-crossover_L2 td.exact")
        assert exact == explore.human_text(a.crossovers[1].weight) if a.crossovers[1].weight is not None else exact == ""
    w.clean(base)


@pytest.fixture(scope="module")
def prox_page(tabs, page_file):
    return Watched(tabs, _url(page_file), keep=True)


@FIRST_HALF
@pytest.mark.parametrize("text", ["0.1", "0.5", "0.9", "1/sqrt(3)", "1", "1.3", "1.5", "2", "3", "7/3", "sqrt(2)", "10"])
def test_js_prox_matches_prox_numeric(prox_page, page_file, text):
    """At z of both signs, and just below and above the jump threshold where the comparison with 0 decides."""
    from lksym.derivation.prox import prox_threshold

    base = _url(page_file)
    w = prox_page  # proxAt(k, lam, z) reads nothing of the page's state: one page serves every case
    k = parse_k(text)
    for lam in (0.2, 1.0, 2.5):
        zs = [-3.0, -0.7, 0.0, 0.05, 0.4, 1.1, 1.7, 2.9, 6.0]
        t = float(sp.N(prox_threshold(k).subs(LAM, lam), 30))
        if t > 0:
            zs += [t * (1 - 1e-6), -t * (1 + 1e-6), t * (1 + 1e-3), t * (1 + 1e-6)]
        got = w.page.evaluate("([k, lam, zs]) => zs.map(z => window.lksym.proxAt(k, lam, z))", [float(k), lam, zs])
        for z, value in zip(zs, got):
            want = prox_numeric(k, lam, z)
            assert math.isclose(value, want, rel_tol=1e-9, abs_tol=1e-12), (text, lam, z, value, want)
    w.clean(base)


@FIRST_HALF
@pytest.mark.parametrize("slider", ["k", "lam", "eta", "w0"])
def test_each_slider_moves_from_the_keyboard(browser, page_file, slider):
    base = _url(page_file)
    w = Watched(browser, base + "#k=1.5&lam=1&eta=0.1&w0=0.3")
    before = w.page.evaluate(f"document.getElementById('{slider}').value")
    draws = w.page.evaluate("window.lksym.draws")
    facts_before = w.facts()
    w.page.focus(f"#{slider}")
    for _ in range(5):
        w.page.keyboard.press("ArrowRight")
    w.settle()
    after = w.page.evaluate(f"document.getElementById('{slider}').value")
    assert float(after) > float(before)
    assert w.page.evaluate("window.lksym.draws") > draws
    assert f"{slider}={after}" in w.page.evaluate("location.hash")
    if slider in ("k", "eta"):
        assert w.facts()["cycle_amplitude"] != facts_before["cycle_amplitude"]
    w.clean(base)


@FIRST_HALF
def test_fragment_round_trip(browser, page_file):
    base = _url(page_file)
    w = Watched(browser, base + "#k=7/3&lam=0.5&eta=0.2&w0=-0.4")
    assert w.page.input_value("#k-exact") == "7/3"
    assert w.page.evaluate("[lksym.state.k, lksym.state.lam, lksym.state.eta, lksym.state.w0]") == [7 / 3, 0.5, 0.2, -0.4]
    w.page.focus("#lam")
    w.page.keyboard.press("ArrowLeft")
    w.settle()
    shared = w.page.evaluate("location.href")
    assert "lam=0.49" in shared and "k=7%2F3" in shared
    facts = w.facts()
    other = Watched(browser, shared)
    assert other.facts() == facts
    assert other.page.evaluate("location.href") == shared
    w.clean(base)
    other.clean(base)


@FIRST_HALF
def test_typed_exact_k_and_bad_input(browser, page_file):
    base = _url(page_file)
    w = Watched(browser, base)
    w.page.fill("#k-exact", "sqrt(2)")
    w.page.press("#k-exact", "Enter")
    w.settle()
    assert w.page.evaluate("lksym.state.k") == math.sqrt(2)
    assert "k=sqrt(2)" in w.page.evaluate("decodeURIComponent(location.hash)")
    assert w.page.inner_text("#fact-crossover_L1 td.exact") == explore.human_text(analyze("sqrt(2)").crossovers[0].weight)
    for bad in ("abc", "1/0", "-1", "2+", "9" * 100):
        w.page.fill("#k-exact", bad)
        w.page.press("#k-exact", "Enter")
        assert w.page.inner_text("#k-error") != ""
        assert w.page.evaluate("lksym.state.k") == math.sqrt(2)
    w.clean(base)


@FIRST_HALF
@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}])
@pytest.mark.parametrize("text", ["0.5", "10", "sqrt(2)"])
def test_layout_fits_and_curves_are_labelled(browser, page_file, viewport, text, tmp_path):
    base = _url(page_file)
    w = Watched(browser, base + f"#k={text}", viewport=viewport)
    assert w.page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert w.page.evaluate("document.body.scrollWidth") <= viewport["width"]
    canvases = w.page.evaluate("[...document.querySelectorAll('#plots canvas')].map(c => [c.id, c.width, c.getAttribute('aria-label')])")
    assert len(canvases) == 6 and all(width > 100 and f"k = {text}" in label for _, width, label in canvases)
    compared = w.page.evaluate("[...document.querySelectorAll('#compare canvas')].map(c => c.width)")
    assert len(compared) == 2 and all(width > 100 for width in compared)
    w.page.screenshot(path=str(tmp_path / "explore.png"), full_page=True)
    assert (tmp_path / "explore.png").stat().st_size > 10_000
    w.clean(base)


# --------------------------------------------------------------------------- the catalogue (lksym.derivation.penalty)

# By hand, at the catalogue's usual parameters: f'(0+), the breakpoints, convex, sparse, the jump at 0.
CATALOGUE_BY_HAND = {
    "elastic_net": (0.5, [], True, True, 0),   # 0.5|w| + 0.25 w^2
    "scad": (1, [1, 3.7], False, True, 0),     # slope lam = 1 up to lam, concave middle piece, flat after a*lam
    "mcp": (1, [3], False, True, 0),           # lam - x/gamma up to gamma*lam
    "logsum": (10, [], False, True, 0),        # 1/(eps + x) with eps = 0.1
    "capped_l1": (1, [1], False, True, 0),     # the gradient drops from 1 to 0 at theta
    "huber": (0, [1], True, False, 0),         # x/delta, then 1
    "l0": (0, [], False, True, 1),             # 0 at 0, 1 elsewhere
}


def _usual(name):
    from lksym.derivation.penalty import CATALOGUE

    entry = CATALOGUE[name]
    return {"P_" + n: float(sp.Rational(v)) for n, v in entry.usual}  # "3.7" is 37/10 exactly


def _catalogue_penalty(name):
    from lksym.derivation.penalty import CATALOGUE, parse_penalty

    entry = CATALOGUE[name]
    args = ", ".join(f"{n}={v}" for n, v in entry.usual)
    return parse_penalty(f"{name}({args})" if args else name)


@functools.lru_cache(maxsize=None)
def _numpy_pieces(penalty):
    """Each piece's expression as a NumPy function (lambdified once per penalty: the brute force asks at many z)."""
    from lksym.derivation.symbols import X

    return tuple(sp.lambdify(X, piece.expr, "numpy") for piece in penalty.pieces)


def _brute_prox(penalty, lam, z):
    """Dense-grid argmin of 1/2 (x - z)^2 + lam p(x) on [0, |z|] (p from lksym.derivation.penalty's pieces), odd in z."""
    import numpy as np

    if z < 0:
        return -_brute_prox(penalty, lam, -z)
    x = np.linspace(0.0, z, 400001)[1:]
    p = np.zeros_like(x)
    for piece, f in zip(penalty.pieces, _numpy_pieces(penalty)):
        inside = (x > float(piece.lo)) & (x <= float(piece.hi))
        p[inside] = np.broadcast_to(f(x[inside]), x[inside].shape)
    objective = 0.5 * (x - z) ** 2 + lam * p
    i = int(np.argmin(objective))
    return float(x[i]) if objective[i] < 0.5 * z * z + lam * float(penalty.at_zero) else 0.0


@pytest.mark.parametrize("name", sorted(CATALOGUE_BY_HAND))
def test_catalogue_facts_by_hand(name):
    g0, breakpoints, convex, sparse, jump = CATALOGUE_BY_HAND[name]
    record = explore.catalogue_family(name)
    facts = {f["key"]: f for f in record["cases"][0]["facts"]}
    usual = {n: sp.Rational(v) for n, v in _usual(name).items()}

    def at_usual(text):
        expr = sp.sympify(text)  # the page's own formula text, not user input
        return expr.subs({s: usual[s.name] for s in expr.free_symbols})

    assert float(at_usual(facts["gradient_0"]["formula"])) == g0
    assert float(at_usual(facts["jump_at_0"]["formula"])) == jump
    assert [float(at_usual(b)) for b in facts["breakpoints"]["formula"].strip("[]").split(", ") if b] == breakpoints
    conv = facts["convex"]["formula"]
    assert (conv if isinstance(conv, bool) else bool(at_usual(conv))) is convex
    spar = facts["sparse"]["formula"]
    assert (spar if isinstance(spar, bool) else bool(at_usual(spar))) is sparse


@FIRST_HALF
@pytest.mark.parametrize("name", sorted(CATALOGUE_BY_HAND))
def test_catalogue_in_the_browser(browser, page_file, name):
    """Pick the penalty, check its compiled pieces against lksym.derivation.penalty, its prox against a brute force,
    move one of its sliders and round-trip the fragment."""
    from lksym.derivation.symbols import X

    base = _url(page_file)
    w = Watched(browser, base)
    w.page.select_option("#penalty", name)
    w.settle()
    assert w.page.evaluate("lksym.state.penalty") == name
    usual = _usual(name)
    for slider, value in usual.items():
        assert float(w.page.input_value(f"#{slider}")) == value
    assert w.page.evaluate("document.getElementById('k') === null")  # the power family's slider is gone
    penalty = _catalogue_penalty(name)
    # The compiled branch equals the catalogue's pieces on both sides of each breakpoint.
    xs = [0.013, 0.37, 0.99, 1.01, 2.5, 3.69, 3.71, 7.0]
    got = w.page.evaluate("([name, xs, p]) => xs.map(x => CODE[name].cases[0].pen(x, p))", [name, xs, usual])
    for x, value in zip(xs, got):
        piece = next(pc for pc in penalty.pieces if pc.lo < x <= pc.hi)
        assert math.isclose(value, float(piece.expr.subs(X, x)), rel_tol=1e-12, abs_tol=1e-12), (name, x)
    # prox against the brute force, at lam = 1 (the page's default).
    zs = [-2.7, -0.8, 0.05, 0.6, 1.3, 2.2, 4.5]
    got = w.page.evaluate("(zs) => zs.map(z => lksym.prox(z))", zs)
    for z, value in zip(zs, got):
        assert abs(value - _brute_prox(penalty, 1.0, z)) <= 2e-5 * (1 + abs(z)), (name, z, value)
    facts = w.facts()
    assert set(facts) >= {"gradient_0", "convex", "sparse", "prox_threshold", "breakpoints"}
    if usual:
        first = next(iter(usual))
        w.page.focus(f"#{first}")
        w.page.keyboard.press("ArrowRight")
        w.settle()
        assert f"{first}=" in w.page.evaluate("location.hash")
    shared = w.page.evaluate("location.href")
    assert f"penalty={name}" in shared
    other = Watched(browser, shared)
    assert other.facts() == w.facts()
    w.clean(base)
    other.clean(base)


@SECOND_HALF
@pytest.mark.parametrize("name, jumps", [
    # At the page's lam = 1, by hand: SCAD(1, 3.7) and MCP(1, 3) are continuous (lam < 27/10, lam < 3) and leave 0
    # continuously; log-sum(0.1) jumps (continuous only for lam <= 1/100); L0 jumps from 0 to z at sqrt(2);
    # capped L1 leaves 0 continuously (its jump is further out, at theta + lam/2); the convex ones never jump.
    ("scad", False), ("mcp", False), ("logsum", True), ("l0", True), ("capped_l1", False),
    ("elastic_net", False), ("huber", False),
])
def test_the_shrinkage_curve_is_drawn_and_its_jump_marked_only_where_it_jumps(browser, page_file, name, jumps):
    # A non-convex penalty whose prox leaves 0 continuously once had every sample step taken for a jump:
    # the curve beyond the threshold was not drawn at all, and a jump was marked where there is none.
    w = Watched(browser, _url(page_file))
    w.page.select_option("#penalty", name)
    w.settle()
    strokes = w.page.evaluate("Object.entries(lksym.strokes).filter(([k]) => k.startsWith('prox ')).map(([, v]) => v)")
    assert strokes and strokes[0] > 100, strokes
    assert (w.page.evaluate("lksym.proxJumpDots") > 0) is jumps


# --------------------------------------------------------------------------- hostile fragments

HOSTILE = [
    # (fragment, what the error line must name)
    ("#penalty=constructor", "unknown penalty “constructor”"),
    ("#penalty=__proto__", "unknown penalty “__proto__”"),
    ("#penalty=toString", "unknown penalty “toString”"),
    ("#penalty=hasOwnProperty&k=2", "unknown penalty “hasOwnProperty”"),
    ("#k=%E0%A4%A", "not name=value with valid %-escapes"),
    ("#%zz=1", "not name=value with valid %-escapes"),
    ("#lam=%", "not name=value with valid %-escapes"),
    ("#__proto__=1&constructor=2", "unknown name “__proto__”"),
    ("#show=constructor,l1", "unknown curve “constructor”"),
    ("#show=__proto__", "unknown curve “__proto__”"),
    ("#k=abc", "k = “abc”"),
    ("#lam=-1", "lam = “-1”"),
    ("#eta=1e999", "eta = “1e999”"),
    ("#k=1.5&k=3", "k given twice"),
    ("#tau=0", "tau = “0”"),
]


@SECOND_HALF
@pytest.mark.parametrize("fragment, named", HOSTILE)
def test_hostile_fragment_keeps_the_defaults_and_says_so(browser, page_file, fragment, named):
    base = _url(page_file)
    w = Watched(browser, base + fragment)
    assert w.page.is_visible("#fragment-error")
    assert named in w.page.inner_text("#fragment-error")
    state = w.page.evaluate("[lksym.state.penalty, lksym.state.lam, lksym.state.eta, lksym.state.tau]")
    assert state[0] in ("power", "scad", "mcp", "logsum", "capped_l1", "huber", "l0", "elastic_net")
    assert all(isinstance(v, (int, float)) and v > 0 and math.isfinite(v) for v in state[1:])
    if "penalty" in fragment:
        assert state[0] == "power"
    # Nothing leaked into a prototype, and the page still draws and still answers.
    assert w.page.evaluate("({}).polluted === undefined && Object.getPrototypeOf({}) === Object.prototype")
    assert w.page.evaluate("Object.keys(Object.prototype).length") == 0
    assert w.facts()["convex"] in ("true", "false")
    assert w.page.evaluate("lksym.view.shown[0]") == "current"
    w.page.select_option("#penalty", "scad")
    w.settle()
    assert w.facts()["fan_li_continuous"] == "true"
    w.clean(base)


@SECOND_HALF
def test_a_good_fragment_shows_no_error(browser, page_file):
    base = _url(page_file)
    w = Watched(browser, base + "#penalty=scad&P_lam=1&P_a=3.7&lam=1&eta=0.1&w0=0.3&show=l1,mcp")
    assert not w.page.is_visible("#fragment-error")
    # A later bad fragment (hashchange) is said too, and a good one clears it again.  Each once the page has no
    # redraw pending: a pending one's history.replaceState can put the old fragment back before the hashchange is read.
    w.settle()
    w.page.evaluate("location.hash = '#penalty=constructor'")
    w.page.wait_for_function("() => !document.getElementById('fragment-error').hidden")
    w.settle()
    w.page.evaluate("location.hash = '#penalty=mcp'")
    w.page.wait_for_function("() => document.getElementById('fragment-error').hidden")
    assert w.page.evaluate("lksym.state.penalty") == "mcp"
    w.clean(base)


@SECOND_HALF
def test_a_fragment_typed_while_a_redraw_is_pending_is_not_overwritten(browser, page_file):
    # Regression: a redraw scheduled before the address changed ran between the assignment and its hashchange and
    # wrote the old state's fragment back (history.replaceState), so the page read its own old fragment.  Our
    # animation-frame callback is queued before the page's, so the fragment changes just before the page redraws.
    base = _url(page_file)
    w = Watched(browser, base + "#penalty=scad&P_lam=1&P_a=3.7")
    w.settle()
    w.page.evaluate("""() => {
        requestAnimationFrame(() => { location.hash = '#penalty=mcp'; });
        const slider = document.getElementById('lam');
        slider.value = String(Number(slider.value) * 1.5);
        slider.dispatchEvent(new Event('input', {bubbles: true}));
    }""")
    w.page.wait_for_function("() => lksym.state.penalty === 'mcp'", timeout=5000)
    w.settle()
    assert w.page.evaluate("lksym.state.penalty") == "mcp"
    assert w.page.evaluate("location.hash").startswith("#penalty=mcp")
    w.clean(base)


# --------------------------------------------------------------------------- overlay, view, readout


def _readout(w) -> dict:
    return w.page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('#readout tbody tr')].map(r => [r.dataset.id,"
        " [...r.querySelectorAll('td.num')].map(td => td.textContent)]))")


@SECOND_HALF
def test_overlay_of_the_article_question(browser, page_file):
    """|w|^1.5 with L1 and L2 by default; ticking and unticking curves changes what is drawn and the fragment."""
    base = _url(page_file)
    w = Watched(browser, base + "#k=1.5")
    assert w.page.evaluate("lksym.view.shown") == ["current", "l1", "l2"]
    strokes = w.page.evaluate("Object.keys(lksym.strokes).filter(k => k.startsWith('cmp pen '))")
    assert {"cmp pen current", "cmp pen l1", "cmp pen l2"} <= set(strokes)
    # Each curve its own colour and line style.
    styles = w.page.evaluate("[...document.querySelectorAll('#readout tbody svg line')].map(l => [l.getAttribute('stroke'),"
                             " l.getAttribute('stroke-dasharray')])")
    assert len({s[0] for s in styles}) == len(styles) == 3 and len({s[1] for s in styles}) == 3
    w.page.check("#show-scad")
    w.page.uncheck("#show-l2")
    w.settle()
    assert w.page.evaluate("lksym.view.shown") == ["current", "l1", "scad"]
    assert "show=l1,scad" in w.page.evaluate("location.hash")
    # The default view takes in SCAD's second breakpoint a*lam = 3.7 (the old page stopped at 2).
    assert w.page.evaluate("lksym.view.x[1]") > 3.7
    shared = w.page.evaluate("location.href")
    other = Watched(browser, shared)
    assert other.page.evaluate("lksym.view.shown") == ["current", "l1", "scad"]
    assert other.page.is_checked("#show-scad") and not other.page.is_checked("#show-l2")
    w.clean(base)
    other.clean(base)


@SECOND_HALF
@pytest.mark.parametrize("penalty, landmark", [("scad", 3.7), ("mcp", 3.0), ("logsum", None), ("capped_l1", 1.0)])
def test_default_view_takes_in_breakpoints_and_thresholds(nav_page, penalty, landmark):
    w = nav_page
    w.go(f"#penalty={penalty}&show=")
    xs = w.page.evaluate("lksym.view.x")
    facts = w.facts()
    threshold = float(facts["prox_threshold"])
    assert xs[0] == -xs[1] and xs[1] > threshold
    if landmark is not None:
        assert xs[1] > landmark
    # The single-penalty plots follow: the shrinkage map reaches past the threshold (log-sum's 2.52 at lam = 1).
    ranges = w.page.evaluate("lksym.ranges")
    assert ranges["z"] > threshold and ranges["w"] >= (landmark or 0)


@FIRST_HALF
def test_zoom_pan_reset(browser, page_file):
    base = _url(page_file)
    w = Watched(browser, base + "#k=1.5")
    start = w.page.evaluate("lksym.view")
    w.page.click("#zoom-in")
    w.settle()
    zoomed = w.page.evaluate("lksym.view")
    assert zoomed["x"][1] - zoomed["x"][0] == pytest.approx((start["x"][1] - start["x"][0]) / 1.5)
    # The mouse wheel over the penalty plot zooms out about the cursor.
    box = w.page.locator("#cmp-pen").bounding_box()
    w.page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.5)
    w.page.mouse.wheel(0, 400)
    w.settle()
    wheeled = w.page.evaluate("lksym.view")
    assert wheeled["x"][1] - wheeled["x"][0] > zoomed["x"][1] - zoomed["x"][0]
    # Drag to the left: the view moves right (larger w), by the distance dragged.
    before = wheeled["x"]
    w.page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.5)
    w.page.mouse.down()
    w.page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.4, steps=5)
    w.page.mouse.up()
    w.settle()
    panned = w.page.evaluate("lksym.view")
    assert panned["x"][0] > before[0] and panned["x"][1] - panned["x"][0] == pytest.approx(before[1] - before[0])
    assert panned["yPen"][0] < wheeled["yPen"][0]  # dragged up: the penalty plot's y window moves down
    w.page.click("#zoom-reset")
    w.settle()
    assert w.page.evaluate("lksym.view") == start
    w.clean(base)


@FIRST_HALF
@pytest.mark.parametrize("k_text", ["1.5", "0.5", "3"])
def test_readout_under_the_cursor(browser, page_file, k_text):
    """The table reads every shown curve at the cursor's w: checked against k|w|^(k-1) and the catalogue's pieces."""
    base = _url(page_file)
    w = Watched(browser, base + f"#k={k_text}&show=l1,l2,scad")
    box = w.page.locator("#cmp-grad").bounding_box()
    w.page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.5)
    w.settle()
    cursor = w.page.evaluate("lksym.view && document.getElementById('readout-caption').textContent")
    at = float(cursor.split("w = ")[1].split(" ")[0])
    view = w.page.evaluate("lksym.view.x")
    assert view[0] < at < view[1] and at > 0
    rows = _readout(w)
    k = float(parse_k(k_text))

    def close(text, want):
        assert math.isclose(float(text), want, rel_tol=2e-5), (text, want)

    close(rows["current"][0], at ** k)
    close(rows["current"][1], k * at ** (k - 1))
    close(rows["l1"][0], at)
    close(rows["l1"][1], 1.0)
    close(rows["l2"][0], at * at)
    close(rows["l2"][1], 2 * at)
    scad = _catalogue_penalty("scad")
    from lksym.derivation.symbols import X

    piece = next(pc for pc in scad.pieces if pc.lo < at <= pc.hi)
    close(rows["scad"][0], float(piece.expr.subs(X, at)))
    # Keyboard: the arrow keys move the cursor on a focused plot.
    w.page.focus("#cmp-pen")
    w.page.keyboard.press("ArrowLeft")
    w.settle()
    moved = float(w.page.evaluate("document.getElementById('readout-caption').textContent").split("w = ")[1].split(" ")[0])
    assert moved < at
    w.clean(base)


@SECOND_HALF
@pytest.mark.parametrize("name", ["scad", "mcp", "logsum", "capped_l1", "l0", "huber", "elastic_net"])
def test_fan_li_facts_as_the_cli_gives_them(browser, page_file, name):
    """The page's Fan-Li rows are the analysis' thresholding at the usual parameters, decided at the lam on screen."""
    from lksym.derivation.symbols import LAM

    t = analyze(_catalogue_penalty(name)).thresholding
    base = _url(page_file)
    w = Watched(browser, base + f"#penalty={name}&lam=0.5")
    for lam in (0.5, 1.0, 2.9):
        if lam != 0.5:
            w.go(f"#penalty={name}&lam={lam}")
        got = w.facts()
        for key, field in (("fan_li_sparse", "sparse"), ("fan_li_continuous", "continuous"), ("fan_li_unbiased", "unbiased")):
            value = getattr(t, field)
            want = bool(value) if isinstance(value, (bool, sp.logic.boolalg.BooleanAtom)) else bool(value.subs(LAM, sp.Rational(str(lam))))
            assert got[key] == str(want).lower(), (name, lam, key, value)
        # No internal names in what a reader sees.
        text = w.page.inner_text("#facts")
        assert "P_" not in text and "lam" not in text and "**" not in text
        w.clean(base)
    # Moved off the usual parameters, the rows say they no longer apply.
    usual = _usual(name)
    if usual:
        first = next(iter(usual))
        w.go(f"#penalty={name}&{first}={usual[first] * 1.5:g}")
        assert w.facts()["fan_li_sparse"] == "stale"
        w.clean(base)


def test_power_family_fan_li_per_case():
    """Each case's Fan-Li rows equal the analysis at k inside the case (not only at the stop they came from)."""
    data = explore.power_family()
    for text in ["0.3", "0.5", "1", "1.2", "1.5", "2", "2.5", "4", "7/3", "10"]:
        k = parse_k(text)
        case = next(c for c in data["cases"] if c["name"] == case_of(k).name)
        facts = {f["key"]: f for f in case["facts"]}
        t = analyze(k).thresholding
        for key, field in (("fan_li_sparse", "sparse"), ("fan_li_continuous", "continuous"), ("fan_li_unbiased", "unbiased")):
            assert facts[key]["js"] == str(bool(getattr(t, field))).lower(), (text, key)


def test_the_writer_renders_a_given_page_and_never_closes_its_script():
    from lksym.command_results import ExplorerPage
    from lksym.writers.explore import render

    records = [{"name": "sgd", "cycle_js": "2*a - G*lr"}, {"name": "prox-sgd", "cycle_js": None}]
    page = ExplorerPage({"penalties": [], "optimizers": records, "note": "</script>"}, ("lr",))
    html = render(page)
    assert html == render(page)
    assert "</script>\"" not in html and '"note":"<\\/script>"' in html
    assert '"sgd":function(a,G,p){const lr=p.lr;return (2*a - G*lr);},"prox-sgd":null' in html
