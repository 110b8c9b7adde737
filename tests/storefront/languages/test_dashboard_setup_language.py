"""The dashboard pages where a seller sets up selling, in Simplified Chinese: the sales overview, shipping zones and
rates, discount codes, promotions, checkout settings, the homepage editor, pages and the menu show no English word
but the seller's own content, their form errors (Django's and the services') are in Chinese too, and a store in English keeps them in English."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from storefront.checkout.models import DiscountCode, ShippingRate, ShippingZone
from storefront.promotions.models import Promotion
from tests.conftest import add_member, host_of, make_user, sign_in_on
from tests.storefront.checkout.support import in_store
from tests.storefront.languages.support import DASHBOARD_WORDS, english_left, visible_texts
from tests.storefront.languages.test_dashboard_language import chinese_order
from tests.storefront.languages.test_store_language import chinese_store, get, seller_content

# Discount codes are written by the seller in Latin letters and digits whatever the language (buyers type them).
CODES = ("CHUNJIE10", "MIANYOU", "JIUMA", "YONGWAN", "XIAOSHU")

# Each page, the Chinese it must show, and English words that would give away an unmarked string.
SETUP_PAGES = (
    ("/dashboard/sales/", ["销售，最近 30 天", "净收入", "收入最高的商品", "平均订单金额"], ["Net revenue", "Units"]),
    ("/dashboard/shipping/{zone}/", ["区域“日本”", "运费规则", "添加运费规则", "始终适用", "1000 克起，不超过 5000 克"],
     ["Save zone", "Delete zone", "always"]),
    ("/dashboard/shipping/{zone}/rates/{rate}/", ["运费规则“标准快递”", "保存运费规则", "固定运费"], ["Save rate", "Flat rate"]),
    ("/dashboard/shipping/new/", ["新建配送区域", "税率（%）", "创建区域"], ["Tax rate", "Create zone"]),
    ("/dashboard/discounts/", ["优惠码", "生效中", "已停用", "已过期", "已用完", "减 10 %", "每个邮箱限用一次", "3 / 3"],
     ["Active", "Expired", "Deactivate"]),
    ("/dashboard/discounts/new/", ["新建优惠码", "按百分比减价", "每个电子邮箱限用一次", "创建优惠码"],
     ["Percentage off", "Create code"]),
    ("/dashboard/discounts/{code}/", ["优惠码 CHUNJIE10", "已使用 0 次。", "保存优惠码"], ["Used 0 times", "Save code"]),
    ("/dashboard/promotions/", ["春节特卖", "进行中", "未开始", "对买家最优惠", "全部商品"], ["Running", "Scheduled"]),
    ("/dashboard/promotions/new/", ["新建促销活动", "买 X 送 Y（最便宜的几件打折）", "全部商品", "此价格可售件数"],
     ["Every product", "Units at this price"]),
    ("/dashboard/promotions/{promotion}/", ["促销活动 春节特卖", "保存促销活动", "时间均为店铺当地时间（UTC）。"],
     ["Save promotion", "wall-clock"]),
    ("/dashboard/checkout-settings/", ["结账设置", "我的价格已含税", "保存"], ["My prices", "Save"]),
    ("/dashboard/homepage/", ["首页", "首屏标题", "显示精选商品", "保存首页"], ["Hero title", "Save homepage"]),
    ("/dashboard/pages/", ["页面", "新建页面", "已发布", "请改成您自己的话"], ["Published", "New page"]),
    ("/dashboard/pages/new/", ["新建页面", "正文", "保存页面"], ["Body", "Save page"]),
    ("/dashboard/navigation/", ["菜单", "或网址", "— 改用网址 —", "保存菜单"], ["Label", "Save menu"]),
)  # fmt: skip


def setup_data(store) -> dict[str, int]:
    """What a Chinese seller has set up: a zone with three kinds of rate, codes in each state, two promotions, and
    one paid order so the sales overview has a day, a product and a chart to show."""
    cup, rate = chinese_store(store)
    now = timezone.now()
    with in_store(store):
        zone = ShippingZone.objects.get()
        ShippingRate.objects.create(zone=zone, name="按重量", kind="weight", price="8.00", min_weight_grams=1000,
                                    max_weight_grams=5000)  # fmt: skip
        ShippingRate.objects.create(zone=zone, name="满额包邮", kind="free_over", min_subtotal="99.00")
        code = DiscountCode.objects.create(code=CODES[0], kind="percentage", value=Decimal("10"), once_per_email=True)
        DiscountCode.objects.create(code=CODES[1], kind="free_shipping", is_active=False)
        DiscountCode.objects.create(code=CODES[2], kind="fixed", value=Decimal("5"), ends_at=now - timedelta(days=1))
        DiscountCode.objects.create(code=CODES[3], kind="fixed", value=Decimal("5"), usage_limit=3, times_used=3)
        promotion = Promotion.objects.create(name="春节特卖", kind="percentage", value=Decimal("15"), target="all",
                                             starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=6))  # fmt: skip
        Promotion.objects.create(name="国庆促销", kind="free_shipping", value=0, min_subtotal=Decimal("50"),
                                 target="all", starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=9))  # fmt: skip
        chinese_order(cup)
    return {"zone": zone.pk, "rate": rate.pk, "code": code.pk, "promotion": promotion.pk}


def english_on(html: str, store, seller: str) -> list[str]:
    own = [*seller_content(store), host_of(store), seller, *CODES]
    # A zone's countries are ISO codes (the standard named as such), and its help text gives two as an example.
    return english_left(visible_texts(html), seller_content=own, allowed=DASHBOARD_WORDS | {"ISO", "CN"})


def test_the_setup_pages_of_a_chinese_store_show_no_english(client, store_a, owner_a):
    ids = setup_data(store_a)
    sign_in_on(client, owner_a, store_a)
    left, missing = {}, {}
    for path, chinese, english in SETUP_PAGES:
        path = path.format(**ids)
        page = get(client, store_a, path)
        if found := english_on(page, store_a, owner_a.email):
            left[path] = found
        if absent := [text for text in chinese if text not in page] + [word for word in english if word in page]:
            missing[path] = absent
    # Every page's leftovers at once, to fix them in one go.
    assert not left, f"English left: {left}"
    assert not missing, f"Chinese missing or English telltales present: {missing}"


def test_the_sales_chart_dates_its_days_the_chinese_way(client, store_a, owner_a):
    setup_data(store_a)
    sign_in_on(client, owner_a, store_a)
    page = get(client, store_a, "/dashboard/sales/")
    days = re.search(r'id="sales-chart-days">(.*?)</g>', page, re.S).group(1)
    labels = re.findall(r">([^<]+)</text>", days)
    assert labels and all(re.fullmatch(r"\d{1,2}月\d{1,2}日", label) for label in labels), labels
    today = timezone.localdate()
    assert f"{today.month}月{today.day}日" in labels  # the last day is always labelled
    assert re.search(r"\d{1,2}月\d{1,2}日 星期.：\$2,469\.00，1 笔订单", page)  # a bar's tooltip


@pytest.mark.parametrize(
    ("path", "data", "error"),
    [
        # Django's own field errors, in the page's language.
        ("/dashboard/discounts/new/", {"code": "", "kind": "percentage", "value": "10"}, "此项为必填项。"),
        ("/dashboard/shipping/{zone}/rates/{rate}/", {"name": "标准快递", "kind": "flat", "price": "5",
                                                      "min_weight_grams": "-1"}, "确保该值大于或等于0。"),
        ("/dashboard/promotions/new/", {"name": "春节特卖", "kind": "percentage", "value": "10", "target": "all",
                                        "starts_at": "明天", "ends_at": "2030-01-01T00:00", "combination": "best",
                                        "min_quantity": "1"}, "输入一个有效的日期/时间。"),
        # The services' refusals, in the page's language too.
        ("/dashboard/shipping/new/", {"name": "日本二区", "countries": "jp", "tax_rate": "0"},
         "已在其他区域中：JP (日本)。"),
        ("/dashboard/discounts/new/", {"code": "chunjie10", "kind": "percentage", "value": "10"},
         "已有优惠码 CHUNJIE10。"),
        ("/dashboard/shipping/new/", {"name": "韩国", "countries": "kr", "tax_rate": "101"},
         "税率必须在 0 到 100 之间（百分比）。"),
        ("/dashboard/discounts/new/", {"code": "XIAOSHU", "kind": "percentage", "value": "12.345"},
         "百分比最多保留 2 位小数。"),
        ("/dashboard/discounts/{code}/", {"code": "CHUNJIE10", "kind": "percentage", "value": "0"},
         "百分比必须大于 0。"),
        ("/dashboard/promotions/new/", {"name": "春节特卖", "kind": "percentage", "value": "10", "target": "all",
                                        "starts_at": "2030-01-02T00:00", "ends_at": "2030-01-01T00:00",
                                        "combination": "best", "min_quantity": "1"}, "结束时间必须晚于开始时间。"),
        ("/dashboard/pages/new/", {"title": "About", "body": "", "is_published": "on"},
         "地址 /pages/about/ 的页面已存在；请换一个标题。"),
        ("/dashboard/navigation/", {"label_0": "关于我们", "url_0": "关于"}, "“关于”必须以“/”或“https://”开头。"),
    ],
)  # fmt: skip
def test_a_form_error_on_a_setup_page_is_in_chinese(client, store_a, owner_a, path, data, error):
    ids = setup_data(store_a)
    sign_in_on(client, owner_a, store_a)
    response = client.post(path.format(**ids), data, HTTP_HOST=host_of(store_a))
    assert response.status_code == 400
    page = response.content.decode()
    assert error in page
    assert not english_on(page, store_a, owner_a.email), english_on(page, store_a, owner_a.email)


def test_an_english_stores_setup_pages_stay_in_english_and_apart(client, store_a, store_b, owner_a):
    """Store A in Chinese turns neither store B's pages into Chinese nor shows store B its zones or promotions."""
    ids = setup_data(store_a)
    owner_b = make_user("owner@beta.test")
    add_member(store_b, owner_b, "owner")
    sign_in_on(client, owner_b, store_b)
    english = {
        "/dashboard/sales/": "Sales, last 30 days",
        "/dashboard/discounts/": "No discount codes yet.",
        "/dashboard/promotions/": "No promotions yet.",
        "/dashboard/promotions/new/": "Units at this price",
        "/dashboard/checkout-settings/": "My prices include tax",
        "/dashboard/homepage/": "Save homepage",
        "/dashboard/pages/": "New page",
        "/dashboard/navigation/": "— a URL instead —",
    }
    for path, text in english.items():
        page = get(client, store_b, path)
        assert text in page, path
        assert not re.search(r"[\u4e00-\u9fff]", page), path  # not a Chinese character, the seller's or ours
    assert client.get("/dashboard/shipping/new/", HTTP_HOST=host_of(store_b)).status_code == 200
    with in_store(store_b):
        assert not ShippingZone.objects.exists() and not Promotion.objects.exists()
    # Store A's zone, by its id, is not there for store B's seller to change.
    response = client.post(f"/dashboard/shipping/{ids['zone']}/delete/", HTTP_HOST=host_of(store_b))
    assert response.status_code == 404
    with in_store(store_a):
        assert ShippingZone.objects.filter(pk=ids["zone"]).exists()
    sign_in_on(client, owner_a, store_a)
    assert "销售，最近 30 天" in get(client, store_a, "/dashboard/sales/")
