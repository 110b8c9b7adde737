"""The rest of a Chinese store's dashboard: staff, domains, billing, payments, a payout statement, a sponsored
campaign, an inbox conversation, reputation, blocked buyers, API tokens, export and close, the suspension notice,
and the refusals the services send back (a plan's staff limit, a domain another store has) show no English but the
seller's own content and the codes a seller types; an English store next to it keeps all of it in English."""

from datetime import timedelta
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from billing.models import Plan
from storefront.api.scopes import ALL_SCOPES
from storefront.api.services import create_api_token
from storefront.customers.models import BlockedBuyer
from storefront.inbox.models import ContactMessage, Conversation
from storefront.sponsored.models import Campaign
from tenants.models import DomainClaim, Invitation, Membership, Store
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.checkout.support import in_store
from tests.storefront.languages.support import DASHBOARD_WORDS, english_left, visible_texts
from tests.storefront.languages.test_dashboard_language import place_names
from tests.storefront.languages.test_store_language import chinese_store, get, seller_content

OWNER_PAGES = (
    "/dashboard/staff/",
    "/dashboard/domains/",
    "/dashboard/billing/",
    "/dashboard/payments/",
    "/dashboard/payouts/2026-11/",
    "/dashboard/sponsored/{campaign}/",
    "/dashboard/inbox/{conversation}/",
    "/dashboard/reputation/",
    "/dashboard/blocked-buyers/",
    "/dashboard/api-tokens/",
    "/dashboard/export/",
    "/dashboard/close/",
)
# What the seller types or copies as it is: the archive's formats, the HTTP header a program sends, the example
# domain of the domain field and the scope codes (each token's own prefix is added with its data).
OWNER_WORDS = DASHBOARD_WORDS | {"JSON", "zip"}
TYPED_AS_IS = ["Authorization: Bearer mct_", "shop.example.com", *ALL_SCOPES]
BUYER = "zhang.wei@example.cn"


def owner_pages_data(store, owner) -> dict:
    """One of everything the pages list: an invitation, a domain claim, a campaign, a conversation answered once,
    a blocked buyer and an API token, so each page shows its tables and forms, not only its empty states."""
    Invitation.objects.create(
        store=store, email="li.na@example.cn", role="staff", token_hash="h" * 64, invited_by=owner,
        expires_at=timezone.now() + timedelta(days=7),
    )  # fmt: skip
    DomainClaim.objects.create(store=store, domain="cha.example.cn", token="mercato-verify=0123456789abcdef")
    with in_store(store):
        campaign = Campaign.objects.create(
            name="春季茶具", daily_budget=Decimal("10.00"), cost_per_click=Decimal("0.40"), currency="USD"
        )
        conversation = Conversation.objects.create(
            email=BUYER, name="张伟", subject="茶杯的尺寸", last_message_at=timezone.now()
        )
        ContactMessage.objects.create(conversation=conversation, name="张伟", email=BUYER, message="请问容量多大？")
        ContactMessage.objects.create(
            conversation=conversation, author=ContactMessage.Author.SELLER, message="约 200 毫升。", sent_by=owner.email
        )
        BlockedBuyer.objects.create(email="spam@example.cn", reason="广告", blocked_by=owner.email)
        membership = Membership.objects.get(store=store, user=owner)
        issued = create_api_token(name="库存同步", scopes=["catalog:read"], created_by=membership)
    return {"campaign": campaign.pk, "conversation": conversation.pk, "token_prefix": issued.token.prefix}


def owner_pages_english(html: str, store, owner, token_prefix: str) -> list[str]:
    plans = list(Plan.objects.values_list("name", flat=True))
    own = [*seller_content(store), host_of(store), owner.email, *place_names(), *plans, *TYPED_AS_IS]
    own += ["春季茶具", "张伟", BUYER, "li.na@example.cn", "spam@example.cn", "cha.example.cn", "库存同步"]
    own += ["mercato-verify=0123456789abcdef", f"{store.slug}.localhost", token_prefix]
    return english_left(visible_texts(html), seller_content=own, allowed=OWNER_WORDS)


def test_a_chinese_stores_owner_pages_show_no_english(client, store_a, owner_a):
    chinese_store(store_a)
    ids = owner_pages_data(store_a, owner_a)
    sign_in_on(client, owner_a, store_a)
    left = {}
    pages = {}
    for path in OWNER_PAGES:
        path = path.format(**ids)
        pages[path] = get(client, store_a, path)
        if found := owner_pages_english(pages[path], store_a, owner_a, ids["token_prefix"]):
            left[path] = found
    assert not left, f"English left: {left}"  # every page's leftovers at once, to fix them in one go
    assert "邀请成员" in pages["/dashboard/staff/"] and "待接受的邀请" in pages["/dashboard/staff/"]
    assert "立即验证" in pages["/dashboard/domains/"] and "Verify now" not in pages["/dashboard/domains/"]
    assert "套餐与账单" in pages["/dashboard/billing/"] and "个员工席位" in pages["/dashboard/billing/"]
    assert "连接 Stripe" in pages["/dashboard/payments/"] and "Not connected" not in pages["/dashboard/payments/"]
    assert "本月没有结算款项。" in pages["/dashboard/payouts/2026-11/"]
    campaign = pages[f"/dashboard/sponsored/{ids['campaign']}/"]
    assert "展示 0 次 · 点击 0 次" in campaign and "0 笔订单" in campaign and "0 orders" not in campaign
    conversation = pages[f"/dashboard/inbox/{ids['conversation']}/"]
    assert "（您的店铺）" in conversation and "发送回复" in conversation and "Send answer" not in conversation
    assert "您的店铺信誉及其计算依据" in pages["/dashboard/reputation/"]
    assert "解除屏蔽" in pages["/dashboard/blocked-buyers/"] and "Unblock" not in pages["/dashboard/blocked-buyers/"]
    assert "读取商品、库存、商品集合和商品目录导出" in pages["/dashboard/api-tokens/"]
    assert "全部导出" in pages["/dashboard/export/"] and "关闭此店铺" in pages["/dashboard/close/"]


