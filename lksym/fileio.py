"""Atomic writes: a reader never sees a half-written file or a half-written folder.

:func:`write_atomic` writes one file to a temporary file beside it, flushed and
renamed over the target (``os.replace`` is atomic on POSIX and Windows).
:func:`write_folder` writes a whole folder (a report, ``compare/``, ``fit/``):
every file goes into a staging folder beside it, is flushed, and the staging
folder is renamed into place; an existing folder is first renamed aside and
removed once the new one is in.  A failure (a full disk) leaves the old file or
folder as it was, nothing of ours behind, and an :class:`OSError` that names
the path.

Every temporary name starts with :data:`PREFIX` and carries the id of the
process that made it, so a run killed halfway (``kill -9``) is recognised
later: :func:`clean_stale` removes what dead processes left and puts back a
folder that was renamed aside but never replaced.  What remains: between the
two renames of :func:`write_folder` (microseconds) the target folder is absent;
a reader in that window sees no folder, never a partial one, and a kill in
that window leaves the old folder aside until the next write or
:func:`clean_stale` in the same parent puts it back.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Mapping, Optional

from lksym.errors import InputError

PREFIX = ".lksym-tmp-"
"""Start of the name of every temporary file and folder lksym writes."""

OLD_PREFIX = ".lksym-old-"
"""Start of the name of a folder :func:`write_folder` renamed aside: ``.lksym-old-<pid>-<random>-<name>``."""

_OURS = re.compile(r"^\.lksym-(tmp|old)-(\d+)-(.+)$")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _named(error: OSError, path: Path) -> OSError:
    """``error`` naming ``path`` (a failed ``write`` names nothing, a failed rename our temporary), same errno."""
    if error.filename and PREFIX not in str(error.filename) and OLD_PREFIX not in str(error.filename):
        return error
    code = error.errno or errno.EIO
    return type(error)(code, error.strerror or os.strerror(code), str(path))


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not possible on every platform; the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_file(path: Path, raw: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(raw)
        handle.flush()
        os.fsync(handle.fileno())


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but is not ours to signal
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass


def clean_stale(folder: os.PathLike | str) -> list[Path]:
    """Remove the temporary files and folders that dead lksym processes left in ``folder``.

    A folder renamed aside by :func:`write_folder` whose target is missing (the
    process died between the two renames) is put back instead.  Entries of
    live processes (another lksym run writing here) are left alone.

    Returns
    -------
    list of Path
        The entries removed or put back.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / ".lksym-tmp-999999999-report.md.abcdef.tmp").write_text("half")
    >>> [p.name for p in clean_stale(d)], list(d.iterdir())
    (['.lksym-tmp-999999999-report.md.abcdef.tmp'], [])
    """
    folder = Path(folder)
    done: list[Path] = []
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return done
    for entry in entries:
        match = _OURS.match(entry.name)
        if match is None or _pid_alive(int(match.group(2))):
            continue
        target = folder / match.group(3).partition("-")[2]
        if match.group(1) == "old" and entry.is_dir() and not os.path.lexists(target):
            try:
                os.rename(entry, target)
                done.append(entry)
                continue
            except OSError:
                pass
        _remove(entry)
        done.append(entry)
    return done


def refusal(path: os.PathLike | str) -> str:
    """The message for a file lksym will not overwrite (not written by it)."""
    return f"refusing to overwrite {path}: lksym did not write it (move it, or choose another --out)"


def check_file(path: os.PathLike | str, ours: Callable[[bytes], bool]) -> None:
    """Raise :class:`~lksym.errors.InputError` if :func:`write_atomic` with ``ours`` would refuse ``path``."""
    try:
        existing = Path(path).read_bytes()
    except OSError:
        return
    if not ours(existing):
        raise InputError(refusal(path))


def write_atomic(path: os.PathLike | str, data: bytes | str, *, ours: Optional[Callable[[bytes], bool]] = None) -> Path:
    """Write ``data`` to ``path`` atomically, creating parent folders.

    Unchanged content is not rewritten, so modification times only move when a
    report really changes.  On failure the old file is untouched, the temporary
    file removed, and the :class:`OSError` names ``path``.  With ``ours``, an
    existing file is replaced only if ``ours(its bytes)`` says lksym wrote it
    (a user's own ``README.md`` in ``--out`` is not), else
    :class:`~lksym.errors.InputError`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a" / "b.txt"
    >>> write_atomic(p, "hi").read_text()
    'hi'
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _named(error, path.parent) from None
    try:
        existing = path.read_bytes()
    except OSError:
        existing = None
    if existing == raw:
        return path
    if existing is not None and ours is not None and not ours(existing):
        raise InputError(refusal(path))
    clean_stale(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{PREFIX}{os.getpid()}-{path.name}.", suffix=".tmp")
    except OSError as error:
        raise _named(error, path) from None
    try:
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as error:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(error, OSError):
            raise _named(error, path) from None
        raise
    return path


OUR_SUFFIXES = (".md", ".json", ".svg", ".png")
"""What lksym writes into its folders: an existing folder holding anything else is not replaced."""


def foreign_entry(folder: Path, names: Iterable[str] = ()) -> Optional[str]:
    """What in an existing ``folder`` lksym would not have written, or ``None`` (also when it does not exist).

    Replacing a folder deletes what was in it, so it must hold only lksym's kind of files
    (:data:`OUR_SUFFIXES`, or a name about to be written): a plain file where the folder goes,
    or a user's ``notes.txt`` inside it, stops the write instead.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "report.md").write_text("x") and foreign_entry(d) is None
    True
    >>> (d / "notes.txt").write_text("mine") and foreign_entry(d) == str(d / "notes.txt")
    True
    """
    if not os.path.lexists(folder):
        return None
    if folder.is_symlink() or not folder.is_dir():
        return f"{folder} (not a folder)"
    for entry in sorted(folder.rglob("*")):
        relative = entry.relative_to(folder).as_posix()
        if entry.is_symlink() or (entry.is_file() and relative not in names and entry.suffix not in OUR_SUFFIXES):
            return str(entry)
        if not entry.is_dir() and not entry.is_file():
            return str(entry)
    return None


def check_replaceable(folder: os.PathLike | str, names: Iterable[str] = ()) -> None:
    """Raise :class:`~lksym.errors.InputError` if :func:`write_folder` would refuse to replace ``folder``.

    Callers that write several folders check them all first, so that a refusal writes nothing.
    """
    foreign = foreign_entry(Path(folder), names)
    if foreign is not None:
        raise InputError(f"refusing to replace {folder}: {foreign} is not something lksym writes "
                         "(move it, or choose another --out)")


def write_folder(folder: os.PathLike | str, files: Mapping[str, bytes | str]) -> Path:
    """Make ``folder`` hold exactly ``files``, all at once: whole or not at all.

    Contract: every file (keys are paths relative to ``folder``, subfolders
    allowed) is written and flushed into a staging folder
    ``.lksym-tmp-<pid>-<random>-<name>`` beside ``folder``, which is then
    renamed onto ``folder``; an existing ``folder`` is renamed aside first and
    removed after.  An existing ``folder`` that holds anything lksym would not
    have written (:func:`foreign_entry`), or a file in its place, is left alone:
    :class:`~lksym.errors.InputError`.  Unchanged content is not rewritten.  On any failure the old
    folder is as it was, the staging folder is removed, and the
    :class:`OSError` names the path that could not be written.  Stale
    temporaries of dead lksym processes beside ``folder`` are cleaned first
    (:func:`clean_stale`).

    Returns
    -------
    Path
        ``folder``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = write_folder(pathlib.Path(tempfile.mkdtemp()) / "k-2", {"a.md": "x", "sub/b.svg": b"<svg/>"})
    >>> sorted(str(p.relative_to(d)) for p in d.rglob("*"))
    ['a.md', 'sub', 'sub/b.svg']
    """
    folder = Path(folder)
    blobs = {name: data.encode("utf-8") if isinstance(data, str) else data for name, data in files.items()}
    for name in blobs:
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise ValueError(f"not a path inside the folder: {name!r}")
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _named(error, parent) from None
    clean_stale(parent)
    if folder.is_dir() and _holds_exactly(folder, blobs):
        return folder
    check_replaceable(folder, blobs)
    tag = f"{os.getpid()}-{secrets.token_hex(4)}-{folder.name}"
    stage, aside = parent / f"{PREFIX}{tag}", parent / f"{OLD_PREFIX}{tag}"
    current = stage
    try:
        stage.mkdir()
        mode = 0o777 & ~_umask()
        os.chmod(stage, mode)
        for name in sorted(blobs):
            current = stage / name
            current.parent.mkdir(parents=True, exist_ok=True)
            _write_file(current, blobs[name])
        for sub in [stage, *sorted(p for p in stage.rglob("*") if p.is_dir())]:
            _fsync_dir(sub)
        current = folder
        if os.path.lexists(folder):
            os.rename(folder, aside)
            try:
                os.rename(stage, folder)
            except BaseException:
                os.rename(aside, folder)
                raise
            _fsync_dir(parent)
            shutil.rmtree(aside, ignore_errors=True)
        else:
            os.rename(stage, folder)
            _fsync_dir(parent)
    except BaseException as error:
        shutil.rmtree(stage, ignore_errors=True)
        if isinstance(error, OSError):
            where = folder / current.relative_to(stage) if stage in current.parents else folder
            raise _named(error, where) from None
        raise
    return folder


def _holds_exactly(folder: Path, blobs: Mapping[str, bytes]) -> bool:
    try:
        present = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() or p.is_symlink()}
        if present != {str(Path(n)) for n in blobs}:
            return False
        return all((folder / name).read_bytes() == raw for name, raw in blobs.items())
    except OSError:
        return False
