"""A store's brand, homepage, pages and navigation; one StoreProfile row per store schema."""

import zoneinfo
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from platform.kit.translation_models import TranslationRow, translation_constraints, translation_ordering

from .registry import DEFAULT_THEME, theme_choices

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour like #1d2330."))

CURRENCIES = [("USD", _("US dollar")), ("EUR", _("Euro")), ("GBP", _("Pound sterling")),
              ("CAD", _("Canadian dollar")), ("AUD", _("Australian dollar")), ("JPY", _("Japanese yen")),
              ("CHF", _("Swiss franc")), ("SEK", _("Swedish krona")), ("CNY", _("Chinese yuan (renminbi)"))]  # fmt: skip

DEFAULT_TIMEZONE = "UTC"


@cache
def known_timezones() -> frozenset[str]:
    """The IANA zone names this machine's time-zone database knows (read from disk once per process).

    "localtime" is left out: it names whatever zone the server happens to run in, not a place.
    """
    return frozenset(zoneinfo.available_timezones() - {"localtime"})


def validate_timezone(name: str) -> None:
    if name not in known_timezones():
        message = _("“%(name)s” is not a time zone we know; choose one like Europe/Berlin or UTC.")
        raise ValidationError(message % {"name": name})


DEFAULT_LANGUAGE = "en"


def language_choices() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


def validate_languages(codes: object) -> None:
    known = dict(settings.LANGUAGES)
    if not isinstance(codes, list) or not all(isinstance(code, str) and code in known for code in codes):
        raise ValidationError(_("Choose languages from: %(codes)s.") % {"codes": ", ".join(known)})


class StoreProfile(models.Model):
    """The singleton row of settings a seller edits in the dashboard (the store's name lives on tenants.Store)."""

    tagline = models.CharField(max_length=140, blank=True)
    logo = models.ImageField(upload_to="brand/", blank=True)
    theme = models.CharField(max_length=30, choices=theme_choices(), default=DEFAULT_THEME)
    primary_colour = models.CharField(max_length=7, validators=[hex_colour], default="#1d2330")
    accent_colour = models.CharField(max_length=7, validators=[hex_colour], default="#3355ff")
    currency = models.CharField(max_length=3, choices=CURRENCIES, default="USD")
    # The zone the store's days are counted in (sales overview, order filters, exports, the dashboard's times).
    timezone = models.CharField("Time zone", max_length=64, default=DEFAULT_TIMEZONE, validators=[validate_timezone])
    # The language buyers see first; the others listed are offered in the header's language selector.
    language = models.CharField("Default language", max_length=10, choices=language_choices, default=DEFAULT_LANGUAGE)
    extra_languages = models.JSONField(default=list, blank=True, validators=[validate_languages])
    contact_email = models.EmailField(blank=True)
    seo_title = models.CharField(max_length=70, blank=True)
    seo_description = models.CharField(max_length=160, blank=True)
    hero_title = models.CharField(max_length=120, blank=True)
    hero_text = models.CharField(max_length=300, blank=True)
    hero_image = models.ImageField(upload_to="brand/", blank=True)
    show_featured_products = models.BooleanField(default=True)
    featured_products = models.ManyToManyField("catalog.Product", blank=True, related_name="+")
    featured_collection = models.ForeignKey(
        "catalog.Collection", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    instagram_url = models.URLField(blank=True)
    facebook_url = models.URLField(blank=True)
    x_url = models.URLField("X (Twitter) URL", blank=True)
    tiktok_url = models.URLField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="themes_storeprofile_singleton")]

    def __str__(self) -> str:
        return f"Store profile ({self.theme})"

    def offered_languages(self) -> list[str]:
        """The default language first, then the other offered ones (each once, only ones the platform has)."""
        known = dict(settings.LANGUAGES)
        default = self.language if self.language in known else DEFAULT_LANGUAGE
        extra = [code for code in self.extra_languages or [] if code in known and code != default]
        return [default, *dict.fromkeys(extra)]

    def social_links(self) -> list[tuple[str, str]]:
        links = [("Instagram", self.instagram_url), ("Facebook", self.facebook_url), ("X", self.x_url),
                 ("TikTok", self.tiktok_url)]  # fmt: skip
        return [(label, url) for label, url in links if url]


# The Contact page's text is shown above the contact form, at /contact/, where the menu's Contact entry goes: the
# page itself has no form, so /pages/contact/ sends buyers on to it.
CONTACT_PAGE_SLUG = "contact"
CONTACT_FORM_PATH = "/contact/"


class Page(models.Model):
    """A custom page (About, Shipping & returns, Contact...); body is sanitised HTML."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=120)
    body = models.TextField(blank=True)
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class NavigationLink(models.Model):
    """One entry of the store's header menu: a page of the store or any URL."""

    label = models.CharField(max_length=40)
    page = models.ForeignKey(Page, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    url = models.CharField(max_length=300, blank=True, help_text="A path on this store (/...) or a full https:// URL.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def href(self) -> str:
        return f"/pages/{self.page.slug}/" if self.page is not None else self.url


class PageTranslation(TranslationRow):
    """A page's title and body in one of the store's extra languages (docs/storefront.md, "Languages")."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="translations")
    title = models.CharField(max_length=120)
    # Sanitised HTML, like Page.body (the service cleans it).
    body = models.TextField(blank=True)

    owner_field, text_field = "page", "title"

    class Meta:
        ordering = translation_ordering("page")
        constraints = translation_constraints(owner_field="page", text_field="title", prefix="themes_page_translation")


class NavigationLinkTranslation(TranslationRow):
    """A menu entry's label in one of the store's extra languages; the link's own label is in the default one."""

    link = models.ForeignKey(NavigationLink, on_delete=models.CASCADE, related_name="translations")
    label = models.CharField(max_length=40)

    owner_field, text_field = "link", "label"

    class Meta:
        ordering = translation_ordering("link")
        constraints = translation_constraints(owner_field="link", text_field="label", prefix="themes_link_translation")
