"""Supplier items: what a supplier sells us, and at which price breaks."""

from decimal import Decimal

from django.db import transaction

from apps.core.checks import require_same_company
from apps.core.errors import DomainError
from apps.core.services.records import record_create, record_delete, record_update
from apps.scm.models import SupplierItem


def _check_price_breaks(price_breaks: list[dict] | None) -> None:
    seen: set[Decimal] = set()
    for index, row in enumerate(price_breaks or []):
        minimum = Decimal(row.get("min_quantity") or 0)
        if minimum in seen:
            raise DomainError(f"price_breaks.{index}.min_quantity",
                              f"Another price break already starts at {minimum}.", code="duplicate")
        seen.add(minimum)


def _check_supplier(supplier, company) -> None:
    if supplier is not None and not supplier.is_supplier:
        raise DomainError("supplier", f"{supplier} is not a supplier.", code="not_a_supplier")
    require_same_company(company, supplier=supplier)


def _clear_other_preferred(*, item, keep_pk=None) -> None:
    SupplierItem.objects.filter(item=item, is_preferred=True).exclude(pk=keep_pk).update(is_preferred=False)


@transaction.atomic
def supplier_item_create(*, company, actor, supplier, item, currency=None, price_breaks: list[dict] | None = None,
                         **fields) -> SupplierItem:
    """Record that a supplier sells an item (part number, currency, lead time, MOQ, price breaks)."""
    _check_supplier(supplier, company)
    _check_price_breaks(price_breaks)
    currency = currency or supplier.currency or company.currency
    if fields.get("is_preferred"):
        _clear_other_preferred(item=item)
    return record_create(model=SupplierItem, actor=actor, company=company, supplier=supplier, item=item,
                         currency=currency, price_breaks=list(price_breaks or []), **fields)


@transaction.atomic
def supplier_item_update(*, instance: SupplierItem, actor, **fields) -> SupplierItem:
    """Change a supplier item; given price breaks replace the existing ones."""
    if "supplier" in fields:
        _check_supplier(fields["supplier"], instance.company)
    if "currency" in fields and fields["currency"] is None:  # left empty: the supplier's, as on create
        supplier = fields.get("supplier") or instance.supplier
        fields["currency"] = supplier.currency or instance.company.currency
    if "price_breaks" in fields:
        _check_price_breaks(fields["price_breaks"])
    if fields.get("is_preferred"):
        _clear_other_preferred(item=fields.get("item", instance.item), keep_pk=instance.pk)
    return record_update(instance=instance, actor=actor, **fields)


@transaction.atomic
def supplier_item_delete(*, instance: SupplierItem, actor) -> None:
    record_delete(instance=instance, actor=actor)
