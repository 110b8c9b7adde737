"""Changes to a store's design and content; callers run them in that store's schema."""

import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from platform.kit.translation_models import TranslationRow
from storefront.page_cache import invalidate_store_pages
from storefront.richtext import clean_html

from .models import (
    CONTACT_FORM_PATH,
    CONTACT_PAGE_SLUG,
    NavigationLink,
    NavigationLinkTranslation,
    Page,
    PageTranslation,
    StoreProfile,
)
from .registry import THEMES
from .selectors import forget_store_profile, translatable_languages

# Checks another app runs before the store's currency changes; each raises ValidationError to refuse it. The
# catalog registers one at start-up (its prices must be writable in the new currency), so themes, which the
# catalog builds on, never imports it.
_currency_checks: list[Callable[[str], None]] = []


def add_currency_check(check: Callable[[str], None]) -> None:
    if check not in _currency_checks:
        _currency_checks.append(check)


# What other apps keep by the store's days and recompute, in the same transaction, when its time zone changes
# (orders registers its sales day totals at start-up, so themes never imports orders).
_timezone_listeners: list[Callable[[], None]] = []


def on_timezone_changed(listener: Callable[[], None]) -> None:
    if listener not in _timezone_listeners:
        _timezone_listeners.append(listener)


LOGO_MAX_BYTES = 5 * 1024 * 1024
LOGO_MAX_PIXELS = 25_000_000
LOGO_BOX = (600, 600)
HERO_BOX = (2000, 1200)

# What a new store's pages say until the seller writes their own: words for buyers, true of any store on Mercato.
# (What the seller should put there is said in the dashboard's Pages, not on the store.)
DEFAULT_PAGES = (
    (
        "about",
        "About",
        "<p>We are an independent store selling on Mercato. Every product has its own page with its details, its "
        "price and whether it is in stock.</p>"
        '<p>A question about an item or an order? <a href="/contact/">Write to us</a> and we will answer by '
        "email.</p>",
    ),
    (
        "shipping-returns",
        "Shipping & returns",
        "<h2>Shipping</h2>"
        "<p>We ship to the countries you can choose at checkout. The shipping methods for your address and their "
        "prices are shown at checkout, before you pay.</p>"
        "<p>When your order is on its way we email you the carrier and the tracking number, with a link to follow "
        "the parcel where the carrier has one.</p>"
        "<h2>Returns</h2>"
        "<p>Open your order from the link in its confirmation email: once it has been sent, its page lets you ask "
        'to return items and says until when you can. For anything else, <a href="/contact/">write to us</a>.</p>',
    ),
    (CONTACT_PAGE_SLUG, "Contact", "<p>Write to us with this form and we will answer you by email.</p>"),
)


def install_default_content(*, store_name: str, contact_email: str = "") -> None:
    """Give a new store its profile, the three standard pages and a header menu."""
    StoreProfile.objects.create(
        pk=1,
        contact_email=contact_email,
        hero_title=f"Welcome to {store_name}",
        hero_text="Take a look around.",
        seo_title=store_name[:70],
    )
    pages = Page.objects.bulk_create(Page(slug=slug, title=title, body=body) for slug, title, body in DEFAULT_PAGES)
    NavigationLink.objects.bulk_create(
        [NavigationLink(label="Shop", url="/", position=0)]
        + [
            # The Contact entry goes to the form itself, which shows the Contact page's text above it.
            NavigationLink(label=page.title, url=CONTACT_FORM_PATH, position=index + 1)
            if page.slug == CONTACT_PAGE_SLUG
            else NavigationLink(label=page.title, page=page, position=index + 1)
            for index, page in enumerate(pages)
        ]
    )


def resized_image(upload: UploadedFile, *, box: tuple[int, int], field: str) -> ContentFile:
    """Validate an uploaded image and return it shrunk to fit ``box`` as PNG (logos) or JPEG (photos).

    Raises ValidationError keyed by ``field`` for files that are too large, not images, or decompression bombs.
    """
    if upload.size and upload.size > LOGO_MAX_BYTES:
        megabytes = upload.size // (1024 * 1024)
        raise ValidationError({field: _("The image is %(size)s MB; the limit is 5 MB.") % {"size": megabytes}})
    try:
        with Image.open(upload) as probe:
            width, height = probe.size
            if width * height > LOGO_MAX_PIXELS:
                raise ValidationError({field: _("The image has too many pixels; use one under 25 megapixels.")})
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            has_alpha = image.mode in ("RGBA", "LA", "P")
            resized = image.convert("RGBA" if has_alpha else "RGB")
            resized.thumbnail(box)
            buffer = io.BytesIO()
            resized.save(buffer, format="PNG" if has_alpha else "JPEG", quality=88)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as error:
        raise ValidationError(
            {field: _("That file isn't an image we can read (use PNG, JPEG, GIF or WebP).")}
        ) from error
    extension = "png" if has_alpha else "jpg"
    return ContentFile(buffer.getvalue(), name=f"{field}.{extension}")


