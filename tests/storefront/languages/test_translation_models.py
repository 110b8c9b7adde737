"""The four translation models share one base (platform.kit.translation_models) and keep the tables' columns in
the tables' order: a store archive lists a model's columns in field order and refuses an archive whose order
differs, so a base that moved its fields first would make yesterday's archives unreadable."""

import pytest

from storefront.catalog.models import CollectionTranslation, ProductTranslation
from storefront.themes.models import NavigationLinkTranslation, PageTranslation


@pytest.mark.parametrize(
    ("model", "columns"),
    [
        (ProductTranslation, ["id", "product_id", "language", "title", "description", "updated_at"]),
        (CollectionTranslation, ["id", "collection_id", "language", "title", "description", "updated_at"]),
        (PageTranslation, ["id", "page_id", "language", "title", "body", "updated_at"]),
        (NavigationLinkTranslation, ["id", "link_id", "language", "label", "updated_at"]),
    ],
)
def test_each_translation_model_keeps_its_columns_in_the_tables_order(model, columns):
    assert [field.attname for field in model._meta.concrete_fields] == columns


def test_a_translation_row_names_its_owner_language_and_text():
    assert str(ProductTranslation(product_id=3, language="zh-hans", title="手工茶杯")) == "3 [zh-hans] 手工茶杯"
    assert str(NavigationLinkTranslation(link_id=7, language="de", label="Über uns")) == "7 [de] Über uns"
