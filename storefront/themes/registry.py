"""The storefront themes a seller can choose; each has its own templates under templates/themes/<key>/."""

from dataclasses import dataclass

from django.utils.translation import gettext, gettext_noop


@dataclass(frozen=True)
class Theme:
    key: str
    name: str
    description: str
    default_primary: str
    default_accent: str


THEMES: dict[str, Theme] = {
    theme.key: theme
    for theme in (
        Theme(
            "classic",
            gettext_noop("Classic"),
            "Light and airy: a product grid under a slim header.",
            "#1d2330",
            "#3355ff",
        ),
        Theme(
            "midnight",
            gettext_noop("Midnight"),
            "Dark and bold: a full-width hero, large type and a product list.",
            "#f5f1e8",
            "#ffb547",
        ),
    )
}
DEFAULT_THEME = "classic"


def theme_choices() -> list[tuple[str, str]]:
    # The names are marked where the themes are declared and translated here, in the language of the page.
    return [(theme.key, gettext(theme.name)) for theme in THEMES.values()]
