"""Celery tasks of SCM; thin wrappers over services."""

from celery import shared_task

from apps.scm.services.replenishment import replenishment_run


@shared_task(name="scm.propose_replenishment")
def propose_replenishment(company_id: int | None = None) -> list[str]:
    """Periodic: propose requisitions for items whose projected stock fell below their reorder minimum."""
    from apps.core.models import Company

    company = Company.objects.get(pk=company_id) if company_id else None
    return [r.number for r in replenishment_run(company=company)]
