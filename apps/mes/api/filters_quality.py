"""FilterSets of quality and downtime (API and UI lists)."""

import django_filters

from apps.core.api.filtersets import SuiteFilterSet
from apps.mes.models import DowntimeEvent, DowntimeReason, InspectionPlan, NonConformance, QualityCheck


class InspectionPlanFilterSet(SuiteFilterSet):
    class Meta:
        model = InspectionPlan
        fields = {"item": ["exact"], "work_center": ["exact"], "operation_sequence": ["exact"],
                  "is_active": ["exact"]}


class QualityCheckFilterSet(SuiteFilterSet):
    work_order = django_filters.NumberFilter(field_name="operation__work_order", help_text="Work order id.")

    class Meta:
        model = QualityCheck
        fields = {"result": ["exact"], "kind": ["exact"], "item": ["exact"], "operation": ["exact"],
                  "receipt_line": ["exact"], "check_definition": ["exact"], "checked_at": ["gte", "lte"]}


class NonConformanceFilterSet(SuiteFilterSet):
    class Meta:
        model = NonConformance
        fields = {"status": ["exact"], "disposition": ["exact"], "item": ["exact"], "operation": ["exact"],
                  "owner": ["exact"], "customer_facing": ["exact"], "number": ["exact"]}


class DowntimeReasonFilterSet(SuiteFilterSet):
    class Meta:
        model = DowntimeReason
        fields = {"kind": ["exact"], "is_active": ["exact"], "code": ["exact"]}


class DowntimeEventFilterSet(SuiteFilterSet):
    kind = django_filters.ChoiceFilter(field_name="reason__kind", choices=[("planned", "planned"),
                                                                           ("unplanned", "unplanned")],
                                       help_text="Planned or unplanned reasons.")

    class Meta:
        model = DowntimeEvent
        fields = {"work_center": ["exact"], "reason": ["exact"], "start": ["gte", "lt"], "end": ["gt", "lte"],
                  "source": ["exact"], "equipment": ["exact"], "reason__code": ["exact"]}
