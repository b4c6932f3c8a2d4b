"""Shared fixtures for the tests that hold lksym's derived results against independent truth.

Everything a test compares *against* is written here by hand: the exact value of
each k, its regime, its smoothness and the limit table of each regime.  None of
it is computed by lksym.

Fixtures
--------
k_case
    Parametrised over :data:`K_CASES` (ids are the k texts): a :class:`KCase`.
k_analysis
    ``lksym.results.analyze(k_case.text)``, cached for the session.
analysis_of
    A cached function ``text -> Analysis`` for tests about one particular k.
regenerated
    ``(out, pages)``: the whole ``reports/`` tree built once per session by ``lksym.regenerate.regenerate``.
    Mark every test that uses it ``@pytest.mark.xdist_group("regenerated")`` so they share one worker (and one
    build) under pytest-xdist.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Optional

import pytest
import sympy as sp

# The symbols of lksym's documented interface, re-declared here (SymPy symbols
# compare by name and assumptions, so these equal lksym's own).
W = sp.Symbol("w", real=True)
ALPHA = sp.Symbol("alpha", positive=True)
TAU = sp.Symbol("tau", positive=True)
ETA = sp.Symbol("eta", positive=True)

oo = sp.oo

# --------------------------------------------------------------------------- limits by hand
#
# f(w) = |w|^k,  f'(w) = k sign(w) |w|^(k-1),  f''(w) = k (k-1) |w|^(k-2)  (w != 0).
# Keys: "0+", "0-", "+oo", "-oo".

PENALTY_LIMITS = {"0+": 0, "0-": 0, "+oo": oo, "-oo": oo}

HAND_LIMITS = {
    # 0 < k < 1: |w|^(k-1) blows up at 0 and fades at infinity; k(k-1) < 0.
    "SUBLINEAR": {
        "penalty": PENALTY_LIMITS,
        "gradient": {"0+": oo, "0-": -oo, "+oo": 0, "-oo": 0},
        "curvature": {"0+": -oo, "0-": -oo, "+oo": 0, "-oo": 0},
    },
    # k = 1: f' = sign(w), f'' = 0.
    "L1": {
        "penalty": PENALTY_LIMITS,
        "gradient": {"0+": 1, "0-": -1, "+oo": 1, "-oo": -1},
        "curvature": {"0+": 0, "0-": 0, "+oo": 0, "-oo": 0},
    },
    # 1 < k < 2: 0 < k-1 < 1 and k-2 < 0.
    "BETWEEN": {
        "penalty": PENALTY_LIMITS,
        "gradient": {"0+": 0, "0-": 0, "+oo": oo, "-oo": -oo},
        "curvature": {"0+": oo, "0-": oo, "+oo": 0, "-oo": 0},
    },
    # k = 2: f' = 2w, f'' = 2.
    "L2": {
        "penalty": PENALTY_LIMITS,
        "gradient": {"0+": 0, "0-": 0, "+oo": oo, "-oo": -oo},
        "curvature": {"0+": 2, "0-": 2, "+oo": 2, "-oo": 2},
    },
    # k > 2: both exponents k-1, k-2 positive.
    "STEEP": {
        "penalty": PENALTY_LIMITS,
        "gradient": {"0+": 0, "0-": 0, "+oo": oo, "-oo": -oo},
        "curvature": {"0+": 0, "0-": 0, "+oo": oo, "-oo": oo},
    },
}


@dataclass(frozen=True)
class KCase:
    """One exponent with its hand-derived facts."""

    text: str  # what the user types; also the pytest id
    k: sp.Expr  # the exact value, written by hand
    regime: str  # SUBLINEAR, L1, BETWEEN, L2 or STEEP
    smoothness: Optional[int]  # largest n with f in C^n at 0; None = C^inf

    @property
    def kf(self) -> float:
        return float(self.k)

    @property
    def convex(self) -> bool:
        return self.kf >= 1

    @property
    def sparse(self) -> bool:
        return self.kf <= 1

    @property
    def lipschitz(self) -> bool:
        return self.kf >= 2  # L1's gradient jumps at 0: not Lipschitz

    def limits(self, part: str) -> dict:
        return {p: sp.sympify(v) for p, v in HAND_LIMITS[self.regime][part].items()}

    def gradient(self, x: float) -> float:
        """k sign(x) |x|^(k-1) with plain floats (x != 0)."""
        return self.kf * math.copysign(1.0, x) * abs(x) ** (self.kf - 1)

    def curvature(self, x: float) -> float:
        """k (k-1) |x|^(k-2) with plain floats (x != 0)."""
        return self.kf * (self.kf - 1) * abs(x) ** (self.kf - 2)


R = sp.Rational

K_CASES = (
    KCase("0.1", R(1, 10), "SUBLINEAR", 0),
    KCase("1/2", R(1, 2), "SUBLINEAR", 0),
    KCase("1", sp.Integer(1), "L1", 0),
    KCase("1.5", R(3, 2), "BETWEEN", 1),
    KCase("1.9", R(19, 10), "BETWEEN", 1),
    KCase("2", sp.Integer(2), "L2", None),
    KCase("7/3", R(7, 3), "STEEP", 2),
    KCase("3", sp.Integer(3), "STEEP", 2),
    KCase("10", sp.Integer(10), "STEEP", None),
    KCase("sqrt(2)", sp.sqrt(2), "BETWEEN", 1),
    KCase("pi", sp.pi, "STEEP", 3),
    KCase("4/3", R(4, 3), "BETWEEN", 1),
    KCase("5/2", R(5, 2), "STEEP", 2),
    KCase("11/2", R(11, 2), "STEEP", 5),
)
CASES_BY_TEXT = {c.text: c for c in K_CASES}

@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """Spread the tests over every core by default: ``-n auto --dist loadgroup`` where pytest-xdist is installed.

    Here rather than in ``addopts`` so that ``-p no:xdist`` (or no pytest-xdist at all) still runs the suite, in one
    process; ``-n N`` or ``-n 0`` on the command line choose as usual.  Runs before xdist's own hook (a conftest's
    hooks are called before those of plugins registered earlier), which then counts the cores.
    """
    if (config.pluginmanager.hasplugin("xdist") and config.option.numprocesses is None
            and config.option.dist == "no" and not os.environ.get("PYTEST_XDIST_WORKER")):
        config.option.numprocesses = "auto"
        config.option.dist = "loadgroup"


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """Tell each worker the controller's ``--dist`` (workers re-read only the command line, not the default above)."""
    node.workerinput["lksym_dist"] = node.config.option.dist


