"""The dashboard's form for a new API token: a name and the scopes the person making it may grant."""

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tenants.models import Membership, Role

from .scopes import ALL_SCOPES, SCOPE_LABELS, grantable_scopes


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, label=_("Name"), help_text=_("What will use it, e.g. “stock sync” or “warehouse”.")
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=[(scope, format_lazy("{} — {}", scope, SCOPE_LABELS[scope])) for scope in ALL_SCOPES],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one scope for the token.")},
        help_text=_("Give a program only what it needs; a token's scopes cannot be changed later."),
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.grantable = grantable_scopes(membership.role)

    def clean_scopes(self) -> list[str]:
        # Judged here for a clear message next to the boxes; create_api_token checks the same rule again.
        chosen = self.cleaned_data["scopes"]
        beyond_role = [scope for scope in chosen if scope not in self.grantable]
        if beyond_role:
            role = str(Role(self.membership.role).label).lower()
            raise forms.ValidationError(
                gettext("As %(role)s you can't grant %(scopes)s: a token does no more than you can.")
                % {"role": role, "scopes": ", ".join(beyond_role)}
            )
        return chosen
