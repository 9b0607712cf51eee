"""Filter backends shared by every list endpoint."""

from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend


class UpdatedAfterFilter(BaseFilterBackend):
    """`?updated_after=<ISO-8601>`: rows changed strictly after that moment (incremental sync)."""

    param = "updated_after"

    def filter_queryset(self, request, queryset, view):
        raw = request.query_params.get(self.param)
        if not raw:
            return queryset
        try:
            moment = parse_datetime(raw)
        except ValueError:
            moment = None
        if moment is None:
            raise exceptions.ValidationError({self.param: ["Enter an ISO-8601 date-time, e.g. 2026-01-31T12:00:00Z."]})
        if is_naive(moment):
            moment = make_aware(moment)
        if not any(f.name == "updated_at" for f in queryset.model._meta.get_fields()):
            return queryset
        return queryset.filter(updated_at__gt=moment)

    def get_schema_operation_parameters(self, view):
        return [{
            "name": self.param,
            "required": False,
            "in": "query",
            "description": "Only rows changed after this ISO-8601 date-time.",
            "schema": {"type": "string", "format": "date-time"},
        }]
