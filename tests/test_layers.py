"""The package's layers: imports point one way, with no cycle, not even through a function-level import.

=====  ==========================================================  ==============================
rank   modules                                                     may import
=====  ==========================================================  ==============================
0      ``errors``, ``budget``, ``fileio``                          the standard library
1      ``derivation.*`` (SymPy)                                    rank 0
2      ``results`` (the frozen :class:`~lksym.results.Analysis`)   ranks 0-1
3      ``numerics.*`` (NumPy)                                      ranks 0-2
4      ``writers.*`` (Markdown, JSON, terminal, figures, HTML)     ranks 0-3
5      ``api``, ``app.*``, ``notebook``, ``verify``, ``regenerate``, ``torch`` ranks 0-4
6      ``cli``, ``__main__``, the package itself                   anything
=====  ==========================================================  ==============================

Within one rank, imports between modules are allowed but must not form a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lksym"

RANKS = {
    "lksym.errors": 0,
    "lksym.budget": 0,
    "lksym.fileio": 0,
    "lksym.derivation": 1,
    # The float prox solver lives with the numerics but belongs to the derivation's layer: every
    # closed form the derivation finds is checked against it before it is reported.  It imports
    # only the derivation's penalty, exact helpers and symbols (checked below).
    "lksym.numerics.prox_solver": 1,
    "lksym.results": 2,
    "lksym.dynamics_result": 2,
    "lksym.command_results": 2,
    "lksym.numerics": 3,
    "lksym.writers": 4,
    "lksym.api": 5,
    "lksym.app": 5,
    "lksym.verify": 5,
    "lksym.regenerate": 5,
    "lksym.notebook": 5,
    "lksym.torch": 5,
    "lksym.training": 5,
    "lksym.cli": 6,
    "lksym.__main__": 6,
    "lksym": 6,
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def rank(module: str) -> int:
    """The layer of a module: the rank of the longest prefix in :data:`RANKS`."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in RANKS:
            return RANKS[prefix]
    raise AssertionError(f"{module} belongs to no layer: add it to RANKS")


def imports(module: str) -> dict[str, list[tuple[int, tuple[str, ...]]]]:
    """lksym modules imported anywhere in ``module`` (top level or inside a function): target -> [(line, names)]."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    found.setdefault(alias.name, []).append((node.lineno, ()))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if not (source == "lksym" or source.startswith("lksym.")):
                continue
            names = tuple(alias.name for alias in node.names)
            submodules = [f"{source}.{n}" for n in names if f"{source}.{n}" in MODULES]
            for sub in submodules:
                found.setdefault(sub, []).append((node.lineno, ()))
            rest = tuple(n for n in names if f"{source}.{n}" not in MODULES)
            if rest:
                found.setdefault(source, []).append((node.lineno, rest))
    return found


GRAPH = {module: imports(module) for module in MODULES}


def test_every_module_has_a_layer():
    for module in MODULES:
        rank(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_layers(module):
    for target, where in GRAPH[module].items():
        assert rank(target) <= rank(module), (
            f"{module} (layer {rank(module)}) imports {target} (layer {rank(target)}) at line {where[0][0]}"
        )


def test_no_import_cycle_at_all():
    # Function-level imports count: a cycle through them is a cycle all the same.
    edges = {m: {t for t in GRAPH[m] if t != m} for m in MODULES}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(edges[m]):
            if state.get(t) == 1:
                cycle = stack[stack.index(t):] + [t]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m)


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "lksym"))
def test_no_private_name_is_imported_from_another_module(module):
    for target, where in GRAPH[module].items():
        for line, names in where:
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            assert not private, f"{module}:{line} imports private {private} from {target}: make it a public helper"


def test_the_result_imports_no_writer_and_the_derivation_no_result():
    assert not any(t.startswith("lksym.writers") for t in GRAPH["lksym.results"])
    for module in MODULES:
        if module.startswith("lksym.derivation"):
            assert not any(rank(t) >= 2 for t in GRAPH[module]), module


def test_the_layers_are_folders():
    for folder in ("derivation", "numerics", "writers"):
        assert (PACKAGE / folder / "__init__.py").is_file()
        assert (PACKAGE / folder / "__init__.py").read_text(encoding="utf-8").startswith('"""')


