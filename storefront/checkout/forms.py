"""The checkout form: the buyer's email, shipping address, shipping method and discount code."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from .regions import IN_COUNTRY, REGIONS

COUNTRY_NAMES = {
    "US": _("United States"),
    "CA": _("Canada"),
    "GB": _("United Kingdom"),
    "DE": _("Germany"),
    "FR": _("France"),
    "NL": _("Netherlands"),
    "AU": _("Australia"),
    "JP": _("Japan"),
    "CN": _("China"),
}


class CheckoutForm(forms.Form):
    email = forms.CharField(
        max_length=254, required=False, label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    name = forms.CharField(
        max_length=200, required=False, label=_("Full name"), widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    line1 = forms.CharField(
        max_length=200, required=False, label=_("Address"),
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )  # fmt: skip
    line2 = forms.CharField(
        max_length=200, required=False, label=_("Apartment, suite (optional)"),
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )  # fmt: skip
    city = forms.CharField(
        max_length=100,
        required=False,
        label=_("City"),
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    # Offered only when the store ships to a country whose addresses have one; checkout says which it needs.
    region = forms.CharField(
        max_length=100, required=False, label=_("State / province"),
        widget=forms.Select(attrs={"autocomplete": "address-level1"}),
    )  # fmt: skip
    # A Chinese address's district (区/县) and the recipient's mobile number; asked only when the store ships to China.
    district = forms.CharField(
        max_length=100, required=False, label=_("District / county"), help_text=_("For an address in China."),
        widget=forms.TextInput(attrs={"autocomplete": "address-level3"}),
    )  # fmt: skip
    phone = forms.CharField(
        max_length=20, required=False, label=_("Mobile number"),
        help_text=_("For an address in China: 11 digits starting with 1, for the courier."),
        widget=forms.TextInput(attrs={"autocomplete": "tel-national", "inputmode": "tel"}),
    )  # fmt: skip
    postal_code = forms.CharField(
        max_length=20, required=False, label=_("Postal code"),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )  # fmt: skip
    # Free text behind a list: a country no zone covers gets checkout's own "does not ship there" message.
    country = forms.CharField(
        max_length=2, required=False, label=_("Country"), widget=forms.Select(attrs={"autocomplete": "country"})
    )
    shipping_rate = forms.IntegerField(required=False)
    discount_code = forms.CharField(max_length=40, required=False, label=_("Discount code"))
    # A one-time key made when the page is first shown: a second submit of the same page finds the same order.
    checkout_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    # "country|rate|code|total" of the summary the buyer is looking at, so Pay charges exactly what was shown.
    quoted = forms.CharField(max_length=200, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, countries: list[str], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["country"].widget.choices = [("", _("Choose a country"))] + [
            (code, COUNTRY_NAMES.get(code, code)) for code in countries
        ]
        # One list for every country the store ships to that has states or provinces, grouped by country, so the
        # page works without JavaScript; checkout ignores the choice for a country without them.
        groups = [(COUNTRY_NAMES.get(code, code), sorted(REGIONS[code].items(), key=lambda item: item[1]))
                  for code in countries if code in REGIONS]  # fmt: skip
        self.fields["region"].widget.choices = [("", _("Choose one")), *groups]
        places = [str(IN_COUNTRY[code]) for code in countries if code in REGIONS]
        self.fields["region"].help_text = _("For an address in %(places)s.") % {
            "places": pgettext("between countries", " or ").join(places)
        }
        self.asks_region = bool(groups)
        self.asks_chinese_address = "CN" in countries
        if self.asks_chinese_address:
            self.fields["line1"].help_text = _("In China: street, building and room.")
