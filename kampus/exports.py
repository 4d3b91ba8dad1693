"""Spreadsheet-safe exports: the one CSV writer and the one .xlsx writer every export uses.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is read by spreadsheet programs as a formula (CSV injection). Following the
OWASP rule, such a CSV cell is written with a leading single quote, so it shows as
the text it is. Numbers are written as they are (a negative score is no formula).

CSV is separated by ``;`` and starts with a UTF-8 byte-order mark: Excel in a
Finnish or Swedish locale (decimal comma) splits only on ``;`` and reads the
letters ä and ö right only with the mark.

In an .xlsx file a text cell is never a formula, so text goes in as it is, and
openpyxl is told that a text starting with ``=`` is text (it would otherwise
write it as a formula). Dates and numbers are typed cells. The workbook is
written with openpyxl's write-only mode into a temporary file, so memory stays
a row whatever the number of rows.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_DELIMITER = ";"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


_STARTS = frozenset(FORMULA_STARTS)
#: Characters that make the csv writer quote a cell (QUOTE_MINIMAL with ``;``).
_QUOTED = frozenset(';"\r\n')


def safe_cell(value) -> object:
    """``value`` made safe for a spreadsheet cell: text that could start a formula gets a leading ``'``."""
    if type(value) is str:  # the common case first
        return "'" + value if value[:1] in _STARTS else value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _writer(buffer):
    return csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")


def csv_cell(value) -> str:
    """One cell as :func:`csv_chunks` writes it inside a line: through :func:`safe_cell`, then
    quoted as the csv writer quotes it. For exports that build their lines from parts
    encoded once (:func:`csv_line_chunks`)."""
    cell = safe_cell(value)
    if type(cell) is str and (cell == "" or _QUOTED.isdisjoint(cell)):
        return cell
    buffer = io.StringIO()
    _writer(buffer).writerow([cell])
    return buffer.getvalue()[:-2]


def csv_line_chunks(header: Iterable, lines: Iterable[str], *, bom: bool = True, rows_per_chunk: int = 1000):
    """:func:`csv_chunks` for rows already encoded as CSV lines (``\\r\\n`` included), every
    cell of them written with :func:`csv_cell`: the header line, then chunks of ``rows_per_chunk`` lines."""
    yield "".join(csv_chunks(header, (), bom=bom))
    held: list[str] = []
    for line in lines:
        held.append(line)
        if len(held) == rows_per_chunk:
            yield "".join(held)
            held.clear()
    yield "".join(held)


def csv_text(header: Iterable, rows: Iterable[Iterable], *, bom: bool = True) -> str:
    """CSV text (``;``-separated, CRLF line ends) of ``header`` and ``rows``, every cell through :func:`safe_cell`.

    With ``bom`` the text starts with a UTF-8 byte-order mark, so spreadsheet
    programs read the letters ä and ö right.
    """
    return "".join(csv_chunks(header, rows, bom=bom))


def csv_chunks(header: Iterable, rows: Iterable[Iterable], *, bom: bool = True, rows_per_chunk: int = 1000):
    """:func:`csv_text` as a stream of text chunks of ``rows_per_chunk`` rows each, for a
    streamed response: memory stays one chunk whatever the number of rows."""
    buffer = io.StringIO()
    writer = _writer(buffer)
    if bom:
        buffer.write("\ufeff")
    writer.writerow([safe_cell(c) for c in header])
    starts = frozenset(FORMULA_STARTS)
    for n, row in enumerate(rows, start=1):
        # Text that cannot start a formula, and whole numbers, are what safe_cell
        # would return anyway; skipping the call for them halves the time of a large export.
        writer.writerow(
            [c if (type(c) is str and c[:1] not in starts) or type(c) is int else safe_cell(c) for c in row]
        )
        if n % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_chunks(header: list, rows: Iterable[Iterable], *, sheet: str = "Kampus", chunk_size: int = 64 * 1024):
    """An .xlsx workbook of one sheet (bold, frozen header row with an autofilter) as a stream of bytes.

    Rows hold text, numbers, dates or None (an empty cell). Text is always a text
    cell, never a formula; characters XML cannot carry are dropped."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet_ = workbook.create_sheet(title=sheet[:31])
    sheet_.freeze_panes = "A2"
    for index, title in enumerate(header, start=1):
        sheet_.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(str(title)) + 4))
    bold = Font(bold=True)

    def text_cell(value: str):
        cell = WriteOnlyCell(sheet_, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # openpyxl would take a leading "=" for a formula
        return cell

    def header_cell(value):
        cell = text_cell(str(value))
        cell.font = bold
        return cell

    sheet_.append([header_cell(h) for h in header])
    count = 0
    for row in rows:
        sheet_.append(
            [text_cell(c) if type(c) is str and (c[:1] == "=" or ILLEGAL_CHARACTERS_RE.search(c)) else c for c in row]
        )
        count += 1
    sheet_.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(chunk_size):
            yield chunk
