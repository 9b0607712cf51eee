"""Service cases: opened with a due time from the company's SLA, worked on, resolved, closed; and product
feedback from a case or an opportunity to engineering (`crm.feedback.submitted`, which PLM turns into a change
request).

SLA: a case is due `resolution_hours` calendar hours after it was opened, from the company's SLA row for its
priority, else `DEFAULT_SLA_HOURS` (urgent 4, high 8, normal 24, low 72). Changing the priority of an open case
moves its due time (still counted from the opening).
"""

import datetime

from django.db import transaction
from django.utils import timezone

from apps.core.audit import record_change, snapshot
from apps.core.errors import ConflictError, DomainError
from apps.core.models import Company, Party
from apps.core.numbering import next_number
from apps.core.services.records import record_delete
from apps.core.workflow import transition
from apps.crm.choices import CasePriority, CaseStatus, TimelineKind
from apps.crm.events import CASE_OPENED, CASE_RESOLVED, FEEDBACK_SUBMITTED, case_payload
from apps.crm.models import DEFAULT_SLA_HOURS, Opportunity, ServiceCase, SlaPolicy
from apps.crm.services.common import check_company, check_contact, check_customer, keep_fields
from apps.crm.services.timeline import announce

EDITABLE = ("contact", "subject", "description", "item", "lot", "priority", "owner")


def sla_hours(*, company: Company, priority: str) -> int:
    """Hours from opening to the due time of a case of this priority in this company."""
    hours = SlaPolicy.objects.filter(company=company, priority=priority).values_list("resolution_hours",
                                                                                     flat=True).first()
    return hours if hours is not None else DEFAULT_SLA_HOURS[CasePriority(priority)]


def _check(case: ServiceCase) -> None:
    company = case.company
    check_customer(case.customer, company)
    check_contact(case.contact, case.customer)
    check_company(company, item=case.item, lot=case.lot, owner=case.owner)
    if not (case.subject or "").strip():
        raise DomainError("subject", "Say in a few words what the case is about.", code="required")
    if case.priority not in CasePriority.values:
        raise DomainError("priority", f"One of {', '.join(CasePriority.values)}.", code="invalid_choice")
    if case.lot is not None:
        if case.item is None:
            case.item = case.lot.item
        elif case.lot.item_id != case.item_id:
            raise DomainError("lot", f"{case.lot} is a lot of {case.lot.item.number}, not of {case.item.number}.",
                              code="other_item")


def _due(case: ServiceCase) -> datetime.datetime:
    return case.opened_at + datetime.timedelta(hours=sla_hours(company=case.company, priority=case.priority))


@transaction.atomic
def case_create(*, company: Company, actor, customer: Party, subject: str, description: str = "",
                priority: str = CasePriority.NORMAL, contact=None, item=None, lot=None, owner=None) -> ServiceCase:
    """Open a case (number `CS-2026-00001`), due by the SLA of its priority (`crm.case.opened`)."""
    case = ServiceCase(company=company, customer=customer, subject=(subject or "").strip(), description=description,
                       priority=priority, contact=contact, item=item, lot=lot,
                       owner=owner or (actor if getattr(actor, "pk", None) else None), opened_at=timezone.now())
    _check(case)
    case.due_at = _due(case)
    case.number = next_number(company=company, doc_type="CS")
    case.save()
    record_change(case, actor=actor, action="create")
    announce(CASE_OPENED, subject=case, customer=case.customer, payload=case_payload(case),
             kind=TimelineKind.CASE_OPENED, title=f"Case {case.number} opened: {case.subject}", reference=case.number)
    return case


def _lock(case: ServiceCase) -> ServiceCase:
    return ServiceCase.objects.select_for_update(of=("self",)).select_related("company", "customer").get(pk=case.pk)


@transaction.atomic
def case_update(*, instance: ServiceCase, actor, **fields) -> ServiceCase:
    """Change an open case; a new priority moves the due time (counted from the opening)."""
    case = _lock(instance)
    if not case.is_open:
        raise ConflictError("status", f"{case.number} is {case.get_status_display().lower()}: reopen it first.",
                            code="locked")
    fields.pop("customer", None)  # a case stays with its customer
    before = snapshot(case)
    for name, value in keep_fields(fields, EDITABLE).items():
        setattr(case, name, value)
    _check(case)
    case.due_at = _due(case)
    case.save()
    record_change(case, actor=actor, action="update", before=before)
    return case


