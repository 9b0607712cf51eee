"""The Planner's home page: planned orders of the latest run to release, late ones apart (superseded runs and
released orders not counted); the demo has a `planner` user with the Planner role."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from apps.core.demo import seed
from apps.core.models import Membership
from apps.erp.services.mrp.release import planned_order_release
from tests.erp.factories import MrpRunFactory, PlannedOrderFactory

pytestmark = pytest.mark.django_db


def queues(client) -> dict[str, tuple[int, str]]:
    sections = client.get("/").context["sections"]
    return {q["tile"].label: (q["count"], q["url"]) for s in sections for q in s["queues"]}


def test_the_planner_sees_the_orders_to_release_and_the_late_ones_of_the_latest_run(client, company, make_user):
    old_run = MrpRunFactory(company=company)
    PlannedOrderFactory(company=company, run=old_run, is_late=True)  # superseded below: not counted
    run = MrpRunFactory(company=company)
    old_run.superseded_by = run
    old_run.save()
    on_time = PlannedOrderFactory(company=company, run=run)
    late = PlannedOrderFactory(company=company, run=run, is_late=True,
                               start_date=datetime.date(2020, 1, 1))
    released = PlannedOrderFactory(company=company, run=run, is_late=True, start_date=datetime.date(2020, 1, 1))
    planned_order_release(planned_order=released, actor=None)  # released: no longer waiting
    client.force_login(make_user(company, "Planner"))
    shown = queues(client)
    assert shown["Planned orders to release"][0] == 2
    assert shown["Late planned orders"][0] == 1
    listed = client.get(shown["Late planned orders"][1])
    assert [row.record.pk for row in listed.context["table"].page.object_list] == [late.pk]
    listed = client.get(shown["Planned orders to release"][1])
    assert {row.record.pk for row in listed.context["table"].page.object_list} == {on_time.pk, late.pk}
    superseded = client.get(reverse("erp:plannedorder_list"), {"status": "superseded"})
    assert [row.record.run_id for row in superseded.context["table"].page.object_list] == [old_run.pk]
    assert [row.get_cell("status") for row in superseded.context["table"].page.object_list] == ["Superseded"]


def test_the_sales_role_has_no_planning_queues(client, company, make_user):
    PlannedOrderFactory(company=company, is_late=True)
    client.force_login(make_user(company, "Sales"))
    assert "Planned orders to release" not in queues(client)


@pytest.mark.usefixtures("eur")
def test_the_demo_has_a_planner():
    demo = seed()
    planner = User.objects.get(username="planner")
    assert planner.check_password("planner")
    assert list(Membership.objects.filter(user=planner).values_list("company__code", "role__name")) == [
        ("DEMO", "Planner")]
    assert demo["users"]["planner"] == planner
