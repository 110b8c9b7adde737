"""Fixtures of the catalog tests (also imported by tests/storefront/api)."""

from collections.abc import Iterator

import pytest
from django_tenants.utils import schema_context

from tests.conftest import STORE_A, STORE_B


@pytest.fixture
def clean_stores(committed) -> Iterator[list]:
    """The two stores, for tests whose rows must be committed (a worker reads them); removes what the test made.

    Yields [store_a, store_b]. Rows that existed before the test (the session's products) are kept.
    """
    from storefront.api.models import ApiToken
    from storefront.catalog.models import CatalogExport, CatalogImport, Collection, Product, Tag
    from tenants.models import Store

    models = (Collection, Product, Tag, ApiToken, CatalogImport, CatalogExport)
    stores = [Store.objects.get(slug=STORE_A["slug"]), Store.objects.get(slug=STORE_B["slug"])]
    before = {}
    for store in stores:
        with schema_context(store.schema_name):
            before[store.schema_name] = {model: set(model.objects.values_list("pk", flat=True)) for model in models}
    yield stores
    for store in stores:
        with schema_context(store.schema_name):
            for model in models:
                made = model.objects.exclude(pk__in=before[store.schema_name][model])
                if model is Product:
                    for product in made.prefetch_related("images"):
                        for image in product.images.all():
                            for file in (image.image, image.thumbnail):
                                if file:
                                    file.delete(save=False)
                made.delete()
