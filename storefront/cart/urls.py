"""Cart URLs, under /cart/ on every store host."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.cart_page, name="cart"),
    path("add/", views.add_to_cart, name="cart-add"),
    path("lines/<int:line_id>/", views.update_line, name="cart-line-update"),
    path("lines/<int:line_id>/remove/", views.remove_line, name="cart-line-remove"),
]
