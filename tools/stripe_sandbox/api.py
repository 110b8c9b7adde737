"""The ``/v1`` endpoints: one handler per Stripe API route, each parsing its parameters as Stripe does."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import objects, payments, subscriptions
from .errors import StripeError, invalid, missing_param, no_such, unsupported
from .objects import changes, deleted, emit, paginate, render, snapshot
from .params import Params, apply_metadata
from .state import State, new_id
from .wallets import WALLETS


@dataclass
class Context:
    """One API request: the state, and the account it acts for (the ``Stripe-Account`` header, else the platform)."""

    state: State
    account: str | None

    def get(self, object_id: str | None, kind: str, *, param: str = "id", platform: bool = False) -> dict[str, Any]:
        """An object of this account; ``platform`` for the platform's own (connected accounts, transfers, ...)."""
        if object_id is None:
            raise missing_param(param)
        return self.state.get(object_id, kind, None if platform else self.account, param=param)

    def out(self, obj: dict[str, Any], p: Params) -> dict[str, Any]:
        return render(self.state, obj, p.expand())

    def page(self, items: list[dict[str, Any]], url: str, p: Params, kind: str) -> dict[str, Any]:
        return paginate(self.state, items, url=url, params=p, kind=kind)


Handler = Callable[..., dict[str, Any]]
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ROUTES.append((method, re.compile("^" + pattern.replace("{id}", "(?P<id>[^/]+)") + "$"), handler))
        return handler

    return register


