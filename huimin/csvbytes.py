"""The byte pass over a CSV file, before any parser: its records counted from the raw bytes
(quote-aware, vectorised), the physical line where each record starts, line endings made LF
outside quoted values, and where a stray quote breaks the file.

The parser's row count is compared with this count (:mod:`huimin.readers`): a file whose two
counts differ is refused, naming the line where they part.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from huimin.errors import DataFileError

TRANSCODE_CHUNK = 16 << 20
QUOTE, CR, LF = ord('"'), ord("\r"), ord("\n")
CSV_FIX = "save it as CSV in UTF-8 (Excel: 'CSV UTF-8 (逗号分隔)') or as .xlsx"


@dataclass(frozen=True)
class CsvLayout:
    """What the pre-pass learned from a CSV file's bytes, without any CSV parser.

    ``path`` is a UTF-8 copy in the work folder whose line breaks outside quoted values are all
    LF (CR LF and a bare CR become LF; breaks inside quotes are kept as they are). ``records``
    counts records as the parser counts them: every LF outside quotes ends one (a blank line is
    a record of empty fields) and text after the last one is one more.
    """

    path: Path
    encoding: str
    records: int
    #: the physical line each record starts on; None when every record is one line
    starts: npt.NDArray[np.int64] | None

    def start_line(self, record: int) -> int:
        """The line (1-based, every line break counted) where record ``record`` starts."""
        if self.starts is None:
            return record + 1
        return int(self.starts[record])


def _bytes_of(path: Path, encoding: str, start: int) -> Iterator[bytes]:
    """The file's bytes as UTF-8, chunk by chunk (GB18030 transcoded on the way)."""
    decoder = codecs.getincrementaldecoder(encoding)() if encoding == "gb18030" else None
    done = start
    with path.open("rb") as src:
        src.seek(start)
        try:
            while chunk := src.read(TRANSCODE_CHUNK):
                yield decoder.decode(chunk).encode("utf-8") if decoder else chunk
                done += len(chunk)
            if decoder:
                yield decoder.decode(b"", final=True).encode("utf-8")
        except UnicodeDecodeError as exc:
            raise DataFileError(
                path,
                f"is not text in UTF-8 or GBK (byte {done + exc.start} cannot be decoded)",
                CSV_FIX,
            ) from exc


def _next_is_lf(buf: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    out = np.zeros(buf.shape, dtype=bool)
    out[:-1] = buf[1:] == LF
    return out


def normalise_csv(path: Path, encoding: str, target: Path) -> CsvLayout:
    """Copy ``path`` to ``target`` as UTF-8 with LF line ends, counting its records.

    Quote-aware and vectorised: a byte is inside a quoted value when an odd number of ``"``
    precede it (a doubled ``""`` flips twice). A CR outside quotes ends a line like LF does
    (old Mac exports), so it becomes LF; CR LF becomes LF. The count and the line each record
    starts on come from these bytes alone, so the parser's own count can be checked against it.
    """
    skip = len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0
    inside = False  # quote parity carried from one chunk to the next
    lines = 0  # physical line breaks written so far
    records = 0
    tail = 0  # bytes written since the last record end
    # per chunk: the line each record end lies on (first line and count when one line each)
    parts: list[npt.NDArray[np.int64] | tuple[int, int]] = []
    multi = False
    with target.open("wb") as dst:
        for data in _chunks_with_held_cr(_bytes_of(path, encoding, skip)):
            buf = np.frombuffer(data, dtype=np.uint8)
            if not buf.size:
                continue
            quoted = np.logical_xor.accumulate(buf == QUOTE)
            if inside:
                quoted = ~quoted
            inside = bool(quoted[-1])
            cr = buf == CR
            if cr.any():
                outside_cr = cr & ~quoted
                crlf = outside_cr & _next_is_lf(buf)
                buf = buf.copy()
                buf[outside_cr & ~crlf] = LF
                if crlf.any():
                    keep = ~crlf
                    buf, quoted = buf[keep], quoted[keep]
                cr = buf == CR  # those left are inside quoted values
            lf = buf == LF
            ends = lf & ~quoted
            breaks = lf | (cr & ~_next_is_lf(buf)) if cr.any() else lf
            n_breaks = int(np.count_nonzero(breaks))
            end_at = np.flatnonzero(ends)
            if end_at.size != n_breaks:
                multi = True
                at = np.searchsorted(np.flatnonzero(breaks), end_at)
                parts.append(at.astype(np.int64) + lines + 1)
            else:
                parts.append((lines + 1, int(end_at.size)))
            records += end_at.size
            tail = buf.size - 1 - int(end_at[-1]) if end_at.size else tail + buf.size
            lines += n_breaks
            dst.write(buf.tobytes())
    if tail:
        records += 1
    starts = None
    if multi:
        ends_on = [
            part if isinstance(part, np.ndarray) else np.arange(part[0], part[0] + part[1])
            for part in parts
        ]
        # a record starts on the line after the one where the previous record ends
        starts = np.concatenate([np.zeros(1, dtype=np.int64), *ends_on])[:records] + 1
    return CsvLayout(target, encoding, records, starts)


def _chunks_with_held_cr(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Chunks where a trailing CR is moved to the next chunk (is it CR LF or a bare CR?)."""
    held = b""
    for chunk in chunks:
        data = held + chunk
        held = b""
        if data.endswith(b"\r"):
            data, held = data[:-1], b"\r"
        yield data
    if held:
        yield held


def locate_stray_quote(layout: CsvLayout, separator: str) -> tuple[int, str] | None:
    """The first line where a quote character stands where CSV does not allow one.

    A value may be quoted as a whole (``"a, b"``; a quote inside it is doubled: ``""``);
    a quote that opens in the middle of a value, closes before the value ends, or never closes
    makes parsers disagree on where records end. Returns (line, what is wrong) or None.
    """
    sep = ord(separator)
    inside = False
    lines = 0
    prev = LF  # the file starts like a line does
    last_open: int | None = None
    with layout.path.open("rb") as src:
        while chunk := src.read(TRANSCODE_CHUNK):
            peek = src.read(1)
            if peek:
                src.seek(-1, io.SEEK_CUR)
            buf = np.frombuffer(chunk, dtype=np.uint8)
            before = np.concatenate([np.array([prev], dtype=np.uint8), buf[:-1]])
            after = np.concatenate([buf[1:], np.frombuffer(peek or b"\n", dtype=np.uint8)])
            is_quote = buf == QUOTE
            quoted = np.logical_xor.accumulate(is_quote)
            if inside:
                quoted = ~quoted
            opens = is_quote & quoted
            closes = is_quote & ~quoted
            bad_open = opens & (before != sep) & (before != LF) & (before != QUOTE)
            bad_close = closes & (after != sep) & (after != LF) & (after != QUOTE)
            breaks = (buf == LF) | ((buf == CR) & (after != LF))
            bad = np.flatnonzero(bad_open | bad_close)
            if bad.size:
                line = lines + 1 + int(np.count_nonzero(breaks[: bad[0]]))
                return line, 'a quote character (") stands inside an unquoted value'
            open_at = np.flatnonzero(opens)
            if open_at.size:
                last_open = lines + 1 + int(np.count_nonzero(breaks[: open_at[-1]]))
            inside = bool(quoted[-1])
            lines += int(np.count_nonzero(breaks))
            prev = int(buf[-1])
    if inside and last_open is not None:
        return last_open, "a quoted value opened on this line is never closed"
    return None
