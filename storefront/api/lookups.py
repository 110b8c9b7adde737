"""Finding a row of this store named in a URL, or answering 404 with what was not found."""

from django.http import Http404


def found[T](value: T | None, what: str) -> T:
    if value is None:
        raise Http404(f"No {what} in this store.")
    return value
