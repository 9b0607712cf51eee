"""Replenishment: reorder rules, and the run that proposes requisitions where projected stock is short."""

from decimal import ROUND_CEILING, Decimal

from django.db import transaction

from apps.core.checks import require_same_company
from apps.core.errors import DomainError
from apps.core.services.records import record_create, record_delete, record_update
from apps.scm.choices import RequisitionSource, RequisitionStatus
from apps.scm.models import PurchaseRequisition, ReorderRule
from apps.scm.selectors_purchasing import preferred_supplier_item, projected_available
from apps.scm.services.purchasing import requisition_create


def _check_rule(*, company, item, warehouse, min_quantity, max_quantity, multiple) -> None:
    require_same_company(company, item=item, warehouse=warehouse)
    if min_quantity is not None and max_quantity is not None and max_quantity < min_quantity:
        raise DomainError("max_quantity", f"The maximum ({max_quantity}) cannot be below the minimum "
                                          f"({min_quantity}).", code="below_minimum")
    if multiple is not None and multiple <= 0:
        raise DomainError("multiple", "The multiple must be positive.", code="min_value")


@transaction.atomic
def reorder_rule_create(*, company, actor, item, warehouse, min_quantity: Decimal, max_quantity: Decimal,
                        multiple: Decimal = Decimal(1), **fields) -> ReorderRule:
    """Keep an item's stock in a warehouse between a minimum and a maximum."""
    _check_rule(company=company, item=item, warehouse=warehouse, min_quantity=min_quantity,
                max_quantity=max_quantity, multiple=multiple)
    return record_create(model=ReorderRule, actor=actor, company=company, item=item, warehouse=warehouse,
                         min_quantity=min_quantity, max_quantity=max_quantity, multiple=multiple, **fields)


@transaction.atomic
def reorder_rule_update(*, instance: ReorderRule, actor, **fields) -> ReorderRule:
    _check_rule(company=instance.company, item=fields.get("item", instance.item),
                warehouse=fields.get("warehouse", instance.warehouse),
                min_quantity=fields.get("min_quantity", instance.min_quantity),
                max_quantity=fields.get("max_quantity", instance.max_quantity),
                multiple=fields.get("multiple", instance.multiple))
    return record_update(instance=instance, actor=actor, **fields)


@transaction.atomic
def reorder_rule_delete(*, instance: ReorderRule, actor) -> None:
    record_delete(instance=instance, actor=actor)


def proposal_quantity(*, rule: ReorderRule, projected: Decimal, minimum_order: Decimal = Decimal(0)) -> Decimal:
    """Up to the maximum, at least the supplier's minimum order, rounded up to the rule's multiple."""
    quantity = max(rule.max_quantity - projected, minimum_order, Decimal(0))
    packs = (quantity / rule.multiple).to_integral_value(rounding=ROUND_CEILING)
    return (packs * rule.multiple).quantize(Decimal("0.0001"))


@transaction.atomic
def replenishment_propose(*, rule: ReorderRule, actor=None) -> PurchaseRequisition | None:
    """Propose a requisition for one rule if projected available is below its minimum and none is open."""
    rule = (ReorderRule.objects.select_for_update(of=("self",)).select_related("company", "item", "warehouse")
            .get(pk=rule.pk))
    if not rule.is_active:
        return None
    if PurchaseRequisition.objects.filter(reorder_rule=rule, status=RequisitionStatus.OPEN).exists():
        return None  # never a second open proposal (backed by a unique constraint)
    projected = projected_available(rule=rule)
    if projected >= rule.min_quantity:
        return None
    supplier_item = preferred_supplier_item(item=rule.item)
    quantity = proposal_quantity(rule=rule, projected=projected,
                                 minimum_order=supplier_item.minimum_order_quantity if supplier_item else Decimal(0))
    if quantity <= 0:
        return None
    return requisition_create(
        company=rule.company, actor=actor, item=rule.item, quantity=quantity, source=RequisitionSource.REPLENISHMENT,
        warehouse=rule.warehouse, reorder_rule=rule, supplier=supplier_item.supplier if supplier_item else None,
        reference=f"Reorder rule {rule.item.number}@{rule.warehouse.code}: projected {projected.normalize():f} "
                  f"< min {rule.min_quantity.normalize():f}",
    )


def replenishment_run(*, company=None, actor=None) -> list[PurchaseRequisition]:
    """Run every active rule (of one company, or all); each rule in its own transaction."""
    rules = ReorderRule.objects.filter(is_active=True).order_by("pk")
    if company is not None:
        rules = rules.filter(company=company)
    proposals = []
    for rule in rules:
        proposal = replenishment_propose(rule=rule, actor=actor)
        if proposal is not None:
            proposals.append(proposal)
    return proposals
