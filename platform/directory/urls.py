"""URLs of the directory, included by platform/urls_public.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("search", views.search_page, name="directory-search"),
    path("search.json", views.search_json, name="directory-search-json"),
    path("directory/stores/", views.store_directory, name="directory-stores"),
    path("sponsored/click/<str:token>/", views.sponsored_click, name="directory-sponsored-click"),
]
