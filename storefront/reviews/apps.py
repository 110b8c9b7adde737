"""Reviews: buyers of a fulfilled order rate its products; sellers may hide or report a review; the reputation."""

from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "storefront.reviews"
    label = "reviews"

    def ready(self) -> None:
        from storefront.catalog.selectors import add_product_page_column
        from storefront.inbox.services import on_seller_answer
        from storefront.orders.events import on_order_event

        from .reputation import refresh_after_answer, refresh_after_order_event
        from .selectors import product_page_rating_columns

        # The product page shows the product's rating; read in the page's own query rather than in one of its own.
        for name, make_expression in product_page_rating_columns().items():
            add_product_page_column(name, make_expression)
        # The reputation follows shipments, cancellations and answers; orders and inbox never import reviews.
        on_order_event(refresh_after_order_event)
        on_seller_answer(refresh_after_answer)
