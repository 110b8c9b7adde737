"""The owner's export page on the store's dashboard: ask for an archive of the store, follow it, download it.

Owners only: an archive holds every customer's details and order. Archive ids arrive as str segments and are
checked here, after the role check, and only this store's exports are ever found.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from storefront.seller_access import require_role
from tenants.archives import services as archives
from tenants.models import Role, StoreArchive
from tenants.request_types import DashboardRequest

RECENT_EXPORTS = 10


def _own_export(request: DashboardRequest, archive_id: str) -> StoreArchive:
    archive = archives.archive_by_id(archive_id)
    if archive is None or archive.store_id != request.store.pk or archive.direction != StoreArchive.Direction.EXPORT:
        raise Http404("No such export.")
    return archive


def _state(archive: StoreArchive) -> dict:
    return archives.archive_state(archive, download_url=f"/dashboard/export/{archive.pk}/download/")


@require_role(Role.OWNER)
def export_home(request: DashboardRequest) -> HttpResponse:
    if request.method == "POST":
        return _start(request)
    recent = StoreArchive.objects.filter(store=request.store, direction=StoreArchive.Direction.EXPORT)
    context = {"membership": request.membership, "exports": [_state(a) for a in recent[:RECENT_EXPORTS]]}
    return render(request, "dashboard/export.html", context)


def _start(request: DashboardRequest) -> HttpResponse:
    try:
        archive = archives.start_export(store=request.store, actor=request.user, reason="Asked for by the store owner")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("/dashboard/export/")
    return redirect(f"/dashboard/export/{archive.pk}/")


@require_role(Role.OWNER)
def export_progress(request: DashboardRequest, archive_id: str) -> HttpResponse:
    context = {"membership": request.membership, "job": _state(_own_export(request, archive_id))}
    return render(request, "dashboard/export_progress.html", context)


@require_role(Role.OWNER)
def export_status(request: DashboardRequest, archive_id: str) -> JsonResponse:
    return JsonResponse(_state(_own_export(request, archive_id)))


@require_role(Role.OWNER)
def export_download(request: DashboardRequest, archive_id: str) -> FileResponse:
    archive = _own_export(request, archive_id)
    path = archives.archive_file(archive)
    if path is None or not archives.can_download(user=request.user, archive=archive, store=request.store):
        raise Http404("No finished export with this id.")
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name, content_type="application/zip")
