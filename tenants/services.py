"""Changes to stores: provisioning a new store and purging one, each all-or-nothing."""

import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django_tenants.utils import schema_exists

from .models import Store, StoreDomain
from .selectors import store_subdomain_host
from .validators import schema_name_for_slug, validate_store_slug

logger = logging.getLogger(__name__)


class ProvisioningError(Exception):
    """A store could not be made; nothing of it was left behind. The message is safe to show the seller."""


def validate_new_store(*, name: str, slug: str) -> None:
    """Raise ValidationError (keyed by field) when a store with this name and slug can't be made."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors.setdefault("name", []).append("Give your store a name.")
    elif len(name) > Store._meta.get_field("name").max_length:
        errors.setdefault("name", []).append("Keep the store name under 100 characters.")
    try:
        validate_store_slug(slug)
    except ValidationError as error:
        errors.setdefault("slug", []).extend(error.messages)
    else:
        taken = (
            Store.objects.filter(slug__iexact=slug).exists()
            or StoreDomain.objects.filter(domain__iexact=store_subdomain_host(slug)).exists()
        )
        if taken:
            errors.setdefault("slug", []).append(f'The subdomain "{slug}" is already taken.')
    if errors:
        raise ValidationError(errors)


def provision_store(*, name: str, slug: str) -> Store:
    """Create a store with its own schema (fully migrated) and its platform subdomain, ready to serve.

    The schema is made first and the rows after it in one transaction, so no row ever points at a missing
    schema; if anything fails, the schema this call created is dropped again and ProvisioningError raised.
    """
    name = name.strip()
    validate_new_store(name=name, slug=slug)
    schema_name = schema_name_for_slug(slug)
    created_schema = False
    try:
        # CREATE SCHEMA fails if a concurrent signup took the name first: then this call owns nothing
        # and must not drop it.
        Store(schema_name=schema_name).create_schema(check_if_exists=False, verbosity=0)
        created_schema = True
        with transaction.atomic():
            store = Store.objects.create(name=name, slug=slug, schema_name=schema_name, status=Store.Status.ACTIVE)
            StoreDomain.objects.create(domain=store_subdomain_host(slug), tenant=store, is_primary=True)
    except Exception as error:
        connection.set_schema_to_public()
        if created_schema:
            _drop_schema(schema_name)
        logger.exception("provisioning store %r failed", slug)
        if isinstance(error, ValidationError):
            raise
        raise ProvisioningError(
            "We couldn't create your store just now. Nothing was saved; please try again in a minute."
        ) from error
    logger.info("provisioned store %s in schema %s", slug, schema_name)
    return store


def purge_store(*, store: Store) -> None:
    """Delete a store for good: its schema, its rows in the public schema and its media folder."""
    schema_name = store.schema_name
    connection.set_schema_to_public()
    with transaction.atomic():
        StoreDomain.objects.filter(tenant=store).delete()
        store.delete()
        _drop_schema(schema_name)
    media_folder = Path(settings.MEDIA_ROOT) / schema_name
    shutil.rmtree(media_folder, ignore_errors=True)


def _drop_schema(schema_name: str) -> None:
    if schema_name == settings.PUBLIC_SCHEMA_NAME or not schema_name.startswith("store_"):
        raise ValueError(f"refusing to drop schema {schema_name!r}")
    if schema_exists(schema_name):
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{schema_name}" CASCADE')
