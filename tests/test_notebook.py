"""Notebook use: ``import lksym`` is lazy, ``lksym.analyze`` works, Markdown and figures render."""

from __future__ import annotations

import subprocess
import sys

import pytest

import lksym


def test_analyze_from_package():
    a = lksym.analyze("3/2")
    assert a.label == "L1.5"
    assert a.sparse is False


def test_repr_markdown_has_display_math_and_figures():
    import base64

    md = lksym.analyze("3/2")._repr_markdown_()
    assert "$$" in md
    assert md.count("$$") % 2 == 0
    images = md.split("](data:image/png;base64,")[1:]
    assert len(images) == 3
    for image in images:
        assert base64.b64decode(image.split(")")[0])[:4] == b"\x89PNG"


def test_print_and_repr_show_the_summary():
    from lksym.writers.terminal import summary

    a = lksym.analyze("3/2")
    assert str(a) == repr(a) == summary(a)
    assert len(repr(a)) < 1200 and "Analysis(" not in repr(a) and "Part(" not in repr(a)


def test_figures_are_matplotlib_figures_with_lines():
    from matplotlib.figure import Figure

    figs = lksym.analyze("3/2").figures()
    assert {"penalty_gradient", "zoom", "curvature", "gradients_l1_l2", "shrinkage", "gd_trajectories"} == set(figs)
    for fig in figs.values():
        assert isinstance(fig, Figure)
        assert fig.axes and fig.axes[0].get_lines()


def test_figures_are_fresh_so_restyling_is_safe():
    a = lksym.analyze("3")
    first = a.figures()["zoom"]
    first.axes[0].set_title("mine")
    assert a.figures()["zoom"].axes[0].get_title() != "mine"


def test_import_is_lazy():
    code = (
        "import sys, lksym\n"
        "heavy = [m for m in ('sympy', 'matplotlib', 'numpy') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_lazy_exports_of_new_pages():
    from lksym.app.compare import write_compare
    from lksym.app.fit import write_fit

    assert lksym.write_compare is write_compare and lksym.write_fit is write_fit


@pytest.mark.parametrize("text, title, images", [
    ("scad(lam=1, a=3.7)", "# The penalty SCAD (λ = 1, a = 3.7)", 3),
    ("l0", "# The penalty L0", 3),
    ("log(cosh(w))", "# The penalty log(cosh(w))", 2),  # no bands against L1 and L2: no such figure
])
def test_repr_markdown_of_every_family(text, title, images):
    # Regression: the notebook view read a.power.k, which only the power family has (AttributeError on None).
    import base64

    md = lksym.analyze(text)._repr_markdown_()
    lines = md.splitlines()
    assert lines[0] == title
    assert "## In short" in lines and "## Definition" in lines
    assert md.count("$$") % 2 == 0
    pngs = md.split("](data:image/png;base64,")[1:]
    assert len(pngs) == images
    assert all(base64.b64decode(p.split(")")[0])[:4] == b"\x89PNG" for p in pngs)
