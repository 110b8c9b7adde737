"""A review reported as abusive goes through the console's moderation queue; every decision is audited and
reaches only the store the report came from (through a task run in that store's schema, on a real worker)."""

from collections.abc import Iterator

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from platform.accounts.models import User
from platform.directory.models import DirectoryStore, Listing
from storefront.catalog.models import Product
from storefront.orders.models import Order
from storefront.reviews.models import ReputationFigures, Review, ReviewReport
from tenants.models import AdminAction, ReviewModeration, Store
from tests.conftest import STORE_A, STORE_B, add_member, host_of, make_user, sign_in_on, wait_for_email
from tests.storefront.checkout.support import in_store
from tests.storefront.reviews.support import make_order, make_products, post_review
from tests.support import wait_until

REVIEW_KINDS = ("review_approve", "review_hide", "review_warn")


@pytest.fixture
def committed_stores(committed) -> Iterator[list[Store]]:
    """Both stores, with rows committed for the worker; everything the test made is removed afterwards."""
    stores = [Store.objects.get(slug=STORE_A["slug"]), Store.objects.get(slug=STORE_B["slug"])]
    before = {}
    for store in stores:
        with schema_context(store.schema_name):
            before[store.pk] = (
                set(Product.objects.values_list("pk", flat=True)),
                set(Order.objects.values_list("pk", flat=True)),
            )
    users = set(User.objects.values_list("pk", flat=True))
    yield stores
    for store in stores:
        with schema_context(store.schema_name):
            made = Product.objects.exclude(pk__in=before[store.pk][0])
            made_ids = list(made.values_list("pk", flat=True))
            Order.objects.exclude(pk__in=before[store.pk][1]).delete()
            made.delete()
            ReputationFigures.objects.all().delete()
        Listing.objects.filter(store_id=store.pk, product_id__in=made_ids).delete()
        DirectoryStore.objects.filter(pk=store.pk).update(review_count=0, on_time_percent=None, rating=None)
    ReviewModeration.objects.all().delete()
    AdminAction.objects.filter(kind__in=REVIEW_KINDS).delete()
    User.objects.exclude(pk__in=users).delete()


def _report(client, store, review: Review, reason: str):
    return client.post(f"/dashboard/reviews/{review.pk}/report/", {"reason": reason}, HTTP_HOST=host_of(store))


def _decide(client, entry: ReviewModeration, decision: str, reason: str):
    return client.post(
        f"/admin/tenants/reviewmoderation/{entry.pk}/decide/",
        {"decision": decision, "reason": reason},
        HTTP_HOST="localhost",
    )


def _report_status(store, report_id: int) -> str:
    with in_store(store):
        return ReviewReport.objects.get(pk=report_id).status


