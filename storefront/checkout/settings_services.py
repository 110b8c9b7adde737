"""The seller's checkout set-up: tax mode, shipping zones and their rates, discount codes; each write validated whole."""

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Upper
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from platform.kit.money import NotAWrittenNumber, parse_amount, read_written_number
from storefront.themes.selectors import store_currency

from .models import CheckoutSettings, DiscountCode, ShippingRate, ShippingZone

# ISO 3166-1 alpha-2: every officially assigned code.
_ISO_CODES_TEXT = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO
    JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR
    MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO
    RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV
    TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
ISO_COUNTRY_CODES = frozenset(_ISO_CODES_TEXT.split())
# The tax rate column holds percent with three decimal places (8.125 %).
TAX_RATE_PLACES = 3
MAX_WEIGHT_GRAMS = 2_147_483_647
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]*$")


def _name(value: str, errors: dict[str, list[str]], *, field: str = "name", max_length: int = 100) -> str:
    value = " ".join(value.split())
    if not value:
        errors.setdefault(field, []).append(_("This field is required."))
    elif len(value) > max_length:
        errors.setdefault(field, []).append(_("Use at most %(most)s characters.") % {"most": max_length})
    return value


def _amount(value: object, errors: dict[str, list[str]], *, field: str, label: str, currency: str) -> Decimal | None:
    try:
        return parse_amount(value, currency=currency, label=label)
    except ValidationError as error:
        errors.setdefault(field, []).extend(error.messages)
        return None


def parse_countries(value: str | list[str]) -> list[str]:
    """ISO codes from "us, ca de" (or a list): upper case, de-duplicated, in the order given; ValidationError else."""
    words = value if isinstance(value, list) else re.split(r"[\s,;]+", value)
    codes: list[str] = []
    for word in (item.strip().upper() for item in words):
        if word and word not in codes:
            codes.append(word)
    if not codes:
        raise ValidationError(_("List at least one country, as two-letter ISO codes such as US, CA."))
    unknown = [code for code in codes if code not in ISO_COUNTRY_CODES]
    if unknown:
        raise ValidationError(
            _("Not ISO 3166 country codes: %(codes)s. Use two letters, e.g. US, DE, GB.")
            % {"codes": ", ".join(unknown)}
        )
    return codes


def parse_percent(value: object, *, places: int = TAX_RATE_PLACES, label: str | None = None) -> Decimal:
    """A percent between 0 and 100 with at most ``places`` decimal places ("8.25" → 8.250); ``label`` names it in
    the messages (the tax rate when not given)."""
    label = label or _("The tax rate")
    if isinstance(value, bool | float):
        raise ValidationError(
            _('%(label)s must be sent as a decimal string such as "8.25", not a float.') % {"label": label}
        )
    text = str(value).strip().removesuffix("%").strip() if value is not None else ""
    if not text:
        raise ValidationError(_("%(label)s is required, in percent, e.g. 8.25.") % {"label": label})
    # The same reading as money's (money.read_written_number): "8.25", never "8e0", "٨" or "8_25".
    try:
        rate = read_written_number(text)
    except NotAWrittenNumber as error:
        if error.not_finite:
            raise ValidationError(_("%(label)s must be between 0 and 100 percent.") % {"label": label}) from None
        if error.hint:
            message = _("%(label)s must be a number of percent, e.g. 8.25, %(hint)s.")
        else:
            message = _("%(label)s must be a number of percent, e.g. 8.25.")
        raise ValidationError(message % {"label": label, "hint": error.hint}) from None
    if rate < 0 or rate > 100:
        raise ValidationError(_("%(label)s must be between 0 and 100 percent.") % {"label": label})
    if -min(rate.as_tuple().exponent, 0) > places:  # type: ignore[operator]
        message = ngettext(
            "%(label)s can have at most %(places)s decimal place.",
            "%(label)s can have at most %(places)s decimal places.",
            places,
        )
        raise ValidationError(message % {"label": label, "places": places})
    return rate.quantize(Decimal(1).scaleb(-places)) + 0


# --- Tax mode ------------------------------------------------------------------------------------------------


@transaction.atomic
def update_checkout_settings(*, prices_include_tax: bool) -> CheckoutSettings:
    """Whether catalog prices already include tax; orders placed afterwards are priced that way."""
    settings, _created = CheckoutSettings.objects.select_for_update().get_or_create(pk=1)
    settings.prices_include_tax = prices_include_tax
    settings.save(update_fields=["prices_include_tax"])
    return settings


