"""FilterSets of core's resources."""

import django_filters

from apps.core.api.filtersets import SuiteFilterSet
from apps.core.models import AuditRecord, Event, Party


class PartyFilterSet(SuiteFilterSet):
    class Meta:
        model = Party
        fields = {"kind": ["exact"], "is_customer": ["exact"], "is_supplier": ["exact"], "number": ["exact"],
                  "name": ["icontains"]}


class EventFilterSet(SuiteFilterSet):
    status = django_filters.ChoiceFilter(
        field_name="deliveries__status", distinct=True,
        choices=[("pending", "pending"), ("done", "done"), ("dead", "dead")],
        help_text="Events with at least one delivery in this status.",
    )

    class Meta:
        model = Event
        fields = {"name": ["exact", "startswith"], "subject_type": ["exact"], "subject_id": ["exact"],
                  "created_at": ["gte", "lte"]}


class AuditRecordFilterSet(SuiteFilterSet):
    content_type = django_filters.CharFilter(method="filter_content_type", help_text="app_label.model")

    class Meta:
        model = AuditRecord
        fields = {"object_id": ["exact"], "action": ["exact"]}

    def filter_content_type(self, queryset, name, value):
        app_label, _, model = value.partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)
