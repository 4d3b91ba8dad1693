"""Spreadsheet-safe CSV: the one writer every CSV export uses.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is read by spreadsheet programs as a formula (CSV injection). Following the
OWASP rule, such a cell is written with a leading single quote, so it shows as
the text it is. Numbers are written as they are (a negative score is no formula).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> object:
    """``value`` made safe for a spreadsheet cell: text that could start a formula gets a leading ``'``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(header: Iterable, rows: Iterable[Iterable], *, bom: bool = True) -> str:
    """CSV text (CRLF line ends) of ``header`` and ``rows`` with every cell passed through :func:`safe_cell`.

    With ``bom`` the text starts with a UTF-8 byte-order mark, so spreadsheet
    programs read the letters ä and ö right.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in header])
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return ("\ufeff" if bom else "") + buffer.getvalue()


def csv_chunks(header: Iterable, rows: Iterable[Iterable], *, bom: bool = True, rows_per_chunk: int = 1000):
    """:func:`csv_text` as a stream of text chunks of ``rows_per_chunk`` rows each, for a
    streamed response: memory stays one chunk whatever the number of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write("\ufeff")
    writer.writerow([safe_cell(c) for c in header])
    starts = frozenset(FORMULA_STARTS)
    for n, row in enumerate(rows, start=1):
        # Text that cannot start a formula is what safe_cell would return anyway;
        # skipping the call for it halves the time of a large export.
        writer.writerow([c if type(c) is str and c[:1] not in starts else safe_cell(c) for c in row])
        if n % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