@transaction.atomic
def update_profile(*, profile: StoreProfile, logo: UploadedFile | None = None,
                   hero_image: UploadedFile | None = None, **fields: object) -> StoreProfile:  # fmt: skip
    """Save profile fields (already validated by the form) and any new, resized logo or hero image.

    Switching theme while keeping the old theme's default colours switches to the new theme's defaults too, so
    that dark text never lands on the dark theme just because the seller didn't touch the colour pickers.
    """
    # Read from the database: a ModelForm has already copied the new values onto ``profile``.
    saved: Mapping[str, Any] = (
        StoreProfile.objects.filter(pk=profile.pk).values("theme", "currency", "timezone").first() or {}
    )
    old_theme = THEMES.get(saved.get("theme", ""))
    new_currency = str(fields.get("currency", profile.currency))
    if saved and new_currency != saved["currency"]:
        for check in _currency_checks:
            check(new_currency)
    new_theme = THEMES.get(str(fields.get("theme", profile.theme)))
    for name, value in fields.items():
        setattr(profile, name, value)
    if old_theme and new_theme and old_theme != new_theme:
        if profile.primary_colour.lower() == old_theme.default_primary:
            profile.primary_colour = new_theme.default_primary
        if profile.accent_colour.lower() == old_theme.default_accent:
            profile.accent_colour = new_theme.default_accent
    if logo is not None:
        profile.logo.save("logo", resized_image(logo, box=LOGO_BOX, field="logo"), save=False)
    if hero_image is not None:
        profile.hero_image.save("hero", resized_image(hero_image, box=HERO_BOX, field="hero_image"), save=False)
    profile.full_clean(exclude=["logo", "hero_image", "featured_products"])
    profile.save()
    forget_store_profile()
    if saved and profile.timezone != saved["timezone"]:
        for listener in _timezone_listeners:
            listener()
    return profile


@transaction.atomic
def set_featured_products(*, profile: StoreProfile, products: Iterable[Any]) -> None:
    profile.featured_products.set(products)
    forget_store_profile()


@transaction.atomic
def save_page(*, page: Page | None, title: str, body: str, is_published: bool, slug: str = "") -> Page:
    """Create or update a custom page; the body is sanitised before it is stored."""
    page = page or Page(slug=slug or slugify(title)[:80])
    if not page.slug:
        raise ValidationError({"title": _("Give the page a title with at least one letter or digit.")})
    if page.pk is None and Page.objects.filter(slug=page.slug).exists():
        raise ValidationError(
            {
                "title": _("A page at %(address)s exists already; choose another title.")
                % {"address": f"/pages/{page.slug}/"}
            }
        )
    page.title, page.body, page.is_published = title, clean_html(body), is_published
    page.full_clean()
    page.save()
    invalidate_store_pages()
    return page


@transaction.atomic
def replace_navigation(*, links: list[dict]) -> list[NavigationLink]:
    """Replace the header menu with ``links`` (dicts with label and page or url), in that order. A link whose label
    the menu had already keeps that label's translations: the menu is saved whole, so its rows are new each time."""
    kept_labels: dict[str, dict[str, str]] = {}
    for row in NavigationLinkTranslation.objects.select_related("link"):
        kept_labels.setdefault(row.link.label, {})[row.language] = row.label
    NavigationLink.objects.all().delete()
    created = []
    for position, link in enumerate(links):
        url = link.get("url", "")
        if url and not (url.startswith("/") or url.startswith("https://") or url.startswith("http://")):
            raise ValidationError({"url": _('"%(url)s" must start with / or https://.') % {"url": url}})
        created.append(
            NavigationLink.objects.create(label=link["label"], page=link.get("page"), url=url, position=position)
        )
    NavigationLinkTranslation.objects.bulk_create(
        NavigationLinkTranslation(link=link, language=language, label=label)
        for link in created
        for language, label in kept_labels.get(link.label, {}).items()
    )
    invalidate_store_pages()
    return created


