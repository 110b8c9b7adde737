"""The contact form on every store host: /contact/ and its thank-you page."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.contact, name="storefront-contact"),
    path("thanks/", views.thanks, name="storefront-contact-thanks"),
]
