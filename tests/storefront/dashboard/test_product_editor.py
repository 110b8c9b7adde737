"""The dashboard's product editor: options and the variant grid in one form, posted as a browser would post it."""

from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import schema_context

from storefront.catalog.models import InventoryAdjustment, Product, ProductImage, ProductOption, ProductVariant
from storefront.catalog.services import add_product_image
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.api.test_isolation import _move_ids_past
from tests.storefront.catalog.factories import make_product, make_shirt, png


class _FormReader(HTMLParser):
    """The fields a browser would send for one form of a page: text and hidden inputs, ticked checkboxes."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.inside = attributes.get("id") == self.form_id
        elif tag == "input" and self.inside and attributes.get("name"):
            if attributes.get("type") == "checkbox":
                if "checked" in attributes:
                    self.fields.append((attributes["name"], "on"))
            else:
                self.fields.append((attributes["name"], attributes.get("value") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def form_fields(html: str, form_id: str = "variant-editor") -> dict[str, str]:
    reader = _FormReader(form_id)
    reader.feed(html)
    return dict(reader.fields)


def _editor(client, product, host: str) -> dict[str, str]:
    page = client.get(f"/dashboard/products/{product.pk}/", HTTP_HOST=host)
    assert page.status_code == 200
    return form_fields(page.content.decode())


def _post(client, product, host: str, fields: dict[str, str], action: str):
    return client.post(f"/dashboard/products/{product.pk}/variants/", {**fields, "action": action}, HTTP_HOST=host)


def _rows(fields: dict[str, str]) -> list[dict[str, str]]:
    """The grid's rows as posted: {"key": '["S"]', "id": "12", "sell": "on", "price": ...} each."""
    rows = []
    for number in range(1, int(fields["rows"]) + 1):
        prefix = f"row-{number}-"
        rows.append({name[len(prefix) :]: value for name, value in fields.items() if name.startswith(prefix)})
    return rows


def _state(product) -> tuple:
    return (
        list(ProductOption.objects.filter(product=product).values_list("position", "name", "values")),
        list(
            ProductVariant.objects.filter(product=product)
            .order_by("id")
            .values_list("id", "sku", "option1", "option2", "option3", "price", "stock", "weight_grams")
        ),
        InventoryAdjustment.objects.filter(variant__product=product).count(),
        Product.objects.get(pk=product.pk).price,
    )


def test_an_option_is_added_to_a_simple_product_and_its_variant_keeps_its_stock_and_history(client, store_a, owner_a):
    mug = make_product(
        store_a, title="Alpha Editor Page Mug", sku="APM-1", price="12.00", track_inventory=True, stock=4
    )
    with schema_context(store_a.schema_name):
        original = mug.variants.get()
    sign_in_on(client, owner_a, store_a)
    host = host_of(store_a)
    fields = _editor(client, mug, host)
    assert [(row["key"], row["id"], row["sku"], row["price"], row["stock"]) for row in _rows(fields)] == [
        ("[]", str(original.pk), "APM-1", "12.00", "4")
    ]

    fields.update({"option-1-name": "Size", "option-1-value-1": "Small", "option-1-value-2": "Large"})
    shown = _post(client, mug, host, fields, "update")
    assert shown.status_code == 200
    fields = form_fields(shown.content.decode())
    rows = _rows(fields)
    assert [(row["key"], row.get("id"), row.get("sell"), row["price"], row["stock"]) for row in rows] == [
        ('["Small"]', str(original.pk), "on", "12.00", "4"),
        ('["Large"]', None, "on", "12.00", "0"),  # priced like its closest variant until the seller says otherwise
    ]
    with schema_context(store_a.schema_name):
        assert not ProductOption.objects.filter(product=mug).exists()  # nothing is saved by "update"

    fields.update(
        {"row-2-price": "15.00", "row-2-stock": "3", "row-2-weight_grams": "450", "row-1-weight_grams": "300"}
    )
    saved = _post(client, mug, host, fields, "save")
    assert (saved.status_code, saved["Location"]) == (302, f"/dashboard/products/{mug.pk}/#variants")
    with schema_context(store_a.schema_name):
        assert list(ProductOption.objects.filter(product=mug).values_list("name", "values")) == [
            ("Size", ["Small", "Large"])
        ]
        small, large = mug.variants.all()
        assert (small.pk, small.sku, small.title, small.stock, small.weight_grams) == (
            original.pk,
            "APM-1",
            "Small",
            4,
            300,
        )
        assert list(small.inventory_adjustments.values_list("delta", "reason")) == [(4, "initial")]
        assert (large.sku, large.title, large.price, large.stock, large.weight_grams, large.track_inventory) == (
            "ALPHA-EDITOR-PAGE-MUG-LARGE",
            "Large",
            Decimal("15.00"),
            3,
            450,
            True,
        )
        assert list(large.inventory_adjustments.values_list("delta", "reason", "actor")) == [
            (3, "initial", "owner@alpha.test")
        ]
    page = client.get(f"/products/{mug.slug}/", HTTP_HOST=host).content.decode()
    assert "Small" in page and "Large" in page


