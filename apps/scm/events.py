"""The events SCM publishes (and the one it consumes), with their payload builders.

Payloads carry what subscribers need: numbers, ids, quantities and values as decimal strings.
"""

from decimal import Decimal

from django.utils import timezone

GOODS_RECEIPT_POSTED = "scm.goods_receipt.posted"
SHIPMENT_SHIPPED = "scm.shipment.shipped"
STOCK_ADJUSTED = "scm.stock.adjusted"
STOCK_MOVED = "scm.stock.moved"
# a move between internal locations that makes stock reservable where it was not: out of quality hold (incoming
# inspection passed) or into another warehouse; the value of the stock is unchanged, so ERP posts nothing
STOCK_RELEASED = "scm.stock.released"
# consumed: published by ERP when a sales order is confirmed, and when a (confirmed) one is cancelled
SALES_ORDER_CONFIRMED = "erp.sales_order.confirmed"
SALES_ORDER_CANCELLED = "erp.sales_order.cancelled"
# consumed: published by MES when a work order's finished goods are received (SCM tops up short shipments)
WORK_ORDER_COMPLETED = "mes.work_order.completed"


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def goods_receipt_posted_payload(receipt, posted: list[tuple]) -> dict:
    """`posted`: (receipt line, stock move or None, destination location) per receipt line."""
    lines, total = [], Decimal(0)
    for line, move, location in posted:
        unit_cost = move.unit_cost if move is not None else line.purchase_order_line.unit_price
        value = move.value if move is not None else Decimal("0.00")
        total += value
        lines.append({
            "item": line.purchase_order_line.item.number,
            "item_id": line.purchase_order_line.item_id,
            "purchase_order_line": line.purchase_order_line.line_number,
            "quantity": _str(line.quantity),
            "quantity_rejected": _str(line.quantity_rejected),
            "unit_cost": _str(unit_cost),
            "value": _str(value),
            "lot": line.lot_code or None,
            "location": location.code if location is not None else None,
            "quality_hold": line.quality_hold,
        })
    order = receipt.purchase_order
    return {
        "number": receipt.number,
        "receipt": receipt.number,
        "purchase_order": order.number,
        "supplier_id": order.supplier_id,
        "currency": receipt.company.currency.code,
        "received_on": receipt.received_on.isoformat(),
        "lines": lines,
        "total_value": _str(total),
    }


def shipment_shipped_payload(shipment, moves: list[tuple]) -> dict:
    """`moves`: (shipment line, stock move) per shipped allocation."""
    lines, total = [], Decimal(0)
    for line, move in moves:
        total += move.value
        lines.append({
            "item_id": line.item_id,
            "item": line.item.number,
            "quantity": _str(move.quantity),
            "lot": move.lot.code if move.lot_id else None,
            "unit_cost": _str(move.unit_cost),
            "value": _str(move.value),
        })
    return {
        "number": shipment.number,
        "shipment": shipment.number,
        "sales_order_number": shipment.sales_order_number or None,
        "customer_id": shipment.customer_id,
        "warehouse": shipment.warehouse.code,
        "backorder": shipment.backorders.values_list("number", flat=True).first(),
        "lines": lines,
        "total_value": _str(total),
        "shipped_on": timezone.localdate(shipment.shipped_at).isoformat() if shipment.shipped_at else None,
    }


def stock_moved_payload(moves: list, *, reference: str = "") -> dict:
    """Moves posted outside a document that has its own event (manual adjustments and receipts/issues, their
    reversals, confirmed drafts, quality rejections, opening stock) that change the value of internal stock:
    one row per move, with the kinds of both locations so a subscriber knows which side is internal."""
    rows, total = [], Decimal(0)
    for move in moves:
        total += move.value
        rows.append({
            "id": move.pk,
            "item_id": move.item_id,
            "item": move.item.number,
            "quantity": _str(move.quantity),
            "from_kind": move.from_location.kind,
            "to_kind": move.to_location.kind,
            "unit_cost": _str(move.unit_cost),
            "value": _str(move.value),
            "reference": move.reference,
            "reason": move.reason,
            "source_type": move.source_type,
            "source_id": move.source_id,
        })
    return {"reference": reference or (moves[0].reference if moves else ""), "moves": rows,
            "total_value": _str(total)}


def makes_stock_available(move) -> bool:
    """True for a move between internal locations into reservable stock (not on quality hold) that it was not
    already in: out of quality hold, or into another warehouse."""
    source, target = move.from_location, move.to_location
    return (source.is_internal and target.is_internal and not target.is_quality_hold
            and (source.is_quality_hold or source.warehouse_id != target.warehouse_id))


def changes_stock_value(move) -> bool:
    """True when the move brings stock into internal locations or takes it out (a transfer between two internal
    locations, or between two virtual ones, leaves the value of the stock unchanged)."""
    return move.from_location.is_internal != move.to_location.is_internal
