"""Platform admins see each store's subscription and the Stripe events received (read-only) in the admin."""

from billing.models import StripeEvent, Subscription
from platform.accounts.models import User


def test_a_platform_admin_opens_the_subscription_and_event_changelists(client_django, store_a, plans):
    admin = User.objects.create_superuser(email="admin@mercato.test", password="an admin passphrase")
    client_django.force_login(admin)
    Subscription.objects.create(
        store=store_a, plan=plans["starter"], status="past_due", stripe_customer_id="cus_admin_test"
    )
    StripeEvent.objects.create(
        event_id="evt_admin_test", type="invoice.payment_failed", payload={}, stripe_created=1, attempts=2
    )

    subscriptions = client_django.get("/admin/billing/subscription/", HTTP_HOST="localhost")
    assert subscriptions.status_code == 200
    page = subscriptions.content.decode()
    assert "Alpha Outfitters" in page and "Past due" in page and "Past due since" in page

    events = client_django.get("/admin/billing/stripeevent/", HTTP_HOST="localhost")
    assert events.status_code == 200
    page = events.content.decode()
    assert "evt_admin_test" in page and "invoice.payment_failed" in page and "Received" in page
    assert "/admin/billing/stripeevent/add/" not in page
    event = StripeEvent.objects.get(event_id="evt_admin_test")
    # Read-only: the detail page opens, but nothing can be saved or deleted.
    detail = client_django.get(f"/admin/billing/stripeevent/{event.pk}/change/", HTTP_HOST="localhost")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    deleting = client_django.get(f"/admin/billing/stripeevent/{event.pk}/delete/", HTTP_HOST="localhost")
    assert deleting.status_code == 403


def test_the_billing_admin_is_not_on_a_store_host_nor_for_non_staff(client_django, store_a, owner_a):
    client_django.force_login(owner_a)
    response = client_django.get("/admin/billing/subscription/", HTTP_HOST="localhost")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client_django.get("/admin/billing/subscription/", HTTP_HOST="alpha.localhost").status_code == 404
