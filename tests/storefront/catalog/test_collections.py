"""Collections: manual ones keep the seller's order; rule-based ones follow a tag and/or a price range."""

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from storefront.catalog.models import Collection
from storefront.catalog.selectors import collection_products
from storefront.catalog.services import create_collection, update_collection, update_product

from .factories import make_product


def _titles(collection: Collection) -> list[str]:
    return [product.title for product in collection_products(collection)]


def test_a_manual_collection_keeps_the_sellers_order_and_shows_only_active_products(store_a):
    b = make_product(store_a, title="B Kettle")
    a = make_product(store_a, title="A Stove")
    hidden = make_product(store_a, title="C Draft", status="draft")
    with schema_context(store_a.schema_name):
        gear = create_collection(title="Camp Kitchen", products=[b, hidden, a])
        assert gear.slug == "camp-kitchen"
        assert _titles(gear) == ["B Kettle", "A Stove"]
        update_collection(collection=gear, products=[a, b])
        assert _titles(gear) == ["A Stove", "B Kettle"]
        update_product(product=hidden, status="active")
        update_collection(collection=gear, products=[hidden, a, a])
        assert _titles(gear) == ["C Draft", "A Stove"]


def test_a_rule_based_collection_follows_tag_and_price_range(store_a):
    make_product(store_a, title="Cheap Tee", price="9.00", tags=["Summer"])
    make_product(store_a, title="Mid Tee", price="25.00", tags=["summer"])
    make_product(store_a, title="Fancy Tee", price="80.00", tags=["summer"])
    make_product(store_a, title="Winter Coat", price="20.00", tags=["winter"])
    with schema_context(store_a.schema_name):
        summer = create_collection(title="Summer", kind="rule", rule_tag="summer")
        assert _titles(summer) == ["Cheap Tee", "Fancy Tee", "Mid Tee"]
        affordable = create_collection(title="Under 30", kind="rule", rule_max_price="30")
        assert "Winter Coat" in _titles(affordable) and "Fancy Tee" not in _titles(affordable)
        update_collection(collection=summer, rule_min_price="10.00", rule_max_price="30.00")
        assert _titles(summer) == ["Mid Tee"]
        update_collection(collection=summer, rule_tag=None)
        assert _titles(summer) == ["Alpha Trail Tent", "Mid Tee", "Winter Coat"]  # the session product costs 10


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"kind": "rule"}, {"kind": ["A rule-based collection needs a tag, a price range, or both."]}),
        ({"kind": "rule", "rule_tag": "nope"}, {"rule_tag": ["No tag named 'nope' in this store."]}),
        (
            {"kind": "rule", "rule_min_price": "50", "rule_max_price": "10"},
            {"rule_max_price": ["The maximum price must not be below the minimum."]},
        ),
        ({"kind": "rule", "rule_min_price": "-1"}, {"rule_min_price": ["Minimum price cannot be negative."]}),
        (
            {"kind": "rule", "rule_max_price": "NaN"},
            {"rule_max_price": ["Maximum price must be a finite number, not NaN."]},
        ),
        ({"kind": "weekly"}, {"kind": ["Value 'weekly' is not a valid choice."]}),
    ],
)
def test_bad_collections_are_refused_and_nothing_is_written(store_a, fields, errors):
    with schema_context(store_a.schema_name):
        before = Collection.objects.count()
        with pytest.raises(ValidationError) as caught:
            create_collection(title="Broken", **fields)
        assert caught.value.message_dict == errors
        assert Collection.objects.count() == before
