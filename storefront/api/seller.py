"""The seller API: products, variants, pictures, stock, collections and their translations; CSV jobs; API tokens.

Every endpoint needs a live API token of the store whose host is called (Authorization: Bearer mct_…), holding
the scope api.py gives the endpoint (storefront/api/scopes.py): catalog:read to read, catalog:write to change.
"""

from typing import Any, Literal, cast

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from storefront.catalog import selectors, services
from storefront.catalog.models import Collection, InventoryAdjustment, Product

from .auth import StoreToken
from .lookups import found
from .pagination import Page
from .schemas import (
    AdjustmentOut,
    ApiTokenOut,
    CollectionIn,
    CollectionPatch,
    ErrorOut,
    ExportOut,
    ImageOut,
    ImagePatch,
    ImportOut,
    ProductIn,
    ProductPatch,
    SellerCollectionOut,
    SellerProductOut,
    SellerVariantOut,
    StockAdjustmentIn,
    TranslationIn,
    VariantIn,
    VariantPatch,
    VariantsIn,
)
from .selectors import api_token, api_tokens
from .services import revoke_api_token

router = Router(auth=StoreToken(), tags=["seller"])
ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _actor(request: HttpRequest) -> str:
    return f"api token {request.auth.prefix}"  # type: ignore[attr-defined]  # django-ninja sets auth: the ApiToken


def _product(product_id: int) -> Product:
    # With every translation, in the product's own statement: the seller's product carries them all.
    return found(selectors.product(product_id, for_sale=False, every_language=True), f"product {product_id}")


def _texts(translations: dict[str, TranslationIn | None] | None) -> dict[str, services.TranslatedText] | None:
    """A request's ``translations`` as the catalog services take them; null for a language removes its text."""
    if translations is None:
        return None
    return {
        language: services.TranslatedText(title=text.title, description=text.description)
        if text
        else services.TranslatedText()
        for language, text in translations.items()
    }


# --- Products ---------------------------------------------------------------------------------------------


@router.get("/products", response=list[SellerProductOut])
@paginate(Page)
def list_products(request: HttpRequest, q: str = "", status: Literal["draft", "active", "archived"] | None = None):
    return selectors.with_texts(selectors.products(for_sale=False, status=status, query=q.strip()), every_language=True)


@router.post("/products", response={201: SellerProductOut, **ERRORS})
def create_product(request: HttpRequest, payload: ProductIn):
    product = services.create_product(
        title=payload.title,
        slug=payload.slug,
        description=payload.description,
        status=payload.status,
        tags=payload.tags,
        seo_title=payload.seo_title,
        seo_description=payload.seo_description,
        options=[services.OptionSpec(option.name) for option in payload.options],
        variants=[services.VariantSpec(**variant.model_dump()) for variant in payload.variants],
        translations=_texts(payload.translations),
        actor=_actor(request),
    )
    return Status(201, _product(product.pk))


@router.get("/products/{product_id}", response={200: SellerProductOut, **ERRORS})
def get_product(request: HttpRequest, product_id: int):
    return _product(product_id)


@router.patch("/products/{product_id}", response={200: SellerProductOut, **ERRORS})
def update_product(request: HttpRequest, product_id: int, payload: ProductPatch):
    product = _product(product_id)
    fields = payload.model_dump(exclude_unset=True, exclude={"translations"})
    services.update_product(product=product, translations=_texts(payload.translations), **fields)
    return _product(product_id)


@router.delete("/products/{product_id}", response={204: None, **ERRORS})
def delete_product(request: HttpRequest, product_id: int):
    services.delete_product(product=_product(product_id))
    return Status(204, None)


# --- Variants ---------------------------------------------------------------------------------------------


@router.post("/products/{product_id}/variants", response={201: SellerVariantOut, **ERRORS})
def add_variant(request: HttpRequest, product_id: int, payload: VariantIn):
    spec = services.VariantSpec(**payload.model_dump())
    variant = services.add_variant(product=_product(product_id), spec=spec, actor=_actor(request))
    return Status(201, selectors.variant(variant.pk, for_sale=False))


