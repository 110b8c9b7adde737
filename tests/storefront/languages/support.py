"""Finding English left on a page meant to be in Chinese: every visible text and every label a person meets."""

import re
from html.parser import HTMLParser

# What may stay in Latin letters on a Chinese page: the platform's brand, the selector's own name for English
# (each language is named in itself), stock-keeping units, and the codes of currencies and countries.
ALLOWED_WORDS = frozenset({"Mercato", "English", "SKU", "USD", "JP"})
# The seller's dashboard also names the services, formats and codes a seller works with, as their own names
# (the social networks of the settings page, the image formats of the logo, barcode standards, time zones' UTC).
DASHBOARD_WORDS = ALLOWED_WORDS | {"Stripe", "CSV", "API", "HTML", "Instagram", "Facebook", "Twitter", "TikTok",
                                   "PNG", "JPEG", "GIF", "WebP", "MB", "GTIN", "EAN", "UPC", "UTC"}  # fmt: skip
# Attributes a person reads or hears (a screen reader says aria-label; a placeholder shows in the empty field).
READ_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Addresses and links are the buyer's or the store's own, not words of the interface.
NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|/\S*")


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden_depth += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.pieces.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth and data.strip():
            self.pieces.append(data)


def visible_texts(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return parser.pieces


def english_left(texts: list[str], *, seller_content: list[str], allowed: frozenset[str] = ALLOWED_WORDS) -> list[str]:
    """The pieces of ``texts`` that still hold a Latin word, once the seller's own content is taken out."""
    found = []
    for text in texts:
        rest = NOT_WORDS.sub(" ", text)
        for content in sorted(seller_content, key=len, reverse=True):
            if len(content.strip()) > 1:
                rest = rest.replace(content.strip(), " ")
        if any(word not in allowed for word in LATIN_WORD.findall(rest)):
            found.append(text.strip())
    return found