def dispatch(ctx: Context, method: str, path: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """The handler's response, or None when no route matches (Stripe's "Unrecognized request URL")."""
    for route_method, pattern, handler in ROUTES:
        match = pattern.match(path)
        if match and route_method == method:
            return handler(ctx, Params(params), **match.groupdict())
    return None


def _filter(items: list[dict[str, Any]], **wanted: Any) -> list[dict[str, Any]]:
    return [item for item in items if all(value is None or item.get(key) == value for key, value in wanted.items())]


# --- Customers ----------------------------------------------------------------------------------------------

CUSTOMER_FIELDS = ("description", "email", "name", "phone")


def _customer_fields(ctx: Context, p: Params, customer: dict[str, Any]) -> None:
    for key in CUSTOMER_FIELDS:
        if p.has(key):
            customer[key] = p.str(key)
    if p.has("balance"):
        customer["balance"] = p.int("balance")
    if p.has("preferred_locales"):
        customer["preferred_locales"] = [item for item in p.list("preferred_locales") if isinstance(item, str)]
    if p.has("tax_exempt"):
        customer["tax_exempt"] = p.str("tax_exempt", choices=("exempt", "none", "reverse"))
    if p.has("address"):
        address = p.sub("address")
        customer["address"] = (
            {key: address.str(key) for key in ("city", "country", "line1", "line2", "postal_code", "state")}
            if address
            else None
        )
    apply_metadata(customer["metadata"], p.metadata())


def _default_payment_method(ctx: Context, p: Params, customer: dict[str, Any], attached: dict[str, Any] | None) -> None:
    settings = p.sub("invoice_settings")
    if settings is None:
        return
    settings.only("default_payment_method", "custom_fields", "footer", "rendering_options")
    if not settings.has("default_payment_method"):
        return
    reference = settings.str("default_payment_method")
    if reference is None:
        customer["invoice_settings"]["default_payment_method"] = None
        return
    if attached is not None and reference == p.str("payment_method"):
        # `payment_method=pm_card_visa&invoice_settings[default_payment_method]=pm_card_visa` means the same card.
        method = attached
    else:
        method = ctx.get(reference, "payment_method", param="invoice_settings[default_payment_method]")
    if method["customer"] != customer["id"]:
        raise invalid(
            f"The customer does not have a payment method with the ID {reference}. The payment method must be "
            "attached to the customer.",
            param="invoice_settings[default_payment_method]",
        )
    customer["invoice_settings"]["default_payment_method"] = method["id"]


@route("POST", "/v1/customers")
def customers_create(ctx: Context, p: Params) -> dict[str, Any]:
    if p.has("test_clock"):
        raise unsupported("test_clock on customers (use POST /_sandbox/clock/advance)")
    p.only(
        "address", "balance", "description", "email", "invoice_settings", "metadata", "name", "payment_method",
        "phone", "preferred_locales", "tax_exempt",
    )  # fmt: skip
    method = None
    if method_id := p.str("payment_method"):
        method = payments.resolve_method(ctx.state, ctx.account, method_id, param="payment_method")
    customer = objects.customer(ctx.state, ctx.account)
    _customer_fields(ctx, p, customer)
    emit(ctx.state, "customer.created", customer)
    if method is not None:
        payments.attach(ctx.state, method, customer)
    before = snapshot(ctx.state, customer)
    _default_payment_method(ctx, p, customer, method)
    if customer["invoice_settings"]["default_payment_method"]:
        emit(ctx.state, "customer.updated", customer, previous_attributes=changes(ctx.state, before, customer))
    return ctx.out(customer, p)


@route("GET", "/v1/customers")
def customers_list(ctx: Context, p: Params) -> dict[str, Any]:
    items = ctx.state.all("customer", ctx.account)
    email = p.str("email")
    if email is not None:
        items = [item for item in items if item["email"] == email]
    return ctx.page(items, "/v1/customers", p, "customer")


@route("GET", "/v1/customers/{id}")
def customers_retrieve(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    obj = ctx.state.find(id)
    if obj is not None and obj["object"] == "customer" and obj["_account"] == ctx.account and obj.get("_deleted"):
        return deleted(obj)
    return ctx.out(ctx.get(id, "customer"), p)


@route("POST", "/v1/customers/{id}")
def customers_update(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only(
        "address", "balance", "description", "email", "invoice_settings", "metadata", "name", "phone",
        "preferred_locales", "tax_exempt",
    )  # fmt: skip
    customer = ctx.get(id, "customer")
    before = snapshot(ctx.state, customer)
    _customer_fields(ctx, p, customer)
    _default_payment_method(ctx, p, customer, None)
    difference = changes(ctx.state, before, customer)
    if difference:
        emit(ctx.state, "customer.updated", customer, previous_attributes=difference)
    return ctx.out(customer, p)


@route("DELETE", "/v1/customers/{id}")
def customers_delete(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    customer = ctx.get(id, "customer")
    for sub in ctx.state.all("subscription", ctx.account):
        if sub["customer"] == id and sub["status"] not in ("canceled", "incomplete_expired"):
            subscriptions.cancel_now(ctx.state, sub, reason="cancellation_requested")
    customer["_deleted"] = True
    emit(ctx.state, "customer.deleted", customer)
    return deleted(customer)


@route("GET", "/v1/customers/{id}/payment_methods")
def customers_payment_methods(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    ctx.get(id, "customer")
    items = _filter(ctx.state.all("payment_method", ctx.account), customer=id, type=p.str("type"))
    return ctx.page(items, f"/v1/customers/{id}/payment_methods", p, "PaymentMethod")


# --- Products and prices ------------------------------------------------------------------------------------

PRODUCT_FIELDS = ("description", "name", "statement_descriptor", "unit_label", "url")


def _product_fields(p: Params, product: dict[str, Any]) -> None:
    for key in PRODUCT_FIELDS:
        if p.has(key):
            product[key] = p.str(key, required=key == "name")
    if p.has("active"):
        product["active"] = p.bool("active")
    if p.has("shippable"):
        product["shippable"] = p.bool("shippable")
    if p.has("images"):
        product["images"] = [item for item in p.list("images") if isinstance(item, str)]
    apply_metadata(product["metadata"], p.metadata())


def _recurring(p: Params | None) -> dict[str, Any] | None:
    if p is None:
        return None
    p.only("interval", "interval_count", "meter", "usage_type", "trial_period_days")
    usage_type = p.str("usage_type", choices=("licensed", "metered")) or "licensed"
    if usage_type == "metered" and not p.str("meter"):
        raise invalid("A metered price needs a meter: recurring[meter].", param="recurring[meter]")
    return {
        "interval": p.str("interval", required=True, choices=("day", "month", "week", "year")),
        "interval_count": p.int("interval_count", minimum=1, default=1),
        "usage_type": usage_type,
        "meter": p.str("meter") if usage_type == "metered" else None,
    }


def _unit_amount(p: Params) -> int:
    if p.has("unit_amount_decimal") and not p.has("unit_amount"):
        text = p.str("unit_amount_decimal", required=True)
        if not text.isdigit():
            raise unsupported("fractional unit_amount_decimal")
        return int(text)
    amount = p.int("unit_amount", minimum=0)
    if amount is None:
        raise missing_param(p.name("unit_amount"))
    return amount


def _make_price(ctx: Context, p: Params, product_id: str, *, path: str = "") -> dict[str, Any]:
    currency = p.str("currency", required=True).lower()
    price = objects.price(
        ctx.state,
        ctx.account,
        product_id=product_id,
        currency=currency,
        unit_amount=_unit_amount(p),
        recurring=_recurring(p.sub("recurring")),
    )
    if p.has("tax_behavior"):
        price["tax_behavior"] = p.str("tax_behavior", choices=("exclusive", "inclusive", "unspecified"))
    emit(ctx.state, "price.created", price)
    return price


@route("POST", "/v1/products")
def products_create(ctx: Context, p: Params) -> dict[str, Any]:
    p.only(
        "active", "default_price_data", "description", "id", "images", "metadata", "name", "shippable",
        "statement_descriptor", "tax_code", "unit_label", "url",
    )  # fmt: skip
    fields: dict[str, Any] = {}
    if product_id := p.str("id"):
        if ctx.state.find(product_id):
            raise StripeError("Product already exists.", code="resource_already_exists", param="id")
        fields["id"] = product_id
    if p.has("tax_code"):
        fields["tax_code"] = p.str("tax_code")
    p.str("name", required=True)
    product = objects.product(ctx.state, ctx.account, **fields)
    _product_fields(p, product)
    emit(ctx.state, "product.created", product)
    price_data = p.sub("default_price_data")
    if price_data is not None:
        price_data.only("currency", "recurring", "tax_behavior", "unit_amount", "unit_amount_decimal")
        price = _make_price(ctx, price_data, product["id"])
        product["default_price"] = price["id"]
    return ctx.out(product, p)


@route("GET", "/v1/products")
def products_list(ctx: Context, p: Params) -> dict[str, Any]:
    items = _filter(ctx.state.all("product", ctx.account), active=p.bool("active"))
    ids = [item for item in p.list("ids") if isinstance(item, str)]
    if ids:
        items = [item for item in items if item["id"] in ids]
    return ctx.page(items, "/v1/products", p, "product")


@route("GET", "/v1/products/{id}")
def products_retrieve(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    return ctx.out(ctx.get(id, "product"), p)


@route("POST", "/v1/products/{id}")
def products_update(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only(
        "active", "default_price", "description", "images", "metadata", "name", "shippable", "statement_descriptor",
        "tax_code", "unit_label", "url",
    )  # fmt: skip
    product = ctx.get(id, "product")
    before = snapshot(ctx.state, product)
    _product_fields(p, product)
    if p.has("tax_code"):
        product["tax_code"] = p.str("tax_code")
    if p.has("default_price"):
        reference = p.str("default_price")
        if reference is not None:
            price = ctx.get(reference, "price", param="default_price")
            if price["product"] != id:
                raise invalid("The default price must belong to this product.", param="default_price")
        product["default_price"] = reference
    product["updated"] = ctx.state.now()
    emit(ctx.state, "product.updated", product, previous_attributes=changes(ctx.state, before, product))
    return ctx.out(product, p)


@route("DELETE", "/v1/products/{id}")
def products_delete(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    product = ctx.get(id, "product")
    if any(price["product"] == id for price in ctx.state.all("price", ctx.account)):
        raise invalid("This product cannot be deleted because it has one or more user-created prices.", param="id")
    product["_deleted"] = True
    emit(ctx.state, "product.deleted", product)
    return deleted(product)


def _lookup_key(ctx: Context, p: Params, price: dict[str, Any]) -> None:
    if not p.has("lookup_key"):
        return
    key = p.str("lookup_key")
    holder = next((other for other in ctx.state.all("price", ctx.account) if key and other["lookup_key"] == key), None)
    if holder is not None and holder is not price:
        if not p.bool("transfer_lookup_key", default=False):
            raise invalid(f"A price ({holder['id']}) already uses that lookup key.", param="lookup_key")
        holder["lookup_key"] = None
    price["lookup_key"] = key


@route("POST", "/v1/prices")
def prices_create(ctx: Context, p: Params) -> dict[str, Any]:
    p.only(
        "active", "billing_scheme", "currency", "lookup_key", "metadata", "nickname", "product", "product_data",
        "recurring", "tax_behavior", "transfer_lookup_key", "unit_amount", "unit_amount_decimal",
    )  # fmt: skip
    if p.has("billing_scheme") and p.str("billing_scheme") != "per_unit":
        raise unsupported("tiered prices")
    product_data = p.sub("product_data")
    if product_data is not None:
        product_data.only("active", "metadata", "name", "statement_descriptor", "tax_code", "unit_label")
        product = objects.product(ctx.state, ctx.account)
        _product_fields(product_data, product)
        product["name"] = product_data.str("name", required=True)
        emit(ctx.state, "product.created", product)
        product_id = product["id"]
    else:
        product_id = ctx.get(p.str("product"), "product", param="product")["id"]
    price = objects.price(
        ctx.state,
        ctx.account,
        product_id=product_id,
        currency=p.str("currency", required=True).lower(),
        unit_amount=_unit_amount(p),
        recurring=_recurring(p.sub("recurring")),
    )
    if p.has("active"):
        price["active"] = p.bool("active")
    if p.has("nickname"):
        price["nickname"] = p.str("nickname")
    if p.has("tax_behavior"):
        price["tax_behavior"] = p.str("tax_behavior", choices=("exclusive", "inclusive", "unspecified"))
    _lookup_key(ctx, p, price)
    apply_metadata(price["metadata"], p.metadata())
    emit(ctx.state, "price.created", price)
    return ctx.out(price, p)


@route("GET", "/v1/prices")
def prices_list(ctx: Context, p: Params) -> dict[str, Any]:
    items = _filter(
        ctx.state.all("price", ctx.account),
        active=p.bool("active"),
        currency=p.str("currency"),
        product=p.str("product"),
        type=p.str("type"),
    )
    keys = [item for item in p.list("lookup_keys") if isinstance(item, str)]
    if keys:
        items = [item for item in items if item["lookup_key"] in keys]
    return ctx.page(items, "/v1/prices", p, "price")


@route("GET", "/v1/prices/{id}")
def prices_retrieve(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    return ctx.out(ctx.get(id, "price"), p)


@route("POST", "/v1/prices/{id}")
def prices_update(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only("active", "lookup_key", "metadata", "nickname", "tax_behavior", "transfer_lookup_key")
    price = ctx.get(id, "price")
    before = snapshot(ctx.state, price)
    if p.has("active"):
        price["active"] = p.bool("active")
    if p.has("nickname"):
        price["nickname"] = p.str("nickname")
    if p.has("tax_behavior"):
        price["tax_behavior"] = p.str("tax_behavior", choices=("exclusive", "inclusive", "unspecified"))
    _lookup_key(ctx, p, price)
    apply_metadata(price["metadata"], p.metadata())
    emit(ctx.state, "price.updated", price, previous_attributes=changes(ctx.state, before, price))
    return ctx.out(price, p)


# --- Payment methods ----------------------------------------------------------------------------------------


@route("POST", "/v1/payment_methods")
def payment_methods_create(ctx: Context, p: Params) -> dict[str, Any]:
    p.only("billing_details", "card", "metadata", "type")
    p.str("type", required=True, choices=("card",))
    card = p.sub("card", required=True)
    if card.has("number"):
        raise StripeError(
            "Sending credit card numbers directly to the Stripe API is generally unsafe. To continue processing use "
            "Stripe.js, the Stripe mobile bindings, or Stripe Elements. In tests, use a test PaymentMethod such as "
            "pm_card_visa or a token such as tok_visa.",
            param="card[number]",
        )
    card.only("token")
    token = card.str("token", required=True)
    if not token.startswith("tok_") or token[len("tok_") :] not in payments.TEST_CARD_NAMES:
        raise no_such("token", token, param="card[token]")
    method = payments.resolve_method(ctx.state, ctx.account, token, param="card[token]", token=True)
    details = p.sub("billing_details")
    if details is not None:
        details.only("address", "email", "name", "phone")
        for key in ("email", "name", "phone"):
            if details.has(key):
                method["billing_details"][key] = details.str(key)
    apply_metadata(method["metadata"], p.metadata())
    return ctx.out(method, p)


@route("GET", "/v1/payment_methods")
def payment_methods_list(ctx: Context, p: Params) -> dict[str, Any]:
    items = _filter(ctx.state.all("payment_method", ctx.account), customer=p.str("customer"), type=p.str("type"))
    return ctx.page(items, "/v1/payment_methods", p, "PaymentMethod")


@route("GET", "/v1/payment_methods/{id}")
def payment_methods_retrieve(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    return ctx.out(payments.resolve_method(ctx.state, ctx.account, id, param="payment_method"), p)


@route("POST", "/v1/payment_methods/{id}")
def payment_methods_update(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only("billing_details", "metadata", "allow_redisplay")
    method = ctx.get(id, "payment_method", param="payment_method")
    before = snapshot(ctx.state, method)
    details = p.sub("billing_details")
    if details is not None:
        details.only("address", "email", "name", "phone")
        for key in ("email", "name", "phone"):
            if details.has(key):
                method["billing_details"][key] = details.str(key)
    if p.has("allow_redisplay"):
        method["allow_redisplay"] = p.str("allow_redisplay", choices=("always", "limited", "unspecified"))
    apply_metadata(method["metadata"], p.metadata())
    emit(ctx.state, "payment_method.updated", method, previous_attributes=changes(ctx.state, before, method))
    return ctx.out(method, p)


@route("POST", "/v1/payment_methods/{id}/attach")
def payment_methods_attach(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only("customer")
    customer = ctx.get(p.str("customer", required=True), "customer", param="customer")
    method = payments.resolve_method(ctx.state, ctx.account, id, param="payment_method")
    return ctx.out(payments.attach(ctx.state, method, customer), p)


@route("POST", "/v1/payment_methods/{id}/detach")
def payment_methods_detach(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only()
    method = ctx.get(id, "payment_method", param="payment_method")
    return ctx.out(payments.detach(ctx.state, method), p)


# --- Payment intents, charges, refunds ----------------------------------------------------------------------


def _transfer_data(p: Params | None, *, percent: bool = False) -> dict[str, Any] | None:
    if p is None:
        return None
    if percent:
        p.only("amount_percent", "destination")
        return {"amount_percent": p.float("amount_percent"), "destination": p.str("destination", required=True)}
    p.only("amount", "destination")
    return {"amount": p.int("amount", minimum=1), "destination": p.str("destination", required=True)}


PAYMENT_INTENT_CREATE = (
    "amount", "application_fee_amount", "automatic_payment_methods", "capture_method", "confirm", "currency",
    "customer", "description", "error_on_requires_action", "metadata", "off_session", "payment_method",
    "payment_method_types", "receipt_email", "return_url", "setup_future_usage", "statement_descriptor",
    "statement_descriptor_suffix", "transfer_data", "transfer_group",
)  # fmt: skip


@route("POST", "/v1/payment_intents")
def payment_intents_create(ctx: Context, p: Params) -> dict[str, Any]:
    p.only(*PAYMENT_INTENT_CREATE)
    amount = p.int("amount", required=True)
    currency = p.str("currency", required=True).lower()
    payments.check_amount(amount, currency)
    fee = p.int("application_fee_amount", minimum=0)
    transfer_data = _transfer_data(p.sub("transfer_data"))
    payments.check_connect(
        ctx.state, ctx.account, amount=amount, application_fee_amount=fee, transfer_data=transfer_data
    )
    customer = ctx.get(p.str("customer"), "customer", param="customer") if p.str("customer") else None
    method = None
    if method_id := p.str("payment_method"):
        method = payments.resolve_method(ctx.state, ctx.account, method_id, param="payment_method")
        if method["customer"] is not None and customer is None:
            raise invalid(
                f"The PaymentMethod provided ({method['id']}) belongs to a Customer, but you did not provide the "
                "Customer ID. Please include the Customer in the `customer` parameter on the PaymentIntent.",
                param="payment_method",
            )
        if method["customer"] is not None and customer is not None and method["customer"] != customer["id"]:
            raise invalid(
                f"The provided PaymentMethod {method['id']} belongs to a different Customer.", param="payment_method"
            )
    types = [item for item in p.list("payment_method_types") if isinstance(item, str)]
    if types and types != ["card"]:
        raise unsupported("payment method types other than card")
    automatic = p.sub("automatic_payment_methods")
    intent = payments.create_intent(
        ctx.state,
        ctx.account,
        amount=amount,
        currency=currency,
        customer=customer["id"] if customer else None,
        description=p.str("description"),
        application_fee_amount=fee,
        transfer_data=transfer_data,
        transfer_group=p.str("transfer_group"),
        receipt_email=p.str("receipt_email"),
        statement_descriptor=p.str("statement_descriptor"),
        statement_descriptor_suffix=p.str("statement_descriptor_suffix"),
        setup_future_usage=p.str("setup_future_usage", choices=("off_session", "on_session")),
        capture_method=p.str("capture_method", choices=("automatic", "automatic_async", "manual")) or "automatic_async",
        payment_method=method["id"] if method else None,
        automatic_payment_methods=(
            None
            if types
            else {
                "allow_redirects": "always",
                "enabled": automatic.bool("enabled", default=True) if automatic else True,
            }
        ),
        metadata={key: value for key, value in (p.metadata() or {}).items() if value is not None},
    )
    if p.bool("confirm", default=False):
        _confirm(ctx, intent, method, p)
    return ctx.out(intent, p)


def _confirm(ctx: Context, intent: dict[str, Any], method: dict[str, Any] | None, p: Params) -> None:
    if method is None:
        raise invalid(
            "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the "
            "PaymentIntent with a customer, specify a payment method attached to this customer along with the "
            "customer ID.",
            param="payment_method",
        )
    if p.bool("off_session", default=False) and method["customer"] is None and intent["customer"] is not None:
        payments.attach(ctx.state, method, ctx.state.objects[intent["customer"]])
    intent["payment_method"] = method["id"]
    failure = payments.confirm(ctx.state, intent, method)
    if failure is not None:
        raise payments.card_error(
            failure,
            charge=intent["latest_charge"],
            payment_intent=render(ctx.state, intent),
            payment_method=render(ctx.state, method),
        )


@route("GET", "/v1/payment_intents")
def payment_intents_list(ctx: Context, p: Params) -> dict[str, Any]:
    items = _filter(ctx.state.all("payment_intent", ctx.account), customer=p.str("customer"))
    return ctx.page(items, "/v1/payment_intents", p, "payment_intent")


@route("GET", "/v1/payment_intents/{id}")
def payment_intents_retrieve(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    return ctx.out(ctx.get(id, "payment_intent", param="intent"), p)


@route("POST", "/v1/payment_intents/{id}")
def payment_intents_update(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only(
        "amount", "application_fee_amount", "currency", "customer", "description", "metadata", "payment_method",
        "receipt_email", "setup_future_usage", "statement_descriptor", "transfer_group",
    )  # fmt: skip
    intent = ctx.get(id, "payment_intent", param="intent")
    if intent["status"] in ("succeeded", "canceled", "processing"):
        raise StripeError(
            f"This PaymentIntent's status is {intent['status']} and it can no longer be updated.",
            code="payment_intent_unexpected_state",
        )
    for key in ("description", "receipt_email", "statement_descriptor", "transfer_group", "setup_future_usage"):
        if p.has(key):
            intent[key] = p.str(key)
    if p.has("amount"):
        intent["amount"] = p.int("amount", required=True)
        payments.check_amount(intent["amount"], intent["currency"])
    if p.has("currency"):
        intent["currency"] = p.str("currency", required=True).lower()
    if p.has("application_fee_amount"):
        intent["application_fee_amount"] = p.int("application_fee_amount", minimum=0)
    if p.has("customer"):
        intent["customer"] = ctx.get(p.str("customer"), "customer", param="customer")["id"]
    if p.has("payment_method"):
        reference = p.str("payment_method", required=True)
        method = payments.resolve_method(ctx.state, ctx.account, reference, param="payment_method")
        intent["payment_method"] = method["id"]
        intent["status"] = "requires_confirmation"
    apply_metadata(intent["metadata"], p.metadata())
    return ctx.out(intent, p)


@route("POST", "/v1/payment_intents/{id}/confirm")
def payment_intents_confirm(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only(
        "error_on_requires_action", "off_session", "payment_method", "receipt_email", "return_url", "setup_future_usage"
    )
    intent = ctx.get(id, "payment_intent", param="intent")
    reference = p.str("payment_method") or intent["payment_method"]
    method = payments.resolve_method(ctx.state, ctx.account, reference, param="payment_method") if reference else None
    if p.has("setup_future_usage"):
        intent["setup_future_usage"] = p.str("setup_future_usage", choices=("off_session", "on_session"))
    if p.has("receipt_email"):
        intent["receipt_email"] = p.str("receipt_email")
    _confirm(ctx, intent, method, p)
    return ctx.out(intent, p)


@route("POST", "/v1/payment_intents/{id}/capture")
def payment_intents_capture(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only("amount_to_capture", "application_fee_amount", "metadata")
    intent = ctx.get(id, "payment_intent", param="intent")
    if p.has("application_fee_amount"):
        intent["application_fee_amount"] = p.int("application_fee_amount", minimum=0)
    apply_metadata(intent["metadata"], p.metadata())
    return ctx.out(payments.capture(ctx.state, intent, p.int("amount_to_capture", minimum=1)), p)


@route("POST", "/v1/payment_intents/{id}/cancel")
def payment_intents_cancel(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only("cancellation_reason")
    intent = ctx.get(id, "payment_intent", param="intent")
    reason = p.str("cancellation_reason", choices=("abandoned", "duplicate", "fraudulent", "requested_by_customer"))
    return ctx.out(payments.cancel(ctx.state, intent, reason), p)


@route("GET", "/v1/charges")
def charges_list(ctx: Context, p: Params) -> dict[str, Any]:
    items = _filter(
        ctx.state.all("charge", ctx.account), customer=p.str("customer"), payment_intent=p.str("payment_intent")
    )
    return ctx.page(items, "/v1/charges", p, "charge")


@route("GET", "/v1/charges/{id}")
def charges_retrieve(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    return ctx.out(ctx.get(id, "charge", param="charge"), p)


@route("POST", "/v1/refunds")
def refunds_create(ctx: Context, p: Params) -> dict[str, Any]:
    p.only(
        "amount", "charge", "instructions_email", "metadata", "payment_intent", "reason", "refund_application_fee",
        "reverse_transfer",
    )  # fmt: skip
    if p.str("charge"):
        charge = ctx.get(p.str("charge"), "charge", param="charge")
    elif p.str("payment_intent"):
        intent = ctx.get(p.str("payment_intent"), "payment_intent", param="payment_intent")
        if intent["status"] != "succeeded" or intent["latest_charge"] is None:
            raise invalid(
                f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                param="payment_intent",
            )
        charge = ctx.state.objects[intent["latest_charge"]]
    else:
        raise invalid("One of the following params should be provided for this request: payment_intent or charge.")
    refund = payments.refund(
        ctx.state,
        charge,
        amount=p.int("amount", minimum=1),
        reason=p.str("reason", choices=("duplicate", "fraudulent", "requested_by_customer")),
        metadata={key: value for key, value in (p.metadata() or {}).items() if value is not None},
        refund_application_fee=bool(p.bool("refund_application_fee", default=False)),
        reverse_transfer=bool(p.bool("reverse_transfer", default=False)),
    )
    return ctx.out(refund, p)


@route("GET", "/v1/refunds")
def refunds_list(ctx: Context, p: Params) -> dict[str, Any]:
    items = _filter(
        ctx.state.all("refund", ctx.account), charge=p.str("charge"), payment_intent=p.str("payment_intent")
    )
    return ctx.page(items, "/v1/refunds", p, "refund")


@route("GET", "/v1/refunds/{id}")
def refunds_retrieve(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    return ctx.out(ctx.get(id, "refund", param="refund"), p)


@route("POST", "/v1/refunds/{id}")
def refunds_update(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only("metadata")
    refund = ctx.get(id, "refund", param="refund")
    before = snapshot(ctx.state, refund)
    apply_metadata(refund["metadata"], p.metadata())
    emit(ctx.state, "refund.updated", refund, previous_attributes=changes(ctx.state, before, refund))
    return ctx.out(refund, p)


# --- Checkout -----------------------------------------------------------------------------------------------

CHECKOUT_CREATE = (
    "allow_promotion_codes", "billing_address_collection", "cancel_url", "client_reference_id", "currency",
    "customer", "customer_creation", "customer_email", "expires_at", "line_items", "locale", "metadata", "mode",
    "payment_intent_data", "payment_method_collection", "payment_method_options", "submit_type",
    "subscription_data", "success_url", "ui_mode", "allowed_payment_method_types",
)  # fmt: skip


def _checkout_methods(p: Params, *, mode: str, currency: str) -> tuple[list[str], dict[str, Any]]:
    """The session's payment method types and their options.

    Since API version 2026-09-30 a session names the types it allows (``allowed_payment_method_types``) and
    Stripe keeps those the session can take (the wallets only in payment mode and in a currency they're presented
    in); ``payment_method_types`` is an unknown parameter. Without the list the session takes cards only (the
    sandbox has no dashboard settings to choose others from).
    """
    allowed = p.list("allowed_payment_method_types") or ["card"]
    for index, item in enumerate(allowed):
        if item not in payments.CHECKOUT_METHOD_TYPES:
            if isinstance(item, str) and item:
                raise unsupported(f"allowed_payment_method_types[{index}]={item}")
            raise invalid("Invalid allowed_payment_method_types", param=f"allowed_payment_method_types[{index}]")
    types = [
        item
        for index, item in enumerate(allowed)
        if item not in allowed[:index]
        and (item == "card" or (mode == "payment" and currency in WALLETS[item].currencies))
    ]
    if not types:
        raise invalid(
            f"None of the allowed payment method types can be used for a {mode} in {currency}.",
            param="allowed_payment_method_types",
        )
    options: dict[str, Any] = {"card": {"request_three_d_secure": "automatic"}} if "card" in types else {}
    given = p.sub("payment_method_options")
    if given is not None:
        given.only("alipay", "card", "wechat_pay")
        for name in ("alipay", "card", "wechat_pay"):
            if given.has(name) and name not in allowed:
                raise invalid(
                    f"payment_method_options[{name}] was given, but {name} is not in allowed_payment_method_types.",
                    param=given.name(name),
                )
        wechat = given.sub("wechat_pay")
        if wechat is not None:
            wechat.only("app_id", "client", "setup_future_usage")
            client = wechat.str("client", required=True, choices=("android", "ios", "web"))
            if client != "web":
                raise unsupported(f"payment_method_options[wechat_pay][client]={client}")
            if "wechat_pay" in types:
                options["wechat_pay"] = {"app_id": None, "client": client}
        alipay = given.sub("alipay")
        if alipay is not None:
            alipay.only()
    if "alipay" in types:
        options["alipay"] = {}
    if "wechat_pay" in types and "wechat_pay" not in options:
        raise missing_param("payment_method_options[wechat_pay][client]")
    return types, options


def _checkout_price(ctx: Context, line: Params) -> dict[str, Any]:
    if line.str("price"):
        price = ctx.get(line.str("price"), "price", param=line.name("price"))
        if not price["active"]:
            raise invalid(
                "The price specified is inactive. This field only accepts active prices.", param=line.name("price")
            )
        return price
    data = line.sub("price_data")
    if data is None:
        raise invalid("You must specify either `price` or `price_data` for each line item.", param=line.name("price"))
    data.only("currency", "product", "product_data", "recurring", "tax_behavior", "unit_amount", "unit_amount_decimal")
    product_data = data.sub("product_data")
    if product_data is not None:
        product_data.only("description", "images", "metadata", "name", "tax_code")
        product = objects.product(ctx.state, ctx.account, active=False)
        _product_fields(product_data, product)
        product["name"] = product_data.str("name", required=True)
        product_id = product["id"]
    else:
        product_id = ctx.get(data.str("product"), "product", param=data.name("product"))["id"]
    price = objects.price(
        ctx.state,
        ctx.account,
        product_id=product_id,
        currency=data.str("currency", required=True).lower(),
        unit_amount=_unit_amount(data),
        recurring=_recurring(data.sub("recurring")),
    )
    # Inline prices are one-off: Stripe archives them so they never show up as a catalogue price.
    price["active"] = False
    return price


@route("POST", "/v1/checkout/sessions")
def checkout_sessions_create(ctx: Context, p: Params) -> dict[str, Any]:
    p.only(*CHECKOUT_CREATE)
    mode = p.str("mode", required=True, choices=("payment", "setup", "subscription"))
    if mode == "setup":
        raise unsupported("Checkout in setup mode")
    ui_mode = p.str("ui_mode", choices=("elements", "embedded_page", "form", "hosted_page")) or "hosted_page"
    if ui_mode != "hosted_page":
        raise unsupported(f"ui_mode={ui_mode}")
    now = ctx.state.now()
    expires_at = p.int("expires_at")
    if expires_at is not None and not now + 30 * 60 <= expires_at <= now + 24 * 3600:
        raise invalid(
            "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.",
            param="expires_at",
        )
    customer = ctx.get(p.str("customer"), "customer", param="customer") if p.str("customer") else None
    if customer is not None and p.str("customer_email"):
        raise invalid("You may only specify one of these parameters: customer, customer_email.", param="customer_email")
    lines = p.list("line_items", required=True)
    line_items = []
    for line in lines:
        if not isinstance(line, Params):
            raise invalid("Invalid array", param="line_items")
        line.only("adjustable_quantity", "metadata", "price", "price_data", "quantity", "tax_rates")
        quantity = line.int("quantity", minimum=1)
        if quantity is None:
            raise missing_param(line.name("quantity"))
        price = _checkout_price(ctx, line)
        product = ctx.state.objects[price["product"]]
        line_items.append(
            objects.checkout_line_item(ctx.state, price_obj=price, quantity=quantity, description=product["name"])
        )
    prices = [ctx.state.objects[line["price"]] for line in line_items]
    if mode == "payment" and any(price["recurring"] for price in prices):
        raise invalid(
            "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use "
            "only one-time prices.",
            param="line_items",
        )
    if mode == "subscription" and not any(price["recurring"] for price in prices):
        raise invalid(
            "You must provide at least one recurring price in `subscription` mode when using prices.",
            param="line_items",
        )
    if len({price["currency"] for price in prices}) > 1:
        raise invalid("All line items must have the same currency.", param="line_items")
    currency = prices[0]["currency"]
    total = sum(line["amount_total"] for line in line_items)

    payment_intent_data: dict[str, Any] = {}
    data = p.sub("payment_intent_data")
    if data is not None:
        if mode != "payment":
            raise invalid("You can only specify `payment_intent_data` in `payment` mode.", param="payment_intent_data")
        data.only(
            "application_fee_amount", "capture_method", "description", "metadata", "receipt_email",
            "setup_future_usage", "statement_descriptor", "statement_descriptor_suffix", "transfer_data",
            "transfer_group",
        )  # fmt: skip
        payment_intent_data = {
            "application_fee_amount": data.int("application_fee_amount", minimum=0),
            "capture_method": data.str("capture_method", choices=("automatic", "automatic_async", "manual"))
            or "automatic_async",
            "description": data.str("description"),
            "metadata": {key: value for key, value in (data.metadata() or {}).items() if value is not None},
            "setup_future_usage": data.str("setup_future_usage", choices=("off_session", "on_session")),
            "transfer_data": _transfer_data(data.sub("transfer_data")),
            # Separate charges and transfers: the platform's later transfers name the same group.
            "transfer_group": data.str("transfer_group"),
        }
    if mode == "payment":
        payments.check_amount(total, currency, param="line_items")
        payments.check_connect(
            ctx.state,
            ctx.account,
            amount=total,
            application_fee_amount=payment_intent_data.get("application_fee_amount"),
            transfer_data=payment_intent_data.get("transfer_data"),
            within="payment_intent_data",
        )

    subscription_data: dict[str, Any] = {}
    data = p.sub("subscription_data")
    if data is not None:
        if mode != "subscription":
            raise invalid("You can only specify `subscription_data` in `subscription` mode.", param="subscription_data")
        data.only(
            "application_fee_percent", "description", "metadata", "proration_behavior", "transfer_data", "trial_end",
            "trial_period_days", "trial_settings",
        )  # fmt: skip
        trial_end = data.int("trial_end")
        if trial_end is not None and trial_end < now + 2 * 86400:
            raise invalid(
                "`subscription_data[trial_end]` must be at least 48 hours in the future.",
                param="subscription_data[trial_end]",
            )
        subscription_data = {
            "application_fee_percent": data.float("application_fee_percent"),
            "description": data.str("description"),
            "metadata": {key: value for key, value in (data.metadata() or {}).items() if value is not None},
            "transfer_data": _transfer_data(data.sub("transfer_data"), percent=True),
            "trial_end": trial_end,
            "trial_period_days": data.int("trial_period_days", minimum=1),
        }
        if (
            subscription_data["application_fee_percent"] is not None
            and ctx.account is None
            and not subscription_data["transfer_data"]
        ):
            raise invalid(
                "Can only apply an application_fee_percent when the request is made on behalf of another account "
                "(using an OAuth key, the Stripe-Account header, or the transfer_data[destination] parameter).",
                param="subscription_data[application_fee_percent]",
            )
        if subscription_data["transfer_data"]:
            payments.check_connect(
                ctx.state, ctx.account, amount=total, application_fee_amount=None,
                transfer_data={"destination": subscription_data["transfer_data"]["destination"]},
                within="subscription_data",
            )  # fmt: skip
    trialing = bool(subscription_data.get("trial_end") or subscription_data.get("trial_period_days"))
    one_time_total = sum(
        line["amount_total"] for line, price in zip(line_items, prices, strict=True) if not price["recurring"]
    )
    amount_total = one_time_total if trialing else total

    method_types, method_options = _checkout_methods(p, mode=mode, currency=currency)
    session = objects.checkout_session(
        ctx.state,
        ctx.account,
        mode=mode,
        currency=currency,
        payment_method_types=method_types,
        payment_method_options=method_options,
        amount_subtotal=amount_total,
        amount_total=amount_total,
        cancel_url=p.str("cancel_url"),
        success_url=p.str("success_url"),
        client_reference_id=p.str("client_reference_id"),
        customer=customer["id"] if customer else None,
        customer_email=p.str("customer_email"),
        customer_creation=(
            None
            if mode == "subscription" or customer
            else p.str("customer_creation", choices=("always", "if_required")) or "if_required"
        ),
        locale=p.str("locale"),
        allow_promotion_codes=p.bool("allow_promotion_codes"),
        billing_address_collection=p.str("billing_address_collection", choices=("auto", "required")),
        submit_type=p.str("submit_type", choices=("auto", "book", "donate", "pay", "subscribe")),
        payment_method_collection=p.str("payment_method_collection", choices=("always", "if_required")) or "always",
        invoice_creation={
            "enabled": False,
            "invoice_data": {
                "account_tax_ids": None,
                "custom_fields": None,
                "description": None,
                "footer": None,
                "issuer": None,
                "metadata": {},
                "rendering_options": None,
            },
        }
        if mode == "payment"
        else None,
        _line_items=line_items,
        _payment_intent_data=payment_intent_data,
        _subscription_data=subscription_data,
    )
    if expires_at is not None:
        session["expires_at"] = expires_at
    apply_metadata(session["metadata"], p.metadata())
    session["url"] = f"{ctx.state.base_url}/c/pay/{session['id']}"
    return ctx.out(session, p)


@route("GET", "/v1/checkout/sessions")
def checkout_sessions_list(ctx: Context, p: Params) -> dict[str, Any]:
    items = _filter(
        ctx.state.all("checkout.session", ctx.account),
        customer=p.str("customer"),
        payment_intent=p.str("payment_intent"),
        subscription=p.str("subscription"),
        status=p.str("status"),
    )
    return ctx.page(items, "/v1/checkout/sessions", p, "checkout.session")


@route("GET", "/v1/checkout/sessions/{id}")
def checkout_sessions_retrieve(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    return ctx.out(ctx.get(id, "checkout.session", param="session"), p)


@route("GET", "/v1/checkout/sessions/{id}/line_items")
def checkout_sessions_line_items(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    session = ctx.get(id, "checkout.session", param="session")
    items = [objects.render_checkout_line_item(ctx.state, item) for item in session["_line_items"]]
    return paginate_rendered(items, f"/v1/checkout/sessions/{id}/line_items", p)


def paginate_rendered(items: list[dict[str, Any]], url: str, p: Params) -> dict[str, Any]:
    limit = p.int("limit", default=10)
    assert limit is not None
    start = 0
    if p.str("starting_after"):
        ids = [item["id"] for item in items]
        start = ids.index(p.str("starting_after")) + 1 if p.str("starting_after") in ids else len(items)
    page = items[start : start + limit]
    return {"object": "list", "data": page, "has_more": start + limit < len(items), "url": url}


@route("POST", "/v1/checkout/sessions/{id}/expire")
def checkout_sessions_expire(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only()
    session = ctx.get(id, "checkout.session", param="session")
    return ctx.out(subscriptions.expire_checkout(ctx.state, session), p)


@route("POST", "/v1/billing_portal/sessions")
def portal_sessions_create(ctx: Context, p: Params) -> dict[str, Any]:
    p.only("configuration", "customer", "flow_data", "locale", "on_behalf_of", "return_url")
    if p.has("flow_data"):
        raise unsupported("billing portal flow_data (deep links)")
    customer = ctx.get(p.str("customer", required=True), "customer", param="customer")
    session = objects.portal_session(
        ctx.state, ctx.account, customer_id=customer["id"], return_url=p.str("return_url"), base_url=ctx.state.base_url
    )
    if p.str("locale"):
        session["locale"] = p.str("locale")
    return ctx.out(session, p)


# --- Subscriptions ------------------------------------------------------------------------------------------


def _subscription_items(ctx: Context, p: Params, *, update: bool) -> list[dict[str, Any]]:
    result = []
    for entry in p.list("items"):
        if not isinstance(entry, Params):
            raise invalid("Invalid array", param="items")
        entry.only(
            "clear_usage", "deleted", "discounts", "id", "metadata", "price", "price_data", "quantity", "tax_rates"
        )
        if entry.has("price_data"):
            raise unsupported("price_data on subscription items (create the Price first)")
        price = None
        if entry.str("price"):
            price = ctx.get(entry.str("price"), "price", param=entry.name("price"))
            if price["recurring"] is None:
                raise invalid(
                    "The price specified is set to `type=one_time` but this field only accepts prices with "
                    "`type=recurring`.",
                    param=entry.name("price"),
                )
            if not price["active"]:
                raise invalid(
                    "The price specified is inactive. This field only accepts active prices.", param=entry.name("price")
                )
        elif not update or not entry.str("id"):
            raise missing_param(entry.name("price"))
        result.append(
            {
                "id": entry.str("id") if update else None,
                "price": price,
                "quantity": entry.int("quantity", minimum=0),
                "deleted": entry.bool("deleted", default=False),
                "metadata": {key: value for key, value in (entry.metadata() or {}).items() if value is not None},
            }
        )
    return result


SUBSCRIPTION_CREATE = (
    "add_invoice_items", "application_fee_percent", "cancel_at", "cancel_at_period_end", "collection_method",
    "customer", "default_payment_method", "description", "items", "metadata", "off_session", "payment_behavior",
    "payment_settings", "proration_behavior", "transfer_data", "trial_end", "trial_from_plan", "trial_period_days",
    "trial_settings",
)  # fmt: skip


@route("POST", "/v1/subscriptions")
def subscriptions_create(ctx: Context, p: Params) -> dict[str, Any]:
    p.only(*SUBSCRIPTION_CREATE)
    customer = ctx.get(p.str("customer", required=True), "customer", param="customer")
    if (p.str("collection_method") or "charge_automatically") != "charge_automatically":
        raise unsupported("collection_method=send_invoice")
    items = _subscription_items(ctx, p, update=False)
    if not items:
        raise missing_param("items")
    prices = [item["price"] for item in items]
    if (
        len(
            {
                (price["currency"], price["recurring"]["interval"], price["recurring"]["interval_count"])
                for price in prices
            }
        )
        > 1
    ):
        raise invalid("Currency and interval fields must match across all plans on this subscription.", param="items")
    now = ctx.state.now()
    trial_end = p.timestamp("trial_end", allow_now=True)
    if trial_end == "now":
        trial_end = None
    if trial_end is not None and trial_end <= now:
        raise invalid("Invalid timestamp: must be an integer Unix timestamp in the future.", param="trial_end")
    days = p.int("trial_period_days", minimum=0)
    if trial_end is None and days:
        trial_end = now + days * subscriptions.DAY
    method = None
    if p.str("default_payment_method"):
        method = ctx.get(p.str("default_payment_method"), "payment_method", param="default_payment_method")
        if method["customer"] != customer["id"]:
            raise invalid(
                f"The customer does not have a payment method with the ID {method['id']}. The payment method must "
                "be attached to the customer.",
                param="default_payment_method",
            )
    fee_percent = p.float("application_fee_percent")
    transfer_data = _transfer_data(p.sub("transfer_data"), percent=True)
    if fee_percent is not None and ctx.account is None and transfer_data is None:
        raise invalid(
            "Can only apply an application_fee_percent when the request is made on behalf of another account (using "
            "an OAuth key, the Stripe-Account header, or the transfer_data[destination] parameter).",
            param="application_fee_percent",
        )
    if transfer_data is not None:
        payments.check_connect(
            ctx.state, ctx.account, amount=1, application_fee_amount=None,
            transfer_data={"destination": transfer_data["destination"]},
        )  # fmt: skip
    extra = []
    for entry in p.list("add_invoice_items"):
        entry.only("price", "quantity", "metadata")
        price = ctx.get(entry.str("price", required=True), "price", param=entry.name("price"))
        extra.append((price, entry.int("quantity", minimum=1, default=1)))
    behavior = (
        p.str(
            "payment_behavior",
            choices=("allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"),
        )
        or "allow_incomplete"
    )
    if behavior == "pending_if_incomplete":
        raise invalid("pending_if_incomplete is only supported on subscription updates.", param="payment_behavior")
    missing_method_behavior = "create_invoice"
    trial_settings = p.sub("trial_settings")
    if trial_settings is not None:
        trial_settings.only("end_behavior")
        end_behavior = trial_settings.sub("end_behavior", required=True)
        end_behavior.only("missing_payment_method")
        missing_method_behavior = end_behavior.str(
            "missing_payment_method", required=True, choices=("cancel", "create_invoice", "pause")
        )
        if missing_method_behavior == "pause":
            raise unsupported("trial_settings[end_behavior][missing_payment_method]=pause")
    sub = subscriptions.create(
        ctx.state,
        ctx.account,
        customer=customer,
        items=[
            (item["price"], item["quantity"] if item["quantity"] is not None else 1, item["metadata"]) for item in items
        ],
        trial_end=trial_end,
        default_payment_method=method,
        payment_behavior=behavior,
        metadata={key: value for key, value in (p.metadata() or {}).items() if value is not None},
        description=p.str("description"),
        cancel_at_period_end=bool(p.bool("cancel_at_period_end", default=False)),
        application_fee_percent=fee_percent,
        transfer_data=transfer_data,
        extra_items=extra,
    )
    if p.int("cancel_at") is not None:
        sub["cancel_at"] = p.int("cancel_at")
    sub["trial_settings"] = {"end_behavior": {"missing_payment_method": missing_method_behavior}}
    return ctx.out(sub, p)


@route("GET", "/v1/subscriptions")
def subscriptions_list(ctx: Context, p: Params) -> dict[str, Any]:
    status = p.str(
        "status",
        choices=(
            "active",
            "all",
            "canceled",
            "ended",
            "incomplete",
            "incomplete_expired",
            "past_due",
            "paused",
            "trialing",
            "unpaid",
        ),
    )
    items = _filter(ctx.state.all("subscription", ctx.account), customer=p.str("customer"))
    if status is None:
        items = [item for item in items if item["status"] not in ("canceled", "incomplete_expired")]
    elif status == "ended":
        items = [item for item in items if item["status"] in ("canceled", "incomplete_expired")]
    elif status != "all":
        items = [item for item in items if item["status"] == status]
    if p.str("price"):
        items = [item for item in items if any(si["price"] == p.str("price") for si in item["items"]["data"])]
    return ctx.page(items, "/v1/subscriptions", p, "subscription")


@route("GET", "/v1/subscriptions/{id}")
def subscriptions_retrieve(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    return ctx.out(ctx.get(id, "subscription", param="subscription_exposed_id"), p)


SUBSCRIPTION_UPDATE = (
    "cancel_at", "cancel_at_period_end", "cancellation_details", "default_payment_method", "description", "items",
    "metadata", "off_session", "payment_behavior", "proration_behavior", "proration_date", "trial_end",
    "application_fee_percent",
)  # fmt: skip


@route("POST", "/v1/subscriptions/{id}")
def subscriptions_update(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only(*SUBSCRIPTION_UPDATE)
    for name in ("pause_collection", "billing_cycle_anchor"):
        if p.has(name):
            raise unsupported(name)
    sub = ctx.get(id, "subscription", param="subscription_exposed_id")
    if sub["status"] in ("canceled", "incomplete_expired"):
        allowed = {"cancellation_details", "metadata", "expand"}
        if set(p.data) - allowed:
            raise invalid(
                "A canceled subscription can only update its cancellation_details and metadata.",
                param=sorted(set(p.data) - allowed)[0],
            )
    state = ctx.state
    before = snapshot(state, sub)
    behavior = (
        p.str(
            "payment_behavior",
            choices=("allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"),
        )
        or "allow_incomplete"
    )
    if behavior == "pending_if_incomplete":
        raise unsupported("payment_behavior=pending_if_incomplete")
    if p.has("default_payment_method"):
        reference = p.str("default_payment_method")
        if reference is not None:
            method = ctx.get(reference, "payment_method", param="default_payment_method")
            if method["customer"] != sub["customer"]:
                raise invalid(
                    f"The customer does not have a payment method with the ID {reference}. The payment method must "
                    "be attached to the customer.",
                    param="default_payment_method",
                )
        sub["default_payment_method"] = reference
    if p.has("description"):
        sub["description"] = p.str("description")
    if p.has("application_fee_percent"):
        sub["application_fee_percent"] = p.float("application_fee_percent")
    apply_metadata(sub["metadata"], p.metadata())
    details = p.sub("cancellation_details")
    if details is not None:
        details.only("comment", "feedback")
        for key in ("comment", "feedback"):
            if details.has(key):
                sub["cancellation_details"][key] = details.str(key)
    items = _subscription_items(ctx, p, update=True)
    if items:
        subscriptions.change_items(
            state,
            sub,
            changes_requested=items,
            proration_behavior=p.str("proration_behavior", choices=("always_invoice", "create_prorations", "none"))
            or "create_prorations",
            proration_date=p.int("proration_date"),
            payment_behavior=behavior,
        )
    if p.has("cancel_at_period_end"):
        subscriptions.request_cancel_at_period_end(state, sub, bool(p.bool("cancel_at_period_end")))
    if p.has("cancel_at"):
        cancel_at = p.int("cancel_at")
        if cancel_at is not None and cancel_at <= state.now():
            raise invalid("Invalid timestamp: must be an integer Unix timestamp in the future.", param="cancel_at")
        sub["cancel_at"] = cancel_at
        sub["cancel_at_period_end"] = False
        sub["canceled_at"] = state.now() if cancel_at else None
        sub["cancellation_details"]["reason"] = "cancellation_requested" if cancel_at else None
    trial_end = p.timestamp("trial_end", allow_now=True) if p.has("trial_end") else None
    if trial_end == "now":
        # Ending the trial bills the subscription; that renewal's event carries every change of this request.
        subscriptions.end_trial(state, sub, billing_reason="subscription_update", before=before)
        return ctx.out(sub, p)
    if trial_end is not None:
        subscriptions.set_trial_end(state, sub, trial_end)
    difference = changes(state, before, sub)
    if difference:
        emit(state, "customer.subscription.updated", sub, previous_attributes=difference)
    return ctx.out(sub, p)


@route("DELETE", "/v1/subscriptions/{id}")
def subscriptions_cancel(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only("cancellation_details", "invoice_now", "prorate")
    if p.bool("invoice_now") or p.bool("prorate"):
        raise unsupported("invoice_now or prorate when canceling a subscription")
    sub = ctx.get(id, "subscription", param="subscription_exposed_id")
    details = p.sub("cancellation_details")
    comment = feedback = None
    if details is not None:
        details.only("comment", "feedback")
        comment, feedback = details.str("comment"), details.str("feedback")
    return ctx.out(
        subscriptions.cancel_now(ctx.state, sub, reason="cancellation_requested", comment=comment, feedback=feedback), p
    )


# --- Invoices -----------------------------------------------------------------------------------------------


def _subscription_id(invoice: dict[str, Any]) -> str | None:
    parent = invoice["parent"]
    return parent["subscription_details"]["subscription"] if parent else None


@route("GET", "/v1/invoices")
def invoices_list(ctx: Context, p: Params) -> dict[str, Any]:
    items = _filter(ctx.state.all("invoice", ctx.account), customer=p.str("customer"), status=p.str("status"))
    if p.str("subscription"):
        items = [item for item in items if _subscription_id(item) == p.str("subscription")]
    return ctx.page(items, "/v1/invoices", p, "invoice")


@route("GET", "/v1/invoices/{id}")
def invoices_retrieve(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    return ctx.out(ctx.get(id, "invoice", param="invoice"), p)


@route("GET", "/v1/invoices/{id}/lines")
def invoices_lines(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    invoice = ctx.get(id, "invoice", param="invoice")
    return paginate_rendered(objects.public(invoice["lines"]["data"]), f"/v1/invoices/{id}/lines", p)


@route("POST", "/v1/invoices/{id}/pay")
def invoices_pay(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only("off_session", "paid_out_of_band", "payment_method", "source")
    invoice = ctx.get(id, "invoice", param="invoice")
    if invoice["status"] == "paid":
        raise invalid("Invoice is already paid", param="invoice", code="invoice_already_paid")
    if p.bool("paid_out_of_band", default=False):
        if invoice["status"] != "open":
            raise invalid(f"Invoice is {invoice['status']}", param="invoice")
        invoice["amount_paid_off_stripe"] = invoice["amount_remaining"]
        subscriptions._mark_paid(ctx.state, invoice)
        subscriptions.after_manual_payment(ctx.state, invoice)
        return ctx.out(invoice, p)
    method = None
    if method_id := p.str("payment_method"):
        method = payments.resolve_method(ctx.state, ctx.account, method_id, param="payment_method")
    failure = subscriptions.pay(ctx.state, invoice, method=method)
    if failure is not None:
        if failure[0] == "invoice_payment_intent_requires_action":
            raise StripeError(subscriptions.NO_PAYMENT_METHOD, param="payment_method")
        raise payments.card_error(failure)
    subscriptions.after_manual_payment(ctx.state, invoice)
    return ctx.out(invoice, p)


@route("POST", "/v1/invoices/{id}/void")
def invoices_void(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only()
    return ctx.out(subscriptions.void(ctx.state, ctx.get(id, "invoice", param="invoice")), p)


@route("POST", "/v1/invoices/{id}/mark_uncollectible")
def invoices_mark_uncollectible(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only()
    invoice = ctx.get(id, "invoice", param="invoice")
    if invoice["status"] != "open":
        raise invalid(f"You can only mark an open invoice as uncollectible, but this invoice is {invoice['status']}.")
    invoice["status"] = "uncollectible"
    invoice["next_payment_attempt"] = None
    invoice["status_transitions"]["marked_uncollectible_at"] = ctx.state.now()
    emit(ctx.state, "invoice.marked_uncollectible", invoice)
    return ctx.out(invoice, p)


@route("GET", "/v1/invoice_payments")
def invoice_payments_list(ctx: Context, p: Params) -> dict[str, Any]:
    items = _filter(ctx.state.all("invoice_payment", ctx.account), invoice=p.str("invoice"), status=p.str("status"))
    return ctx.page(items, "/v1/invoice_payments", p, "invoice_payment")


@route("GET", "/v1/invoice_payments/{id}")
def invoice_payments_retrieve(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    return ctx.out(ctx.get(id, "invoice_payment", param="invoice_payment"), p)


@route("GET", "/v1/invoiceitems")
def invoice_items_list(ctx: Context, p: Params) -> dict[str, Any]:
    items = _filter(ctx.state.all("invoiceitem", ctx.account), customer=p.str("customer"), invoice=p.str("invoice"))
    if p.bool("pending"):
        items = [item for item in items if item["invoice"] is None]
    return ctx.page(items, "/v1/invoiceitems", p, "invoiceitem")


@route("GET", "/v1/invoiceitems/{id}")
def invoice_items_retrieve(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    return ctx.out(ctx.get(id, "invoiceitem", param="invoiceitem"), p)


# --- Connect ------------------------------------------------------------------------------------------------

ACCOUNT_FIELDS = (
    "business_profile", "business_type", "capabilities", "company", "controller", "country", "default_currency",
    "email", "individual", "metadata", "settings", "tos_acceptance", "type",
)  # fmt: skip


def _business_profile(p: Params | None, account: dict[str, Any]) -> None:
    if p is None:
        return
    p.only("mcc", "name", "product_description", "support_email", "support_phone", "support_url", "url")
    for key in ("mcc", "name", "product_description", "support_email", "support_phone", "support_url", "url"):
        if p.has(key):
            account["business_profile"][key] = p.str(key)


@route("POST", "/v1/accounts")
def accounts_create(ctx: Context, p: Params) -> dict[str, Any]:
    p.only(*ACCOUNT_FIELDS)
    kind = p.str("type", choices=("custom", "express", "standard"))
    controller = p.sub("controller")
    if kind is None and controller is None:
        kind = "express"
    requested = []
    capabilities = p.sub("capabilities")
    if capabilities is not None:
        for name in capabilities.data:
            wanted = capabilities.sub(name)
            if wanted is not None and wanted.bool("requested", default=False):
                requested.append(name)
    account = objects.account(
        ctx.state,
        type=kind or "none",
        country=(p.str("country") or "US").upper(),
        email=p.str("email"),
        business_type=p.str("business_type", choices=("company", "government_entity", "individual", "non_profit")),
        default_currency=(p.str("default_currency") or "usd").lower(),
    )
    account["_requested_capabilities"] = requested or ["card_payments", "transfers"]
    account["capabilities"] = {name: "inactive" for name in account["_requested_capabilities"]}
    if controller is not None:
        account["controller"] = {"is_controller": True, "type": "application"}
    _business_profile(p.sub("business_profile"), account)
    apply_metadata(account["metadata"], p.metadata())
    return ctx.out(account, p)


@route("GET", "/v1/accounts")
def accounts_list(ctx: Context, p: Params) -> dict[str, Any]:
    return ctx.page(ctx.state.all("account", None), "/v1/accounts", p, "account")


@route("GET", "/v1/account")
def account_retrieve_current(ctx: Context, p: Params) -> dict[str, Any]:
    if ctx.account is not None:
        return ctx.out(ctx.get(ctx.account, "account", platform=True), p)
    return {
        "id": ctx.state.platform_account,
        "object": "account",
        "business_profile": {"name": "Mercato (Stripe sandbox)", "url": None},
        "charges_enabled": True,
        "country": "US",
        "default_currency": "usd",
        "details_submitted": True,
        "email": None,
        "payouts_enabled": True,
        "type": "standard",
    }


@route("GET", "/v1/accounts/{id}")
def accounts_retrieve(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    return ctx.out(ctx.get(id, "account", param="account", platform=True), p)


@route("POST", "/v1/accounts/{id}")
def accounts_update(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only("business_profile", "business_type", "email", "metadata", "settings", "tos_acceptance", "default_currency")
    account = ctx.get(id, "account", param="account", platform=True)
    before = snapshot(ctx.state, account)
    if p.has("email"):
        account["email"] = p.str("email")
    if p.has("business_type"):
        account["business_type"] = p.str(
            "business_type", choices=("company", "government_entity", "individual", "non_profit")
        )
    if p.has("default_currency"):
        account["default_currency"] = p.str("default_currency", required=True).lower()
    _business_profile(p.sub("business_profile"), account)
    apply_metadata(account["metadata"], p.metadata())
    difference = changes(ctx.state, before, account)
    if difference:
        emit(ctx.state, "account.updated", account, previous_attributes=difference)
    return ctx.out(account, p)


@route("DELETE", "/v1/accounts/{id}")
def accounts_delete(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    account = ctx.get(id, "account", param="account", platform=True)
    account["_deleted"] = True
    return deleted(account)


@route("POST", "/v1/account_links")
def account_links_create(ctx: Context, p: Params) -> dict[str, Any]:
    p.only("account", "collect", "collection_options", "refresh_url", "return_url", "type")
    account = ctx.get(p.str("account", required=True), "account", param="account", platform=True)
    link_type = p.str("type", required=True, choices=("account_onboarding", "account_update"))
    now = ctx.state.now()
    token = new_id("", 32)
    link = {
        "id": f"acctlink_{token}",
        "object": "account_link",
        "created": now,
        "expires_at": now + 300,
        "url": f"{ctx.state.base_url}/setup/{token}",
        "_account_id": account["id"],
        "_type": link_type,
        "_refresh_url": p.str("refresh_url"),
        "_return_url": p.str("return_url"),
        "_used": False,
    }
    ctx.state.add(link, None)
    return {key: link[key] for key in ("object", "created", "expires_at", "url")}


@route("POST", "/v1/transfers")
def transfers_create(ctx: Context, p: Params) -> dict[str, Any]:
    """A platform's transfer to a connected account ("separate charges and transfers")."""
    p.only("amount", "currency", "description", "destination", "metadata", "source_transaction", "transfer_group")
    if ctx.account is not None:
        raise invalid("Transfers are made by the platform, without the Stripe-Account header.")
    amount = p.int("amount", required=True, minimum=1)
    currency = p.str("currency", required=True).lower()
    destination = ctx.get(p.str("destination", required=True), "account", param="destination", platform=True)
    source = None
    if charge_id := p.str("source_transaction"):
        source = ctx.get(charge_id, "charge", param="source_transaction", platform=False)
    transfer = payments.transfer_to_account(
        ctx.state,
        destination=destination,
        amount=amount,
        currency=currency,
        source_charge=source,
        transfer_group=p.str("transfer_group"),
        description=p.str("description"),
        metadata={key: value for key, value in (p.metadata() or {}).items() if value is not None},
    )
    return ctx.out(transfer, p)


@route("GET", "/v1/transfers")
def transfers_list(ctx: Context, p: Params) -> dict[str, Any]:
    items = _filter(
        ctx.state.all("transfer", None), destination=p.str("destination"), transfer_group=p.str("transfer_group")
    )
    return ctx.page(items, "/v1/transfers", p, "transfer")


@route("POST", "/v1/transfers/{id}/reversals")
def transfer_reversals_create(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only("amount", "description", "metadata", "refund_application_fee")
    transfer = ctx.get(id, "transfer", param="id", platform=True)
    reversal = payments.reverse_transfer(
        ctx.state,
        transfer,
        amount=p.int("amount", minimum=1),
        metadata={key: value for key, value in (p.metadata() or {}).items() if value is not None},
    )
    return ctx.out(reversal, p)


@route("GET", "/v1/transfers/{id}/reversals")
def transfer_reversals_list(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    transfer = ctx.get(id, "transfer", param="id", platform=True)
    items = [item for item in ctx.state.all("transfer_reversal", None) if item["transfer"] == transfer["id"]]
    return ctx.page(items, f"/v1/transfers/{id}/reversals", p, "transfer_reversal")


@route("GET", "/v1/transfers/{id}")
def transfers_retrieve(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    return ctx.out(ctx.get(id, "transfer", param="transfer", platform=True), p)


@route("GET", "/v1/application_fees")
def application_fees_list(ctx: Context, p: Params) -> dict[str, Any]:
    items = _filter(ctx.state.all("application_fee", None), charge=p.str("charge"))
    return ctx.page(items, "/v1/application_fees", p, "application fee")


@route("GET", "/v1/application_fees/{id}")
def application_fees_retrieve(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    return ctx.out(ctx.get(id, "application_fee", platform=True), p)


# --- Events and webhook endpoints ---------------------------------------------------------------------------


@route("GET", "/v1/events")
def events_list(ctx: Context, p: Params) -> dict[str, Any]:
    items = ctx.state.all("event", ctx.account)
    wanted = [item for item in p.list("types") if isinstance(item, str)]
    if event_type := p.str("type"):
        wanted.append(event_type)
    if wanted:
        items = [
            item
            for item in items
            if any(
                item["type"] == pattern or (pattern.endswith("*") and item["type"].startswith(pattern[:-1]))
                for pattern in wanted
            )
        ]
    return ctx.page(items, "/v1/events", p, "event")


@route("GET", "/v1/events/{id}")
def events_retrieve(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    return ctx.out(ctx.get(id, "event"), p)


@route("POST", "/v1/webhook_endpoints")
def webhook_endpoints_create(ctx: Context, p: Params) -> dict[str, Any]:
    p.only("api_version", "connect", "description", "enabled_events", "metadata", "url")
    events = [item for item in p.list("enabled_events", required=True) if isinstance(item, str)]
    endpoint = objects.webhook_endpoint(
        ctx.state,
        url=p.str("url", required=True),
        enabled_events=events,
        connect=bool(p.bool("connect", default=False)),
        description=p.str("description"),
        api_version=p.str("api_version"),
    )
    apply_metadata(endpoint["metadata"], p.metadata())
    data = ctx.out(endpoint, p)
    # Stripe shows the signing secret once, in the response that creates the endpoint.
    data["secret"] = endpoint["_secret"]
    return data


@route("GET", "/v1/webhook_endpoints")
def webhook_endpoints_list(ctx: Context, p: Params) -> dict[str, Any]:
    return ctx.page(ctx.state.all("webhook_endpoint", None), "/v1/webhook_endpoints", p, "webhook endpoint")


@route("GET", "/v1/webhook_endpoints/{id}")
def webhook_endpoints_retrieve(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    return ctx.out(ctx.get(id, "webhook_endpoint", param="webhook_endpoint", platform=True), p)


@route("POST", "/v1/webhook_endpoints/{id}")
def webhook_endpoints_update(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    p.only("description", "disabled", "enabled_events", "metadata", "url")
    endpoint = ctx.get(id, "webhook_endpoint", param="webhook_endpoint", platform=True)
    if p.has("url"):
        endpoint["url"] = p.str("url", required=True)
    if p.has("description"):
        endpoint["description"] = p.str("description")
    if p.has("enabled_events"):
        endpoint["enabled_events"] = [item for item in p.list("enabled_events") if isinstance(item, str)]
    if p.has("disabled"):
        endpoint["status"] = "disabled" if p.bool("disabled") else "enabled"
    apply_metadata(endpoint["metadata"], p.metadata())
    return ctx.out(endpoint, p)


@route("DELETE", "/v1/webhook_endpoints/{id}")
def webhook_endpoints_delete(ctx: Context, p: Params, id: str) -> dict[str, Any]:
    endpoint = ctx.get(id, "webhook_endpoint", param="webhook_endpoint", platform=True)
    endpoint["_deleted"] = True
    return deleted(endpoint)
