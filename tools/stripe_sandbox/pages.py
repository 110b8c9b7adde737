"""The hosted pages a browser opens: Checkout, the billing portal, invoices and Connect onboarding.

Each is a plain HTML form, so a test can drive it with form posts as a browser would.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import html
import re
from functools import cache
from importlib import resources
from string import Template
from typing import Any

from . import checkout, payments, subscriptions
from .errors import StripeError
from .payments import money
from .state import State
from .wallets import WALLETS

Response = tuple[int, dict[str, str], bytes]

MERCHANT = "Mercato"


@cache
def _template(name: str) -> Template:
    return Template((resources.files(__package__) / "templates" / name).read_text(encoding="utf-8"))


@cache
def _content_security_policy() -> str:
    """The pages' own policy: their one style block (allowed by its hash), nothing else loaded, no script at all.

    Their forms post here, and the answer may send the browser back to whatever return address the caller of the
    API gave (a store's page), so form-action can't be narrower than any http(s) address.
    """
    source = _template("base.html").template
    style = re.search(r"<style>(.*?)</style>", source, re.S).group(1)  # type: ignore[union-attr]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'self' data:; form-action 'self' http: https:; "
        "base-uri 'none'; frame-ancestors 'none'"
    )


def _page(title: str, body: str, status: int = 200) -> Response:
    document = _template("base.html").substitute(title=html.escape(title), body=body)
    headers = {"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": _content_security_policy()}
    return status, headers, document.encode()


def _fill(template: str, **values: str) -> str:
    return _template(template).substitute(**values)


def _redirect(location: str) -> Response:
    return 303, {"Location": location, "Content-Type": "text/html; charset=utf-8"}, b""


def _message(heading: str, message: str, *, status: int = 200, link: tuple[str, str] | None = None) -> Response:
    link_html = f'<p><a href="{html.escape(link[0])}">{html.escape(link[1])}</a></p>' if link else ""
    body = _fill("message.html", heading=html.escape(heading), message=html.escape(message), link=link_html)
    return _page(heading, body, status)


def _date(timestamp: int | None) -> str:
    if timestamp is None:
        return ""
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%-d %b %Y")


def _error(message: str | None) -> str:
    return f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""


def _card_fields(form: dict[str, str]) -> tuple[str, int, int, str | None]:
    """Card number, expiry month and year, and CVC as typed; raises the card error Stripe's form would show."""
    number = re.sub(r"[\s-]", "", form.get("card_number", ""))
    match = re.fullmatch(r"\s*(\d{1,2})\s*/?\s*(\d{2}|\d{4})\s*", form.get("card_expiry", ""))
    if not match:
        raise StripeError(
            "Your card's expiration date is incomplete.", status=402, type="card_error", code="invalid_expiry_year"
        )
    return number, int(match.group(1)), int(match.group(2)), form.get("card_cvc") or None


# --- Checkout -----------------------------------------------------------------------------------------------


def checkout_page(
    state: State, session: dict[str, Any], *, form: dict[str, str] | None = None, error: str | None = None
) -> Response:
    if session.get("_wallet"):
        # Completed unpaid, waiting for the buyer's wallet: its page is where the buyer is.
        return _redirect(f"/c/pay/{session['id']}/{session['_wallet']['type']}")
    if session["status"] != "open":
        if session["status"] == "complete" and session["payment_status"] == "unpaid":
            return _message("Payment not completed", "This payment did not go through. Please return to the shop.")
        if session["status"] == "complete" and session["success_url"]:
            return _message(
                "Payment complete", "This Checkout Session is already paid.", link=(_success_url(session), "Continue")
            )
        return _message(
            "This page is no longer available",
            f"This Checkout Session is {session['status']}. Please return to the shop and try again.",
            status=410 if session["status"] == "expired" else 200,
        )
    form = form or {}
    currency = session["currency"]
    lines = []
    for item in session["_line_items"]:
        price = state.objects[item["price"]]
        every = ""
        if price["recurring"]:
            count = price["recurring"]["interval_count"]
            every = (
                f" / {price['recurring']['interval']}"
                if count == 1
                else f" every {count} {price['recurring']['interval']}s"
            )
        label = html.escape(item["description"]) + (
            f" {subscriptions.TIMES} {item['quantity']}" if item["quantity"] > 1 else ""
        )
        lines.append(f"<li><span>{label}</span><span>{money(item['amount_total'], currency)}{every}</span></li>")
    data = session["_subscription_data"]
    trial_days = data.get("trial_period_days")
    if data.get("trial_end"):
        trial_days = max(1, (data["trial_end"] - state.now()) // subscriptions.DAY)
    if session["mode"] == "subscription":
        headline = f"Start your {trial_days}-day free trial" if trial_days else "Subscribe"
        button = "Start trial" if trial_days else "Subscribe"
    else:
        headline, button = "Pay", f"Pay {money(session['amount_total'], currency)}"
    note = (
        f'<p class="muted">The subscription\'s first payment is taken when the trial ends on '
        f"{_date(state.now() + trial_days * subscriptions.DAY)}.</p>"
        if trial_days
        else ""
    )
    customer = state.objects.get(session["customer"]) if session["customer"] else None
    email = (customer or {}).get("email") or session["customer_email"] or form.get("email", "")
    body = _fill(
        "checkout.html",
        back_link=(
            f'<a class="back" href="{html.escape(session["cancel_url"])}">← Back to {MERCHANT}</a>'
            if session["cancel_url"]
            else ""
        ),
        merchant=html.escape(_merchant_name(state, session)),
        headline=html.escape(headline),
        amount=html.escape(money(session["amount_total"], currency)) + (" due today" if trial_days else ""),
        lines="".join(lines),
        note=note,
        error=_error(error),
        action=f"/c/pay/{session['id']}",
        email=html.escape(email or ""),
        email_attributes="readonly" if customer or session["customer_email"] else "required",
        methods=_payment_methods(session, form, button),
        card_help=_fill("checkout_card_help.html") if "card" in session["payment_method_types"] else "",
    )
    return _page(f"{MERCHANT}: Checkout", body, 402 if error else 200)


def _payment_methods(session: dict[str, Any], form: dict[str, str], button: str) -> str:
    """The form's choices: the card fields when the session takes cards, then a button per wallet it allows."""
    wallets = [
        f'<button type="submit" name="method" value="{kind}" formnovalidate class="wallet">'
        f"Pay with {WALLETS[kind].name}</button>"
        for kind in session["payment_method_types"]
        if kind in WALLETS
    ]
    card = ""
    if "card" in session["payment_method_types"]:
        card = _fill(
            "checkout_card.html",
            card_number=html.escape(form.get("card_number", "")),
            card_expiry=html.escape(form.get("card_expiry", "")),
            name=html.escape(form.get("name", "")),
            button=html.escape(button),
        )
    if wallets and card:
        wallets.insert(0, '<p class="muted">Or pay with</p>')
    return card + "".join(f"    {item}\n" for item in wallets)


def wallet_page(state: State, session: dict[str, Any]) -> Response:
    """Stands in for Alipay's or WeChat Pay's own page: the tester approves or fails the payment."""
    wallet = session.get("_wallet")
    if wallet is None:
        return checkout_page(state, session)
    body = _fill(
        "wallet.html",
        merchant=html.escape(_merchant_name(state, session)),
        wallet=WALLETS[wallet["type"]].name,
        amount=html.escape(money(session["amount_total"], session["currency"])),
        how=WALLETS[wallet["type"]].instruction,
        action=f"/c/pay/{session['id']}/{wallet['type']}",
    )
    return _page(f"{WALLETS[wallet['type']].name}: test payment", body)


def wallet_submit(state: State, session: dict[str, Any], method_type: str, answer: str) -> Response:
    wallet = session.get("_wallet")
    if wallet is None or wallet["type"] != method_type:
        return checkout_page(state, session)
    if answer not in ("authorize", "fail"):
        return _message("Not found", "There is no such page.", status=404)
    checkout.answer_wallet(state, session, approve=answer == "authorize")
    if session["success_url"]:
        return _redirect(_success_url(session))
    return _message("Thanks!", "Your payment is being processed. You can close this page.")


def _merchant_name(state: State, session: dict[str, Any]) -> str:
    if session["_account"]:
        account = state.objects.get(session["_account"])
        if account and account["business_profile"]["name"]:
            return account["business_profile"]["name"]
    return MERCHANT


def _success_url(session: dict[str, Any]) -> str:
    return (session["success_url"] or "").replace("{CHECKOUT_SESSION_ID}", session["id"])


def checkout_submit(state: State, session: dict[str, Any], form: dict[str, str]) -> Response:
    if session["status"] != "open":
        return checkout_page(state, session)
    customer = state.objects.get(session["customer"]) if session["customer"] else None
    email = (customer or {}).get("email") or session["customer_email"] or form.get("email", "").strip()
    if not email:
        return checkout_page(state, session, form=form, error="Enter your email address.")
    wallet = form.get("method", "")
    if wallet:
        if wallet not in WALLETS or wallet not in session["payment_method_types"]:
            return checkout_page(state, session, form=form, error="This payment method is not available here.")
        checkout.choose_wallet(
            state, session, method_type=wallet, email=email, name=form.get("name", "").strip() or None
        )
        return _redirect(f"/c/pay/{session['id']}/{wallet}")
    if "card" not in session["payment_method_types"]:
        return checkout_page(state, session, form=form, error="Choose a payment method.")
    try:
        number, month, year, cvc = _card_fields(form)
        failure = checkout.pay_session(
            state,
            session,
            number=number,
            exp_month=month,
            exp_year=year,
            cvc=cvc,
            email=email,
            name=form.get("name", "").strip() or None,
        )
    except StripeError as error:
        return checkout_page(state, session, form=form, error=error.message)
    if failure is not None:
        return checkout_page(state, session, form=form, error=failure[2])
    if session["success_url"]:
        return _redirect(_success_url(session))
    return _message("Thanks!", "Your payment is complete. You can close this page.")


# --- Billing portal -----------------------------------------------------------------------------------------


def portal_page(state: State, portal: dict[str, Any], *, error: str | None = None) -> Response:
    customer = state.objects[portal["customer"]]
    account = portal["_account"]
    rows = []
    for sub in state.all("subscription", account):
        if sub["customer"] != customer["id"] or sub["status"] in ("incomplete_expired",):
            continue
        item = sub["items"]["data"][0]
        price = state.objects[item["price"]]
        product = state.objects[price["product"]]
        end = item["current_period_end"]
        if sub["status"] == "canceled":
            when, action = f"Ended {_date(sub['ended_at'])}", ""
        elif sub["cancel_at"]:
            when = f"Cancels {_date(sub['cancel_at'])}"
            action = _button(f"/p/session/{portal['id']}/renew/{sub['id']}", "Don't cancel")
        else:
            when = f"Trial ends {_date(sub['trial_end'])}" if sub["status"] == "trialing" else f"Renews {_date(end)}"
            action = _button(f"/p/session/{portal['id']}/cancel/{sub['id']}", "Cancel plan")
        amount = money(price["unit_amount"] * item["quantity"], price["currency"])
        rows.append(
            f"<tr><td>{html.escape(product['name'])}<br><span class='muted'>{amount} / "
            f"{price['recurring']['interval']}</span></td><td><span class='status'>{sub['status']}</span></td>"
            f"<td>{when}</td><td>{action}</td></tr>"
        )
    method_id = customer["invoice_settings"]["default_payment_method"]
    method = state.objects.get(method_id) if method_id else None
    card = (
        f"{method['card']['brand'].title()} •••• {method['card']['last4']}, expires "
        f"{method['card']['exp_month']:02d}/{method['card']['exp_year']}"
        if method
        else "No default card."
    )
    invoices = [
        f"<tr><td>{_date(invoice['created'])}</td><td>{money(invoice['total'], invoice['currency'])}</td>"
        f"<td><span class='status'>{invoice['status']}</span></td>"
        f"<td><a href='/i/{invoice['id']}'>View</a></td></tr>"
        for invoice in state.all("invoice", account)
        if invoice["customer"] == customer["id"] and invoice["status"] != "draft"
    ]
    body = _fill(
        "portal.html",
        return_url=html.escape(portal["return_url"] or "/"),
        merchant=MERCHANT,
        email=html.escape(customer["email"] or customer["id"]),
        error=_error(error),
        subscriptions="".join(rows) or "<tr><td class='muted'>No subscriptions.</td></tr>",
        payment_method=html.escape(card),
        card_action=f"/p/session/{portal['id']}/payment_method",
        invoices="".join(invoices) or "<tr><td class='muted'>No invoices yet.</td></tr>",
    )
    return _page(f"{MERCHANT}: billing", body, 402 if error else 200)


def _button(action: str, label: str) -> str:
    return f'<form method="post" action="{action}"><button class="secondary" type="submit">{label}</button></form>'


def portal_action(
    state: State, portal: dict[str, Any], action: str, target: str | None, form: dict[str, str]
) -> Response:
    customer = state.objects[portal["customer"]]
    if action in ("cancel", "renew"):
        sub = state.objects.get(target or "")
        if sub is None or sub["object"] != "subscription" or sub["customer"] != customer["id"]:
            return _message("Not found", "There is no such subscription.", status=404)
        if sub["status"] in ("canceled", "incomplete_expired"):
            return portal_page(state, portal, error="This subscription has already ended.")
        checkout.portal_cancel(state, sub, cancel=action == "cancel")
    elif action == "payment_method":
        try:
            number, month, year, cvc = _card_fields(form)
            checkout.portal_update_card(
                state, customer, number=number, exp_month=month, exp_year=year, cvc=cvc, name=form.get("name") or None
            )
        except StripeError as error:
            return portal_page(state, portal, error=error.message)
    else:
        return _message("Not found", "There is no such page.", status=404)
    return _redirect(f"/p/session/{portal['id']}")


# --- Hosted invoice page ------------------------------------------------------------------------------------


def invoice_page(state: State, invoice: dict[str, Any], *, error: str | None = None) -> Response:
    currency = invoice["currency"]
    lines = "".join(
        f"<li><span>{html.escape(line['description'] or '')}</span><span>{money(line['amount'], currency)}</span></li>"
        for line in invoice["lines"]["data"]
    )
    if invoice["status"] == "open":
        payment = (
            f"<h2>Pay {money(invoice['amount_remaining'], currency)}</h2>"
            f'<form method="post" action="/i/{invoice["id"]}">'
            '<label>Card number <input name="card_number" inputmode="numeric" placeholder="4242 4242 4242 4242" '
            'required></label><div class="row"><label>Expiry <input name="card_expiry" placeholder="MM / YY" '
            'required></label><label>CVC <input name="card_cvc" placeholder="123"></label></div>'
            '<button type="submit">Pay invoice</button></form>'
        )
    elif invoice["status"] == "paid":
        payment = f"<h2>Paid</h2><p class='muted'>Paid on {_date(invoice['status_transitions']['paid_at'])}.</p>"
    else:
        payment = f"<h2>Nothing to pay</h2><p class='muted'>This invoice is {invoice['status']}.</p>"
    body = _fill(
        "invoice.html",
        merchant=MERCHANT,
        number=html.escape(invoice["number"] or invoice["id"]),
        status=invoice["status"],
        amount=money(invoice["amount_due"], currency),
        lines=lines,
        error=_error(error),
        payment=payment,
    )
    return _page(f"{MERCHANT}: invoice", body, 402 if error else 200)


def invoice_submit(state: State, invoice: dict[str, Any], form: dict[str, str]) -> Response:
    if invoice["status"] != "open":
        return invoice_page(state, invoice)
    try:
        number, month, year, cvc = _card_fields(form)
        method = payments.card_method(
            state, invoice["_account"], number=number, exp_month=month, exp_year=year, cvc=cvc
        )
    except StripeError as error:
        return invoice_page(state, invoice, error=error.message)
    failure = subscriptions.pay(state, invoice, method=method)
    if failure is not None:
        return invoice_page(state, invoice, error=failure[2])
    subscriptions.after_manual_payment(state, invoice)
    return _redirect(f"/i/{invoice['id']}")


# --- Connect onboarding -------------------------------------------------------------------------------------


def onboarding_page(state: State, link: dict[str, Any]) -> Response:
    if link["_used"] or link["expires_at"] < state.now():
        # Stripe sends an expired or already-visited link to refresh_url, where the platform makes a new one.
        return _redirect(link["_refresh_url"] or "/")
    account = state.objects[link["_account_id"]]
    body = _fill(
        "onboarding.html",
        name=html.escape(account["business_profile"]["name"] or account["email"] or account["id"]),
        account=account["id"],
        action=f"/setup/{link['id'].removeprefix('acctlink_')}",
        business_url=html.escape(account["business_profile"]["url"] or ""),
        refresh_url=html.escape(link["_refresh_url"] or "/"),
    )
    return _page("Stripe Connect onboarding", body)


def onboarding_submit(state: State, link: dict[str, Any], form: dict[str, str]) -> Response:
    if link["_used"] or link["expires_at"] < state.now():
        return _redirect(link["_refresh_url"] or "/")
    link["_used"] = True
    account = state.objects[link["_account_id"]]
    checkout.complete_onboarding(state, account, business_url=form.get("business_url", "").strip() or None)
    return _redirect(link["_return_url"] or "/")


# --- Routing ------------------------------------------------------------------------------------------------


def index_page(state: State) -> Response:
    counts: dict[str, int] = {}
    for obj in state.objects.values():
        counts[obj["object"]] = counts.get(obj["object"], 0) + 1
    summary = ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items())) or "nothing yet"
    now = datetime.datetime.fromtimestamp(state.now(), datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return _message(
        "Stripe sandbox",
        f"Point the official Stripe SDK at this address. Sandbox time: {now}. Stored: {summary}.",
    )


def handle(state: State, method: str, path: str, form: dict[str, str]) -> Response:
    """Serve a hosted page; the caller holds the state lock."""
    parts = [part for part in path.split("/") if part]
    if not parts:
        return index_page(state)
    kind, rest = parts[0], parts[1:]
    if kind == "c" and len(rest) == 2 and rest[0] == "pay":
        session = state.find(rest[1])
        if session is None or session["object"] != "checkout.session":
            return _message("Not found", "There is no such Checkout Session.", status=404)
        return checkout_submit(state, session, form) if method == "POST" else checkout_page(state, session)
    if kind == "c" and len(rest) in (3, 4) and rest[0] == "pay" and rest[2] in WALLETS:
        session = state.find(rest[1])
        if session is None or session["object"] != "checkout.session":
            return _message("Not found", "There is no such Checkout Session.", status=404)
        if method == "POST" and len(rest) == 4:
            return wallet_submit(state, session, rest[2], rest[3])
        return wallet_page(state, session)
    if kind == "p" and len(rest) >= 2 and rest[0] == "session":
        portal = state.find(rest[1])
        if portal is None or portal["object"] != "billing_portal.session":
            return _message("Not found", "There is no such billing portal session.", status=404)
        if method == "POST" and len(rest) >= 3:
            return portal_action(state, portal, rest[2], rest[3] if len(rest) > 3 else None, form)
        return portal_page(state, portal)
    if kind == "i" and len(rest) == 1:
        invoice = state.find(rest[0])
        if invoice is None or invoice["object"] != "invoice":
            return _message("Not found", "There is no such invoice.", status=404)
        return invoice_submit(state, invoice, form) if method == "POST" else invoice_page(state, invoice)
    if kind == "setup" and len(rest) == 1:
        link = state.find(f"acctlink_{rest[0]}")
        if link is None:
            return _message("Not found", "This onboarding link is not valid.", status=404)
        return onboarding_submit(state, link, form) if method == "POST" else onboarding_page(state, link)
    return _message("Not found", "There is no such page.", status=404)
