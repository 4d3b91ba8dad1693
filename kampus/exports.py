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
