"""Forms of the dashboard's catalog pages. They only parse input; the catalog services judge it."""

from django import forms

from storefront.catalog.models import InventoryAdjustment, Product

# Reasons a person gives by hand; "initial", "sold" and "import" are written by the system itself.
MANUAL_REASONS = [
    (value, label) for value, label in InventoryAdjustment.Reason.choices if value not in {"initial", "sold", "import"}
]


class ProductForm(forms.Form):
    title = forms.CharField()
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}), required=False,
        help_text="HTML is allowed: paragraphs, headings, lists, links, bold and italics.",
    )  # fmt: skip
    status = forms.ChoiceField(choices=Product.Status.choices, initial=Product.Status.DRAFT)
    seo_title = forms.CharField(required=False, label="SEO title")
    seo_description = forms.CharField(required=False, label="SEO description", widget=forms.Textarea(attrs={"rows": 3}))
    tags = forms.CharField(required=False, help_text="Separate tags with commas.")

    def product_fields(self) -> dict:
        names = ("title", "description", "status", "seo_title", "seo_description")
        return {name: self.cleaned_data[name] for name in names}

    def tag_list(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()]


class NewProductForm(ProductForm):
    """A simple product: one variant, priced here."""

    price = forms.CharField(required=False, help_text="For example 12.50.")
    sku = forms.CharField(required=False, label="SKU", help_text="Left empty, one is made from the title.")
    track_inventory = forms.BooleanField(required=False, label="Track stock")
    stock = forms.IntegerField(required=False, initial=0, label="Stock on hand")


class VariantForm(forms.Form):
    sku = forms.CharField(label="SKU")
    price = forms.CharField()
    compare_at_price = forms.CharField(required=False, label="Compare-at price")


class AdjustStockForm(forms.Form):
    delta = forms.IntegerField(label="Add (negative to remove)")
    reason = forms.ChoiceField(choices=MANUAL_REASONS)
    note = forms.CharField(required=False)


class ProductImageForm(forms.Form):
    image = forms.FileField(help_text="JPEG, PNG, GIF or WebP, up to 10 MB.")
    alt_text = forms.CharField(required=False, label="Alt text")


class CatalogImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, one row per variant, up to 10 MB.")
    create_missing = forms.BooleanField(
        required=False, initial=True, label="Create products for SKUs the store doesn't have yet"
    )
