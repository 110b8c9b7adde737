"""App configuration for task messages kept while the broker was unreachable."""

from django.apps import AppConfig


class UnsentTasksConfig(AppConfig):
    name = "platform.unsent_tasks"
    label = "unsent_tasks"
    verbose_name = "Unsent tasks"

    def ready(self) -> None:
        from platform.kit.queueing import keep_unsent_messages_with

        from .services import send_or_keep

        # Every enqueue_for_store sends through send_or_keep: a down broker never fails the change (see services).
        keep_unsent_messages_with(send_or_keep)
