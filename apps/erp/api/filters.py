"""FilterSets of the ERP API (record choices are scoped to the user's companies by the filter backend)."""

import django_filters

from apps.core.api.filtersets import SuiteFilterSet
from apps.erp.models import Account, AccountMapping, Employee, JournalEntry, Period, TimeOff


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