# NavigationLink.label's length, which a translated label keeps so the header fits it alike.
MENU_LABEL_LENGTH = 40


def not_offered_message(language: str, languages: list[str]) -> str:
    """Why a translation into ``language`` is refused: the store doesn't offer it as an extra language."""
    offered = ", ".join(languages) or _("none: add languages in Settings first")
    return _("This store doesn't offer %(language)s as an extra language (%(offered)s).") % {
        "language": repr(language),
        "offered": offered,
    }


def save_translations(
    model: type[TranslationRow], *, owner: dict[str, Any], texts: Mapping[str, Mapping[str, str]], prefix: str = ""
) -> None:
    """Write ``texts`` (``{language: {field: text}}``, already trimmed; ``model.text_field`` is the one a row must
    have) as ``model`` rows of ``owner`` (``{field: instance}``); all of a language's texts empty removes its row.
    Refused whole, writing nothing, with every error found (keyed ``<language>.<field>``, after ``prefix.`` when one
    is given), when one language is wrong; the caller's service holds the transaction."""
    languages = translatable_languages()
    errors: dict[str, list[str]] = {}
    rows: list[TranslationRow] = []
    gone: list[str] = []
    for language, fields in texts.items():
        if language not in languages:
            errors[f"{language}.language"] = [not_offered_message(language, languages)]
        elif not any(fields.values()):
            gone.append(language)
        elif not fields[model.text_field]:
            errors[f"{language}.{model.text_field}"] = [_("Give the title in this language too, or leave both empty.")]
        else:
            row = model(**owner, language=language, **fields)
            try:
                row.full_clean(exclude=list(owner), validate_unique=False, validate_constraints=False)
            except ValidationError as error:
                errors.update({f"{language}.{name}": list(found) for name, found in error.message_dict.items()})
            rows.append(row)
    if errors:
        raise ValidationError({f"{prefix}.{key}" if prefix else key: messages for key, messages in errors.items()})
    model._default_manager.filter(**owner, language__in=gone).delete()
    for row in rows:
        model._default_manager.update_or_create(
            **owner, language=row.language, defaults={name: getattr(row, name) for name in texts[row.language]}
        )


@dataclass(frozen=True)
class PageText:
    """A page's title and body in one language; both empty means "no translation" (the page's own shows)."""

    title: str = ""
    body: str = ""


@transaction.atomic
def save_page_translations(*, page: Page, texts: Mapping[str, PageText]) -> Page:
    """Set the page's title and body in each language of ``texts`` (``{language: text}``); an empty text removes
    that language's translation. Refused whole, writing nothing, when one language is wrong."""
    save_translations(
        PageTranslation,
        owner={"page": page},
        texts={
            language: {"title": text.title.strip(), "body": clean_html(text.body.strip())}
            for language, text in texts.items()
        },
    )
    invalidate_store_pages()
    return page


@transaction.atomic
def save_menu_translations(*, labels: Mapping[int, Mapping[str, str]]) -> None:
    """Set menu labels per language: ``{link id: {language: label}}``; an empty label removes that language's.
    Refused whole, writing nothing, for a language the store doesn't offer or a link that isn't in its menu."""
    languages = translatable_languages()
    links = NavigationLink.objects.in_bulk(list(labels))
    errors: dict[str, list[str]] = {}
    for link_id, texts in labels.items():
        if link_id not in links:
            errors[f"{link_id}.link"] = ["This menu has no such entry; reload the page."]
        for language, label in texts.items():
            if language not in languages:
                errors[f"{link_id}.{language}.language"] = [not_offered_message(language, languages)]
            elif len(label.strip()) > MENU_LABEL_LENGTH:
                errors[f"{link_id}.{language}.label"] = ["Keep a menu label to 40 characters."]
    if errors:
        raise ValidationError(errors)
    for link_id, texts in labels.items():
        for language, label in texts.items():
            if label.strip():
                NavigationLinkTranslation.objects.update_or_create(
                    link=links[link_id], language=language, defaults={"label": label.strip()}
                )
            else:
                NavigationLinkTranslation.objects.filter(link=links[link_id], language=language).delete()
    invalidate_store_pages()
