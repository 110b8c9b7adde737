"""Email sending off the request path."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail


@shared_task(name="accounts.send_email", bind=True, ignore_result=True)
def send_email(self, *, to: str, subject: str, body: str) -> None:  # type: ignore[no-untyped-def]
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except OSError as error:  # SMTP server down or refusing: try again later
        raise self.retry_later(error) from error
