"""CSV cells that a spreadsheet shows as text, never runs as a formula (CSV injection).

File and folder names in ``problems.csv`` come from students; a cell starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is a formula to Excel and LibreOffice. Following OWASP's
advice such a cell gets a leading apostrophe, which spreadsheets show as text.
"""
from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """``value`` as a CSV cell that no spreadsheet evaluates."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
