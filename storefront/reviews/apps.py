"""Reviews: buyers of a fulfilled order rate its products; sellers may hide a review."""

from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "storefront.reviews"
    label = "reviews"

    def ready(self) -> None:
        from storefront.catalog.selectors import add_product_page_column

        from .selectors import product_page_rating_columns

        # The product page shows the product's rating; read in the page's own query rather than in one of its own.
        for name, make_expression in product_page_rating_columns().items():
            add_product_page_column(name, make_expression)
