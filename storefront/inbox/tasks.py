"""The inbox's background work: emailing a seller's answer to the buyer, in the store the task was sent to."""

from celery import Task, shared_task

from platform.kit.queueing import retry_later

from . import services


@shared_task(name=services.ANSWER_EMAIL_TASK, bind=True, ignore_result=True, acks_late=True)
def email_answer(self: Task, message_id: int, site_url: str) -> bool:
    """Safe to run twice: an answer already emailed is skipped."""
    try:
        return services.email_answer(message_id=message_id, site_url=site_url)
    except OSError as error:  # SMTP server down or refusing: try again later
        raise retry_later(self, error) from error
