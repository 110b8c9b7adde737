"""The baseline for the routing benchmark: Mercato's own pages served for one fixed store, with no routing at all.

Same code, templates, queries and server settings as the real thing; only the host lookup and the per-request
schema switch are gone (the store is found once per process and its search_path set once per connection). The
difference between the two is therefore exactly what routing costs.
"""

from platform.settings import *  # noqa: F403
from platform.settings import MIDDLEWARE

MIDDLEWARE = [
    "bench.single_tenant.FixedStoreMiddleware" if entry == "tenants.middleware.StoreRoutingMiddleware" else entry
    for entry in MIDDLEWARE
]
ROOT_URLCONF = "bench.single_tenant"
