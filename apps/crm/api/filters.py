"""FilterSets of the CRM API (record choices are scoped to the user's companies by the filter backend)."""

import django_filters
from django.utils import timezone

from apps.core.api.filtersets import SuiteFilterSet
from apps.crm.choices import OPEN_CASE_STATUSES
from apps.crm.models import (
    Activity,
    CustomerProfile,
    Lead,
    Opportunity,
    PriceList,
    Quote,
    SalesTarget,
    ServiceCase,
    TimelineEntry,
)


class MineFilterMixin(SuiteFilterSet):
    """`?mine=true`: the requesting user's own records (their `owner`)."""

    mine = django_filters.BooleanFilter(method="filter_mine", label="Mine")

    def filter_mine(self, queryset, name, value):
        if value is None or self.request is None:
            return queryset
        return queryset.filter(owner=self.request.user) if value else queryset.exclude(owner=self.request.user)


class CustomerProfileFilterSet(SuiteFilterSet):
    class Meta:
        model = CustomerProfile
        fields = ["party", "owner", "segment", "industry"]


class TimelineEntryFilterSet(SuiteFilterSet):
    occurred_after = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")

    class Meta:
        model = TimelineEntry
        fields = ["customer", "kind", "reference"]


class LeadFilterSet(MineFilterMixin):
    email = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Lead
        fields = ["status", "source", "owner", "email", "merged_into"]


class OpportunityFilterSet(MineFilterMixin):
    expected_close_from = django_filters.DateFilter(field_name="expected_close", lookup_expr="gte")
    expected_close_to = django_filters.DateFilter(field_name="expected_close", lookup_expr="lte")

    class Meta:
        model = Opportunity
        fields = ["status", "stage", "customer", "owner", "currency"]


class ActivityFilterSet(MineFilterMixin):
    due_before = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lte")
    target_type = django_filters.CharFilter(method="filter_target_type", label="Target type (app_label.model)")

    class Meta:
        model = Activity
        fields = ["kind", "owner", "done", "is_overdue", "customer", "target_id"]

    def filter_target_type(self, queryset, name, value):
        app_label, _, model = (value or "").lower().partition(".")
        return queryset.filter(target_type__app_label=app_label, target_type__model=model)


class QuoteFilterSet(SuiteFilterSet):
    class Meta:
        model = Quote
        fields = ["status", "customer", "opportunity", "number", "version", "currency"]


class PriceListFilterSet(SuiteFilterSet):
    class Meta:
        model = PriceList
        fields = ["customer", "segment", "currency", "is_active"]


class ServiceCaseFilterSet(MineFilterMixin):
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="Overdue")

    class Meta:
        model = ServiceCase
        fields = ["status", "priority", "customer", "owner", "item", "lot"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = {"status__in": OPEN_CASE_STATUSES, "due_at__lt": timezone.now()}
        return queryset.filter(**late) if value else queryset.exclude(**late)


class SalesTargetFilterSet(SuiteFilterSet):
    month_from = django_filters.DateFilter(field_name="month", lookup_expr="gte")
    month_to = django_filters.DateFilter(field_name="month", lookup_expr="lte")

    class Meta:
        model = SalesTarget
        fields = ["owner"]
