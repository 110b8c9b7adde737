"""The beat's retry of task messages the broker could not take."""

from celery import shared_task

from .services import resend_unsent


@shared_task(name="unsent_tasks.resend", ignore_result=True)
def resend_unsent_tasks() -> int:
    return resend_unsent()
