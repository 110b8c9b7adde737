"""The buyer's review form target, /orders/<token>/reviews/ on every store host."""

from django.urls import path

from . import views

urlpatterns = [path("<str:token>/reviews/", views.submit, name="order-review")]
