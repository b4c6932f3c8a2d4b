"""Writing report folders: the one call the command line makes for ``lksym report``.

Each k gets a folder ``k-<k>/`` with ``report.md``, ``analysis.json`` and the
SVG figures.  Everything for one k is rendered in memory first and only then
written, file by file atomically, so a failure never leaves a half-written
report; several k are rendered on all cores.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Callable, Iterable, Optional

from .fileio import write_atomic

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
    return "k-" + re.sub(r"[^A-Za-z0-9._^+-]", "-", text)


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
    return k_slug(a.k), texts, data


def _render_task(data: dict) -> dict[str, bytes]:
    """The matplotlib half, in this process: SVG bytes from the figures' numbers."""
    from .plots import render_figure

    return {name: render_figure(name, d) for name, d in data.items()}


def _jobs(jobs: Optional[int], count: int) -> int:
    # Even one k is drawn on every core (a task is one figure, not one report), but
    # never on more processes than there are figures to draw.
    from .plots import FIGURES

    wanted = jobs if jobs is not None else os.cpu_count() or 1
    return max(1, min(wanted, count * len(FIGURES)))


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
        bad k writes nothing.  Equal values (``1.5`` and ``3/2``) give one report.
    out_dir : path
        Parent folder of the report folders (created if needed).
    jobs : int, optional
        Processes that draw the figures while this one derives (see
        :mod:`lksym.pipeline`); default: one per core.  ``jobs=1`` does
        everything in this process.
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
    ks = list(ks)
    out = Path(out_dir)
    written: list[Path] = []

    def store(slug: str, files: dict[str, bytes], total: int) -> None:
        folder = out / slug
        for name in sorted(files, key=lambda n: n == "report.md"):  # report.md last: it links the rest
            write_atomic(folder / name, files[name])
        written.append(folder / "report.md")
        if progress is not None:
            progress(len(written), total, written[-1])

    def analysed() -> Iterable[tuple[str, dict[str, bytes], dict]]:
        seen: set[str] = set()
        for k in ks:
            slug, texts, data = _analysis_task(k, image_format, dpi)
            if slug not in seen:
                seen.add(slug)
                yield slug, texts, data

    workers = _jobs(jobs, len(ks))
    if workers == 1:
        reports = list(analysed())
        for slug, texts, data in reports:
            store(slug, {**_render_task(data), **texts}, len(reports))
    else:
        from .pipeline import DrawingServer

        # Started before the first derivation imports SymPy, so matplotlib loads beside it.
        with DrawingServer(workers) as server:
            files: dict[str, dict[str, bytes]] = {}
            remaining: dict[str, int] = {}
            for slug, texts, data in analysed():
                files[slug], remaining[slug] = dict(texts), len(data)
                for name, numbers in data.items():
                    server.submit((slug, name), numbers)
            # Only now, with every k derived, is anything written: a bad k leaves the folder as it was.
            for (slug, name), svg in server.results(sum(remaining.values())):
                files[slug][name] = svg
                remaining[slug] -= 1
                if not remaining[slug]:
                    store(slug, files[slug], len(files))
        written = [out / slug / "report.md" for slug in files]  # the order given, not the order finished
    write_index(out)
    return written


def write_index(out_dir: os.PathLike | str) -> Path:
    """(Re)write ``out_dir/README.md``: a table of every report folder found there.

    The table is built from each folder's ``analysis.json``, sorted by k.
    """
    out = Path(out_dir)
    rows = []
    for data_file in out.glob("k-*/analysis.json"):
        try:
            data = json.loads(data_file.read_text(encoding="utf-8"))
            rows.append((float(data["k_float"]), data_file.parent.name, data))
        except (OSError, ValueError, KeyError):
            continue  # a foreign or damaged folder does not stop the index
    rows.sort()
    lines = [
        "# lksym reports",
        "",
        "One folder per k, generated by `lksym report --k K`. Each has `report.md`, `analysis.json` and figures. "
        "`lksym regenerate` rebuilds every committed page here.",
        "",
        "| k | regime | sparse | convex | smoothness at 0 | gradient at 0+ | report |",
        "|---|---|---|---|---|---|---|",
    ]
    for _, slug, d in rows:
        smooth = "C^∞" if d["smoothness"] == "inf" else f"C^{d['smoothness']}"
        lines.append(
            f"| `{d['k']}` | {d['regime']} | {'yes' if d['sparse'] else 'no'} | {'yes' if d['convex'] else 'no'} "
            f"| {smooth} | `{d['limits']['gradient']['0+']}` | [{slug}/report.md]({slug}/report.md) |"
        )
    extra = sorted(p.name for p in out.glob("*.md") if p.name != INDEX_NAME)
    if (out / "k-symbolic" / "report.md").exists():  # the general report over every k (`--k k`)
        extra.insert(0, "k-symbolic/report.md")
    if (out / "explore.html").exists():  # lksym explore: the interactive page
        extra.append("explore.html")
    if extra:
        lines += ["", "Other pages: " + ", ".join(f"[{name}]({name})" for name in extra)]
    return write_atomic(out / INDEX_NAME, "\n".join(lines) + "\n")
