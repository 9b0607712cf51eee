"""Turning records into label/value rows for the generic detail page."""

from django.db import models
from django.urls import NoReverseMatch
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from apps.core.ui.resource import _label


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
    """The human value of a field (choices by label, related records by their text and link).

    A to-many relation (a many-to-many field, a reverse FK) shows its records as a comma-separated list of
    links, already HTML; the link of the pair is then None.
    """
    value = obj
    for part in name.split("__"):
        if value is None:
            return None, None
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
