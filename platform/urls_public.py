"""URLs of the platform site (the public schema's host)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from platform.accounts import views as accounts
from platform.observability import views as observability
from storefront.themes.language import set_language

from . import views

urlpatterns = [
    path("", views.home, name="platform-home"),
    path("healthz", views.health, name="platform-health"),
    path("readyz", views.ready, name="platform-ready"),
    # Reached only by the TLS proxy (views.tls_ask); the proxy refuses /internal/ from outside.
    path("internal/tls/ask", views.tls_ask, name="tls-ask"),
    path("favicon.ico", views.favicon, name="platform-favicon"),
    path("metrics", observability.metrics, name="platform-metrics"),
    path("language/", set_language, name="set-language"),
    path("signup/", accounts.signup, name="signup"),
    path("signup/subdomain/", accounts.signup_subdomain, name="signup-subdomain"),
    path("signup/progress/<uuid:job_id>/", accounts.signup_progress, name="signup-progress"),
    path("signup/confirm/<str:token>/", accounts.signup_confirm, name="signup-confirm"),
    path("login/", accounts.login, name="login"),
    path("logout/", accounts.logout, name="logout"),
    path("account/", accounts.account, name="account"),
    path("stores/<slug:slug>/open/", accounts.open_store, name="open-store"),
    path("password-reset/", accounts.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="platform/password_reset_sent.html"),
        name="password-reset-sent",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("buyer/", include("platform.buyers.urls")),  # the marketplace buyer account (docs/buyers.md)
    path("admin/", admin.site.urls),
    path("", include("billing.urls")),  # /billing/stripe/webhook/
    path("", include("platform.directory.urls")),  # /search, /search.json, /directory/stores/
    path("", include("platform.marketplace.urls")),  # /cart/: one cart across stores
]
