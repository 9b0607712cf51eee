"""Core models, re-exported by sub-domain."""

from apps.core.models.audit import Attachment, AuditRecord, Note
from apps.core.models.base import CompanyOwnedModel, CompanyScopedQuerySet, TimeStampedModel
from apps.core.models.companies import Company, Membership
from apps.core.models.outbox import DeliveryAttempt, Event, EventDelivery, IdempotencyRecord
from apps.core.models.parties import ContactPerson, Party, PartyAddress
from apps.core.models.reference import Currency, ExchangeRate, UnitOfMeasure, UomCategory

__all__ = [
    "Attachment",
    "AuditRecord",
    "Company",
    "CompanyOwnedModel",
    "CompanyScopedQuerySet",
    "ContactPerson",
    "Currency",
    "DeliveryAttempt",
    "Event",
    "EventDelivery",
    "ExchangeRate",
    "IdempotencyRecord",
    "Membership",
    "Note",
    "Party",
    "PartyAddress",
    "TimeStampedModel",
    "UnitOfMeasure",
    "UomCategory",
]
