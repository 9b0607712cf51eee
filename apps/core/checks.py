"""Checks every service makes the same way."""

from django.db import models

from apps.core.audit import company_of
from apps.core.errors import DomainError


def require_same_company(company, **records: models.Model | None) -> None:
    """Refuse records of another company than `company` (a Company or its id), named by field.

    Each keyword is the field the record was given as (`**{f"lines.{i}.item": item}` for a line); None is
    skipped. A record without its own company follows its model's `company_path`. The first stranger raises
    `DomainError(field, "Belongs to another company.")`.
    """
    company_id = getattr(company, "pk", company)
    for field, record in records.items():
        if record is not None and company_of(record) != company_id:
            raise DomainError(field, "Belongs to another company.")
