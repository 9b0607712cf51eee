"""Party services: customers and suppliers."""

from django.db import transaction

from apps.core.errors import DomainError
from apps.core.models import Company, Party
from apps.core.numbering import next_number
from apps.core.services.records import record_create, record_update


def _check_roles(is_customer: bool, is_supplier: bool) -> None:
    if not (is_customer or is_supplier):
        raise DomainError("is_customer", "A party must be a customer, a supplier or both.")


@transaction.atomic
def party_create(*, company: Company, actor, name: str, is_customer: bool = False, is_supplier: bool = False,
                 **fields) -> Party:
    """Create a customer and/or supplier with the next party number (`P-00001`)."""
    _check_roles(is_customer, is_supplier)
    number = next_number(company=company, doc_type="P", yearly=False)
    return record_create(model=Party, actor=actor, company=company, number=number, name=name,
                         is_customer=is_customer, is_supplier=is_supplier, **fields)


@transaction.atomic
def party_update(*, instance: Party, actor, **fields) -> Party:
    """Change a party's data; its number never changes."""
    fields.pop("number", None)
    _check_roles(fields.get("is_customer", instance.is_customer), fields.get("is_supplier", instance.is_supplier))
    return record_update(instance=instance, actor=actor, **fields)
