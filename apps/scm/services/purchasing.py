"""Purchasing: requisitions, purchase orders and their approval, sending, closing and cancelling.

Approval rule (per company, `PurchasingPolicy.approval_threshold`, compared with the order's total
in company currency at the company's own exchange rate on the order date): at or below the threshold
a buyer (anyone who may change purchase orders) may approve, and `send` approves a draft automatically;
above it only a role with `scm.approve_purchaseorder` in the order's company (Manager) may approve,
and a draft cannot be sent before. A draft may be written before its currency has a rate; approving or
sending it needs the rate (the error names the missing one).
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.audit import record_change, snapshot
from apps.core.checks import require_same_company
from apps.core.errors import ConflictError, DomainError, PermissionDeniedError
from apps.core.limits import fits_column
from apps.core.numbering import next_number
from apps.core.permissions import has_company_perm
from apps.core.selectors import exchange_rate, exchange_rate_or_none
from apps.core.services.records import record_create, record_update
from apps.core.workflow import step, take_step, transition
from apps.scm.choices import PurchaseOrderStatus, ReceiptStatus, RequisitionSource, RequisitionStatus
from apps.scm.models import GoodsReceipt, PurchaseOrder, PurchaseOrderLine, PurchaseRequisition, PurchasingPolicy
from apps.scm.selectors_purchasing import (
    needs_manager_approval,
    preferred_supplier_item,
    purchasing_policy,
    supplier_item_for,
)

APPROVE_PERMISSION = "scm.approve_purchaseorder"
CENT = Decimal("0.01")


# ---- policy ------------------------------------------------------------------------------------
@transaction.atomic
def purchasing_policy_set(*, company, actor, **fields) -> PurchasingPolicy:
    """Create or change the company's purchasing policy."""
    policy = PurchasingPolicy.objects.filter(company=company).first()
    if policy is None:
        return record_create(model=PurchasingPolicy, actor=actor, company=company, **fields)
    return record_update(instance=policy, actor=actor, **fields)


# ---- purchase orders ---------------------------------------------------------------------------
def _check_supplier(supplier, company) -> None:
    require_same_company(company, supplier=supplier)
    if not supplier.is_supplier:
        raise DomainError("supplier", f"{supplier} is not a supplier.", code="not_a_supplier")


def _build_lines(*, company, supplier, currency, lines: list[dict]) -> list[PurchaseOrderLine]:
    """Validate the lines and default each unit price from the supplier's price breaks."""
    if not lines:
        raise DomainError("lines", "A purchase order needs at least one line.", code="required")
    built, total = [], Decimal(0)
    for index, row in enumerate(lines):
        item, quantity = row.get("item"), row.get("quantity")
        if item is None:
            raise DomainError(f"lines.{index}.item", "This field is required.", code="required")
        require_same_company(company, **{f"lines.{index}.item": item})
        if quantity is None or Decimal(quantity) <= 0:
            raise DomainError(f"lines.{index}.quantity", "The quantity must be positive.", code="min_value")
        supplier_item = supplier_item_for(supplier=supplier, item=item)
        if supplier_item and supplier_item.minimum_order_quantity and quantity < supplier_item.minimum_order_quantity:
            raise DomainError(f"lines.{index}.quantity",
                              f"{supplier.name} sells {item.number} from {supplier_item.minimum_order_quantity} "
                              f"on (minimum order quantity); {quantity} is less.", code="below_minimum_order")
        unit_price = row.get("unit_price")
        if unit_price is None:
            if supplier_item is None or supplier_item.price_for(quantity) is None:
                raise DomainError(f"lines.{index}.unit_price",
                                  f"No price of {item.number} from {supplier.name}: give a unit price or add a "
                                  f"supplier item with price breaks.", code="no_price")
            if supplier_item.currency_id != currency.pk:
                raise DomainError(f"lines.{index}.unit_price",
                                  f"{supplier.name}'s prices of {item.number} are in {supplier_item.currency}, the "
                                  f"order in {currency}: give a unit price.", code="currency_mismatch")
            unit_price = supplier_item.price_for(quantity)
        total += quantity * unit_price
        if not fits_column(total, PurchaseOrder._meta.get_field("total")):  # else a 500 from the database
            raise DomainError(f"lines.{index}.unit_price", "The order's total would exceed the largest amount an "
                              "order can hold.", code="out_of_range")
        due_date = row.get("due_date")
        if due_date is None and supplier_item is not None:
            due_date = timezone.localdate() + datetime.timedelta(days=supplier_item.lead_time_days)
        built.append(PurchaseOrderLine(line_number=index + 1, item=item, quantity=quantity, unit_price=unit_price,
                                       due_date=due_date))
    return built


def _write_lines(order: PurchaseOrder, lines: list[PurchaseOrderLine]) -> None:
    order.lines.all().delete()
    for line in lines:
        line.purchase_order = order
        line.save()
    order.total = sum((line.amount for line in lines), Decimal("0.00"))
    _convert_total(order)
    order.save(update_fields=["total", "total_company_currency", "exchange_rate", "updated_at"])


