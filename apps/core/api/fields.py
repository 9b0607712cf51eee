"""Serializer fields with the suite's input limits, and the mixin that applies them to every field.

`HardenedFieldsMixin` is part of every API serializer base (`SuiteModelSerializer`, `SuiteSerializer`,
`SuiteChildSerializer`), so a new module inherits it: numbers within their column's CHECK constraints and
integer range, moments with a sane UTC offset and year, document dates in range, text bounded (DRF's CharField
already refuses NUL characters). Read-only fields that can be null say so, so the schema tells the truth.
"""

from django.core import validators
from django.db import models
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from apps.core import limits


class SuiteDateTimeField(serializers.DateTimeField):
    """An ISO-8601 moment whose UTC offset is within ±14:00 and whose year is 1900-9999."""

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None and (problem := limits.datetime_problem(parsed)):
                raise serializers.ValidationError(problem, code="out_of_range")
        moment = super().to_internal_value(value)
        if problem := limits.datetime_problem(moment):
            raise serializers.ValidationError(problem, code="out_of_range")
        return moment


class SuiteDateField(serializers.DateField):
    """A document date between 1900-01-01 and 2999-12-31."""

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if problem := limits.date_problem(day):
            raise serializers.ValidationError(problem, code="out_of_range")
        return day


def _model_field_path(model, source: str) -> list[models.Field] | None:
    """The model fields a dotted `source` walks through (`current_revision.code`), or None if it is not a path of
    model fields (a property, a method, `*`)."""
    if model is None or not source or source == "*":
        return None
    path = []
    for attr in source.split("."):
        try:
            field = model._meta.get_field(attr)
        except Exception:
            return None
        path.append(field)
        model = field.related_model
    return path


def _bound(field, attribute: str, value, validator_class) -> None:
    current = getattr(field, attribute, None)
    if current is None or (attribute == "min_value" and value > current) or (
            attribute == "max_value" and value < current):
        setattr(field, attribute, value)
        field.validators.append(validator_class(value))


def harden_field(field, model=None, name: str = "") -> None:
    """Apply the input limits (and the truth about nulls) to one serializer field of a serializer on `model`."""
    if isinstance(field, serializers.BaseSerializer):
        return  # a nested serializer hardens its own fields
    path = _model_field_path(model, field.source or name)
    if field.read_only:
        # null when the column is nullable, when the path crosses a nullable relation, or when declared so
        if (path and any(getattr(f, "null", False) for f in path)) or field.default is None:
            field.allow_null = True
        return
    if isinstance(field, serializers.ChoiceField | serializers.BooleanField | serializers.RelatedField |
                  serializers.ManyRelatedField | serializers.FileField):
        return
    if isinstance(field, serializers.DecimalField | serializers.IntegerField) and path and len(path) == 1:
        low, high = limits.column_bounds(model, path[0].name)
        if low is not None:
            _bound(field, "min_value", low, validators.MinValueValidator)
        if high is not None:
            _bound(field, "max_value", high, validators.MaxValueValidator)
    if isinstance(field, serializers.IntegerField):
        _bound(field, "min_value", -limits.MAX_INTEGER - 1, validators.MinValueValidator)
        _bound(field, "max_value", limits.MAX_INTEGER, validators.MaxValueValidator)
    elif isinstance(field, serializers.DateTimeField) and not isinstance(field, SuiteDateTimeField):
        field.validators.append(limits.validate_datetime)
    elif isinstance(field, serializers.DateField) and not isinstance(field, SuiteDateField):
        field.validators.append(limits.validate_date)
    elif isinstance(field, serializers.CharField) and getattr(field, "max_length", None) is None:
        # a declared field writing a column takes the column's length, any other text the suite's bound
        field.max_length = (path and getattr(path[-1], "max_length", None)) or limits.MAX_TEXT_LENGTH
        field.validators.append(validators.MaxLengthValidator(field.max_length))


class HardenedFieldsMixin:
    """Serializer mixin: every field gets the input limits of `harden_field`; model fields map to the suite's
    date and time fields."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: SuiteDateTimeField,
        models.DateField: SuiteDateField,
    }

    def get_fields(self):
        fields = super().get_fields()
        model = getattr(getattr(self, "Meta", None), "model", None)
        for name, field in fields.items():
            harden_field(field, model, name)
        return fields
