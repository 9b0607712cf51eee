"""FilterSets of the MES production API."""

import django_filters

from apps.mes.models import ManufacturingDefinition, Operation, Routing, WorkCenter, WorkOrder


class WorkCenterFilterSet(django_filters.FilterSet):
    class Meta:
        model = WorkCenter
        fields = ["code", "status", "is_active"]


class RoutingFilterSet(django_filters.FilterSet):
    class Meta:
        model = Routing
        fields = ["item", "is_active"]


class ManufacturingDefinitionFilterSet(django_filters.FilterSet):
    class Meta:
        model = ManufacturingDefinition
        fields = ["item", "revision"]


class WorkOrderFilterSet(django_filters.FilterSet):
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")

    class Meta:
        model = WorkOrder
        fields = ["number", "item", "revision", "status", "source", "needs_review"]


class OperationFilterSet(django_filters.FilterSet):
    class Meta:
        model = Operation
        fields = ["work_order", "work_center", "status", "quality_blocked"]
