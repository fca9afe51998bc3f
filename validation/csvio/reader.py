"""Reading an uploaded CSV: size, encoding and columns are checked before any row is."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from .formats import COLUMNS, READ_ONLY_COLUMNS, column_names

# A cell an export escaped so that spreadsheets do not run it ('=1+1) reads back as it was.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


def decode(data: bytes, *, max_bytes: int) -> str:
    """The file's text (UTF-8, with or without a byte-order mark)."""
    if len(data) > max_bytes:
        raise CsvFileError(f"The file is {len(data) / 1_048_576:.1f} MB; the limit is "
                           f"{max_bytes / 1_048_576:.0f} MB. Split it into smaller files.")
    if not data.strip():
        raise CsvFileError("The file is empty.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise CsvFileError(
            f"The file is not UTF-8 (byte 0x{data[exc.start]:02X} on line {line}). In Excel "
            "choose \u201cCSV UTF-8\u201d when saving; in Google Sheets, download as CSV."
        ) from None


def parse(text: str, kind: str) -> ParsedFile:
    """Split `text` into rows keyed by column, checking the header against the kind's format."""
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise CsvFileError(f"Line {line} contains a NUL character: this is not a text CSV file.")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise CsvFileError("The file is empty.") from None
    except csv.Error as exc:
        raise CsvFileError(f"Line 1 cannot be read as CSV: {exc}.") from None
    _check_header(header, kind)
    parsed = ParsedFile(header=header)
    start = reader.line_num + 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if len(cells) != len(header):
                    raise CsvFileError(f"Line {start} has {len(cells)} cells; the header has "
                                       f"{len(header)}. Check for a missing or extra comma.")
                parsed.rows.append((start, {name: unescape(cell)
                                            for name, cell in zip(header, cells, strict=True)}))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CsvFileError(f"Line {start} cannot be read as CSV: {exc}.") from None
    if not parsed.rows:
        raise CsvFileError("The file has a header but no rows.")
    return parsed


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
