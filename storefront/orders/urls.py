"""The buyer's order page, /orders/<token>/ on every store host, and its return form."""

from django.urls import path

from . import views

urlpatterns = [
    path("<str:token>/", views.order_page, name="order"),
    path("<str:token>/returns/", views.request_return, name="order-return"),
]
