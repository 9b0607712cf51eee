"""Sales-order services: totals with per-line rounding, drafts only edited, confirm (credit limit, the event SCM and
CRM read), cancel once, close; the handlers' services (accepted quote, shipped shipment) exactly once."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from apps.core.errors import ConflictError, DomainError, TransitionNotAllowed
from apps.core.models import AuditRecord, Event
from apps.crm.choices import QuoteStatus
from apps.erp.models import SalesOrder, SalesOrderStatus
from apps.erp.services.sales import (
    credit_exposure,
    sales_order_cancel,
    sales_order_close,
    sales_order_confirm,
    sales_order_create,
    sales_order_from_quote_event,
    sales_order_invoice,
    sales_order_record_shipment,
    sales_order_update,
)
from apps.plm.choices import LifecycleState
from apps.plm.models import Item
from apps.scm.choices import LocationKind, ShipmentStatus
from apps.scm.models import Shipment
from apps.scm.services.locations import virtual_location
from apps.scm.services.shipments import shipment_create_from_sales_order
from apps.scm.services.stock import stock_move_post
from tests.core.factories import ExchangeRateFactory, PartyFactory
from tests.crm.factories import CustomerProfileFactory, QuoteFactory, QuoteLineFactory, ReleasedItemFactory
from tests.erp.factories import SalesOrderFactory
from tests.scm.factories import LocationFactory

D = Decimal
pytestmark = pytest.mark.django_db


def make_order(company, actor, customer, product, **kwargs):
    lines = kwargs.pop("lines", None) or [{"item": product, "quantity": D("3"), "unit_price": D("12.345"),
                                           "discount_percent": D("10"), "tax_rate": D("19")}]
    return sales_order_create(company=company, actor=actor, customer=customer, lines=lines, **kwargs)


def test_create_totals_round_each_line_half_up_like_quotes(company, sales, customer, product):
    other = ReleasedItemFactory(company=company, number="TR-2")
    order = make_order(company, sales, customer, product, lines=[
        {"item": product, "quantity": D("3"), "unit_price": D("12.345"), "discount_percent": D("10"),
         "tax_rate": D("19")},
        {"item": other, "quantity": D("1.5"), "unit_price": D("7.99"), "tax_rate": D("7")}])
    # 3 x 12.345 x 0.9 = 33.3315 → 33.33, tax 6.3327 → 6.33; 1.5 x 7.99 = 11.985 → 11.99, tax 0.8393 → 0.84
    lines = list(order.lines.order_by("line_number").values_list("line_number", "net", "tax"))
    assert lines == [(1, D("33.33"), D("6.33")), (2, D("11.99"), D("0.84"))]
    assert (order.total, order.total_tax, order.total_with_tax) == (D("45.32"), D("7.17"), D("52.49"))
    assert order.number == f"SO-{timezone.localdate().year}-00001"
    assert (order.status, order.currency, order.order_date, order.payment_terms_days) == (
        SalesOrderStatus.DRAFT, company.currency, timezone.localdate(), 30)
    assert AuditRecord.objects.filter(content_type__model="salesorder", object_id=str(order.pk),
                                      action="create").count() == 1


def test_unreleased_or_obsolete_item_is_refused(company, sales, customer, product, unreleased):
    with pytest.raises(DomainError) as error:
        make_order(company, sales, customer, product, lines=[{"item": unreleased, "quantity": 1, "unit_price": 5}])
    assert (error.value.field, error.value.code) == ("lines.0.item", "not_released")
    assert "PROTO-1 has no released revision" in error.value.message
    Item.objects.filter(pk=product.pk).update(lifecycle_state=LifecycleState.OBSOLETE)
    product.refresh_from_db()
    with pytest.raises(DomainError, match="TR-1 is obsolete"):
        make_order(company, sales, customer, product)
    assert not SalesOrder.objects.exists()


def test_other_companys_item_and_non_customer_are_refused(company, other_company, sales, customer, product):
    with pytest.raises(DomainError) as error:
        make_order(company, sales, customer, product,
                   lines=[{"item": ReleasedItemFactory(company=other_company), "quantity": 1, "unit_price": 1}])
    assert error.value.field == "lines.0.item"
    supplier = PartyFactory(company=company, is_customer=False, is_supplier=True)
    with pytest.raises(DomainError, match="is not a customer"):
        make_order(company, sales, supplier, product)
    assert not SalesOrder.objects.exists()


def test_update_replaces_lines_of_a_draft_but_a_confirmed_order_is_refused(company, sales, customer, product):
    order = make_order(company, sales, customer, product)
    order = sales_order_update(instance=order, actor=sales, notes="Rush", lines=[
        {"item": product, "quantity": D("2"), "unit_price": D("100"), "tax_rate": D("0")}])
    assert (order.notes, order.total, order.total_with_tax, order.lines.count()) == ("Rush", D("200.00"),
                                                                                     D("200.00"), 1)
    sales_order_confirm(sales_order=order, actor=sales)
    with pytest.raises(ConflictError) as error:
        sales_order_update(instance=order, actor=sales, notes="Changed after confirming")
    assert error.value.code == "locked"
    assert "Only a draft sales order can be changed" in error.value.message
    assert SalesOrder.objects.get(pk=order.pk).notes == "Rush"
    with pytest.raises(DomainError) as error:
        sales_order_update(instance=order, actor=sales, status="closed")
    assert error.value.code in ("read_only", "locked")


def test_confirm_emits_the_payload_scm_and_crm_read(company, sales, customer, product, warehouse):
    order = make_order(company, sales, customer, product, warehouse=warehouse,
                       requested_delivery_date=timezone.localdate() + datetime.timedelta(days=10))
    order = sales_order_confirm(sales_order=order, actor=sales)
    assert order.status == SalesOrderStatus.CONFIRMED
    assert order.confirmed_at is not None
    event = Event.objects.get(name="erp.sales_order.confirmed")
    due = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    assert (event.subject_id, event.company_id) == (str(order.pk), company.pk)
    assert event.payload == {
        "number": order.number, "sales_order": order.number, "sales_order_id": order.pk,
        "customer_id": customer.pk, "customer_number": customer.number, "customer_name": "Tractors Inc",
        "warehouse_id": warehouse.pk, "currency": "EUR", "order_date": timezone.localdate().isoformat(),
        "requested_delivery_date": due, "payment_terms_days": 30, "quote_number": None, "quote": None,
        "total": "33.33", "total_tax": "6.33", "total_with_tax": "39.66",
        "lines": [{"line_number": 1, "item_id": product.pk, "item": "TR-1", "quantity": "3.0000",
                   "unit_price": "12.3450", "discount_percent": "10.00", "net": "33.33", "tax_rate": "19.00",
                   "tax": "6.33", "due_date": due}],
    }
    # SCM's own service reads it: the shipment of this order, from this warehouse, due on the line's date
    shipment = shipment_create_from_sales_order(event=event)
    assert (shipment.sales_order_number, shipment.customer_id, shipment.warehouse_id, shipment.planned_date) == (
        order.number, customer.pk, warehouse.pk, datetime.date.fromisoformat(due))
    assert list(shipment.lines.values_list("item_id", "quantity")) == [(product.pk, D("3"))]
    with pytest.raises(TransitionNotAllowed):
        sales_order_confirm(sales_order=order, actor=sales)
    assert Event.objects.filter(name="erp.sales_order.confirmed").count() == 1


def test_credit_limit_counts_open_orders_in_company_currency_and_refuses(company, sales, customer, product, usd):
    profile = CustomerProfileFactory(company=company, party=customer, credit_limit=D("100.00"))
    ExchangeRateFactory(company=company, base=usd, quote=company.currency, date=timezone.localdate(),
                        rate=D("0.90000000"))
    open_order = make_order(company, sales, customer, product, lines=[
        {"item": product, "quantity": 1, "unit_price": D("50"), "tax_rate": D("0")}])
    sales_order_confirm(sales_order=open_order, actor=sales)
    # a cancelled and a draft order do not count
    SalesOrderFactory(company=company, customer=customer, status=SalesOrderStatus.CANCELLED,
                      total_with_tax=D("1000.00"))
    make_order(company, sales, customer, product)
    in_usd = make_order(company, sales, customer, product, currency=usd, lines=[
        {"item": product, "quantity": 1, "unit_price": D("60"), "tax_rate": D("0")}])
    assert credit_exposure(company=company, customer=customer) == D("50.00")
    with pytest.raises(ConflictError) as error:
        sales_order_confirm(sales_order=in_usd, actor=sales)
    assert (error.value.status_code, error.value.code, error.value.field) == (409, "credit_limit_exceeded",
                                                                              "customer")
    assert error.value.message == (
        "Credit limit of Tractors Inc exceeded: the limit is 100.00 EUR, the exposure with this order would be "
        "104.00 EUR (open orders 50.00 EUR + this order 54.00 EUR).")
    assert SalesOrder.objects.get(pk=in_usd.pk).status == SalesOrderStatus.DRAFT
    assert Event.objects.filter(name="erp.sales_order.confirmed").count() == 1
    profile.credit_limit = D("104.00")
    profile.save()
    assert sales_order_confirm(sales_order=in_usd, actor=sales).status == SalesOrderStatus.CONFIRMED
    assert credit_exposure(company=company, customer=customer) == D("104.00")


def test_no_credit_limit_means_no_check(company, sales, customer, product):
    CustomerProfileFactory(company=company, party=customer, credit_limit=None)
    order = make_order(company, sales, customer, product, lines=[
        {"item": product, "quantity": 1000, "unit_price": D("1000"), "tax_rate": D("0")}])
    assert sales_order_confirm(sales_order=order, actor=sales).status == SalesOrderStatus.CONFIRMED


def test_cancel_once_and_only_from_draft_or_confirmed(company, sales, customer, product):
    order = make_order(company, sales, customer, product)
    assert sales_order_cancel(sales_order=order, actor=sales).status == SalesOrderStatus.CANCELLED
    with pytest.raises(TransitionNotAllowed, match="already cancelled"):
        sales_order_cancel(sales_order=order, actor=sales)
    assert not Event.objects.filter(name="erp.sales_order.cancelled").exists()  # a draft told nobody
    delivered = SalesOrderFactory(company=company, customer=customer, status=SalesOrderStatus.DELIVERED)
    with pytest.raises(TransitionNotAllowed):
        sales_order_cancel(sales_order=delivered, actor=sales)


def _stocked(company, product, actor):
    stock = LocationFactory(company=company, code="A1")
    stock_move_post(company=company, item=product, quantity=D(20), to_location=stock, unit_cost=D(2), actor=actor,
                    from_location=virtual_location(company=company, kind=LocationKind.SUPPLIER))
    virtual_location(company=company, kind=LocationKind.CUSTOMER)
    return stock


def test_cancelling_a_confirmed_order_cancels_its_unshipped_shipment(company, sales, user, customer, product):
    stock = _stocked(company, product, user)
    order = sales_order_confirm(sales_order=make_order(company, sales, customer, product,
                                                       warehouse=stock.warehouse), actor=sales)
    shipment = shipment_create_from_sales_order(event=Event.objects.get(name="erp.sales_order.confirmed"))
    assert shipment.status == ShipmentStatus.RESERVED
    sales_order_cancel(sales_order=order, actor=sales)
    assert Shipment.objects.get(pk=shipment.pk).status == ShipmentStatus.CANCELLED
    assert Event.objects.get(name="erp.sales_order.cancelled").payload["number"] == order.number


def _shipped(company, order, event_id, lines, number="SH-1"):
    return Event.objects.create(company=company, name="scm.shipment.shipped", subject_type="scm.shipment",
                                 subject_id=str(event_id), payload={
                                     "number": number, "sales_order_number": order.number,
                                     "lines": [{"item_id": item.pk, "quantity": str(qty)} for item, qty in lines]})


def test_shipments_move_the_order_to_partially_delivered_then_delivered_once_each(company, sales, customer, product):
    order = sales_order_confirm(sales_order=make_order(company, sales, customer, product), actor=sales)
    first = _shipped(company, order, 1, [(product, D("1"))])
    assert sales_order_record_shipment(event=first).status == SalesOrderStatus.PARTIALLY_DELIVERED
    assert sales_order_record_shipment(event=first).status == SalesOrderStatus.PARTIALLY_DELIVERED  # again: no-op
    assert order.lines.get().quantity_delivered == D("1")
    second = _shipped(company, order, 2, [(product, D("2"))], number="SH-2")
    order = sales_order_record_shipment(event=second)
    assert order.status == SalesOrderStatus.DELIVERED
    assert order.lines.get().quantity_delivered == D("3")
    assert [entry["number"] for entry in order.shipments] == ["SH-1", "SH-2"]
    # a shipment of no sales order is none of ERP's business
    stranger = Event.objects.create(company=company, name="scm.shipment.shipped", subject_type="scm.shipment",
                                    subject_id="3", payload={"number": "SH-3", "sales_order_number": None})
    assert sales_order_record_shipment(event=stranger) is None
    assert sales_order_invoice(sales_order=order, actor=None).status == SalesOrderStatus.INVOICED
    assert sales_order_close(sales_order=order, actor=sales).status == SalesOrderStatus.CLOSED


def _accepted_quote(company, customer):
    quote = QuoteFactory(company=company, customer=customer, status=QuoteStatus.ACCEPTED)
    line = QuoteLineFactory(quote=quote, quantity=D("4"), unit_price=D("25.0000"), discount_percent=D("5"),
                            tax_rate=D("19"))
    return quote, line


def _accepted_event(company, quote, line):
    from apps.crm.events import quote_payload

    return Event.objects.create(company=company, name="crm.quote.accepted", subject_type="crm.quote",
                                subject_id=str(quote.pk), payload=quote_payload(quote, [line]))


def test_an_accepted_quote_becomes_exactly_one_draft_order(company, customer):
    quote, line = _accepted_quote(company, customer)
    event = _accepted_event(company, quote, line)
    order = sales_order_from_quote_event(event=event)
    assert (order.status, order.quote_id, order.customer_id, order.currency_id) == (
        SalesOrderStatus.DRAFT, quote.pk, customer.pk, quote.currency_id)
    # 4 x 25 x 0.95 = 95.00, tax 18.05
    assert (order.total, order.total_tax, order.total_with_tax) == (D("95.00"), D("18.05"), D("113.05"))
    assert list(order.lines.values_list("item_id", "quantity", "unit_price", "discount_percent")) == [
        (line.item_id, D("4"), D("25"), D("5"))]
    # the same event again, or another event of the same quote: the first order
    assert sales_order_from_quote_event(event=event).pk == order.pk
    assert sales_order_from_quote_event(event=_accepted_event(company, quote, line)).pk == order.pk
    assert SalesOrder.objects.count() == 1


def test_a_quote_is_ordered_once_also_by_hand(company, sales, customer, product):
    quote, _line = _accepted_quote(company, customer)
    make_order(company, sales, customer, product, quote=quote)
    with pytest.raises(ConflictError, match="already has sales order"):
        make_order(company, sales, customer, product, quote=quote)
    draft = QuoteFactory(company=company, customer=customer)
    with pytest.raises(DomainError, match="only an accepted quote"):
        make_order(company, sales, customer, product, quote=draft)


def test_a_bad_payload_names_the_field(company):
    event = SimpleNamespace(company=company, pk=1, payload={"quote_id": 999999})
    with pytest.raises(DomainError) as error:
        sales_order_from_quote_event(event=event)
    assert error.value.field == "payload.quote_id"
