"""Forms of the dashboard's catalog pages. They only parse input; the catalog services judge it."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from storefront.catalog.models import InventoryAdjustment, Product, ProductImage
from storefront.catalog.services import OptionSpec, TranslatedText, VariantSpec
from storefront.catalog.variant_grid import combinations

# Reasons a person gives by hand; "initial", "sold" and "import" are written by the system itself.
MANUAL_REASONS = [
    (value, label) for value, label in InventoryAdjustment.Reason.choices if value not in {"initial", "sold", "import"}
]


class ProductForm(forms.Form):
    title = forms.CharField(label=_("Title"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}), required=False, label=_("Description"),
        help_text=_("HTML is allowed: paragraphs, headings, lists, links, bold and italics."),
    )  # fmt: skip
    status = forms.ChoiceField(choices=Product.Status.choices, initial=Product.Status.DRAFT, label=_("Status"))
    seo_title = forms.CharField(required=False, label=_("SEO title"))
    seo_description = forms.CharField(
        required=False, label=_("SEO description"), widget=forms.Textarea(attrs={"rows": 3})
    )
    tags = forms.CharField(required=False, label=_("Tags"), help_text=_("Separate tags with commas."))
    gtin = forms.CharField(
        required=False, label=_("GTIN (barcode number)"), max_length=20,
        help_text=_("Optional: the EAN/UPC under the barcode. The marketplace directory then shows your offer beside "
        "other stores selling the same item."),
    )  # fmt: skip

    def product_fields(self) -> dict:
        names = ("title", "description", "status", "seo_title", "seo_description", "gtin")
        return {name: self.cleaned_data[name] for name in names}

    def tag_list(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()]


class NewProductForm(ProductForm):
    """A product priced here: one variant, or one per combination of the options given with it."""

    price = forms.CharField(required=False, label=_("Price"), help_text=_("For example 12.50."))
    sku = forms.CharField(
        required=False,
        label="SKU",
        help_text=_("Left empty, one is made from the title. With options, each variant's SKU adds its values."),
    )
    track_inventory = forms.BooleanField(required=False, label=_("Track stock"))
    stock = forms.IntegerField(required=False, initial=0, label=_("Stock on hand"), help_text=_("Of each variant."))
    weight_grams = forms.IntegerField(
        required=False, initial=0, min_value=0, label=_("Weight (grams)"), help_text=_("For rates by weight.")
    )

    def variant_arguments(self, options: list[OptionSpec]) -> dict[str, Any]:
        """create_product's arguments for the variants: one priced here, or one per combination of ``options``."""
        data = self.cleaned_data
        common = {
            "stock": data["stock"] or 0,
            "track_inventory": data["track_inventory"],
            "weight_grams": data["weight_grams"] or 0,
        }
        if not options:
            return {"price": data["price"], "sku": data["sku"] or None, **common}
        variants = [
            VariantSpec(
                sku="-".join([data["sku"], *combination]) if data["sku"] else None,
                price=data["price"],
                options=combination,
                **common,
            )
            for combination in combinations([option.values for option in options])
        ]
        return {"options": options, "variants": variants}


class VariantForm(forms.Form):
    sku = forms.CharField(label="SKU")
    price = forms.CharField()
    compare_at_price = forms.CharField(required=False, label=_("Compare-at price"))


class AdjustStockForm(forms.Form):
    delta = forms.IntegerField(label=_("Add (negative to remove)"))
    reason = forms.ChoiceField(choices=MANUAL_REASONS)
    note = forms.CharField(required=False)


class ProductImageForm(forms.Form):
    image = forms.FileField(label=_("Image"), help_text=_("JPEG, PNG, GIF or WebP, up to 10 MB."))
    alt_text = forms.CharField(required=False, label=_("Alt text"))


class PicturesForm:
    """The order and alt text of a product's pictures: a position box and an alt text box per picture."""

    def __init__(self, images: list[ProductImage], data: QueryDict | None = None) -> None:
        self.errors: list[str] = []
        self.rows: list[dict[str, Any]] = []
        for place, image in enumerate(images, start=1):
            prefix = f"picture-{image.pk}"
            position = data.get(f"{prefix}-position", "") if data is not None else str(place)
            alt_text = data.get(f"{prefix}-alt_text", image.alt_text) if data is not None else image.alt_text
            self.rows.append({"image": image, "position": position, "alt_text": alt_text, "errors": []})

    def is_valid(self) -> bool:
        for row in self.rows:
            place = row["position"].strip()
            if not (place.isascii() and place.isdigit()):
                row["errors"].append("Give the picture's place as a whole number: 1 is the cover.")
        return not any(row["errors"] for row in self.rows)

    @property
    def order(self) -> list[int]:
        """Picture ids by the places given; equal places keep the pictures' current order."""
        ranked = sorted(enumerate(self.rows), key=lambda pair: (int(pair[1]["position"]), pair[0]))
        return [row["image"].pk for _, row in ranked]

    @property
    def alt_texts(self) -> dict[int, str]:
        return {row["image"].pk: row["alt_text"] for row in self.rows}

    def show(self, error: ValidationError) -> None:
        """The service's errors: ``images.N.alt_text`` is the Nth picture of ``order``."""
        rows = {row["image"].pk: row for row in self.rows}
        order = self.order
        for key, messages in (error.message_dict if hasattr(error, "error_dict") else {"": error.messages}).items():
            parts = key.split(".")
            if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(order):
                rows[order[int(parts[1])]]["errors"].extend(messages)
            else:
                self.errors.extend(messages)


class CatalogImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8, one row per variant, up to 10 MB."))
    create_missing = forms.BooleanField(
        required=False, initial=True, label=_("Create products for SKUs the store doesn't have yet")
    )


class ProductTranslationsForm(forms.Form):
    """A product's title and description in each of the store's extra languages (``<language>-title``, …)."""

    def __init__(self, *args: Any, languages: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.languages = languages
        names = dict(settings.LANGUAGES)
        for language in languages:
            self.fields[f"{language}-title"] = forms.CharField(
                required=False, max_length=200, label=_("Title in %(language)s") % {"language": names[language]}
            )
            self.fields[f"{language}-description"] = forms.CharField(
                required=False,
                label=_("Description in %(language)s") % {"language": names[language]},
                widget=forms.Textarea(attrs={"rows": 6, "lang": language}),
            )
            self.fields[f"{language}-title"].widget.attrs["lang"] = language

    @classmethod
    def of(cls, product: Product, languages: list[str]) -> "ProductTranslationsForm":
        saved = {row.language: row for row in product.translations.all()}
        initial = {}
        for language, row in saved.items():
            initial[f"{language}-title"] = row.title
            initial[f"{language}-description"] = row.description
        return cls(initial=initial, languages=languages)

    def texts(self) -> dict[str, TranslatedText]:
        return {
            language: TranslatedText(
                title=self.cleaned_data.get(f"{language}-title", ""),
                description=self.cleaned_data.get(f"{language}-description", ""),
            )
            for language in self.languages
        }
