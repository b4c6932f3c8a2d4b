"""lksym.fileio: folders whole or not at all, a full disk, kill -9 and the temporaries it leaves."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from lksym import fileio
from lksym.fileio import PREFIX, clean_stale, write_atomic, write_folder


def _tree(folder: Path) -> dict[str, bytes]:
    """The files of ``folder`` but lksym's manifest (tested on its own below)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != fileio.MANIFEST}


def _full_disk_after(monkeypatch, files_ok: int) -> None:
    """Make the disk fill up: the first ``files_ok`` files of write_folder are written, the next raises ENOSPC."""
    calls = [0]
    real = fileio._write_file

    def write(path, raw):
        calls[0] += 1
        if calls[0] > files_ok:
            with open(path, "wb") as handle:  # half of it, as a real full disk would
                handle.write(raw[: len(raw) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, raw)

    monkeypatch.setattr(fileio, "_write_file", write)


def test_write_folder_new_and_replaced(tmp_path):
    target = tmp_path / "k-2"
    write_folder(target, {"a.md": "one", "sub/b.svg": b"<svg/>"})
    assert _tree(target) == {"a.md": b"one", "sub/b.svg": b"<svg/>"}
    write_folder(target, {"a.md": "two"})  # exactly the new files: stale ones go
    assert _tree(target) == {"a.md": b"two"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k-2"]


def test_write_folder_unchanged_content_is_not_rewritten(tmp_path):
    target = write_folder(tmp_path / "k-2", {"a.md": "one"})
    inode = (target / "a.md").stat().st_ino
    write_folder(target, {"a.md": "one"})
    assert (target / "a.md").stat().st_ino == inode


@pytest.mark.parametrize("files_ok", [0, 1, 2])
def test_full_disk_leaves_old_folder_or_nothing(tmp_path, monkeypatch, files_ok):
    old = write_folder(tmp_path / "old", {"a": "1", "b": "2", "c": "3"})
    _full_disk_after(monkeypatch, files_ok)
    for target in (old, tmp_path / "new"):
        with pytest.raises(OSError) as caught:
            write_folder(target, {"a": "x", "b": "y", "c": "z"})
        assert caught.value.errno == errno.ENOSPC
        assert caught.value.filename and str(target) in caught.value.filename and PREFIX not in caught.value.filename
    assert _tree(old) == {"a": b"1", "b": b"2", "c": b"3"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old"]  # no new folder, no staging folder


def test_full_disk_write_atomic_names_the_path(tmp_path, monkeypatch):
    target = write_atomic(tmp_path / "x.md", "old")

    monkeypatch.setattr("os.fdopen", lambda fd, mode: _Failing(fd))
    with pytest.raises(OSError) as caught:
        write_atomic(target, "new")
    assert caught.value.filename == str(target) and caught.value.errno == errno.ENOSPC
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["x.md"]


class _Failing:
    def __init__(self, fd):
        self.fd = fd

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        os.close(self.fd)

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("files_ok", [0, 3, 7])
def test_full_disk_report_writes_no_half_folder(tmp_path, monkeypatch, files_ok):
    from lksym.cli import main

    out = tmp_path / "reports"
    first = CliRunner().invoke(main, ["report", "--k", "2", "--out", str(out), "--jobs", "1"])
    assert first.exit_code == 0, first.output
    before = _tree(out)
    _full_disk_after(monkeypatch, files_ok)
    result = CliRunner().invoke(main, ["report", "--k", "2", "--k", "1.5", "--k", "k", "--out", str(out), "--jobs", "1"])
    assert result.exit_code == 2
    line = result.output.strip().splitlines()[-1]  # after the progress lines of stderr
    assert "Traceback" not in result.output and line.startswith(f"Error: cannot write {out}") and "No space left on device" in line
    assert _tree(out) == before  # k-2 as it was; k-1.5 and k-symbolic not there at all
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "k-2"]


@pytest.mark.parametrize("command", [["compare", "--k", "1", "--k", "2"], ["fit", "--k", "2"]])
def test_full_disk_compare_and_fit_leave_no_empty_folder(tmp_path, monkeypatch, command):
    from lksym.cli import main

    _full_disk_after(monkeypatch, 0)
    result = CliRunner().invoke(main, [*command, "--out", str(tmp_path)])
    assert result.exit_code == 2 and "No space left on device" in result.output
    assert list(tmp_path.iterdir()) == []


def test_clean_stale_removes_dead_temporaries_and_keeps_live_ones(tmp_path):
    dead = _dead_pid()
    (tmp_path / f"{PREFIX}{dead}-report.md.abc123.tmp").write_text("half")
    (tmp_path / f"{PREFIX}{dead}-0a1b2c3d-k-2").mkdir()
    (tmp_path / f"{PREFIX}{dead}-0a1b2c3d-k-2" / "zoom.svg").write_text("half")
    live = tmp_path / f"{PREFIX}{os.getpid()}-0a1b2c3d-k-3"
    live.mkdir()
    (tmp_path / ".something-else.tmp").write_text("not ours")
    removed = clean_stale(tmp_path)
    assert len(removed) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, ".something-else.tmp"])