# What apps above this one do when the store's shipping zones or rates change, in the change's transaction:
# the directory feed copies the store's lowest shipping price to its directory card. Registered at start-up in
# their AppConfig.ready, so checkout never imports them.
_shipping_listeners: list[Callable[[], None]] = []


def on_shipping_change(listener: Callable[[], None]) -> None:
    if listener not in _shipping_listeners:
        _shipping_listeners.append(listener)


def _shipping_changed() -> None:
    for listener in _shipping_listeners:
        listener()


# --- Shipping zones ------------------------------------------------------------------------------------------


@transaction.atomic
def save_shipping_zone(
    *, zone: ShippingZone | None, name: str, countries: str | list[str], tax_rate: object
) -> ShippingZone:
    """Create (``zone`` None) or change a zone; a country may be in one zone only, so checkout's choice is clear."""
    errors: dict[str, list[str]] = {}
    name = _name(name, errors)
    codes: list[str] = []
    try:
        codes = parse_countries(countries)
    except ValidationError as error:
        errors["countries"] = error.messages
    try:
        rate = parse_percent(tax_rate)
    except ValidationError as error:
        errors["tax_rate"] = error.messages
    if codes:
        # Locking every zone serialises two sellers saving overlapping zones at once.
        others = ShippingZone.objects.select_for_update().exclude(pk__in=[zone.pk] if zone else [])
        taken = sorted({(code, other.name) for other in others for code in other.countries if code in codes})
        if taken:
            listed = ", ".join(f"{code} ({zone_name})" for code, zone_name in taken)
            errors.setdefault("countries", []).append(
                _("Already in another zone: %(countries)s.") % {"countries": listed}
            )
    if errors:
        raise ValidationError(errors)
    zone = zone if zone is not None else ShippingZone()
    zone.name, zone.countries, zone.tax_rate = name, codes, rate
    zone.save()
    _shipping_changed()
    return zone


@transaction.atomic
def delete_shipping_zone(*, zone: ShippingZone) -> None:
    """Delete a zone and its rates; orders keep their own copy of what they were charged."""
    zone.delete()
    _shipping_changed()


# --- Shipping rates ------------------------------------------------------------------------------------------


@transaction.atomic
def save_shipping_rate(
    *,
    zone: ShippingZone,
    rate: ShippingRate | None,
    name: str,
    kind: str,
    price: object = "",
    min_weight_grams: int | None = None,
    max_weight_grams: int | None = None,
    min_subtotal: object = "",
    currency: str | None = None,
) -> ShippingRate:
    """Create (``rate`` None) or change one of ``zone``'s rates; only the fields its kind uses are kept."""
    if rate is not None and rate.zone_id != zone.pk:
        raise ValidationError(_("That rate belongs to another zone."))
    currency = currency or store_currency()
    errors: dict[str, list[str]] = {}
    name = _name(name, errors)
    values: dict[str, object] = {
        "price": Decimal(0),
        "min_weight_grams": 0,
        "max_weight_grams": None,
        "min_subtotal": None,
    }
    if kind not in ShippingRate.Kind.values:
        errors["kind"] = [_("Choose flat, by weight or free above a subtotal.")]
    if kind in (ShippingRate.Kind.FLAT, ShippingRate.Kind.WEIGHT):
        values["price"] = _amount(price, errors, field="price", label=_("Price"), currency=currency)
    if kind == ShippingRate.Kind.WEIGHT:
        low = min_weight_grams or 0
        if low < 0 or low > MAX_WEIGHT_GRAMS:
            errors.setdefault("min_weight_grams", []).append(_("Give a weight in grams, 0 or more."))
        if max_weight_grams is not None and (max_weight_grams < 0 or max_weight_grams > MAX_WEIGHT_GRAMS):
            errors.setdefault("max_weight_grams", []).append(_("Give a weight in grams, or leave empty for no limit."))
        elif max_weight_grams is not None and max_weight_grams <= low:
            errors.setdefault("max_weight_grams", []).append(
                _(
                    "The maximum weight must be more than the minimum (the band is from the minimum up to, "
                    "not including, the maximum)."
                )
            )
        values["min_weight_grams"], values["max_weight_grams"] = low, max_weight_grams
    if kind == ShippingRate.Kind.FREE_OVER:
        values["min_subtotal"] = _amount(
            min_subtotal, errors, field="min_subtotal", label=_("Free above"), currency=currency
        )
    if errors:
        raise ValidationError(errors)
    rate = rate if rate is not None else ShippingRate(zone=zone)
    rate.name, rate.kind = name, kind
    for field, value in values.items():
        setattr(rate, field, value)
    rate.save()
    _shipping_changed()
    return rate