def test_a_value_is_removed_and_another_renamed_on_the_page(client, store_a, owner_a):
    shirt = make_shirt(store_a, title="Alpha Editor Page Shirt", sku_prefix="AEP")
    with schema_context(store_a.schema_name):
        ids = dict(shirt.variants.values_list("sku", "pk"))
        history = {
            sku: list(InventoryAdjustment.objects.filter(variant_id=pk).values_list("delta", "reason"))
            for sku, pk in ids.items()
        }
    sign_in_on(client, owner_a, store_a)
    host = host_of(store_a)
    fields = _editor(client, shirt, host)
    assert (fields["option-1-value-1"], fields["option-2-value-2"]) == ("S", "Red")
    fields.update({"option-1-value-1": "Small", "option-2-value-2": ""})
    fields = form_fields(_post(client, shirt, host, fields, "update").content.decode())
    assert [(row["key"], row["id"]) for row in _rows(fields)] == [
        ('["Small", "Blue"]', str(ids["AEP-S-Blue"])),
        ('["M", "Blue"]', str(ids["AEP-M-Blue"])),
    ]
    assert _post(client, shirt, host, fields, "save").status_code == 302
    with schema_context(store_a.schema_name):
        assert [(v.pk, v.sku, v.title, v.stock) for v in shirt.variants.all()] == [
            (ids["AEP-S-Blue"], "AEP-S-Blue", "Small / Blue", 5),
            (ids["AEP-M-Blue"], "AEP-M-Blue", "M / Blue", 5),
        ]
        assert not ProductVariant.objects.filter(pk__in=[ids["AEP-S-Red"], ids["AEP-M-Red"]]).exists()
        for sku in ("AEP-S-Blue", "AEP-M-Blue"):
            assert (
                list(InventoryAdjustment.objects.filter(variant_id=ids[sku]).values_list("delta", "reason"))
                == (history[sku])
            )
        assert list(ProductOption.objects.filter(product=shirt).values_list("name", "values")) == [
            ("Size", ["Small", "M"]),
            ("Colour", ["Blue"]),
        ]


