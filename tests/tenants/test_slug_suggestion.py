"""The subdomain suggested from a store's name: the slug rules of tenants/validators.py, reserved names, and names
already taken by a store, a host, a schema or a sign-up being made."""

import pytest

from tenants.models import ProvisioningJob, Store, StoreDomain
from tenants.selectors import suggest_store_slug
from tenants.validators import SLUG_MAX_LENGTH, slug_from_name, validate_store_slug
from tests.conftest import make_user


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Acme Ceramics", "acme-ceramics"),
        ("  Crème Brûlée & Co. ", "creme-brulee-and-co"),
        ("Ünïcödé — Shop!!", "unicode-shop"),
        ("Store Nine", "storenine"),  # "store-" starts only the platform's own names
        ("Mercato Goods", "mercatogoods"),
        ("PG-13 Posters", "pg13-posters"),
        ("Al", "al-store"),  # too short on its own
        ("!!!", "my-store"),
        ("東京", "my-store"),
        ("A" * 60, "a" * SLUG_MAX_LENGTH),
        ("word-" * 12, "word-word-word-word-word-word-word-word"),  # cut at 40 without a trailing hyphen
    ],
)
def test_a_name_reads_as_a_valid_subdomain(name, slug):
    assert slug_from_name(name) == slug
    validate_store_slug(slug)  # every suggestion passes the rules


def test_a_free_name_is_suggested_as_it_reads(db):
    assert suggest_store_slug("Acme Ceramics") == "acme-ceramics"


def test_a_taken_name_gets_the_next_free_number(db):
    Store.objects.create(name="Acme Ceramics", slug="acme-ceramics", schema_name="store_acme_ceramics_unbuilt")
    assert suggest_store_slug("Acme Ceramics") == "acme-ceramics-2"
    Store.objects.create(name="Acme Ceramics 2", slug="acme-ceramics-2", schema_name="store_acme_ceramics_2_unbuilt")
    assert suggest_store_slug("ACME ceramics") == "acme-ceramics-3"


def test_the_session_stores_names_are_taken(store_a, store_b):
    assert suggest_store_slug("Alpha") == "alpha-2"
    assert suggest_store_slug("beta") == "beta-2"


def test_reserved_names_are_never_suggested(db):
    assert suggest_store_slug("Shop") == "shop-2"
    assert suggest_store_slug("Admin") == "admin-2"
    assert suggest_store_slug("Checkout") == "checkout-2"
    assert suggest_store_slug("Public") == "public-2"


def test_a_host_a_schema_or_a_queued_sign_up_takes_a_name_too(db, django_db_blocker):
    from django.db import connection

    store = Store.objects.get(slug="alpha")
    StoreDomain.objects.create(tenant=store, domain="hosted.localhost", is_primary=False)
    assert suggest_store_slug("Hosted") == "hosted-2"

    job = ProvisioningJob.objects.create(user=make_user("queued@example.test"), name="Queued", slug="queued")
    assert suggest_store_slug("Queued") == "queued-2"
    ProvisioningJob.objects.filter(pk=job.pk).update(status=ProvisioningJob.Status.FAILED)
    assert suggest_store_slug("Queued") == "queued"  # a failed sign-up holds nothing

    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA store_leftover")  # rolled back with the test
    assert suggest_store_slug("Leftover") == "leftover-2"


def test_a_long_taken_name_keeps_its_number_within_the_length_limit(db):
    long_name = "b" * 50
    Store.objects.create(name=long_name, slug="b" * SLUG_MAX_LENGTH, schema_name="store_b_long_unbuilt")
    suggestion = suggest_store_slug(long_name)
    assert suggestion == "b" * (SLUG_MAX_LENGTH - 2) + "-2"
    validate_store_slug(suggestion)
