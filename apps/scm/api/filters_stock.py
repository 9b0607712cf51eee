"""FilterSets of the stock resources."""

import django_filters

from apps.core.api.filtersets import SuiteFilterSet
from apps.scm.models import CycleCount, Location, Lot, Reservation, StockMove, StockQuant, Warehouse


class WarehouseFilterSet(SuiteFilterSet):
    class Meta:
        model = Warehouse
        fields = {"code": ["exact"], "is_active": ["exact"]}


class LocationFilterSet(SuiteFilterSet):
    class Meta:
        model = Location
        fields = {"warehouse": ["exact"], "parent": ["exact"], "kind": ["exact"], "barcode": ["exact"],
                  "code": ["exact", "startswith"], "is_quality_hold": ["exact"]}


class LotFilterSet(SuiteFilterSet):
    class Meta:
        model = Lot
        fields = {"item": ["exact"], "code": ["exact"], "expires_on": ["lte", "gte"], "is_serial": ["exact"]}


class StockQuantFilterSet(SuiteFilterSet):
    warehouse = django_filters.NumberFilter(field_name="location__warehouse")

    class Meta:
        model = StockQuant
        fields = {"item": ["exact"], "location": ["exact"], "lot": ["exact"]}


class StockMoveFilterSet(SuiteFilterSet):
    location = django_filters.NumberFilter(method="filter_location", help_text="Moves from or to this location.")

    class Meta:
        model = StockMove
        fields = {"item": ["exact"], "lot": ["exact"], "status": ["exact"], "reference": ["exact"],
                  "from_location": ["exact"], "to_location": ["exact"], "source_type": ["exact"],
                  "source_id": ["exact"], "done_at": ["gte", "lte"]}

    def filter_location(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(from_location=value) | Q(to_location=value))


class ReservationFilterSet(SuiteFilterSet):
    class Meta:
        model = Reservation
        fields = {"item": ["exact"], "location": ["exact"], "lot": ["exact"], "status": ["exact"],
                  "reference": ["exact"], "source_type": ["exact"], "source_id": ["exact"]}


class CycleCountFilterSet(SuiteFilterSet):
    class Meta:
        model = CycleCount
        fields = {"location": ["exact"], "status": ["exact"], "number": ["exact"]}