def _convert_total(order: PurchaseOrder) -> None:
    """The company-currency total at the order's rate (both unknown while the company has no rate)."""
    order.total_company_currency = (None if order.exchange_rate is None
                                    else (order.total * order.exchange_rate).quantize(CENT))


def _require_rate(order: PurchaseOrder) -> None:
    """Approving or sending: the company's own rate on the order date, now, or a clear error naming it."""
    order.exchange_rate = exchange_rate(company=order.company, currency=order.currency, date=order.order_date)
    _convert_total(order)


@transaction.atomic
def purchase_order_create(*, company, actor, supplier, lines: list[dict], currency=None,
                          order_date: datetime.date | None = None, warehouse=None, notes: str = "") -> PurchaseOrder:
    """Create a draft purchase order (number `PO-2026-00001`) with its lines and totals."""
    _check_supplier(supplier, company)
    require_same_company(company, warehouse=warehouse)
    currency = currency or supplier.currency or company.currency
    order_date = order_date or timezone.localdate()
    built = _build_lines(company=company, supplier=supplier, currency=currency, lines=lines)
    order = PurchaseOrder.objects.create(
        company=company, number=next_number(company=company, doc_type="PO", date=order_date), supplier=supplier,
        currency=currency, order_date=order_date, warehouse=warehouse, notes=notes,
        exchange_rate=exchange_rate_or_none(company=company, currency=currency, date=order_date),
    )
    _write_lines(order, built)
    record_change(order, actor=actor, action="create")
    return order


def _lock(order: PurchaseOrder) -> PurchaseOrder:
    return PurchaseOrder.objects.select_for_update(of=("self",)).select_related("company", "currency").get(pk=order.pk)


@transaction.atomic
def purchase_order_update(*, instance: PurchaseOrder, actor, **fields) -> PurchaseOrder:
    """Change a draft purchase order; given lines replace the existing ones (prices re-defaulted)."""
    order = _lock(instance)
    if order.status != PurchaseOrderStatus.DRAFT:
        raise ConflictError("status", f"Only a draft purchase order can be changed; {order.number} is "
                                      f"{order.get_status_display().lower()}.", code="locked")
    before = snapshot(order)
    lines = fields.pop("lines", None)
    fields.pop("company", None)
    if "currency" in fields and fields["currency"] is None:  # left empty: the supplier's, as on create
        fields["currency"] = (fields.get("supplier") or order.supplier).currency or order.company.currency
    for name in ("supplier", "currency", "order_date", "warehouse", "notes"):
        if name in fields:
            setattr(order, name, fields[name])
    _check_supplier(order.supplier, order.company)
    order.exchange_rate = exchange_rate_or_none(company=order.company, currency=order.currency,
                                                date=order.order_date)
    order.save()
    if lines is None:
        lines = [{"item": line.item, "quantity": line.quantity, "unit_price": line.unit_price,
                  "due_date": line.due_date} for line in order.lines.all()]
    _write_lines(order, _build_lines(company=order.company, supplier=order.supplier, currency=order.currency,
                                     lines=lines))
    record_change(order, actor=actor, action="update", before=before)
    return order


@transaction.atomic
def purchase_order_delete(*, instance: PurchaseOrder, actor) -> None:
    """Delete a draft purchase order (anything else is cancelled instead)."""
    order = _lock(instance)
    if order.status != PurchaseOrderStatus.DRAFT:
        raise ConflictError("status", "Only a draft purchase order can be deleted; cancel it instead.",
                            code="locked")
    PurchaseRequisition.objects.filter(purchase_order_line__purchase_order=order).update(
        status=RequisitionStatus.OPEN, purchase_order_line=None)
    record_change(order, actor=actor, action="delete", before=snapshot(order), after=None)
    order.delete()


def _approve(order: PurchaseOrder, actor, *, automatic: bool) -> None:
    if needs_manager_approval(order) and not has_company_perm(actor, APPROVE_PERMISSION, order):
        threshold = purchasing_policy(company=order.company).approval_threshold
        raise PermissionDeniedError(
            None, f"{order.number} totals {order.total_company_currency} {order.company.currency}, above the approval "
                  f"threshold of {threshold}: a manager must approve it.", code="approval_required")
    order.approved_by = actor if getattr(actor, "pk", None) else None
    order.approved_at = timezone.now()


@transaction.atomic
def purchase_order_approve(*, purchase_order: PurchaseOrder, actor, comment: str = "") -> PurchaseOrder:
    """Approve a draft; above the threshold only a manager (`scm.approve_purchaseorder`) may."""
    with step(purchase_order, verb="approve", actor=actor, lock=_lock) as order:
        _require_rate(order)
        _approve(order, actor, automatic=False)
    return order


@transaction.atomic
def purchase_order_send(*, purchase_order: PurchaseOrder, actor) -> PurchaseOrder:
    """Send the order to the supplier; a draft within the threshold is approved on the way."""
    order = _lock(purchase_order)
    before = snapshot(order)
    was = transition(order, verb="send")
    if was == PurchaseOrderStatus.DRAFT:
        _require_rate(order)
        if needs_manager_approval(order):
            raise ConflictError("status", f"{order.number} is above the approval threshold: it must be approved "
                                          f"before it is sent.", code="approval_required",
                                extra={"current": was, "requested": "sent", "allowed_transitions": ["approve"]})
        _approve(order, actor, automatic=True)
    order.sent_at = timezone.now()
    order.save()
    record_change(order, actor=actor, action="send", before=before)
    return order


