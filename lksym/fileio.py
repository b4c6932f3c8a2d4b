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
import hashlib
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


_SIGNATURE = re.compile(rb"<!-- lksym sha256:([0-9a-f]{64}) -->\n\Z")


def signed(data: bytes | str) -> bytes:
    """``data`` (Markdown, HTML or SVG) with a last line that says lksym wrote it: a comment holding its checksum.

    A page lksym writes on its own (the index, ``compare.md``, ``explore.html``, a
    ``simulate`` figure) carries it, so that a later run replaces it only if it is
    still exactly what lksym wrote (:func:`is_signed`); the comment is invisible
    where the page is shown.

    Examples
    --------
    >>> page = signed("# lksym reports\\n")
    >>> page.splitlines()[-1][:18], is_signed(page), is_signed(page.replace(b"reports", b"report"))
    (b'<!-- lksym sha256:', True, False)
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if not raw.endswith(b"\n"):
        raw += b"\n"
    return raw + b"<!-- lksym sha256:" + _digest(raw).encode() + b" -->\n"


def is_signed(raw: bytes) -> bool:
    """Whether ``raw`` ends in the checksum line of :func:`signed` and the rest matches it (unchanged since)."""
    match = _SIGNATURE.search(raw[-100:])
    return match is not None and _digest(raw[: len(raw) - len(match.group(0))]) == match.group(1).decode()


def owned(legacy: Callable[[bytes], bool]) -> Callable[[bytes], bool]:
    """An ``ours`` test for :func:`write_atomic`: signed by lksym and unchanged, or unsigned and ``legacy`` (older lksym).

    A file carrying a checksum line that does not match was edited since: not ours.
    """

    def ours(raw: bytes) -> bool:
        if _SIGNATURE.search(raw[-100:]) is not None:
            return is_signed(raw)
        return legacy(raw)

    return ours


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
"""The kinds of file lksym writes into its folders."""

MANIFEST = ".lksym-manifest"
"""The file in every folder :func:`write_folder` writes that lists what lksym wrote there, with checksums."""

_MANIFEST_HEAD = b"lksym manifest 1\n"


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def manifest(blobs: Mapping[str, bytes]) -> bytes:
    """The manifest of a folder holding ``blobs``: one ``sha256  path`` line per file, sorted (deterministic).

    Examples
    --------
    >>> print(manifest({"b.svg": b"<svg/>", "a.md": b"x"}).decode(), end="")
    lksym manifest 1
    2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881  a.md
    d4dc56669143034f31aa309635d4113d9ad76a02b1739da22c965ed2049be9e6  b.svg
    """
    lines = [f"{_digest(raw)}  {Path(name).as_posix()}\n" for name, raw in sorted(blobs.items())]
    return _MANIFEST_HEAD + "".join(lines).encode("utf-8")


def _read_manifest(folder: Path) -> Optional[dict[str, str]]:
    """``{path: sha256}`` from ``folder``'s manifest; ``None`` without one, ``{}`` (owning nothing) if damaged."""
    try:
        raw = (folder / MANIFEST).read_bytes()
    except FileNotFoundError:
        return None
    except OSError:
        return {}
    if not raw.startswith(_MANIFEST_HEAD):
        return {}
    listed: dict[str, str] = {}
    for line in raw[len(_MANIFEST_HEAD):].decode("utf-8", "replace").splitlines():
        digest, sep, name = line.partition("  ")
        if not sep or not re.fullmatch(r"[0-9a-f]{64}", digest):
            return {}
        listed[name] = digest
    return listed


def _same_kind(relative: str, names: set[str]) -> bool:
    # A folder of an lksym version before manifests: only what is about to be written again
    # (in either image format) may go; a thesis.md beside report.md is the user's.
    stem, suffix = os.path.splitext(relative)
    return suffix in OUR_SUFFIXES and any(stem + other in names for other in OUR_SUFFIXES)


