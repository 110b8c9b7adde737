"""The store's public reputation page, /reputation/ on every store host."""

from django.urls import path

from . import views

urlpatterns = [path("", views.reputation_page, name="storefront-reputation")]
