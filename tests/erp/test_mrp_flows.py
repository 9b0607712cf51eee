"""An MRP run through the real Celery worker: started by the service, planned by the task `erp.mrp_run`, progress
visible to the caller; the task delivered twice changes nothing; two concurrent starts make one run."""

from decimal import Decimal as D

import pytest

from apps.core.errors import ConflictError
from apps.erp.models import MrpRun, PlannedOrder
from apps.erp.services.mrp.run import mrp_run_start
from apps.erp.tasks_mrp import mrp_run_task
from tests.conftest import race, wait_for
from tests.erp.mrp_world import odoo_shape


@pytest.mark.flow
def test_a_run_is_planned_by_the_celery_worker(celery_worker, company, user):
    _a, b, _c, _line = odoo_shape(company)
    run = mrp_run_start(company=company, actor=user)  # autocommit: the task is sent at once
    done = wait_for(lambda: MrpRun.objects.filter(pk=run.pk, status="done").first(), message="the run finishing")
    assert (done.items_planned, done.items_total, done.progress) == (3, 3, 100)
    assert done.started_at is not None
    assert done.finished_at >= done.started_at
    assert PlannedOrder.objects.get(run=run, item=b).quantity == D(400)
    # the task delivered again (acks late: a worker lost after finishing): the run is no longer queued
    assert mrp_run_task(run.pk) == "done"
    assert PlannedOrder.objects.filter(run=run).count() == 3
    assert MrpRun.objects.get(pk=run.pk).updated_at == done.updated_at


@pytest.mark.flow
def test_two_concurrent_starts_make_one_run(celery_worker, company):
    outcomes = race([lambda: mrp_run_start(company=company, actor=None)] * 2)
    assert sorted(type(o).__name__ if o != "ok" else "ok" for o in outcomes) == ["ConflictError", "ok"]
    assert all(o == "ok" or isinstance(o, ConflictError) for o in outcomes)
    run = MrpRun.objects.get(company=company)
    wait_for(lambda: MrpRun.objects.filter(pk=run.pk, status="done").exists(), message="the run finishing")