@router.put("/products/{product_id}/variants", response={200: SellerProductOut, **ERRORS})
def replace_variants(request: HttpRequest, product_id: int, payload: VariantsIn):
    """Set the product's options and its whole list of variants at once (the dashboard's product editor).

    Variants named by id (or by a SKU the product has) are kept with their stock and history; the product's
    other variants are deleted; variants naming neither are created. Nothing changes unless all of it is valid.
    """
    product = _product(product_id)
    services.save_product_variants(
        product=product,
        options=[services.OptionSpec(option.name, option.values) for option in payload.options],
        variants=[services.VariantRow(**row.model_dump(exclude_unset=True)) for row in payload.variants],
        actor=_actor(request),
    )
    return _product(product_id)


@router.get("/variants/{variant_id}", response={200: SellerVariantOut, **ERRORS})
def get_variant(request: HttpRequest, variant_id: int):
    return found(selectors.variant(variant_id, for_sale=False), f"variant {variant_id}")


@router.patch("/variants/{variant_id}", response={200: SellerVariantOut, **ERRORS})
def update_variant(request: HttpRequest, variant_id: int, payload: VariantPatch):
    variant = found(selectors.variant(variant_id, for_sale=False), f"variant {variant_id}")
    # Only the fields sent: an explicit "compare_at_price": null clears it, leaving it out keeps it.
    services.update_variant(variant=variant, **payload.model_dump(exclude_unset=True))
    return selectors.variant(variant_id, for_sale=False)


@router.delete("/variants/{variant_id}", response={204: None, **ERRORS})
def delete_variant(request: HttpRequest, variant_id: int):
    services.delete_variant(variant=found(selectors.variant(variant_id, for_sale=False), f"variant {variant_id}"))
    return Status(204, None)


# --- Stock ------------------------------------------------------------------------------------------------


@router.post("/inventory/adjustments", response={201: AdjustmentOut, 200: SellerVariantOut, **ERRORS})
def adjust_stock(request: HttpRequest, payload: StockAdjustmentIn):
    """Add to or remove from a variant's stock (delta), or set it (set_to); 200 when set_to changes nothing."""
    # StockAdjustmentIn lets through exactly one of sku and variant_id, and exactly one of delta and set_to.
    if payload.sku is not None:
        variant = found(selectors.variant_by_sku(payload.sku), f"variant with SKU {payload.sku!r}")
    else:
        variant_id = cast(int, payload.variant_id)
        variant = found(selectors.variant(variant_id, for_sale=False), f"variant {variant_id}")
    arguments: dict[str, Any] = {
        "variant": variant,
        "reason": payload.reason,
        "note": payload.note,
        "actor": _actor(request),
    }
    adjustment: InventoryAdjustment | None
    if payload.delta is not None:
        adjustment = services.adjust_stock(delta=payload.delta, **arguments)
    else:
        adjustment = services.set_stock(quantity=cast(int, payload.set_to), **arguments)
    if adjustment is None:
        return Status(200, variant)
    return Status(201, adjustment)


@router.get("/variants/{variant_id}/adjustments", response={200: list[AdjustmentOut], **ERRORS})
@paginate(Page)
def inventory_history(request: HttpRequest, variant_id: int):
    variant = found(selectors.variant(variant_id, for_sale=False), f"variant {variant_id}")
    return selectors.inventory_history(variant)


# --- Images -----------------------------------------------------------------------------------------------


@router.post("/products/{product_id}/images", response={201: ImageOut, **ERRORS})
def upload_image(request: HttpRequest, product_id: int, file: File[UploadedFile], alt_text: Form[str] = ""):
    """Upload a JPEG, PNG, GIF or WebP picture (multipart field "file"), up to 10 MB and 40 megapixels."""
    product = _product(product_id)
    return Status(201, services.add_product_image(product=product, file=file, alt_text=alt_text[:255]))


@router.patch("/images/{image_id}", response={200: ImageOut, **ERRORS})
def update_image(request: HttpRequest, image_id: int, payload: ImagePatch):
    image = found(selectors.product_image(image_id), f"image {image_id}")
    return services.update_product_image(image=image, **payload.model_dump(exclude_unset=True))


@router.delete("/images/{image_id}", response={204: None, **ERRORS})
def delete_image(request: HttpRequest, image_id: int):
    services.delete_product_image(image=found(selectors.product_image(image_id), f"image {image_id}"))
    return Status(204, None)


# --- Collections ------------------------------------------------------------------------------------------


