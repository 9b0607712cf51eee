"""Factories of core's models. Company-owned factories take `company=`; reference data needs none."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils import timezone

from apps.core.choices import AttemptOutcome, DeliveryStatus, PartyKind
from apps.core.models import (
    Attachment,
    AuditRecord,
    Company,
    ContactPerson,
    Currency,
    DeliveryAttempt,
    Event,
    EventDelivery,
    ExchangeRate,
    Membership,
    Note,
    Party,
    PartyAddress,
    UnitOfMeasure,
    UomCategory,
)


class CurrencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Currency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"Q{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    name = factory.LazyAttribute(lambda o: f"Currency {o.code}")
    decimals = 2


def _eur():
    return Currency.objects.get(code="EUR")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CO{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Company {o.code}")
    currency = factory.LazyFunction(_eur)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw-secret-123")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    company = factory.SubFactory(CompanyFactory)
    user = factory.SubFactory(UserFactory)
    role = factory.LazyFunction(lambda: Group.objects.get(name="Sales"))


class PartyFactory(factory.django.DjangoModelFactory):
    """A customer; `number` is drawn like the service does it (unique per company)."""

    class Meta:
        model = Party

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"P-F{n:05d}")
    name = factory.Sequence(lambda n: f"Party {n}")
    kind = PartyKind.ORGANIZATION
    is_customer = True
    is_supplier = False
    email = factory.LazyAttribute(lambda o: f"{o.name.lower().replace(' ', '.')}@example.com")


class PartyAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyAddress

    party = factory.SubFactory(PartyFactory)
    street = factory.Sequence(lambda n: f"{n} Mill Street")
    city = "Sheffield"
    postal_code = "S1 2AB"
    country = "GB"


class ContactPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPerson

    party = factory.SubFactory(PartyFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.LazyAttribute(lambda o: f"contact-{o.name.split()[-1]}@example.com")


class UomCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UomCategory
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Category {n}")


class UnitOfMeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitOfMeasure
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"u{n}")
    name = factory.LazyAttribute(lambda o: f"unit {o.code}")
    category = factory.SubFactory(UomCategoryFactory)
    factor = Decimal(1)


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExchangeRate

    company = factory.SubFactory(CompanyFactory)
    base = factory.LazyFunction(_eur)
    quote = factory.LazyFunction(lambda: Currency.objects.get(code="USD"))
    date = factory.Sequence(lambda n: datetime.date(2026, 1, 1) + datetime.timedelta(days=n))
    rate = Decimal("1.08000000")


class EventFactory(factory.django.DjangoModelFactory):
    """An event about a party of the same company, with no deliveries unless given."""

    class Meta:
        model = Event

    company = factory.SubFactory(CompanyFactory)
    name = "test.party.touched"
    subject_type = "core.party"
    subject_id = factory.Sequence(lambda n: str(n + 1))
    payload = factory.LazyFunction(lambda: {"version": 1})


class EventDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventDelivery

    event = factory.SubFactory(EventFactory)
    handler = factory.Sequence(lambda n: f"tests.handlers.handler_{n}")
    status = DeliveryStatus.PENDING


class DeliveryAttemptFactory(factory.django.DjangoModelFactory):
    """A failed first attempt of a delivery, 12 ms long."""

    class Meta:
        model = DeliveryAttempt

    delivery = factory.SubFactory(EventDeliveryFactory)
    number = 1
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyAttribute(lambda a: a.started_at + datetime.timedelta(milliseconds=12))
    outcome = AttemptOutcome.FAILED
    error = "RuntimeError: boom"
    duration_ms = 12


class _TargetedFactory(factory.django.DjangoModelFactory):
    """A chatter row attached to a party of its company."""

    class Meta:
        abstract = True

    company = factory.SubFactory(CompanyFactory)
    content_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(Party))
    object_id = factory.LazyAttribute(lambda o: str(PartyFactory(company=o.company).pk))


class NoteFactory(_TargetedFactory):
    class Meta:
        model = Note

    body = factory.Sequence(lambda n: f"Note {n}")
    author = factory.SubFactory(UserFactory)


class AttachmentFactory(_TargetedFactory):
    class Meta:
        model = Attachment

    name = "spec.txt"
    file = factory.LazyFunction(lambda: ContentFile(b"spec", name="spec.txt"))
    size = 4
    sha256 = "f0" * 32
    uploaded_by = factory.SubFactory(UserFactory)


class AuditRecordFactory(_TargetedFactory):
    class Meta:
        model = AuditRecord

    object_repr = "a party"
    action = "update"
    before = factory.LazyFunction(lambda: {"name": "old"})
    after = factory.LazyFunction(lambda: {"name": "new"})
