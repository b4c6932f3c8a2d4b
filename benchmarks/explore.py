"""Speed of ``lksym explore``: writing the page, and redrawing it as a slider moves.

    python benchmarks/explore.py                 # 7 rounds, print a table
    python benchmarks/explore.py --rounds 3 --check   # exit 1 if a budget is exceeded

Budgets (from issue 14):

* ``lksym explore``  <= 3 x  ``python -c "import sympy, numpy, matplotlib, click"`` (the import floor of a
  report), whole-process wall time, interleaved rounds, medians.
* one slider step redraws within a frame: the median time of the page's ``drawAll`` (all six plots and
  the facts table), measured by the page itself with ``performance.now()`` after real ``ArrowRight`` key
  presses on each slider, in headless Chromium on this machine, <= 16.7 ms (60 frames per second).
  Skipped with a message when Playwright or ``/usr/bin/chromium`` is missing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from timing import header, medians

CHROMIUM = os.environ.get("LKSYM_CHROMIUM", "/usr/bin/chromium")
FRAME_MS = 1000 / 60


def write_times(rounds: int, out: str) -> dict:
    commands = {
        "import deps": [sys.executable, "-c", "import sympy, numpy, matplotlib, click"],
        "explore": [sys.executable, "-m", "lksym", "explore", "--out", out],
    }
    return medians(commands, rounds)


def redraw_times(page: Path, presses: int = 15) -> dict | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("redraw: skipped (playwright is not installed)")
        return None
    if not os.path.exists(CHROMIUM):
        print(f"redraw: skipped (no Chromium at {CHROMIUM})")
        return None
    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        views = [(f"k={k}", ("k", "lam", "eta", "w0")) for k in ("0.5", "1.5", "3")]
        views += [("penalty=scad", ("P_a", "lam")), ("penalty=l0", ("lam", "eta"))]  # the catalogue's grid prox
        for start, sliders in views:
            tab.goto("about:blank")
            tab.goto(page.resolve().as_uri() + f"#{start}&lam=1&eta=0.1&w0=0.3")
            tab.wait_for_function("() => window.lksym && window.lksym.draws > 0")
            for slider in sliders:
                tab.focus(f"#{slider}")
                times = []
                for _ in range(presses):
                    draws = tab.evaluate("window.lksym.draws")
                    tab.keyboard.press("ArrowRight")
                    tab.wait_for_function("(d) => window.lksym.draws > d", arg=draws)
                    times.append(tab.evaluate("window.lksym.lastDrawMs"))
                out[f"{start} {slider}"] = statistics.median(times)
        browser.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (median is used)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a budget is exceeded")
    args = parser.parse_args()

    out = tempfile.mkdtemp(prefix="lksym-explore-bench-")
    try:
        median = write_times(args.rounds, out)
        redraw = redraw_times(Path(out) / "explore.html")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print(header(14, args.rounds))
    for name, value in median.items():
        print(f"{name:<14}{value:>10.3f}")
    ratio = median["explore"] / median["import deps"]
    failed = ratio > 3
    print(f"explore / import deps = {ratio:4.2f}x   budget 3x   {'OVER' if failed else 'ok'}")
    if redraw:
        worst = max(redraw.values())
        for name, ms in redraw.items():
            print(f"redraw {name:<18} median {ms:6.2f} ms")
        over = worst > FRAME_MS
        failed |= over
        print(f"slowest median redraw = {worst:.2f} ms   budget {FRAME_MS:.1f} ms   {'OVER' if over else 'ok'}")
    return 1 if (failed and args.check) else 0


if __name__ == "__main__":
    sys.exit(main())
