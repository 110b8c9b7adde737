"""Forms of the marketplace buyer pages; the rules on emails, passwords and addresses live in the services."""

from django import forms

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
    name = forms.CharField(max_length=NAME_MAX_LENGTH, required=False, label="Your name")
    password = _password("new-password")


class SignInForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = _password("current-password")


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class PasswordResetForm(forms.Form):
    new_password = _password("new-password", "New password")


class AddressForm(forms.Form):
    name = forms.CharField(max_length=200)
    line1 = forms.CharField(max_length=200, label="Address")
    line2 = forms.CharField(max_length=200, required=False, label="Address, second line")
    city = forms.CharField(max_length=100)
    region = forms.CharField(max_length=100, required=False, label="Region or state")
    postal_code = forms.CharField(max_length=20, label="Postal code")
    country = forms.CharField(max_length=2, min_length=2, label="Country (two-letter code)")


class DeleteAccountForm(forms.Form):
    password = _password("current-password", "Your password, to confirm")
