"""The seller's promotion form: it parses input; promotions.services judges it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from storefront.catalog.models import Collection, Product, Tag

from .models import Promotion

# Read as the store's wall-clock time (services.in_store_time), not the server's.
LOCAL_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PromotionForm(forms.Form):
    name = forms.CharField(
        max_length=100, label=_("Name"), help_text=_("Buyers see it next to the price, e.g. “Summer sale”.")
    )
    kind = forms.ChoiceField(choices=Promotion.Kind.choices, label=_("Kind"))
    value = forms.CharField(
        max_length=30,
        required=False,
        label=_("Value"),
        help_text=_(
            "Percent (e.g. 15), an amount off each unit (e.g. 2.50), or for buy X get Y the percent off the "
            "free units (100: free). Not used for free shipping."
        ),
    )
    buy_quantity = forms.IntegerField(
        required=False, min_value=1, max_value=99, label=_("Buy (units)"), help_text=_("Buy X get Y: the X.")
    )
    get_quantity = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=99,
        label=_("Get (units)"),
        help_text=_("Buy X get Y: the Y. The cheapest units of the targeted products are the ones discounted."),
    )
    min_subtotal = forms.CharField(
        max_length=30,
        required=False,
        label=_("Free shipping from"),
        help_text=_("Free shipping: the order amount after promotions (before a discount code) from which it applies."),
    )
    target = forms.ChoiceField(choices=Promotion.Target.choices, label=_("Applies to"))
    # Django's own blank choice ("- Select an option -") has no Chinese in its catalogue: name ours.
    collection = forms.ModelChoiceField(
        queryset=Collection.objects.all(), required=False, label=_("Collection"), empty_label=_("Choose one")
    )
    tag = forms.ModelChoiceField(
        queryset=Tag.objects.all(), required=False, label=_("Tag"), empty_label=_("Choose one")
    )
    products = forms.ModelMultipleChoiceField(queryset=Product.objects.all(), required=False, label=_("Products"))
    starts_at = forms.DateTimeField(widget=LOCAL_DATETIME, label=_("Starts (store time)"))
    ends_at = forms.DateTimeField(widget=LOCAL_DATETIME, label=_("Ends (store time, not included)"))
    combination = forms.ChoiceField(
        choices=Promotion.Combination.choices,
        label=_("With other promotions"),
        help_text=_(
            "Best for the buyer: of such promotions on a product only the largest applies. "
            "Stacks: applied after it, on the price left."
        ),
    )
    min_quantity = forms.IntegerField(
        min_value=1,
        max_value=999,
        initial=1,
        label=_("From quantity"),
        help_text=_("A quantity tier: only lines of at least this many units get it (1: every line)."),
    )
    unit_cap = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2_147_483_647,
        label=_("Units at this price"),
        help_text=_("A flash sale's cap: once this many units are ordered, the price goes back. Empty for no cap."),
    )
    is_active = forms.BooleanField(required=False, initial=True, label=_("Active"))
