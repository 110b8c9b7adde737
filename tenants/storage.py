"""File storage that keeps each store's uploads under MEDIA_ROOT/<schema name>/."""

from django.core.files.storage import FileSystemStorage
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
