"""Checkout URL, /checkout/ on every store host."""

from django.urls import path

from . import views

urlpatterns = [path("", views.checkout, name="checkout")]
