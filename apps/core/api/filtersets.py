"""`SuiteFilterSet`: the base of every FilterSet (API lists, UI lists, and those `filterset_fields` generate).

A filter value that could not be a value of its column answers 400 naming the parameter before any SQL runs:
numbers are finite and bounded (django-filter's own limits), moments have a UTC offset within ±14:00 and a year
1900-9999, dates are document dates, text is bounded (Django's form fields already refuse NUL characters).
"""

import django_filters
from django import forms

from apps.core import limits


def harden_filter(flt: django_filters.Filter) -> None:
    """Give a filter's form field the suite's input limits (idempotent: filters declared on a class are shared)."""
    field_class = flt.field_class
    extra = flt.extra
    # numbers: django-filter's NumberFilter already refuses non-finite values and bounds them (1e50)
    if issubclass(field_class, forms.DateTimeField):
        _add_validator(extra, limits.validate_datetime)
    elif issubclass(field_class, forms.DateField):
        _add_validator(extra, limits.validate_date)
    elif issubclass(field_class, forms.CharField):
        extra.setdefault("max_length", limits.MAX_QUERY_TEXT_LENGTH)


def _add_validator(extra: dict, validator) -> None:
    current = list(extra.get("validators", []))
    if validator not in current:
        extra["validators"] = [*current, validator]


class SuiteFilterSet(django_filters.FilterSet):
    """Every filter, declared or generated from `Meta.fields`, gets the input limits of `harden_filter`."""

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        for flt in filters.values():
            harden_filter(flt)
        return filters

