"""Background work on stores (public schema)."""

from celery import shared_task
from django.core.exceptions import ValidationError

from platform.kit.queueing import send_to_every_store

from .models import ProvisioningJob
from .schema_pool import refill_pool


@shared_task(name="tenants.refill_schema_pool", ignore_result=True)
def refill_schema_pool() -> int:
    """Top the pool of ready schemas up after signups, and rebuild it after migrations change."""
    return refill_pool()


@shared_task(name="tenants.run_provisioning_job", ignore_result=True)
def run_provisioning_job(job_id: str) -> None:
    """Make the store a signup asked for; the signup's progress page polls the job. Safe to run twice."""
    from .services import ProvisioningError, provision_store

    job = ProvisioningJob.objects.select_related("user").get(pk=job_id)
    if job.status in (ProvisioningJob.Status.DONE, ProvisioningJob.Status.FAILED):
        return
    ProvisioningJob.objects.filter(pk=job.pk).update(status=ProvisioningJob.Status.RUNNING)
    try:
        store = provision_store(name=job.name, slug=job.slug, owner=job.user)
    except ValidationError as error:
        job.status, job.error = ProvisioningJob.Status.FAILED, " ".join(error.messages)[:300]
    except ProvisioningError as error:
        job.status, job.error = ProvisioningJob.Status.FAILED, str(error)[:300]
    else:
        job.status, job.store = ProvisioningJob.Status.DONE, store
    job.save(update_fields=["status", "error", "store", "updated_at"])


@shared_task(name="tenants.dispatch_store_stats", ignore_result=True)
def dispatch_store_stats() -> int:
    """Send each store's stats task (storefront.stats) to run in its schema; returns how many were sent."""
    return send_to_every_store("storefront.gather_store_stats_for_store")
