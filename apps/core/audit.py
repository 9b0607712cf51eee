"""Recording changes: every service calls `record_change` in its own transaction."""

import json
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

from apps.core.copy_format import NULL, copy_field, copy_json
from apps.core.models import AuditRecord

_SKIPPED = {"created_at", "updated_at"}
_PLAIN = {str, int, bool, type(None)}  # what JSON gives back unchanged (not float: NaN, not subclasses: enums)


def snapshot(obj: models.Model) -> dict:
    """The JSON-safe values of a record's concrete fields (foreign keys by id, files by name)."""
    data = {}
    for f in obj._meta.concrete_fields:
        if f.name in _SKIPPED:
            continue
        value = getattr(obj, f.attname)
        if isinstance(f, models.FileField):
            value = value.name if value else None
        elif isinstance(value, Decimal):
            # as the database stores it ("1.50000000"), so an unrefreshed instance shows no false change
            if isinstance(f, models.DecimalField) and value.is_finite():
                value = value.quantize(Decimal(1).scaleb(-f.decimal_places))
            value = str(value)
        # as JSON gives it back (dates as strings, JSON values copied); plain values need no round trip
        data[f.name] = value if type(value) in _PLAIN else json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    return data


def company_of(obj: models.Model):
    """The company id a record belongs to, following its `company_path`."""
    if hasattr(obj, "company_id"):
        return obj.company_id
    path = getattr(type(obj), "company_path", None)
    if not path:
        return None
    if path == "id":
        return obj.pk
    value = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value.pk


def record_change(obj: models.Model, *, actor, action: str, before: dict | None = None,
                  after: dict | None = None) -> AuditRecord:
    """Write the audit row for a change to `obj` (before: a `snapshot` taken before the change)."""
    if after is None and action != "delete":
        after = snapshot(obj)
    return AuditRecord.objects.create(
        company_id=company_of(obj),
        actor=actor if getattr(actor, "pk", None) else None,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action=action,
        before=before,
        after=after,
    )


_COLUMNS = "company_id, actor_id, content_type_id, object_id, object_repr, action, before, after, created_at"


def record_changes(model: type[models.Model], changes: list[tuple], *, actor) -> None:
    """`record_change`'s rows for many records of one model at once, written by one COPY (for set-based services
    that change hundreds of records a batch, such as the machine signals' downtime): `changes` holds
    (company id, object id, description, action, before, after) per record."""
    if not changes:
        return
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False).pk
    actor_id = actor.pk if getattr(actor, "pk", None) else NULL
    created_at = timezone.now().isoformat()
    lines = [f"{copy_field(company_id)}\t{actor_id}\t{content_type}\t{copy_field(str(object_id))}\t"
             f"{copy_field(str(description)[:200])}\t{copy_field(action)}\t{copy_json(before)}\t{copy_json(after)}\t"
             f"{created_at}\n" for company_id, object_id, description, action, before, after in changes]
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(
            f"COPY {AuditRecord._meta.db_table} ({_COLUMNS}) FROM STDIN") as copy:
        copy.write("".join(lines))
