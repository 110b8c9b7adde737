"""The platform site's home page is a way in (sign up, sign in, search, the stores), and every host has an icon."""

from tests.conftest import add_member, host_of, make_user


def test_the_home_page_leads_to_sign_up_sign_in_search_and_the_stores(client, store_a):
    home = client.get("/", HTTP_HOST="localhost").content.decode()
    for way_in in (
        '<a class="button" href="/signup/">Open your store</a>',
        '<a class="button secondary" href="/login/">Sign in</a>',
        '<a href="/directory/stores/">Browse all stores</a>',
        '<form class="search-form" method="get" action="/search" role="search" id="home-search">',
    ):
        assert way_in in home
    # The header carries them on every platform page, as absolute links (they show on store hosts' error pages too).
    for path in ("/", "/search", "/directory/stores/", "/login/"):
        page = client.get(path, HTTP_HOST="localhost").content.decode()
        assert '<a href="http://localhost:8000/search">Search</a>' in page, path
        assert '<a href="http://localhost:8000/directory/stores/">Stores</a>' in page, path
        assert '<a href="http://localhost:8000/login/">Sign in</a>' in page, path
        assert '<a class="button" href="http://localhost:8000/signup/">Open a store</a>' in page, path


def test_a_signed_in_seller_is_offered_their_stores_instead_of_signing_in(client, store_a):
    user = make_user("home@example.com")
    add_member(store_a, user, "owner")
    client.force_login(user)
    home = client.get("/", HTTP_HOST="localhost").content.decode()
    assert '<a class="button secondary" href="/account/">Your stores</a>' in home
    assert '<a href="http://localhost:8000/account/">Your stores</a>' in home and ">Sign in</a>" not in home


def test_every_host_serves_an_icon(client, store_a, store_b):
    for host in ("localhost", host_of(store_a), host_of(store_b)):
        response = client.get("/favicon.ico", HTTP_HOST=host)
        assert response.status_code == 200, host
        assert response["Content-Type"] == "image/x-icon"
        assert b"".join(response.streaming_content).startswith(b"\x00\x00\x01\x00")  # the ICO header
    for host, path in (("localhost", "/"), (host_of(store_a), "/")):
        assert (
            '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
            in client.get(path, HTTP_HOST=host).content.decode()
        )
