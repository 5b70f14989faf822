"""CSV cells that a spreadsheet shows as text, never runs as a formula.

Scraped values such as ``=HYPERLINK("http://evil.example","Click")`` or
``@SUM(...)`` become live formulas when the exported CSV is opened in Excel,
LibreOffice or Google Sheets (CSV injection). Following OWASP's advice, a
text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading ``'``, which spreadsheets read as "this is text". The
csv module already quotes separators and quotes inside the cell. Numbers that
leadq stored as numbers (a rating, a review count) are not scraped text and
are left alone; E.164 phone numbers, which start with ``+``, do get the quote.
JSON Lines export is not for spreadsheets and stays unescaped.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """``value`` as a CSV cell that cannot start a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: csv_cell(value) for key, value in row.items()}
