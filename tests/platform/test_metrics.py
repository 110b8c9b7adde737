"""/metrics: every process's counts merged, backlogs read when scraped, bounded labels, and only for the scraper."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from platform.celery import app
from platform.unsent_tasks.models import UnsentTask
from tests.conftest import host_of
from tests.storefront.checkout.support import add, buy, in_store, make_shipping, make_variant, pay_on_stripe
from tests.stripe_sandbox import WEBHOOK_PATH
from tests.support import WAIT_TIMEOUT, wait_until

# Every label a Mercato metric may have: none names a store, a host or anything a visitor typed.
ALLOWED_LABELS = {"view", "method", "status", "task", "outcome", "queue", "source", "le"}


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    """The scrape as {(sample name, sorted labels): value}, parsed by prometheus_client's own parser."""
    response = client.get("/metrics", HTTP_HOST="localhost", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_by_route_name_and_status_never_by_store_or_host(client, store_a, store_b):
    before = scrape(client)
    # A query string of its own: an earlier test's copy in the page cache would answer without a query.
    fresh = uuid.uuid4().hex
    for store in (store_a, store_b):
        assert client.get(f"/products/?fresh={fresh}", HTTP_HOST=host_of(store)).status_code == 200
    assert client.get("/no-such-page/", HTTP_HOST=host_of(store_a)).status_code == 404
    after = scrape(client)

    count = "mercato_http_requests_total"
    assert (
        value(after, count, view="storefront-products", method="GET", status="200")
        - value(before, count, view="storefront-products", method="GET", status="200")
        == 2
    )  # both stores' requests in one series
    assert (
        value(after, count, view="<unrouted>", method="GET", status="404")
        - value(before, count, view="<unrouted>", method="GET", status="404")
        == 1
    )
    latency = "mercato_http_request_duration_seconds_count"
    assert value(after, latency, view="storefront-products") - value(before, latency, view="storefront-products") == 2
    # Each of those requests made at least one query (the product list), and the histogram saw both.
    queries = "mercato_http_request_db_queries"
    assert (
        value(after, f"{queries}_count", view="storefront-products")
        - value(before, f"{queries}_count", view="storefront-products")
        == 2
    )
    assert value(after, f"{queries}_sum", view="storefront-products") > value(
        before, f"{queries}_sum", view="storefront-products"
    )
    assert value(after, f"{queries}_bucket", view="storefront-products", le="0.0") == value(
        before, f"{queries}_bucket", view="storefront-products", le="0.0"
    )

    labels = {name for (sample, sample_labels) in after if sample.startswith("mercato_") for name, _ in sample_labels}
    assert labels <= ALLOWED_LABELS
    values = {label_value for (sample, sample_labels) in after for _, label_value in sample_labels}
    assert not [each for each in values if "alpha" in each or "beta" in each or "localhost" in each]


def test_only_the_scraper_may_read_metrics(client, store_a, settings):
    settings.METRICS_TOKEN = "s3cret-scrape-token-for-tests"
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8", "10.1.0.0/16"]
    outsider = {"HTTP_HOST": "localhost", "REMOTE_ADDR": "203.0.113.7"}
    refused = client.get("/metrics", **outsider)
    assert refused.status_code == 403 and "MERCATO_METRICS_TOKEN" in refused.content.decode()
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong-token", **outsider).status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Basic czNjcmV0", **outsider).status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {settings.METRICS_TOKEN}", **outsider).status_code == 200
    assert client.get("/metrics", HTTP_HOST="localhost", REMOTE_ADDR="10.1.4.2").status_code == 200
    assert client.get("/metrics", HTTP_HOST="localhost", REMOTE_ADDR="127.0.0.1").status_code == 200
    # Through the proxy the address is the proxy's own, so it proves nothing: the token is needed.
    proxied = {"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.4"}
    assert client.get("/metrics", **proxied).status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {settings.METRICS_TOKEN}", **proxied).status_code == 200
    # Stores' hosts have no metrics page at all.
    assert client.get("/metrics", HTTP_HOST=host_of(store_a)).status_code == 404


