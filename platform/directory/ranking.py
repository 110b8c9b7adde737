"""How the directory ranks: a store's score from its fed reputation and sales, and the same-item grouping key.

Relevance of a listing to a query (docs/directory.md, "Ranking"):

    relevance = text * (1 + STORE_WEIGHT * store_score) * (FOLLOWED_BOOST if the buyer follows the store else 1)

``text`` is PostgreSQL's ``ts_rank`` (title A = 1.0, tags B = 0.4, store name C = 0.2, description D = 0.1), so
the largest multiplier (1.5 * 1.25 = 1.875) stays below the factor 2 between two adjacent weights: a store's
reputation reorders listings that match the query equally well, it never lifts a description match over a title
match.
"""

import math
import re
import unicodedata
from decimal import Decimal

from platform.kit.cjk import has_cjk

STORE_WEIGHT = 0.5
FOLLOWED_BOOST = 1.25
# Reputation: the review average shrunk towards PRIOR_RATING as if the store had PRIOR_REVIEWS more reviews of it
# (two five-star reviews must not beat two hundred at 4.8), scaled to 0..1; an input the store has no events for
# counts as NEUTRAL.
PRIOR_RATING = Decimal("3.5")
PRIOR_REVIEWS = 5
NEUTRAL = 0.5
RATING_SHARE, ON_TIME_SHARE, KEPT_SHARE = 0.6, 0.25, 0.15
# Sales: log-scaled paid orders of the last RECENT_SALES_DAYS days, 1.0 from SALES_SATURATION orders up.
RECENT_SALES_DAYS = 30
SALES_SATURATION = 100
REPUTATION_SHARE, SALES_SHARE = 0.7, 0.3


def reputation_score(
    *, rating: Decimal | None, review_count: int, on_time_percent: Decimal | None, cancellation_percent: Decimal | None
) -> float:
    """0..1: the smoothed review average, the share shipped on time and the share not cancelled, weighted."""
    average = rating if rating is not None and review_count else PRIOR_RATING
    smoothed = (PRIOR_RATING * PRIOR_REVIEWS + average * review_count) / (PRIOR_REVIEWS + review_count)
    stars = float((smoothed - 1) / 4)
    on_time = float(on_time_percent) / 100 if on_time_percent is not None else NEUTRAL
    kept = 1 - float(cancellation_percent) / 100 if cancellation_percent is not None else NEUTRAL
    return RATING_SHARE * stars + ON_TIME_SHARE * on_time + KEPT_SHARE * kept


def sales_score(recent_orders: int) -> float:
    """0..1: log(1 + orders) / log(1 + SALES_SATURATION), capped — the tenth sale counts more than the thousandth."""
    return min(1.0, math.log1p(max(0, recent_orders)) / math.log1p(SALES_SATURATION))


def store_score(
    *,
    rating: Decimal | None,
    review_count: int,
    on_time_percent: Decimal | None,
    cancellation_percent: Decimal | None,
    recent_orders: int,
) -> float:
    """The store's 0..1 score, rounded to 4 places (listings copy it only when it changes)."""
    reputation = reputation_score(
        rating=rating,
        review_count=review_count,
        on_time_percent=on_time_percent,
        cancellation_percent=cancellation_percent,
    )
    return round(REPUTATION_SHARE * reputation + SALES_SHARE * sales_score(recent_orders), 4)


# --- Same item, several stores ------------------------------------------------------------------------------

# A title grouped without a GTIN needs at least this many words (or CJK characters): "Mug" from two stores is two
# different mugs, "Hario V60 Ceramic Dripper 02" is one product.
MIN_TITLE_WORDS = 4
MIN_CJK_CHARACTERS = 6
_NOT_WORD = re.compile(r"[\W_]+")


def normalized_title(title: str) -> str:
    """Compatibility-folded, case-folded words of ``title`` joined by one space (punctuation dropped)."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def group_key(*, gtin: str, title: str, currency: str) -> str:
    """The key listings of one item share: its GTIN, else its normalized title if long enough; "" for neither.

    Both include the currency: a group shows its lowest price, which only compares within one currency.
    """
    if gtin:
        return f"gtin:{currency}:{gtin}"
    words = normalized_title(title)
    long_enough = len(words.split()) >= MIN_TITLE_WORDS or (
        has_cjk(words) and len(words.replace(" ", "")) >= MIN_CJK_CHARACTERS
    )
    return f"title:{currency}:{words}"[:260] if long_enough else ""
