"""Writing report sheets with XlsxWriter: typed cells, and text that can never become a formula.

Every cell is written with the writer for its type (``write_string``, ``write_number``,
``write_datetime``), never the guessing ``write``, which would turn a note starting with ``=``
into a live formula. Text from outside (titles, notes, reasons the portal wrote) that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is also stored with Excel's
*quote prefix*: the text stays exactly as it was, and Excel keeps treating it as text even when
someone edits the cell. Formulas are only ever the report's own (totals), built from cell
addresses, and carry their computed value so that readers that do not recalculate see it.

Excel has no time zones: date-times are written as wall-clock times in the report's zone, and
the header says which.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

__all__ = ["FORMULA_PREFIXES", "Column", "Sheet", "local_time", "new_workbook"]

#: Leading characters that spreadsheet programs read as the start of a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_MAX_TEXT = 32_767  # Excel's limit for one cell


@dataclass(frozen=True)
class Column:
    """One column: its header, its kind (text, int, number, money, date, datetime) and width."""

    header: str
    kind: str = "text"
    width: float = 14


def local_time(value: datetime, zone: ZoneInfo) -> datetime:
    """``value`` as a wall-clock time in ``zone`` without zone info (what Excel stores).

    A naive value is UTC: SQLite hands back what it stored without the offset.
    """
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(zone).replace(tzinfo=None)


def new_workbook(path: str, *, constant_memory: bool = False) -> Workbook:
    """A workbook that never converts strings into numbers, formulas or links by itself.

    ``constant_memory`` flushes each row once a later one is written: rows must come in order.
    """
    return Workbook(
        path,
        {
            "constant_memory": constant_memory,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "default_date_format": "yyyy-mm-dd",
        },
    )


class Sheet:
    """A worksheet with a header row, typed columns, and one format per kind."""

    def __init__(self, workbook: Workbook, name: str, columns: Sequence[Column], zone: ZoneInfo) -> None:
        self.sheet: Worksheet = workbook.add_worksheet(name)
        self.columns = list(columns)
        self.zone = zone
        self.row = 0
        self.formats: dict[str, Format] = {
            "header": workbook.add_format({"bold": True, "bg_color": "#DDE4EE", "bottom": 1}),
            "text": workbook.add_format(),
            "quoted": workbook.add_format({"quote_prefix": True}),
            "int": workbook.add_format({"num_format": "0"}),
            "number": workbook.add_format({"num_format": "0.0"}),
            "money": workbook.add_format({"num_format": "#,##0.00"}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
            "total": workbook.add_format({"bold": True, "top": 1}),
            "total_money": workbook.add_format({"bold": True, "top": 1, "num_format": "#,##0.00"}),
            "total_int": workbook.add_format({"bold": True, "top": 1, "num_format": "0"}),
        }
        for index, column in enumerate(self.columns):
            self.sheet.set_column(index, index, column.width)

    def header(self) -> None:
        """The header row, frozen so it stays in view; date-time headers name the time zone."""
        for index, column in enumerate(self.columns):
            title = f"{column.header} ({self.zone.key})" if column.kind == "datetime" else column.header
            self.sheet.write_string(0, index, title, self.formats["header"])
        self.sheet.freeze_panes(1, 0)
        self.row = 1

    def text(self, row: int, col: int, value: str, fmt: Format | None = None) -> None:
        """Text from anywhere, written as text, quote-prefixed when it looks like a formula."""
        value = value[:_MAX_TEXT]
        if value.startswith(FORMULA_PREFIXES):
            self.sheet.write_string(row, col, value, self.formats["quoted"])
        elif value:
            self.sheet.write_string(row, col, value, fmt or self.formats["text"])

    def cell(self, row: int, col: int, value: Any) -> None:
        """One value with the writer and format of its column's kind; None leaves the cell empty."""
        if value is None or value == "":
            return
        kind = self.columns[col].kind
        if kind == "text":
            self.text(row, col, str(value))
        elif kind == "datetime":
            self.sheet.write_datetime(row, col, local_time(value, self.zone), self.formats["datetime"])
        elif kind == "date":
            assert isinstance(value, date)
            self.sheet.write_datetime(
                row, col, datetime(value.year, value.month, value.day), self.formats["date"]
            )
        else:
            number = float(value) if isinstance(value, Decimal) else value
            self.sheet.write_number(row, col, number, self.formats[kind])

    def append(self, values: Sequence[Any]) -> int:
        """Write a row of values below the last; returns its index."""
        row = self.row
        for col, value in enumerate(values):
            self.cell(row, col, value)
        self.row += 1
        return row

    def finish(self, last_data_row: int) -> None:
        """Filters over the header and the data rows (not the totals below them)."""
        self.sheet.autofilter(0, 0, max(last_data_row, 0), len(self.columns) - 1)
