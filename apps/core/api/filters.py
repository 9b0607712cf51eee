"""Filter backends shared by every list endpoint: `?updated_after=` and `?ordering=`."""

import re

from django.core.exceptions import FieldDoesNotExist
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend, OrderingFilter

from apps.core import limits


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
        if problem := limits.datetime_problem(moment):
            raise exceptions.ValidationError({self.param: [problem]})
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
            "description": "Only rows changed after this ISO-8601 date-time (UTC offset within ±14:00).",
            "schema": {"type": "string", "format": "date-time"},
        }]


def is_model_path(model, path: str) -> bool:
    """Whether `a__b__c` names a chain of model fields (something the database can order by)."""
    for name in path.split("__"):
        if model is None:
            return False
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        model = field.related_model
    return True


class SuiteOrderingFilter(OrderingFilter):
    """`?ordering=a,-b`: an unknown field answers 400 naming `ordering` and the fields it accepts (DRF would
    silently ignore it); the schema lists the accepted values."""

    def get_default_valid_fields(self, queryset, view, context=None):
        # fields of the serializer that are model fields (a dotted source like `content_type.natural_key` is not)
        return [(name, label) for name, label in super().get_default_valid_fields(queryset, view, context)
                if is_model_path(queryset.model, name)]

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params is None:
            return self.get_default_ordering(view)
        terms = [term.strip() for term in params.split(",")]
        valid = [name for name, _label in self.get_valid_fields(queryset, view, {"request": request})]
        unknown = [term for term in terms if term.removeprefix("-") not in valid]
        if unknown:
            raise exceptions.ValidationError({self.ordering_param: [
                f"Cannot order by {', '.join(repr(t) for t in unknown)}; use one of: {', '.join(valid) or 'none'} "
                "(prefix - for descending, separate with commas)."]})
        return terms

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        queryset = getattr(view, "queryset", None)
        if queryset is None:
            return parameters
        valid = [name for name, _label in self.get_valid_fields(queryset, view, {"request": None})]
        term = f"-?(?:{'|'.join(re.escape(name) for name in valid)})"
        parameters[0]["schema"]["pattern"] = f"^{term}(?:,{term})*$"
        parameters[0]["description"] = f"Order by {', '.join(valid)} (prefix - for descending; comma-separated)."
        return parameters
