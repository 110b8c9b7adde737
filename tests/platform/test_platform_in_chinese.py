"""The platform site in Simplified Chinese for a Chinese browser: the buyer's sign-up, sign-in, account and reset,
the seller's sign-up, sign-in and reset, their form errors, the emails they send, and the notice pages."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import translation

from platform.buyers.models import Buyer
from tests.conftest import make_user
from tests.platform.buyers.support import PASSWORD, PLATFORM, emails_in, make_buyer, next_address
from tests.storefront.languages.support import ALLOWED_WORDS, english_left, visible_texts

CHINESE_BROWSER = "zh-CN,zh;q=0.9,en;q=0.5"
# The payment service is named by its own name, as on the seller's dashboard.
PLATFORM_WORDS = ALLOWED_WORDS | {"Stripe"}
STORE = {"name": "Alpha Lanterns", "slug": "alpha"}


def chinese_client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=CHINESE_BROWSER)


def assert_chinese(response, where: str, *, seller_content: tuple[str, ...] = (), status: int = 200) -> str:
    assert response.status_code == status, (where, response.status_code)
    assert response["Content-Language"] == "zh-hans", where
    page = response.content.decode()
    # The platform's own domain is an address, not a word of the interface.
    left = english_left(visible_texts(page), seller_content=[*seller_content, settings.BASE_DOMAIN])
    assert not left, f"English left on {where}: {left}"
    return page


def get(client: Client, path: str, **kwargs) -> str:
    return assert_chinese(client.get(path, HTTP_HOST=PLATFORM), path, **kwargs)


def post(client: Client, path: str, data: dict, *, status: int, **kwargs) -> str:
    response = client.post(path, data, HTTP_HOST=PLATFORM, REMOTE_ADDR=next_address())
    return assert_chinese(response, f"POST {path}", status=status, **kwargs)


def assert_chinese_email(email: dict, *, subject: str) -> None:
    assert email["subject"] == subject
    left = english_left(email["body"].splitlines(), seller_content=[])
    assert not left, f"English left in the email {subject}: {left}"


def test_the_buyer_signs_up_signs_in_and_keeps_an_account_in_chinese(client, db, django_capture_on_commit_callbacks):
    browser = chinese_client()
    get(browser, "/buyer/signup/")
    # Bad input: each error is said in Chinese, next to its field.
    refused = post(browser, "/buyer/signup/", {"email": "not an address", "password": "short"}, status=400)
    assert "请输入有效的电子邮箱地址。" in refused

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sent = post(browser, "/buyer/signup/", {"email": "lin@example.com", "password": PASSWORD}, status=200)
    assert "请查收邮件" in sent
    [email] = emails_in(callbacks)
    assert_chinese_email(email, subject="确认您的 Mercato 账户")
    assert "24 小时内有效" in email["body"]
    path = re.search(r"http://localhost:\d+(/buyer/signup/confirm/\S+/)", email["body"]).group(1)

    get(browser, path)
    confirmed = browser.post(path, HTTP_HOST=PLATFORM)
    assert confirmed.status_code == 302 and confirmed["Location"] == "/buyer/"
    account = get(browser, "/buyer/")
    assert "欢迎来到 Mercato！您的账户已创建。" in account and "您在所有店铺的订单" in account

    refused = post(browser, "/buyer/addresses/", {"name": "林", "line1": "人民路 1 号", "city": "上海",
                                                 "postal_code": "200000", "country": "CHN"}, status=400)  # fmt: skip
    assert "国家" in refused
    get(browser, "/buyer/delete/")
    browser.post("/buyer/signout/", HTTP_HOST=PLATFORM)

    get(browser, "/buyer/signin/")
    wrong = post(browser, "/buyer/signin/", {"email": "lin@example.com", "password": "not the password"}, status=400)
    assert "电子邮箱或密码不正确。" in wrong
    get(browser, "/buyer/reset/")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post(browser, "/buyer/reset/", {"email": "lin@example.com"}, status=200)
    [reset] = emails_in(callbacks)
    assert_chinese_email(reset, subject="重置您的 Mercato 密码")
    get(browser, "/buyer/reset/nobody/not-a-token/", status=400)
    assert Buyer.objects.filter(email="lin@example.com").exists()


def test_a_registered_address_is_told_so_in_chinese(client, db, django_capture_on_commit_callbacks):
    make_buyer("lin@example.com")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post(chinese_client(), "/buyer/signup/", {"email": "lin@example.com", "password": PASSWORD}, status=200)
    [email] = emails_in(callbacks)
    assert_chinese_email(email, subject="您已经有 Mercato 账户")


def test_a_taken_subdomain_is_refused_in_chinese(store_a):
    taken = post(chinese_client(), "/signup/", {"email": "mei@example.com", "password": PASSWORD,
                 "store_name": "茶铺", "slug": store_a.slug}, status=400, seller_content=(store_a.slug,))  # fmt: skip
    assert f"子域名“{store_a.slug}”已被占用。" in taken


def test_the_seller_signs_up_and_signs_in_in_chinese(client, db, django_capture_on_commit_callbacks):
    browser = chinese_client()
    signup = get(browser, "/signup/")
    # The address preview the page's script writes as the seller types takes its sentence from the page.
    assert "子域名" in signup and 'data-template="店铺地址将是 {host}"' in signup
    taken = post(browser, "/signup/", {"email": "mei@example.com", "password": PASSWORD, "store_name": "茶铺",
                                       "slug": "Tea-Shop"}, status=400)  # fmt: skip
    assert "只能使用小写字母。" in taken
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sent = post(browser, "/signup/", {"email": "mei@example.com", "password": PASSWORD, "store_name": "茶铺",
                                          "slug": "cha-pu"}, status=200, seller_content=("cha-pu",))  # fmt: skip
    assert "请查收邮件" in sent
    [email] = emails_in(callbacks)
    assert_chinese_email(email, subject="在 Mercato 上开设 茶铺")
    path = re.search(r"http://localhost:\d+(/signup/confirm/\S+/)", email["body"]).group(1)
    get(browser, path)
    get(browser, "/signup/confirm/not-a-token/", status=410)

    make_user("mei@example.com", password=PASSWORD)
    get(browser, "/login/")
    wrong = post(browser, "/login/", {"email": "mei@example.com", "password": "not the password"}, status=400)
    assert "电子邮箱或密码不正确。" in wrong
    signed_in = browser.post("/login/", {"email": "mei@example.com", "password": PASSWORD}, HTTP_HOST=PLATFORM)
    assert signed_in.status_code == 302
    assert "您还没有店铺。" in get(browser, "/account/")
    get(browser, "/password-reset/")
    reset = browser.post("/password-reset/", {"email": "mei@example.com"}, HTTP_HOST=PLATFORM, follow=True)
    assert_chinese(reset, "the reset's answer")
    get(browser, "/password-reset/MQ/not-a-token/")


@pytest.mark.parametrize(
    ("template", "context"),
    [
        ("platform/too_many_attempts.html", {"minutes": 15}),
        ("platform/dependency_unavailable.html", {}),
        ("platform/store_not_found.html", {"hostname": "nowhere.example.com"}),
        ("platform/store_read_only.html", {"message": ""}),
        ("platform/signup_progress.html", {"job": {"name": "茶铺", "slug": "cha-pu"}, "state": {"status": "queued"}}),
        ("platform/marketplace_refused.html", {"message": ""}),
        ("platform/marketplace_checkout.html", {"checkout": {"status": "released"}, "orders": []}),
        ("platform/marketplace_checkout.html", {"checkout": {"status": "pending"}, "orders": []}),
        (
            "platform/marketplace_checkout.html",
            {
                "checkout": {"status": "paid", "total": Decimal("12.50"), "currency": "USD"},
                "orders": [({"order_id": 7, "store": STORE}, "/orders/7/")],
            },
        ),
        ("platform/marketplace_add.html", {"quantity": 2, "title": "Paper Cup", "store": STORE, "ref": "r"}),
        ("platform/buyers/favourite_confirm.html", {"store": STORE, "listed": {"title": "Paper Cup", "product_id": 1}}),
        ("platform/buyers/follow_confirm.html", {"store": STORE, "following": False}),
        ("platform/buyers/follow_confirm.html", {"store": STORE, "following": True}),
        ("platform/buyers/deleted.html", {"stores": [STORE]}),
        ("platform/store_unavailable.html", {"unavailable_store": {**STORE, "status": "closed"}}),
    ],
)
def test_the_notice_pages_are_in_chinese(db, template, context):
    request = RequestFactory().get("/", HTTP_HOST=PLATFORM)
    with translation.override("zh-hans"):
        request.LANGUAGE_CODE = "zh-hans"
        page = render_to_string(template, context, request=request)
    own_words = ["cha-pu", "nowhere.example.com", settings.BASE_DOMAIN, STORE["name"], "Paper Cup"]
    left = english_left(visible_texts(page), seller_content=own_words, allowed=PLATFORM_WORDS)
    assert not left, f"English left on {template}: {left}"


def test_an_address_without_a_store_answers_in_the_browsers_language(client, db):
    chinese = client.get("/", HTTP_HOST="nosuchstore.localhost", HTTP_ACCEPT_LANGUAGE=CHINESE_BROWSER)
    assert chinese.status_code == 404 and chinese["Content-Language"] == "zh-hans"
    assert "此处没有店铺" in chinese.content.decode() and "Accept-Language" in chinese["Vary"]
    english = client.get("/", HTTP_HOST="nosuchstore.localhost", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    assert "There's no store here" in english.content.decode()


def test_the_english_pages_stay_english(client, db):
    english = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    assert "Create your Mercato account" in english.get("/buyer/signup/", HTTP_HOST=PLATFORM).content.decode()
    assert "Sign in to shop" in english.get("/buyer/signin/", HTTP_HOST=PLATFORM).content.decode()
    assert "Subdomain" in english.get("/signup/", HTTP_HOST=PLATFORM).content.decode()
