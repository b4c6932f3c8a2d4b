"""Writing report folders: the one call the command line makes for ``lksym report``.

Each k gets a folder ``k-<k>/`` with ``report.md``, ``analysis.json`` and the
SVG figures.  Everything is rendered in memory first and only written once
every k is derived; each folder then appears whole or not at all
(:func:`lksym.fileio.write_folder`), so a failure never leaves a half-written
report; several k are rendered on all cores.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Callable, Iterable, Optional

from .fileio import write_atomic, write_folder

INDEX_NAME = "README.md"


def k_slug(k) -> str:
    """Folder-safe name of an exact k: ``1.5``, ``7_3``, ``sqrt2``.

    Examples
    --------
    >>> import sympy as sp
    >>> k_slug(sp.Rational(3, 2)), k_slug(sp.Rational(7, 3)), k_slug(sp.sqrt(2))
    ('k-1.5', 'k-7_3', 'k-sqrt2')
    """
    from .analysis import k_text

    text = k_text(k).replace("/", "_").replace("**", "^")
    text = re.sub(r"[()*\s]", "", text)
    slug = "k-" + re.sub(r"[^A-Za-z0-9._^+-]", "-", text)
    return short_name(slug)


MAX_NAME = 100
"""Longest file or folder name lksym makes (file systems allow 255 bytes, with room for temporary prefixes)."""


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
    import hashlib

    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]
    return f"{name[: MAX_NAME - 17]}~{digest}"


SYMBOLIC = "k"
"""The text that asks for the general report over every k (:mod:`lksym.family`)."""


def distinct(ks: Iterable) -> list:
    """Each distinct exact k (or other penalty) of ``ks`` once, in the order first given; ``"k"`` stays :data:`SYMBOLIC`.

    Every entry is parsed (:func:`lksym.penalty.parse_subject`: a number is the
    exponent of :math:`|w|^k`, anything else a :class:`~lksym.penalty.Penalty`)
    before this returns, so a bad one raises :class:`~lksym.errors.InputError`
    before any work is done.

    Examples
    --------
    >>> distinct(["1.5", "3", "3/2", "k", " k", "3.0"])
    [3/2, 3, 'k']
    """
    from .penalty import parse_subject

    order: list = []
    for k in ks:
        if isinstance(k, str) and k.strip() == SYMBOLIC:
            value = SYMBOLIC
        else:
            subject = parse_subject(k)
            value = subject.k if subject.family == "power" else subject  # the power family keeps its exact k
        if not any(value is v or (value is not SYMBOLIC and v is not SYMBOLIC and value == v) for v in order):
            order.append(value)
    return order


def analyze_text(ks: Iterable, *, as_json: bool = False) -> str:
    """What ``lksym analyze`` prints for one or several k (repeated ``--k``).

    One k: its summary, or its JSON object.  Several: one summary per distinct
    k, separated by a blank line, or a JSON array of the objects, in the order
    given (equal values once).  ``"k"`` (symbolic) needs ``as_json``.  Every k is
    parsed and analysed before anything is returned.

    Examples
    --------
    >>> import json
    >>> [d["k"] for d in json.loads(analyze_text(["2", "1.5", "3/2"], as_json=True))]
    ['2', '3/2']
    """
    from .analysis import analyze
    from .errors import InputError

    values = distinct(ks)
    if not values:
        raise InputError("give at least one k")
    if SYMBOLIC in values and not as_json:
        raise InputError("symbolic k is only supported with --json (lksym analyze --k k --json)")
    if as_json:
        from . import family, jsonout

        objects = [family.to_dict() if v is SYMBOLIC else jsonout.to_dict(analyze(v)) for v in values]
        return json.dumps(objects[0] if len(objects) == 1 else objects, indent=2, ensure_ascii=False)
    from .terminal import summary

    return "\n\n".join(summary(analyze(v)) for v in values)


def _analysis_task(k, image_format: str = "svg", dpi: Optional[int] = None) -> tuple[str, dict[str, bytes], dict]:
    """The SymPy half of a report: text files and the figures' numbers (no matplotlib), keyed by output file name."""
    from .analysis import analyze
    from .jsonout import dumps
    from .plots import figure_data, image_name
    from .report import report_markdown

    a = analyze(k)
    report = report_markdown(a, image_format=image_format)
    texts = {"report.md": report.encode("utf-8"), "analysis.json": (dumps(a) + "\n").encode("utf-8")}
    extra = {} if image_format == "svg" or dpi is None else {"_dpi": dpi}  # read by plots.render_figure
    data = {image_name(name, image_format): {**numbers, **extra} for name, numbers in figure_data(a).items()}
    return (k_slug(a.k) if a.k is not None else short_name(a.subject.slug)), texts, data


def _render_task(data: dict) -> dict[str, bytes]:
    """The matplotlib half, in this process: SVG bytes from the figures' numbers."""
    from .plots import render_figure

    return {name: render_figure(name, d) for name, d in data.items()}


def cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform tells, else all)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _jobs(jobs: Optional[int], count: int) -> int:
    # Even one k is drawn on every core (a task is one figure, not one report), but never on
    # more processes than there are figures to draw or cores to draw them (300 would cost 3.6 GB).
    from .plots import FIGURES

    wanted = jobs if jobs is not None else cores()
    return max(1, min(wanted, cores(), count * len(FIGURES)))