def test_backlogs_are_read_when_scraped(client, settings, db):
    """Queue depth from the broker's list, and the unsent-task backlog from PostgreSQL."""
    queue = f"metrics-test-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue  # a queue no worker reads
    redis = app.connection_for_write().default_channel.client
    try:
        for _ in range(3):
            app.send_task("accounts.send_email", kwargs={}, queue=queue, ignore_result=True)
        UnsentTask.objects.create(task="accounts.send_email", schema_name="public", error="broker down")
        UnsentTask.objects.create(task="accounts.send_email", schema_name="public", error="broker down")
        samples = scrape(client)
    finally:
        redis.delete(queue, f"_kombu.binding.{queue}")  # the messages, and the binding kombu declared for them
    assert value(samples, "mercato_celery_queue_length", queue=queue) == 3
    assert value(samples, "mercato_unsent_tasks") == UnsentTask.objects.count() == 2
    assert value(samples, "mercato_schema_pool_ready") == 0  # the tests' pool is empty unless a test fills it
    assert value(samples, "mercato_schema_pool_target") == settings.SCHEMA_POOL_SIZE
    assert value(samples, "mercato_metrics_source_up", source="broker") == 1
    assert value(samples, "mercato_metrics_source_up", source="database") == 1


@pytest.mark.slow
def test_the_schema_pool_gauge_counts_ready_schemas(client, ready_schema):
    assert value(scrape(client), "mercato_schema_pool_ready") == 1


def test_a_failing_task_is_counted_as_a_failure_of_that_task(client):
    before = value(scrape(client), "mercato_celery_tasks_total", task="accounts.send_email", outcome="failure")
    result = app.tasks["accounts.send_email"].apply(kwargs={"to": "x@example.com"})  # "subject" and "body" missing
    assert result.failed()
    after = value(scrape(client), "mercato_celery_tasks_total", task="accounts.send_email", outcome="failure")
    assert after - before == 1


@pytest.fixture
def shop(committed):
    """A committed store (the worker is another process) whose orders and new products are removed after."""
    from storefront.cart.models import Cart
    from storefront.catalog.models import Product
    from storefront.checkout.models import ShippingZone
    from storefront.orders.models import Order
    from tenants.models import Store

    store = Store.objects.get(slug="alpha")
    with in_store(store):
        before = set(Product.objects.values_list("pk", flat=True))
    yield store
    with in_store(store):
        Order.objects.all().delete()
        Cart.objects.all().delete()
        ShippingZone.objects.all().delete()
        Product.objects.exclude(pk__in=before).delete()
    connection.set_schema_to_public()


