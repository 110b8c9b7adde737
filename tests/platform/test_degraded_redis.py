"""This process's cache and task broker on a private redis-server, stopped or frozen: what still works, and how.

The app in the test process is pointed at the test's own redis-server (caches, Celery's broker and results), then
that server is stopped (SIGTERM) or frozen (SIGSTOP). See docs/reliability.md.
"""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

from platform.accounts.services import make_handoff_token
from platform.celery import app
from platform.kit import ratelimit
from platform.unsent_tasks.models import UnsentTask
from platform.unsent_tasks.services import resend_unsent
from storefront.catalog.services import create_product
from storefront.orders.models import Order
from storefront.themes.selectors import store_profile
from storefront.themes.services import update_profile
from tests.conftest import host_of, wait_for_email
from tests.faults import PrivateRedis, eventually
from tests.storefront.checkout.support import add, buy, in_store, make_shipping, make_variant

pytestmark = pytest.mark.slow


@dataclass
class RedisForThisProcess:
    redis: PrivateRedis
    _broker: ExitStack

    def broker_back_to_the_run_s_own(self) -> None:
        """Publish to the Redis the test run's worker consumes from again."""
        self._broker.close()


def _fresh_publishing() -> None:
    # The app caches its connection and producer pools: drop them so the next publish connects anew.
    app._pool, app.amqp._producer_pool = None, None


@pytest.fixture
def private_redis(settings, tmp_path) -> Iterator[RedisForThisProcess]:
    """This process's caches (routing, sessions, pages, limits), task broker and results on a redis-server of its own."""
    redis = PrivateRedis(tmp_path)
    redis.start()
    caches = copy.deepcopy(settings.CACHES)
    for alias in caches.values():
        alias["LOCATION"] = redis.url
    settings.CACHES = caches
    broker = ExitStack()
    patch = broker.enter_context(pytest.MonkeyPatch.context())
    patch.setitem(app.conf, "broker_url", redis.url)
    patch.setitem(app.conf, "broker_write_url", redis.url)
    # The results too, as in a deployment where REDIS_URL serves all three.
    patch.setitem(app.conf, "result_backend", redis.url)
    patch.setattr(app._local, "backend", app._get_backend(), raising=False)
    broker.callback(_fresh_publishing)
    _fresh_publishing()
    yield RedisForThisProcess(redis, broker)
    broker.close()
    redis.stop()
    ratelimit._local.clear()


def redis_answers_again() -> bool:
    cache.set("outage-probe", "back", 60)
    return cache.get("outage-probe") == "back"


def test_a_checkout_completes_with_redis_and_the_broker_down(
    client, store_a, private_redis, sandbox_server, django_capture_on_commit_callbacks
):
    with in_store(store_a):
        lamp = make_variant("Outage Lamp", "20.00", stock=5)
        _, rate = make_shipping()
    private_redis.redis.stop()

    add(client, store_a, lamp)
    # The commit's own callbacks run too: the page cache's version bump, the directory's drain.
    with django_capture_on_commit_callbacks(execute=True):
        response = buy(client, store_a, rate)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{sandbox_server.url}/c/pay/cs_test_")
    with in_store(store_a):
        order = Order.objects.get()
        lamp.refresh_from_db()
        assert (order.status, order.stock_state, lamp.stock) == ("pending_payment", "reserved", 4)


def test_sign_in_limits_still_hold_with_redis_down_one_count_per_account_on_every_host(
    client, store_a, store_b, private_redis
):
    private_redis.redis.stop()
    attempt = {"email": "someone@example.com", "password": "not the password"}
    answers = [client.post("/dashboard/login/", attempt, HTTP_HOST=host_of(store_a)).status_code for _ in range(11)]
    assert answers == [400] * 10 + [429]
    # One count per account on every host, as in Redis: another store's login page is no way around the lockout.
    assert client.post("/dashboard/login/", attempt, HTTP_HOST=host_of(store_b)).status_code == 429


