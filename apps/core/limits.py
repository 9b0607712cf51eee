"""What a value may be before it reaches a service or the database, shared by the API and the UI.

Hostile or careless input must answer 400 naming the field, never 500: PostgreSQL refuses text with NUL
characters and UTC offsets of 16 hours or more, Python's dates end in year 9999, and a column's CHECK
constraint or precision is a rule the caller should hear about before the INSERT fails. The API's serializer
fields and filters (`apps.core.api.fields`, `apps.core.api.filtersets`) and the UI's forms (`harden_form`)
apply the same limits, and the request guard (`apps.core.request_guard`) rejects NUL characters anywhere.
"""

import datetime
from decimal import Decimal

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

# the widest offset in use is UTC+14 (Kiribati); PostgreSQL refuses 16 hours or more
MAX_UTC_OFFSET = datetime.timedelta(hours=14)
# moments (audit, scans, signals) and document dates (due, expiry, order dates) live in this range; near year 9999
# a lead time or a time zone conversion would overflow Python's dates
MIN_YEAR, MAX_YEAR = 1900, 9999
MIN_DOCUMENT_DATE, MAX_DOCUMENT_DATE = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)
# text without a column length (notes, descriptions) and free-text query parameters
MAX_TEXT_LENGTH = 10_000
MAX_QUERY_TEXT_LENGTH = 200
# 32-bit integer columns (most counters and days) and the ids of the suite (64-bit)
MAX_INTEGER = 2**31 - 1
MAX_ID = 2**63 - 1
# numbers given in query parameters (quantities of a BOM explosion or roll-up): 10^12 units is plenty
MAX_QUERY_DIGITS, QUERY_DECIMAL_PLACES = 16, 4


def datetime_problem(value: datetime.datetime) -> str | None:
    """Why a moment is unacceptable (offset, year, overflow in UTC), or None."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        return "The UTC offset must be between -14:00 and +14:00."
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        return f"The year must be between {MIN_YEAR} and {MAX_YEAR}."
    if offset is not None:
        try:
            in_utc = value.astimezone(datetime.UTC)
        except OverflowError:
            return f"The year must be between {MIN_YEAR} and {MAX_YEAR}."
        if not MIN_YEAR <= in_utc.year <= MAX_YEAR:
            return f"The year must be between {MIN_YEAR} and {MAX_YEAR}."
    return None


def date_problem(value: datetime.date) -> str | None:
    """Why a document date is unacceptable, or None."""
    if not MIN_DOCUMENT_DATE <= value <= MAX_DOCUMENT_DATE:
        return f"The date must be between {MIN_DOCUMENT_DATE.isoformat()} and {MAX_DOCUMENT_DATE.isoformat()}."
    return None


def validate_datetime(value) -> None:
    """A Django validator of moments (forms and serializer fields)."""
    if isinstance(value, datetime.datetime) and (problem := datetime_problem(value)):
        raise ValidationError(problem, code="out_of_range")


def validate_date(value) -> None:
    """A Django validator of document dates."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime) and (
            problem := date_problem(value)):
        raise ValidationError(problem, code="out_of_range")


def contains_nul(value: str) -> bool:
    return "\x00" in value


def fits_column(value: Decimal, model_field: models.DecimalField) -> bool:
    """Whether a computed amount fits its column (`numeric(max_digits, decimal_places)`) once rounded."""
    limit = Decimal(10) ** (model_field.max_digits - model_field.decimal_places)
    return value.is_finite() and abs(value) < limit


# ---- bounds a model's CHECK constraints put on its number columns ----------------------------------------------

_COMPARISONS = {"gte", "gt", "lte", "lt"}


def _simple_bounds(condition: Q) -> list[tuple[str, str, object]]:
    """`(field, lookup, constant)` of the comparisons that always hold when `condition` holds.

    An AND of comparisons gives each of them; `field IS NULL OR comparison` gives the comparison (for a nullable
    column the bound applies whenever there is a value); anything else (F() expressions, other ORs) gives none.
    """
    if condition.negated:
        return []
    found: list[tuple[str, str, object]] = []
    leaves = [child for child in condition.children if isinstance(child, tuple)]
    if condition.connector == Q.OR:
        comparisons = [leaf for leaf in leaves if leaf[0].rpartition("__")[2] in _COMPARISONS]
        nulls = [leaf for leaf in leaves if leaf[0].endswith("__isnull") and leaf[1] is True]
        if len(comparisons) == 1 and len(nulls) == len(leaves) - 1 == 1 and \
                nulls[0][0].rpartition("__")[0] == comparisons[0][0].rpartition("__")[0]:
            leaves = comparisons
        else:
            return []
    for name, value in leaves:
        field, _, lookup = name.rpartition("__")
        if lookup in _COMPARISONS and "__" not in field and isinstance(value, int | Decimal):
            found.append((field, lookup, value))
    for child in condition.children:
        if isinstance(child, Q) and condition.connector == Q.AND:
            found += _simple_bounds(child)
    return found


def column_bounds(model: type[models.Model], field_name: str) -> tuple[Decimal | None, Decimal | None]:
    """The inclusive (min, max) the model's CHECK constraints allow in a number column, or None for open ends.

    A strict bound becomes the next representable value: `quantity > 0` on a column with 4 decimal places
    is `quantity >= 0.0001`, so the serializer rejects exactly what the database would.
    """
    try:
        model_field = model._meta.get_field(field_name)
    except Exception:
        return None, None
    step = Decimal(1).scaleb(-(getattr(model_field, "decimal_places", None) or 0))
    low = high = None
    for constraint in model._meta.constraints:
        condition = getattr(constraint, "condition", None)
        if not isinstance(constraint, models.CheckConstraint) or not isinstance(condition, Q):
            continue
        for field, lookup, value in _simple_bounds(condition):
            if field != field_name:
                continue
            value = Decimal(value)
            if lookup in ("gte", "gt"):
                value = value + step if lookup == "gt" else value
                low = value if low is None else max(low, value)
            else:
                value = value - step if lookup == "lt" else value
                high = value if high is None else min(high, value)
    return low, high


# ---- the UI's forms -----------------------------------------------------------------------------------------------

def harden_form(form) -> None:
    """Apply the limits to a (model) form's fields: number ranges from the model's CHECK constraints, sane
    moments and document dates, bounded text. NUL characters are refused before any form by the request guard."""
    if getattr(form, "_suite_limits", False):
        return  # a form may pass through several helpers that apply the limits
    form._suite_limits = True
    model = getattr(getattr(form, "_meta", None), "model", None)
    for name, field in form.fields.items():
        if isinstance(field, forms.DecimalField | forms.IntegerField) and model is not None:
            low, high = column_bounds(model, name)
            if low is not None:
                field.validators.append(validators.MinValueValidator(low))
                field.widget.attrs.setdefault("min", str(low))
            if high is not None:
                field.validators.append(validators.MaxValueValidator(high))
                field.widget.attrs.setdefault("max", str(high))
        elif isinstance(field, forms.DateTimeField):
            field.validators.append(validate_datetime)
        elif isinstance(field, forms.DateField):
            field.validators.append(validate_date)
        elif isinstance(field, forms.CharField) and field.max_length is None:
            field.max_length = MAX_TEXT_LENGTH
            field.validators.append(validators.MaxLengthValidator(MAX_TEXT_LENGTH))
