"""Dashboard access: every page needs this store's staff with the page's role; other stores' staff get 403."""

import pytest
from django.urls import URLPattern

from storefront.dashboard import urls as dashboard_urls
from tests.conftest import add_member, host_of, make_user, sign_in_on

SAMPLE_KWARGS = {"slug": "about", "membership_id": "1", "claim_id": "1", "token": "x"}
PROTECTED = [pattern for pattern in dashboard_urls.urlpatterns if hasattr(pattern.callback, "required_role")]


def _path(pattern: URLPattern) -> str:
    route = str(pattern.pattern)
    for name, value in SAMPLE_KWARGS.items():
        for converter in ("slug", "int", "str"):
            route = route.replace(f"<{converter}:{name}>", value)
    return f"/dashboard/{route}"


def test_every_dashboard_page_is_protected():
    unprotected = {str(p.pattern) for p in dashboard_urls.urlpatterns} - {str(p.pattern) for p in PROTECTED}
    assert unprotected == {"login/", "logout/", "handoff/", "invitations/<str:token>/"}


@pytest.mark.parametrize("pattern", PROTECTED, ids=lambda p: p.name)
@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_of_another_store_gets_403_on_every_dashboard_url(client, store_a, store_b, pattern, method):
    outsider = make_user("owner@beta.test")
    add_member(store_b, outsider, "owner")
    # Even holding a valid session on store A's host, an owner of B is nobody on A.
    sign_in_on(client, outsider, store_a)
    response = getattr(client, method)(_path(pattern), HTTP_HOST=host_of(store_a))
    assert response.status_code == 403


@pytest.mark.parametrize("pattern", PROTECTED, ids=lambda p: p.name)
def test_anonymous_visitors_are_sent_to_sign_in(client, store_a, pattern):
    response = client.get(_path(pattern), HTTP_HOST=host_of(store_a))
    assert response.status_code == 302
    assert response["Location"].startswith("/dashboard/login/?next=")


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        ("staff", ["/dashboard/"], ["/dashboard/settings/", "/dashboard/pages/", "/dashboard/staff/", "/dashboard/close/"]),
        ("manager", ["/dashboard/", "/dashboard/settings/", "/dashboard/pages/", "/dashboard/navigation/"],
         ["/dashboard/staff/", "/dashboard/domains/", "/dashboard/close/"]),
        ("owner", ["/dashboard/", "/dashboard/settings/", "/dashboard/staff/", "/dashboard/domains/", "/dashboard/close/"], []),
    ],
)  # fmt: skip
def test_roles_limit_what_each_member_can_open(client, store_a, role, allowed, refused):
    member = make_user(f"{role}@alpha.test")
    add_member(store_a, member, role)
    sign_in_on(client, member, store_a)
    for path in allowed:
        assert client.get(path, HTTP_HOST=host_of(store_a)).status_code == 200, path
    for path in refused:
        assert client.get(path, HTTP_HOST=host_of(store_a)).status_code == 403, path
