"""Reviews: buyers of a fulfilled order rate its products; sellers may hide a review."""

from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "storefront.reviews"
    label = "reviews"
