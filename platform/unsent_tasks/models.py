"""Task messages the broker could not take when the change that asked for them committed."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class UnsentTask(models.Model):
    """One task message, kept in the public schema until the beat sends it again (services.resend_unsent)."""

    task = models.CharField(max_length=200)
    schema_name = models.CharField(max_length=63)
    args = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    kwargs = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.task} for {self.schema_name}"
