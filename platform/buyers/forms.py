"""Forms of the marketplace buyer pages; the rules on emails, passwords and addresses live in the services."""

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .services import NAME_MAX_LENGTH, PASSWORD_MAX_LENGTH

if TYPE_CHECKING:  # the stubs' name for "a text or a lazily translated one"; it doesn't exist at run time
    from django.utils.functional import _StrOrPromise


PASSWORD_LABEL = _("Password")


def _password(autocomplete: str, label: "_StrOrPromise" = PASSWORD_LABEL) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class SignUpForm(forms.Form):
    email = forms.EmailField(max_length=254, label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    name = forms.CharField(max_length=NAME_MAX_LENGTH, required=False, label=_("Your name"))
    password = _password("new-password")


class SignInForm(forms.Form):
    email = forms.EmailField(max_length=254, label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = _password("current-password")


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(max_length=254, label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class PasswordResetForm(forms.Form):
    new_password = _password("new-password", _("New password"))


class AddressForm(forms.Form):
    name = forms.CharField(max_length=200, label=pgettext_lazy("person", "Name"))
    line1 = forms.CharField(max_length=200, label=_("Address"))
    line2 = forms.CharField(max_length=200, required=False, label=_("Address, second line"))
    city = forms.CharField(max_length=100, label=_("City"))
    region = forms.CharField(max_length=100, required=False, label=_("Region or state"))
    postal_code = forms.CharField(max_length=20, label=_("Postal code"))
    country = forms.CharField(max_length=2, min_length=2, label=_("Country (two-letter code)"))
    # Asked by the stores that ship to China; the store's checkout checks them there.
    district = forms.CharField(
        max_length=100, required=False, label=_("District or county"), help_text=_("For an address in China.")
    )
    phone = forms.CharField(
        max_length=20,
        required=False,
        label=_("Mobile number"),
        help_text=_("For an address in China: 11 digits starting with 1, for the courier."),
    )
    make_default = forms.BooleanField(required=False, label=_("Fill my cart with this address"))


class DeleteAccountForm(forms.Form):
    password = _password("current-password", _("Your password, to confirm"))
