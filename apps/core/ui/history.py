"""The history panel, readable: verbose field names, related records by name, lines as a diff.

An audit record stores snapshots as JSON (foreign keys by id, decimals as strings, dates as ISO strings). Here
they become what the record's page shows: "Released by: — → Erin Engineer", "Quantity: 2 ea → 3 ea", and a list
of BOM lines as added / removed / changed lines. Related rows are looked up once per model for the whole panel,
and only rows of the record's own company (or platform data and users) are named; anything else stays "#id".
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone

from apps.core.ui.display import as_date, format_field_value, format_quantity, unit_by_id
from apps.core.ui.labels import field_label, humanize_label

# the past tense people read in the history ("alice released", not "alice release")
ACTION_WORDS = {
    "create": "created", "update": "updated", "delete": "deleted", "admin_delete": "deleted (admin)",
    "bom_replace": "changed the BOM", "post": "posted", "post_batch": "posted", "submit": "submitted",
    "approve": "approved", "reject": "rejected", "release": "released", "cancel": "cancelled", "send": "sent",
    "ship": "shipped", "close": "closed", "replay": "replayed", "start": "started", "complete": "completed",
    "reserve": "reserved", "pack": "packed", "pick": "picked", "obsolete": "made obsolete", "revise": "revised",
    "accept": "accepted", "disposition": "dispositioned", "finish": "finished", "pause": "paused",
    "resume": "resumed", "withdraw": "withdrew", "order": "ordered", "reverse": "reversed",
    "receive": "received goods", "consume": "consumed", "adjust": "adjusted", "record_time": "recorded time",
}
# keys of a line that say which line it is, in the order they are shown
LINE_ORDER_KEYS = ("position", "line_number", "sequence")
LINE_IDENTITY_KEYS = ("component", "item", "purchase_order_line")
SKIPPED = {"id", "company"}


def action_text(action: str) -> str:
    return ACTION_WORDS.get(action, action.replace("_", " "))


@dataclass
class Change:
    """One changed value of a history entry; `lines` when the value is a list of rows (a BOM, order lines)."""

    label: str
    before: object = None
    after: object = None
    lines: list[tuple[str, str]] = field(default_factory=list)  # (kind: added/removed/changed/line, text)


def _field(model, name: str):
    try:
        return model._meta.get_field(name)
    except (FieldDoesNotExist, AttributeError):
        return None


def _child_model(model, name: str):
    """The model of a list-of-rows value (`bom_lines` of a revision → BomLine), if the key is a relation."""
    relation = _field(model, name)
    return relation.related_model if relation is not None and (relation.one_to_many or relation.many_to_many) \
        else None


class _Names:
    """Related rows named by `str()`, looked up in one query per model, limited to the record's company."""

    def __init__(self, company_id):
        self.company_id = company_id
        self.wanted: dict[type, set] = defaultdict(set)
        self.names: dict[tuple[type, str], str] = {}

    def want(self, model, value) -> None:
        for pk in value if isinstance(value, list) else [value]:
            if pk is not None and not isinstance(pk, dict):
                self.wanted[model].add(pk)

    def resolve(self) -> None:
        user_model = get_user_model()
        for model, ids in self.wanted.items():
            queryset = model._default_manager.filter(pk__in=ids)
            path = getattr(model, "company_path", None)
            if path:  # another company's row is never named here
                queryset = queryset.filter(**{path: self.company_id})
            for row in queryset:
                name = row.get_username() if model is user_model else str(row)
                self.names[(model, str(row.pk))] = name

    def name(self, model, pk) -> str:
        if pk is None:
            return None
        return self.names.get((model, str(pk)), f"#{pk}")


def _collect(names: _Names, model, key: str, value) -> None:
    """Note the related ids a value refers to (its own FK/M2M, or the FKs inside its rows)."""
    if value is None:
        return
    relation = _field(model, key)
    if relation is not None and (relation.many_to_one or relation.one_to_one or relation.many_to_many):
        names.want(relation.related_model, value)
        return
    child = _child_model(model, key)
    if child is not None and isinstance(value, list):
        for row in value:
            if isinstance(row, dict):
                for name, item in row.items():
                    _collect(names, child, name, item)


def _note_text(note: dict) -> str:
    """A note a step keeps beside its snapshot (e.g. the time log it recorded), as "Kind run · Started at …"."""
    parts = []
    for key, value in note.items():
        if value is None or value == "":
            continue
        moment = as_date(value)
        if isinstance(moment, datetime.datetime):
            value = formats.date_format(timezone.localtime(moment) if timezone.is_aware(moment) else moment,
                                        "DATETIME_FORMAT")
        parts.append(f"{humanize_label(key)} {value}")
    return " · ".join(parts)