def test_clean_stale_puts_back_a_folder_renamed_aside(tmp_path):
    # A kill between "rename old aside" and "rename new in": the old folder comes back.
    aside = tmp_path / f".lksym-old-{_dead_pid()}-0a1b2c3d-k-2"
    aside.mkdir()
    (aside / "report.md").write_text("old report")
    clean_stale(tmp_path)
    assert _tree(tmp_path) == {"k-2/report.md": b"old report"}


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_kill_9_while_writing_leaves_nothing_the_next_run_keeps(tmp_path):
    """A real kill -9 halfway through a folder: the target is untouched, the next write cleans up."""
    script = textwrap.dedent(
        f"""
        import time
        from lksym import fileio
        real = fileio._write_file
        def slow(path, raw):
            real(path, raw)
            print("wrote", flush=True)
            time.sleep(30)
        fileio._write_file = slow
        fileio.write_folder({str(tmp_path / "k-2")!r}, {{"a": "new", "b": "new"}})
        """
    )
    write_folder(tmp_path / "k-2", {"a": "old"})
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "wrote"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "k-2"]
    assert len(leftovers) == 1 and leftovers[0].startswith(PREFIX)  # the half-staged folder
    assert _tree(tmp_path / "k-2") == {"a": b"old"}
    write_folder(tmp_path / "k-3", {"a": "x"})  # any later write in the same folder cleans it up
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k-2", "k-3"]


def test_index_never_links_a_missing_report(tmp_path, capsys):
    from lksym.api import write_reports
    from lksym.writers.index import write_index

    write_reports(["2"], tmp_path, jobs=1)
    half = tmp_path / "k-3"
    half.mkdir()
    (half / "analysis.json").write_text((tmp_path / "k-2" / "analysis.json").read_text())
    index = write_index(tmp_path).read_text()
    assert "k-2/report.md" in index and "k-3/report.md" not in index
    assert "skipped" in capsys.readouterr().err


# --------------------------------------------------------------------------- what is not ours is not replaced


def test_a_folder_holding_a_users_file_is_not_replaced(tmp_path):
    from lksym.errors import InputError

    folder = tmp_path / "k-2"
    folder.mkdir()
    (folder / "report.md").write_text("old report")
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="notes.txt was not written by lksym"):
        write_folder(folder, {"report.md": "new"})
    assert (folder / "notes.txt").read_text() == "mine" and (folder / "report.md").read_text() == "old report"


def test_a_file_where_the_folder_goes_is_not_replaced(tmp_path):
    from lksym.errors import InputError

    (tmp_path / "k-2").write_text("a file of mine")
    with pytest.raises(InputError, match="not a folder"):
        write_folder(tmp_path / "k-2", {"report.md": "new"})
    assert (tmp_path / "k-2").read_text() == "a file of mine"
    assert [p.name for p in tmp_path.iterdir()] == ["k-2"]  # nothing set aside or staged


@pytest.mark.parametrize("old", [{"report.md": "x", "b.svg": "<svg/>"}, {"report.md": "x", "b.png": "png"}, {}])
def test_a_folder_of_an_lksym_before_manifests_is_replaced(tmp_path, old):
    """No manifest: only the names about to be written (in either image format) may be in it."""
    folder = tmp_path / "k-2"
    folder.mkdir()
    for name, text in old.items():
        (folder / name).write_text(text)
    write_folder(folder, {"report.md": "new", "b.svg": "<svg/>"})
    assert sorted(p.name for p in folder.iterdir()) == [fileio.MANIFEST, "b.svg", "report.md"]


@pytest.mark.parametrize("old", [{"report.md": "x", "a.svg": "<svg/>"}, {"report.md": "x", "analysis.json": "{}"},
                                 {"thesis.md": "mine"}, {"sub/b.svg": "<svg/>"}])