def write_reports(
    ks: Iterable,
    out_dir: os.PathLike | str = "reports",
    *,
    jobs: Optional[int] = None,
    progress: Optional[Callable[[int, int, Path], None]] = None,
    image_format: str = "svg",
    dpi: Optional[int] = None,
) -> list[Path]:
    """Write one report folder per k under ``out_dir`` and refresh the index.

    Parameters
    ----------
    ks : iterable of str or exact numbers
        The exponents.  Every k is analysed before anything is written, so one
        bad k writes nothing.  Equal values (``1.5`` and ``3/2``) give one report,
        derived once.  The text ``"k"`` asks for the general report over every
        k (``k-symbolic/``, :mod:`lksym.family`).
    out_dir : path
        Parent folder of the report folders (created if needed).
    jobs : int, optional
        Processes that draw the figures while this one derives (see
        :mod:`lksym.pipeline`); default and at most: one per core available.
        ``jobs=1`` does everything in this process.
    progress : callable, optional
        Called as ``progress(done, total, path)`` after each report is written.
    image_format : {"svg", "png"}
        Format of the figures; ``report.md`` links them.
    dpi : int, optional
        Resolution of PNG figures (default :data:`lksym.plots.DPI`).

    Returns
    -------
    list of Path
        The ``report.md`` written for each distinct k, in the order given.

    Examples
    --------
    >>> import tempfile
    >>> [p.parent.name for p in write_reports(["3/2", "1.5"], tempfile.mkdtemp(), jobs=1)]
    ['k-1.5']
    """
    from .plots import image_name

    image_name("check.svg", image_format)  # an unknown format fails before any work
    out = Path(out_dir)
    ks = list(ks)
    # The drawing server is forked before the first k is parsed: parsing imports SymPy
    # (~0.4 s), and matplotlib is to load in the server beside it, not after it.  Its size
    # is bounded by the entries given (equal ones are only known once parsed).
    given = [k for k in ks if not (isinstance(k, str) and k.strip() == SYMBOLIC)]
    workers = _jobs(jobs, len(given))
    early = None
    if workers > 1 and given:
        from .pipeline import DrawingServer

        early = DrawingServer(workers)
    try:
        # Every k is parsed before anything is derived or written, and each distinct value
        # (1.5 and 3/2, or the same k 200 times) is derived once.
        order = distinct(ks)
    except BaseException:
        if early is not None:
            early.close(0, abort=True)  # nothing was sent: no drawing worker exists yet
        raise
    numeric = [v for v in order if v is not SYMBOLIC]
    folders: dict = {}  # value -> (slug, files)

    def analysed() -> Iterable[tuple[object, str, dict[str, bytes], dict]]:
        for value in numeric:
            slug, texts, data = _analysis_task(value, image_format, dpi)
            yield value, slug, texts, data

    if early is None:
        for value, slug, texts, data in list(analysed()):
            folders[value] = (slug, {**_render_task(data), **texts})
    else:
        with early as server:
            remaining: dict = {}
            by_task: dict = {}  # a task's key -> its value
            for value, slug, texts, data in analysed():
                folders[value], remaining[value] = (slug, dict(texts)), len(data)
                # Keyed by plain text: an exact k (a SymPy number) in the key would make the
                # server import SymPy (~0.4 s) just to unpickle it, before drawing anything.
                task = str(len(by_task))
                by_task[task] = value
                for name, numbers in data.items():
                    server.submit((task, name), numbers)
            for (task, name), svg in server.results(sum(remaining.values())):
                folders[by_task[task]][1][name] = svg
    if SYMBOLIC in order:  # the general report over every k, rendered before anything is written too
        from .family import FOLDER, render_report

        folders[SYMBOLIC] = (FOLDER, render_report(image_format, dpi))
    # Only now, with every k derived and drawn, is anything written: a bad k leaves the folder as it was.
    written: list[Path] = []
    for value in order:
        slug, files = folders[value]
        write_folder(out / slug, files)
        written.append(out / slug / "report.md")
        if progress is not None:
            progress(len(written), len(order), written[-1])
    write_index(out)
    return written


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
    return label, (f"| {label} | {cells} | {'yes' if d['convex'] else 'no'} | {smooth} "
                   f"| [{slug}/report.md]({slug}/report.md) |")


def _penalty_rows(out: Path) -> list[str]:
    rows = []
    for data_file in sorted(out.glob("*/analysis.json")):
        slug = data_file.parent.name
        if slug.startswith("k-"):
            continue
        try:
            if not (data_file.parent / "report.md").is_file():
                raise ValueError("no report.md beside it")
            rows.append(_penalty_row(json.loads(data_file.read_text(encoding="utf-8")), slug))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            print(f"lksym: index: skipped {data_file}: not an lksym analysis ({error})", file=sys.stderr)
    return [line for _, line in sorted(rows)]


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
            rows.append(_index_row(json.loads(data_file.read_text(encoding="utf-8")), slug))
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
    return write_atomic(out / INDEX_NAME, "\n".join(lines) + "\n")