def test_a_sign_in_link_used_while_redis_is_down_asks_to_try_again_then_works_once(
    client, store_a, owner_a, private_redis
):
    link = f"/dashboard/handoff/?token={make_handoff_token(user=owner_a, store=store_a)}"
    private_redis.redis.stop()
    # Whether the link was used before is only known to Redis: no guess either way.
    refused = client.get(link, HTTP_HOST=host_of(store_a))
    assert refused.status_code == 503 and refused["Retry-After"] == "30"
    assert "We'll be back in a moment" in refused.content.decode()

    private_redis.redis.start()
    used = eventually(
        lambda: (answer := client.get(link, HTTP_HOST=host_of(store_a))).status_code == 302 and answer,
        what="the link accepted once Redis is back",
    )
    assert used["Location"] == "/dashboard/"
    assert client.get(link, HTTP_HOST=host_of(store_a)).status_code == 403  # used now, and so known to be


def test_cache_writes_missed_while_redis_was_frozen_are_undone_when_it_thaws_for_that_store_only(
    store_a, store_b, private_redis
):
    for store in (store_a, store_b):
        with schema_context(store.schema_name):
            cache.set("outage:entry", f"{store.slug} before", 600)
    private_redis.redis.freeze()
    with schema_context(store_a.schema_name):
        cache.delete("outage:entry")  # the change that should drop store A's entry; Redis never hears of it
        assert cache.get("outage:entry") is None  # meanwhile: a miss, never an error

    private_redis.redis.resume()
    eventually(redis_answers_again, what="Redis in use again")
    with schema_context(store_a.schema_name):
        assert cache.get("outage:entry") is None  # the old entry did not come back with Redis
    with schema_context(store_b.schema_name):
        assert cache.get("outage:entry") == "beta before"  # another store's entry of the same name is untouched


def test_a_task_the_broker_could_not_take_is_kept_and_sent_once_it_is_back(
    client, store_a, private_redis, celery_worker, django_capture_on_commit_callbacks
):
    # An address of this test's own: the worker's outbox is shared by the whole run.
    desk = "outage-desk@alpha.test"
    with in_store(store_a), django_capture_on_commit_callbacks(execute=True):
        update_profile(profile=store_profile(), contact_email=desk)
    private_redis.redis.stop()
    subject = f"Outage {uuid.uuid4().hex[:8]}"
    message = {"name": "Sam", "email": "sam@example.com", "subject": subject, "message": "Is the tent waterproof?"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/contact/", message, HTTP_HOST=host_of(store_a))
    assert response.status_code == 302  # the buyer's message is taken; its email to the seller waits
    [kept] = UnsentTask.objects.all()
    assert (kept.task, kept.kwargs["to"]) == ("accounts.send_email", desk)
    assert "Connection refused" in kept.error

    assert resend_unsent() == 0  # the broker still refuses: the message stays
    assert UnsentTask.objects.count() == 1

    private_redis.broker_back_to_the_run_s_own()
    assert resend_unsent() == 1
    assert not UnsentTask.objects.exists()
    assert f"[{store_a.name}] Message: {subject}" in wait_for_email(celery_worker, to=desk, subject=subject)


def test_a_kept_task_keeps_the_store_it_was_for(store_a, store_b, private_redis, django_capture_on_commit_callbacks):
    from platform.kit.queueing import enqueue_for_store
    from storefront.catalog.tasks import run_catalog_export

    private_redis.redis.stop()
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_for_store(run_catalog_export, schema_name=store_a.schema_name, args=(41,))
        enqueue_for_store(run_catalog_export, schema_name=store_b.schema_name, args=(42,))
    kept = list(UnsentTask.objects.order_by("id").values_list("task", "schema_name", "args"))
    assert kept == [
        ("catalog.run_catalog_export", store_a.schema_name, [41]),
        ("catalog.run_catalog_export", store_b.schema_name, [42]),
    ]


def test_with_the_broker_down_a_change_s_own_drain_fails_fast_without_waiting_on_the_result_store(
    store_a, private_redis, caplog, django_capture_on_commit_callbacks
):
    private_redis.redis.stop()
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True), in_store(store_a):
        for title in ("Outage Cup", "Outage Bowl"):
            create_product(title=title, price="5.00")  # each sends a directory drain once committed
    failures = [r for r in caplog.records if r.getMessage().startswith("could not send a directory drain")]
    # The broker's own refusal each time; asking for a result would have the second one retry the result store
    # for about 20 seconds and end in "Retry limit exceeded while trying to reconnect to the Celery result store".
    assert [type(r.exc_info[1]).__name__ for r in failures] == ["OperationalError", "OperationalError"]
    assert all("Connection refused" in str(r.exc_info[1]) for r in failures)