def foreign_entry(folder: Path, names: Iterable[str] = ()) -> Optional[str]:
    """What in an existing ``folder`` lksym did not write, or ``None`` (also when it does not exist).

    Replacing a folder deletes what was in it, so every file in it must be one lksym
    wrote, unchanged: listed with its checksum in the folder's :data:`MANIFEST`.  A folder
    without a manifest (written by an lksym before manifests) may hold only the files about
    to be written (``names``, in either image format).  A plain file where the folder goes,
    a user's ``thesis.md`` or ``drafts/`` inside it, a file edited since lksym wrote it, a
    symbolic link or an empty folder stops the write instead.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()) / "k-2"
    >>> _ = write_folder(d, {"report.md": "x"})
    >>> foreign_entry(d) is None
    True
    >>> (d / "thesis.md").write_text("mine") and foreign_entry(d) == str(d / "thesis.md")
    True
    """
    if not os.path.lexists(folder):
        return None
    if folder.is_symlink() or not folder.is_dir():
        return f"{folder} (not a folder)"
    listed = _read_manifest(folder)
    wanted = {Path(n).as_posix() for n in names}
    parents = {p.as_posix() for name in (listed if listed is not None else wanted) for p in Path(name).parents}
    for entry in sorted(folder.rglob("*")):
        relative = entry.relative_to(folder).as_posix()
        if entry.is_symlink():
            return str(entry)
        if entry.is_dir():
            if relative not in parents:
                return str(entry)
            continue
        if not entry.is_file():
            return str(entry)
        if relative == MANIFEST and listed is not None:
            continue
        if listed is None:
            if relative not in wanted and not _same_kind(relative, wanted):
                return str(entry)
            continue
        try:
            if listed.get(relative) != _digest(entry.read_bytes()):
                return str(entry)
        except OSError:
            return str(entry)
    return None


def check_replaceable(folder: os.PathLike | str, names: Iterable[str] = ()) -> None:
    """Raise :class:`~lksym.errors.InputError` if :func:`write_folder` would refuse to replace ``folder``.

    Callers that write several folders check them all first, so that a refusal writes nothing.
    """
    foreign = foreign_entry(Path(folder), names)
    if foreign is not None:
        raise InputError(f"refusing to replace {folder}: {foreign} was not written by lksym, or was changed since "
                         "(move it, or choose another --out)")


def check_replaceable_early(folder: os.PathLike | str) -> None:
    """:func:`check_replaceable` before the work, wherever its answer does not depend on the files to be written.

    That is everywhere but in a folder without a :data:`MANIFEST` (written by an lksym before manifests), whose
    files are judged by the names about to be written: that folder is left to the check after the work.  A
    command calls this before deriving or drawing anything, so that a user's file in the way stops it at once
    instead of after minutes; :func:`write_folder` checks again when it writes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = write_folder(pathlib.Path(tempfile.mkdtemp()) / "k-2", {"report.md": "x"})
    >>> check_replaceable_early(d)
    >>> _ = (d / "thesis.md").write_text("mine")
    >>> check_replaceable_early(d)
    Traceback (most recent call last):
    ...
    lksym.errors.InputError: refusing to replace ...thesis.md was not written by lksym, or was changed since (move it, or choose another --out)
    """
    folder = Path(folder)
    if os.path.lexists(folder) and (folder.is_symlink() or not folder.is_dir() or _read_manifest(folder) is not None):
        check_replaceable(folder)


def write_folder(folder: os.PathLike | str, files: Mapping[str, bytes | str]) -> Path:
    """Make ``folder`` hold exactly ``files``, all at once: whole or not at all.

    Contract: every file (keys are paths relative to ``folder``, subfolders
    allowed), and a :data:`MANIFEST` listing them with their checksums, is written and flushed into a staging folder
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
    ['.lksym-manifest', 'a.md', 'sub', 'sub/b.svg']
    """
    folder = Path(folder)
    blobs = {name: data.encode("utf-8") if isinstance(data, str) else data for name, data in files.items()}
    for name in blobs:
        if Path(name).is_absolute() or ".." in Path(name).parts or Path(name).as_posix() == MANIFEST:
            raise ValueError(f"not a path inside the folder: {name!r}")
    blobs[MANIFEST] = manifest(blobs)
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
            # Checked again once set aside: a file the user put in since the first check is not
            # deleted with the old folder, which goes back instead.
            late = foreign_entry(aside, blobs)
            if late is not None:
                os.rename(aside, folder)
                check_replaceable(folder, blobs)
                raise InputError(f"refusing to replace {folder}: it changed while lksym was writing")
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
