"""The seller's catalog pages: products, their options and variants, stock and pictures, CSV import and export.

Each view parses one form and calls one catalog service; the services judge the input and write nothing when
they refuse it. Ids arrive as str segments and are checked here, so the role check runs before the URL is judged.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.forms import Form
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST

from platform.kit.ids import id_or_404
from platform.kit.keyset import keyset_page
from storefront.catalog import selectors, services
from storefront.catalog.models import CatalogJob, Product, ProductVariant
from storefront.seller_access import require_role
from storefront.themes.selectors import translatable_languages
from tenants.models import Role
from tenants.request_types import DashboardRequest

from . import catalog_forms as forms
from .forms import CollectionTranslationsForm
from .product_editor import OptionsForm, VariantEditor

PRODUCTS_PER_PAGE = 50
# Value boxes per option on the new-product page, where every option starts empty.
NEW_PRODUCT_VALUE_BOXES = 4
FINISHED = (CatalogJob.Status.DONE, CatalogJob.Status.FAILED)


def _id(value: str) -> int:
    return id_or_404(value)


def _product(product_id: str) -> Product:
    product = selectors.product(_id(product_id), for_sale=False)
    if product is None:
        raise Http404("No such product.")
    return product


def _variant(product: Product, variant_id: str) -> ProductVariant:
    variant = next((v for v in product.variants.all() if v.pk == _id(variant_id)), None)
    if variant is None:
        raise Http404("No such variant.")
    return variant


def _show_errors(form: Form, error: ValidationError) -> None:
    """Put a service's errors next to their fields; "variants.0.price" belongs to "price" on a one-variant form."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for key, messages_ in error.message_dict.items():
        name = key.split(".")[-1] if key.startswith("variants.") else key
        field = name if name in form.fields else None
        for message in messages_:
            # A new product's variants share the form's price, so they share its errors too: say each once.
            if message not in form.errors.get(field or "__all__", []):
                form.add_error(field, message)


def _render(request: DashboardRequest, template: str, context: dict, *, failed: bool = False) -> HttpResponse:
    context = {"membership": request.membership, **context}
    return render(request, template, context, status=400 if failed else 200)


# --- Products ---------------------------------------------------------------------------------------------


