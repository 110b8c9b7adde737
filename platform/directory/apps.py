"""App configuration for the cross-store directory."""

from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "platform.directory"
    label = "directory"
    verbose_name = "Directory"
