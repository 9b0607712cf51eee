"""The open GR/IR report: per purchase order line, what was received (the posted receipts' stock-move values, what
the receipt posting credits to GR/IR) against what was billed at receipt cost (the posted bills' GR/IR amounts, what
the bill posting debits), in company currency; a line whose difference is zero has cleared and is left out.

Two sections: "received, not billed" (more received than billed: GR/IR still owes the supplier's bill) and "billed,
not received" (more billed than received: the goods are still to come). Two grouped queries (receipt lines and bill
lines per PO line) and one for the open lines' descriptions."""

import datetime
from decimal import Decimal

from django.db.models import Sum

from apps.core.models import Company
from apps.erp.models import VendorBillLine
from apps.erp.services.matching import POSTED_STATUSES
from apps.scm.choices import ReceiptStatus
from apps.scm.models import GoodsReceiptLine, PurchaseOrderLine

ZERO = Decimal(0)


def grir_data(*, company: Company, date: datetime.date | None = None, supplier=None, purchase_order=None) -> dict:
    """{company, currency, date, received_not_billed: [rows], billed_not_received: [rows], totals} with rows of
    {purchase_order_line, purchase_order, purchase_order_number, line_number, item_number, supplier,
    received_quantity, received_value, billed_quantity, billed_value, difference} (difference = received value -
    billed value: the PO line's GR/IR credit balance), up to `date` (receipt and bill dates; default: all)."""
    receipts = GoodsReceiptLine.objects.filter(receipt__company=company, receipt__status=ReceiptStatus.POSTED,
                                               stock_move__isnull=False)
    bills = VendorBillLine.objects.filter(bill__company=company, bill__status__in=POSTED_STATUSES,
                                          purchase_order_line__isnull=False)
    if date is not None:
        receipts = receipts.filter(receipt__received_on__lte=date)
        bills = bills.filter(bill__bill_date__lte=date)
    if supplier is not None:
        receipts = receipts.filter(receipt__purchase_order__supplier=supplier)
        bills = bills.filter(purchase_order_line__purchase_order__supplier=supplier)
    if purchase_order is not None:
        receipts = receipts.filter(receipt__purchase_order=purchase_order)
        bills = bills.filter(purchase_order_line__purchase_order=purchase_order)
    totals: dict[int, dict] = {}
    for po_line, quantity, value in (receipts.order_by().values_list("purchase_order_line")
                                     .annotate(q=Sum("quantity"), v=Sum("stock_move__value"))):
        totals[po_line] = {"received_quantity": quantity, "received_value": value,
                           "billed_quantity": ZERO, "billed_value": ZERO}
    for po_line, quantity, value in (bills.order_by().values_list("purchase_order_line")
                                     .annotate(q=Sum("quantity"), v=Sum("grir_amount"))):
        row = totals.setdefault(po_line, {"received_quantity": ZERO, "received_value": ZERO})
        row.update(billed_quantity=quantity, billed_value=value)
    open_lines = {pk: row for pk, row in totals.items()
                  if row["received_value"] != row["billed_value"] or row["received_quantity"] != row["billed_quantity"]}
    described = PurchaseOrderLine.objects.filter(pk__in=open_lines).select_related(
        "purchase_order__supplier", "item").order_by("purchase_order__number", "line_number")
    received_not_billed, billed_not_received = [], []
    for po_line in described:
        row = open_lines[po_line.pk]
        row = {"purchase_order_line": po_line.pk, "purchase_order": po_line.purchase_order_id,
               "purchase_order_number": po_line.purchase_order.number, "line_number": po_line.line_number,
               "item_number": po_line.item.number, "supplier": po_line.purchase_order.supplier.name, **row,
               "difference": row["received_value"] - row["billed_value"]}
        more_received = (row["received_quantity"] > row["billed_quantity"]
                         or (row["received_quantity"] == row["billed_quantity"] and row["difference"] > 0))
        (received_not_billed if more_received else billed_not_received).append(row)

    def total(rows: list[dict]) -> Decimal:
        return sum((row["difference"] for row in rows), ZERO)

    return {"company": company.pk, "currency": company.currency.code, "date": date,
            "received_not_billed": received_not_billed, "billed_not_received": billed_not_received,
            "totals": {"received_not_billed": total(received_not_billed),
                       "billed_not_received": total(billed_not_received),
                       "balance": total(received_not_billed) + total(billed_not_received)}}
