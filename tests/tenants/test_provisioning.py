"""provision_store makes a whole store or nothing, and refuses subdomains that can't be a store."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django_tenants.utils import schema_context, schema_exists

from storefront.catalog.models import Product
from tenants.models import Store, StoreDomain
from tenants.services import ProvisioningError, provision_store, purge_store
from tenants.validators import schema_name_for_slug


def _tables(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema])
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.slow  # builds store schemas (every tenant migration): seconds each
def test_provisioning_creates_schema_domain_and_an_active_store(db, client):
    store = provision_store(name="  Gamma Garden  ", slug="gamma-garden")
    assert store.name == "Gamma Garden"
    assert store.schema_name == "store_gamma_garden"
    assert store.status == Store.Status.ACTIVE
    assert list(store.domains.values_list("domain", "is_primary")) == [("gamma-garden.localhost", True)]
    assert {"catalog_product", "django_session", "django_migrations"} <= _tables(store.schema_name)
    with schema_context(store.schema_name):
        assert Product.objects.count() == 0
    response = client.get("/", HTTP_HOST="gamma-garden.localhost")
    assert response.status_code == 200
    assert "Gamma Garden" in response.content.decode()


@pytest.mark.slow  # builds store schemas (every tenant migration): seconds each
def test_a_failure_after_the_schema_was_made_leaves_nothing_behind(db, monkeypatch):
    def refuse(*args, **kwargs):
        raise DatabaseError("simulated failure while writing the domain row")

    monkeypatch.setattr(StoreDomain.objects, "create", refuse)
    with pytest.raises(ProvisioningError, match="Nothing was saved"):
        provision_store(name="Delta", slug="delta")
    assert not schema_exists("store_delta")
    assert not Store.objects.filter(slug="delta").exists()
    assert not StoreDomain.objects.filter(domain="delta.localhost").exists()


def test_a_taken_subdomain_is_refused_case_insensitively_and_leaves_the_owner_alone(db, store_a):
    with pytest.raises(ValidationError) as error:
        provision_store(name="Copycat", slug="alpha")
    assert error.value.message_dict == {"slug": ['The subdomain "alpha" is already taken.']}
    with pytest.raises(ValidationError) as error:
        provision_store(name="Copycat", slug="ALPHA")
    assert error.value.message_dict == {"slug": ["Use lowercase letters only."]}
    assert schema_exists(store_a.schema_name)
    assert Store.objects.filter(slug="alpha").count() == 1


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("ab", "Choose between 3 and 40 characters."),
        ("a" * 41, "Choose between 3 and 40 characters."),
        ("-acme", "Use lowercase letters, digits and single hyphens, not starting or ending with a hyphen."),
        ("acme-", "Use lowercase letters, digits and single hyphens, not starting or ending with a hyphen."),
        ("ac--me", "Use lowercase letters, digits and single hyphens, not starting or ending with a hyphen."),
        ("ac_me", "Use lowercase letters, digits and single hyphens, not starting or ending with a hyphen."),
        ("ac me", "Use lowercase letters, digits and single hyphens, not starting or ending with a hyphen."),
        (
            "\uff41\uff43\uff4d\uff45",
            "Use only the plain letters a-z, digits and hyphens; accented or look-alike "
            'characters aren\'t allowed in a web address. Did you mean "acme"?',
        ),  # fullwidth letters
        ("admin", '"admin" is reserved. Please choose another name.'),
        ("public", '"public" is reserved. Please choose another name.'),
        ("pg-catalog", '"pg-catalog" is reserved. Please choose another name.'),
        ("information-schema", '"information-schema" is reserved. Please choose another name.'),
        (
            "\u0430cm\u0435",  # Cyrillic a and e
            "Use only the plain letters a-z, digits and hyphens; accented or look-alike characters aren't "
            'allowed in a web address. Did you mean "acme"?',
        ),
        (
            "caf\u00e9",
            "Use only the plain letters a-z, digits and hyphens; accented or look-alike characters aren't "
            'allowed in a web address. Did you mean "cafe"?',
        ),
    ],
)
def test_bad_subdomains_are_refused_with_a_clear_message(db, slug, message):
    with pytest.raises(ValidationError) as error:
        provision_store(name="Acme", slug=slug)
    assert error.value.message_dict == {"slug": [message]}
    assert not Store.objects.filter(name="Acme").exists()


def test_a_blank_name_is_refused(db):
    with pytest.raises(ValidationError) as error:
        provision_store(name="   ", slug="blank-name")
    assert error.value.message_dict == {"name": ["Give your store a name."]}


def test_schema_names_are_derived_from_the_slug_never_raw_input():
    assert schema_name_for_slug("north-wind") == "store_north_wind"
    with pytest.raises(ValidationError):
        schema_name_for_slug('x"; DROP SCHEMA public; --')


@pytest.mark.slow  # builds store schemas (every tenant migration): seconds each
def test_purging_a_store_removes_its_schema_rows_and_media(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    store = provision_store(name="Epsilon", slug="epsilon")
    (tmp_path / store.schema_name).mkdir()
    purge_store(store=store)
    assert not schema_exists("store_epsilon")
    assert not Store.objects.filter(slug="epsilon").exists()
    assert not StoreDomain.objects.filter(domain="epsilon.localhost").exists()
    assert not (tmp_path / "store_epsilon").exists()
