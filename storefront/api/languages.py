"""The language the store API reads a store's content in: ``?lang=``, else the one the language middleware chose."""

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext

from storefront.themes.language import LANGUAGE_PARAMETER, offered_languages, supported

LANG_DESCRIPTION = (
    "The language to read titles and descriptions in: one the store offers (its default, or an extra one). "
    "Without it, the Accept-Language header picks among them; else the store's default language. Items without a "
    "translation into it show their own text; each item's `language` says which it is in."
)


def reading_language(lang: str | None) -> str | None:
    """The extra language whose translations a public read shows, or None for the store's default language (the
    items' own text, read without a subquery). A ``lang`` the store doesn't offer is refused (422), not ignored: a
    program asking for French should learn that there is none rather than get English it takes for French."""
    offered = offered_languages()
    if lang:
        code = supported(lang)
        if code not in offered:
            message = gettext("This store doesn't offer %(language)s; it offers %(offered)s.") % {
                "language": repr(lang[:20]),
                "offered": ", ".join(offered),
            }
            raise ValidationError({LANGUAGE_PARAMETER: [message]})
    else:
        # The middleware already weighed the cookie and Accept-Language against the store's languages.
        code = translation.get_language()
    return code if code in offered[1:] else None


def default_language() -> str:
    """The language a store's own titles and descriptions are written in."""
    return offered_languages()[0]
