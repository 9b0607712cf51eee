"""Template tags of the UI shell: the chatter panel, badges, labels, quantities, percentages."""

from itertools import chain

from django import template
from django.contrib.contenttypes.models import ContentType

from apps.core.models import Attachment, AuditRecord, Note
from apps.core.ui.display import format_number, format_percent, format_quantity, unit_of
from apps.core.ui.history import history_entries
from apps.core.ui.labels import humanize_label

register = template.Library()


def chatter_context(context, obj) -> dict:
    """History (readable: field names, related records by name, lines as a diff), notes and attachments of a
    record, newest first, as one timeline."""
    content_type = ContentType.objects.get_for_model(obj)
    where = {"content_type": content_type, "object_id": str(obj.pk)}
    history = history_entries(AuditRecord.objects.filter(**where).select_related("actor", "content_type")[:100], obj)
    notes = Note.objects.filter(**where).select_related("author")
    attachments = Attachment.objects.filter(**where).select_related("uploaded_by")
    timeline = sorted(
        chain(
            ({"kind": "history", "at": e["record"].created_at, "item": e["record"], "entry": e} for e in history),
            ({"kind": "note", "at": n.created_at, "item": n} for n in notes),
            ({"kind": "attachment", "at": a.created_at, "item": a} for a in attachments),
        ),
        key=lambda entry: entry["at"],
        reverse=True,
    )
    return {"object": obj, "content_type_id": content_type.pk, "timeline": timeline,
            "attachments": attachments, "request": context.get("request")}


@register.inclusion_tag("core/partials/chatter.html", takes_context=True)
def chatter(context, obj):
    return chatter_context(context, obj)


STATUS_STYLES = {
    "draft": "secondary", "pending": "warning", "done": "success", "dead": "danger", "released": "success",
    "approved": "info", "submitted": "primary", "in_review": "primary", "rejected": "danger",
    "cancelled": "dark", "superseded": "light", "obsolete": "dark", "completed": "success", "closed": "dark",
    "in_progress": "primary", "posted": "success", "sent": "info", "partially_received": "info",
    "received": "success", "open": "warning", "reserved": "info", "picking": "primary", "packed": "primary",
    "shipped": "success", "accepted": "info", "dispositioned": "info", "active": "primary", "ordered": "success",
}


@register.filter
def status_badge(value) -> str:
    return STATUS_STYLES.get(str(value), "secondary")


@register.filter
def yesno_icon(value) -> str:
    if value is True:
        return "✔"
    if value is False:
        return "—"
    return value


@register.filter
def label(value) -> str:
    """`{{ field.label|label }}`: the suite's label (ECO, UoM, PO... written as the trade writes them)."""
    return humanize_label(value)


@register.filter
def quantity(value, unit_or_record=None) -> str:
    """`{{ line.quantity|quantity:line.uom }}` or `{{ move.quantity|quantity:move }}` (the record's unit):
    "8 ea", "2.500 kg"."""
    unit = unit_or_record
    if unit_or_record is not None and unit_or_record.__class__.__name__ != "UnitOfMeasure":
        unit = unit_of(unit_or_record)
    return format_quantity(value, unit)


@register.filter
def percent(value, ratio="ratio") -> str:
    """`{{ oee|percent }}`: a ratio (0.853) as "85.3 %"; `{{ scrap_percent|percent:"points" }}` for a percent."""
    if value is None or value == "":
        return "n/a"
    return format_percent(value, ratio=ratio == "ratio")


@register.filter
def number(value, decimals=None) -> str:
    """`{{ amount|number:2 }}`: a number in the suite's format (thousands grouped)."""
    return format_number(value, None if decimals in (None, "") else int(decimals))


# lookups of generated filters, said the way a person filters a list
LOOKUP_WORDS = [(" is less than or equal to", " on or before"), (" is greater than or equal to", " on or after"),
                (" is less than", " before"), (" is greater than", " after"), (" is in", " (any of)")]


@register.filter
def split_filters(form) -> dict:
    """A list's filter form in two: the plain filters, and those with a lookup (`due_date__lt`, `status__in`,
    mostly used by the home page's queue links) behind "More filters", opened when one of them is set."""
    main, more = [], []
    for bound in form:
        name = bound.name
        text = str(bound.label or name)
        for words, plain in LOOKUP_WORDS:
            text = text.replace(words, plain)
        bound.label = humanize_label(text)
        (more if "__" in name else main).append(bound)
    active = any(form.data.get(b.name) not in (None, "") for b in more) if form.is_bound else False
    return {"main": main, "more": more, "more_active": active}
