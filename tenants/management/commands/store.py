"""manage.py store suspend|reactivate|plan|extend-trial|export|import|purge: console store actions, audited alike."""

import shutil
from pathlib import Path

import stripe
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing.models import Plan
from tenants.archives import services as archives
from tenants.console import actions as console_actions
from tenants.console import selectors as console
from tenants.models import Store, StoreArchive


class Command(BaseCommand):
    help = "Act on one store like the platform console does; every action is written to the audit log."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        suspend = actions.add_parser("suspend", help="take the storefront offline; the owner sees the reason")
        suspend.add_argument("slug")
        suspend.add_argument("--reason", required=True, help="shown to the owner and written to the audit log")

        reactivate = actions.add_parser("reactivate", help="reopen a suspended or closed (not purged) store")
        reactivate.add_argument("slug")
        reactivate.add_argument("--reason", required=True)

        plan = actions.add_parser("plan", help="move the store to a plan (free: end its subscription now)")
        plan.add_argument("slug")
        plan.add_argument("plan", metavar="PLAN", help="the plan's code, e.g. free, starter, pro")
        plan.add_argument("--interval", choices=["month", "year"], default="month")
        plan.add_argument("--trial-days", type=int, help="for a store on Free: the trial granted on the paid plan")
        plan.add_argument("--reason", required=True)

        extend = actions.add_parser("extend-trial", help="move a running trial's end later")
        extend.add_argument("slug")
        extend.add_argument("--days", type=int, required=True, help="1 to 365")
        extend.add_argument("--reason", required=True)

        export = actions.add_parser("export", help="write the store's archive (.zip) now")
        export.add_argument("slug")
        export.add_argument("--output", help="also copy the archive to this path (a file or a folder)")
        export.add_argument("--reason", default="")

        load = actions.add_parser("import", help="make a new store from an archive")
        load.add_argument("archive", help="path of the .zip archive")
        load.add_argument("--slug", required=True, help="the new store's subdomain")
        load.add_argument("--name", default="", help="the new store's name (default: the archived store's)")
        load.add_argument("--owner-email", default="", help="an existing account to make the owner")
        load.add_argument("--reason", default="")

        purge = actions.add_parser("purge", help="delete a closed store for good")
        purge.add_argument("slug")
        purge.add_argument("--confirm", required=True, metavar="SLUG", help="the store's subdomain again, to confirm")
        purge.add_argument("--reason", required=True)

    def handle(self, *args: object, **options: object) -> None:
        action = str(options["action"])
        try:
            getattr(self, f"do_{action.replace('-', '_')}")(options)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        except stripe.StripeError as error:
            raise CommandError(f"Stripe refused the change: {error.user_message or error}") from error

    def _store(self, slug: object) -> Store:
        store = Store.objects.filter(slug__iexact=str(slug)).first()
        if store is None:
            raise CommandError(f"No store with the subdomain {slug!r}.")
        return store

    def do_suspend(self, options: dict) -> None:
        store = self._store(options["slug"])
        console_actions.suspend_store_as_admin(store=store, actor=None, reason=options["reason"])
        self.stdout.write(f"suspended {store.slug}")

    def do_reactivate(self, options: dict) -> None:
        store = self._store(options["slug"])
        console_actions.reactivate_store_as_admin(store=store, actor=None, reason=options["reason"])
        self.stdout.write(f"reactivated {store.slug}")

    def do_plan(self, options: dict) -> None:
        store = self._store(options["slug"])
        plan = Plan.objects.filter(code=str(options["plan"]).lower()).first()
        if plan is None:
            raise CommandError(f"No plan with the code {options['plan']!r}.")
        console_actions.change_plan_as_admin(
            store=store,
            actor=None,
            plan=plan,
            interval=options["interval"],
            reason=options["reason"],
            trial_days=options["trial_days"],
        )
        self.stdout.write(f"{store.slug} is now on {plan.name} ({console.subscription_snapshot(store)['status']})")

    def do_extend_trial(self, options: dict) -> None:
        store = self._store(options["slug"])
        console_actions.extend_trial_as_admin(store=store, actor=None, days=options["days"], reason=options["reason"])
        self.stdout.write(f"extended the trial of {store.slug} by {options['days']} days")

    def do_export(self, options: dict) -> None:
        store = self._store(options["slug"])
        archive = archives.start_export(store=store, actor=None, reason=options["reason"], background=False)
        path = archives.archive_file(archive)
        if archive.status != StoreArchive.Status.DONE or path is None:
            raise CommandError(f"The export of {store.slug} failed: {archive.error}")
        if options["output"]:
            target = Path(options["output"])
            target = target / path.name if target.is_dir() else target
            shutil.copyfile(path, target)
            path = target
        self.stdout.write(f"exported {store.slug} to {path} ({archive.size_bytes} bytes, archive {archive.pk})")

    def do_import(self, options: dict) -> None:
        source = Path(options["archive"])
        if not source.is_file():
            raise CommandError(f"No archive file at {source}.")
        with source.open("rb") as stream:
            archive = archives.start_import(
                source=stream,
                slug=options["slug"],
                name=options["name"],
                owner_email=options["owner_email"],
                actor=None,
                reason=options["reason"],
                filename=source.name,
                background=False,
            )
        if archive.status != StoreArchive.Status.DONE:
            raise CommandError(f"The import failed, no store was made: {archive.error}")
        self.stdout.write(f"imported {source.name} as store {archive.store_slug} (archive {archive.pk})")

    def do_purge(self, options: dict) -> None:
        store = self._store(options["slug"])
        slug = store.slug
        archives.purge_closed_store(store=store, actor=None, confirmation=options["confirm"], reason=options["reason"])
        self.stdout.write(f"purged {slug}")
