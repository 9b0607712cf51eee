"""Checks every CRM service makes: related records of the same company, customers that are customers."""

from django.contrib.auth import get_user_model
from django.db import models

from apps.core.audit import company_of
from apps.core.errors import DomainError
from apps.core.models import Company, Membership, Party


def check_company(company: Company, **records: models.Model | None) -> None:
    """Every given record belongs to `company` (a user: is a member of it); the error names the field."""
    user_model = get_user_model()
    for field, record in records.items():
        if record is None:
            continue
        if isinstance(record, user_model):
            if not Membership.objects.filter(company=company, user=record).exists():
                raise DomainError(field, f"{record} is not a member of {company.code}.", code="not_a_member")
        elif company_of(record) != company.pk:
            raise DomainError(field, "Belongs to another company.")


def check_customer(customer: Party | None, company: Company, field: str = "customer") -> Party:
    """A customer party of `company`."""
    if customer is None:
        raise DomainError(field, "This field is required.", code="required")
    check_company(company, **{field: customer})
    if not customer.is_customer:
        raise DomainError(field, f"{customer} is not a customer.", code="not_a_customer")
    return customer


def check_contact(contact, customer: Party, field: str = "contact") -> None:
    """A contact person of the customer (not of another party)."""
    if contact is not None and contact.party_id != customer.pk:
        raise DomainError(field, f"{contact} is not a contact of {customer.name}.", code="not_a_contact")


def keep_fields(fields: dict, allowed: tuple[str, ...] | list[str]) -> dict:
    """The changes a service accepts: anything else (status, number, totals) is set by the services only."""
    unknown = sorted(set(fields) - set(allowed) - {"company"})
    if unknown:
        raise DomainError(unknown[0], f"'{unknown[0]}' cannot be changed here.", code="read_only")
    return {k: v for k, v in fields.items() if k in allowed}
