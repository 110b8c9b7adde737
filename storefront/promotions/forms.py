"""The seller's promotion form: it parses input; promotions.services judges it."""

from django import forms

from storefront.catalog.models import Collection, Product, Tag

from .models import Promotion

# Read as the store's wall-clock time (services.in_store_time), not the server's.
LOCAL_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PromotionForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Buyers see it next to the price, e.g. “Summer sale”.")
    kind = forms.ChoiceField(choices=Promotion.Kind.choices)
    value = forms.CharField(
        max_length=30,
        required=False,
        help_text="Percent (e.g. 15), an amount off each unit (e.g. 2.50), or for buy X get Y the percent off the "
        "free units (100: free). Not used for free shipping.",
    )
    buy_quantity = forms.IntegerField(
        required=False, min_value=1, max_value=99, label="Buy (units)", help_text="Buy X get Y: the X."
    )
    get_quantity = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=99,
        label="Get (units)",
        help_text="Buy X get Y: the Y. The cheapest units of the targeted products are the ones discounted.",
    )
    min_subtotal = forms.CharField(
        max_length=30,
        required=False,
        label="Free shipping from",
        help_text="Free shipping: the order amount after promotions (before a discount code) from which it applies.",
    )
    target = forms.ChoiceField(choices=Promotion.Target.choices, label="Applies to")
    collection = forms.ModelChoiceField(queryset=Collection.objects.all(), required=False)
    tag = forms.ModelChoiceField(queryset=Tag.objects.all(), required=False)
    products = forms.ModelMultipleChoiceField(queryset=Product.objects.all(), required=False)
    starts_at = forms.DateTimeField(widget=LOCAL_DATETIME, label="Starts (store time)")
    ends_at = forms.DateTimeField(widget=LOCAL_DATETIME, label="Ends (store time, not included)")
    combination = forms.ChoiceField(
        choices=Promotion.Combination.choices,
        label="With other promotions",
        help_text="Best for the buyer: of such promotions on a product only the largest applies. "
        "Stacks: applied after it, on the price left.",
    )
    min_quantity = forms.IntegerField(
        min_value=1,
        max_value=999,
        initial=1,
        label="From quantity",
        help_text="A quantity tier: only lines of at least this many units get it (1: every line).",
    )
    unit_cap = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2_147_483_647,
        label="Units at this price",
        help_text="A flash sale's cap: once this many units are ordered, the price goes back. Empty for no cap.",
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
