"""The item master: every product and part, and its revisions."""

from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse

from apps.core.models import CompanyOwnedModel
from apps.core.workflow import Transition, Workflow
from apps.plm.choices import ItemType, LifecycleState, RevisionStatus, Tracking

ITEM_NUMBER_RULE = RegexValidator(
    r"^[A-Z0-9][A-Z0-9._-]{1,39}$",
    "Item numbers are 2-40 characters: capital letters, digits, '.', '_' or '-', starting with a letter or digit.",
    code="invalid_item_number",
)


class ItemCategory(CompanyOwnedModel):
    """A grouping of items (raw material, fasteners, assemblies) for lists and reports."""

    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "item categories"
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="plm_itemcategory_unique")]

    def __str__(self) -> str:
        return self.name


class Item(CompanyOwnedModel):
    """A product or part the company makes, buys or uses as a phantom assembly."""

    number = models.CharField(max_length=40, validators=[ITEM_NUMBER_RULE])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    item_type = models.CharField(max_length=10, choices=ItemType.choices, default=ItemType.BUY)
    uom = models.ForeignKey("core.UnitOfMeasure", on_delete=models.PROTECT, related_name="+",
                            verbose_name="unit of measure")
    tracking = models.CharField(max_length=10, choices=Tracking.choices, default=Tracking.NONE)
    category = models.ForeignKey(ItemCategory, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="items")
    standard_cost = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal(0),
                                        validators=[MinValueValidator(Decimal(0))])
    lifecycle_state = models.CharField(max_length=10, choices=LifecycleState.choices, default=LifecycleState.DRAFT)
    current_revision = models.ForeignKey("plm.Revision", on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="+", help_text="The released revision in force.")

    workflow = Workflow("lifecycle_state", {
        "submit": Transition(sources=[LifecycleState.DRAFT], target=LifecycleState.IN_REVIEW),
        "withdraw": Transition(sources=[LifecycleState.IN_REVIEW], target=LifecycleState.DRAFT),
        "release": Transition(sources=[LifecycleState.DRAFT, LifecycleState.IN_REVIEW, LifecycleState.RELEASED],
                              target=LifecycleState.RELEASED),
        "obsolete": Transition(sources=[LifecycleState.DRAFT, LifecycleState.IN_REVIEW, LifecycleState.RELEASED],
                               target=LifecycleState.OBSOLETE, permission="plm.change_item", style="danger",
                               confirm="Make this item obsolete? No BOM may use it afterwards.",
                               message="{object} is obsolete now."),
    })

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="plm_item_number_unique"),
            models.CheckConstraint(condition=models.Q(standard_cost__gte=0), name="plm_item_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("plm:item_detail", args=[self.pk])


class Revision(CompanyOwnedModel):
    """A version (`A`, `B`, …) of an item's definition; released revisions are immutable."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="revisions")
    code = models.CharField(max_length=5)
    status = models.CharField(max_length=12, choices=RevisionStatus.choices, default=RevisionStatus.DRAFT)
    effective_from = models.DateField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    copied_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    notes = models.TextField(blank=True)

    workflow = Workflow("status", {
        "submit": Transition(sources=[RevisionStatus.DRAFT], target=RevisionStatus.IN_REVIEW),
        "withdraw": Transition(sources=[RevisionStatus.IN_REVIEW], target=RevisionStatus.DRAFT),
        "release": Transition(sources=[RevisionStatus.IN_REVIEW], target=RevisionStatus.RELEASED),
        "supersede": Transition(sources=[RevisionStatus.RELEASED], target=RevisionStatus.SUPERSEDED),
        "obsolete": Transition(sources=[RevisionStatus.DRAFT, RevisionStatus.IN_REVIEW, RevisionStatus.RELEASED],
                               target=RevisionStatus.OBSOLETE),
    })

    class Meta:
        ordering = ["item__number", "code"]
        constraints = [
            models.UniqueConstraint(fields=["item", "code"], name="plm_revision_code_unique"),
            models.UniqueConstraint(fields=["item"], condition=models.Q(status="released"),
                                    name="plm_revision_one_released"),
            # at most one revision in work per item: "the latest draft" of the explosion rule is unambiguous
            models.UniqueConstraint(fields=["item"], condition=models.Q(status__in=["draft", "in_review"]),
                                    name="plm_revision_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.item.number} rev {self.code}"

    def get_absolute_url(self) -> str:
        return reverse("plm:revision_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        """Released, superseded and obsolete revisions never change."""
        return self.status != RevisionStatus.DRAFT
