"""CSV files people open in a spreadsheet: text that would run as a formula there is written with a leading '."""

import csv
from collections.abc import Iterable, Iterator

# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str) -> str:
    """``text`` as a spreadsheet will show it, never run it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a streamed response."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Each row as one CSV line, made only when asked for (a streamed download never holds the whole file)."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)