@pytest.hookimpl(tryfirst=True)  # before xdist's worker reads the groups
def pytest_collection_modifyitems(config, items):
    """Tests that share a module-scoped fixture run on one pytest-xdist worker (group: their file).

    Each worker builds a module fixture for itself; spread over two workers, an expensive one (``lksym compare``
    of eight penalties, a Chromium launch) would be built twice.  A test that names its group keeps it.
    """
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is not None and not item.get_closest_marker("xdist_group") and any(
                defs and defs[-1].scope == "module" for defs in map(info.name2fixturedefs.get, item.fixturenames)):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
        if getattr(config.option, "loadgroup", False):
            _name_the_group(item)


def _name_the_group(item):
    """Append ``@group`` to a grouped item's node id, as pytest-xdist's worker does (``--dist loadgroup``).

    pytest-xdist 3.8 sets ``item._nodeid``, which pytest 9.2 no longer reads (node ids are ``item._id`` there):
    its groups are then silently ignored.  Where ``_id`` exists, set it; otherwise leave it to xdist.
    """
    groups = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")})
    if groups and hasattr(item, "_id"):
        from _pytest.nodeid import coerce_node_id

        if not item.nodeid.endswith("@" + "_".join(groups)):
            item._id = coerce_node_id(f"{item.nodeid}@{'_'.join(groups)}")


def pytest_configure(config):
    """Under pytest-xdist, each worker leads its own process group.

    The workers share one command line, and ``processes.family`` finds a test's strays by process group and
    command line; in one group, a worker would count (and kill) the children of its siblings.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") and os.getpgid(0) != os.getpid():
        os.setpgid(0, 0)
    if getattr(config, "workerinput", {}).get("lksym_dist") == "loadgroup":
        config.option.loadgroup = True  # what xdist's worker reads to send a group's tests together
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # One worker per core already: torch's own second thread spins on a core another worker needs (a float64
        # sqrt of 3000 numbers took 26 ms instead of 10 us).  Read by torch and OpenMP when first imported.
        os.environ.setdefault("OMP_NUM_THREADS", "1")


def _analyze(text: str):
    from analyses import analyzed  # one cache with the tests that import it directly

    return analyzed(text)


@pytest.fixture(scope="session")
def analysis_of():
    """A cached ``analyze``: every k is derived once per test session."""
    return _analyze


@pytest.fixture(scope="session")
def regenerated(tmp_path_factory):
    """The published tree built once, by the command itself: ``(out, pages)``, ``pages`` as ``lksym regenerate`` prints them.

    Built once per session (about a tenth of the suite's CPU): that this build equals the committed ``reports/``,
    which an earlier process built, is what shows the command rebuilds the same bytes.
    """
    from pathlib import Path

    from click.testing import CliRunner

    from lksym.cli import main

    out = tmp_path_factory.mktemp("regenerated")
    result = CliRunner().invoke(main, ["regenerate", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, [Path(line) for line in result.stdout.splitlines()]


@pytest.fixture(params=K_CASES, ids=[c.text for c in K_CASES])
def k_case(request) -> KCase:
    return request.param


@pytest.fixture
def k_analysis(k_case, analysis_of):
    return analysis_of(k_case.text)


@pytest.fixture(scope="session")
def cases():
    """The hand table keyed by k text."""
    return CASES_BY_TEXT


@pytest.fixture
def no_stray_processes():
    """The test leaves no process behind (strays are killed, then reported)."""
    import multiprocessing
    import time

    from processes import family, kill_all

    before, children = family(), set(multiprocessing.active_children())
    yield
    end = time.monotonic() + 3.0
    while (stray := family() - before) and time.monotonic() < end:
        time.sleep(0.05)
    kill_all(stray)
    assert not stray, f"processes left running after the test: {sorted(stray)}"
    assert set(multiprocessing.active_children()) <= children


# --------------------------------------------------------------------------- the explorer page (issue 22)
@pytest.fixture(scope="session")
def explore_html(tmp_path_factory):
    """``lksym explore``'s default page, written once per process (its derivation takes seconds): the path.

    For the browser tests of tests/writers/test_explore.py and tests/test_explore_optimizers.py, which only read it.
    """
    from lksym.app import explore

    return explore.write_explore((), tmp_path_factory.mktemp("explore"))
