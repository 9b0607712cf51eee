"""ERP demo data, the e-bike range's last three months: sales orders of the e-bike customers, confirmed on their
dates; SCM's shipments of them shipped a few days later (the cost of goods sold posted on that day); the draft
invoices ERP made of the shipments dated on the shipping day and posted; the customers' payments of the older
ones; the vendor bills of SCM's purchase history posted and the older ones paid. The last two orders are
confirmed and not yet shipped (the open order book). Everything goes through the services and events: this
module delivers the events it needs (`deliver_pending`) before it goes on.

Idempotent and convergent: the orders are made once; each later step does only what is not done yet.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.core.models import Party
from apps.core.outbox import deliver_pending
from apps.crm.demo_customers import BIKE_PRICES
from apps.erp.choices import OpenItemStatus, PaymentDirection
from apps.erp.models import Invoice, SalesOrder, VendorBill
from apps.erp.services.bills import bill_from_purchase_order, bill_post
from apps.erp.services.invoices import invoice_post, invoice_update
from apps.erp.services.payments import payment_create, payment_post
from apps.erp.services.sales import sales_order_confirm, sales_order_create
from apps.plm.models import Item
from apps.scm.choices import ReceiptStatus, ShipmentStatus
from apps.scm.demo_history import HISTORY_NOTE as PURCHASE_HISTORY_NOTE
from apps.scm.models import GoodsReceipt, Shipment, Warehouse
from apps.scm.services.shipments import shipment_ship

D = Decimal
HISTORY_NOTE = "Demo history: e-bike order."
# days ago ordered, customer, [(bike, quantity)], days from the order to the shipment (None: not shipped yet)
ORDERS = [
    (86, "Velohaus Berlin GmbH", [("EB-1000", 4), ("EB-2000", 2)], 10),
    (82, "Copenhagen Cargo ApS", [("EB-3000", 3)], 6),
    (79, "Urban Mobility Leasing GmbH", [("EB-1000", 5)], 4),
    (73, "Radsport Huber", [("EB-2000", 3)], 3),
    (66, "Stadtwerke Freiburg", [("EB-2000", 4), ("EB-1000", 2)], 7),
    (61, "Fietsenwinkel Jansen", [("EB-1000", 2)], 4),
    (55, "Bike Courier Express", [("EB-3000", 2)], 5),
    (49, "Trail Hotel Dolomiti", [("EB-2000", 3)], 6),
    (44, "Wien Rad GmbH", [("EB-1000", 2), ("EB-2000", 1)], 3),
    (38, "Green Delivery BV", [("EB-3000", 2)], 5),
    (33, "E-Motion Store Munich", [("EB-1000", 3), ("EB-2000", 2)], 4),
    (27, "Vélo Lyon SARL", [("EB-1000", 2)], 5),
    (21, "Hamburg Bike Rental", [("EB-2000", 2), ("EB-1000", 2)], 6),
    (15, "Pedal & Co", [("EB-1000", 2)], 4),
    (9, "Alpine E-Bikes AG", [("EB-2000", 2)], 3),
    (4, "Nordic Cycles Oy", [("EB-1000", 3), ("EB-3000", 1)], None),
    (2, "Velohaus Berlin GmbH", [("EB-2000", 1), ("EB-1000", 1)], None),
]
PAYMENT_DAYS = 24  # the customers pay about 24 days after the invoice; we pay suppliers 30 days after their bill
BILL_PAYMENT_DAYS = 30


def _price(number: str, quantity: int) -> Decimal:
    """The e-bike price list's price of the largest break the quantity reaches."""
    return min(D(p) for q, p in BIKE_PRICES[number] if D(q) <= quantity)


def _orders(company, sales, today) -> None:
    """The history's sales orders, created and confirmed on their dates (once)."""
    if SalesOrder.objects.filter(company=company, notes=HISTORY_NOTE).exists():
        return
    bikes = {item.number: item for item in Item.objects.filter(company=company, number__in=BIKE_PRICES)}
    customers = {p.name: p for p in Party.objects.filter(company=company, is_customer=True)}
    warehouse = Warehouse.objects.filter(company=company, code="MAIN").first()
    with transaction.atomic():
        for days_ago, name, lines, _ship in ORDERS:
            day = today - datetime.timedelta(days=days_ago)
            order = sales_order_create(
                company=company, actor=sales, customer=customers[name], order_date=day, warehouse=warehouse,
                requested_delivery_date=day + datetime.timedelta(days=7), notes=HISTORY_NOTE, lines=[
                    {"item": bikes[number], "quantity": D(quantity), "unit_price": _price(number, quantity),
                     "tax_rate": D("19")} for number, quantity in lines])
            sales_order_confirm(sales_order=order, actor=sales)