def test_a_folder_without_manifest_holding_other_names_is_kept(tmp_path, old):
    from lksym.errors import InputError

    folder = tmp_path / "k-2"
    for name, text in old.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    with pytest.raises(InputError, match="refusing to replace"):
        write_folder(folder, {"report.md": "new", "b.svg": "<svg/>"})
    assert _tree(folder) == {name: text.encode() for name, text in old.items()}


USERS = [
    {"thesis.md": "mine"},
    {"drafts/ch1.md": "d"},
    {"thesis.md": "mine", "drafts/ch1.md": "d"},
    {"notes.txt": "n"},
    {"analysis.JSON": "{}"},
    {"report.md.bak": "b"},
    {"sub/b.svg": "<svg>mine</svg>"},  # a name lksym wrote, with other content
    {"report.md": "edited"},  # lksym's own file, edited since
    {".hidden": "h"},
    {"empty/": ""},
    {"sub/deeper/x.png": "png"},
]


@pytest.mark.parametrize("users", USERS, ids=lambda u: "+".join(u))
def test_no_user_file_in_a_folder_lksym_wrote_is_lost(tmp_path, users):
    """Whatever name or content: a file lksym did not write (or changed since) keeps the folder as it is."""
    from lksym.errors import InputError

    folder = write_folder(tmp_path / "k-2", {"report.md": "x", "sub/b.svg": "<svg/>"})
    for name, text in users.items():
        target = folder / name
        if name.endswith("/"):
            target.mkdir()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    before = _tree(folder)
    with pytest.raises(InputError, match="refusing to replace"):
        write_folder(folder, {"report.md": "new", "sub/b.svg": "<svg/>"})
    assert _tree(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k-2"]


def test_a_damaged_manifest_owns_nothing(tmp_path):
    from lksym.errors import InputError

    folder = write_folder(tmp_path / "k-2", {"report.md": "x"})
    (folder / fileio.MANIFEST).write_text("garbage")
    with pytest.raises(InputError, match="report.md was not written by lksym"):
        write_folder(folder, {"report.md": "new"})


def test_a_file_added_while_writing_is_not_deleted(tmp_path, monkeypatch):
    """The user drops a file into the folder after the check: the old folder goes back, with it."""
    from lksym.errors import InputError

    folder = write_folder(tmp_path / "k-2", {"report.md": "x"})
    real = fileio._write_file

    def write(path, raw):
        real(path, raw)
        (folder / "late.md").write_text("mine")

    monkeypatch.setattr(fileio, "_write_file", write)
    with pytest.raises(InputError, match="late.md"):
        write_folder(folder, {"report.md": "new"})
    assert _tree(folder) == {"report.md": b"x", "late.md": b"mine"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k-2"]


def test_the_manifest_is_deterministic_and_lists_every_file(tmp_path):
    import hashlib

    files = {"report.md": b"x", "sub/b.svg": b"<svg/>"}
    one = write_folder(tmp_path / "a", files)
    two = write_folder(tmp_path / "b", dict(reversed(files.items())))
    text = (one / fileio.MANIFEST).read_bytes()
    assert text == (two / fileio.MANIFEST).read_bytes()
    assert text.decode().splitlines()[1:] == [f"{hashlib.sha256(raw).hexdigest()}  {name}" for name, raw in sorted(files.items())]


@pytest.mark.parametrize("edit", [b"", b"x", b"# lksym reports\n"])
def test_a_signed_page_is_replaced_only_unchanged(tmp_path, edit):
    from lksym.errors import InputError
    from lksym.fileio import owned, signed

    page = tmp_path / "README.md"
    ours = owned(lambda b: b.startswith(b"# lksym"))
    write_atomic(page, signed("# lksym reports\n"), ours=ours)
    write_atomic(page, signed("# lksym reports\n\nnew\n"), ours=ours)  # unchanged since written: replaced
    if edit:
        page.write_bytes(edit + page.read_bytes())
        with pytest.raises(InputError, match="lksym did not write it"):
            write_atomic(page, signed("# lksym reports\n"), ours=ours)
        assert page.read_bytes().startswith(edit)


def test_write_atomic_replaces_only_what_ours_accepts(tmp_path):
    from lksym.errors import InputError
    from lksym.fileio import write_atomic

    page = tmp_path / "README.md"
    page.write_text("my own notes")
    with pytest.raises(InputError, match="lksym did not write it"):
        write_atomic(page, "# lksym reports\n", ours=lambda b: b.startswith(b"# lksym"))
    assert page.read_text() == "my own notes"
    page.write_text("# lksym reports (old)")
    write_atomic(page, "# lksym reports\n", ours=lambda b: b.startswith(b"# lksym"))
    assert page.read_text() == "# lksym reports\n"
