"""The move of a store's existing inbox messages into conversations, run for real on a store's schema."""

from datetime import UTC, datetime

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.storefront.checkout.support import in_store

BEFORE = [("inbox", "0001_initial")]
AFTER = [("inbox", "0002_conversations")]


def _migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_messages_become_one_conversation_per_address(store_a):
    at = [datetime(2026, 11, day, 9, 0, tzinfo=UTC) for day in (1, 2, 3, 4)]
    with in_store(store_a):
        try:
            old = _migrate(BEFORE).get_model("inbox", "ContactMessage")
            rows = [
                ("Robin", "robin@example.com", "Tent sizes", at[0], at[0], "owner@alpha.test"),
                ("Sam", "sam@example.com", "Pegs", at[1], None, ""),
                ("Robin R.", "ROBIN@example.com", "Colours", at[2], None, ""),
                ("Kim", "kim@example.com", "Bulk", at[3], at[3], "staff@alpha.test"),
            ]
            for name, email, subject, created, handled_at, handled_by in rows:
                made = old.objects.create(
                    name=name, email=email, subject=subject, message=f"About {subject}",
                    handled_at=handled_at, handled_by=handled_by,
                )  # fmt: skip
                old.objects.filter(pk=made.pk).update(created_at=created)
            new = _migrate(AFTER)
        finally:
            _migrate(AFTER)  # the schema as every other test expects it, whatever failed above
        Conversation = new.get_model("inbox", "Conversation")
        threads = {thread.email: thread for thread in Conversation.objects.all()}
        assert sorted(threads) == ["kim@example.com", "robin@example.com", "sam@example.com"]
        robin = threads["robin@example.com"]
        # Named and titled by the first message; its time is the last one's; not handled while one message wasn't.
        assert (robin.name, robin.subject, robin.created_at, robin.last_message_at) == (
            "Robin",
            "Tent sizes",
            at[0],
            at[2],
        )
        assert (robin.handled_at, robin.seller_read_at, robin.last_buyer_message_at) == (None, None, at[2])
        assert list(robin.messages.order_by("created_at").values_list("subject", "author")) == [
            ("Tent sizes", "buyer"), ("Colours", "buyer")
        ]  # fmt: skip
        kim = threads["kim@example.com"]
        assert (kim.handled_at, kim.handled_by, kim.seller_read_at) == (at[3], "staff@alpha.test", at[3])
        assert threads["sam@example.com"].messages.count() == 1
        assert len({thread.link_key for thread in threads.values()}) == 3
