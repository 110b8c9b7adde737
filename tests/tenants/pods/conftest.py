"""Three stores placed on three pods, made once for a module (each is a real migrated schema on its pod)."""

from decimal import Decimal

import pytest

from tests.pods import open_pods  # noqa: F401  (the module's pods)


@pytest.fixture(scope="module")
def pod_stores(open_pods, django_db_blocker):  # noqa: F811
    """Stores "pod-one", "pod-two", "pod-three", made in that order with every pod open, each with a product."""
    from storefront.catalog.services import create_product
    from tenants.pods.routing import store_context
    from tenants.services import provision_store

    stores = []
    with django_db_blocker.unblock():
        for word in ("one", "two", "three"):
            store = provision_store(name=f"Pod {word.title()}", slug=f"pod-{word}", schema_method="migrate")
            with store_context(store):
                create_product(title=f"Pod {word} lantern", price=Decimal("20.00"))
            stores.append(store)
    return stores


@pytest.fixture
def platform_store(committed):
    """The session store "alpha", on the platform database (not through ``store_a``: its test transaction would
    forbid queries to the pods' databases)."""
    from tenants.models import Store

    return Store.objects.get(slug="alpha")
