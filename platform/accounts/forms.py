"""Forms of the platform site's account pages."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tenants.validators import SLUG_MAX_LENGTH


class SignupForm(forms.Form):
    email = forms.EmailField(max_length=254, label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        min_length=1,
        max_length=128,
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    store_name = forms.CharField(max_length=100, label=_("Store name"))
    # Optional: left empty, the view takes the free one suggested from the store name (tenants.selectors).
    slug = forms.CharField(
        max_length=SLUG_MAX_LENGTH + 20,
        label=_("Subdomain"),
        required=False,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read per form, not at import: the base domain is a setting (and tests change it).
        self.fields["slug"].help_text = gettext(
            "Your store's address: your-subdomain.%(base_domain)s. Lowercase letters, digits and hyphens; leave it "
            "empty and one is made from the store name."
        ) % {"base_domain": settings.BASE_DOMAIN}


class SignupConfirmForm(forms.Form):
    slug = forms.CharField(
        max_length=SLUG_MAX_LENGTH + 20,
        label=_("Subdomain"),
        help_text=_("Change it only if the one you chose was taken meanwhile."),
    )


class LoginForm(forms.Form):
    email = forms.EmailField(max_length=254, label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        max_length=128, label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, with the email sent by a Celery task instead of inside the request."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict,
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from django.conf import settings
        from django.template import loader

        from platform.kit.queueing import enqueue_for_store

        from .tasks import send_email

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        enqueue_for_store(
            send_email,
            schema_name=settings.PUBLIC_SCHEMA_NAME,
            kwargs={"to": to_email, "subject": subject, "body": body},
        )
