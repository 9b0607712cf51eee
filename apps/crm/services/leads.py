"""Leads: created, contacted, qualified into a customer + contact + opportunity in one step, disqualified, and
duplicates merged.

Duplicates are leads of the same company with the same e-mail (case-insensitive) or the same company name once
normalized (`company_key`: lower case, accents and punctuation dropped, legal forms such as Ltd, GmbH, Inc
removed: "ACME Ltd." = "Acme"). Merging keeps one lead, fills its blanks from the duplicate, moves the
duplicate's activities to it and disqualifies the duplicate, pointing at the lead it was merged into.
"""

import re
import unicodedata
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.audit import record_change, snapshot
from apps.core.errors import ConflictError, DomainError
from apps.core.models import Company, Party
from apps.core.services.parties import party_create
from apps.core.services.records import record_delete
from apps.core.workflow import transition
from apps.crm.choices import LeadSource, LeadStatus
from apps.crm.models import Lead
from apps.crm.services.activities import activities_move
from apps.crm.services.common import check_company, check_customer, keep_fields
from apps.crm.services.customers import contact_ensure, customer_profile_ensure
from apps.crm.services.pipeline import opportunity_create

LEGAL_FORMS = frozenset({
    "ab", "ag", "as", "bv", "co", "company", "corp", "corporation", "gmbh", "inc", "incorporated", "kg", "limited",
    "llc", "ltd", "nv", "oy", "plc", "sa", "sarl", "sas", "spa", "srl", "the",
})
EDITABLE = ("name", "company_name", "email", "phone", "source", "owner", "notes")
OPEN = (LeadStatus.NEW, LeadStatus.CONTACTED)