def test_a_cycle_would_be_caught(monkeypatch):
    # The checker itself can fail: a made-up edge back up the layers is reported.
    GRAPH["lksym.derivation.expr"]["lksym.derivation.penalty"] = [(1, ("parse_penalty",))]
    try:
        with pytest.raises(AssertionError, match="import cycle"):
            test_no_import_cycle_at_all()
    finally:
        del GRAPH["lksym.derivation.expr"]["lksym.derivation.penalty"]


# --------------------------------------------------------------------------- imports at the top

DRAWING_SIDE = ("start-up: the drawing server (lksym.writers.pipeline) is forked before SymPy loads and "
                "imports lksym.writers.plots; plots' data steps load the derivation only when they run, in the "
                "deriving process")
MATPLOTLIB = "start-up: `lksym analyze` (and `--json` of the symbolic family) imports this module; matplotlib only where it draws"

FUNCTION_IMPORTS_ALLOWED = {
    # (module, imported module): why it cannot be at the top.
    ("lksym.writers.dynamics", "matplotlib.figure"): "start-up: `lksym dynamics --json` imports this module; "
                                                     "matplotlib only where it draws",
    ("lksym.writers.dynamics", "lksym.writers.plots"): "start-up: writers.plots imports matplotlib at its top; "
                                                       "`lksym dynamics --json` draws nothing",
    ("lksym.writers.dynamics", "matplotlib"): "start-up: `lksym dynamics --json` imports this module; "
                                              "matplotlib only where it draws",
    ("lksym.writers.train", "matplotlib.figure"): "start-up: `lksym train --json` (and its terminal summary) "
                                                  "renders no figure; matplotlib only where it draws",
    ("lksym.numerics.prox_solver", "numpy"): "start-up: `lksym analyze 1.5` derives the power family's prox "
                                             "with no array, and NumPy's import is a tenth of that command",
    ("lksym.writers.family", "matplotlib"): MATPLOTLIB,
    ("lksym.writers.plots", "matplotlib"): MATPLOTLIB,
    ("lksym.writers.plots", "matplotlib.backends.backend_agg"): MATPLOTLIB,
    ("lksym.writers.plots", "matplotlib.figure"): MATPLOTLIB,
    ("lksym.writers.plots", "matplotlib.ticker"): MATPLOTLIB,
    ("lksym.writers.plots", "matplotlib.transforms"): MATPLOTLIB,
    ("lksym.writers.plots", "lksym.numerics.numeric"): DRAWING_SIDE,
    ("lksym.writers.pipeline", "lksym.writers.plots"): "start-up: lksym.api imports the pipeline before it forks the "
                                                       "drawing server; plots (and NumPy) load in the server",
    ("lksym.writers.index", "lksym.derivation.exact"): "start-up: lksym.api imports the index at its top and forks "
                                                       "the drawing server before SymPy loads",
    ("lksym.derivation.stable_form", "sympy.codegen.rewriting"): "start-up: ~90 ms of `lksym report --k 1.5`, which "
                                                                  "imports the float solver but never rewrites",
}
"""Imports inside a function below the application layer, each with its reason (a cycle or start-up time)."""


