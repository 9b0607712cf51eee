"""HR: departments, employees (with their hourly cost, optionally a user of the suite) and time off."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse

from apps.core.models import CompanyOwnedModel
from apps.erp.choices import TimeOffKind


class Department(CompanyOwnedModel):
    """A department of the company (production, sales, finance...)."""

    code = models.CharField(max_length=20)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="erp_department_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("erp:department_detail", args=[self.pk])


class Employee(CompanyOwnedModel):
    """A person employed by the company: department, hourly cost (what an hour of their work costs the company),
    optionally their user account in the suite."""

    number = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="employees")
    hourly_cost = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal(0),
                                      validators=[MinValueValidator(Decimal(0))],
                                      help_text="In the company's currency.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["company", "number"], name="erp_employee_number_unique"),
            models.CheckConstraint(condition=models.Q(hourly_cost__gte=0), name="erp_employee_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("erp:employee_detail", args=[self.pk])


class TimeOff(CompanyOwnedModel):
    """An employee's absence from one day to another (both included)."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="time_off")
    kind = models.CharField(max_length=10, choices=TimeOffKind.choices, default=TimeOffKind.VACATION)
    start = models.DateField()
    end = models.DateField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-start"]
        verbose_name = "time off"
        verbose_name_plural = "time off"
        constraints = [models.CheckConstraint(condition=models.Q(end__gte=models.F("start")),
                                              name="erp_timeoff_dates")]

    def __str__(self) -> str:
        return f"{self.employee.name} {self.start}-{self.end}"

    def get_absolute_url(self) -> str:
        return reverse("erp:timeoff_detail", args=[self.pk])