def _products_by_id(ids: list[int]) -> list[Product]:
    by_id = selectors.products_by_id(ids)
    missing = [str(product_id) for product_id in ids if product_id not in by_id]
    if missing:
        message = gettext("No product %(ids)s in this store.") % {"ids": ", ".join(missing)}
        raise ValidationError({"product_ids": [message]})
    return [by_id[product_id] for product_id in ids]


def _collection(collection_id: int) -> Collection:
    # With every translation, in the collection's own statement, as the seller's products.
    return found(selectors.collection(collection_id, every_language=True), f"collection {collection_id}")


@router.get("/collections", response=list[SellerCollectionOut])
@paginate(Page)
def list_collections(request: HttpRequest):
    """Every collection with its translations (the public /collections shows one language)."""
    return selectors.with_texts(selectors.collections(), every_language=True)


@router.get("/collections/{collection_id}", response={200: SellerCollectionOut, **ERRORS})
def get_collection(request: HttpRequest, collection_id: int):
    return _collection(collection_id)


@router.post("/collections", response={201: SellerCollectionOut, **ERRORS})
def create_collection(request: HttpRequest, payload: CollectionIn):
    fields = payload.model_dump(exclude={"product_ids", "translations"})
    collection = services.create_collection(
        products=_products_by_id(payload.product_ids), translations=_texts(payload.translations), **fields
    )
    return Status(201, _collection(collection.pk))


@router.patch("/collections/{collection_id}", response={200: SellerCollectionOut, **ERRORS})
def update_collection(request: HttpRequest, collection_id: int, payload: CollectionPatch):
    collection = _collection(collection_id)
    fields = payload.model_dump(exclude_unset=True, exclude={"product_ids", "translations"})
    products = None if payload.product_ids is None else _products_by_id(payload.product_ids)
    services.update_collection(
        collection=collection, products=products, translations=_texts(payload.translations), **fields
    )
    return _collection(collection_id)


@router.delete("/collections/{collection_id}", response={204: None, **ERRORS})
def delete_collection(request: HttpRequest, collection_id: int):
    services.delete_collection(collection=found(selectors.collection(collection_id), f"collection {collection_id}"))
    return Status(204, None)


# --- CSV import and export --------------------------------------------------------------------------------


@router.post("/catalog/imports", response={202: ImportOut, **ERRORS})
def start_import(request: HttpRequest, file: File[UploadedFile], create_missing: Form[bool] = True):
    """Upload a product CSV (multipart field "file"); rows are applied in the background. Poll the result."""
    catalog_import = services.start_catalog_import(
        file=file, create_missing=create_missing, actor=_actor(request), filename=file.name or ""
    )
    return Status(202, selectors.catalog_import(catalog_import.pk))


@router.get("/catalog/imports/{import_id}", response={200: ImportOut, **ERRORS})
def import_progress(request: HttpRequest, import_id: int):
    return found(selectors.catalog_import(import_id), f"import {import_id}")


@router.post("/catalog/exports", response={202: ExportOut, **ERRORS})
def start_export(request: HttpRequest):
    catalog_export = services.start_catalog_export(actor=_actor(request))
    return Status(202, selectors.catalog_export(catalog_export.pk))


@router.get("/catalog/exports/{export_id}", response={200: ExportOut, **ERRORS})
def export_progress(request: HttpRequest, export_id: int):
    return found(selectors.catalog_export(export_id), f"export {export_id}")


@router.get("/catalog/exports/{export_id}/csv", response={200: None, 409: ErrorOut, **ERRORS})
def download_export(request: HttpRequest, export_id: int):
    catalog_export = found(selectors.catalog_export(export_id, with_content=True), f"export {export_id}")
    if catalog_export.status != catalog_export.Status.DONE:
        return Status(
            409, {"detail": f"The export is {catalog_export.status}; poll it until it is done.", "errors": {}}
        )
    response = HttpResponse(catalog_export.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="products-{catalog_export.pk}.csv"'
    return response


# --- API tokens -------------------------------------------------------------------------------------------


@router.get("/tokens", response=list[ApiTokenOut])
@paginate(Page)
def list_tokens(request: HttpRequest):
    """This store's API tokens (never their secrets, which are shown once, when a token is made)."""
    return api_tokens()


@router.delete("/tokens/{token_id}", response={200: ApiTokenOut, **ERRORS})
def revoke_token(request: HttpRequest, token_id: int):
    """Revoke a token at once (the token making the call included)."""
    return revoke_api_token(token=found(api_token(token_id), f"API token {token_id}"))
