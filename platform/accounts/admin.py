"""Django admin for platform accounts, and the console's sign-in form, which shares the sign-in lockout."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError

from . import signin_guard
from .models import User


class GuardedAdminLoginForm(AdminAuthenticationForm):
    """The console's sign-in: wrong passwords count against the account (and address) like any other sign-in."""

    def clean(self) -> dict:
        account = signin_guard.platform_account(self.cleaned_data.get("username") or "")
        if self.request is not None and signin_guard.is_locked(self.request, account=account):
            raise ValidationError(
                f"Too many attempts. For your security, please wait {signin_guard.WINDOW_MINUTES} minutes and try "
                "again.",
                code="locked",
            )
        try:
            return super().clean()
        except ValidationError as error:
            if error.code == "invalid_login" and self.request is not None:
                signin_guard.record_failure(self.request, account=account)
            raise


admin.site.login_form = GuardedAdminLoginForm


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("email", "full_name", "is_staff", "is_active", "date_joined")
    search_fields = ("email", "full_name")
    list_filter = ("is_staff", "is_active")
    readonly_fields = ("date_joined", "last_login")
    exclude = ("password",)
