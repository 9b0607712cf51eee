"""Template tags of the UI shell: the chatter panel, badges, values."""

from itertools import chain

from django import template
from django.contrib.contenttypes.models import ContentType

from apps.core.models import Attachment, AuditRecord, Note

register = template.Library()


def chatter_context(context, obj) -> dict:
    """History, notes and attachments of a record, newest first, as one timeline."""
    content_type = ContentType.objects.get_for_model(obj)
    where = {"content_type": content_type, "object_id": str(obj.pk)}
    history = AuditRecord.objects.filter(**where).select_related("actor")[:100]
    notes = Note.objects.filter(**where).select_related("author")
    attachments = Attachment.objects.filter(**where).select_related("uploaded_by")
    timeline = sorted(
        chain(
            ({"kind": "history", "at": r.created_at, "item": r} for r in history),
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
    "in_progress": "primary", "posted": "success", "sent": "info",
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
