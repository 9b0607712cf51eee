"""The events SCM publishes (and the one it consumes), with their payload builders.

Payloads carry what subscribers need: numbers, ids, quantities and values as decimal strings.
"""

from decimal import Decimal

GOODS_RECEIPT_POSTED = "scm.goods_receipt.posted"
SHIPMENT_SHIPPED = "scm.shipment.shipped"
# consumed: published by ERP when a sales order is confirmed, and when a (confirmed) one is cancelled
SALES_ORDER_CONFIRMED = "erp.sales_order.confirmed"
SALES_ORDER_CANCELLED = "erp.sales_order.cancelled"


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
    }
