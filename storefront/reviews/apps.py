"""Reviews: buyers of a fulfilled order rate its products; sellers may hide or report a review; the reputation."""

from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "storefront.reviews"
    label = "reviews"

    def ready(self) -> None:
        from storefront.inbox.services import on_seller_answer
        from storefront.orders.events import on_order_event

        from .reputation import refresh_after_answer, refresh_after_order_event

        # The reputation follows shipments, cancellations and answers; orders and inbox never import reviews.
        on_order_event(refresh_after_order_event)
        on_seller_answer(refresh_after_answer)