@require_role(Role.STAFF)
def product_list(request: DashboardRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Product.Status.values:
        status = ""
    query = request.GET.get("q", "").strip()
    # The list shows each product's stock and variant count, nothing of its pictures, options or tags: only the
    # variants' stock is fetched with the page (one query), and none of the products' long columns.
    found = (
        selectors.products(for_sale=False, status=status or None, query=query)
        .prefetch_related(None)
        .prefetch_related(Prefetch("variants", queryset=ProductVariant.objects.only("id", "product_id", "stock")))
        .only("id", "title", "status", "price")
    )
    # By title, a page from the key of the row before it: no OFFSET and no count of every match.
    page = keyset_page(found, order=("title", "id"), per_page=PRODUCTS_PER_PAGE, params=request.GET)
    rows = [
        {"product": product, "stock": sum(v.stock for v in variants), "variant_count": len(variants)}
        for product in page.rows
        for variants in [list(product.variants.all())]
    ]
    context = {"page": page, "rows": rows, "status": status, "query": query, "statuses": Product.Status.choices}
    return _render(request, "dashboard/catalog/products.html", context)


@require_role(Role.STAFF)
def product_new(request: DashboardRequest) -> HttpResponse:
    form = forms.NewProductForm(request.POST or None)
    if request.method == "POST":
        options = OptionsForm.from_post(request.POST, spares=NEW_PRODUCT_VALUE_BOXES)
    else:
        options = OptionsForm.empty(spares=NEW_PRODUCT_VALUE_BOXES)
    if request.method == "POST" and form.is_valid() and not options.has_errors:
        try:
            product = services.create_product(
                **form.product_fields(),
                tags=form.tag_list(),
                **form.variant_arguments(options.specs),
                actor=request.user.email,
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                error = ValidationError(options.show(error.message_dict))
            _show_errors(form, error)
        else:
            messages.success(request, _("“%(title)s” created.") % {"title": product.title})
            return redirect(f"/dashboard/products/{product.pk}/")
    context = {"form": form, "options": options}
    failed = bool(form.errors) or options.has_errors
    return _render(request, "dashboard/catalog/product_new.html", context, failed=failed)


def _edit_page(
    request: DashboardRequest,
    product_id: str,
    *,
    failed: bool = False,
    failed_variant_id: int | None = None,
    editor: VariantEditor | None = None,
    pictures: forms.PicturesForm | None = None,
    **forms_: Form,
) -> HttpResponse:
    # Read again: a refused change may have left its values on the instance the service was given.
    product = _product(product_id)
    form = forms_.get("form") or forms.ProductForm(
        initial={
            "title": product.title,
            "description": product.description,
            "status": product.status,
            "seo_title": product.seo_title,
            "seo_description": product.seo_description,
            "gtin": product.gtin,
            "tags": ", ".join(tag.name for tag in product.tags.all()),
        }
    )
    context = {
        "product": product,
        "form": form,
        "image_form": forms_.get("image_form") or forms.ProductImageForm(),
        "stock_form": forms.AdjustStockForm(),
        "reasons": forms.MANUAL_REASONS,
        # The variant whose small form was refused, with that form, to show its errors in its row.
        "failed_variant_id": failed_variant_id,
        "failed_form": forms_.get("failed_form"),
        "editor": editor or VariantEditor.of(product),
        "pictures": pictures or forms.PicturesForm(list(product.images.all())),
    }
    return _render(request, "dashboard/catalog/product_edit.html", context, failed=failed)


@require_role(Role.STAFF)
def product_edit(request: DashboardRequest, product_id: str) -> HttpResponse:
    if request.method != "POST":
        return _edit_page(request, product_id)
    product = _product(product_id)
    form = forms.ProductForm(request.POST)
    if form.is_valid():
        try:
            services.update_product(product=product, tags=form.tag_list(), **form.product_fields())
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("“%(title)s” saved.") % {"title": product.title})
            return redirect(f"/dashboard/products/{product.pk}/")
    return _edit_page(request, product_id, form=form, failed=True)


@require_role(Role.STAFF)
def collection_list(request: DashboardRequest) -> HttpResponse:
    """The store's collections, each with its address and translations (collections are made through the API)."""
    context = {"collections": selectors.collections(), "languages": translatable_languages()}
    return _render(request, "dashboard/catalog/collections.html", context)


@require_role(Role.STAFF)
def collection_translations(request: DashboardRequest, collection_id: str) -> HttpResponse:
    """The collection's title and description in the store's extra languages (Settings chooses them)."""
    collection = selectors.collection(_id(collection_id))
    if collection is None:
        raise Http404("No such collection.")
    languages = translatable_languages()
    if request.method != "POST":
        form = CollectionTranslationsForm.of(collection.translations.all(), languages)
        context = {"form": form, "title": collection.title, "back": f"/collections/{collection.slug}/"}
        return _render(request, "dashboard/content_translations.html", context)
    form = CollectionTranslationsForm(request.POST, languages=languages)
    if form.is_valid():
        texts = {language: services.TranslatedText(**text) for language, text in form.texts().items()}
        try:
            services.save_collection_translations(collection=collection, texts=texts)
        except ValidationError as error:
            _show_errors(form, ValidationError({k.replace(".", "-"): v for k, v in error.message_dict.items()}))
        else:
            messages.success(request, _("Translations of “%(title)s” saved.") % {"title": collection.title})
            return redirect(f"/dashboard/collections/{collection.pk}/translations/")
    context = {"form": form, "title": collection.title, "back": f"/collections/{collection.slug}/"}
    return _render(request, "dashboard/content_translations.html", context, failed=True)


@require_role(Role.STAFF)
def product_translations(request: DashboardRequest, product_id: str) -> HttpResponse:
    """The product's title and description in the store's extra languages (Settings chooses them)."""
    product = _product(product_id)
    languages = translatable_languages()
    if request.method != "POST":
        form = forms.ProductTranslationsForm.of(product, languages)
        return _render(request, "dashboard/catalog/product_translations.html", {"product": product, "form": form})
    form = forms.ProductTranslationsForm(request.POST, languages=languages)
    if form.is_valid():
        try:
            services.save_product_translations(product=product, texts=form.texts())
        except ValidationError as error:
            for key, messages_ in error.message_dict.items():
                field = key.replace(".", "-")
                for message in messages_:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Translations of “%(title)s” saved.") % {"title": product.title})
            return redirect(f"/dashboard/products/{product.pk}/translations/")
    context = {"product": product, "form": form}
    return _render(request, "dashboard/catalog/product_translations.html", context, failed=True)


@require_role(Role.STAFF)
@require_POST
def product_delete(request: DashboardRequest, product_id: str) -> HttpResponse:
    product = _product(product_id)
    services.delete_product(product=product)
    messages.success(request, _("“%(title)s” deleted.") % {"title": product.title})
    return redirect("/dashboard/products/")


# --- Variants, stock and pictures -------------------------------------------------------------------------


@require_role(Role.STAFF)
@require_POST
def product_variants(request: DashboardRequest, product_id: str) -> HttpResponse:
    """The product editor: "update" shows the grid for the options as posted, "save" writes options and grid."""
    product = _product(product_id)
    editor = VariantEditor.from_post(product, request.POST)
    saving = request.POST.get("action") == "save"
    if not editor.has_errors and saving and editor.changed:
        editor.notice = "The options changed, so the variant list was worked out again. Check it, then save."
    if editor.has_errors or not saving or editor.changed:
        return _edit_page(request, product_id, editor=editor, failed=editor.has_errors)
    rows = editor.service_rows()
    if rows is None:
        return _edit_page(request, product_id, editor=editor, failed=True)
    try:
        services.save_product_variants(
            product=product, options=editor.options.specs, variants=rows, actor=request.user.email
        )
    except ValidationError as error:
        editor.show(error)
        return _edit_page(request, product_id, editor=editor, failed=True)
    messages.success(request, _("Options and variants of “%(title)s” saved.") % {"title": product.title})
    return redirect(f"/dashboard/products/{product.pk}/#variants")


@require_role(Role.STAFF)
@require_POST
def image_arrange(request: DashboardRequest, product_id: str) -> HttpResponse:
    product = _product(product_id)
    pictures = forms.PicturesForm(list(product.images.all()), request.POST)
    if pictures.is_valid():
        try:
            services.arrange_product_images(product=product, order=pictures.order, alt_texts=pictures.alt_texts)
        except ValidationError as error:
            pictures.show(error)
        else:
            messages.success(request, _("Pictures saved."))
            return redirect(f"/dashboard/products/{product.pk}/#pictures")
    return _edit_page(request, product_id, pictures=pictures, failed=True)


@require_role(Role.STAFF)
@require_POST
def variant_edit(request: DashboardRequest, product_id: str, variant_id: str) -> HttpResponse:
    product = _product(product_id)
    variant = _variant(product, variant_id)
    form = forms.VariantForm(request.POST)
    if form.is_valid():
        try:
            services.update_variant(variant=variant, **form.cleaned_data)
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Variant %(sku)s saved.") % {"sku": variant.sku})
            return redirect(f"/dashboard/products/{product.pk}/")
    return _edit_page(request, product_id, failed_variant_id=variant.pk, failed_form=form, failed=True)


@require_role(Role.STAFF)
@require_POST
def variant_stock(request: DashboardRequest, product_id: str, variant_id: str) -> HttpResponse:
    product = _product(product_id)
    variant = _variant(product, variant_id)
    form = forms.AdjustStockForm(request.POST)
    if form.is_valid():
        try:
            services.adjust_stock(variant=variant, actor=request.user.email, **form.cleaned_data)
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request, _("Stock of %(sku)s is now %(stock)s.") % {"sku": variant.sku, "stock": variant.stock}
            )
            return redirect(f"/dashboard/products/{product.pk}/")
    return _edit_page(request, product_id, failed_variant_id=variant.pk, failed_form=form, failed=True)


