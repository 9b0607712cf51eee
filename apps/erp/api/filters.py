"""FilterSets of the ERP API (record choices are scoped to the user's companies by the filter backend)."""

import django_filters
from django.utils import timezone

from apps.core.api.filtersets import SuiteFilterSet
from apps.erp.models import Account, AccountMapping, Employee, JournalEntry, Period, TimeOff
from apps.erp.models.invoicing import UNPAID_STATUSES


class AccountFilterSet(SuiteFilterSet):
    class Meta:
        model = Account
        fields = ["kind", "role", "is_active", "code"]


class AccountMappingFilterSet(SuiteFilterSet):
    class Meta:
        model = AccountMapping
        fields = ["rule", "account"]


class JournalEntryFilterSet(SuiteFilterSet):
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    account = django_filters.NumberFilter(field_name="lines__account", distinct=True, label="Has a line on account")

    class Meta:
        model = JournalEntry
        fields = ["status", "journal", "period", "number"]


class PeriodFilterSet(SuiteFilterSet):
    end_before = django_filters.DateFilter(field_name="end", lookup_expr="lt", label="Ends before")
    class Meta:
        model = Period
        fields = ["status", "fiscal_year"]


class EmployeeFilterSet(SuiteFilterSet):
    class Meta:
        model = Employee
        fields = ["department", "active", "user"]


class TimeOffFilterSet(SuiteFilterSet):
    class Meta:
        model = TimeOff
        fields = ["employee", "kind"]


class OpenItemFilterSet(SuiteFilterSet):
    """What invoices and bills filter on alike: unpaid (posted, not fully paid), overdue (unpaid and past due
    today), due date range; a subclass adds its document date range (the AR/AP aging's bucket links use them)."""

    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Overdue")
    unpaid = django_filters.BooleanFilter(method="filter_unpaid", label="Unpaid (posted, not fully paid)")
    due_date_from = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_date_to = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")

    def filter_overdue(self, queryset, name, value):
        overdue = {"status__in": UNPAID_STATUSES, "due_date__lt": timezone.localdate()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)

    def filter_unpaid(self, queryset, name, value):
        return queryset.filter(status__in=UNPAID_STATUSES) if value else queryset.exclude(status__in=UNPAID_STATUSES)
