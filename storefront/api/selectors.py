"""Reads of a store's API tokens."""

from django.db.models import QuerySet

from .models import ApiToken


def api_tokens() -> QuerySet[ApiToken]:
    return ApiToken.objects.order_by("-created_at", "-id")


def api_token(token_id: int) -> ApiToken | None:
    return api_tokens().filter(pk=token_id).first()
