"""Email sending off the request path."""

from celery import Task, shared_task
from django.conf import settings
from django.core.mail import send_mail

from platform.kit.mail import store_email
from platform.kit.queueing import retry_later


@shared_task(name="accounts.send_email", bind=True, ignore_result=True)
def send_email(self: Task, *, to: str, subject: str, body: str, from_name: str = "", reply_to: str = "") -> None:
    """Send a plain-text email; with ``from_name`` it is sent in that store's name (platform.kit.mail)."""
    try:
        if from_name:
            store_email(store_name=from_name, reply_to=reply_to, to=to, subject=subject, text=body).send()
        else:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except OSError as error:  # SMTP server down or refusing: try again later
        raise retry_later(self, error) from error