def test_the_suspension_notice_is_in_chinese(client, store_a, owner_a):
    chinese_store(store_a)
    Store.objects.filter(pk=store_a.pk).update(status=Store.Status.SUSPENDED, suspension_reason="")
    sign_in_on(client, owner_a, store_a)
    page = client.get("/dashboard/", HTTP_HOST=host_of(store_a)).content.decode()
    assert "您的店铺已被暂停：买家无法访问或下单。" in page and "Mercato 已暂停本店。" in page
    assert "Your store is suspended" not in page


def test_a_plans_staff_limit_is_refused_in_chinese(client, store_a, owner_a, settings):
    settings.BILLING_ENFORCE_LIMITS = True  # the Free plan's one seat is the owner's
    chinese_store(store_a)
    sign_in_on(client, owner_a, store_a)
    response = client.post(
        "/dashboard/staff/", {"email": "li.na@example.cn", "role": "staff"}, HTTP_HOST=host_of(store_a)
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "您的 Free 套餐最多允许 1 个员工席位（含店主）。升级套餐即可添加更多：/dashboard/billing/" in page
    assert "plan allows" not in page
    assert not Invitation.objects.filter(store=store_a).exists()


def test_a_domain_another_store_has_is_refused_in_chinese_and_stays_english_for_an_english_store(
    client, store_a, store_b, owner_a
):
    chinese_store(store_a)
    DomainClaim.objects.create(store=store_b, domain="books.example.com", token="t")
    sign_in_on(client, owner_a, store_a)
    response = client.post("/dashboard/domains/", {"domain": "books.example.com"}, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    assert "books.example.com 已连接到某个店铺。" in response.content.decode()
    assert not DomainClaim.objects.filter(store=store_a).exists()
    # Store B, in English, gives the same refusal in English for a domain store A claims.
    DomainClaim.objects.create(store=store_a, domain="cha.example.cn", token="t2")
    owner_b = make_user("owner@beta.test")
    add_member(store_b, owner_b, "owner")
    other = Client()
    sign_in_on(other, owner_b, store_b)
    response = other.post("/dashboard/domains/", {"domain": "cha.example.cn"}, HTTP_HOST=host_of(store_b))
    assert response.status_code == 400
    assert "cha.example.cn is already connected to a store." in response.content.decode()
    staff = get(other, store_b, "/dashboard/staff/")
    assert "Invite someone" in staff and "邀请成员" not in staff


def test_a_chinese_store_shows_its_own_tokens_and_campaigns_only(client, store_a, store_b, owner_a):
    """The translated pages still show one store's data: store B's token and campaign never reach store A's pages."""
    chinese_store(store_a)
    owner_b = make_user("owner@beta.test")
    membership_b = add_member(store_b, owner_b, "owner")
    with in_store(store_b):
        create_api_token(name="beta-sync", scopes=["catalog:read"], created_by=membership_b)
        campaign_b = Campaign.objects.create(
            name="Beta spring", daily_budget=Decimal("10.00"), cost_per_click=Decimal("0.40"), currency="USD"
        )
    sign_in_on(client, owner_a, store_a)
    assert "beta-sync" not in get(client, store_a, "/dashboard/api-tokens/")
    assert client.get(f"/dashboard/sponsored/{campaign_b.pk}/", HTTP_HOST=host_of(store_a)).status_code == 404


def test_a_stock_removal_beyond_the_stock_is_refused_in_chinese(client, store_a, owner_a):
    """A catalog service's refusal reaches the (already translated) product editor in the store's language."""
    cup, _rate = chinese_store(store_a)
    with in_store(store_a):
        variant = cup.variants.get()
        variant.track_inventory, variant.stock = True, 2
        variant.save(update_fields=["track_inventory", "stock"])
    sign_in_on(client, owner_a, store_a)
    url = f"/dashboard/products/{cup.pk}/variants/{variant.pk}/stock/"
    response = client.post(url, {"delta": "-5", "reason": "damaged"}, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    page = response.content.decode()
    assert "CUP-01 仅有 2 件库存，无法减少 5 件。" in page and "cannot remove" not in page
    with in_store(store_a):
        assert type(variant).objects.get(pk=variant.pk).stock == 2
