"""URLs of the marketplace cart on the platform site."""

from django.urls import path

from . import views

urlpatterns = [
    path("cart/", views.cart_page, name="marketplace-cart"),
    path("cart/add/", views.add, name="marketplace-cart-add"),
    path("cart/lines/", views.line, name="marketplace-cart-line"),
    path("cart/checkout/<str:token>/", views.checkout_page, name="marketplace-checkout"),
]
