"""Gapless human document numbers per company, document type and year (`SO-2026-00001`).

Backed by django-sequences: the counter row is locked with SELECT ... FOR UPDATE in the
caller's transaction, so a rolled-back document gives its number back and two concurrent
callers never draw the same one.
"""

import datetime

from django.utils import timezone
from sequences import get_next_value


def next_number(*, company, doc_type: str, date: datetime.date | None = None, yearly: bool = True,
                width: int = 5) -> str:
    """Draw the next number; must run inside the transaction that creates the document."""
    if yearly:
        year = (date or timezone.localdate()).year
        value = get_next_value(f"{company.pk}:{doc_type}:{year}")
        return f"{doc_type}-{year}-{value:0{width}d}"
    value = get_next_value(f"{company.pk}:{doc_type}")
    return f"{doc_type}-{value:0{width}d}"
