"""Forms of the seller dashboard."""

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from storefront.catalog.models import Product
from storefront.themes.models import (
    CURRENCIES,
    DEFAULT_TIMEZONE,
    Page,
    StoreProfile,
    known_timezones,
    language_choices,
)
from storefront.themes.registry import theme_choices
from storefront.themes.services import not_offered_message
from tenants.models import Role

# The select groups the places by continent or ocean; the old aliases ("US/Eastern", "EST5EDT", "Etc/GMT+5")
# stay valid on the model but would only make the list longer and harder to read.
TIMEZONE_REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian",
                    "Pacific")  # fmt: skip


def _utc_offset(name: str, now: datetime) -> str:
    offset = now.astimezone(ZoneInfo(name)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def timezone_choices(current: str = "") -> list:
    """UTC first, then every place grouped by region and sorted by name, each with its UTC offset right now.

    ``current`` is kept as a choice even when it is an alias outside the regions, so saving the form doesn't
    refuse the zone the store already has.
    """
    now = timezone.now()
    regions: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(known_timezones()):
        region, _, place = name.partition("/")
        if region in TIMEZONE_REGIONS and place:
            label = f"{place.replace('_', ' ')} ({_utc_offset(name, now)})"
            regions.setdefault(region, []).append((name, label))
    choices: list = [(DEFAULT_TIMEZONE, "UTC")]
    is_alias = current.partition("/")[0] not in TIMEZONE_REGIONS
    if current != DEFAULT_TIMEZONE and is_alias and current in known_timezones():
        choices.append((current, f"{current} ({_utc_offset(current, now)})"))
    choices.extend((region, places) for region, places in regions.items())
    return choices


class StoreSettingsForm(forms.ModelForm):
    name = forms.CharField(max_length=100, label=_("Store name"))
    theme = forms.ChoiceField(choices=theme_choices, widget=forms.RadioSelect, label=_("Theme"))
    currency = forms.ChoiceField(choices=CURRENCIES, label=_("Currency"))
    language = forms.ChoiceField(
        choices=language_choices,
        label=_("Default language"),
        required=False,  # left out of a post: the store keeps its language
        help_text=_("The language your store's pages, checkout and emails are in unless a buyer picks another."),
    )
    extra_languages = forms.MultipleChoiceField(
        choices=language_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Also offer"),
        help_text=_("Buyers switch to these with the language selector in your store's header."),
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,  # left out of a post: the store keeps its zone
        help_text=_("Sales days, order date filters, exports and the times in this dashboard follow it."),
        error_messages={"invalid_choice": _("%(value)s is not a time zone we know; choose one from the list.")},
    )
    logo_upload = forms.FileField(required=False, label=_("Logo"), help_text=_("PNG, JPEG, GIF or WebP, up to 5 MB."))
    list_in_directory = forms.BooleanField(
        required=False, initial=True, label=_("List my products in the Mercato search directory")
    )
    hide_sold_out_in_directory = forms.BooleanField(
        required=False, label=_("Keep sold-out products out of the directory")
    )

    class Meta:
        model = StoreProfile
        fields = ["tagline", "theme", "primary_colour", "accent_colour", "currency", "timezone", "language",
                  "extra_languages", "contact_email",
                  "seo_title", "seo_description", "instagram_url", "facebook_url", "x_url", "tiktok_url"]  # fmt: skip
        widgets = {"primary_colour": forms.TextInput(attrs={"type": "color"}),
                   "accent_colour": forms.TextInput(attrs={"type": "color"})}  # fmt: skip
        # The model's field names would read "Seo title", "Tiktok url", and are not translated.
        labels = {"tagline": _("Tagline"), "primary_colour": _("Primary colour"), "accent_colour": _("Accent colour"),
                  "contact_email": _("Contact email"), "seo_title": _("SEO title"),
                  "seo_description": _("SEO description"), "instagram_url": _("Instagram URL"),
                  "facebook_url": _("Facebook URL"), "x_url": _("X (Twitter) URL"),
                  "tiktok_url": _("TikTok URL")}  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.timezone if self.instance is not None else ""
        cast(forms.ChoiceField, self.fields["timezone"]).choices = timezone_choices(current)

    def clean_timezone(self) -> str:
        return self.cleaned_data["timezone"] or self.instance.timezone or DEFAULT_TIMEZONE

    def clean_language(self) -> str:
        return self.cleaned_data["language"] or self.instance.language

    def clean_extra_languages(self) -> list[str]:
        if "extra_languages" not in self.data and "language" not in self.data:
            return list(self.instance.extra_languages or [])  # a post without the language fields changes neither
        return list(self.cleaned_data["extra_languages"])


class HomepageForm(forms.ModelForm):
    hero_upload = forms.FileField(required=False, label=_("Hero image"), help_text=_("Up to 5 MB."))
    featured_products = forms.ModelMultipleChoiceField(
        queryset=Product.objects.filter(status=Product.Status.ACTIVE), required=False,
        widget=forms.CheckboxSelectMultiple, label=_("Featured products"),
    )  # fmt: skip

    class Meta:
        model = StoreProfile
        fields = ["hero_title", "hero_text", "show_featured_products", "featured_products", "featured_collection"]
        # The model's own names are not translated.
        labels = {"hero_title": _("Hero title"), "hero_text": _("Hero text"),
                  "show_featured_products": _("Show featured products"),
                  "featured_collection": _("Featured collection")}  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Django's own blank choice ("- Select an option -") has no Chinese in its catalogue: name ours.
        cast(forms.ModelChoiceField, self.fields["featured_collection"]).empty_label = _("Choose one")


class PageForm(forms.Form):
    title = forms.CharField(max_length=120, label=_("Title"))
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 12}), required=False, label=_("Body"),
                           help_text=_("HTML is allowed: paragraphs, headings, lists, links, bold and italics."))  # fmt: skip
    is_published = forms.BooleanField(required=False, initial=True, label=_("Published"))


