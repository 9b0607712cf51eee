"""Goods receipts: what arrived against a purchase order; posting writes stock moves and tells ERP/MES."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.audit import record_change, snapshot
from apps.core.checks import require_same_company
from apps.core.errors import ConflictError, DomainError
from apps.core.numbering import next_number
from apps.core.outbox import emit
from apps.core.selectors import exchange_rate
from apps.core.workflow import step, take_step, transition
from apps.plm.choices import Tracking
from apps.scm.choices import LocationKind, ReceiptStatus
from apps.scm.events import GOODS_RECEIPT_POSTED, goods_receipt_posted_payload
from apps.scm.models import GoodsReceipt, GoodsReceiptLine, PurchaseOrder, PurchaseOrderLine
from apps.scm.selectors_purchasing import (
    RECEIVABLE_STATUSES,
    purchasing_policy,
    quality_hold_location,
    receiving_location,
)
from apps.scm.services.locations import virtual_location
from apps.scm.services.stock import MoveSpec, lot_get_or_create, stock_moves_post

ZERO = Decimal(0)
RECEIVABLE = RECEIVABLE_STATUSES
COST_PLACES = Decimal("0.000001")


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _check_receivable(order: PurchaseOrder) -> None:
    if order.status not in RECEIVABLE:
        raise ConflictError("purchase_order", f"Goods can only be received against a sent purchase order; "
                                              f"{order.number} is {order.get_status_display().lower()}.",
                            code="not_receivable")


def _validated_lines(order: PurchaseOrder, rows: list[dict], *, tolerance: Decimal) -> list[GoodsReceiptLine]:
    """Check every line against its PO line: the order, tracking, destination and over-receipt tolerance."""
    if not rows:
        raise DomainError("lines", "A receipt needs at least one line.", code="required")
    po_lines = {line.pk: line for line in PurchaseOrderLine.objects.filter(purchase_order=order).select_related("item")}
    receiving: dict[int, Decimal] = defaultdict(Decimal)
    built = []
    for index, row in enumerate(rows):
        prefix = f"lines.{index}."
        po_line = row.get("purchase_order_line")
        if po_line is None or po_line.pk not in po_lines:
            raise DomainError(f"{prefix}purchase_order_line", f"Not a line of {order.number}.", code="invalid")
        po_line = po_lines[po_line.pk]
        quantity = Decimal(row.get("quantity") or 0)
        rejected = Decimal(row.get("quantity_rejected") or 0)
        if quantity < 0:
            raise DomainError(f"{prefix}quantity", "The quantity cannot be negative.", code="min_value")
        if rejected < 0:
            raise DomainError(f"{prefix}quantity_rejected", "The quantity cannot be negative.", code="min_value")
        if quantity + rejected <= 0:
            raise DomainError(f"{prefix}quantity", "Receive a positive quantity (accepted or rejected).",
                              code="min_value")
        item = po_line.item
        lot_code = (row.get("lot_code") or "").strip()
        if item.tracking != Tracking.NONE and quantity > 0 and not lot_code:
            noun = "serial number" if item.tracking == Tracking.SERIAL else "lot"
            raise DomainError(f"{prefix}lot_code", f"{item.number} is tracked by {item.tracking}: enter the {noun}.",
                              code="required")
        if item.tracking == Tracking.NONE and lot_code:
            raise DomainError(f"{prefix}lot_code", f"{item.number} is not tracked by lot or serial.")
        if item.tracking == Tracking.SERIAL and quantity not in (0, 1):
            raise DomainError(f"{prefix}quantity", "Serial-tracked items are received one serial number per line "
                                                   "(quantity 1).", code="serial_quantity")
        location = row.get("location") or receiving_location(warehouse=order.warehouse)
        if location is None:
            raise DomainError(f"{prefix}location", "Choose the destination location.", code="required")
        require_same_company(order.company_id, **{f"{prefix}location": location})
        if location.kind != LocationKind.INTERNAL:
            raise DomainError(f"{prefix}location", f"{location.code} is not a warehouse location.",
                              code="not_internal")
        receiving[po_line.pk] += quantity
        allowed = po_line.quantity * (1 + tolerance / 100) - po_line.quantity_received
        if receiving[po_line.pk] > allowed:
            raise DomainError(
                f"{prefix}quantity",
                f"Over-receipt: {_fmt(po_line.quantity)} of {item.number} ordered, {_fmt(po_line.quantity_received)} "
                f"received, tolerance {_fmt(tolerance)}%: at most {_fmt(max(allowed, ZERO))} more can be received.",
                code="over_receipt", extra={"max_quantity": str(max(allowed, ZERO))},
            )
        built.append(GoodsReceiptLine(
            purchase_order_line=po_line, quantity=quantity, quantity_rejected=rejected, lot_code=lot_code,
            expires_on=row.get("expires_on"), location=location, quality_hold=bool(row.get("quality_hold")),
        ))
    return built


def _write_lines(receipt: GoodsReceipt, lines: list[GoodsReceiptLine]) -> None:
    receipt.lines.all().delete()
    for line in lines:
        line.receipt = receipt
        line.save()


@transaction.atomic
def goods_receipt_create(*, company, actor, purchase_order: PurchaseOrder, lines: list[dict],
                         received_on: datetime.date | None = None, delivery_note: str = "",
                         notes: str = "") -> GoodsReceipt:
    """Record a draft receipt (number `GR-2026-00001`) against a sent purchase order."""
    require_same_company(company, purchase_order=purchase_order)
    order = PurchaseOrder.objects.select_related("company").get(pk=purchase_order.pk)
    _check_receivable(order)
    built = _validated_lines(order, lines, tolerance=purchasing_policy(company=company).over_receipt_tolerance_percent)
    received_on = received_on or timezone.localdate()
    receipt = GoodsReceipt.objects.create(
        company=company, number=next_number(company=company, doc_type="GR", date=received_on), purchase_order=order,
        received_on=received_on, delivery_note=delivery_note, notes=notes,
    )
    _write_lines(receipt, built)
    record_change(receipt, actor=actor, action="create")
    return receipt


@transaction.atomic
def goods_receipt_update(*, instance: GoodsReceipt, actor, **fields) -> GoodsReceipt:
    """Change a draft receipt; given lines replace the existing ones."""
    receipt = GoodsReceipt.objects.select_for_update().get(pk=instance.pk)
    if receipt.status != ReceiptStatus.DRAFT:
        raise ConflictError("status", f"{receipt.number} is {receipt.status}: it can no longer be changed.",
                            code="locked")
    before = snapshot(receipt)
    if fields.get("purchase_order") is not None and fields["purchase_order"].pk != receipt.purchase_order_id:
        raise DomainError("purchase_order", "A receipt cannot move to another purchase order.")
    for name in ("received_on", "delivery_note", "notes"):
        if name in fields:
            setattr(receipt, name, fields[name])
    receipt.save()
    if fields.get("lines") is not None:
        tolerance = purchasing_policy(company=receipt.company).over_receipt_tolerance_percent
        _write_lines(receipt, _validated_lines(receipt.purchase_order, fields["lines"], tolerance=tolerance))
    record_change(receipt, actor=actor, action="update", before=before)
    return receipt


@transaction.atomic
def goods_receipt_cancel(*, receipt: GoodsReceipt, actor) -> GoodsReceipt:
    return take_step(receipt, verb="cancel", actor=actor)


def _lock(receipt: GoodsReceipt) -> GoodsReceipt:
    return (GoodsReceipt.objects.select_for_update(of=("self",)).select_related("company", "company__currency")
            .get(pk=receipt.pk))


@transaction.atomic
def goods_receipt_post(*, receipt: GoodsReceipt, actor) -> GoodsReceipt:
    """Post a draft receipt, once: stock moves supplier → destination at the PO price (company currency),
    PO received quantities and status, and the `scm.goods_receipt.posted` event."""
    # a second post answers 409: one set of moves
    with step(receipt, verb="post", actor=actor, lock=_lock, fields=["posted_at", "posted_by"]) as receipt:
        order = (PurchaseOrder.objects.select_for_update(of=("self",)).select_related("company")
                 .get(pk=receipt.purchase_order_id))
        _check_receivable(order)
        po_lines = {line.pk: line for line in
                    PurchaseOrderLine.objects.select_for_update().filter(purchase_order=order).order_by("pk")}
        lines = list(receipt.lines.select_related("location", "purchase_order_line__item").order_by("pk"))
        # re-check against what other receipts posted meanwhile
        _validated_lines(order, [{"purchase_order_line": po_lines[line.purchase_order_line_id],
                                  "quantity": line.quantity, "quantity_rejected": line.quantity_rejected,
                                  "lot_code": line.lot_code, "location": line.location,
                                  "quality_hold": line.quality_hold} for line in lines],
                         tolerance=purchasing_policy(company=receipt.company).over_receipt_tolerance_percent)
        supplier_location = virtual_location(company=receipt.company, kind=LocationKind.SUPPLIER)
        # the rate fixed when the order was sent; an order that reached here without one takes the company's
        # rate on the order date now (or the error naming the missing rate)
        rate = order.exchange_rate if order.exchange_rate is not None else exchange_rate(
            company=order.company, currency=order.currency, date=order.order_date)
        hold = None
        specs, moved = [], []
        for index, line in enumerate(lines):
            po_line = po_lines[line.purchase_order_line_id]
            destination = line.location
            if line.quality_hold:
                hold = hold or quality_hold_location(company=receipt.company, warehouse=line.location.warehouse)
                if hold is None:
                    raise DomainError(f"lines.{index}.quality_hold", f"Warehouse {line.location.warehouse} has no "
                                                                     f"quality-hold location.", code="no_hold_location")
                destination = hold
            po_line.quantity_received += line.quantity
            po_line.quantity_rejected += line.quantity_rejected
            if line.quantity <= 0:
                moved.append((line, None, destination))
                continue
            lot = lot_get_or_create(company=receipt.company, item=po_line.item, code=line.lot_code,
                                    expires_on=line.expires_on, actor=actor) if line.lot_code else None
            specs.append(MoveSpec(item=po_line.item, quantity=line.quantity, from_location=supplier_location,
                                  to_location=destination, lot=lot,
                                  unit_cost=(po_line.unit_price * rate).quantize(COST_PLACES),
                                  reference=f"{receipt.number} {order.number}", source=line))
            moved.append((line, len(specs) - 1, destination))
        moves = stock_moves_post(company=receipt.company, moves=specs, actor=actor) if specs else []
        posted = []
        for line, move_index, destination in moved:
            move = moves[move_index] if move_index is not None else None
            if move is not None:
                line.stock_move = move
                line.save(update_fields=["stock_move"])
            posted.append((line, move, destination))
        for po_line in po_lines.values():
            po_line.save(update_fields=["quantity_received", "quantity_rejected"])
        order_before = snapshot(order)
        complete = all(line.quantity_received >= line.quantity for line in po_lines.values())
        transition(order, verb="receive_fully" if complete else "receive_partially")
        order.save(update_fields=["status", "updated_at"])
        record_change(order, actor=actor, action="receive", before=order_before)
        receipt.posted_at = timezone.now()
        receipt.posted_by = actor if getattr(actor, "pk", None) else None
    emit(GOODS_RECEIPT_POSTED, company=receipt.company, subject=receipt,
         payload=goods_receipt_posted_payload(receipt, posted))
    return receipt
