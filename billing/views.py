"""The Stripe webhook endpoint on the platform host: verify, store once, answer 2xx; a task does the rest."""

import logging

import stripe
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .webhooks import record_stripe_event

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    try:
        event, created = record_stripe_event(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except (stripe.SignatureVerificationError, ValueError, KeyError) as error:
        logger.warning("refused a Stripe webhook: %s", error)
        return JsonResponse({"error": "invalid signature or payload"}, status=400)
    return JsonResponse({"received": event.event_id, "duplicate": not created})