@transaction.atomic
def purchase_order_cancel(*, purchase_order: PurchaseOrder, actor) -> PurchaseOrder:
    """Cancel an order nothing was received against; its draft receipts are cancelled with it."""
    with step(purchase_order, verb="cancel", actor=actor, lock=_lock) as order:
        for receipt in GoodsReceipt.objects.filter(purchase_order=order, status=ReceiptStatus.DRAFT).order_by("pk"):
            take_step(receipt, verb="cancel", actor=actor)
    return order


@transaction.atomic
def purchase_order_close(*, purchase_order: PurchaseOrder, actor) -> PurchaseOrder:
    """Close a (partially) received order: nothing more is expected on it."""
    with step(purchase_order, verb="close", actor=actor, lock=_lock) as order:
        if GoodsReceipt.objects.filter(purchase_order=order, status=ReceiptStatus.DRAFT).exists():
            raise ConflictError("status", f"{order.number} has draft receipts: post or cancel them first.",
                                code="draft_receipts")
    return order


# ---- requisitions ------------------------------------------------------------------------------
@transaction.atomic
def requisition_create(*, company, actor, item, quantity: Decimal, source: str = RequisitionSource.MANUAL,
                       **fields) -> PurchaseRequisition:
    """Ask for an item to be bought (number `PR-2026-00001`)."""
    require_same_company(company, item=item)
    if quantity is None or quantity <= 0:
        raise DomainError("quantity", "The quantity must be positive.", code="min_value")
    supplier = fields.get("supplier")
    if supplier is not None and not supplier.is_supplier:
        raise DomainError("supplier", f"{supplier} is not a supplier.", code="not_a_supplier")
    fields.setdefault("requested_by", actor if getattr(actor, "pk", None) else None)
    return record_create(model=PurchaseRequisition, actor=actor, company=company, item=item, quantity=quantity,
                         source=source, number=next_number(company=company, doc_type="PR"), **fields)


@transaction.atomic
def requisition_update(*, instance: PurchaseRequisition, actor, **fields) -> PurchaseRequisition:
    if instance.status != RequisitionStatus.OPEN:
        raise ConflictError("status", f"{instance.number} is {instance.status}: it can no longer be changed.",
                            code="locked")
    for name in ("number", "source", "status", "purchase_order_line", "reorder_rule"):
        fields.pop(name, None)
    return record_update(instance=instance, actor=actor, **fields)


@transaction.atomic
def requisition_cancel(*, requisition: PurchaseRequisition, actor) -> PurchaseRequisition:
    return take_step(requisition, verb="cancel", actor=actor)


@transaction.atomic
def requisitions_order(*, requisitions: list[PurchaseRequisition], actor) -> list[PurchaseOrder]:
    """Turn open requisitions into draft purchase orders, one per supplier and warehouse."""
    locked = list(PurchaseRequisition.objects.select_for_update(of=("self",))
                  .select_related("company", "item", "supplier")
                  .filter(pk__in=[r.pk for r in requisitions]).order_by("pk"))
    groups: dict[tuple, list[PurchaseRequisition]] = defaultdict(list)
    for requisition in locked:
        transition(requisition, verb="order")  # 409 if it is not open
        supplier = requisition.supplier
        if supplier is None:
            supplier_item = preferred_supplier_item(item=requisition.item)
            if supplier_item is None:
                raise DomainError("supplier", f"{requisition.number}: {requisition.item.number} has no supplier; "
                                              f"choose one or add a supplier item.", code="no_supplier")
            supplier = supplier_item.supplier
        groups[(requisition.company_id, supplier.pk, requisition.warehouse_id)].append((requisition, supplier))
    orders = []
    for rows in groups.values():
        first, supplier = rows[0]
        supplier_item = supplier_item_for(supplier=supplier, item=first.item)
        currency = supplier_item.currency if supplier_item else None
        order = purchase_order_create(
            company=first.company, actor=actor, supplier=supplier, warehouse=first.warehouse, currency=currency,
            lines=[{"item": r.item, "quantity": r.quantity, "due_date": r.needed_by} for r, _ in rows],
            notes="From " + ", ".join(r.number for r, _ in rows),
        )
        for (requisition, _), line in zip(rows, order.lines.order_by("line_number"), strict=True):
            before = snapshot(requisition)
            requisition.purchase_order_line = line
            requisition.save()
            record_change(requisition, actor=actor, action="order", before=before)
        orders.append(order)
    return orders


@transaction.atomic
def requisition_order(*, requisition: PurchaseRequisition, actor) -> PurchaseRequisition:
    """Order one requisition (a draft PO for its supplier); returns the requisition, now ordered."""
    requisitions_order(requisitions=[requisition], actor=actor)
    return PurchaseRequisition.objects.get(pk=requisition.pk)
