"""The storefront themes a seller can choose; each has its own templates under templates/themes/<key>/."""

from dataclasses import dataclass


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
        Theme("classic", "Classic", "Light and airy: a product grid under a slim header.", "#1d2330", "#3355ff"),
        Theme(
            "midnight",
            "Midnight",
            "Dark and bold: a full-width hero, large type and a product list.",
            "#f5f1e8",
            "#ffb547",
        ),
    )
}
DEFAULT_THEME = "classic"


def theme_choices() -> list[tuple[str, str]]:
    return [(theme.key, theme.name) for theme in THEMES.values()]
