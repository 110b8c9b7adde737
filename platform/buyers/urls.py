"""Marketplace buyer URLs, under /buyer/ on the platform site."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.account, name="buyer-account"),
    path("signup/", views.signup, name="buyer-signup"),
    path("signup/confirm/<str:token>/", views.signup_confirm, name="buyer-signup-confirm"),
    path("signin/", views.signin, name="buyer-signin"),
    path("signout/", views.signout, name="buyer-signout"),
    path("reset/", views.password_reset, name="buyer-password-reset"),
    path("reset/<str:uid>/<str:token>/", views.password_reset_confirm, name="buyer-password-reset-confirm"),
    path("addresses/", views.add_address, name="buyer-add-address"),
    path("addresses/<str:address_id>/remove/", views.remove_address, name="buyer-remove-address"),
    path("addresses/<str:address_id>/default/", views.default_address, name="buyer-default-address"),
    path("favourites/add/", views.favourite, name="buyer-favourite"),
    path("favourites/<str:favourite_id>/remove/", views.unfavourite, name="buyer-unfavourite"),
    path("follow/", views.follow, name="buyer-follow"),
    path("follows/<str:store_id>/remove/", views.unfollow, name="buyer-unfollow"),
    path("stores/<slug:slug>/signin/", views.store_signin, name="buyer-store-signin"),
    path("delete/", views.delete_account, name="buyer-delete"),
]
