"""The checkout form: the buyer's email, shipping address, shipping method and discount code."""

from typing import Any

from django import forms

COUNTRY_NAMES = {
    "US": "United States",
    "CA": "Canada",
    "GB": "United Kingdom",
    "DE": "Germany",
    "FR": "France",
    "NL": "Netherlands",
    "AU": "Australia",
    "JP": "Japan",
}


class CheckoutForm(forms.Form):
    email = forms.CharField(max_length=254, required=False)
    name = forms.CharField(max_length=200, required=False, label="Full name")
    line1 = forms.CharField(max_length=200, required=False, label="Address")
    line2 = forms.CharField(max_length=200, required=False, label="Apartment, suite (optional)")
    city = forms.CharField(max_length=100, required=False)
    postal_code = forms.CharField(max_length=20, required=False, label="Postal code")
    # Free text behind a list: a country no zone covers gets checkout's own "does not ship there" message.
    country = forms.CharField(max_length=2, required=False, widget=forms.Select)
    shipping_rate = forms.IntegerField(required=False)
    discount_code = forms.CharField(max_length=40, required=False, label="Discount code")
    # A one-time key made when the page is first shown: a second submit of the same page finds the same order.
    checkout_key = forms.CharField(max_length=64, widget=forms.HiddenInput)
    # "country|rate|code|total" of the summary the buyer is looking at, so Pay charges exactly what was shown.
    quoted = forms.CharField(max_length=200, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, countries: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].widget.choices = [("", "Choose a country")] + [
            (code, COUNTRY_NAMES.get(code, code)) for code in countries
        ]
