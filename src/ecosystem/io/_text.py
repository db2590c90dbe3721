"""Decoding text files as spreadsheets export them: UTF-8 (with or without BOM) or Windows-1252.

Dutch Excel saves "CSV (puntkomma-gescheiden)" in Windows-1252, the Windows code page for
Western European languages, with ``;`` between fields and a decimal comma. A file that is not
valid UTF-8 is read as Windows-1252 (or Latin-1 for the five bytes Windows-1252 leaves
undefined), and the choice is written in the read report.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ecosystem.core.errors import ConfigError, FormatError
from ecosystem.core.report import Collector
from ecosystem.io._files import sniff_binary

#: Encodings tried, in order, when none is given.
DETECTED = ("utf-8", "cp1252", "latin-1")
_NAMES = {"utf_8": "UTF-8", "utf_8_sig": "UTF-8", "cp1252": "Windows-1252",
          "latin_1": "Latin-1", "iso8859_1": "Latin-1"}


def _label(encoding: str) -> str:
    return _NAMES.get(codecs.lookup(encoding).name.replace("-", "_"), encoding)


def decode(raw: bytes, path: Path, expected: str, *, encoding: str | None,
           notes: Collector | None) -> str:
    """The text of ``raw``: decoded with ``encoding``, or detected (UTF-8, then Windows-1252).

    A forced encoding that fails raises FormatError naming the line and byte and the option.
    A byte-order mark is removed (and noted). The detected encoding is noted when it is not
    UTF-8.
    """
    source = str(path)
    what = sniff_binary(raw[:512])
    if what is not None:
        raise FormatError(f"this is {what}, not a {expected} file", source=source)
    bom = raw.startswith(codecs.BOM_UTF8)
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except (LookupError, TypeError):
            raise ConfigError(f"encoding={encoding!r} is not a known text encoding; use e.g. "
                              "'utf-8' or 'cp1252' (Windows-1252), or None to detect it",
                              source=source, field="encoding") from None
        try:
            text = raw.decode("utf-8-sig" if _label(encoding) == "UTF-8" else encoding)
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise FormatError(
                f"byte 0x{raw[exc.start]:02x} at line {line} (byte {exc.start}) cannot be "
                f"decoded as {_label(encoding)}, the encoding given with encoding=; pass the "
                "file's real encoding (e.g. encoding='cp1252' for Windows-1252) or "
                "encoding=None to detect it", source=source, line=line) from None
        chosen = _label(encoding)
    else:
        try:
            text = raw.decode("utf-8-sig")
            chosen = "UTF-8"
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            try:
                text, chosen = raw.decode("cp1252"), "Windows-1252"
            except UnicodeDecodeError:
                text, chosen = raw.decode("latin-1"), "Latin-1"
            if notes is not None:
                notes.info("format", source, f"encoding: read as {chosen} (not valid UTF-8 at "
                           f"line {line}); pass encoding= to choose another")
    if bom and chosen == "UTF-8" and notes is not None:
        notes.info("format", source, "encoding: UTF-8 with a byte-order mark (removed)",
                   change=False)
    if encoding is not None and notes is not None:
        notes.info("format", source, f"encoding: {chosen} (given)", change=False)
    if not text.strip():
        raise FormatError(f"file holds only whitespace; expected a {expected} file",
                          source=source)
    return text
