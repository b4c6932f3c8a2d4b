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
from concurrent.futures import ProcessPoolExecutor
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


def _analysis_task(k) -> tuple[str, dict[str, bytes], dict]:
    """The SymPy half of a report: text files and the figures' numbers (no matplotlib)."""
    from .analysis import analyze
    from .jsonout import dumps
    from .plots import figure_data
    from .report import report_markdown

    a = analyze(k)
    texts = {"report.md": report_markdown(a).encode("utf-8"), "analysis.json": (dumps(a) + "\n").encode("utf-8")}
    return k_slug(a.k), texts, figure_data(a)


def _render_task(data: dict) -> dict[str, bytes]:
    """The matplotlib half: SVG bytes from the figures' numbers (no SymPy)."""
    from .plots import render_figures, render_svg

    return {name: render_svg(fig) for name, fig in render_figures(data).items()}


def _warm_up() -> None:
    """Load matplotlib and draw a throw-away figure, in a worker, while another loads SymPy.

    The two imports are the bulk of a single report's time and need not be in
    series; drawing once also loads the font and builds the text-layout caches
    that the first real figure would otherwise pay for.
    """
    from .plots import new_axes, render_svg

    fig, ax = new_axes("warm-up", xlim=(-1, 1), ylim=(-1, 1))
    ax.plot([-1.0, 1.0], [-1.0, 1.0], label="line")
    ax.legend(loc="upper left")
    render_svg(fig)


def _workers(count: int, jobs: Optional[int]) -> int:
    if jobs is not None:
        return max(1, jobs)
    # Even one k gets two workers: SymPy and matplotlib load side by side.
    return max(1, min(max(count, 2), os.cpu_count() or 1))


def write_reports(
    ks: Iterable,
    out_dir: os.PathLike | str = "reports",
    *,
    jobs: Optional[int] = None,
    progress: Optional[Callable[[int, int, Path], None]] = None,
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
        Worker processes; default: one per core (two cores help even one k).
        ``jobs=1`` works in this process.
    progress : callable, optional
        Called as ``progress(done, total, path)`` after each report is written.

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
    ks = list(ks)
    out = Path(out_dir)
    workers = _workers(len(ks), jobs)
    written: list[Path] = []
    seen: set[str] = set()

    def unique(analysed: list) -> list:
        kept = []
        for slug, texts, data in analysed:
            if slug not in seen:
                seen.add(slug)
                kept.append((slug, texts, data))
        return kept

    def store(slug: str, files: dict[str, bytes], total: int) -> None:
        folder = out / slug
        for name in sorted(files, key=lambda n: n == "report.md"):  # report.md last: it links the rest
            write_atomic(folder / name, files[name])
        written.append(folder / "report.md")
        if progress is not None:
            progress(len(written), total, written[-1])

    if workers == 1:
        analysed = unique([_analysis_task(k) for k in ks])
        for slug, texts, data in analysed:
            store(slug, {**_render_task(data), **texts}, len(analysed))
    else:
        import multiprocessing

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        context = multiprocessing.get_context(method)
        # Exact k travel as the user's text; SymPy objects stay in the workers.
        texts_in = [k if isinstance(k, (str, int)) else str(k) for k in ks]
        if len(texts_in) == 1:
            # One k: a worker derives while this process loads matplotlib, then draws here.
            # (A pool could hand the drawing to a worker that has not loaded matplotlib.)
            with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                future = pool.submit(_analysis_task, texts_in[0])
                _warm_up()
                analysed = unique([future.result()])
            for slug, texts, data in analysed:
                store(slug, {**_render_task(data), **texts}, 1)
        else:
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                analysed = unique([f.result() for f in [pool.submit(_analysis_task, k) for k in texts_in]])
                renders = [pool.submit(_render_task, data) for _, _, data in analysed]
                for (slug, texts, _), render in zip(analysed, renders):
                    store(slug, {**render.result(), **texts}, len(analysed))
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
        "One folder per k, generated by `lksym report --k K`. Each has `report.md`, `analysis.json` and figures.",
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
    if extra:
        lines += ["", "Other pages: " + ", ".join(f"[{name}]({name})" for name in extra)]
    return write_atomic(out / INDEX_NAME, "\n".join(lines) + "\n")
