"""Paging for list endpoints: ?limit=&offset=, answering {"items": [...], "count": N}."""

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

from platform.kit.ids import MAX_ID

MAX_PAGE = 100


class Page(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(24, ge=1, le=MAX_PAGE)
        # PostgreSQL takes OFFSET as a bigint; past it the query itself would fail.
        offset: int = Field(0, ge=0, le=MAX_ID)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_limit=MAX_PAGE, **kwargs)
