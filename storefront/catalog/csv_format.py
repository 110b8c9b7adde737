"""The catalog CSV format: one row per variant, its columns, and checks and conversions of single cells."""

import csv
import re
from collections.abc import Iterator
from typing import TextIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from platform.kit.spreadsheet import FORMULA_STARTS, formula_safe

# In export order. Rows of one product share its handle (slug); the variant is found by its SKU.
COLUMNS = [
    "handle",
    "title",
    "description",
    "status",
    "tags",
    "seo_title",
    "seo_description",
    "option1_name",
    "option1_value",
    "option2_name",
    "option2_value",
    "option3_name",
    "option3_value",
    "sku",
    "price",
    "compare_at_price",
    "track_inventory",
    "continue_selling_when_out_of_stock",
    "stock",
    "weight_grams",
]
# A product's title and description in another language: "title:zh-hans", "description:zh-hans" (after COLUMNS in an
# export, one pair per extra language the store offers). Blank cells leave a translation as it is.
TRANSLATED_FIELDS = ("title", "description")
TRANSLATED_COLUMNS = [f"{field}:{code}" for code, _name in settings.LANGUAGES for field in TRANSLATED_FIELDS]
REQUIRED_COLUMNS = ["sku"]
TEXT_COLUMNS = (
    {"title", "description", "tags", "seo_title", "seo_description", "sku"}
    | {f"option{n}_{part}" for n in (1, 2, 3) for part in ("name", "value")}
    | set(TRANSLATED_COLUMNS)
)
# The bounds the seller API puts on the same fields.
STOCK_RANGE = {"minimum": -1_000_000, "maximum": 1_000_000_000}
WEIGHT_RANGE = {"minimum": 0, "maximum": 100_000_000}
TRUE_WORDS = {"true", "yes", "1", "y"}
FALSE_WORDS = {"false", "no", "0", "n"}


def validate_header(stream: TextIO) -> list[str]:
    """Problems with a CSV's header row (and the file as a whole), or [] when it can be imported."""
    reader = csv.reader(stream)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            example = ",".join(COLUMNS[:3]) + ",…"
            return [_("The CSV is empty: line 1 must name the columns, e.g. %(example)s") % {"example": example}]
        names = [cell.strip().lower() for cell in header]
        problems = []
        unknown = [name or "(blank)" for name in names if name not in COLUMNS and name not in TRANSLATED_COLUMNS]
        if unknown:
            problems.append(
                _(
                    "Line 1 has unknown column(s): %(unknown)s. Columns this import reads: %(columns)s, and "
                    "translations as %(translated)s."
                )
                % {
                    "unknown": ", ".join(unknown),
                    "columns": ", ".join(COLUMNS),
                    "translated": ", ".join(TRANSLATED_COLUMNS),
                }
            )
        duplicated = sorted({name for name in names if names.count(name) > 1})
        if duplicated:
            problems.append(_("Line 1 names these columns twice: %(columns)s.") % {"columns": ", ".join(duplicated)})
        missing = [name for name in REQUIRED_COLUMNS if name not in names]
        if missing:
            problems.append(
                _("Line 1 lacks the column(s) %(columns)s: rows are matched to variants by SKU.")
                % {"columns": ", ".join(missing)}
            )
        for n in (1, 2, 3):
            if (f"option{n}_name" in names) != (f"option{n}_value" in names):
                problems.append(
                    _("Columns %(name)s and %(value)s go together.")
                    % {"name": f"option{n}_name", "value": f"option{n}_value"}
                )
        if not problems and next(reader, None) is None:
            problems.append(_("The CSV has a header but no rows."))
        # Read to the end: a line the csv module can't parse (a bare carriage return in an unquoted cell) must
        # refuse the file here, before the import starts, not stop it halfway.
        for _row in reader:
            pass
        return problems
    except csv.Error as error:
        return [_("The file is not a readable CSV: %(error)s.") % {"error": error}]


def read_rows(stream: TextIO) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number where the row starts, {column: cell}) for each data row.

    Cells come stripped and un-escaped; a row with more cells than the header gets the key "" for the excess.
    """
    reader = csv.reader(stream)
    header = [cell.strip().lower() for cell in next(reader)]
    line = reader.line_num + 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            row = {
                name: unescape(cells[index].strip()) if index < len(cells) else "" for index, name in enumerate(header)
            }
            if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
                row[""] = ",".join(cells[len(header) :])
            yield line, row
        line = reader.line_num + 1


def escape(column: str, value: str) -> str:
    return formula_safe(value) if column in TEXT_COLUMNS else value


def unescape(value: str) -> str:
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def parse_bool(value: str, *, column: str) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError({column: [_("Use true or false, not %(value)s.") % {"value": repr(value)}]})


def parse_int(value: str, *, column: str, minimum: int, maximum: int) -> int:
    # Digits 0-9 only: int() also reads "١٢", "1_000" and "+5", none of which a spreadsheet cell means.
    text = value.strip()
    if not re.fullmatch(r"-?[0-9]{1,12}", text):
        message = _("Use a whole number written with the digits 0-9, not %(value)s.") % {"value": repr(value)}
        raise ValidationError({column: [message]})
    number = int(text)
    if not minimum <= number <= maximum:
        message = _("Use a number from %(minimum)s to %(maximum)s.") % {
            "minimum": f"{minimum:,}",
            "maximum": f"{maximum:,}",
        }
        raise ValidationError({column: [message]})
    return number


def translated_columns(languages: list[str]) -> list[str]:
    """The translation columns of an export for ``languages``, in order."""
    return [f"{field}:{language}" for language in languages for field in TRANSLATED_FIELDS]


def row_translations(row: dict[str, str]) -> dict[str, dict[str, str]]:
    """The non-blank translation cells of a row, as ``{language: {field: text}}``."""
    found: dict[str, dict[str, str]] = {}
    for column, value in row.items():
        field, colon, language = column.partition(":")
        if colon and value and column in TRANSLATED_COLUMNS:
            found.setdefault(language, {})[field] = value
    return found
