"""Customers: segments and the CRM profile of a customer party (owner, segment, industry, credit limit)."""

from decimal import Decimal

from django.db import transaction

from apps.core.audit import record_change
from apps.core.errors import ConflictError, DomainError
from apps.core.models import Company, ContactPerson, Party, PartyAddress
from apps.core.services.parties import party_create
from apps.core.services.records import record_create, record_update
from apps.crm.models import CustomerProfile, Segment
from apps.crm.services.common import check_company, check_customer, keep_fields

PROFILE_FIELDS = ("owner", "segment", "industry", "credit_limit", "notes")


def _check_profile(company: Company, fields: dict) -> None:
    check_company(company, owner=fields.get("owner"), segment=fields.get("segment"))
    limit = fields.get("credit_limit")
    if limit is not None and Decimal(limit) < 0:
        raise DomainError("credit_limit", "The credit limit cannot be negative.", code="min_value")


@transaction.atomic
def segment_create(*, company: Company, actor, name: str, description: str = "") -> Segment:
    """A new customer segment of the company."""
    if not (name or "").strip():
        raise DomainError("name", "Give the segment a name.", code="required")
    return record_create(model=Segment, actor=actor, company=company, name=name.strip(), description=description)


@transaction.atomic
def customer_profile_create(*, company: Company, actor, party: Party, **fields) -> CustomerProfile:
    """Give a customer party its CRM profile (one per party)."""
    check_customer(party, company, "party")
    fields = keep_fields(fields, PROFILE_FIELDS)
    _check_profile(company, fields)
    if CustomerProfile.objects.filter(party=party).exists():
        raise ConflictError("party", f"{party} already has a CRM profile.", code="exists")
    return record_create(model=CustomerProfile, actor=actor, company=company, party=party, **fields)


@transaction.atomic
def customer_profile_update(*, instance: CustomerProfile, actor, **fields) -> CustomerProfile:
    """Change a customer's CRM data (the party it belongs to never changes)."""
    fields.pop("party", None)
    fields = keep_fields(fields, PROFILE_FIELDS)
    _check_profile(instance.company, fields)
    return record_update(instance=instance, actor=actor, **fields)


@transaction.atomic
def customer_profile_ensure(*, party: Party, actor, owner=None) -> CustomerProfile:
    """The party's CRM profile, created (with `owner`) when it has none yet."""
    profile = CustomerProfile.objects.filter(party=party).first()
    if profile is not None:
        return profile
    return customer_profile_create(company=party.company, actor=actor, party=party, owner=owner)


@transaction.atomic
def customer_create(*, company: Company, actor, name: str, kind: str = "organization", email: str = "",
                    phone: str = "", tax_id: str = "", currency=None, addresses: list[dict] | None = None,
                    contacts: list[dict] | None = None, **profile) -> CustomerProfile:
    """A new customer in one step: the party (with addresses and contacts) and its CRM profile."""
    party_fields = {"kind": kind, "email": email, "phone": phone, "tax_id": tax_id, "currency": currency,
                    "addresses": addresses or [], "contacts": contacts or []}
    party = party_create(company=company, actor=actor, name=name, is_customer=True,
                         **{k: v for k, v in party_fields.items() if v not in (None, "")})
    return customer_profile_create(company=company, actor=actor, party=party, **profile)


def contact_ensure(*, party: Party, actor, name: str, email: str = "", phone: str = "",
                   role: str = "") -> ContactPerson:
    """The party's contact with this e-mail (case-insensitive) or, without one, this name; created if missing."""
    contacts = party.contacts.all()
    existing = (contacts.filter(email__iexact=email).first() if email else
                contacts.filter(name__iexact=name).first())
    if existing is not None:
        return existing
    contact = ContactPerson(party=party, name=name, email=email, phone=phone, role=role)
    contact.full_clean()
    contact.save()
    record_change(contact, actor=actor, action="create")
    return contact


def address_ensure(*, party: Party, actor, street: str, city: str, postal_code: str = "", country: str = "",
                   kind: str = "billing") -> PartyAddress | None:
    """Add an address to the party unless it has that one already (import)."""
    if not (street and city):
        return None
    existing = party.addresses.filter(street__iexact=street, city__iexact=city).first()
    if existing is not None:
        return existing
    address = PartyAddress(party=party, kind=kind, street=street, city=city, postal_code=postal_code,
                           country=country.upper()[:2])
    address.full_clean()
    address.save()
    record_change(address, actor=actor, action="create")
    return address
