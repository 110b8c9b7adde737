"""The money pages of the seller dashboard, under /dashboard/ (included by storefront.dashboard.urls)."""

from django.urls import path

from . import dashboard_views

urlpatterns = [
    path("payouts/", dashboard_views.payouts, name="dashboard-payouts"),
    path("payouts/<str:month>/", dashboard_views.statement, name="dashboard-payout-statement"),
    path("payouts/<str:month>.csv", dashboard_views.statement_csv, name="dashboard-payout-statement-csv"),
]
