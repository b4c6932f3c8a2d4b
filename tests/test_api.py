"""Report folders: atomic writes, determinism, the index, several k at once."""

from __future__ import annotations

import json
import multiprocessing
import threading
from pathlib import Path

import pytest
from processes import deadline

from lksym.api import write_reports
from lksym.errors import InputError, LksymError
from lksym.fileio import write_atomic
from lksym.writers.index import k_slug, write_index


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_end_to_end_report(tmp_path):
    [path] = write_reports(["1.5"], tmp_path, jobs=1)
    assert path == tmp_path / "k-1.5" / "report.md"
    text = path.read_text(encoding="utf-8")
    assert "## What this penalty does to weights" in text
    assert r"\frac{4}{9}" in text and r"\frac{9}{16}" in text
    for link in ("penalty_gradient.svg", "zoom.svg", "curvature.svg", "gradients_l1_l2.svg"):
        assert f"]({link})" in text
        assert (path.parent / link).read_bytes().startswith(b"<?xml")
    data = json.loads((path.parent / "analysis.json").read_text())
    assert data["k"] == "3/2"
    assert not list(tmp_path.rglob("*.tmp")), "temporary files left behind"


def test_output_is_byte_identical(tmp_path):
    write_reports(["3", "sqrt(2)"], tmp_path / "a", jobs=1)
    write_reports(["3", "sqrt(2)"], tmp_path / "b", jobs=2)
    assert _snapshot(tmp_path / "a") == _snapshot(tmp_path / "b")


def test_parallel_keeps_order_and_dedupes(tmp_path):
    seen = []
    paths = write_reports(["2", "0.5", "1/2", "10"], tmp_path, jobs=2, progress=lambda d, t, p: seen.append((d, t)))
    assert [p.parent.name for p in paths] == ["k-2", "k-0.5", "k-10"]
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_bad_k_fails_before_writing(tmp_path):
    write_reports(["1"], tmp_path, jobs=1)
    before = _snapshot(tmp_path)
    with pytest.raises(InputError):
        write_reports(["2", "oops"], tmp_path, jobs=1)
    assert _snapshot(tmp_path) == before


def test_failed_render_leaves_earlier_report_intact(tmp_path, monkeypatch):
    write_reports(["1.5"], tmp_path, jobs=1)
    before = _snapshot(tmp_path)

    def broken(fig):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("lksym.writers.plots.render_svg", broken)
    with pytest.raises(RuntimeError):
        write_reports(["1.5"], tmp_path, jobs=1)
    assert _snapshot(tmp_path) == before


def test_write_atomic_failure_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "x.txt"
    write_atomic(target, "old")

    def explode(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr("os.replace", explode)
    with pytest.raises(OSError):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_write_atomic_mode_is_not_private(tmp_path):
    path = write_atomic(tmp_path / "m.txt", b"data")
    assert path.stat().st_mode & 0o044  # readable by group/others like a normal file


def test_index_lists_reports_sorted_by_k(tmp_path):
    write_reports(["10", "0.5", "3/2"], tmp_path, jobs=1)
    (tmp_path / "k-junk").mkdir()
    (tmp_path / "k-junk" / "analysis.json").write_text("{not json")
    index = write_index(tmp_path).read_text()
    rows = [line for line in index.splitlines() if line.startswith("| `")]
    assert [r.split("`")[1] for r in rows] == ["1/2", "3/2", "10"]
    assert "(k-1.5/report.md)" in index


@pytest.mark.parametrize("k, slug", [("1.5", "k-1.5"), ("7/3", "k-7_3"), ("sqrt(2)", "k-sqrt2"), ("pi", "k-pi"), ("10", "k-10")])
def test_slugs(k, slug):
    from lksym.derivation.expr import parse_k

    assert k_slug(parse_k(k)) == slug


# --------------------------------------------------------------------------- the drawing server (jobs >= 2)
#
# tests/processes.py: a SIGALRM deadline turns a hang into a failure; the no_stray_processes
# fixture (conftest.py) finds the processes a call leaves behind, orphans included.


needs_fork = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="the patch reaches the server only through fork"
)


