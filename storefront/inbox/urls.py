"""The contact form on every store host: /contact/, its thank-you page, and a buyer's conversation by its link."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.contact, name="storefront-contact"),
    path("thanks/", views.thanks, name="storefront-contact-thanks"),
    path("conversation/<str:token>/", views.conversation, name="storefront-conversation"),
]
