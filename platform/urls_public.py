"""URLs of the platform site (the public schema's host)."""

from django.contrib import admin
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="platform-home"),
    path("healthz", views.health, name="platform-health"),
    path("admin/", admin.site.urls),
]
