"""The index page of a reports folder, and the folder names of subjects."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path

from lksym.fileio import check_file, check_replaceable, check_replaceable_early, owned, signed, write_atomic, write_folder

INDEX_NAME = "README.md"


def k_slug(k) -> str:
    """Folder-safe name of an exact k: ``1.5``, ``7_3``, ``sqrt2``.

    Examples
    --------
    >>> import sympy as sp
    >>> k_slug(sp.Rational(3, 2)), k_slug(sp.Rational(7, 3)), k_slug(sp.sqrt(2))
    ('k-1.5', 'k-7_3', 'k-sqrt2')
    """
    from lksym.derivation.exact import k_text

    text = k_text(k).replace("/", "_").replace("**", "^")
    text = re.sub(r"[()*\s]", "", text)
    slug = "k-" + re.sub(r"[^A-Za-z0-9._^+-]", "-", text)
    return short_name(slug)


MAX_NAME = 100
"""Longest file or folder name lksym makes (file systems allow 255 bytes, with room for temporary prefixes)."""


def subject_slug(a) -> str:
    """File-name stem of an analysis' subject: its penalty's slug (``k-1.5`` for :math:`|w|^k`, as :func:`k_slug`), kept short.

    Examples
    --------
    >>> from lksym.results import analyze
    >>> subject_slug(analyze("3/2")), subject_slug(analyze("scad(lam=1, a=3.7)"))
    ('k-1.5', 'scad-lam-1-a-3.7')
    """
    return short_name(a.subject.slug)


def short_name(name: str) -> str:
    """``name``, or for a longer one its start and a hash of the whole: still distinct, within :data:`MAX_NAME`.

    Examples
    --------
    >>> short_name("k-1.5")
    'k-1.5'
    >>> len(short_name("k-" + "7" * 400))
    100
    """
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]
    return f"{name[: MAX_NAME - 17]}~{digest}"


def _index_row(d: dict, slug: str) -> tuple[float, str, str]:
    """``(k_float, slug, table line)`` from an ``analysis.json``; ``ValueError`` (or a lookup error) if it is not ours."""
    if not isinstance(d, dict) or d.get("schema") != 1:
        raise ValueError("not a schema-1 object")
    k_float = d["k_float"]
    if isinstance(k_float, bool) or not isinstance(k_float, (int, float)) or not 0 < k_float < float("inf"):
        raise ValueError("k_float is not a positive number")
    smoothness = d["smoothness"]
    if not (smoothness == "inf" or (isinstance(smoothness, int) and not isinstance(smoothness, bool))):
        raise ValueError("smoothness is not an int or 'inf'")
    fields = [d["k"], d["regime"], d["limits"]["gradient"]["0+"]]
    if not all(isinstance(f, str) and not re.search(r"[|\n`]", f) for f in fields) or not all(isinstance(d[b], bool) for b in ("sparse", "convex")):
        raise ValueError("k, regime, limits, sparse or convex of the wrong type")
    smooth = "C^∞" if smoothness == "inf" else f"C^{smoothness}"
    line = (
        f"| `{d['k']}` | {d['regime']} | {'yes' if d['sparse'] else 'no'} | {'yes' if d['convex'] else 'no'} "
        f"| {smooth} | `{fields[2]}` | [{slug}/report.md]({slug}/report.md) |"
    )
    return float(k_float), slug, line


def _cell(value) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None:
        return "undecided"
    if isinstance(value, str) and not re.search(r"[|\n`]", value):
        return f"`{value}`"
    raise ValueError("a thresholding property of the wrong type")


def _penalty_row(d: dict, slug: str) -> tuple[str, str]:
    """``(label, table line)`` from a non-power ``analysis.json``; ``ValueError`` (or a lookup error) if it is not ours."""
    if not isinstance(d, dict) or d.get("schema") != 1 or d.get("k") is not None:
        raise ValueError("not a schema-1 analysis of a penalty")
    label, t = d["subject"]["label"], d["thresholding"]
    smoothness = d["smoothness"]
    if not isinstance(label, str) or re.search(r"[|\n`\[\]]", label) or not isinstance(d["convex"], bool):
        raise ValueError("label or convex of the wrong type")
    if not (smoothness == "inf" or (isinstance(smoothness, int) and not isinstance(smoothness, bool))):
        raise ValueError("smoothness is not an int or 'inf'")
    smooth = "C^∞" if smoothness == "inf" else ("discontinuous" if smoothness == -1 else f"C^{smoothness}")
    cells = " | ".join(_cell(t[key]) for key in ("sparse", "continuous", "unbiased"))
    kind = t.get("unbiased_kind")  # absent in an analysis.json written before it
    if t["unbiased"] is True and kind in ("exact", "asymptotic"):
        cells += f" ({kind})"
    return label, (f"| {label} | {cells} | {'yes' if d['convex'] else 'no'} | {smooth} "
                   f"| [{slug}/report.md]({slug}/report.md) |")


MAX_ANALYSIS_BYTES = 10_000_000
"""An ``analysis.json`` larger than this is not lksym's (its largest are a few kB)."""