@transaction.atomic
def delete_shipping_rate(*, rate: ShippingRate) -> None:
    rate.delete()
    _shipping_changed()


# --- Discount codes ------------------------------------------------------------------------------------------


@transaction.atomic
def save_discount_code(
    *,
    discount: DiscountCode | None,
    code: str,
    kind: str,
    value: object = "",
    min_subtotal: object = "",
    usage_limit: int | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    once_per_email: bool = False,
    is_active: bool = True,
    currency: str | None = None,
) -> DiscountCode:
    """Create (``discount`` None) or change a code; codes are unique whatever their case and stored upper case."""
    currency = currency or store_currency()
    errors: dict[str, list[str]] = {}
    code = code.strip().upper()
    if not code:
        errors["code"] = [_("This field is required.")]
    elif len(code) > 40 or not CODE_PATTERN.match(code):
        errors["code"] = [_("Use up to 40 letters, digits, dashes or underscores, e.g. SUMMER-10.")]
    elif (
        DiscountCode.objects.annotate(upper_code=Upper("code"))
        .filter(upper_code=code)
        .exclude(pk__in=[discount.pk] if discount else [])
        .exists()
    ):
        errors["code"] = [_("There is already a code %(code)s.") % {"code": code}]
    amount: Decimal | None = Decimal(0)
    if kind == DiscountCode.Kind.PERCENTAGE:
        try:
            amount = parse_percent(value, places=2, label=_("The percentage"))
        except ValidationError as error:
            errors["value"] = error.messages
        else:
            if amount == 0:
                errors["value"] = [_("The percentage must be more than 0.")]
    elif kind == DiscountCode.Kind.FIXED:
        amount = _amount(value, errors, field="value", label=_("Amount"), currency=currency)
        if amount is not None and amount <= 0:
            errors.setdefault("value", []).append(_("The amount off must be more than 0."))
    elif kind != DiscountCode.Kind.FREE_SHIPPING:
        errors["kind"] = [_("Choose percentage, fixed amount or free shipping.")]
    minimum = None
    if str(min_subtotal or "").strip():
        minimum = _amount(min_subtotal, errors, field="min_subtotal", label=_("Minimum subtotal"), currency=currency)
    if usage_limit is not None and usage_limit < 1:
        errors["usage_limit"] = [_("A usage limit must be at least 1; leave it empty for no limit.")]
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = [_("The end must be after the start.")]
    if discount is not None:
        # Orders take uses under this row's lock; holding it keeps the limit check below true when saved.
        discount = DiscountCode.objects.select_for_update().get(pk=discount.pk)
        if usage_limit is not None and usage_limit < discount.times_used and "usage_limit" not in errors:
            errors["usage_limit"] = [
                ngettext(
                    "This code was already used %(used)s time; the limit can't be lower.",
                    "This code was already used %(used)s times; the limit can't be lower.",
                    discount.times_used,
                )
                % {"used": discount.times_used}
            ]
    if errors:
        raise ValidationError(errors)
    discount = discount if discount is not None else DiscountCode()
    discount.code, discount.kind, discount.value = code, kind, amount
    discount.min_subtotal, discount.usage_limit = minimum, usage_limit
    discount.starts_at, discount.ends_at = starts_at, ends_at
    discount.once_per_email, discount.is_active = once_per_email, is_active
    try:
        with transaction.atomic():
            discount.save()
    except IntegrityError:
        # Another request saved the same code between the check above and this write.
        raise ValidationError({"code": [_("There is already a code %(code)s.") % {"code": code}]}) from None
    return discount


@transaction.atomic
def deactivate_discount_code(*, discount: DiscountCode) -> DiscountCode:
    """Stop a code being accepted; orders already holding it keep their discount."""
    DiscountCode.objects.filter(pk=discount.pk).update(is_active=False)
    discount.is_active = False
    return discount
