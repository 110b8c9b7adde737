"""Finding a person's account by email, or making it: the one place a password is checked or first set."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from .models import User


def normalize_email(email: str) -> str:
    return User.objects.normalize_email(email.strip()).lower()


def find_or_create_user(*, email: str, password: str, wrong_password: ValidationError) -> User:
    """The account of ``email`` when ``password`` is its password, or a new account with that password.

    Call inside the transaction of what the account is for, so a refusal further on leaves no account behind.
    Errors are keyed by field: ``{"password": [...]}`` for a weak new password, and the caller's own
    ``wrong_password`` for an existing account's wrong one (sign-up words it so as not to tell who has an account).
    """
    email = normalize_email(email)
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        if not user.check_password(password):
            raise wrong_password
        return user
    try:
        password_validation.validate_password(password, User(email=email))
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    return User.objects.create_user(email=email, password=password)