def _value(names: _Names, model, key: str, value, owner=None):
    """One snapshot value as people read it."""
    if value is None or value == "":
        return None
    relation = _field(model, key)
    if relation is None:
        if isinstance(value, dict):
            return _note_text(value)
        if isinstance(value, bool):
            return "Yes" if value else "No"
        return str(value)
    if relation.many_to_many:
        return ", ".join(names.name(relation.related_model, pk) for pk in value) if isinstance(value, list) \
            else str(value)
    if relation.many_to_one or relation.one_to_one:
        return names.name(relation.related_model, value)
    if relation.choices:
        return str(dict(relation.flatchoices).get(value, value))
    if isinstance(relation, models.BooleanField):
        return "Yes" if value else "No"
    if isinstance(relation, models.DateTimeField):
        moment = as_date(value)
        if hasattr(moment, "tzinfo"):
            return formats.date_format(timezone.localtime(moment) if timezone.is_aware(moment) else moment,
                                       "DATETIME_FORMAT")
        return str(value)
    if isinstance(relation, models.DateField):
        day = as_date(value)
        return formats.date_format(day, "DATE_FORMAT") if hasattr(day, "year") else str(value)
    formatted = format_field_value(relation, value, owner)
    return str(formatted)


def _row_text(names: _Names, child, row: dict) -> str:
    """A line of a list value: "10 · M-100 Bolt · 2 ea · Scrap 5.0 %"."""
    parts = [str(row[k]) for k in LINE_ORDER_KEYS if row.get(k) not in (None, "")]
    unit = None
    if row.get("uom") is not None:
        unit = unit_by_id(row["uom"])
    related, amounts, others = [], [], []
    for key, value in row.items():
        if key in LINE_ORDER_KEYS or key in SKIPPED or key == "uom" or value in (None, "", "0", "0.0000", 0):
            continue
        relation = _field(child, key)
        if key.startswith("quantity"):
            text = format_quantity(value, unit)
            amounts.append(text if key == "quantity" else f"{field_label(child, key)} {text}")
        elif relation is not None and (relation.many_to_one or relation.one_to_one):
            related.append(names.name(relation.related_model, value))
        elif key.endswith("_percent"):
            others.append(f"{humanize_label(key.removesuffix('_percent'))} {_value(names, child, key, value)}")
        else:
            others.append(f"{field_label(child, key)} {_value(names, child, key, value)}")
    parts += related + amounts + others  # "10 · M-100 Bolt · 2 ea · Scrap 5.0 %"
    return " · ".join(parts)


def _identity(row: dict, index: int):
    keys = tuple(row.get(k) for k in (*LINE_ORDER_KEYS, *LINE_IDENTITY_KEYS) if k in row)
    return keys or index


def _line_diff(names: _Names, child, before: list | None, after: list | None) -> list[tuple[str, str]]:
    """Rows added, removed and changed between two lists of rows (all rows as "line" without a before)."""
    after = [r for r in after or [] if isinstance(r, dict)]
    if before is None:
        return [("line", _row_text(names, child, r)) for r in after]
    before = [r for r in before if isinstance(r, dict)]
    old = {_identity(r, i): r for i, r in enumerate(before)}
    new = {_identity(r, i): r for i, r in enumerate(after)}
    lines = []
    for key, row in new.items():
        if key not in old:
            lines.append(("added", _row_text(names, child, row)))
        elif old[key] != row:
            changed = [f"{field_label(child, k)} {_value(names, child, k, old[key].get(k)) or '—'} → "
                       f"{_value(names, child, k, v) or '—'}" for k, v in row.items() if old[key].get(k) != v]
            lines.append(("changed", f"{_row_text(names, child, row)}: {'; '.join(changed)}"))
    lines += [("removed", _row_text(names, child, row)) for key, row in old.items() if key not in new]
    return lines


def history_entries(records, obj=None) -> list[dict]:
    """The audit records of one object (newest first), each with `action_text` and readable `changes`.

    A list value (a BOM written by `bom_replace`) without a before is compared with the same list in the
    previous record that has it, so each entry reads as a diff.
    """
    records = list(records)
    if not records:
        return []
    model = records[0].content_type.model_class()
    names = _Names(records[0].company_id)
    for record in records:
        for key in set(record.before or {}) | set(record.after or {}):
            _collect(names, model, key, (record.before or {}).get(key))
            _collect(names, model, key, (record.after or {}).get(key))
    names.resolve()
    order = {f.name: i for i, f in enumerate(model._meta.get_fields())} if model else {}
    previous_lists: dict[str, list] = {}
    entries: list[dict] = []
    for record in reversed(records):  # oldest first, to know each list's previous value
        changes = []
        before, after = record.before or {}, record.after or {}
        for key in sorted(set(before) | set(after), key=lambda k: (order.get(k, 999), k)):
            if key in SKIPPED or before.get(key) == after.get(key):
                continue
            old, new = before.get(key), after.get(key)
            child = _child_model(model, key) if model else None
            if any(isinstance(v, list) and v and isinstance(v[0], dict) for v in (old, new)):
                lines = _line_diff(names, child, old if key in before else previous_lists.get(key), new)
                changes.append(Change(field_label(model, key), lines=lines))
            else:
                changes.append(Change(field_label(model, key) if model else humanize_label(key),
                                      _value(names, model, key, old, obj), _value(names, model, key, new, obj)))
            if isinstance(new, list):
                previous_lists[key] = new
        entries.append({"record": record, "action_text": action_text(record.action),
                        "changes": changes if record.action != "create" else []})
    entries.reverse()
    return entries

