"""The sponsored-placement pages of the seller dashboard, under /dashboard/ (included by storefront.dashboard.urls)."""

from django.urls import path

from . import dashboard_views

urlpatterns = [
    path("sponsored/", dashboard_views.campaign_list, name="dashboard-sponsored"),
    path("sponsored/<str:campaign_id>/", dashboard_views.campaign_edit, name="dashboard-sponsored-campaign"),
    path("sponsored/<str:campaign_id>/pause/", dashboard_views.campaign_pause, name="dashboard-sponsored-pause"),
    path("sponsored/<str:campaign_id>/resume/", dashboard_views.campaign_resume, name="dashboard-sponsored-resume"),
]
