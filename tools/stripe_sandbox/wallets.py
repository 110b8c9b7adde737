"""The wallets Checkout offers beside cards (Alipay, WeChat Pay): one entry a payment method type, read by every
step that pays with one (the session's methods, the hosted page's buttons, the wallet's page, the charge)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Wallet:
    name: str
    # The currencies Stripe presents it in (its Alipay and WeChat Pay guides list them; the account's country
    # narrows them further in live mode).
    currencies: frozenset[str]
    # What the wallet's page asks the buyer to do.
    instruction: str
    # A charge's payment_method_details for it: Stripe reports only the buyer's wallet account, nothing a card has.
    charge_details: tuple[str, ...]


WALLETS = {
    "alipay": Wallet(
        name="Alipay",
        currencies=frozenset({"aud", "cad", "cny", "eur", "gbp", "hkd", "jpy", "myr", "nzd", "sgd", "usd"}),
        instruction="log in to Alipay and confirm",
        charge_details=("buyer_id", "fingerprint", "transaction_id"),
    ),
    "wechat_pay": Wallet(
        name="WeChat Pay",
        currencies=frozenset(
            {"aud", "cad", "chf", "cny", "dkk", "eur", "gbp", "hkd", "jpy", "nok", "sek", "sgd", "usd"}
        ),
        instruction="scan a QR code with WeChat",
        charge_details=("fingerprint", "transaction_id"),
    ),
}
