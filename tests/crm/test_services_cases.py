"""Service cases: SLA due times per priority (defaults and the company's table), lots of the same item and
company, resolving; activities; feedback to engineering carries exactly PLM's payload."""

import datetime

import pytest
from django.utils import timezone

from apps.core.errors import ConflictError, DomainError
from apps.core.models import Event
from apps.crm.models import Activity, TimelineEntry
from apps.crm.services.activities import activities_mark_overdue, activity_create, activity_update
from apps.crm.services.cases import (
    case_close,
    case_create,
    case_reopen,
    case_resolve,
    case_start,
    case_submit_feedback,
    case_update,
    opportunity_submit_feedback,
    sla_hours,
)
from apps.crm.services.pipeline import opportunity_create
from apps.crm.tasks import mark_overdue_activities
from tests.crm.factories import LeadFactory, ReleasedItemFactory, SlaPolicyFactory
from tests.scm.factories import LotFactory

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


@pytest.mark.parametrize(("priority", "hours"), [("urgent", 4), ("high", 8), ("normal", 24), ("low", 72)])
def test_a_case_is_due_by_the_default_sla_of_its_priority(priority, hours, company, customer, sales):
    case = case_create(company=company, actor=sales, customer=customer, subject="Noise", priority=priority)
    assert case.due_at - case.opened_at == hours * HOUR
    assert case.number.startswith(f"CS-{timezone.localdate().year}-")


def test_the_companys_sla_table_wins_and_a_new_priority_moves_the_due_time(company, other_company, customer, sales):
    SlaPolicyFactory(company=company, priority="high", resolution_hours=6)
    SlaPolicyFactory(company=other_company, priority="normal", resolution_hours=1)
    assert (sla_hours(company=company, priority="high"), sla_hours(company=company, priority="normal")) == (6, 24)
    case = case_create(company=company, actor=sales, customer=customer, subject="Noise", priority="high")
    assert case.due_at - case.opened_at == 6 * HOUR
    case = case_update(instance=case, actor=sales, priority="low")
    assert case.due_at - case.opened_at == 72 * HOUR


def test_the_lot_must_be_of_the_product_and_the_company(company, other_company, customer, product, sales):
    lot = LotFactory(company=company, item=product, code="SN-1")
    case = case_create(company=company, actor=sales, customer=customer, subject="Stops", lot=lot)
    assert case.item == product  # the product follows from the lot
    assert case.genealogy_url == "/mes/genealogy/?lot=SN-1"
    other_item = ReleasedItemFactory(company=company)
    with pytest.raises(DomainError) as caught:
        case_create(company=company, actor=sales, customer=customer, subject="Stops", item=other_item, lot=lot)
    assert (caught.value.field, caught.value.code) == ("lot", "other_item")
    with pytest.raises(DomainError) as caught:
        case_create(company=company, actor=sales, customer=customer, subject="Stops",
                    lot=LotFactory(company=other_company))
    assert caught.value.message == "Belongs to another company."


def test_the_case_workflow_with_timeline_entries_for_opening_and_resolving(company, customer, sales):
    case = case_create(company=company, actor=sales, customer=customer, subject="Noise")
    case = case_start(case=case, actor=sales)
    case = case_resolve(case=case, actor=sales, resolution="Tightened the bolts")
    assert (case.status, case.resolution, case.overdue) == ("resolved", "Tightened the bolts", False)
    with pytest.raises(ConflictError):
        case_update(instance=case, actor=sales, subject="x")
    case = case_reopen(case=case, actor=sales)
    assert (case.status, case.resolved_at) == ("in_progress", None)
    case = case_close(case=case_resolve(case=case, actor=sales), actor=sales)
    assert case.status == "closed"
    assert list(Event.objects.order_by("id").values_list("name", flat=True)) == [
        "crm.case.opened", "crm.case.resolved", "crm.case.resolved"]
    assert TimelineEntry.objects.filter(customer=customer).count() == 3


def test_an_open_case_past_its_due_time_is_overdue(company, customer, sales):
    case = case_create(company=company, actor=sales, customer=customer, subject="Noise", priority="urgent")
    case.opened_at -= 5 * HOUR
    case.due_at -= 5 * HOUR
    assert case.overdue


def test_feedback_from_a_case_emits_exactly_the_payload_plm_reads(company, customer, product, sales):
    case = case_create(company=company, actor=sales, customer=customer, subject="Paint flakes", item=product)
    case_submit_feedback(case=case, actor=sales, description="Paint flakes off after a month.")
    event = Event.objects.get(name="crm.feedback.submitted")
    assert (event.subject_type, event.subject_id) == ("crm.servicecase", str(case.pk))
    assert event.payload == {
        "item_numbers": ["TR-1"],
        "description": f"Paint flakes off after a month.\n\nCustomer: {customer.number} Tractors Inc. Reported by "
                       f"sally on {case.number}.",
        "reference": case.number,
    }
    assert TimelineEntry.objects.get(customer=customer, kind="feedback").source_event_id == event.pk


def test_feedback_needs_a_description_and_a_product(company, customer, product, sales, stages):
    opportunity = opportunity_create(company=company, actor=sales, customer=customer, title="Fleet")
    with pytest.raises(DomainError) as caught:
        opportunity_submit_feedback(opportunity=opportunity, actor=sales, description="Needs a cab")
    assert caught.value.field == "items"
    with pytest.raises(DomainError) as caught:
        opportunity_submit_feedback(opportunity=opportunity, actor=sales, description=" ", items=[product])
    assert caught.value.field == "description"
    assert not Event.objects.filter(name="crm.feedback.submitted").exists()
    opportunity_submit_feedback(opportunity=opportunity, actor=sales, description="Needs a cab", items=[product])
    assert Event.objects.get(name="crm.feedback.submitted").payload["reference"] == opportunity.number


def test_activities_are_about_records_of_the_company_and_flagged_overdue(company, other_company, customer, sales,
                                                                         stages):
    now = timezone.now()
    opportunity = opportunity_create(company=company, actor=sales, customer=customer, title="Fleet")
    late = activity_create(company=company, actor=sales, subject="Call", due_at=now + HOUR,
                           target_type="crm.opportunity", target_id=opportunity.pk)
    assert (late.customer, late.owner, late.target, late.is_overdue) == (customer, sales, opportunity, False)
    Activity.objects.filter(pk=late.pk).update(due_at=now - HOUR)
    done = activity_create(company=company, actor=sales, subject="Mail", due_at=now - HOUR, done=True)
    assert (done.done_at is not None, done.is_overdue, done.customer) == (True, False, None)
    assert activities_mark_overdue() == 1
    assert mark_overdue_activities() == 0  # the task: already flagged
    late.refresh_from_db()
    assert late.is_overdue
    late = activity_update(instance=late, actor=sales, done=True)
    assert (late.is_overdue, late.done_at is not None) == (False, True)
    with pytest.raises(DomainError) as caught:
        activity_create(company=company, actor=sales, subject="X", due_at=now, target_type="crm.lead",
                        target_id=LeadFactory(company=other_company).pk)
    assert caught.value.field == "target_id"
    with pytest.raises(DomainError) as caught:
        activity_create(company=company, actor=sales, subject="X", due_at=now, target_type="plm.item", target_id=1)
    assert caught.value.field == "target_type"