class NavigationForm(forms.Form):
    """Up to eight menu entries; an entry with an empty label is dropped."""

    def __init__(self, *args: Any, pages: list[Page], initial_links: list[dict], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        page_choices = [("", _("— a URL instead —"))] + [(str(page.pk), page.title) for page in pages]
        self.pages = {str(page.pk): page for page in pages}
        for index in range(8):
            link = initial_links[index] if index < len(initial_links) else {}
            self.fields[f"label_{index}"] = forms.CharField(max_length=40, required=False, initial=link.get("label"))
            self.fields[f"page_{index}"] = forms.ChoiceField(
                choices=page_choices, required=False, initial=link.get("page_id")
            )
            self.fields[f"url_{index}"] = forms.CharField(max_length=300, required=False, initial=link.get("url"))

    def links(self) -> list[dict]:
        result = []
        for index in range(8):
            label = self.cleaned_data.get(f"label_{index}", "").strip()
            if label:
                page = self.pages.get(self.cleaned_data.get(f"page_{index}") or "")
                result.append({"label": label, "page": page, "url": "" if page else self.cleaned_data[f"url_{index}"]})
        return result

    def rows(self) -> list[tuple]:
        return [(self[f"label_{i}"], self[f"page_{i}"], self[f"url_{i}"]) for i in range(8)]


class ContentTranslationsForm(forms.Form):
    """Texts of a collection or page in each of the store's extra languages (``<language>-<field>``); a posted
    field of a language the store doesn't offer is refused by name rather than ignored."""

    # (field, label with %(language)s, max_length); no max_length means a long HTML text.
    text_fields: tuple[tuple[str, Any, int | None], ...] = ()

    def __init__(self, *args: Any, languages: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.languages = languages
        names = dict(settings.LANGUAGES)
        for language in languages:
            for name, label, max_length in self.text_fields:
                attrs = {"lang": language}
                widget = forms.TextInput(attrs) if max_length else forms.Textarea({**attrs, "rows": 8})
                self.fields[f"{language}-{name}"] = forms.CharField(
                    required=False, max_length=max_length, label=label % {"language": names[language]}, widget=widget
                )

    @classmethod
    def of(cls, rows: Iterable[Any], languages: list[str]) -> "ContentTranslationsForm":
        """The form filled with the saved translation ``rows``."""
        names = [name for name, _label, _length in cls.text_fields]
        initial = {f"{row.language}-{name}": getattr(row, name) for row in rows for name in names}
        return cls(initial=initial, languages=languages)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        suffixes = tuple(f"-{name}" for name, _label, _length in self.text_fields)
        for key in self.data:
            language = key.rsplit("-", 1)[0]
            if key.endswith(suffixes) and language not in self.languages:
                raise forms.ValidationError(not_offered_message(language, self.languages))
        return cleaned

    def texts(self) -> dict[str, dict[str, str]]:
        """``{language: {field: text}}`` for every extra language (empty texts remove a translation)."""
        return {
            language: {name: self.cleaned_data.get(f"{language}-{name}", "") for name, _l, _m in self.text_fields}
            for language in self.languages
        }


class CollectionTranslationsForm(ContentTranslationsForm):
    text_fields = (
        ("title", _("Title in %(language)s"), 200),
        ("description", _("Description in %(language)s"), None),
    )


class PageTranslationsForm(ContentTranslationsForm):
    text_fields = (("title", _("Title in %(language)s"), 120), ("body", _("Text in %(language)s"), None))


# A menu translation's field: "<link id>-<language>-label".
_MENU_FIELD = re.compile(r"^(?P<link>[0-9]+)-(?P<language>.+)-label$")


class MenuTranslationsForm(forms.Form):
    """Each menu entry's label in each of the store's extra languages (``<link id>-<language>-label``)."""

    def __init__(self, *args: Any, links: list[Any], languages: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.languages, self.link_ids = languages, [link.pk for link in links]
        names = dict(settings.LANGUAGES)
        for link in links:
            saved = {row.language: row.label for row in link.translations.all()}
            for language in languages:
                self.fields[f"{link.pk}-{language}-label"] = forms.CharField(
                    required=False,
                    max_length=40,
                    initial=saved.get(language, ""),
                    label=_("“%(label)s” in %(language)s") % {"label": link.label, "language": names[language]},
                    widget=forms.TextInput({"lang": language}),
                )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for key in self.data:
            found = _MENU_FIELD.match(key)
            if found is None:
                continue
            if found["language"] not in self.languages:
                raise forms.ValidationError(not_offered_message(found["language"], self.languages))
            if int(found["link"]) not in self.link_ids:
                raise forms.ValidationError(_("This menu has no such entry; reload the page."))
        return cleaned

    def labels(self) -> dict[int, dict[str, str]]:
        """``{link id: {language: label}}``; an empty label removes that language's."""
        return {
            link_id: {language: self.cleaned_data.get(f"{link_id}-{language}-label", "") for language in self.languages}
            for link_id in self.link_ids
        }


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.STAFF, label=_("Role"))


class DomainForm(forms.Form):
    domain = forms.CharField(max_length=253, label=_("Domain"), help_text=_("For example shop.example.com"))


class CloseStoreForm(forms.Form):
    confirmation = forms.CharField(max_length=100, label=_("Type the store's name to confirm"))


class DashboardLoginForm(forms.Form):
    email = forms.EmailField(max_length=254, label=_("Email"))
    password = forms.CharField(max_length=128, widget=forms.PasswordInput, label=_("Password"))


class AcceptInvitationForm(forms.Form):
    password = forms.CharField(max_length=128, widget=forms.PasswordInput,
                               help_text=_("Your Mercato password, or a new one if you don't have an account yet."))  # fmt: skip


class ChoosePlanForm(forms.Form):
    """A plan and a billing interval, from the billing page (billing.models.Plan, Subscription.Interval)."""

    plan = forms.SlugField(max_length=40)
    interval = forms.ChoiceField(choices=[("month", "Monthly"), ("year", "Yearly")], initial="month")