@transaction.atomic
def case_delete(*, instance: ServiceCase, actor) -> None:
    """Delete a case entered by mistake: only while it is new (work on it is history)."""
    case = _lock(instance)
    if case.status != CaseStatus.NEW:
        raise ConflictError("status", f"{case.number} is {case.get_status_display().lower()}: close it instead.",
                            code="locked")
    record_delete(instance=case, actor=actor)


def _step(verb: str, doc: str):
    @transaction.atomic
    def step(*, case: ServiceCase, actor) -> ServiceCase:
        locked = _lock(case)
        before = snapshot(locked)
        transition(locked, verb=verb)
        if verb == "reopen":
            locked.resolved_at = None
        locked.save()
        record_change(locked, actor=actor, action=verb, before=before)
        return locked

    step.__name__ = f"case_{verb}"
    step.__doc__ = doc
    return step


case_start = _step("start", "Start working on a case (also after waiting for the customer).")
case_wait = _step("wait", "Wait for the customer's answer.")
case_close = _step("close", "Close a resolved case for good.")
case_reopen = _step("reopen", "The problem came back: work on the resolved case again.")


@transaction.atomic
def case_resolve(*, case: ServiceCase, actor, resolution: str = "") -> ServiceCase:
    """Resolved, saying how (`crm.case.resolved`)."""
    locked = _lock(case)
    before = snapshot(locked)
    transition(locked, verb="resolve")
    locked.resolved_at = timezone.now()
    locked.resolution = (resolution or "").strip()
    locked.save()
    record_change(locked, actor=actor, action="resolve", before=before)
    announce(CASE_RESOLVED, subject=locked, customer=locked.customer, payload=case_payload(locked),
             kind=TimelineKind.CASE_RESOLVED, reference=locked.number,
             title=f"Case {locked.number} resolved" + (f": {locked.resolution}" if locked.resolution else ""))
    return locked


# ---- feedback to engineering ---------------------------------------------------------------------------------
def _feedback(*, subject, customer: Party, reference: str, description: str, items, actor) -> None:
    """Emit `crm.feedback.submitted` with exactly the payload PLM's handler reads: item numbers, description,
    reference. The customer and who reported it go into the description."""
    text = (description or "").strip()
    if not text:
        raise DomainError("description", "Describe what the customer reported.", code="required")
    items = list(items or [])
    if not items:
        raise DomainError("items", "Name the product(s) the feedback is about.", code="required")
    check_company(subject.company, **{f"items.{i}": item for i, item in enumerate(items)})
    reporter = getattr(actor, "username", None) or "system"
    payload = {"item_numbers": sorted({item.number for item in items}),
               "description": f"{text}\n\nCustomer: {customer.number} {customer.name}. Reported by {reporter} on "
                              f"{reference}.",
               "reference": reference}
    record_change(subject, actor=actor, action="submit_feedback", before=None,
                  after={"item_numbers": payload["item_numbers"], "description": text})
    announce(FEEDBACK_SUBMITTED, subject=subject, customer=customer, payload=payload, kind=TimelineKind.FEEDBACK,
             title=f"Feedback to engineering on {', '.join(payload['item_numbers'])} ({reference})",
             reference=reference)


@transaction.atomic
def case_submit_feedback(*, case: ServiceCase, actor, description: str, items=None) -> ServiceCase:
    """Tell engineering about a product problem found in a case (default product: the case's)."""
    items = list(items or ([case.item] if case.item_id else []))
    _feedback(subject=case, customer=case.customer, reference=case.number, description=description, items=items,
              actor=actor)
    return case


@transaction.atomic
def opportunity_submit_feedback(*, opportunity: Opportunity, actor, description: str, items=None) -> Opportunity:
    """Tell engineering what a prospect needs from a product (a missing option, a competitor's feature)."""
    _feedback(subject=opportunity, customer=opportunity.customer, reference=opportunity.number,
              description=description, items=items, actor=actor)
    return opportunity