@pytest.mark.usefixtures("no_stray_processes")
@pytest.mark.parametrize("ks", [["2", "oops"], ["oops", "2"], ["2", "1/0", "3"]], ids=["last", "first", "middle"])
def test_parallel_bad_k_writes_nothing(tmp_path, ks):
    write_reports(["1"], tmp_path, jobs=1)
    before = _snapshot(tmp_path)
    children, threads = set(multiprocessing.active_children()), threading.active_count()
    with deadline(30):
        with pytest.raises(InputError):
            write_reports(ks, tmp_path, jobs=2)
    assert _snapshot(tmp_path) == before
    assert set(multiprocessing.active_children()) <= children, "the drawing server is still running"
    assert threading.active_count() <= threads, "the answer-reading thread is still running"


def _broken_render(name, data):
    raise RuntimeError(f"disk on fire while drawing {name}")


@needs_fork
@pytest.mark.usefixtures("no_stray_processes")
@pytest.mark.parametrize("ks", [["1.5"], ["3", "1.5", "0.5"]], ids=["same-k", "several-k"])
def test_parallel_failed_drawing_leaves_earlier_report_intact(tmp_path, monkeypatch, ks):
    write_reports(["1.5"], tmp_path, jobs=1)
    before = _snapshot(tmp_path)
    # Patched before the call: the drawing server is forked from this process and keeps the patch.
    monkeypatch.setattr("lksym.writers.plots.render_figure", _broken_render)
    assert threading.active_count() == 1, "another thread would make the server spawned, without the patch"
    with deadline(30):
        with pytest.raises(LksymError, match=r"^drawing a figure failed: RuntimeError: disk on fire") as failure:
            write_reports(ks, tmp_path, jobs=2)
    assert not isinstance(failure.value, InputError), "not the user's fault"
    assert _snapshot(tmp_path) == before
    assert not list(tmp_path.rglob("*.tmp")), "temporary files left behind"


@pytest.mark.usefixtures("no_stray_processes")
def test_jobs_do_not_change_the_output(tmp_path):
    ks = ["7/3", "0.1", "sqrt(2)", "14/6", "1/10", "0.1"]  # not sorted; two duplicates of earlier k
    names = ["k-7_3", "k-0.1", "k-sqrt2"]
    snapshots = {}
    for jobs in (1, 2, 3):
        out, seen = tmp_path / f"jobs-{jobs}", []
        with deadline(60, f"write_reports(jobs={jobs})"):
            paths = write_reports(ks, out, jobs=jobs, progress=lambda d, t, p: seen.append((d, t, p, p.is_file())))
        assert paths == [out / name / "report.md" for name in names], f"jobs={jobs}: input order, no duplicates"
        assert [(d, t) for d, t, _, _ in seen] == [(1, 3), (2, 3), (3, 3)], f"jobs={jobs}"
        assert sorted(p for _, _, p, _ in seen) == sorted(paths), f"jobs={jobs}: each report reported once"
        assert all(existed for *_, existed in seen), f"jobs={jobs}: progress was called before the report was written"
        snapshots[jobs] = _snapshot(out)
    assert {f"{name}/{file}" for name in names for file in ("report.md", "analysis.json", "zoom.svg")} < set(snapshots[1])
    assert sorted(snapshots[1]) == sorted(snapshots[2]) == sorted(snapshots[3])
    for name in snapshots[1]:
        assert snapshots[1][name] == snapshots[2][name] == snapshots[3][name], f"{name} differs between jobs"


# --------------------------------------------------------------------------- one bad k, foreign folders, many k