def function_imports(module: str) -> list[tuple[int, str]]:
    """``(line, imported module)`` for every import statement inside a function of ``module``."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import):
                    found += [(inner.lineno, alias.name) for alias in inner.names]
                elif isinstance(inner, ast.ImportFrom):
                    found.append((inner.lineno, "." * inner.level + (inner.module or "")))
    return sorted(set(found))


BELOW_THE_APPLICATION = sorted(m for m in MODULES if rank(m) < RANKS["lksym.api"])


@pytest.mark.parametrize("module", BELOW_THE_APPLICATION)
def test_imports_are_at_the_top_below_the_application_layer(module):
    # A module's dependencies are read at its top; lazy imports belong to cli.py, __init__.py and api.py.
    for line, target in function_imports(module):
        assert (module, target) in FUNCTION_IMPORTS_ALLOWED, (
            f"{module}:{line} imports {target} inside a function: move it to the top, or allow it in "
            "FUNCTION_IMPORTS_ALLOWED with the reason (an import cycle, or start-up time)"
        )


def test_every_allowed_function_import_is_still_needed():
    for module, target in FUNCTION_IMPORTS_ALLOWED:
        assert target in {t for _, t in function_imports(module)}, f"{module} no longer imports {target} lazily"


def test_a_function_import_would_be_caught(tmp_path, monkeypatch):
    source = tmp_path / "late.py"
    source.write_text("def f():\n    import sympy\n    from lksym.errors import InputError\n", encoding="utf-8")
    monkeypatch.setitem(MODULES, "lksym.derivation.late", source)
    assert function_imports("lksym.derivation.late") == [(2, "sympy"), (3, "lksym.errors")]
    with pytest.raises(AssertionError, match="inside a function"):
        test_imports_are_at_the_top_below_the_application_layer("lksym.derivation.late")


# --------------------------------------------------------------------------- writers render, they do not derive

RENDERING_NAMES = {
    # Names a writer may take from the derivation: symbols, records and types it reads, text helpers.
    "lksym.derivation.symbols": "*",
    "lksym.derivation.mathtext": "*",
    "lksym.derivation.regime": {"K"},
    "lksym.derivation.analysis": {"POINTS", "PART_NAMES", "AtZero", "Part", "Band", "Crossover", "Overshoot", "Breakpoint"},
    "lksym.derivation.penalty": {"CATALOGUE", "GREEK"},
    "lksym.derivation.penalty_prox": {"Infimum"},
    "lksym.derivation.exact": {"k_text", "MAX_EXACT_DIGITS"},
    # The same function spelled for floats (log1p, expm1): how to print it, shared with the float solver.
    "lksym.derivation.stable_form": {"without_cancellation"},
}
"""What a writer may import from ``lksym.derivation`` (issue 22: writers import nothing that computes)."""

def writer_derivation_imports() -> set[tuple[str, str, str]]:
    """``(writer, derivation module, name)`` for every name a writer imports from the derivation."""
    found = set()
    for module in MODULES:
        if not module.startswith("lksym.writers"):
            continue
        for target, where in GRAPH[module].items():
            if target.startswith("lksym.derivation"):
                names = {n for _, ns in where for n in ns} or {"*module*"}
                found |= {(module, target, n) for n in names}
    return found


def test_writers_import_nothing_from_the_derivation_that_computes():
    for writer, target, name in sorted(writer_derivation_imports()):
        allowed = RENDERING_NAMES.get(target, ())
        assert allowed == "*" or name in allowed, (
            f"{writer} imports {name} from {target}: a writer renders a frozen result; derive it in lksym.app "
            "or onto the result"
        )


def test_a_computing_import_in_a_writer_would_be_caught():
    GRAPH["lksym.writers.terminal"]["lksym.derivation.analysis"].append((1, ("derive",)))
    try:
        with pytest.raises(AssertionError, match="renders a frozen result"):
            test_writers_import_nothing_from_the_derivation_that_computes()
    finally:
        GRAPH["lksym.writers.terminal"]["lksym.derivation.analysis"].pop()


# --------------------------------------------------------------------------- no module asks which family a penalty is


def family_questions(source: str) -> list[int]:
    """Lines of ``source`` that compare ``.family`` or test ``.k is (not) None``: a family's knowledge asked by a branch.

    A family answers through its table entry instead (``Penalty.traits``, ``lksym.derivation.prox.FAMILIES``,
    ``lksym.numerics.prox_solver.SOLVERS``, ``lksym.verify.claims.VERIFIERS``); a page that renders the power
    family's own record tests ``a.power is not None``.
    """
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        sides = [node.left, *node.comparators]
        if any(isinstance(side, ast.Attribute) and side.attr == "family" for side in sides) or (
            isinstance(node.left, ast.Attribute) and node.left.attr == "k"
            and any(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops)
        ):
            lines.append(node.lineno)
    return lines


def test_no_module_asks_which_family_a_penalty_is():
    found = {str(path.relative_to(PACKAGE)): family_questions(path.read_text(encoding="utf-8"))
             for path in sorted(PACKAGE.rglob("*.py"))}
    assert not {path: lines for path, lines in found.items() if lines}


@pytest.mark.parametrize("branch", ['if p.family == "power":\n    pass', "x = a.k is None", "y = 1 if b.k is not None else 2",
                                    'z = "scad" != q.family'])
def test_a_family_branch_would_be_caught(branch):
    assert family_questions(branch) == [1]
