"""The thread of one serial, built through the services and the outbox (`deliver_pending`, in this process): a
supplier lot received on a purchase order (with a failed incoming check, and a second lot on quality hold),
consumed by a work order on a revision released by an ECO, whose serial is quoted, ordered, shipped, invoiced and
paid."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from apps.core.outbox import deliver_pending
from apps.crm.services.quotes import quote_accept, quote_create, quote_send
from apps.erp.models import Invoice, Payment, SalesOrder
from apps.erp.services.invoices import invoice_post
from apps.erp.services.payments import payment_create, payment_post
from apps.erp.services.sales import sales_order_confirm
from apps.mes.models import NonConformance, WorkOrder
from apps.mes.services.quality import quality_check_record
from apps.mes.services.workorders import work_order_complete, work_order_create, work_order_release
from apps.plm.choices import ItemType, Tracking
from apps.plm.models import ChangeOrder, Revision
from apps.plm.services.boms import bom_line_add
from apps.plm.services.changes import (
    change_order_approve,
    change_order_create,
    change_order_release,
    change_order_submit,
)
from apps.plm.services.items import item_create
from apps.scm.models import GoodsReceipt, Lot, PurchaseOrder, Shipment
from apps.scm.services.purchasing import purchase_order_create, purchase_order_send
from apps.scm.services.receipts import goods_receipt_create, goods_receipt_post
from apps.scm.services.shipments import shipment_ship
from tests.core.factories import PartyFactory
from tests.plm.factories import unit
from tests.scm.factories import LocationFactory

D = Decimal
DUE = datetime.date(2030, 3, 15)


@dataclass
class Chain:
    supplier: object
    customer: object
    purchase_order: PurchaseOrder
    receipt: GoodsReceipt
    steel_lot: Lot
    held_lot: Lot
    nonconformance: NonConformance
    change_order: ChangeOrder
    revision: Revision
    work_order: WorkOrder
    serials: list[Lot]
    quote: object
    sales_order: SalesOrder
    shipment: Shipment
    invoice: Invoice
    payment: Payment


def build_chain(company, user, make_user, *, units: int = 1, prefix: str = "") -> Chain:
    """One supplier lot of steel → `units` pump serials (one work order) → one quote, order, shipment, invoice,
    payment. `prefix` keeps numbers and names apart when two chains share a company."""
    engineer, quality = make_user(company, "Engineering"), make_user(company, "Quality")
    stock = LocationFactory(company=company, code=f"{prefix}WH/STOCK")
    LocationFactory(company=company, warehouse=stock.warehouse, code=f"{prefix}WH/HOLD", is_quality_hold=True)
    supplier = PartyFactory(company=company, name=f"{prefix}Steel Mill", is_supplier=True, is_customer=False)
    customer = PartyFactory(company=company, name=f"{prefix}Water Works", is_customer=True)
    ea = unit("ea")
    steel = item_create(company=company, number=f"{prefix}STEEL", name="Steel bar", uom=ea, actor=user,
                        tracking=Tracking.LOT, with_revision=False)
    pump = item_create(company=company, number=f"{prefix}PUMP", name="Pump", uom=ea, actor=user,
                       item_type=ItemType.MAKE, tracking=Tracking.SERIAL)
    revision = Revision.objects.get(item=pump, code="A")
    bom_line_add(revision=revision, component=steel, quantity=D(2), actor=user)
    eco = change_order_create(company=company, title="First release of the pump", actor=engineer,
                              revisions=[revision])
    change_order_submit(change_order=eco, actor=engineer)
    change_order_approve(change_order=eco, actor=engineer)
    change_order_approve(change_order=eco, actor=quality)
    eco = change_order_release(change_order=eco, actor=engineer)
    deliver_pending()  # MES's manufacturing definition

    order = purchase_order_create(company=company, actor=user, supplier=supplier, warehouse=stock.warehouse,
                                  lines=[{"item": steel, "quantity": D(150), "unit_price": D("3.00"),
                                          "due_date": DUE}])
    purchase_order_send(purchase_order=order, actor=user)
    receipt = goods_receipt_create(company=company, actor=user, purchase_order=order, lines=[
        {"purchase_order_line": order.lines.get(), "quantity": D(100), "lot_code": f"{prefix}HEAT-42",
         "location": stock},
        {"purchase_order_line": order.lines.get(), "quantity": D(50), "lot_code": f"{prefix}HEAT-43",
         "location": stock, "quality_hold": True}])
    goods_receipt_post(receipt=receipt, actor=user)
    check = quality_check_record(company=company, actor=quality, name="Hardness", passed=False, quantity=D(1),
                                 receipt_line=receipt.lines.get(lot_code=f"{prefix}HEAT-42"),
                                 nonconformance_description="One bar below the hardness of the spec")

    revision.refresh_from_db()
    work_order = work_order_create(company=company, actor=user, item=pump, revision=revision, quantity=D(units),
                                   due_date=DUE, location=stock)
    work_order_release(work_order=work_order, actor=user)
    serial_codes = [f"{prefix}PUMP-{n:04d}" for n in range(1, units + 1)]
    work_order = work_order_complete(work_order=work_order, quantity_good=D(units), serials=serial_codes,
                                     actor=user)
    deliver_pending()

    pump.refresh_from_db()  # its current revision, released by the ECO
    quote = quote_create(company=company, actor=user, customer=customer, lines=[
        {"item": pump, "quantity": D(units), "unit_price": D("500.00"), "tax_rate": D("0")}])
    quote_send(quote=quote, actor=user)
    quote_accept(quote=quote, actor=user)
    deliver_pending()  # ERP's sales order
    sales_order = SalesOrder.objects.get(quote=quote)
    sales_order_confirm(sales_order=sales_order, actor=user)
    deliver_pending()  # SCM's shipment, reserved
    shipment = Shipment.objects.get(company=company, sales_order_number=sales_order.number)
    shipment = shipment_ship(shipment=shipment, actor=user)
    deliver_pending()  # ERP's invoice draft
    invoice = invoice_post(invoice=Invoice.objects.get(shipment=shipment), actor=user)
    payment = payment_create(company=company, actor=user, direction="received", party=customer,
                             amount=invoice.amount_due, allocations=[{"invoice": invoice,
                                                                      "amount": invoice.amount_due}])
    payment = payment_post(payment=payment, actor=user)
    deliver_pending()
    return Chain(supplier=supplier, customer=customer, purchase_order=order, receipt=receipt,
                 steel_lot=Lot.objects.get(item=steel, code=f"{prefix}HEAT-42"),
                 held_lot=Lot.objects.get(item=steel, code=f"{prefix}HEAT-43"),
                 nonconformance=check.nonconformances.get(), change_order=eco, revision=revision,
                 work_order=work_order, serials=list(Lot.objects.filter(item=pump).order_by("code")), quote=quote,
                 sales_order=sales_order, shipment=shipment, invoice=invoice, payment=payment)
