"""Forms of the seller's checkout pages: they parse input; checkout.settings_services judges it."""

from django import forms

from .models import DiscountCode, ShippingRate

# The largest value the integer columns hold; more would fail in the database, not in the form.
MAX_INT = 2_147_483_647
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CheckoutSettingsForm(forms.Form):
    prices_include_tax = forms.BooleanField(
        required=False,
        label="My prices include tax",
        help_text="Checked: the tax is taken out of the prices and shown as “includes tax”. "
        "Unchecked: the tax is added at checkout.",
    )


class ShippingZoneForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="For you, e.g. “North America”.")
    countries = forms.CharField(
        max_length=1000, help_text="Two-letter ISO codes separated by commas or spaces, e.g. US, CA."
    )
    tax_rate = forms.CharField(
        max_length=20, label="Tax rate (%)", help_text="Charged on orders shipped here, e.g. 8.25; 0 for none."
    )


class ShippingRateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What buyers see, e.g. “Standard (3 to 5 days)”.")
    kind = forms.ChoiceField(choices=ShippingRate.Kind.choices)
    price = forms.CharField(required=False, max_length=30, help_text="For flat and by-weight rates, e.g. 5.00.")
    min_weight_grams = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_INT,
        label="From weight (g)",
        help_text="By-weight rates: the band starts here.",
    )
    max_weight_grams = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_INT,
        label="Up to weight (g)",
        help_text="Not included; empty for no upper limit.",
    )
    min_subtotal = forms.CharField(
        required=False, max_length=30, label="Free above", help_text="Free-above rates: the subtotal after discount."
    )


class DiscountCodeForm(forms.Form):
    code = forms.CharField(max_length=40, help_text="Buyers can type it in any case.")
    kind = forms.ChoiceField(choices=DiscountCode.Kind.choices)
    value = forms.CharField(
        required=False,
        max_length=30,
        help_text="Percent (e.g. 15) or an amount (e.g. 10.00); unused for free shipping.",
    )
    min_subtotal = forms.CharField(required=False, max_length=30, label="Minimum subtotal")
    usage_limit = forms.IntegerField(required=False, min_value=1, max_value=MAX_INT, help_text="Empty for no limit.")
    starts_at = forms.DateTimeField(required=False, widget=DATETIME_INPUT, label="Starts (store time)")
    ends_at = forms.DateTimeField(required=False, widget=DATETIME_INPUT, label="Ends (store time)")
    once_per_email = forms.BooleanField(required=False, label="Once per email address")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
