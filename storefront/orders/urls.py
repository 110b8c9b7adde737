"""The buyer's order page, /orders/<token>/ on every store host."""

from django.urls import path

from . import views

urlpatterns = [path("<str:token>/", views.order_page, name="order")]
