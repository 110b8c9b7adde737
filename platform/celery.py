"""The Celery application; tasks carry the schema of the store they were enqueued for (tenant-schemas-celery)."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform.settings")

app = CeleryApp("mercato")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
