"""Tracking links: well-known carriers' tracking pages, and the checks on a tracking URL a seller types in.

A carrier is recognised by its name, whatever the case, spacing or punctuation ("Royal Mail", "royal-mail",
"ROYALMAIL"). The tracking number is URL-encoded into the carrier's page address, so no number can change where
the link goes. Any other carrier gets no link unless the seller gives one, which must be an http(s) URL.
"""

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext

TRACKING_URL_MAX_LENGTH = 500


@dataclass(frozen=True)
class Carrier:
    name: str
    # ``{number}`` is replaced by the URL-encoded tracking number.
    url_template: str
    # Other ways sellers write the carrier's name (compared once reduced by ``_carrier_key``).
    aliases: tuple[str, ...] = ()


CARRIERS = (
    Carrier("UPS", "https://www.ups.com/track?tracknum={number}", ("united parcel service",)),
    Carrier(
        "USPS",
        "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
        ("us postal service", "united states postal service", "us mail"),
    ),
    Carrier("FedEx", "https://www.fedex.com/fedextrack/?trknbr={number}", ("fed ex", "federal express")),
    Carrier(
        "DHL",
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={number}",
        ("dhl express",),
    ),
    Carrier("Royal Mail", "https://www.royalmail.com/track-your-item#/tracking-results/{number}"),
    Carrier(
        "Canada Post",
        "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={number}",
        ("postes canada",),
    ),
    Carrier("Australia Post", "https://auspost.com.au/mypost/track/details/{number}", ("auspost",)),
    Carrier("La Poste", "https://www.laposte.fr/outils/suivre-vos-envois?code={number}", ("colissimo",)),
)


def _carrier_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.casefold())


_BY_KEY = {_carrier_key(spelling): carrier for carrier in CARRIERS for spelling in (carrier.name, *carrier.aliases)}


def known_carrier(name: str) -> Carrier | None:
    """The well-known carrier ``name`` names, or None."""
    return _BY_KEY.get(_carrier_key(name)) if name.strip() else None


def carrier_tracking_url(*, carrier: str, tracking_number: str) -> str:
    """The carrier's own tracking page for the number; "" for a carrier not in CARRIERS or an empty number."""
    known = known_carrier(carrier)
    number = tracking_number.strip()
    if known is None or not number:
        return ""
    return known.url_template.format(number=quote(number, safe=""))


def tracking_link(*, carrier: str, tracking_number: str, custom_url: str = "") -> str:
    """The link shown to the buyer: the seller's own URL when given, else the known carrier's page, else ""."""
    return custom_url or carrier_tracking_url(carrier=carrier, tracking_number=tracking_number)


_http_url = URLValidator(schemes=["http", "https"])


def clean_tracking_url(raw: str) -> str:
    """A tracking URL typed by the seller, checked: empty, or an absolute http(s) URL; anything else is refused."""
    url = raw.strip()
    if not url:
        return ""
    message = gettext("Give the tracking page as a full web address starting with https:// (or http://).")
    if len(url) > TRACKING_URL_MAX_LENGTH:
        too_long = gettext("Keep the tracking URL under %(limit)s characters.") % {"limit": TRACKING_URL_MAX_LENGTH}
        raise ValidationError({"tracking_url": [too_long]})
    # The scheme is checked on its own first, so javascript:, data: or ftp: never reach a link, whatever else passes.
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise ValidationError({"tracking_url": [message]})
    try:
        _http_url(url)
    except ValidationError as error:
        raise ValidationError({"tracking_url": [message]}) from error
    return url
