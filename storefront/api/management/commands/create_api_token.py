"""manage.py create_api_token STORE_SLUG NAME [--scope S ...]: issue a seller API token for a store, print it once."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from storefront.api.scopes import ALL_SCOPES
from storefront.api.services import create_api_token
from tenants.models import Store
from tenants.pods.routing import store_context


class Command(BaseCommand):
    help = "Issue an API token for a store's seller API; the token is printed once and cannot be shown again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("store", help="the store's slug, e.g. northwind-coffee")
        parser.add_argument("name", help="what the token is for, e.g. 'stock sync'")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            choices=ALL_SCOPES,
            help="a scope to grant; repeat for more. Without it the token gets every scope, as before scopes existed.",
        )

    def handle(self, *args: object, **options: Any) -> None:
        store = Store.objects.filter(slug=options["store"]).first()
        if store is None:
            raise CommandError(f"No store with the slug {options['store']!r}.")
        with store_context(store):  # on its pod, when it has one
            try:
                issued = create_api_token(name=str(options["name"]), scopes=options["scopes"])
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(issued.secret)
