r"""``lksym explore``'s page: the template with a frozen :class:`~lksym.command_results.ExplorerPage` inlined.

The page (template :file:`explore_page.html`, shipped as package data) draws the penalty, its
gradient and curvature, the gradient beside L1's and L2's, the shrinkage map and plain gradient
descent, live as sliders move.  :func:`lksym.app.explore.explorer_page` derives its data (the data
model is described there); this module inlines it as sorted JSON and writes each compiled
expression as a JavaScript function (functions, not strings: the page has no ``eval``).
The output is deterministic (sorted JSON, no time stamps).

Examples
--------
>>> from lksym.command_results import ExplorerPage
>>> optimizer_code(ExplorerPage({}, ("lr",)), [{"name": "sgd", "cycle_js": "2*a - G*lr"}])
'{"sgd":function(a,G,p){const lr=p.lr;return (2*a - G*lr);}}'
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Optional

from lksym.command_results import ExplorerPage
from lksym.fileio import check_file, owned, signed, write_atomic
from lksym.writers.index import INDEX_NAME, is_index, write_index

DEFAULT_NAME = "explore.html"


def _template() -> str:

    return files("lksym.writers").joinpath("explore_page.html").read_text(encoding="utf-8")


def _function(body: Optional[str], args: str = "p", symbols: tuple = ()) -> str:
    """A JS function of the parameter object (and x) returning the compiled expression ``body``."""
    if body is None:
        return "null"
    if body == "NUMERIC":
        return '"numeric"'
    names = ("k", "lam", "eta", "alpha", "tau", *symbols)
    return f"function({args}){{const {','.join(f'{n}=p.{n}' for n in names)};return ({body});}}"


def _code(family: dict) -> str:
    """The compiled functions of one penalty as JS source (functions, not strings: no eval in the page)."""
    cases = []
    sym = tuple(family.get("symbols", ()))
    for c in family["cases"]:
        facts = ",".join(f"{json.dumps(f['key'])}:{_function(f['js'], 'p', sym)}" for f in c["facts"])
        cases.append(
            "{"
            f"cond:{_function(c['condition_js'], 'p', sym)},"
            f"pen:{_function(c['penalty_js'], 'x,p', sym)},"
            f"grad:{_function(c['gradient_js'], 'x,p', sym)},"
            f"curv:{_function(c['curvature_js'], 'x,p', sym)},"
            f"g0:{_function(c['gradient_at_0'], 'p', sym)},"
            f"xm:{_function(c.get('x_m'), 'p', sym)},"
            f"at0:{_function(c.get('at_zero', '0'), 'p', sym)},"
            f"facts:{{{facts}}}"
            "}"
        )
    return "{cases:[" + ",\n".join(cases) + "]}"


def optimizer_code(page: ExplorerPage, records=None) -> str:
    """The compiled two-cycle equations as JS functions of (a, G, p) (functions, not strings: no eval)."""
    names = page.cycle_parameters
    parts = []
    for record in page.data["optimizers"] if records is None else records:
        body = record["cycle_js"]
        fn = "null" if body is None else (
            f"function(a,G,p){{const {','.join(f'{n}=p.{n}' for n in names)};return ({body});}}")
        parts.append(f"{json.dumps(record['name'])}:{fn}")
    return "{" + ",".join(parts) + "}"


def render(page: ExplorerPage) -> str:
    """The page's HTML text: the template with the derived data and the compiled functions inlined."""
    data = page.data
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    code = "{" + ",\n".join(f"{json.dumps(f['name'])}:{_code(f)}" for f in data["penalties"]) + "}"
    # Never close the <script> element from inside the data.
    text, code = text.replace("</", "<\\/"), code.replace("</", "<\\/")
    html = _template().replace("/*LKSYM_DATA*/null", text).replace("/*LKSYM_CODE*/null", code)
    return html.replace("/*LKSYM_OPTCODE*/null", optimizer_code(page).replace("</", "<\\/"))


OURS = owned(lambda old: b"<title>lksym explore" in old[:4096])
"""Whether an ``explore.html`` is lksym's (signed and unchanged, or of an lksym before signatures): replaceable."""


def check_out(out_dir="reports") -> None:
    """Refuse at once (:class:`~lksym.errors.InputError`) an ``explore.html`` in ``out_dir`` that lksym did not write.

    Called before the page is derived; :func:`write_page` checks again when it writes.
    """
    check_file(Path(out_dir) / DEFAULT_NAME, OURS)


def write_page(page: ExplorerPage, out_dir="reports") -> Path:
    """Write ``out_dir/explore.html`` atomically, refresh lksym's index if there is one, return the path.

    A file of that name lksym did not write is not replaced, and a ``README.md`` that is not
    lksym's index is left alone (:class:`~lksym.errors.InputError` for the first).
    """

    html = render(page)
    out = Path(out_dir)
    target = write_atomic(out / DEFAULT_NAME, signed(html), ours=OURS)
    try:
        ours = is_index((out / INDEX_NAME).read_bytes())
    except OSError:
        ours = False
    if ours:
        write_index(out)
    return target
