"""Item planning parameters: create, change, delete (audited), with the lot-sizing rules checked by field."""

from decimal import Decimal

from django.db import transaction

from apps.core.checks import require_same_company
from apps.core.errors import ConflictError, DomainError
from apps.core.services.records import record_create, record_delete, record_update
from apps.erp.models import ItemPlanning
from apps.erp.models.mrp import LotSizing


def _check(values: dict) -> None:
    if values.get("lot_sizing") == LotSizing.FIXED and not values.get("fixed_quantity"):
        raise DomainError("fixed_quantity", "Fixed lots need the fixed quantity (more than 0).", code="required")
    for name in ("fixed_quantity", "minimum_quantity", "multiple", "safety_stock"):
        value = values.get(name)
        if value is not None and Decimal(value) < 0:
            raise DomainError(name, "Cannot be negative.", code="min_value")


@transaction.atomic
def item_planning_create(*, company, actor, item, **fields) -> ItemPlanning:
    """Planning parameters of an item (one row per item)."""
    require_same_company(company, item=item)
    if ItemPlanning.objects.filter(item=item).exists():
        raise ConflictError("item", f"{item.number} already has planning parameters: change them.", code="unique")
    _check(fields)
    return record_create(model=ItemPlanning, actor=actor, company=company, item=item, **fields)


@transaction.atomic
def item_planning_update(*, instance: ItemPlanning, actor, **fields) -> ItemPlanning:
    fields.pop("item", None)  # the parameters stay with their item
    fields.pop("company", None)
    merged = {name: getattr(instance, name) for name in ("lot_sizing", "fixed_quantity")} | fields
    _check(merged)
    return record_update(instance=instance, actor=actor, **fields)


@transaction.atomic
def item_planning_delete(*, instance: ItemPlanning, actor) -> None:
    record_delete(instance=instance, actor=actor)
