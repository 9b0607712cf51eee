"""Turning records into what people read: label/value rows, quantities with their unit, percentages, links.

Every generic screen (list columns, detail rows, related tables, history) formats values here, so a quantity
reads "8 ea" and "2.500 kg" everywhere instead of "8.0000", a ratio reads "85.3 %", and amounts and dates follow
the one format of the suite's localization (`suite/formats/`).
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models
from django.urls import NoReverseMatch
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from apps.core.ui.labels import field_label, humanize_label

# digits shown after the decimal point per unit category; other categories show 3 (a unit may set `decimals`)
CATEGORY_DECIMALS = {"Unit": 0, "Time": 2}
DEFAULT_UNIT_DECIMALS = 3
QUANTITY_PLACES = 4  # what the database stores (ARCHITECTURE.md: quantities have 4 decimals)
# where a row's unit is, tried in order unless the model declares `quantity_unit = "<path>"`
UNIT_PATHS = ("uom", "item__uom", "component__uom", "purchase_order_line__item__uom", "line__item__uom",
              "work_order__item__uom", "material__component__uom")
_units: dict[int, object] = {}


def unit_by_id(unit_id):
    """A unit of measure by id from a small process cache (units are platform data; a miss reloads them all)."""
    if unit_id is None:
        return None
    if unit_id not in _units:
        from apps.core.models import UnitOfMeasure

        _units.clear()
        _units.update({u.pk: u for u in UnitOfMeasure.objects.select_related("category")})
    return _units.get(unit_id)


def forget_units(**_kwargs) -> None:
    """Drop the unit cache (connected to UnitOfMeasure saves and deletes in core's AppConfig)."""
    _units.clear()


def unit_decimals(unit) -> int:
    """How many decimals a quantity in `unit` shows."""
    explicit = getattr(unit, "decimals", None)
    if explicit is not None:
        return int(explicit)
    cached = unit_by_id(unit.pk)
    return CATEGORY_DECIMALS.get(cached.category.name if cached is not None else None, DEFAULT_UNIT_DECIMALS)


def unit_path(model) -> str | None:
    """The path from a row of `model` to the unit its quantities are in (None when it has none)."""
    declared = getattr(model, "quantity_unit", None)
    if declared:
        return declared
    for path in UNIT_PATHS:
        current = model
        for part in path.split("__"):
            try:
                field = current._meta.get_field(part)
            except Exception:
                current = None
                break
            current = field.related_model
        if current is not None and current._meta.label_lower == "core.unitofmeasure":
            return path
    return None


def unit_of(obj):
    """The unit of measure of a row's quantities (its own `uom`, its item's, its component's...), or None."""
    path = unit_path(type(obj))
    if path is None:
        return None
    value = obj
    *parents, last = path.split("__")
    for part in parents:
        value = getattr(value, part, None)
        if value is None:
            return None
    return unit_by_id(getattr(value, f"{last}_id", None))


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def format_number(value, decimals: int | None = None, *, min_decimals: int = 0) -> str:
    """A number in the suite's format (thousands grouped): `decimals` fixed, or as many as it has (≥ min)."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    if decimals is None:
        exponent = -number.normalize().as_tuple().exponent
        decimals = max(min(exponent, QUANTITY_PLACES + 4), min_decimals, 0)
    return formats.number_format(number.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP), decimals,
                                 force_grouping=True)


def format_quantity(value, unit=None) -> str:
    """"8 ea", "2.500 kg": the unit's precision, more digits only where rounding would hide a real fraction."""
    number = _decimal(value)
    if number is None:
        return ""
    decimals = unit_decimals(unit) if unit is not None else None
    if decimals is not None and number.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP) != number:
        decimals = None  # 0.5 ea stays 0.5 ea
    text = format_number(number, decimals)
    return f"{text} {unit.code}" if unit is not None else text


def format_percent(value, *, ratio: bool = False, decimals: int = 1) -> str:
    """"85.3 %" from 85.3 (a percent field) or, with `ratio`, from 0.853 (OEE and its factors)."""
    number = _decimal(value)
    if number is None:
        return ""
    if ratio:
        number *= 100
    return f"{format_number(number, decimals)} %"


MONEY_WORDS = ("cost", "price", "amount", "value", "rate", "percent")


def is_quantity_field(field) -> bool:
    """Quantities are the 4-decimal fields (ARCHITECTURE.md); prices and costs with 4 decimals and percentages are
    told by their name."""
    return (isinstance(field, models.DecimalField) and field.decimal_places == QUANTITY_PLACES
            and not any(word in field.name for word in MONEY_WORDS))


