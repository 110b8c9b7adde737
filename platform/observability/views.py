"""The ``/metrics`` endpoint on the platform host, for Prometheus only."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .metrics import render_metrics

# prometheus_client's text exposition format.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _bearer_token_matches(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def _from_allowed_network(request: HttpRequest) -> bool:
    # Through the proxy every request comes from its address (often loopback): only a direct connection's address
    # says who is asking, so a proxied request must bring the token.
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in settings.METRICS_ALLOWED_NETWORKS)


def scrape_allowed(request: HttpRequest) -> bool:
    return _bearer_token_matches(request) or _from_allowed_network(request)


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Every process's counters and histograms and the backlogs, for a scraper with the token or on an allowed network."""
    if not scrape_allowed(request):
        return HttpResponse(
            "Metrics are for the monitoring system: send Authorization: Bearer <MERCATO_METRICS_TOKEN>, "
            "or scrape directly (not through the proxy) from an allowed network.\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(render_metrics(), content_type=CONTENT_TYPE)
