"""Reads about accounts: the stores a person can open."""

from tenants.models import Membership

from .models import User


def memberships_of(user: User) -> list[Membership]:
    return list(Membership.objects.filter(user=user).select_related("store").order_by("store__name"))
