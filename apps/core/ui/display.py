"""Turning records into label/value rows for the generic detail page."""

from django.db import models
from django.urls import NoReverseMatch

from apps.core.ui.resource import _label


def display_value(obj, name: str):
    """The human value of a field (choices by label, related records by their text and link)."""
    value = obj
    for part in name.split("__"):
        if value is None:
            return None, None
        display = getattr(value, f"get_{part}_display", None)
        value = display() if callable(display) else getattr(value, part, None)
    if callable(value) and not isinstance(value, models.Model):
        value = value()
    link = None
    if isinstance(value, models.Model) and hasattr(value, "get_absolute_url"):
        try:
            link = value.get_absolute_url()
        except NoReverseMatch:
            link = None
    if isinstance(value, models.fields.files.FieldFile):
        value = value.name if value else ""
    if isinstance(value, models.Manager):
        value = ", ".join(str(v) for v in value.all())
    return value, link


def display_fields(obj, names: list[str]) -> list[tuple[str, object, str | None]]:
    rows = []
    for name in names:
        value, link = display_value(obj, name)
        rows.append((_label(type(obj), name), value, link))
    return rows


def related_rows(obj, resource) -> list[dict]:
    """The inline child rows and declared related lists, as small tables."""
    sections = []
    for inline in resource.inlines:
        manager = getattr(obj, inline.related_name)
        model = manager.model
        sections.append({
            "label": inline.label or model._meta.verbose_name_plural.capitalize(),
            "headers": [_label(model, f) for f in inline.fields],
            "rows": [[display_value(row, f) for f in inline.fields] for row in manager.all()],
        })
    for rel in resource.related:
        source = rel.accessor(obj) if callable(rel.accessor) else getattr(obj, rel.accessor)
        items = source.all() if hasattr(source, "all") else source
        model = getattr(items, "model", None)
        sections.append({
            "label": rel.label,
            "headers": [_label(model, f) if model else f for f in rel.fields],
            "rows": [[display_value(row, f) for f in rel.fields] for row in items],
        })
    return sections
