"""Shared checks for readers: the file exists, is not empty and is what its extension says."""

from __future__ import annotations

import os
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
