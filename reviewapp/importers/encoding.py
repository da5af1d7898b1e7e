"""Turn an uploaded byte stream into text without reading it all into memory.

Exports arrive as UTF-8 with or without a byte-order mark, UTF-16 with a BOM (EndNote on
Windows) or a legacy single-byte encoding. We pick the codec once, then decode lazily in chunks
with a C incremental decoder, turning CRLF and bare CR into "\\n" on the way.
"""

from __future__ import annotations

import codecs
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

_VALIDATE_CHUNK = 1 << 20
_SNIFF_BYTES = 4096
_SPOOL_LIMIT = 16 << 20
_READ_CHUNK = 1 << 17  # larger buffers cost fresh memory pages on every read
# Files that are not UTF-8 are read as Latin-1, except that bytes 0x80-0x9F (control characters
# in Latin-1, never meant in a bibliography) get their Windows-1252 meaning: curly quotes, dashes.
_WINDOWS_1252 = {
    byte: char
    for byte, char in zip(range(0x80, 0xA0), bytes(range(0x80, 0xA0)).decode("cp1252", "replace"))
    if char != "\ufffd"
}
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def sniff_encoding(stream: BinaryIO, *, validate_utf8: bool = True) -> str:
    """The codec for ``stream``; leaves the stream where it found it (it must be seekable).

    Without a BOM, UTF-8 is told from Latin-1 by reading the whole stream once, unless the caller
    (the RIS reader, which decodes entry by entry) says it will fall back on its own.
    """
    start = stream.tell()
    head = stream.read(_SNIFF_BYTES)
    stream.seek(start)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    bom_less_utf16 = _bom_less_utf16(head)
    if bom_less_utf16:
        return bom_less_utf16
    if not validate_utf8:
        return "utf-8"
    return "utf-8" if _is_utf8(stream) else "latin-1"


def _bom_less_utf16(head: bytes) -> str:
    """UTF-16 without a BOM shows up as a NUL in every other byte of ASCII text."""
    if len(head) < 4 or b"\x00" not in head:
        return ""
    even_nuls = head[0::2].count(0)
    odd_nuls = head[1::2].count(0)
    half = len(head) // 2
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return ""


def _is_utf8(stream: BinaryIO) -> bool:
    """Validate the whole stream in chunks; Latin-1 files almost never happen to be valid UTF-8."""
    start = stream.tell()
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(_VALIDATE_CHUNK):
            if chunk.isascii() and not decoder.getstate()[0]:
                continue  # nothing to check, and no character left open by the previous chunk
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(start)
    return True


def latin1(data: bytes) -> str:
    """Latin-1 text with Windows-1252 quotes and dashes where Latin-1 has control characters."""
    return data.decode("latin-1").translate(_WINDOWS_1252)


def decode(data: bytes) -> str:
    """Decode a whole (small) byte string the same way ``text_stream`` would."""
    with text_stream(io.BytesIO(data)) as text:
        return "".join(iter(text.read, ""))


def decode_head(head: bytes) -> str:
    """Best-effort text of the first bytes of a file, for format detection and error messages."""
    text = ""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            text = _decode_partial(head[len(bom) :], codec)
            break
    else:
        codec = _bom_less_utf16(head[:_SNIFF_BYTES]) or "utf-8"
        text = _decode_partial(head, codec)
        if "\ufffd" in text and codec == "utf-8":
            text = latin1(head)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_partial(data: bytes, codec: str) -> str:
    # A head cut mid-character is normal; only the tail may be incomplete.
    return codecs.getincrementaldecoder(codec)(errors="replace").decode(data, final=False)


class TextReader:
    """An upload as UTF-8 with "\\n" newlines, read as byte chunks, text chunks or lines.

    UTF-8 input passes through as bytes: the fast path the RIS reader uses (if the caller skipped
    validation those bytes may really be Latin-1, and the RIS reader falls back entry by entry).
    Any other codec is transcoded chunk by chunk. "\\r\\n" and a bare "\\r" (old Mac exports,
    and Web of Science RIS, which puts bare CRs inside lines) both become "\\n".
    ``io.TextIOWrapper`` would do this too, but it is twice as slow on a 260 MB file.
    """

    def __init__(self, stream: BinaryIO, encoding: str):
        self.encoding = encoding
        self._stream = stream
        self._passthrough = encoding in ("utf-8", "utf-8-sig")
        self._source_decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._text_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._at_start = True
        self._held_cr = False

    def read_bytes(self, size: int = _READ_CHUNK) -> bytes:
        """The next chunk as UTF-8 bytes, b"" at the end; never ends inside a "\\r\\n" pair."""
        data = self._stream.read(size)
        if self._passthrough:
            chunk = data.removeprefix(codecs.BOM_UTF8) if self._at_start else data
        else:
            text = self._source_decoder.decode(data, final=not data)
            if self.encoding == "latin-1":
                text = text.translate(_WINDOWS_1252)
            chunk = text.encode("utf-8")
        self._at_start = False
        if self._held_cr:
            chunk, self._held_cr = b"\r" + chunk, False
        if data and chunk.endswith(b"\r"):  # its "\n" may start the next chunk
            chunk, self._held_cr = chunk[:-1], True
        if b"\r" in chunk:
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if not chunk and data:
            return self.read_bytes(size)
        return chunk

    def read(self, size: int = _READ_CHUNK) -> str:
        """The next chunk as text, "" at the end; ``size`` counts bytes, not characters."""
        while True:
            data = self.read_bytes(size)
            text = self._text_decoder.decode(data, final=not data)
            if text or not data:
                return text

    def __iter__(self) -> Iterator[str]:
        """Lines, each ending in "\\n" except perhaps the last; only "\\n" ends a line."""
        pending: list[str] = []  # pieces of a line longer than one chunk
        while chunk := self.read():
            if "\n" not in chunk:
                pending.append(chunk)
                continue
            lines = chunk.split("\n")
            if pending:
                lines[0] = "".join(pending) + lines[0]
                pending = []
            last = lines.pop()
            for line in lines:
                yield line + "\n"
            if last:
                pending.append(last)
        if pending:
            yield "".join(pending)


@contextmanager
def seekable(stream: BinaryIO) -> Iterator[BinaryIO]:
    """``stream`` itself if it can seek (uploads normally can), else a spooled copy of it."""
    if getattr(stream, "seekable", lambda: False)():
        yield stream
        return
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_LIMIT) as spool:
        while chunk := stream.read(_VALIDATE_CHUNK):
            spool.write(chunk)
        spool.seek(0)
        yield spool  # type: ignore[misc]


@contextmanager
def text_stream(stream: BinaryIO, *, validate_utf8: bool = True) -> Iterator[TextReader]:
    """A ``TextReader`` over ``stream`` with the encoding sniffed; the stream is left open."""
    with seekable(stream) as source:
        yield TextReader(source, sniff_encoding(source, validate_utf8=validate_utf8))
