"""Factories of PLM's models (built through the ORM; services are what the tests exercise). The one item and
revision factories of the suite: SCM and MES tests use them too."""

import hashlib
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone

from apps.core.models import UnitOfMeasure
from apps.plm.choices import ItemType, RevisionStatus
from apps.plm.models import (
    BomLine,
    ChangeApproval,
    ChangeApprovalRule,
    ChangeOrder,
    ChangeRequest,
    Document,
    Item,
    ItemCategory,
    Revision,
)
from tests.core.factories import CompanyFactory, UserFactory


def unit(code: str = "ea") -> UnitOfMeasure:
    return UnitOfMeasure.objects.get(code=code)


class ItemCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItemCategory

    name = factory.Sequence(lambda n: f"Category {n}")


class ItemFactory(factory.django.DjangoModelFactory):
    """A bought part (1.00 each); `made=True`: an assembly the company makes (10.00 each)."""

    class Meta:
        model = Item

    class Params:
        made = factory.Trait(item_type=ItemType.MAKE, standard_cost=Decimal("10.00"),
                             name=factory.LazyAttribute(lambda o: f"Assembly {o.number}"))

    company = factory.SubFactory(CompanyFactory)
    number = factory.Sequence(lambda n: f"P-{n:05d}")
    name = factory.LazyAttribute(lambda o: f"Part {o.number}")
    item_type = ItemType.BUY
    uom = factory.LazyFunction(unit)
    standard_cost = Decimal("1.00")


class RevisionFactory(factory.django.DjangoModelFactory):
    """A draft revision A of a made item; `released=True`: released today."""

    class Meta:
        model = Revision

    class Params:
        released = factory.Trait(status=RevisionStatus.RELEASED, released_at=factory.LazyFunction(timezone.now),
                                 effective_from=factory.LazyFunction(timezone.localdate))

    company = factory.SubFactory(CompanyFactory)
    item = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..company"), made=True)
    code = "A"

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        kwargs["company"] = kwargs["item"].company  # a revision is always in its item's company
        return kwargs


class BomLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BomLine

    revision = factory.SubFactory(RevisionFactory)
    component = factory.SubFactory(ItemFactory, company=factory.SelfAttribute("..revision.company"))
    quantity = Decimal("1")
    uom = factory.LazyAttribute(lambda o: o.component.uom)
    position = factory.Sequence(lambda n: (n + 1) * 10)


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    item = factory.SubFactory(ItemFactory)
    company = factory.LazyAttribute(lambda o: o.item.company)
    title = factory.Sequence(lambda n: f"Drawing {n}")
    version = "1"
    file = factory.LazyFunction(lambda: ContentFile(b"drawing", name="drawing.pdf"))
    file_name = "drawing.pdf"
    size = len(b"drawing")
    checksum = hashlib.sha256(b"drawing").hexdigest()
    uploaded_by = factory.SubFactory(UserFactory)


class ChangeRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeRequest

    number = factory.Sequence(lambda n: f"ECR-T-{n:05d}")
    title = "Bracket cracks"
    problem = "Cracks at the weld."


class ChangeOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeOrder

    number = factory.Sequence(lambda n: f"ECO-T-{n:05d}")
    title = "Change"


class ChangeApprovalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeApproval

    round = 1
    decision = "approved"
    role = factory.LazyFunction(lambda: Group.objects.get(name="Engineering"))


class ChangeApprovalRuleFactory(factory.django.DjangoModelFactory):
    """A rule for a role of its own (one rule per role and company), unless `role=` is given."""

    class Meta:
        model = ChangeApprovalRule

    role = factory.Sequence(lambda n: Group.objects.get_or_create(name=f"Approvers {n}")[0])
    required_count = 1
