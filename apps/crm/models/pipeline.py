"""The sales pipeline: each company's stages, its opportunities and the salespeople's targets."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.urls import reverse

from apps.core.models import CompanyOwnedModel
from apps.core.workflow import Transition, Workflow
from apps.crm.choices import OpportunityStatus

MONEY = {"max_digits": 18, "decimal_places": 2}
PERCENT = {"max_digits": 5, "decimal_places": 2, "validators": [MinValueValidator(0), MaxValueValidator(100)]}
OS = OpportunityStatus


class PipelineStage(CompanyOwnedModel):
    """A column of a company's pipeline (Prospecting, Proposal, …), in order, with its default probability.

    Exactly one stage may be the won stage and one the lost stage; an opportunity there is closed.
    """

    name = models.CharField(max_length=60)
    order = models.PositiveSmallIntegerField(default=10, help_text="Position from left to right.")
    probability = models.DecimalField("default probability %", **PERCENT, default=Decimal(10))
    is_won = models.BooleanField(default=False)
    is_lost = models.BooleanField(default=False)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="crm_stage_name_unique"),
            models.UniqueConstraint(fields=["company"], condition=models.Q(is_won=True), name="crm_stage_one_won"),
            models.UniqueConstraint(fields=["company"], condition=models.Q(is_lost=True), name="crm_stage_one_lost"),
            models.CheckConstraint(condition=~(models.Q(is_won=True) & models.Q(is_lost=True)),
                                   name="crm_stage_not_won_and_lost"),
            models.CheckConstraint(condition=models.Q(probability__gte=0, probability__lte=100),
                                   name="crm_stage_probability_percent"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("crm:pipelinestage_detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        """The won or the lost stage: an opportunity there is closed."""
        return self.is_won or self.is_lost

    @property
    def status(self) -> str:
        """The status of an opportunity in this stage."""
        return OS.WON if self.is_won else OS.LOST if self.is_lost else OS.OPEN


class Opportunity(CompanyOwnedModel):
    """A deal a customer might close: amount, stage, probability, expected close; won or lost in the end.

    `amount_company_currency` is the amount at the company's own rate on the day it was last written, so the
    board and the forecast add up opportunities in different currencies.
    """

    number = models.CharField(max_length=30, editable=False)
    customer = models.ForeignKey("core.Party", on_delete=models.PROTECT, related_name="crm_opportunities",
                                 limit_choices_to={"is_customer": True})
    contact = models.ForeignKey("core.ContactPerson", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    title = models.CharField(max_length=200)
    amount = models.DecimalField(**MONEY, default=Decimal("0.00"), validators=[MinValueValidator(0)])
    currency = models.ForeignKey("core.Currency", on_delete=models.PROTECT, related_name="+", blank=True,
                                 help_text="Default: the customer's currency, else the company's.")
    exchange_rate = models.DecimalField(max_digits=18, decimal_places=8, default=Decimal(1), editable=False)
    amount_company_currency = models.DecimalField(**MONEY, default=Decimal("0.00"), editable=False)
    stage = models.ForeignKey(PipelineStage, on_delete=models.PROTECT, related_name="opportunities")
    probability = models.DecimalField("probability %", **PERCENT, blank=True,
                                      help_text="Default: the stage's probability.")
    expected_close = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    status = models.CharField(max_length=10, choices=OpportunityStatus.choices, default=OS.OPEN, editable=False)
    lost_reason = models.CharField(max_length=200, blank=True, editable=False)
    closed_on = models.DateField(null=True, blank=True, editable=False)
    notes = models.TextField(blank=True)

    workflow = Workflow("status", {
        "win": Transition(sources=[OS.OPEN], target=OS.WON, style="success"),
        "lose": Transition(sources=[OS.OPEN], target=OS.LOST, style="outline-danger"),
    })

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "opportunities"
        indexes = [
            # the board: the first cards of each stage, in order, without reading the others
            models.Index(fields=["stage", "expected_close", "id"], name="crm_opportunity_board"),
            models.Index("stage", F("closed_on").desc(nulls_last=True), F("id").desc(),
                         name="crm_opportunity_closed"),  # the won and lost columns: the latest closed first
            models.Index(fields=["company", "owner", "stage"], name="crm_opportunity_owner"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="crm_opportunity_number_unique"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="crm_opportunity_amount_not_negative"),
            models.CheckConstraint(condition=models.Q(probability__gte=0, probability__lte=100),
                                   name="crm_opportunity_probability_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("crm:opportunity_detail", args=[self.pk])

    @property
    def weighted_amount(self) -> Decimal:
        """Amount (company currency) x probability, to the cent."""
        return (self.amount_company_currency * self.probability / 100).quantize(Decimal("0.01"))

    @property
    def is_locked(self) -> bool:
        return self.status != OS.OPEN


class SalesTarget(CompanyOwnedModel):
    """What a salesperson is expected to win in a month (company currency), for the forecast."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month.")
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["month", "owner__username"]
        constraints = [
            models.UniqueConstraint(fields=["company", "owner", "month"], name="crm_target_unique"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="crm_target_first_of_month"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="crm_target_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.month:%Y-%m}: {self.amount}"

    def get_absolute_url(self) -> str:
        return reverse("crm:salestarget_detail", args=[self.pk])
