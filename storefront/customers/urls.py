"""Buyer account URLs, under /account/ on every store host."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.account, name="customer-account"),
    path("signup/", views.signup, name="customer-signup"),
    path("signin/", views.signin, name="customer-signin"),
    path("signout/", views.signout, name="customer-signout"),
    path("password/", views.password_change, name="customer-password"),
    path("reset/", views.password_reset, name="customer-password-reset"),
    path("reset/<str:uid>/<str:token>/", views.password_reset_confirm, name="customer-password-reset-confirm"),
    path("orders/claim/", views.claim_order, name="customer-claim-order"),
    path("mercato/", views.mercato_signin, name="customer-mercato-signin"),
    path("mercato/return/", views.mercato_return, name="customer-mercato-return"),
    path("mercato/link/", views.mercato_link, name="customer-mercato-link"),
    path("mercato/unlink/", views.mercato_unlink, name="customer-mercato-unlink"),
]
