"""Shared file handling: readers' checks (exists, not empty, what its extension says) and
writers' atomic replacement (temporary file in the target folder, fsync, rename)."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ecosystem.core.errors import FormatError

PathLike = str | os.PathLike[str]

_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (for instance an Excel .xlsx workbook)",
    b"\xd0\xcf\x11\xe0": "an old binary Office file (.xls)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\x1f\x8b": "a gzip archive",
    b"\x80": "a Python pickle (never loaded: pickles can run code)",
}


def check_file(path: PathLike, expected: str) -> Path:
    """Return ``path`` as a Path after checking it exists and is not empty.

    ``expected`` names the format for messages, e.g. ``"CSV"``.
    """
    p = Path(path)
    if not p.exists():
        raise FormatError(f"file not found; expected a {expected} file", source=str(p))
    if p.is_dir():
        raise FormatError(f"is a folder; expected a {expected} file", source=str(p))
    if p.stat().st_size == 0:
        raise FormatError(f"file is empty; expected a {expected} file", source=str(p))
    return p


def sniff_binary(head: bytes) -> str | None:
    """Name the binary format ``head`` starts with, or None if it looks like text."""
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            return what
    if b"\x00" in head:
        return "a binary file"
    return None


def read_text(path: Path, expected: str) -> str:
    """Read a UTF-8 text file (a BOM is allowed), refusing binary files with a clear error."""
    raw = path.read_bytes()
    what = sniff_binary(raw[:512])
    if what is not None:
        raise FormatError(f"this is {what}, not a {expected} file", source=str(path))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FormatError(
            f"not valid UTF-8 text at line {line} (byte {exc.start}); save the {expected} file "
            "as UTF-8", source=str(path),
        ) from None
    if not text.strip():
        raise FormatError(f"file holds only whitespace; expected a {expected} file",
                          source=str(path))
    return text


# ---------------------------------------------------------------------------------- writing
def _temporary(target: Path) -> Path:
    """Create an empty temporary file next to ``target`` (same folder, so rename is atomic).

    Created with mode 0o666 minus the umask, as ``open(..., "w")`` would; when ``target``
    exists its permission bits are copied, so replacing a file keeps its permissions.
    """
    folder = target.parent
    if not folder.is_dir():
        raise FormatError("the folder does not exist; create it first", source=str(target))
    for _ in range(100):
        tmp = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        with contextlib.suppress(OSError):
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        return tmp
    raise FormatError("cannot create a temporary file next to it", source=str(target))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Persist a rename (POSIX); a no-op where folders cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_paths(*targets: PathLike) -> Iterator[list[Path]]:
    """Temporary paths to write instead of ``targets``; on success they replace the targets.

    Inside the ``with`` block, write each file completely to its temporary path (in the same
    folder as its target). When the block ends without an exception every temporary file is
    flushed to disk (``os.fsync``) and then renamed onto its target with ``os.replace``, which
    is atomic: a reader (or a crash) sees the old file or the new one, never half of one. When
    the block raises, the temporary files are removed and the targets are untouched.

    Several targets (the actors and ties files of a CSV pair) are replaced together: all are
    written and synced before the first rename; if a later rename fails, the earlier targets
    are restored from hard-linked backups, so the pair stays consistent.
    """
    paths = [Path(t) for t in targets]
    if len({p.resolve() for p in paths}) != len(paths):
        raise FormatError("the same file is given twice; give each table its own file",
                          source=", ".join(map(str, paths)))
    temps: list[Path] = []
    try:
        for p in paths:
            temps.append(_temporary(p))
        yield temps
        for tmp in temps:
            _fsync(tmp)
        _replace_all(temps, paths)
    finally:
        for tmp in temps:
            with contextlib.suppress(OSError):
                tmp.unlink()
    for folder in {p.parent for p in paths}:
        _fsync_folder(folder)


def _replace_all(temps: Sequence[Path], paths: Sequence[Path]) -> None:
    if len(paths) == 1:
        os.replace(temps[0], paths[0])
        return
    backups: list[tuple[Path | None, Path]] = []
    try:
        for tmp, target in zip(temps, paths, strict=True):
            backup = None
            if target.exists():
                backup = target.parent / f".{target.name}.{secrets.token_hex(4)}.bak"
                os.link(target, backup)
            backups.append((backup, target))
            os.replace(tmp, target)
    except BaseException:
        for backup, target in reversed(backups):  # undo the renames already done
            with contextlib.suppress(OSError):
                if backup is None:
                    target.unlink()
                else:
                    os.replace(backup, target)
        raise
    finally:
        for backup, _ in backups:
            if backup is not None:
                with contextlib.suppress(OSError):
                    backup.unlink()


def write_text_atomic(path: PathLike, text: str, *, what: str = "file") -> None:
    """Encode ``text`` as UTF-8 (refusing what cannot be encoded before touching any file)
    and write it atomically to ``path``."""
    data = utf8(text, source=str(path), what=what)
    with atomic_paths(path) as (tmp,):
        tmp.write_bytes(data)


def utf8(text: str, *, source: str, what: str = "file") -> bytes:
    """``text`` encoded as UTF-8; a lone surrogate (which UTF-8 cannot hold) raises."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = text[exc.start:exc.end]
        context = text[max(exc.start - 30, 0):exc.start]
        raise FormatError(
            f"the {what} would hold the character U+{ord(bad[0]):04X} (a lone surrogate, "
            f"after {context!r}), which UTF-8 cannot encode; nothing was written. Fix the "
            "text (it often comes from a wrongly decoded file)", source=source) from None


def write_files_atomic(writers: Sequence[tuple[PathLike, Callable[[Path], None]]]) -> None:
    """Run each ``writer(temporary_path)`` and replace all targets together (see
    :func:`atomic_paths`)."""
    with atomic_paths(*(p for p, _ in writers)) as temps:
        for tmp, (_, writer) in zip(temps, writers, strict=True):
            writer(tmp)