def format_field_value(field, value, owner=None):
    """A model field's value as people read it (None stays None for the templates' dash)."""
    if value is None or value == "":
        return value
    if isinstance(field, models.DecimalField):
        if field.name.endswith("_percent"):
            return format_percent(value)
        if is_quantity_field(field):
            return format_quantity(value, unit_of(owner) if owner is not None else None)
        if field.decimal_places == 2:
            return format_number(value, 2)
        return format_number(value, min_decimals=2)
    return value


def _url_of(record) -> str | None:
    if not hasattr(record, "get_absolute_url"):
        return None
    try:
        return record.get_absolute_url()
    except NoReverseMatch:
        return None


def linked_list(records) -> SafeString:
    """Records as a comma-separated list, each a link to its page where it has one (escaped)."""
    return format_html_join(", ", "{}", ((format_html('<a href="{}">{}</a>', url, record) if (url := _url_of(record))
                                          else format_html("{}", record),) for record in records))


def display_value(obj, name: str):
    """The human value of a field (choices by label, related records by their text and link, quantities with
    their unit, percentages as percentages).

    A to-many relation (a many-to-many field, a reverse FK) shows its records as a comma-separated list of
    links, already HTML; the link of the pair is then None.
    """
    value, owner, field = obj, None, None
    for part in name.split("__"):
        if value is None:
            return None, None
        owner = value
        try:
            field = type(value)._meta.get_field(part)
        except Exception:
            field = None
        display = getattr(value, f"get_{part}_display", None)
        value = display() if callable(display) else getattr(value, part, None)
    # a related manager is callable too (`manager(manager="...")`), so it is handled before plain callables
    if isinstance(value, models.Manager):
        return linked_list(value.all()), None
    if callable(value) and not isinstance(value, models.Model):
        value = value()
    link = None
    if isinstance(value, models.Model):
        link = _url_of(value)
    if isinstance(value, models.fields.files.FieldFile):
        value = value.name if value else ""
    if field is not None and not isinstance(value, models.Model):
        value = format_field_value(field, value, owner)
    return value, link


def display_fields(obj, names: list[str]) -> list[tuple[str, object, str | None]]:
    rows = []
    for name in names:
        value, link = display_value(obj, name)
        rows.append((field_label(type(obj), name), value, link))
    return rows


def related_rows(obj, resource) -> list[dict]:
    """The inline child rows and declared related lists, as small tables."""
    sections = []
    for inline in resource.inlines:
        if not inline.on_detail:
            continue
        manager = getattr(obj, inline.related_name)
        model = manager.model
        sections.append({
            "label": inline.label or humanize_label(model._meta.verbose_name_plural),
            "headers": [field_label(model, f) for f in inline.fields],
            "rows": [[display_value(row, f) for f in inline.fields] for row in manager.all()],
        })
    for rel in resource.related:
        source = rel.accessor(obj) if callable(rel.accessor) else getattr(obj, rel.accessor)
        items = source.all() if hasattr(source, "all") else source
        model = getattr(items, "model", None)
        sections.append({
            "label": rel.label,
            "headers": [field_label(model, f) if model else f for f in rel.fields],
            "rows": [_linked_first([display_value(row, f) for f in rel.fields], row) for row in items],
        })
    return sections


def _linked_first(cells: list[tuple], row) -> list[tuple]:
    """A related row's first cell links to the row's own page (a receipt's number opens the receipt)."""
    if cells and cells[0][1] is None and cells[0][0] not in (None, "") and (url := _url_of(row)):
        cells[0] = (cells[0][0], url)
    return cells


def as_date(value):
    """An ISO date or date-time string from a JSON snapshot, as a date/datetime (else the value itself)."""
    if not isinstance(value, str) or len(value) < 10 or value[4:5] != "-" or value[7:8] != "-":
        return value
    try:
        if len(value) == 10:
            return datetime.date.fromisoformat(value)
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value


def quantity_text(value, unit_id) -> str:
    """A quantity in a unit given by id, for a model's `__str__` ("8 ea"): no query for the unit's row."""
    return format_quantity(value, unit_by_id(unit_id))


def moment_text(moment) -> str:
    """A date-time in the suite's one format and the server's time zone, for a model's `__str__`."""
    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment) if timezone.is_aware(moment) else moment, "DATETIME_FORMAT")