def _load(data_file: Path):
    """The JSON in a file found in ``--out``: anything, or ``ValueError`` (never a RecursionError or MemoryError).

    The file may be damaged or hostile: ``[[[[...]]]]`` 100 000 deep makes :func:`json.loads`
    recurse past Python's limit, and a huge file would be read whole.
    """
    if data_file.stat().st_size > MAX_ANALYSIS_BYTES:
        raise ValueError("larger than any analysis lksym writes")
    text = data_file.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _penalty_rows(out: Path) -> list[str]:
    rows = []
    for data_file in sorted(out.glob("*/analysis.json")):
        slug = data_file.parent.name
        if slug.startswith("k-"):
            continue
        try:
            if not (data_file.parent / "report.md").is_file():
                raise ValueError("no report.md beside it")
            rows.append(_penalty_row(_load(data_file), slug))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            print(f"lksym: index: skipped {data_file}: not an lksym analysis ({error})", file=sys.stderr)
    return [line for _, line in sorted(rows)]


def _legacy_index(data: bytes) -> bool:
    return data.startswith(b"# lksym reports")


is_index = owned(_legacy_index)
"""Whether a file's bytes are an index lksym wrote, unchanged (a user's own ``README.md`` in ``--out`` is not)."""


def check_index(out_dir: os.PathLike | str) -> None:
    """Raise :class:`~lksym.errors.InputError` if ``out_dir/README.md`` exists and is not lksym's index.

    Called before any report folder is written, so that a refusal writes nothing.
    """
    check_file(Path(out_dir) / INDEX_NAME, is_index)


def _page_owner(heading: bytes):
    return owned(lambda old: old.startswith(heading))  # unsigned: a page of an lksym before signatures


def check_page(out_dir: os.PathLike | str, page_name: str, figure_dir: str, heading: bytes) -> None:
    """Before rendering a page for :func:`write_page`: refuse at once what it would refuse whatever the files.

    The page and the index are judged by their own bytes, the figure folder by
    :func:`lksym.fileio.check_replaceable_early`; :func:`write_page` checks everything again.
    """
    out = Path(out_dir)
    check_replaceable_early(out / figure_dir)
    check_file(out / page_name, _page_owner(heading))
    check_index(out)


def write_page(out_dir: os.PathLike | str, page_name: str, figure_dir: str, files: dict, heading: bytes) -> Path:
    """Write a page with its figure folder (``compare.md`` + ``compare/``, ``fit.md`` + ``fit/``), then the index.

    ``files`` holds the page under ``page_name`` and the figures under ``figure_dir/``.  A file of
    the user's where any of the three goes (a page not starting with ``heading``, a foreign figure
    folder, a foreign index) stops the write before anything is written; then the figure folder
    appears whole or not at all, and after it the page that links it.
    """
    out = Path(out_dir)
    figures = {name.partition("/")[2]: data for name, data in files.items() if name.startswith(figure_dir + "/")}

    ours = _page_owner(heading)

    check_replaceable(out / figure_dir, figures)
    check_file(out / page_name, ours)
    check_index(out)
    write_folder(out / figure_dir, figures)
    write_atomic(out / page_name, signed(files[page_name]), ours=ours)
    write_index(out)
    return out / page_name


def write_index(out_dir: os.PathLike | str) -> Path:
    """(Re)write ``out_dir/README.md``: a table of every report folder found there.

    The table is built from each folder's ``analysis.json``, sorted by k.  A
    folder whose ``analysis.json`` is not ours (foreign, damaged, not JSON) or
    that has no ``report.md`` is left out, with one line on stderr.
    """
    out = Path(out_dir)
    rows = []
    for data_file in sorted(out.glob("k-*/analysis.json")):
        slug = data_file.parent.name
        try:
            if not (data_file.parent / "report.md").is_file():
                raise ValueError("no report.md beside it")
            rows.append(_index_row(_load(data_file), slug))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            # A foreign or damaged folder does not stop the index; it is not listed, and the user is told.
            print(f"lksym: index: skipped {data_file}: not an lksym analysis ({error})", file=sys.stderr)
    rows.sort()
    lines = [
        "# lksym reports",
        "",
        "One folder per penalty, generated by `lksym report PENALTY` (`--k K` for |w|^k). Each has `report.md`, `analysis.json` and figures. "
        "`lksym regenerate` rebuilds every committed page here.",
        "",
        "| k | regime | sparse | convex | smoothness at 0 | gradient at 0+ | report |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [line for _, _, line in rows]
    penalties = _penalty_rows(out)
    if penalties:
        lines += [
            "",
            "Other penalties, generated by `lksym report PENALTY` (Fan and Li's three properties of the proximal step):",
            "",
            "| penalty | sparse | continuous | unbiased | convex | smoothness at 0 | report |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += penalties
    extra = sorted(p.name for p in out.glob("*.md") if p.name != INDEX_NAME)
    if (out / "k-symbolic" / "report.md").exists():  # the general report over every k (`--k k`)
        extra.insert(0, "k-symbolic/report.md")
    if (out / "penalties" / "compare.md").exists():  # the catalogue side by side (lksym regenerate)
        extra.append("penalties/compare.md")
    if (out / "explore.html").exists():  # lksym explore: the interactive page
        extra.append("explore.html")
    if extra:
        lines += ["", "Other pages: " + ", ".join(f"[{name}]({name})" for name in extra)]
    return write_atomic(out / INDEX_NAME, signed("\n".join(lines) + "\n"), ours=is_index)
