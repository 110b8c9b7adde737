"""Forms of the seller's checkout pages: they parse input; checkout.settings_services judges it."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import DiscountCode, ShippingRate

# The largest value the integer columns hold; more would fail in the database, not in the form.
MAX_INT = 2_147_483_647
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CheckoutSettingsForm(forms.Form):
    prices_include_tax = forms.BooleanField(
        required=False,
        label=_("My prices include tax"),
        help_text=_(
            "Checked: the tax is taken out of the prices and shown as “includes tax”. "
            "Unchecked: the tax is added at checkout."
        ),
    )


class ShippingZoneForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("Name"), help_text=_("For you, e.g. “North America”."))
    countries = forms.CharField(
        max_length=1000,
        label=_("Countries"),
        help_text=_("Two-letter ISO codes separated by commas or spaces, e.g. US, CA."),
    )
    tax_rate = forms.CharField(
        max_length=20,
        label=_("Tax rate (%)"),
        help_text=_("Charged on orders shipped here, e.g. 8.25; 0 for none."),
    )


class ShippingRateForm(forms.Form):
    name = forms.CharField(
        max_length=100, label=_("Name"), help_text=_("What buyers see, e.g. “Standard (3 to 5 days)”.")
    )
    kind = forms.ChoiceField(choices=ShippingRate.Kind.choices, label=_("Kind"))
    price = forms.CharField(
        required=False, max_length=30, label=_("Price"), help_text=_("For flat and by-weight rates, e.g. 5.00.")
    )
    min_weight_grams = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_INT,
        label=_("From weight (g)"),
        help_text=_("By-weight rates: the band starts here."),
    )
    max_weight_grams = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_INT,
        label=_("Up to weight (g)"),
        help_text=_("Not included; empty for no upper limit."),
    )
    min_subtotal = forms.CharField(
        required=False,
        max_length=30,
        label=_("Free above"),
        help_text=_("Free-above rates: the subtotal after discount."),
    )


class DiscountCodeForm(forms.Form):
    code = forms.CharField(
        max_length=40, label=pgettext_lazy("discount code", "Code"), help_text=_("Buyers can type it in any case.")
    )
    kind = forms.ChoiceField(choices=DiscountCode.Kind.choices, label=_("Kind"))
    value = forms.CharField(
        required=False,
        max_length=30,
        label=_("Value"),
        help_text=_("Percent (e.g. 15) or an amount (e.g. 10.00); unused for free shipping."),
    )
    min_subtotal = forms.CharField(required=False, max_length=30, label=_("Minimum subtotal"))
    usage_limit = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_INT, label=_("Usage limit"), help_text=_("Empty for no limit.")
    )
    starts_at = forms.DateTimeField(required=False, widget=DATETIME_INPUT, label=_("Starts (store time)"))
    ends_at = forms.DateTimeField(required=False, widget=DATETIME_INPUT, label=_("Ends (store time)"))
    once_per_email = forms.BooleanField(required=False, label=_("Once per email address"))
    is_active = forms.BooleanField(required=False, initial=True, label=_("Active"))
