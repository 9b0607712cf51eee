"""Helpers of the AR/AP tests: a posted invoice in a few words, an entry's lines as (account code, debit, credit,
party), a confirmed sales order and its `scm.shipment.shipped` event as SCM publishes it."""

from decimal import Decimal

from apps.core.models import Event
from apps.erp.services.invoices import invoice_create, invoice_post
from apps.erp.services.sales import sales_order_confirm, sales_order_create

D = Decimal


def entry_lines(entry) -> list[tuple]:
    return [(line.account.code, line.debit, line.credit, line.party_id)
            for line in entry.lines.select_related("account").order_by("line_number")]


def posted_invoice(company, actor, customer, *, amount="100.00", tax_rate="19", quantity="1", **kwargs):
    """A posted invoice of one item-less line (`amount` x `quantity`, tax `tax_rate` %)."""
    invoice = invoice_create(company=company, actor=actor, customer=customer, lines=[
        {"description": "Service", "quantity": D(quantity), "unit_price": D(amount), "tax_rate": D(tax_rate)}],
        **kwargs)
    return invoice_post(invoice=invoice, actor=actor)


def confirmed_order(company, actor, customer, product, quantity="5", unit_price="40"):
    order = sales_order_create(company=company, actor=actor, customer=customer, lines=[
        {"item": product, "quantity": D(quantity), "unit_price": D(unit_price), "tax_rate": D("19")}])
    return sales_order_confirm(sales_order=order, actor=actor)


def shipped_event(order, lines: list[tuple], number: str = "SH-2026-00001") -> Event:
    """The event SCM emits when a shipment of `order` leaves: `lines` of (item, quantity)."""
    return Event.objects.create(
        company=order.company, name="scm.shipment.shipped", subject_type="scm.shipment", subject_id="1",
        payload={"number": number, "shipment": number, "sales_order_number": order.number,
                 "customer_id": order.customer_id,
                 "lines": [{"item_id": item.pk, "item": item.number, "quantity": str(quantity)}
                           for item, quantity in lines]})
