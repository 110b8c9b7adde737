"""Inbox: messages visitors send the seller through the store's contact form."""

from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "storefront.inbox"
    label = "inbox"
