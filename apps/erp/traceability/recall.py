"""The recall of a supplier lot: every lot and serial it went into (MES genealogy, all levels), the work orders
that used it, and every shipment of those lots and serials with its sales order and customer.

Four queries whatever the size: the forward genealogy with each lot's shipments (MES's one recursive query), the
supplier lot's own receipts and shipments, then the ids of the work orders and of the sales orders named, for
links."""

from decimal import Decimal

from apps.erp.models import SalesOrder
from apps.mes.models import WorkOrder
from apps.mes.selectors import lot_documents, lot_trace
from apps.scm.models import Lot

# the columns of the export (CSV/XLSX), one row per lot or serial reached and per shipment of it
EXPORT_COLUMNS = ["level", "lot", "serial", "item", "item_name", "finished", "quantity", "work_order", "shipment",
                  "shipped_on", "shipped_quantity", "sales_order", "customer"]


def recall_lot(*, lot: Lot) -> dict:
    """What the lot reached: `lots` (each lot or serial made from it, with its level and work order), `shipments`
    (each shipment of the lot itself or of a lot made from it: date, quantity, sales order, customer),
    `customers` and `work_orders` (distinct, with ids), and `receipts` (where the lot came from)."""
    documents = lot_documents(lot_id=lot.pk)
    rows = lot_trace(lot_id=lot.pk, company_id=lot.company_id, direction="forward")
    reached = {}  # lot id → row: a lot reached by two paths is listed once, at its nearest level
    for row in rows:
        reached.setdefault(row["lot_id"], row)
    lots = [{"id": row["lot_id"], "level": row["depth"], "lot": row["lot"], "is_serial": row["is_serial"],
             "item": row["item"], "item_name": row["item_name"], "quantity": Decimal(row["quantity"]),
             "work_order": row["work_order"], "is_finished": row["is_leaf"]} for row in reached.values()]
    shipments = [_shipment(document, lot.pk, lot.code, lot.item.number) for document in documents["shipments"]]
    shipments += [_shipment(document, row["lot_id"], row["lot"], row["item"]) for row in reached.values()
                  for document in row["shipments"]]
    shipments = [s for s in shipments if s["shipment_id"] is not None]
    work_order_numbers = sorted({row["work_order"] for row in lots if row["work_order"]})
    work_orders = dict(WorkOrder.objects.filter(company_id=lot.company_id, number__in=work_order_numbers)
                       .values_list("number", "pk"))
    order_numbers = sorted({s["sales_order"] for s in shipments if s["sales_order"]})
    orders = dict(SalesOrder.objects.filter(company_id=lot.company_id, number__in=order_numbers)
                  .values_list("number", "pk"))
    for row in lots:
        row["work_order_id"] = work_orders.get(row["work_order"])
    for shipment in shipments:
        shipment["sales_order_id"] = orders.get(shipment["sales_order"])
    customers: dict[int, dict] = {}
    for shipment in shipments:
        if shipment["customer_id"] is not None:
            entry = customers.setdefault(shipment["customer_id"], {"id": shipment["customer_id"],
                                                                   "name": shipment["customer"], "shipments": set()})
            entry["shipments"].add(shipment["shipment"])
    return {
        "lot": {"id": lot.pk, "lot": lot.code, "item": lot.item.number, "item_name": lot.item.name,
                "is_serial": lot.is_serial},
        "receipts": [{"receipt": r["receipt"], "receipt_id": r["receipt_id"], "purchase_order": r["purchase_order"],
                      "supplier": r["supplier"], "supplier_id": r["supplier_id"], "quantity": Decimal(r["quantity"]),
                      "date": r["date"]} for r in documents["receipts"]],
        "lots": lots,
        "work_orders": [{"id": work_orders.get(number), "number": number} for number in work_order_numbers],
        "shipments": shipments,
        "customers": sorted(({**c, "shipments": len(c["shipments"])} for c in customers.values()),
                            key=lambda c: c["name"]),
    }


def _shipment(document: dict, lot_id: int, lot_code: str, item: str) -> dict:
    return {"shipment": document["shipment"], "shipment_id": document["shipment_id"], "date": document["date"],
            "quantity": Decimal(document["quantity"]), "sales_order": document["sales_order"] or "",
            "customer": document["customer"], "customer_id": document["customer_id"], "lot_id": lot_id, "lot": lot_code,
            "item": item}


def recall_rows(result: dict) -> list[list]:
    """The export's rows (EXPORT_COLUMNS): each lot or serial reached, once per shipment of it (or once unshipped);
    the supplier lot itself first when it was shipped as it is."""
    by_lot: dict[int, list[dict]] = {}
    for shipment in result["shipments"]:
        by_lot.setdefault(shipment["lot_id"], []).append(shipment)
    root = result["lot"]
    rows = [[0, root["lot"], root["is_serial"], root["item"], root["item_name"], False, "", "", s["shipment"],
             _day(s["date"]), s["quantity"], s["sales_order"], s["customer"] or ""]
            for s in by_lot.get(root["id"], [])]
    for lot in sorted(result["lots"], key=lambda r: (r["level"], r["lot"])):
        head = [lot["level"], lot["lot"], lot["is_serial"], lot["item"], lot["item_name"], lot["is_finished"],
                lot["quantity"], lot["work_order"] or ""]
        shipped = by_lot.get(lot["id"], [])
        rows += [[*head, s["shipment"], _day(s["date"]), s["quantity"], s["sales_order"], s["customer"] or ""]
                 for s in shipped] or [[*head, "", "", "", "", ""]]
    return rows


def _day(value) -> str:
    """The day of a JSON timestamp ("2026-03-05T10:00:00+00:00" → "2026-03-05")."""
    return str(value)[:10] if value else ""
