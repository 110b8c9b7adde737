"""Console pages for store archives: export a store and follow it, download it, import one as a new store, purge.

They hang under the store admin's URLs (/admin/tenants/store/...), each behind its own permission:
exporting and importing need ``tenants.add_storearchive``, downloading ``tenants.view_storearchive`` and purging
``tenants.delete_store`` (superusers have them all).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from tenants.models import Store, StoreArchive
from tenants.request_types import SignedInRequest

from . import services as archives

PERM_EXPORT = "tenants.add_storearchive"
PERM_IMPORT = "tenants.add_storearchive"
PERM_DOWNLOAD = "tenants.view_storearchive"
PERM_PURGE = "tenants.delete_store"


class ExportForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        max_length=2000,
        required=False,
        help_text="Optional; recorded in the audit log with your name and the time.",
    )


class ImportForm(forms.Form):
    file = forms.FileField(help_text="A store archive (.zip) made by Export on this or another Mercato platform.")
    slug = forms.CharField(max_length=63, label="New subdomain")
    name = forms.CharField(max_length=100, required=False, help_text="Leave empty to keep the archived store's name.")
    owner_email = forms.EmailField(required=False, help_text="An existing account that becomes the store's owner.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "cols": 60}), max_length=2000)


class PurgeForm(forms.Form):
    confirmation = forms.CharField(max_length=63, label="Type the store's subdomain to confirm")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "cols": 60}), max_length=2000)


def archive_urls(model_admin: admin.ModelAdmin) -> list[URLPattern]:
    """The archive pages, to be listed before the store admin's own catch-all URLs."""
    wrap = model_admin.admin_site.admin_view
    views = ArchiveViews(model_admin)
    return [
        path("import/", wrap(views.import_view), name="tenants_store_archive_import"),
        path("<int:object_id>/export/", wrap(views.export_view), name="tenants_store_archive_export"),
        path("<int:object_id>/purge/", wrap(views.purge_view), name="tenants_store_archive_purge"),
        path("archives/<str:archive_id>/", wrap(views.progress_view), name="tenants_store_archive_progress"),
        path("archives/<str:archive_id>/status/", wrap(views.status_view), name="tenants_store_archive_status"),
        path("archives/<str:archive_id>/download/", wrap(views.download_view), name="tenants_store_archive_download"),
    ]


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(f"This needs the {permission} permission.")


def _download_url(archive: StoreArchive) -> str:
    return reverse("admin:tenants_store_archive_download", args=[archive.pk])


def _form_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


class ArchiveViews:
    def __init__(self, model_admin: admin.ModelAdmin) -> None:
        self.model_admin = model_admin

    def _render(self, request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
        context = {**self.model_admin.admin_site.each_context(request), "opts": Store._meta, **context}
        return TemplateResponse(request, template, context, status=status)

    def _archive(self, request: HttpRequest, archive_id: str) -> StoreArchive:
        _require(request, PERM_DOWNLOAD)
        archive = archives.archive_by_id(archive_id)
        if archive is None:
            raise Http404("No such archive.")
        return archive

    def export_view(self, request: SignedInRequest, object_id: int) -> HttpResponse:
        _require(request, PERM_EXPORT)
        store = get_object_or_404(Store, pk=object_id)
        form = ExportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                archive = archives.start_export(store=store, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                _form_errors(form, error)
            else:
                return redirect(reverse("admin:tenants_store_archive_progress", args=[archive.pk]))
        context = {"title": f"Export {store.name}", "store": store, "form": form}
        return self._render(request, "admin/archives/export.html", context, status=400 if form.errors else 200)

    def progress_view(self, request: HttpRequest, archive_id: str) -> HttpResponse:
        archive = self._archive(request, archive_id)
        state = archives.archive_state(archive, download_url=_download_url(archive))
        title = f"{archive.get_direction_display()} of {archive.store_slug}"
        context = {"title": title, "archive": archive, "job": state}
        return self._render(request, "admin/archives/progress.html", context)

    def status_view(self, request: HttpRequest, archive_id: str) -> JsonResponse:
        archive = self._archive(request, archive_id)
        return JsonResponse(archives.archive_state(archive, download_url=_download_url(archive)))

    def download_view(self, request: SignedInRequest, archive_id: str) -> FileResponse:
        archive = self._archive(request, archive_id)
        if not archives.can_download(user=request.user, archive=archive, store=None):
            raise Http404("No finished export with this id.")
        path = archives.archive_file(archive)
        if path is None:
            raise Http404("The archive's file is gone.")
        return FileResponse(path.open("rb"), as_attachment=True, filename=path.name, content_type="application/zip")

    def import_view(self, request: SignedInRequest) -> HttpResponse:
        _require(request, PERM_IMPORT)
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                archive = archives.start_import(
                    source=data["file"],
                    slug=data["slug"],
                    name=data["name"],
                    owner_email=data["owner_email"],
                    actor=request.user,
                    reason=data["reason"],
                    filename=data["file"].name,
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                return redirect(reverse("admin:tenants_store_archive_progress", args=[archive.pk]))
        context = {"title": "Import a store archive", "form": form}
        return self._render(request, "admin/archives/import.html", context, status=400 if form.errors else 200)

    def purge_view(self, request: SignedInRequest, object_id: int) -> HttpResponse:
        _require(request, PERM_PURGE)
        store = get_object_or_404(Store, pk=object_id)
        form = PurgeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                archives.purge_closed_store(
                    store=store,
                    actor=request.user,
                    confirmation=form.cleaned_data["confirmation"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, f"Purged {store.slug}: its schema, public rows and media are gone.")
                return redirect(reverse("admin:tenants_store_changelist"))
        context = {
            "title": f"Purge {store.name}",
            "store": store,
            "form": form,
            "closed": store.status == Store.Status.CLOSED,
            "grace_period_ends": archives.grace_period_ends(store),
            "early": archives.purge_would_be_early(store),
        }
        return self._render(request, "admin/archives/purge.html", context, status=400 if form.errors else 200)


@admin.register(StoreArchive)
class StoreArchiveAdmin(admin.ModelAdmin):
    """Every export and import, newest first; read-only (the pages above make them)."""

    list_display = ("created_at", "direction", "store_slug", "status", "progress", "size_bytes", "download")
    list_filter = ("direction", "status")
    search_fields = ("store_slug",)
    readonly_fields = [field.name for field in StoreArchive._meta.fields] + ["download"]

    @admin.display(description="File")
    def download(self, archive: StoreArchive) -> str:
        if archive.direction != StoreArchive.Direction.EXPORT or archive.status != StoreArchive.Status.DONE:
            return "—"
        return format_html('<a href="{}">Download</a>', _download_url(archive))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: StoreArchive | None = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: StoreArchive) -> None:
        archives.delete_archive(archive=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[StoreArchive]) -> None:
        for archive in queryset:
            archives.delete_archive(archive=archive)
