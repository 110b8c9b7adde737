"""CSV files people open in a spreadsheet: text that would run as a formula there is written with a leading '."""

# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str) -> str:
    """``text`` as a spreadsheet will show it, never run it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