@pytest.mark.parametrize("ks", [["k", "abc"], ["abc", "k"], ["k", "2", "1/0"]])
def test_symbolic_report_with_a_bad_k_writes_nothing(tmp_path, ks):
    from click.testing import CliRunner

    from lksym.cli import main

    result = CliRunner().invoke(main, ["report", *[a for k in ks for a in ("--k", k)], "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith(("Error: invalid k", "Error: unknown penalty 'abc'"))  # abc is a word: the known names follow
    assert list(tmp_path.iterdir()) == []


def test_symbolic_and_numeric_reports_in_one_call(tmp_path):
    paths = write_reports(["2", "k", "2.0"], tmp_path, jobs=1)
    assert [p.parent.name for p in paths] == ["k-2", "k-symbolic"]
    assert all(p.is_file() for p in paths)
    assert sorted(p.name for p in (tmp_path / "k-symbolic").iterdir()) == [".lksym-manifest", "cases.json", "gradients_sweep.svg", "report.md"]


FOREIGN = {
    "k_float only": '{"k_float": 1}',
    "a list": "[1, 2]",
    "null": "null",
    "not JSON": "{oops",
    "a string k_float": '{"schema": 1, "k_float": "x"}',
    "wrong types": '{"schema": 1, "k_float": 1, "k": 1, "regime": [], "sparse": 1, "convex": 0, "smoothness": {}, "limits": 3}',
    "a table breaker": '{"schema": 1, "k_float": 1, "k": "1|x", "regime": "r", "sparse": true, "convex": true,'
    ' "smoothness": 1, "limits": {"gradient": {"0+": "0"}}}',
    "empty": "",
    "binary": "\udcff",
}


FOREIGN_CASES = [pytest.param("report", c, id=f"report-{name}") for name, c in FOREIGN.items()] + [
    pytest.param(command, FOREIGN[name], id=f"{command}-{name}")
    for command in ("compare", "fit")
    for name in ("k_float only", "null", "not JSON")
]


@pytest.mark.parametrize(("command", "content"), FOREIGN_CASES)
def test_foreign_analysis_json_is_skipped_with_a_note(tmp_path, content, command):
    from click.testing import CliRunner

    from lksym.cli import main

    foreign = tmp_path / "k-foreign"
    foreign.mkdir()
    (foreign / "analysis.json").write_bytes(content.encode("utf-8", "surrogateescape"))
    (foreign / "report.md").write_text("someone else's")
    runner = CliRunner()
    ks = ["--k", "1", "--k", "2"] if command == "compare" else ["--k", "2"]  # compare needs two k
    result = runner.invoke(main, [command, *ks, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert f"skipped {foreign / 'analysis.json'}" in result.output  # on stderr, which CliRunner mixes in
    index = (tmp_path / "README.md").read_text()
    assert "k-foreign" not in index
    assert (foreign / "analysis.json").read_bytes() == content.encode("utf-8", "surrogateescape")  # left alone
    if command == "report":
        assert "[k-2/report.md](k-2/report.md)" in index


def test_each_distinct_k_is_analysed_once(tmp_path, monkeypatch):
    import lksym.api

    seen = []
    real = lksym.api._analysis_task
    monkeypatch.setattr(lksym.api, "_analysis_task", lambda k, *rest: seen.append(k) or real(k, *rest))
    paths = write_reports(["1.5"] * 200 + ["3/2", "3", "3.000"], tmp_path, jobs=1)
    assert [p.parent.name for p in paths] == ["k-1.5", "k-3"]
    assert [str(p.k) for p in seen] == ["3/2", "3"]


@pytest.mark.parametrize(("jobs", "count"), [(None, 1), (300, 1), (300, 50), (2, 50), (1, 50)])
def test_jobs_are_capped_at_the_cores(jobs, count, monkeypatch):
    import lksym.api
    from lksym.writers.plots import FIGURES

    monkeypatch.setattr(lksym.api, "cores", lambda: 2)
    workers = lksym.api._jobs(jobs, count)
    assert 1 <= workers <= min(2, count * len(FIGURES), jobs or 2)
    if jobs == 300:
        assert workers == 2


def test_cores_is_the_affinity_where_known():
    import os

    import lksym.api

    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert lksym.api.cores() == expected


def test_importing_the_api_does_not_import_sympy():
    # write_reports forks its drawing server before anything imports SymPy, so matplotlib loads beside the
    # derivation; an api module that imported SymPy at the top undid that (report --k 1.5 went 1.44x -> 2.06x).
    import subprocess
    import sys

    code = ("import sys, lksym.api, lksym.cli, lksym.writers.plots, lksym.writers.pipeline; "
            "print([m for m in ('sympy',) if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
