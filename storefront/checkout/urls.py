"""Checkout URLs, under /checkout/ on every store host: the checkout page, and paying an order placed earlier."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.checkout, name="checkout"),
    path("pay/<str:token>/", views.pay_order, name="checkout-pay-order"),
]