def _ship(company, storekeeper, today) -> None:
    """SCM's shipments of the history's orders, shipped on their days (those not shipped yet)."""
    orders = {o.order_date: o for o in SalesOrder.objects.filter(company=company, notes=HISTORY_NOTE)}
    for days_ago, _name, _lines, ship_after in ORDERS:
        order = orders.get(today - datetime.timedelta(days=days_ago))
        if order is None or ship_after is None:
            continue
        for shipment in Shipment.objects.filter(company=company, sales_order_number=order.number,
                                                status=ShipmentStatus.RESERVED).order_by("pk"):
            shipment_ship(shipment=shipment, actor=storekeeper, carrier="DB Schenker",
                          shipped_on=min(order.order_date + datetime.timedelta(days=ship_after), today))


def _invoice_and_collect(company, accountant, today) -> None:
    """The draft invoices of the shipments, dated on the shipping day and posted; the older ones paid."""
    drafts = (Invoice.objects.filter(company=company, sales_order__notes=HISTORY_NOTE, status=OpenItemStatus.DRAFT,
                                     shipment__isnull=False).select_related("shipment").order_by("pk"))
    for invoice in drafts:
        day = timezone.localdate(invoice.shipment.shipped_at)
        if invoice.invoice_date != day:
            invoice = invoice_update(instance=invoice, actor=accountant, invoice_date=day)
        invoice_post(invoice=invoice, actor=accountant)
    posted = (Invoice.objects.filter(company=company, sales_order__notes=HISTORY_NOTE, status=OpenItemStatus.POSTED)
              .select_related("customer").order_by("invoice_date", "pk"))
    for invoice in posted:
        paid_on = invoice.invoice_date + datetime.timedelta(days=PAYMENT_DAYS)
        if paid_on > today:
            continue
        payment = payment_create(company=company, actor=accountant, direction=PaymentDirection.RECEIVED,
                                 party=invoice.customer, amount=invoice.amount_due, payment_date=paid_on,
                                 reference=f"Transfer {invoice.number}",
                                 allocations=[{"invoice": invoice, "amount": invoice.amount_due}])
        payment_post(payment=payment, actor=accountant)


def _bills(company, accountant, today) -> None:
    """The vendor bills of the purchase history's receipts (posted), the older ones paid."""
    receipts = (GoodsReceipt.objects.filter(company=company, status=ReceiptStatus.POSTED,
                                            purchase_order__notes__startswith=PURCHASE_HISTORY_NOTE)
                .select_related("purchase_order__supplier").order_by("received_on", "pk"))
    for receipt in receipts:
        order = receipt.purchase_order
        if VendorBill.objects.filter(company=company, purchase_order=order).exists():
            continue
        day = min(receipt.received_on + datetime.timedelta(days=2), today)
        bill = bill_from_purchase_order(company=company, actor=accountant, purchase_order=order, bill_date=day,
                                        supplier_reference=f"INV-{order.number[-5:]}")
        bill = bill_post(bill=bill, actor=accountant)
        paid_on = day + datetime.timedelta(days=BILL_PAYMENT_DAYS)
        if bill.status != OpenItemStatus.POSTED or paid_on > today:
            continue
        payment = payment_create(company=company, actor=accountant, direction=PaymentDirection.PAID,
                                 party=order.supplier, amount=bill.amount_due, payment_date=paid_on,
                                 reference=f"Payment {bill.number}",
                                 allocations=[{"bill": bill, "amount": bill.amount_due}])
        payment_post(payment=payment, actor=accountant)


def seed(*, company, other_company, users) -> None:
    """Called by ERP's demo: the e-bike range's sales, receivables and payables of the last three months."""
    if not Item.objects.filter(company=company, number__in=BIKE_PRICES).exists():
        return
    today = timezone.localdate()
    sales = users.get("sales") or users["admin"]
    accountant = users.get("accountant") or users["admin"]
    _orders(company, sales, today)
    deliver_pending()  # SCM reserves the confirmed orders' shipments
    _ship(company, users.get("storekeeper") or users["admin"], today)
    deliver_pending()  # ERP drafts the shipments' invoices and posts their cost
    _invoice_and_collect(company, accountant, today)
    _bills(company, accountant, today)
    deliver_pending()