@require_role(Role.STAFF)
@require_POST
def image_add(request: DashboardRequest, product_id: str) -> HttpResponse:
    product = _product(product_id)
    form = forms.ProductImageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_product_image(
                product=product, file=form.cleaned_data["image"], alt_text=form.cleaned_data["alt_text"]
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Picture added."))
            return redirect(f"/dashboard/products/{product.pk}/")
    return _edit_page(request, product_id, image_form=form, failed=True)


@require_role(Role.STAFF)
@require_POST
def image_delete(request: DashboardRequest, product_id: str, image_id: str) -> HttpResponse:
    product = _product(product_id)
    image = next((i for i in product.images.all() if i.pk == _id(image_id)), None)
    if image is None:
        raise Http404("No such picture.")
    services.delete_product_image(image=image)
    messages.success(request, _("Picture deleted."))
    return redirect(f"/dashboard/products/{product.pk}/")


# --- CSV import and export --------------------------------------------------------------------------------


@require_role(Role.STAFF)
def catalog_import_new(request: DashboardRequest) -> HttpResponse:
    form = forms.CatalogImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            started = services.start_catalog_import(
                file=file,
                create_missing=form.cleaned_data["create_missing"],
                actor=request.user.email,
                filename=file.name,
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            return redirect(f"/dashboard/products/import/{started.pk}/")
    return _render(request, "dashboard/catalog/import.html", {"form": form}, failed=bool(form.errors))


# A CSV job's state in the page's language (the model's own labels are English and are kept as they are).
JOB_STATUS_LABELS: dict[str, object] = {
    CatalogJob.Status.PENDING: pgettext_lazy("CSV job", "Waiting to start"),
    CatalogJob.Status.RUNNING: pgettext_lazy("CSV job", "Running"),
    CatalogJob.Status.DONE: pgettext_lazy("CSV job", "Done"),
    CatalogJob.Status.FAILED: pgettext_lazy("CSV job", "Failed"),
}


def job_status_label(status: str) -> str:
    return str(JOB_STATUS_LABELS.get(status, status))


def _import_state(import_id: str) -> dict:
    job = selectors.catalog_import(_id(import_id))
    if job is None:
        raise Http404("No such import.")
    return {
        "id": job.pk,
        "filename": job.filename,
        "status": job.status,
        "status_label": job_status_label(job.status),
        "finished": job.status in FINISHED,
        "processed": job.processed_rows,
        "total": job.total_rows,
        "created": job.created_count,
        "updated": job.updated_count,
        "error_count": job.error_count,
        "errors": job.errors,
        "message": job.message,
    }


@require_role(Role.STAFF)
def catalog_import_progress(request: DashboardRequest, import_id: str) -> HttpResponse:
    return _render(request, "dashboard/catalog/import_progress.html", {"job": _import_state(import_id)})


@require_role(Role.STAFF)
def catalog_import_status(request: DashboardRequest, import_id: str) -> JsonResponse:
    return JsonResponse(_import_state(import_id))


@require_role(Role.STAFF)
@require_POST
def catalog_export_new(request: DashboardRequest) -> HttpResponse:
    started = services.start_catalog_export(actor=request.user.email)
    return redirect(f"/dashboard/products/export/{started.pk}/")


def _export_state(export_id: str) -> dict:
    job = selectors.catalog_export(_id(export_id))
    if job is None:
        raise Http404("No such export.")
    done = job.status == CatalogJob.Status.DONE
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job_status_label(job.status),
        "finished": job.status in FINISHED,
        "processed": job.processed_rows,
        "total": job.total_rows,
        "download": f"/dashboard/products/export/{job.pk}/download/" if done else None,
    }


@require_role(Role.STAFF)
def catalog_export_progress(request: DashboardRequest, export_id: str) -> HttpResponse:
    return _render(request, "dashboard/catalog/export_progress.html", {"job": _export_state(export_id)})


@require_role(Role.STAFF)
def catalog_export_status(request: DashboardRequest, export_id: str) -> JsonResponse:
    return JsonResponse(_export_state(export_id))


@require_role(Role.STAFF)
def catalog_export_download(request: DashboardRequest, export_id: str) -> HttpResponse:
    job = selectors.catalog_export(_id(export_id), with_content=True)
    if job is None or job.status != CatalogJob.Status.DONE:
        raise Http404("No such export, or it isn't finished.")
    response = HttpResponse(job.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="products-{job.pk}.csv"'
    return response