def test_a_purchase_shows_in_the_metrics_of_the_web_and_the_worker(
    shop, client, celery_worker, sandbox_server, webhook_receiver
):
    checkout = ("mercato_http_requests_total", {"view": "checkout", "method": "POST"})
    stripe_task = {"task": "billing.process_stripe_event", "outcome": "success"}
    before = scrape(client)
    with in_store(shop):
        lamp = make_variant("Metrics Lamp", "20.00", stock=4)
        _, flat = make_shipping(tax="0")
    add(client, shop, lamp, 1)
    response = buy(client, shop, flat, email="metrics@example.com")
    assert response.status_code == 302
    webhook_receiver.clear()
    pay_on_stripe(response["Location"])
    sandbox_server.drain()
    completed = next(
        item for item in webhook_receiver.received
        if item.path == WEBHOOK_PATH and item.event["type"] == "checkout.session.completed"
    )  # fmt: skip
    delivered = client.post(
        "/billing/stripe/webhook/", data=completed.body, content_type="application/json", HTTP_HOST="localhost",
        HTTP_STRIPE_SIGNATURE=completed.headers["Stripe-Signature"],
    )  # fmt: skip
    assert delivered.status_code == 200

    # The worker's counts reach the same scrape: its process writes to the same metrics folder.
    def worker_counted() -> dict | None:
        samples = scrape(client)
        done = value(samples, "mercato_celery_tasks_total", **stripe_task) > value(
            before, "mercato_celery_tasks_total", **stripe_task
        )
        return samples if done else None

    after = wait_until(worker_counted, what="the worker's count of the Stripe event task")
    name, labels = checkout
    # "Update totals" answers the page again (200), "Pay" redirects to Stripe (302).
    assert value(after, name, **labels, status="200") - value(before, name, **labels, status="200") == 1
    assert value(after, name, **labels, status="302") - value(before, name, **labels, status="302") == 1
    webhook = {"view": "billing-stripe-webhook", "method": "POST", "status": "200"}
    assert value(after, name, **webhook) - value(before, name, **webhook) == 1
    labels_seen = {
        label for (sample, sample_labels) in after if sample.startswith("mercato_") for label, _ in sample_labels
    }
    assert labels_seen <= ALLOWED_LABELS


def test_every_gunicorn_worker_counts_into_the_one_scrape(live_server_url):
    """gunicorn runs two worker processes here; whichever answers the scrape reports both workers' requests."""
    base = f"http://127.0.0.1:{live_server_url}"

    def live_scrape() -> dict:
        response = requests.get(f"{base}/metrics", headers={"Host": "localhost"}, timeout=WAIT_TIMEOUT)
        assert response.status_code == 200
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        }

    def visit(_: int) -> int:
        headers = {"Host": "beta.localhost", "Connection": "close"}
        return requests.get(f"{base}/products/", headers=headers, timeout=WAIT_TIMEOUT).status_code

    labels = {"view": "storefront-products", "method": "GET", "status": "200"}
    before = value(live_scrape(), "mercato_http_requests_total", **labels)
    with ThreadPoolExecutor(max_workers=8) as pool:  # several at once, so both workers take some
        assert set(pool.map(visit, range(24))) == {200}
    scrapes = [live_scrape() for _ in range(4)]  # answered by either worker: each sees all 24
    assert [value(each, "mercato_http_requests_total", **labels) - before for each in scrapes] == [24] * 4


def test_a_task_that_retries_then_succeeds_is_counted_as_both(committed, client, celery_worker):
    """The real worker: a thumbnail whose picture file is not there yet retries; once the file is there it succeeds."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import transaction

    from storefront.catalog.models import Product
    from storefront.catalog.services import add_product_image, create_product
    from tenants.models import Store
    from tenants.storage import write_store_media
    from tests.storefront.catalog.factories import png

    def count(outcome: str) -> float:  # a request to the platform host: the connection goes back to public
        return value(scrape(client), "mercato_celery_tasks_total", task="catalog.make_image_thumbnail", outcome=outcome)

    store = Store.objects.get(slug="alpha")
    retries, successes, failures = count("retry"), count("success"), count("failure")
    picture = png(30, 30)
    with in_store(store):
        product = create_product(title="Metrics Retry Lamp", price="5.00")
    try:
        with in_store(store), transaction.atomic():  # the task is sent on commit, when the file is already gone
            name = add_product_image(product=product, file=ContentFile(picture, name="late.png")).image.name
            default_storage.delete(name)
        wait_until(lambda: count("retry") > retries, what="the thumbnail task's retry to be counted")
        write_store_media(store.schema_name, name, picture)  # the file arrives
        wait_until(lambda: count("success") > successes, what="the retried task's success to be counted")
        assert count("failure") == failures
    finally:
        with in_store(store):
            for image in product.images.all():
                for stored in (image.image.name, image.thumbnail.name):
                    if stored:
                        default_storage.delete(stored)
            Product.objects.filter(pk=product.pk).delete()