def company_key(name: str) -> str:
    """A company name reduced for comparison: "ACME Ltd." → "acme", "Müller & Söhne GmbH" → "muller and sohne"."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", " ", text.replace("&", " and "))
    return " ".join(word for word in text.split() if word not in LEGAL_FORMS)[:200]


def _clean(lead: Lead) -> None:
    lead.name, lead.company_name = (lead.name or "").strip(), (lead.company_name or "").strip()
    lead.email = (lead.email or "").strip()
    if not lead.name:
        raise DomainError("name", "Give the name of the person.", code="required")
    check_company(lead.company, owner=lead.owner)
    lead.company_key = company_key(lead.company_name)
    lead.full_clean()


@transaction.atomic
def lead_create(*, company: Company, actor, name: str, company_name: str = "", email: str = "", phone: str = "",
                source: str = LeadSource.OTHER, owner=None, notes: str = "") -> Lead:
    """A new lead (owner: the actor by default); duplicates are shown, not refused (see `lead_duplicates`)."""
    lead = Lead(company=company, name=name, company_name=company_name, email=email, phone=phone, source=source,
                owner=owner or (actor if getattr(actor, "pk", None) else None), notes=notes)
    _clean(lead)
    lead.save()
    record_change(lead, actor=actor, action="create")
    return lead


def _lock(*leads: Lead) -> list[Lead]:
    """Lock leads in id order (two merges of the same pair cannot deadlock)."""
    locked = {lead.pk: lead for lead in Lead.objects.select_for_update().filter(pk__in=[x.pk for x in leads])
              .order_by("pk")}
    return [locked[lead.pk] for lead in leads]


def _require_open(lead: Lead, doing: str) -> None:
    if lead.status not in OPEN:
        raise ConflictError("status", f"{lead} is {lead.get_status_display().lower()}: it can no longer be {doing}.",
                            code="locked", extra={"current": lead.status, "allowed_transitions": []})


@transaction.atomic
def lead_update(*, instance: Lead, actor, **fields) -> Lead:
    """Change an open lead."""
    (lead,) = _lock(instance)
    _require_open(lead, "changed")
    before = snapshot(lead)
    for name, value in keep_fields(fields, EDITABLE).items():
        setattr(lead, name, value)
    _clean(lead)
    lead.save()
    record_change(lead, actor=actor, action="update", before=before)
    return lead


@transaction.atomic
def lead_delete(*, instance: Lead, actor) -> None:
    """Delete an open lead (qualified and merged ones are history)."""
    _require_open(instance, "deleted")
    record_delete(instance=instance, actor=actor)


@transaction.atomic
def lead_contact(*, lead: Lead, actor) -> Lead:
    """We reached the person."""
    (locked,) = _lock(lead)
    before = snapshot(locked)
    transition(locked, verb="contact")
    locked.save()
    record_change(locked, actor=actor, action="contact", before=before)
    return locked


@transaction.atomic
def lead_disqualify(*, lead: Lead, actor, reason: str = "") -> Lead:
    """Not a prospect (no budget, no need, a competitor …)."""
    (locked,) = _lock(lead)
    before = snapshot(locked)
    transition(locked, verb="disqualify")
    locked.disqualified_reason = (reason or "").strip()[:200]
    locked.save()
    record_change(locked, actor=actor, action="disqualify", before=before)
    return locked


def _customer_for(lead: Lead, actor) -> Party:
    """The customer a lead becomes: an existing customer party of the same name or e-mail, else a new one."""
    company = lead.company
    name = lead.company_name or lead.name
    customers = Party.objects.filter(company=company, is_customer=True)
    existing = customers.filter(name__iexact=name).first()
    if existing is None and lead.email:
        existing = customers.filter(email__iexact=lead.email).first()
    if existing is not None:
        return existing
    return party_create(company=company, actor=actor, name=name, is_customer=True,
                        kind="organization" if lead.company_name else "person", email=lead.email, phone=lead.phone)


@transaction.atomic
def lead_qualify(*, lead: Lead, actor, customer: Party | None = None, title: str = "",
                 amount: Decimal | None = None, currency=None, expected_close=None, stage=None) -> Lead:
    """In one step: the customer (the one given, an existing party of the same name or e-mail, or a new one) with
    its CRM profile, the person as its contact, and an opportunity. A lead is qualified once (then 409)."""
    (locked,) = _lock(lead)
    before = snapshot(locked)
    transition(locked, verb="qualify")
    company = locked.company
    if customer is not None:
        check_customer(customer, company)
    customer = customer or _customer_for(locked, actor)
    customer_profile_ensure(party=customer, actor=actor, owner=locked.owner)
    contact = contact_ensure(party=customer, actor=actor, name=locked.name, email=locked.email, phone=locked.phone)
    opportunity = opportunity_create(
        company=company, actor=actor, customer=customer, contact=contact, owner=locked.owner or actor,
        title=title or f"{customer.name}: {locked.get_source_display().lower()} lead", amount=amount or Decimal(0),
        currency=currency, expected_close=expected_close, stage=stage, notes=locked.notes)
    locked.customer, locked.contact, locked.opportunity = customer, contact, opportunity
    locked.qualified_at = timezone.now()
    locked.save()
    record_change(locked, actor=actor, action="qualify", before=before)
    return locked


@transaction.atomic
def lead_merge(*, lead: Lead, duplicate: Lead, actor) -> Lead:
    """Merge `duplicate` into `lead`: blanks filled, notes joined, activities moved; the duplicate is disqualified
    and points at `lead`. The duplicate must be open (a qualified lead is history) and `lead` not disqualified."""
    if duplicate.pk == lead.pk:
        raise DomainError("duplicate", "A lead cannot be merged into itself.", code="same_lead")
    keep, gone = _lock(lead, duplicate)
    if gone.company_id != keep.company_id:
        raise DomainError("duplicate", "Belongs to another company.")
    _require_open(gone, "merged into another lead")
    if keep.status == LeadStatus.DISQUALIFIED:
        raise ConflictError("status", f"{keep} is disqualified: merge into an active lead.", code="locked",
                            extra={"current": keep.status, "allowed_transitions": []})
    keep_before, gone_before = snapshot(keep), snapshot(gone)
    if keep.status in OPEN:
        for name in ("company_name", "email", "phone", "owner"):
            if not getattr(keep, name) and getattr(gone, name):
                setattr(keep, name, getattr(gone, name))
        if gone.notes:
            keep.notes = f"{keep.notes}\n\n{gone.notes}".strip()
        keep.company_key = company_key(keep.company_name)
        keep.save()
    activities_move(from_record=gone, to_record=keep)
    gone.status = LeadStatus.DISQUALIFIED
    gone.merged_into = keep
    gone.disqualified_reason = f"Duplicate of lead {keep.pk}, merged."
    gone.save()
    record_change(gone, actor=actor, action="merged", before=gone_before)
    record_change(keep, actor=actor, action="merge", before=keep_before,
                  after={**snapshot(keep), "merged_lead": gone.pk})
    return keep

