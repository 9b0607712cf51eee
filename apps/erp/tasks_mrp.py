"""Celery task of ERP's MRP: thin, it calls the service."""

from celery import shared_task


@shared_task(name="erp.mrp_run")
def mrp_run_task(run_id: int) -> str:
    """Plan a queued MRP run; a run no longer queued (cancelled, or this is a redelivery) is left as it is."""
    from apps.erp.models import MrpRun
    from apps.erp.services.mrp.run import mrp_run_execute

    run = MrpRun.objects.filter(pk=run_id).first()
    if run is None:
        return "missing"
    return mrp_run_execute(run=run).status
