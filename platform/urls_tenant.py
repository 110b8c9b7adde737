"""URLs a store answers on its own host(s)."""

from django.urls import include, path

from storefront import views
from storefront.api.api import api as store_api

urlpatterns = [
    path("", views.home, name="storefront-home"),
    path("pages/<slug:slug>/", views.page, name="storefront-page"),
    path("dashboard/", include("storefront.dashboard.urls")),
    path("api/", store_api.urls),
    path("media/<str:schema_name>/<path:path>", views.media, name="storefront-media"),
]
