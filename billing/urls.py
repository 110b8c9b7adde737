"""Billing URLs on the platform host."""

from django.urls import path

from . import views

urlpatterns = [
    path("billing/stripe/webhook/", views.stripe_webhook, name="billing-stripe-webhook"),
]