def test_saving_with_options_changed_since_the_list_was_shown_shows_the_new_list_and_writes_nothing(
    client, store_a, owner_a
):
    shirt = make_shirt(store_a, title="Alpha Editor Hasty Shirt", sku_prefix="AEH")
    sign_in_on(client, owner_a, store_a)
    host = host_of(store_a)
    with schema_context(store_a.schema_name):
        before = _state(shirt)
    fields = _editor(client, shirt, host)
    fields.update({"option-3-name": "Fit", "option-3-value-1": "Regular", "option-3-value-2": "Slim"})
    response = _post(client, shirt, host, fields, "save")
    assert response.status_code == 200
    page = response.content.decode()
    assert "The options changed, so the variant list was worked out again. Check it, then save." in page
    assert len(_rows(form_fields(page))) == 8
    with schema_context(store_a.schema_name):
        assert _state(shirt) == before
    assert _post(client, shirt, host, form_fields(page), "save").status_code == 302
    with schema_context(store_a.schema_name):
        assert shirt.variants.count() == 8


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"option-2-name": "size"}, "There are two options named &#x27;size&#x27;; give each option its own name."),
        ({"option-2-value-2": "blue"}, "&#x27;Colour&#x27; has the value &#x27;blue&#x27; twice;"),
        ({"option-1-name": ""}, "Give the option a name, such as Size or Colour."),
        (
            {
                "option-1-values": "5",
                **{f"option-1-value-{n}": f"S{n}" for n in range(1, 6)},
                "option-2-values": "5",
                **{f"option-2-value-{n}": f"C{n}" for n in range(1, 6)},
                "option-3-name": "Fit",
                "option-3-values": "5",
                **{f"option-3-value-{n}": f"F{n}" for n in range(1, 6)},
            },
            "These options make 5 x 5 x 5 = 125 variants; a product has at most 100.",
        ),
        ({"row-1-price": "-1"}, "Price cannot be negative."),
        ({"row-2-price": "1.234"}, "Price in USD can have at most 2 decimal places."),
        ({"row-3-compare_at_price": "1.00"}, "Compare-at price must be higher than the price."),
        ({"row-4-stock": "lots"}, "Stock is a whole number, such as 12."),
        ({"row-1-weight_grams": "-5"}, "Weight is a whole number of grams, 0 or more."),
        ({"row-2-sku": "ALPHA-TRAIL-TENT"}, "SKU: Another variant in this store already has this SKU."),
        ({"row-1-sell": "", "row-2-sell": "", "row-3-sell": "", "row-4-sell": ""}, "Sell at least one variant"),
    ],
    ids=[
        "option-names-differ-only-by-case",
        "duplicate-values",
        "option-without-a-name",
        "too-many-variants",
        "negative-price",
        "price-with-three-decimals",
        "compare-at-below-price",
        "stock-not-a-number",
        "negative-weight",
        "sku-of-another-product",
        "nothing-on-sale",
    ],
)
def test_bad_input_is_400_with_the_reason_on_the_page_and_nothing_is_written(
    client, store_a, owner_a, changes, message
):
    shirt = make_shirt(store_a, title="Alpha Editor Refused Shirt", sku_prefix="AER")
    sign_in_on(client, owner_a, store_a)
    host = host_of(store_a)
    with schema_context(store_a.schema_name):
        before = _state(shirt)
    fields = _editor(client, shirt, host)
    fields.update(changes)
    fields = {name: value for name, value in fields.items() if not (name.endswith("-sell") and value == "")}
    response = _post(client, shirt, host, fields, "save")
    assert response.status_code == 400
    assert message in response.content.decode()
    with schema_context(store_a.schema_name):
        assert _state(shirt) == before


