"""The suite's own rules: what makes a test slow, Stripe only for tests that ask for it, waiting on conditions."""

from __future__ import annotations

import pytest
import stripe
from django.conf import settings

from tests.conftest import NO_SANDBOX, SLOW_FIXTURES, pytest_collection_modifyitems
from tests.support import wait_until


class FakeItem:
    """Just what the collection hook reads and writes of a test item."""

    def __init__(self, *fixturenames: str, marks: tuple[str, ...] = ()) -> None:
        self.fixturenames = list(fixturenames)
        self.marks = list(marks)

    def get_closest_marker(self, name: str) -> object | None:
        return name if name in self.marks else None

    def add_marker(self, marker: pytest.MarkDecorator) -> None:
        self.marks.append(marker.name)


@pytest.mark.parametrize("fixture", sorted(SLOW_FIXTURES))
def test_a_test_that_uses_a_process_or_schema_building_fixture_is_marked_slow(fixture):
    item = FakeItem("db", fixture)
    pytest_collection_modifyitems([item])
    assert item.marks == ["slow"]


def test_browser_tests_are_slow_and_plain_database_tests_are_not():
    browser, plain = FakeItem("page", marks=("browser",)), FakeItem("db", "client", "store_a", "settings")
    pytest_collection_modifyitems([browser, plain])
    assert (browser.marks, plain.marks) == (["browser", "slow"], [])


def test_stripe_is_unreachable_in_a_test_that_did_not_ask_for_the_sandbox():
    from billing.gateway import stripe_client

    assert settings.STRIPE_API_BASE == NO_SANDBOX
    with pytest.raises(stripe.APIConnectionError):
        stripe_client().v1.customers.list()


def test_wait_until_returns_the_first_true_result():
    answers = iter([None, 0, "", "ready", "later"])
    assert wait_until(lambda: next(answers), interval=0) == "ready"


def test_wait_until_names_what_it_waited_for_when_it_gives_up():
    with pytest.raises(AssertionError, match=r"gave up waiting for the moon after 0 s"):
        wait_until(lambda: False, timeout=0, interval=0, what="the moon")
    asked = []
    with pytest.raises(AssertionError, match=r"gave up waiting for a reply \(asked 1 time\) after 0 s"):
        wait_until(lambda: asked.append(1), timeout=0, interval=0, what=lambda: f"a reply (asked {len(asked)} time)")
