"""Reading an uploaded CSV: size, encoding and columns are checked before any row is.

An upload is read as a stream (scan): its size is checked before anything is read, then it is
decoded and split into rows as it is read, so a file is never held twice in memory and a file
larger than the limit is refused after at most the limit has been read."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from .formats import COLUMNS, READ_ONLY_COLUMNS, column_names

# A cell an export escaped so that spreadsheets do not run it ('=1+1) reads back as it was.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# How much of an upload is read at a time.
CHUNK_BYTES = 64 * 1024


class CsvFileError(ValueError):
    """The file as a whole cannot be imported; the message says why and what to do."""


@dataclass
class ParsedFile:
    header: list[str]
    # (line number where the row starts, {column: cell}) for each non-empty row
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def unescape(cell: str) -> str:
    if len(cell) > 1 and cell[0] == "'" and cell[1] in FORMULA_STARTS:
        return cell[1:]
    return cell


def check_size(size: int, *, max_bytes: int) -> None:
    """Refuse a file of `size` bytes over `max_bytes`, before any of it is read."""
    if size > max_bytes:
        raise CsvFileError(f"The file is {size / 1_048_576:.1f} MB; the limit is "
                           f"{max_bytes / 1_048_576:.0f} MB. Split it into smaller files.")


class _Capped(io.RawIOBase):
    """`stream` read as is, refused as soon as more than `max_bytes` have come out of it: the
    size a file claims is checked first, this holds whatever it claimed."""

    def __init__(self, stream: IO[bytes], max_bytes: int) -> None:
        super().__init__()
        self.stream, self.max_bytes, self.count = stream, max_bytes, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.stream.read(len(buffer))
        self.count += len(data)
        if self.count > self.max_bytes:
            raise CsvFileError(f"The file is larger than the limit, "
                               f"{self.max_bytes / 1_048_576:.0f} MB. Split it into smaller files.")
        buffer[:len(data)] = data
        return len(data)


def _not_utf8(stream: IO[bytes]) -> CsvFileError:
    """The refusal of a file that is not UTF-8, naming its first bad byte and that byte's line
    (read again from the start, chunk by chunk: the text reader does not say where it was)."""
    advice = ("In Excel choose \u201cCSV UTF-8\u201d when saving; in Google Sheets, download as "
              "CSV.")
    try:
        stream.seek(0)
    except (AttributeError, OSError, ValueError):
        return CsvFileError(f"The file is not UTF-8. {advice}")
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines_before = 0
    while True:
        chunk = stream.read(CHUNK_BYTES)
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            # exc.object: this chunk, after at most 3 bytes of an unfinished character (never a
            # line end) carried from the one before.
            line = lines_before + exc.object[:exc.start].count(b"\n") + 1
            return CsvFileError(f"The file is not UTF-8 (byte 0x{exc.object[exc.start]:02X} on "
                                f"line {line}). {advice}")
        if not chunk:
            return CsvFileError(f"The file is not UTF-8. {advice}")
        lines_before += chunk.count(b"\n")


def _checked_lines(lines: Iterable[str]) -> Iterator[str]:
    for number, line in enumerate(lines, start=1):
        if "\x00" in line:
            raise CsvFileError(f"Line {number} contains a NUL character: this is not a text CSV "
                               "file.")
        yield line


def _rows(lines: Iterable[str], kind: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header, checked against the kind's format, and an iterator over the non-empty rows
    (line where the row starts, {column: cell}) that refuses the file at its first bad line."""
    reader = csv.reader(_checked_lines(lines), strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise CsvFileError("The file is empty.") from None
    except csv.Error as exc:
        raise CsvFileError(f"Line 1 cannot be read as CSV: {exc}.") from None
    if not any(header):
        # Only blank lines (or none) below a blank first line: an empty file.
        rest = list(reader)
        if not any(cell.strip() for cells in rest for cell in cells):
            raise CsvFileError("The file is empty.")
    _check_header(header, kind)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        start = reader.line_num + 1
        found = False
        try:
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    if len(cells) != len(header):
                        raise CsvFileError(f"Line {start} has {len(cells)} cells; the header has "
                                           f"{len(header)}. Check for a missing or extra comma.")
                    found = True
                    yield start, {name: unescape(cell)
                                  for name, cell in zip(header, cells, strict=True)}
                start = reader.line_num + 1
        except csv.Error as exc:
            raise CsvFileError(f"Line {start} cannot be read as CSV: {exc}.") from None
        if not found:
            raise CsvFileError("The file has a header but no rows.")

    return header, rows()


def parse(text: str, kind: str) -> ParsedFile:
    """Split `text` into rows keyed by column, checking the header against the kind's format."""
    header, rows = _rows(io.StringIO(text, newline=""), kind)
    return ParsedFile(header=header, rows=list(rows))


@dataclass
class ScannedFile:
    text: str  # the whole file, decoded, as the import job keeps it until it has run
    total_rows: int


def scan(stream: IO[bytes], kind: str, *, max_bytes: int) -> ScannedFile:
    """Read an uploaded file as a stream — decoded (UTF-8, with or without a byte-order mark)
    and split into CSV rows as it is read, never more than `max_bytes` of it — checking its
    encoding, header and rows' shape; returns its text and how many rows it has. Refuses the
    file with a CsvFileError at the first problem."""
    text = io.TextIOWrapper(io.BufferedReader(_Capped(stream, max_bytes), CHUNK_BYTES),
                            encoding="utf-8-sig", newline="")
    kept: list[str] = []

    def keep(lines: Iterable[str]) -> Iterator[str]:
        for line in lines:
            kept.append(line)
            yield line

    try:
        _, rows = _rows(keep(text), kind)
        total = sum(1 for _ in rows)
    except UnicodeDecodeError:
        raise _not_utf8(stream) from None
    # Closing `text` closes only the _Capped wrapper: the upload is its owner's (Django's) to close.
    return ScannedFile(text="".join(kept), total_rows=total)


def _check_header(header: list[str], kind: str) -> None:
    known = set(column_names(kind)) | set(READ_ONLY_COLUMNS[kind])
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise CsvFileError(f"Column {', '.join(duplicates)} appears more than once.")
    unknown = [name for name in header if name not in known]
    if unknown:
        raise CsvFileError(
            f"Unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}. The "
            f"columns of this kind are: {', '.join(column_names(kind))}.")
    missing = [c.name for c in COLUMNS[kind] if c.required and c.name not in header]
    if missing:
        raise CsvFileError(f"Missing required column{'s' if len(missing) > 1 else ''} "
                           f"{', '.join(missing)}. Download the template for the expected columns.")
