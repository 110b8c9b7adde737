"""An imported store starts with no customer linked to a marketplace account: only the buyer's own sign-in links."""

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from storefront.customers.models import Customer
from tenants.models import Store


@pytest.mark.slow  # builds a store schema (every tenant migration): seconds
def test_an_archive_brings_customers_but_not_their_marketplace_links(store_a, archive_root, tmp_path, media_cleanup):
    with schema_context(store_a.schema_name):
        Customer.objects.create(email="linked@example.com", password="!", marketplace_buyer_id=424242)
    call_command("store", "export", "alpha", "--output", str(tmp_path))
    exported = next(tmp_path.glob("alpha-*.zip"))
    call_command("store", "import", str(exported), "--slug", "alpha-linked", "--name", "Alpha Linked", "--reason", "x")
    media_cleanup.append("store_alpha_linked")
    with schema_context(Store.objects.get(slug="alpha-linked").schema_name):
        assert list(Customer.objects.values_list("email", "marketplace_buyer_id")) == [("linked@example.com", None)]
    with schema_context(store_a.schema_name):
        assert Customer.objects.get(email="linked@example.com").marketplace_buyer_id == 424242