def test_a_new_product_with_two_options_gets_a_variant_for_each_combination(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    host = host_of(store_a)
    form = form_fields(client.get("/dashboard/products/new/", HTTP_HOST=host).content.decode(), "product-form")
    assert (form["option-1-values"], form["option-3-name"]) == ("4", "")
    data = {
        **form,
        "title": "Alpha Editor Tee",
        "status": "active",
        "price": "18.00",
        "sku": "AET",
        "stock": "2",
        "track_inventory": "on",
        "weight_grams": "220",
        "option-1-name": "Size",
        "option-1-value-1": "S",
        "option-1-value-2": "M",
        "option-2-name": "Colour",
        "option-2-value-1": "Red",
        "option-2-value-2": "Blue",
    }
    response = client.post("/dashboard/products/new/", data, HTTP_HOST=host)
    assert response.status_code == 302
    with schema_context(store_a.schema_name):
        tee = Product.objects.get(title="Alpha Editor Tee")
        assert response["Location"] == f"/dashboard/products/{tee.pk}/"
        assert [(o.name, o.values) for o in tee.options.all()] == [("Size", ["S", "M"]), ("Colour", ["Red", "Blue"])]
        assert [(v.sku, v.title, v.price, v.stock, v.weight_grams) for v in tee.variants.all()] == [
            ("AET-S-Red", "S / Red", Decimal("18.00"), 2, 220),
            ("AET-S-Blue", "S / Blue", Decimal("18.00"), 2, 220),
            ("AET-M-Red", "M / Red", Decimal("18.00"), 2, 220),
            ("AET-M-Blue", "M / Blue", Decimal("18.00"), 2, 220),
        ]

    refused = {**data, "title": "Alpha Editor Twin Tee", "sku": "", "option-2-value-2": "red"}
    response = client.post("/dashboard/products/new/", refused, HTTP_HOST=host)
    assert response.status_code == 400
    assert "&#x27;Colour&#x27; has the value &#x27;red&#x27; twice" in response.content.decode()
    unpriced = {**data, "title": "Alpha Editor Twin Tee", "sku": "", "price": ""}
    response = client.post("/dashboard/products/new/", unpriced, HTTP_HOST=host)
    assert response.status_code == 400
    assert response.content.decode().count('<p class="error" role="alert">Price is required.</p>') == 1
    with schema_context(store_a.schema_name):
        assert not Product.objects.filter(title="Alpha Editor Twin Tee").exists()


def test_pictures_are_put_in_order_and_given_alt_text_on_the_page(client, store_a, owner_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    vase = make_product(store_a, title="Alpha Editor Page Vase")
    with schema_context(store_a.schema_name):
        first, second = (
            add_product_image(product=vase, file=ContentFile(png(colour=colour), name="p.png"))
            for colour in ((9, 9, 9), (200, 200, 200))
        )
    sign_in_on(client, owner_a, store_a)
    host = host_of(store_a)
    page = client.get(f"/dashboard/products/{vase.pk}/", HTTP_HOST=host).content.decode()
    fields = form_fields(page, "pictures-form")
    assert (fields[f"picture-{first.pk}-position"], fields[f"picture-{second.pk}-position"]) == ("1", "2")
    url = f"/dashboard/products/{vase.pk}/images/order/"

    bad = {**fields, f"picture-{first.pk}-position": "first"}
    response = client.post(url, bad, HTTP_HOST=host)
    assert response.status_code == 400
    assert "Give the picture&#x27;s place as a whole number: 1 is the cover." in response.content.decode()
    too_long = {**fields, f"picture-{second.pk}-alt_text": "x" * 256}
    response = client.post(url, too_long, HTTP_HOST=host)
    assert response.status_code == 400
    assert "Ensure this value has at most 255 characters (it has 256)." in response.content.decode()

    fields.update({f"picture-{first.pk}-position": "2", f"picture-{second.pk}-position": "1"})
    fields[f"picture-{second.pk}-alt_text"] = "White vase on a shelf"
    response = client.post(url, fields, HTTP_HOST=host)
    assert (response.status_code, response["Location"]) == (302, f"/dashboard/products/{vase.pk}/#pictures")
    with schema_context(store_a.schema_name):
        assert list(ProductImage.objects.filter(product=vase).values_list("pk", "alt_text")) == [
            (second.pk, "White vase on a shelf"),
            (first.pk, ""),
        ]
    assert 'alt="White vase on a shelf"' in client.get(f"/products/{vase.slug}/", HTTP_HOST=host).content.decode()


def test_another_store_can_neither_edit_this_stores_product_nor_keep_its_variants(client, store_a, store_b):
    _move_ids_past(store_a, store_b)  # A's ids are ones B has never used: a 404 is isolation, not luck
    shirt = make_shirt(store_a, title="Alpha Editor Private Shirt", sku_prefix="AEX")
    novel = make_product(store_b, title="Beta Editor Novel", sku="BEN-1")
    with schema_context(store_a.schema_name):
        foreign = shirt.variants.get(sku="AEX-S-Blue")
        before_a = _state(shirt)
    with schema_context(store_b.schema_name):
        before_b = _state(novel)
    owner_b = make_user("owner@beta.test")
    add_member(store_b, owner_b, "owner")
    sign_in_on(client, owner_b, store_b)
    host = host_of(store_b)
    attack = {
        "action": "save",
        "option-1-name": "Size",
        "option-1-values": "1",
        "option-1-value-1": "S",
        "rows": "1",
        "row-1-key": '["S"]',
        "row-1-id": str(foreign.pk),
        "row-1-sell": "on",
        "row-1-price": "0.01",
        "row-1-stock": "0",
        "row-1-weight_grams": "0",
    }
    assert client.post(f"/dashboard/products/{shirt.pk}/variants/", attack, HTTP_HOST=host).status_code == 404
    assert client.post(f"/dashboard/products/{shirt.pk}/images/order/", {}, HTTP_HOST=host).status_code == 404
    # On B's own product, A's variant id is nobody's: the page shows B's grid again and writes nothing.
    response = client.post(f"/dashboard/products/{novel.pk}/variants/", attack, HTTP_HOST=host)
    assert response.status_code == 200
    assert "AEX-S-Blue" not in response.content.decode()
    with schema_context(store_a.schema_name):
        assert _state(shirt) == before_a
    with schema_context(store_b.schema_name):
        assert _state(novel) == before_b
