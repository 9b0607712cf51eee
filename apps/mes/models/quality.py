"""Quality: inspection plans and their checks, recorded check results, non-conformances."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from apps.core.models import CompanyOwnedModel
from apps.core.workflow import Transition, Workflow
from apps.mes.choices import CheckKind, CheckResult, Disposition, NonConformanceStatus

QUANTITY = {"max_digits": 18, "decimal_places": 4}
MEASURE = {"max_digits": 18, "decimal_places": 6}
N = NonConformanceStatus


class InspectionPlan(CompanyOwnedModel):
    """What to check on an item: at one routing operation (by sequence), at a work center, or on receipt.

    A plan with neither `operation_sequence` nor `work_center` applies to incoming receipts of the item.
    """

    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    operation_sequence = models.PositiveIntegerField(
        null=True, blank=True, help_text="The routing operation (sequence, e.g. 20) this plan applies to.")
    work_center = models.ForeignKey("mes.WorkCenter", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="inspection_plans",
                                    help_text="Or: every operation of the item at this work center.")
    is_active = models.BooleanField(default=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["item__number", "operation_sequence", "name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="mes_inspectionplan_name_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("mes:inspectionplan_detail", args=[self.pk])


class CheckDefinition(models.Model):
    """One check of a plan: pass/fail, or a measurement accepted within
    [nominal - lower_tolerance, nominal + upper_tolerance] (tolerances are non-negative deviations)."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="checks")
    sequence = models.PositiveIntegerField(default=10)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=CheckKind.choices, default=CheckKind.PASS_FAIL)
    nominal = models.DecimalField(**MEASURE, null=True, blank=True)
    lower_tolerance = models.DecimalField(**MEASURE, null=True, blank=True,
                                          validators=[MinValueValidator(Decimal(0))],
                                          help_text="Allowed deviation below nominal (≥ 0).")
    upper_tolerance = models.DecimalField(**MEASURE, null=True, blank=True,
                                          validators=[MinValueValidator(Decimal(0))],
                                          help_text="Allowed deviation above nominal (≥ 0).")
    unit = models.CharField(max_length=20, blank=True, help_text="e.g. mm, N·m, g.")

    company_path = "plan__company"

    class Meta:
        ordering = ["plan", "sequence", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="pass_fail") | (Q(nominal__isnull=False) & Q(lower_tolerance__gte=0)
                                                 & Q(upper_tolerance__gte=0)),
                name="mes_checkdefinition_measurement_has_limits",
                violation_error_message="A measurement needs a nominal value and both tolerances (0 or more)."),
        ]

    def __str__(self) -> str:
        if self.kind == CheckKind.MEASUREMENT:
            return f"{self.name} {self.nominal} -{self.lower_tolerance}/+{self.upper_tolerance} {self.unit}".strip()
        return self.name

    @property
    def lower_limit(self) -> Decimal | None:
        return None if self.nominal is None else self.nominal - (self.lower_tolerance or 0)

    @property
    def upper_limit(self) -> Decimal | None:
        return None if self.nominal is None else self.nominal + (self.upper_tolerance or 0)


class QualityCheck(CompanyOwnedModel):
    """A recorded check result, on a work order operation or on an incoming receipt line; immutable."""

    check_definition = models.ForeignKey(CheckDefinition, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="results")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=CheckKind.choices)
    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+")
    operation = models.ForeignKey("mes.Operation", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="quality_checks")
    receipt_line = models.ForeignKey("scm.GoodsReceiptLine", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    measured_value = models.DecimalField(**MEASURE, null=True, blank=True)
    lower_limit = models.DecimalField(**MEASURE, null=True, blank=True, editable=False)
    upper_limit = models.DecimalField(**MEASURE, null=True, blank=True, editable=False)
    unit = models.CharField(max_length=20, blank=True)
    result = models.CharField(max_length=10, choices=CheckResult.choices)
    quantity = models.DecimalField(**QUANTITY, default=Decimal(1), validators=[MinValueValidator(Decimal("0.0001"))],
                                   help_text="Quantity inspected (and affected, if the check failed).")
    notes = models.TextField(blank=True)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    checked_at = models.DateTimeField()

    class Meta:
        ordering = ["-checked_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(operation__isnull=True) ^ Q(receipt_line__isnull=True),
                                   name="mes_qualitycheck_one_subject",
                                   violation_error_message="Check either a work order operation or a receipt line."),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="mes_qualitycheck_quantity_positive",
                                   violation_error_message="The quantity must be greater than zero."),
        ]

    def __str__(self) -> str:
        return f"Check {self.name}: {self.get_result_display() or 'no result'}"

    def get_absolute_url(self) -> str:
        return reverse("mes:qualitycheck_detail", args=[self.pk])

    @property
    def passed(self) -> bool:
        return self.result == CheckResult.PASS


class NonConformance(CompanyOwnedModel):
    """A defect found in production or on receipt: what, how many, and what to do with it (disposition).

    One raised by a failed operation check blocks that operation until it (and every other
    blocking non-conformance of the operation) is closed.
    """

    number = models.CharField(max_length=30, editable=False)
    item = models.ForeignKey("plm.Item", on_delete=models.PROTECT, related_name="+")
    description = models.TextField()
    quantity = models.DecimalField(**QUANTITY, validators=[MinValueValidator(Decimal("0.0001"))])
    disposition = models.CharField(max_length=20, choices=Disposition.choices, blank=True)
    disposition_notes = models.TextField(blank=True)
    status = models.CharField(max_length=15, choices=N.choices, default=N.OPEN)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", help_text="Who decides and follows up.")
    reference = models.CharField(max_length=100, blank=True, help_text="The work order / receipt it was found on.")
    customer_facing = models.BooleanField(default=False, help_text="The defect reached (or may reach) a customer.")
    quality_check = models.ForeignKey(QualityCheck, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="nonconformances", editable=False)
    operation = models.ForeignKey("mes.Operation", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="nonconformances", editable=False)
    receipt_line = models.ForeignKey("scm.GoodsReceiptLine", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", editable=False)
    blocks_operation = models.BooleanField(default=False, editable=False)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", editable=False)
    dispositioned_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_on = models.DateField(null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", editable=False)

    workflow = Workflow("status", {
        # decided once: stock may already have moved on the decision (scrapped, returned); a changed mind is a
        # new non-conformance
        "disposition": Transition(sources=[N.OPEN], target=N.DISPOSITIONED,
                                  permission="mes.change_nonconformance", label="Disposition",
                                  message="Disposition of {object} recorded."),
        "close": Transition(sources=[N.DISPOSITIONED], target=N.CLOSED, permission="mes.change_nonconformance",
                            style="success", confirm="Close this non-conformance? It can no longer be changed.",
                            message="{object} closed."),
    })

    class Meta:
        ordering = ["-id"]
        verbose_name = "non-conformance"
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="mes_nonconformance_number_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="mes_nonconformance_quantity_positive",
                                   violation_error_message="The quantity must be greater than zero."),
            models.CheckConstraint(condition=Q(status="open") | ~Q(disposition=""),
                                   name="mes_nonconformance_dispositioned_has_disposition"),
            models.CheckConstraint(condition=~Q(status="closed") | Q(closed_on__isnull=False),
                                   name="mes_nonconformance_closed_has_date"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("mes:nonconformance_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        """Fixed once dispositioned: the decision (and any stock moved on it) rests on what was recorded."""
        return self.status != N.OPEN
