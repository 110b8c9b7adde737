"""Reading database ids from URLs and forms: anything that isn't a plain positive bigint is simply no id."""

# PostgreSQL's bigint; a longer number would make the query itself fail.
MAX_ID = 2**63 - 1


def parse_id(value: object) -> int | None:
    """The id ``value`` spells in ASCII digits, or None (so "²", "-1", "1e3" and 30-digit numbers are no id)."""
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def id_or_404(value: object, *, message: str = "No such page.") -> int:
    """The id a URL segment spells, or a 404 with ``message`` (for views that take ids as ``<str:…>``)."""
    from django.http import Http404

    number = parse_id(value)
    if number is None:
        raise Http404(message)
    return number
