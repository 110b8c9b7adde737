"""File storage that keeps each store's uploads under MEDIA_ROOT/<schema name>/."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property
from django_tenants.files.storage import TenantFileSystemStorage


class StoreMediaStorage(TenantFileSystemStorage):
    """django-tenants' per-schema storage, which also notices when MEDIA_ROOT or MEDIA_URL change.

    The parent caches the per-store root and URL and (as of django-tenants 4.0) forgets them only when
    MULTITENANT_RELATIVE_MEDIA_ROOT changes, so a changed MEDIA_ROOT would silently keep writing to the old place.
    """

    def _clear_cached_properties(self, setting: str, **kwargs: object) -> None:
        # The stub lists only the settings the parent acts on; the signal hands it every setting that changed.
        FileSystemStorage._clear_cached_properties(self, setting, **kwargs)  # type: ignore[arg-type]
        if setting in ("MEDIA_ROOT", "MEDIA_URL", "MULTITENANT_RELATIVE_MEDIA_ROOT"):
            self.__dict__.pop("relative_media_root", None)
            self.__dict__.pop("relative_media_url", None)

    @cached_property
    def relative_media_url(self) -> str:
        # The parent makes every MEDIA_URL a path ("/https:/media.…"); a media host of its own (docs/deploy.md)
        # keeps its scheme and host: https://media-host/<schema name>/.
        if settings.MEDIA_URL.startswith(("http://", "https://")):
            return settings.MEDIA_URL.rstrip("/") + "/" + settings.MULTITENANT_RELATIVE_MEDIA_ROOT.strip("/") + "/"
        return super().relative_media_url
