"""Run by test_error_reporting.py as a process of its own: one request to a view that raises, through every
middleware, with error reporting as the environment (SENTRY_DSN or not) configured it. Prints what happened."""

import json

import django

django.setup()

import sentry_sdk  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import path  # noqa: E402


def broken(request):
    raise RuntimeError("sentry probe: a view that fails")


urlpatterns = [path("broken/", broken, name="broken")]

if __name__ == "__main__":
    with override_settings(PUBLIC_SCHEMA_URLCONF="__main__", DEBUG=False):
        response = Client(raise_request_exception=False).get(
            "/broken/?email=buyer@example.com", HTTP_HOST="localhost", HTTP_COOKIE="sessionid=secret-session-value"
        )
    active = sentry_sdk.get_client().is_active()
    if active:
        sentry_sdk.flush(timeout=30)
    print(json.dumps({"status": response.status_code, "sentry_active": active}))
