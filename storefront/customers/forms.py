"""Forms of the buyer's account pages; the rules on emails and passwords live in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import NAME_MAX_LENGTH, PASSWORD_MAX_LENGTH


def _password(autocomplete: str, label: str = "Password") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class SignUpForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    name = forms.CharField(max_length=NAME_MAX_LENGTH, required=False, label=_("Your name"))
    password = _password("new-password")


class SignInForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = _password("current-password")


class PasswordChangeForm(forms.Form):
    current_password = _password("current-password", "Current password")
    new_password = _password("new-password", "New password")


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class PasswordResetForm(forms.Form):
    new_password = _password("new-password", "New password")
