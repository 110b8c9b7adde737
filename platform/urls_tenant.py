"""URLs a store answers on its own host(s)."""

from django.urls import include, path

from platform import views as platform_views
from storefront import views
from storefront.api.api import api as store_api
from storefront.themes.language import set_language
from storefront.themes.stylesheet import stylesheet

urlpatterns = [
    path("", views.home, name="storefront-home"),
    path("language/", set_language, name="storefront-set-language"),
    path("products/", views.product_list, name="storefront-products"),
    path("search/", views.product_list, name="storefront-search"),
    path("products/<slug:slug>/", views.product_page, name="storefront-product"),
    path("collections/<slug:slug>/", views.collection_page, name="storefront-collection"),
    path("pages/<slug:slug>/", views.page, name="storefront-page"),
    path("robots.txt", views.robots_txt, name="storefront-robots"),
    path("favicon.ico", platform_views.favicon, name="storefront-favicon"),
    path("sitemap.xml", views.sitemap_xml, name="storefront-sitemap"),
    path("sitemap-<str:language>.xml", views.language_sitemap_xml, name="storefront-language-sitemap"),
    path("store.css", stylesheet, name="storefront-stylesheet"),
    path("cart/", include("storefront.cart.urls")),
    path("checkout/", include("storefront.checkout.urls")),
    path("orders/", include("storefront.orders.urls")),
    path("orders/", include("storefront.reviews.urls")),
    path("contact/", include("storefront.inbox.urls")),
    path("reputation/", include("storefront.reviews.reputation_urls")),
    path("account/", include("storefront.customers.urls")),
    path("dashboard/", include("storefront.dashboard.urls")),
    path("api/", store_api.urls),
    path("media/<str:schema_name>/<path:path>", views.media, name="storefront-media"),
]
