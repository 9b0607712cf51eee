"""FilterSets of the MES production API."""

import django_filters

from apps.core.api.filtersets import SuiteFilterSet
from apps.mes.models import ManufacturingDefinition, Operation, Routing, WorkCenter, WorkOrder


class WorkCenterFilterSet(SuiteFilterSet):
    class Meta:
        model = WorkCenter
        fields = ["code", "status", "is_active"]


class RoutingFilterSet(SuiteFilterSet):
    class Meta:
        model = Routing
        fields = ["item", "is_active"]


class ManufacturingDefinitionFilterSet(SuiteFilterSet):
    class Meta:
        model = ManufacturingDefinition
        fields = ["item", "revision"]


class WorkOrderFilterSet(SuiteFilterSet):
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")

    class Meta:
        model = WorkOrder
        fields = ["number", "item", "revision", "status", "source", "needs_review"]


class OperationFilterSet(SuiteFilterSet):
    class Meta:
        model = Operation
        fields = ["work_order", "work_center", "status", "quality_blocked"]
