"""The 503 answer for a failing dependency, where the error is raised outside any view."""

import json

from django.core.handlers.exception import convert_exception_to_response
from django.db import connections

from platform.outages import DependencyOutageMiddleware
from tests.support import free_port


def unreachable_database_middleware(request):
    """A middleware whose database refuses connections, as a session save does when PostgreSQL is down."""
    default = connections["default"]
    unreachable = type(default)({**default.settings_dict, "PORT": str(free_port())}, alias="unreachable")
    unreachable.ensure_connection()


def test_an_error_raised_in_another_middleware_is_answered_503_not_500_even_with_debug_on(rf, settings, db):
    settings.DEBUG = True
    # Django turns the error into its debug 500 page inside the failing middleware's own wrapper, as in MIDDLEWARE.
    handler = DependencyOutageMiddleware(convert_exception_to_response(unreachable_database_middleware))
    page = handler(rf.get("/cart/", HTTP_HOST="alpha.localhost"))
    assert (page.status_code, page["Retry-After"]) == (503, "30")
    assert "We'll be back in a moment" in page.content.decode() and "Traceback" not in page.content.decode()

    api = handler(rf.get("/api/products", HTTP_HOST="alpha.localhost"))
    assert (api.status_code, api["Content-Type"]) == (503, "application/json")
    assert json.loads(api.content)["detail"].startswith("The service is briefly unavailable")


def test_other_errors_keep_their_500(rf, settings):
    settings.DEBUG = False

    def broken_middleware(request):
        raise RuntimeError("a bug, not an outage")

    handler = DependencyOutageMiddleware(convert_exception_to_response(broken_middleware))
    assert handler(rf.get("/")).status_code == 500
