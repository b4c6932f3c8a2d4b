"""lksym.writers.index: folder names, the index of reports, and pages written with their figures."""

from __future__ import annotations

import pytest
import sympy as sp

from lksym.errors import InputError
from lksym.fileio import signed
from lksym.writers.index import (
    INDEX_NAME,
    MAX_NAME,
    check_index,
    is_index,
    k_slug,
    short_name,
    write_index,
    write_page,
)

R = sp.Rational


@pytest.mark.parametrize(
    "k, slug",
    [(R(1, 2), "k-0.5"), (sp.Integer(1), "k-1"), (R(3, 2), "k-1.5"), (sp.Integer(10), "k-10"),
     (R(7, 3), "k-7_3"), (sp.sqrt(2), "k-sqrt2")],
)
def test_k_slug_by_hand(k, slug):
    assert k_slug(k) == slug


@pytest.mark.parametrize("n", [1, MAX_NAME - 1, MAX_NAME])
def test_short_names_are_kept(n):
    assert short_name("x" * n) == "x" * n


@pytest.mark.parametrize("n", [MAX_NAME + 1, 255, 4000])
def test_long_names_are_cut_and_stay_distinct(n):
    a, b = "x" * n, "x" * (n - 1) + "y"  # the same up to the last character
    assert len(short_name(a)) == len(short_name(b)) == MAX_NAME
    assert short_name(a) != short_name(b)
    assert short_name(a).startswith("x" * (MAX_NAME - 17) + "~")
    assert short_name(a) == short_name("x" * n)  # deterministic


def test_is_index_by_hand():
    assert is_index(b"# lksym reports\n\nanything")
    assert not is_index(b"# My notes\n") and not is_index(b"") and not is_index(b" # lksym reports")


def test_check_index_refuses_a_users_readme(tmp_path):
    check_index(tmp_path)  # none yet: fine
    (tmp_path / INDEX_NAME).write_bytes(b"# lksym reports\n")
    check_index(tmp_path)
    (tmp_path / INDEX_NAME).write_bytes(b"# My project\n")
    with pytest.raises(InputError):
        check_index(tmp_path)
    assert (tmp_path / INDEX_NAME).read_bytes() == b"# My project\n"


def test_empty_index_and_other_pages_in_their_order(tmp_path):
    write_index(tmp_path)
    text = (tmp_path / INDEX_NAME).read_text(encoding="utf-8")
    body, signature = text.rsplit("<!-- lksym sha256:", 1)  # lksym signs every page it writes alone
    assert text.startswith("# lksym reports\n") and body.endswith("|---|---|---|---|---|---|---|\n")
    assert signed(body.encode()) == text.encode()
    assert "Other pages" not in text and "Other penalties" not in text
    for name in ("fit.md", "compare.md", "k-symbolic/report.md", "penalties/compare.md", "explore.html"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    write_index(tmp_path)
    last = (tmp_path / INDEX_NAME).read_text(encoding="utf-8").splitlines()[-2]  # the last line is the signature
    # the symbolic report first, then the pages at the top level sorted by name, then the catalogue and the explorer
    assert last == ("Other pages: [k-symbolic/report.md](k-symbolic/report.md), [compare.md](compare.md), "
                    "[fit.md](fit.md), [penalties/compare.md](penalties/compare.md), [explore.html](explore.html)")


@pytest.mark.parametrize("content", ["not json", '{"schema": 2}', "[1, 2]", '{"schema": 1}'])
def test_a_foreign_report_folder_is_left_out_with_a_line(tmp_path, capsys, content):
    (tmp_path / "k-foo").mkdir()
    (tmp_path / "k-foo" / "analysis.json").write_text(content, encoding="utf-8")
    (tmp_path / "k-foo" / "report.md").write_text("# mine\n", encoding="utf-8")
    write_index(tmp_path)
    assert "k-foo" not in (tmp_path / INDEX_NAME).read_text(encoding="utf-8")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "k-foo" in err and "not an lksym analysis" in err


def test_write_page_writes_figures_page_and_index(tmp_path):
    files = {"page.md": b"# Heading\nbody\n", "figs/a.svg": b"<svg>a</svg>", "figs/b.svg": b"<svg>b</svg>"}
    path = write_page(tmp_path, "page.md", "figs", files, heading=b"# Heading")
    assert path == tmp_path / "page.md" and path.read_bytes() == signed(files["page.md"])
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == [".lksym-manifest", "a.svg", "b.svg"]
    assert (tmp_path / "figs" / "b.svg").read_bytes() == b"<svg>b</svg>"
    assert "[page.md](page.md)" in (tmp_path / INDEX_NAME).read_text(encoding="utf-8")
    # written again: ours, so replaced
    write_page(tmp_path, "page.md", "figs", {**files, "page.md": b"# Heading\nnew\n"}, heading=b"# Heading")
    assert path.read_bytes() == signed(b"# Heading\nnew\n")


@pytest.mark.parametrize("foreign", ["page", "index"])
def test_write_page_refuses_a_users_file_and_writes_nothing(tmp_path, foreign):
    if foreign == "page":
        (tmp_path / "page.md").write_bytes(b"my own notes\n")
    else:
        (tmp_path / INDEX_NAME).write_bytes(b"my own readme\n")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(InputError):
        write_page(tmp_path, "page.md", "figs", {"page.md": b"# Heading\n", "figs/a.svg": b"<svg/>"}, heading=b"# Heading")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
