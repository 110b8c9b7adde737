"""URLs a store answers on its own host(s)."""

from django.urls import path

from storefront import views

urlpatterns = [
    path("", views.home, name="storefront-home"),
    path("media/<str:schema_name>/<path:path>", views.media, name="storefront-media"),
]
