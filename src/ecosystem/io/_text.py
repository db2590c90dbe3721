"""Decoding text files as spreadsheets export them: UTF-8 (with or without BOM) or Windows-1252.

Dutch Excel saves "CSV (puntkomma-gescheiden)" in Windows-1252, the Windows code page for
Western European languages, with ``;`` between fields and a decimal comma. A file that is not
valid UTF-8 is read as Windows-1252 (or Latin-1 for the five bytes Windows-1252 leaves
undefined), and the choice is written in the read report.
"""

from __future__ import annotations

import codecs
import mmap
import re
from pathlib import Path

import numpy as np

from ecosystem.core.errors import ConfigError, FormatError
from ecosystem.core.report import Collector
from ecosystem.io._files import sniff_binary

#: Encodings tried, in order, when none is given.
DETECTED = ("utf-8", "cp1252", "latin-1")
_NAMES = {"utf_8": "UTF-8", "utf_8_sig": "UTF-8", "cp1252": "Windows-1252",
          "latin_1": "Latin-1", "iso8859_1": "Latin-1"}


def _label(encoding: str) -> str:
    return _NAMES.get(codecs.lookup(encoding).name.replace("-", "_"), encoding)


#: Files from this size on are mapped into memory, not copied (see :func:`contents`).
MAPPED_FROM = 1 << 20
#: A file's bytes: ``bytes``, or a read-only :class:`mmap.mmap` of a large file (sliced,
#: searched with ``find`` and given to parsers as a buffer, like bytes; never ``in``, which
#: an mmap reads as one byte).
Raw = bytes | mmap.mmap


def contents(path: Path) -> Raw:
    """The bytes of the file at ``path``; from :data:`MAPPED_FROM` bytes on, mapped.

    Mapping spares the copy of a large file and the first touch of as much new memory: an
    ASCII CSV of 63 MB is checked and parsed about 0.06 s sooner (2 cores). Parsers copy what
    they keep, so the mapping ends with the last reference to it.
    """
    with path.open("rb") as f:
        if path.stat().st_size < MAPPED_FROM:
            return f.read()
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def _is_ascii(raw: Raw) -> bool:
    if isinstance(raw, bytes):
        return raw.isascii()
    return bool(np.frombuffer(raw, dtype=np.uint8).max(initial=0) < 128)


class Decoded:
    """A file's bytes with the encoding chosen for them; the text is decoded on first use.

    ``utf8`` gives the bytes a parser that wants UTF-8 can read (the file's own bytes when
    they are UTF-8, without a byte-order mark), so a large UTF-8 file is not decoded twice.
    ``raw`` is a mapping of a large ASCII file (see :func:`contents`), else bytes.
    """

    __slots__ = ("_text", "_utf8", "codec", "label", "raw")

    def __init__(self, raw: Raw, codec: str, label: str, text: str | None = None) -> None:
        self.raw, self.codec, self.label, self._text = raw, codec, label, text
        self._utf8: Raw | None = None

    @property
    def text(self) -> str:
        """The decoded text (a byte-order mark removed)."""
        if self._text is None:
            self._text = str(self.raw, self.codec)
        return self._text

    @property
    def utf8(self) -> Raw:
        """The text as UTF-8 bytes without a byte-order mark (encoded once)."""
        if self._utf8 is None:
            if self.label == "UTF-8":
                bom = self.raw[:3] == codecs.BOM_UTF8
                self._utf8 = self.raw[3:] if bom else self.raw
            else:
                self._utf8 = self.text.encode("utf-8")
        return self._utf8

    def head(self, size: int = 65536) -> str:
        """The first ``size`` bytes' text, for looking at the header line."""
        if self._text is not None:
            return self._text[:size]
        return self.raw[:size].decode(self.codec, errors="ignore")


# an ASCII character that is not str.isspace() (str.strip() removes those)
_ASCII_TEXT = re.compile(rb"[^ \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f]")


def decode(raw: bytes, path: Path, expected: str, *, encoding: str | None,
           notes: Collector | None) -> str:
    """The text of ``raw``: decoded with ``encoding``, or detected (UTF-8, then Windows-1252).

    See :func:`read_text`, which this returns the text of.
    """
    return read_text(raw, path, expected, encoding=encoding, notes=notes).text


def read_text(raw: Raw, path: Path, expected: str, *, encoding: str | None,
              notes: Collector | None) -> Decoded:
    """``raw`` with its encoding: ``encoding``, or detected (UTF-8, then Windows-1252).

    A forced encoding that fails raises FormatError naming the line and byte and the option.
    A byte-order mark is removed (and noted). The detected encoding is noted when it is not
    UTF-8. A file of ASCII bytes is UTF-8 without decoding it here (and stays mapped where
    it was); any other is decoded from a copy as bytes.
    """
    source = str(path)
    what = sniff_binary(raw[:512])
    if what is not None:
        raise FormatError(f"this is {what}, not a {expected} file", source=source)
    if encoding is None and _is_ascii(raw):
        if _ASCII_TEXT.search(raw) is None:
            raise FormatError(f"file holds only whitespace; expected a {expected} file",
                              source=source)
        return Decoded(raw, "utf-8", "UTF-8")
    if not isinstance(raw, bytes):
        raw = raw[:]
    text, chosen = _decode(raw, source, encoding, notes)
    if not text or text.isspace():
        raise FormatError(f"file holds only whitespace; expected a {expected} file",
                          source=source)
    return Decoded(raw, "utf-8-sig" if chosen == "UTF-8" else str(encoding or chosen), chosen,
                   text)


def _decode(raw: bytes, source: str, encoding: str | None,
            notes: Collector | None) -> tuple[str, str]:
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
    return text, chosen
