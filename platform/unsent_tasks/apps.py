"""App configuration for task messages kept while the broker was unreachable."""

from django.apps import AppConfig


class UnsentTasksConfig(AppConfig):
    name = "platform.unsent_tasks"
    label = "unsent_tasks"
    verbose_name = "Unsent tasks"
