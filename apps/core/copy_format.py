"""PostgreSQL COPY's text format, for the set-based writers that send thousands of rows at once (MRP's plan, the
machine signals, bulk audit rows): one row per line, values separated by tabs, `\\N` for NULL, and backslash,
tab, newline and carriage return escaped in text."""

import json

from django.core.serializers.json import DjangoJSONEncoder

NULL = "\\N"
ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_field(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(ESCAPES)
    return str(value)  # numbers, Decimals, dates and datetimes (ISO)


def copy_json(value) -> str:
    """A JSON field's value in COPY's text format (as a JSONField with DjangoJSONEncoder stores it)."""
    return NULL if value is None else json.dumps(value, cls=DjangoJSONEncoder).translate(ESCAPES)
