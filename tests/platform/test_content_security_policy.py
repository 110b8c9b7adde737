"""Every page carries a strict Content-Security-Policy, and the templates give it nothing inline to refuse.

tests/browser/test_csp_in_browser.py opens the pages in Chromium and checks that none reports a violation.
"""

import re
import subprocess
import sys

import pytest
from django_tenants.utils import schema_context

from storefront.themes.models import StoreProfile
from storefront.themes.selectors import forget_store_profile
from tests.conftest import child_env, host_of, sign_in_on
from tests.support import REPO

STRICT = [
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    # Pictures from the page's host and, for the directory's product pictures, from stores' hosts only.
    "img-src 'self' data: http://*.localhost:8000",
]


def _directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part for part in (item.strip() for item in policy.split(";"))}


@pytest.mark.parametrize(
    ("host", "path"),
    [
        ("localhost", "/"),
        ("localhost", "/signup/"),
        ("localhost", "/search?q=tent"),
        ("alpha.localhost", "/"),
        ("alpha.localhost", "/products/"),
        ("alpha.localhost", "/account/signin/"),
        ("alpha.localhost", "/api/docs"),
        ("alpha.localhost", "/api/products"),
        ("alpha.localhost", "/dashboard/login/"),
    ],
)
def test_every_kind_of_page_has_the_strict_policy(client, store_a, host, path):
    response = client.get(path, HTTP_HOST=host)
    assert response.status_code == 200, response.status_code
    directives = _directives(response)
    assert [rule for rule in STRICT if rule not in response["Content-Security-Policy"]] == []
    # No 'unsafe-inline' or 'unsafe-eval' anywhere, and no nonce where the page needs none.
    assert "unsafe" not in response["Content-Security-Policy"]
    assert directives["script-src"] == "script-src 'self'" and directives["style-src"] == "style-src 'self'"
    # Forms whose answer sends the browser on: to a store's host, and to Stripe's pages (the sandbox's here).
    assert directives["form-action"].startswith("form-action 'self' http://localhost:8000 http://*.localhost:8000 ")


def test_a_cached_store_page_has_the_policy_too(client, store_a):
    first = client.get("/", HTTP_HOST=host_of(store_a))
    again = client.get("/", HTTP_HOST=host_of(store_a))
    assert again["X-Page-Cache"] == "hit"
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_the_console_marks_its_inline_bits_with_a_fresh_nonce(client, db):
    from tests.conftest import make_user

    admin = make_user("csp-admin@mercato.test")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    pages = [client.get("/admin/tenants/store/", HTTP_HOST="localhost") for _ in range(2)]
    nonces = []
    for page in pages:
        nonce = re.search(r"'nonce-([\w-]+)'", _directives(page)["script-src"]).group(1)
        assert f'nonce="{nonce}"' in page.content.decode()
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_the_templates_have_no_inline_script_style_or_event_handler():
    """What the policy would refuse, found before a browser does: the project's own templates stay clean."""
    offenders = []
    for template in sorted((REPO / "templates").rglob("*.html")):
        text = template.read_text()
        for pattern in (
            r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(ld\+)?json\")[^>]*>",
            r"<style\b",
            r"\sstyle=",
            r"\son[a-z]+=",
            r"javascript:",
        ):
            offenders += [f"{template.relative_to(REPO)}: {match.group(0)}" for match in re.finditer(pattern, text)]
    assert offenders == []


def test_a_store_stylesheet_carries_its_own_colours_and_hero_and_no_other_stores(client, store_a, store_b):
    with schema_context(store_a.schema_name):
        StoreProfile.objects.filter(pk=1).update(
            primary_colour="#102030", accent_colour="#a0b0c0", hero_image='x/h".png'
        )
        forget_store_profile()
    page = client.get("/", HTTP_HOST=host_of(store_a)).content.decode()
    link = re.search(r'<link rel="stylesheet" href="(/store\.css\?v=\w+)">', page).group(1)
    css = client.get(link, HTTP_HOST=host_of(store_a))
    assert css["Content-Type"] == "text/css; charset=utf-8"
    assert css["Cache-Control"] == "public, max-age=31536000, immutable"
    body = css.content.decode()
    assert ":root { --brand: #102030; --accent: #a0b0c0; }" in body
    # The picture's address is in a quoted CSS string that its own characters can't end.
    with schema_context(store_a.schema_name):
        url = StoreProfile.objects.get().hero_image.url
    assert url.startswith("/media/store_alpha/x/h") and '"' not in url
    assert f'.hero-full {{ background-image: url("{url}"); }}' in body
    other = client.get("/store.css", HTTP_HOST=host_of(store_b)).content.decode()
    assert "#102030" not in other and "store_alpha" not in other
    assert client.get("/store.css?v=old", HTTP_HOST=host_of(store_a))["Cache-Control"] == "no-cache"


def test_a_colour_that_got_past_the_form_cannot_add_rules(client, store_a):
    with schema_context(store_a.schema_name):
        StoreProfile.objects.filter(pk=1).update(primary_colour="#1;}*{a")  # seven characters, as the column allows
        forget_store_profile()
    body = client.get("/store.css", HTTP_HOST=host_of(store_a)).content.decode()
    assert body.startswith(":root { --brand: #1d2330;") and "*{a" not in body


def test_the_dashboard_pages_have_the_policy(client, store_a, owner_a):
    sign_in_on(client, owner_a, store_a)
    response = client.get("/dashboard/products/", HTTP_HOST=host_of(store_a))
    assert response.status_code == 200
    assert _directives(response)["script-src"] == "script-src 'self'"


def test_production_allows_https_hosts_and_stripe_itself():
    code = "from django.conf import settings; print(' '.join(settings.SECURE_CSP['form-action']))"
    env = {
        **child_env(MERCATO_SECRET_KEY="k" * 64, STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x"),
        "DJANGO_SETTINGS_MODULE": "platform.settings.production",
        "MERCATO_BASE_DOMAIN": "mercato.example",
        "MERCATO_PORT": "443",
    }
    script = f"import django; django.setup(); {code}"
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [
        "'self'",
        "https://mercato.example",
        "https://*.mercato.example",
        "https://checkout.stripe.com",
        "https://billing.stripe.com",
        "https://connect.stripe.com",
    ]