def test_reported_reviews_through_moderation_approve_hide_and_warn(client, committed_stores, celery_worker):
    store_a, store_b = committed_stores
    lamp, mug, tent = make_products(store_a, "Lamp", "Mug", "Tent")
    order = make_order(store_a, [lamp, mug, tent])
    for product, body in ((lamp, "Fine lamp."), (mug, "The seller is an idiot and a thief."), (tent, "Rude!")):
        assert post_review(client, store_a, order, product, rating="1", body=body).status_code == 302
    with in_store(store_a):
        fine, insult, rude = Review.objects.order_by("pk")
    # Store B holds a review with the very same id as A's insulting one: no decision on A's report may touch it.
    [book] = make_products(store_b, "Book")
    order_b = make_order(store_b, [book])
    with in_store(store_b):
        Review.objects.create(
            id=insult.pk, product=book, order=order_b, order_line=order_b.lines.get(), rating=5, body="Twin."
        )

    seller = make_user("moderation-owner@alpha.test")
    add_member(store_a, seller, "owner")
    sign_in_on(client, seller, store_a)
    for review in (fine, insult, rude):
        assert _report(client, store_a, review, f"Abusive: {review.body}").status_code == 302
    again = _report(client, store_a, insult, "Again")
    assert again.status_code == 409 and "already waiting" in again.content.decode()
    page = client.get("/dashboard/reviews/", HTTP_HOST=host_of(store_a)).content.decode()
    assert page.count("Reported, waiting for Mercato") == 3

    # The console's queue says which store each report is from.
    admin = User.objects.create_superuser(email="moderator@mercato.test", password="a moderator passphrase")
    client = Client()  # the console's session lives on the platform host, apart from the seller's
    with schema_context("public"):
        client.force_login(admin)
    queue_response = client.get("/admin/tenants/reviewmoderation/", HTTP_HOST="localhost")
    assert queue_response.status_code == 200, queue_response
    queue = queue_response.content.decode()
    assert queue.count(f'<td class="field-store_slug">{store_a.slug}</td>') == 3
    entries = {e.review_id: e for e in ReviewModeration.objects.filter(store=store_a)}
    assert set(entries) == {fine.pk, insult.pk, rude.pk}
    assert entries[insult.pk].buyer_email == "sam@example.com"
    decide_page = client.get(f"/admin/tenants/reviewmoderation/{entries[insult.pk].pk}/decide/", HTTP_HOST="localhost")
    assert f"{store_a.name} ({store_a.slug})" in decide_page.content.decode()

    # A decision needs a reason.
    assert _decide(client, entries[fine.pk], "approved", "").status_code == 400
    assert _decide(client, entries[fine.pk], "approved", "Harsh but about the product.").status_code == 302
    assert _decide(client, entries[insult.pk], "hidden", "Insults the seller.").status_code == 302
    assert _decide(client, entries[rude.pk], "warned", "Keep it civil.").status_code == 302
    assert _decide(client, entries[rude.pk], "hidden", "Twice").status_code == 400  # decided already

    wait_until(lambda: _report_status(store_a, entries[insult.pk].report_id) == "hidden", what="the hide task")
    wait_until(lambda: _report_status(store_a, entries[fine.pk].report_id) == "approved", what="the approval")
    wait_until(lambda: _report_status(store_a, entries[rude.pk].report_id) == "warned", what="the warning")
    with in_store(store_a):
        states = dict(Review.objects.values_list("pk", "is_hidden"))
        assert states == {fine.pk: False, insult.pk: True, rude.pk: False}
        assert Review.objects.get(pk=insult.pk).hidden_reason == "Insults the seller."
    with in_store(store_b):
        twin = Review.objects.get(pk=insult.pk)
        assert (twin.is_hidden, twin.body) == (False, "Twin.")
    product_page = client.get(f"/products/{mug.slug}/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "idiot" not in product_page

    # The reputation is recomputed by the store's own task: two visible reviews remain, in the directory too.
    def recomputed() -> bool:
        card = DirectoryStore.objects.filter(pk=store_a.pk).first()
        return card is not None and card.review_count == 2

    wait_until(recomputed, what="the reputation refresh after the hide")
    card_b = DirectoryStore.objects.filter(pk=store_b.pk).first()
    assert card_b is None or card_b.review_count in (0, 1)

    audit = list(AdminAction.objects.filter(kind__in=REVIEW_KINDS).order_by("id"))
    assert [(a.kind, a.store_slug, a.actor_email, a.reason) for a in audit] == [
        ("review_approve", store_a.slug, "moderator@mercato.test", "Harsh but about the product."),
        ("review_hide", store_a.slug, "moderator@mercato.test", "Insults the seller."),
        ("review_warn", store_a.slug, "moderator@mercato.test", "Keep it civil."),
    ]
    warning = wait_for_email(celery_worker, to="sam@example.com", subject=f"About your review at {store_a.name}")
    assert "Keep it civil." in warning


def test_a_seller_can_neither_see_nor_report_another_stores_reviews(client, store_a, store_b):
    lamp, mug = make_products(store_a, "Lamp", "Mug")
    order = make_order(store_a, [lamp, mug])
    post_review(client, store_a, order, lamp, rating="1", body="Secret words of store A")
    with in_store(store_a):
        review = Review.objects.get()
    other = make_user("owner@beta.test")
    add_member(store_b, other, "owner")
    sign_in_on(client, other, store_b)
    assert "Secret words" not in client.get("/dashboard/reviews/", HTTP_HOST=host_of(store_b)).content.decode()
    # By id on B's own host: B has no such review.
    assert _report(client, store_b, review, "Mine now").status_code == 404
    # On A's host, B's seller is no member of A.
    refused = _report(client, store_a, review, "Mine now")
    assert refused.status_code in (302, 403)
    assert not ReviewModeration.objects.exists()
    with in_store(store_a):
        assert not ReviewReport.objects.exists()
    # A report needs a reason.
    owner = make_user("owner@alpha.test")
    add_member(store_a, owner, "owner")
    sign_in_on(client, owner, store_a)
    empty = _report(client, store_a, review, "  ")
    assert empty.status_code == 400 and "Say why this review is abusive." in empty.content.decode()
    assert not ReviewModeration.objects.exists()
