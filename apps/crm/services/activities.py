"""Activities: created about a CRM record or a customer of the same company, done, and marked overdue."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from apps.core.audit import record_change, snapshot
from apps.core.errors import DomainError
from apps.core.models import Company, Party
from apps.crm.models import ACTIVITY_TARGETS, Activity, CustomerProfile
from apps.crm.services.common import check_company, check_customer, keep_fields

EDITABLE = ("kind", "subject", "notes", "due_at", "owner", "done")


def _target(company: Company, target_type: str | None, target_id, customer: Party | None):
    """(content type, id, customer) of what the activity is about: a CRM record or a customer party of the company.

    Without a target the activity is about the customer given (or about nothing: a plain task)."""
    if not target_type:
        if target_id:
            raise DomainError("target_type", "Say what kind of record target_id is.", code="required")
        if customer is None:
            return None, None, None
        check_customer(customer, company)
        return ContentType.objects.get_for_model(Party), customer.pk, customer
    label = str(target_type).lower()
    if label not in ACTIVITY_TARGETS:
        raise DomainError("target_type", f"An activity is about one of {', '.join(ACTIVITY_TARGETS)}.",
                          code="invalid_choice")
    content_type = ContentType.objects.get_by_natural_key(*label.split("."))
    record = content_type.model_class()._default_manager.filter(pk=target_id or 0, company=company).first()
    if record is None:
        raise DomainError("target_id", f"No {content_type.name} {target_id} in {company.code}.", code="does_not_exist")
    if isinstance(record, Party):
        check_customer(record, company, "target_id")
        about = record
    elif isinstance(record, CustomerProfile):
        about = record.party
    else:
        about = getattr(record, "customer", None)  # a lead has one once qualified
    if customer is not None and about is not None and customer.pk != about.pk:
        raise DomainError("customer", f"{record} is about {about.name}, not {customer.name}.", code="other_customer")
    return content_type, record.pk, about or customer


@transaction.atomic
def activity_create(*, company: Company, actor, subject: str, due_at: datetime.datetime, kind: str = "task",
                    owner=None, notes: str = "", done: bool = False, target_type: str | None = None,
                    target_id: int | None = None, customer: Party | None = None) -> Activity:
    """Plan a call, e-mail, meeting or task (owner: the actor by default) about a record or customer."""
    content_type, object_id, about = _target(company, target_type, target_id, customer)
    owner = owner or (actor if getattr(actor, "pk", None) else None)
    check_company(company, owner=owner)
    if not (subject or "").strip():
        raise DomainError("subject", "Say what the activity is.", code="required")
    now = timezone.now()
    activity = Activity(company=company, kind=kind, subject=subject.strip(), notes=notes, due_at=due_at, owner=owner,
                        done=done, done_at=now if done else None, target_type=content_type, target_id=object_id,
                        customer=about)
    activity.is_overdue = not done and due_at < now
    activity.full_clean()
    activity.save()
    record_change(activity, actor=actor, action="create")
    return activity


@transaction.atomic
def activity_update(*, instance: Activity, actor, **fields) -> Activity:
    """Change an activity; marking it done records when, reopening it clears that."""
    activity = Activity.objects.select_for_update().get(pk=instance.pk)
    before = snapshot(activity)
    fields = keep_fields({k: v for k, v in fields.items() if k not in ("target_type", "target_id", "customer")},
                         EDITABLE)
    check_company(activity.company, owner=fields.get("owner"))
    for name, value in fields.items():
        setattr(activity, name, value)
    if activity.done and activity.done_at is None:
        activity.done_at = timezone.now()
    elif not activity.done:
        activity.done_at = None
    activity.is_overdue = not activity.done and activity.due_at < timezone.now()
    activity.full_clean()
    activity.save()
    record_change(activity, actor=actor, action="update", before=before)
    return activity


@transaction.atomic
def activity_complete(*, activity: Activity, actor) -> Activity:
    """Mark an activity done."""
    return activity_update(instance=activity, actor=actor, done=True)


def activities_mark_overdue(*, now: datetime.datetime | None = None) -> int:
    """The periodic task: flag open activities past their due time (a status flag, not a business change, so
    one UPDATE and no audit records). Returns how many were flagged."""
    now = now or timezone.now()
    return Activity.objects.filter(done=False, is_overdue=False, due_at__lt=now).update(is_overdue=True,
                                                                                        updated_at=now)


def activities_move(*, from_record, to_record) -> int:
    """Re-point the activities about one record to another of the same kind (merging duplicates)."""
    content_type = ContentType.objects.get_for_model(type(from_record))
    return Activity.objects.filter(target_type=content_type, target_id=from_record.pk).update(
        target_id=to_record.pk, customer=getattr(to_record, "customer", None), updated_at=timezone.now())
