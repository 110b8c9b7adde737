"""The platform console lives in tenants.console; Django's admin finds it through this module."""

from tenants.console import (
    admin,  # noqa: F401
    fleet,  # noqa: F401
    pods,  # noqa: F401
)
