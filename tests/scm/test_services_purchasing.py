"""Purchasing services: supplier prices, purchase orders and approval, receipts, supplier performance."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.errors import ConflictError, DomainError, PermissionDeniedError
from apps.core.models import Currency, Event, ExchangeRate
from apps.plm.choices import Tracking
from apps.scm.choices import LocationKind, PurchaseOrderStatus, ReceiptStatus, RequisitionStatus
from apps.scm.models import StockMove, StockQuant
from apps.scm.selectors_purchasing import supplier_performance
from apps.scm.services.purchasing import (
    purchase_order_approve,
    purchase_order_cancel,
    purchase_order_create,
    purchase_order_send,
    purchase_order_update,
    requisition_create,
    requisitions_order,
)
from apps.scm.services.receipts import goods_receipt_create, goods_receipt_post
from apps.scm.services.suppliers import supplier_item_create
from tests.core.factories import CompanyFactory, PartyFactory
from tests.plm.factories import ItemFactory
from tests.scm.factories import purchasing_world

D = Decimal


@pytest.fixture
def world(company):
    return purchasing_world(company)


@pytest.fixture
def buyer(company, make_user):
    return make_user(company, "Purchasing", username="bert")


@pytest.fixture
def manager(company, make_user):
    return make_user(company, "Manager", username="mona")


def make_po(world, actor, quantity="40", **line):
    return purchase_order_create(company=world.company, actor=actor, supplier=world.supplier,
                                 warehouse=world.warehouse,
                                 lines=[{"item": world.item, "quantity": D(quantity), **line}])


def sent_po(world, actor, quantity="40"):
    return purchase_order_send(purchase_order=make_po(world, actor, quantity), actor=actor)


def test_purchase_order_takes_number_and_price_break_for_the_quantity(world, buyer):
    small = make_po(world, buyer, "40")
    large = make_po(world, buyer, "150")
    year = timezone.localdate().year
    assert small.number == f"PO-{year}-00001"
    assert large.number == f"PO-{year}-00002"
    assert small.lines.get().unit_price == D("2.5000")
    assert small.total == D("100.00")
    assert large.lines.get().unit_price == D("2.0000")
    assert large.total == D("300.00")
    assert large.total_company_currency == D("300.00")
    assert small.status == PurchaseOrderStatus.DRAFT
    # due date defaults from the supplier's lead time (5 days)
    assert small.lines.get().due_date == timezone.localdate() + datetime.timedelta(days=5)


def test_given_unit_price_wins_over_price_breaks(world, buyer):
    order = make_po(world, buyer, "40", unit_price=D("1.7500"))
    assert order.lines.get().unit_price == D("1.7500")
    assert order.total == D("70.00")


def test_item_without_supplier_price_names_the_line_field(world, buyer):
    other = ItemFactory(company=world.company, number="NUT-9")
    with pytest.raises(DomainError) as error:
        purchase_order_create(company=world.company, actor=buyer, supplier=world.supplier,
                              lines=[{"item": world.item, "quantity": D(1)}, {"item": other, "quantity": D(1)}])
    assert error.value.field == "lines.1.unit_price"
    assert error.value.code == "no_price"


def test_quantity_below_minimum_order_is_rejected(world, buyer):
    world.supplier_item.minimum_order_quantity = D(50)
    world.supplier_item.save()
    with pytest.raises(DomainError) as error:
        make_po(world, buyer, "10")
    assert error.value.field == "lines.0.quantity"
    assert "minimum order quantity" in error.value.message


def test_purchase_order_needs_a_supplier_party(world, buyer):
    with pytest.raises(DomainError) as error:
        purchase_order_create(company=world.company, actor=buyer, supplier=world.customer,
                              lines=[{"item": world.item, "quantity": D(1)}])
    assert error.value.field == "supplier"


def test_send_within_threshold_approves_automatically(world, buyer):
    order = sent_po(world, buyer, "40")  # 100.00 <= 1000.00
    assert order.status == PurchaseOrderStatus.SENT
    assert order.approved_by == buyer
    assert order.sent_at is not None


def test_buyer_may_approve_within_threshold(world, buyer):
    order = purchase_order_approve(purchase_order=make_po(world, buyer, "40"), actor=buyer)
    assert order.status == PurchaseOrderStatus.APPROVED


def test_above_threshold_a_draft_cannot_be_sent(world, buyer):
    order = make_po(world, buyer, "600")  # 600 x 2.00 = 1200.00 > 1000.00
    with pytest.raises(ConflictError) as error:
        purchase_order_send(purchase_order=order, actor=buyer)
    assert error.value.code == "approval_required"
    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.DRAFT


def test_above_threshold_only_a_manager_approves(world, buyer, manager):
    order = make_po(world, buyer, "600")
    with pytest.raises(PermissionDeniedError) as error:
        purchase_order_approve(purchase_order=order, actor=buyer)
    assert "1200.00" in error.value.message
    assert "1000.00" in error.value.message
    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.DRAFT
    approved = purchase_order_approve(purchase_order=order, actor=manager)
    assert approved.status == PurchaseOrderStatus.APPROVED
    assert approved.approved_by == manager
    assert purchase_order_send(purchase_order=approved, actor=buyer).status == PurchaseOrderStatus.SENT


def test_sent_order_cannot_be_edited_or_approved(world, buyer):
    order = sent_po(world, buyer)
    with pytest.raises(ConflictError):
        purchase_order_update(instance=order, actor=buyer, notes="late change")
    with pytest.raises(ConflictError) as error:
        purchase_order_approve(purchase_order=order, actor=buyer)
    assert error.value.code == "transition_not_allowed"


def test_cancel_is_refused_after_a_posted_receipt(world, buyer):
    order = sent_po(world, buyer, "40")
    receipt = goods_receipt_create(company=world.company, actor=buyer, purchase_order=order,
                                   lines=[{"purchase_order_line": order.lines.get(), "quantity": D(10),
                                           "location": world.stock}])
    goods_receipt_post(receipt=receipt, actor=buyer)
    with pytest.raises(ConflictError):
        purchase_order_cancel(purchase_order=order, actor=buyer)


# ---- receipts ----------------------------------------------------------------------------------
def test_posting_a_receipt_moves_stock_at_po_price_and_emits_the_event(world, buyer):
    order = sent_po(world, buyer, "40")
    line = order.lines.get()
    receipt = goods_receipt_create(company=world.company, actor=buyer, purchase_order=order,
                                   lines=[{"purchase_order_line": line, "quantity": D(30), "location": world.stock}])
    assert Event.objects.filter(name="scm.goods_receipt.posted").count() == 0
    goods_receipt_post(receipt=receipt, actor=buyer)
    receipt.refresh_from_db()
    assert receipt.status == ReceiptStatus.POSTED
    move = StockMove.objects.get(source_type="scm.goodsreceiptline")
    assert (move.quantity, move.unit_cost, move.value) == (D(30), D("2.500000"), D("75.00"))
    assert move.from_location.kind == LocationKind.SUPPLIER
    assert move.to_location == world.stock
    assert StockQuant.objects.get(item=world.item, location=world.stock).on_hand == D(30)
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.status == PurchaseOrderStatus.PARTIALLY_RECEIVED
    assert line.quantity_received == D(30)
    event = Event.objects.get(name="scm.goods_receipt.posted")
    assert event.payload == {
        "number": receipt.number, "receipt": receipt.number, "purchase_order": order.number,
        "supplier_id": world.supplier.pk, "currency": "EUR", "received_on": receipt.received_on.isoformat(),
        "lines": [{"item": world.item.number, "item_id": world.item.pk, "purchase_order_line": 1,
                   "quantity": "30.0000", "quantity_rejected": "0.0000", "unit_cost": "2.500000", "value": "75.00",
                   "lot": None, "location": world.stock.code, "quality_hold": False}],
        "total_value": "75.00",
    }


def test_receiving_the_rest_completes_the_order(world, buyer):
    order = sent_po(world, buyer, "40")
    line = order.lines.get()
    for quantity in ("30", "10"):
        receipt = goods_receipt_create(company=world.company, actor=buyer, purchase_order=order,
                                       lines=[{"purchase_order_line": line, "quantity": D(quantity),
                                               "location": world.stock}])
        goods_receipt_post(receipt=receipt, actor=buyer)
    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.RECEIVED
    assert StockQuant.objects.get(item=world.item, location=world.stock).on_hand == D(40)


def test_posting_twice_answers_409_and_writes_one_set_of_moves(world, buyer):
    order = sent_po(world, buyer, "40")
    receipt = goods_receipt_create(company=world.company, actor=buyer, purchase_order=order,
                                   lines=[{"purchase_order_line": order.lines.get(), "quantity": D(5),
                                           "location": world.stock}])
    goods_receipt_post(receipt=receipt, actor=buyer)
    with pytest.raises(ConflictError) as error:
        goods_receipt_post(receipt=receipt, actor=buyer)
    assert error.value.code == "transition_not_allowed"
    assert StockMove.objects.filter(source_type="scm.goodsreceiptline").count() == 1
    assert Event.objects.filter(name="scm.goods_receipt.posted").count() == 1


def test_over_receipt_within_tolerance_is_accepted(world, buyer):
    order = sent_po(world, buyer, "40")  # tolerance 10%: up to 44
    receipt = goods_receipt_create(company=world.company, actor=buyer, purchase_order=order,
                                   lines=[{"purchase_order_line": order.lines.get(), "quantity": D(44),
                                           "location": world.stock}])
    goods_receipt_post(receipt=receipt, actor=buyer)
    order.refresh_from_db()
    assert order.status == PurchaseOrderStatus.RECEIVED
    assert order.lines.get().quantity_received == D(44)


def test_over_receipt_beyond_tolerance_names_the_line_quantity(world, buyer):
    order = sent_po(world, buyer, "40")
    line = order.lines.get()
    with pytest.raises(DomainError) as error:
        goods_receipt_create(company=world.company, actor=buyer, purchase_order=order,
                             lines=[{"purchase_order_line": line, "quantity": D(20), "location": world.stock},
                                    {"purchase_order_line": line, "quantity": D(25), "location": world.stock}])
    assert error.value.field == "lines.1.quantity"
    assert error.value.code == "over_receipt"
    assert error.value.message == ("Over-receipt: 40 of BOLT-ACME ordered, 0 received, tolerance 10%: at most 44 "
                                   "more can be received.")
    assert not StockMove.objects.exists()


def test_quality_hold_receipt_goes_to_the_hold_location(world, buyer):
    order = sent_po(world, buyer, "40")
    receipt = goods_receipt_create(company=world.company, actor=buyer, purchase_order=order,
                                   lines=[{"purchase_order_line": order.lines.get(), "quantity": D(8),
                                           "location": world.stock, "quality_hold": True}])
    goods_receipt_post(receipt=receipt, actor=buyer)
    assert StockQuant.objects.get(item=world.item, location=world.hold).on_hand == D(8)
    assert not StockQuant.objects.filter(item=world.item, location=world.stock, on_hand__gt=0).exists()
    payload = Event.objects.get(name="scm.goods_receipt.posted").payload
    assert payload["lines"][0]["location"] == world.hold.code
    assert payload["lines"][0]["quality_hold"] is True


def test_lot_tracked_item_needs_a_lot_code_and_creates_the_lot(world, buyer):
    world.item.tracking = Tracking.LOT
    world.item.save()
    order = sent_po(world, buyer, "40")
    line = order.lines.get()
    with pytest.raises(DomainError) as error:
        goods_receipt_create(company=world.company, actor=buyer, purchase_order=order,
                             lines=[{"purchase_order_line": line, "quantity": D(5), "location": world.stock}])
    assert error.value.field == "lines.0.lot_code"
    receipt = goods_receipt_create(company=world.company, actor=buyer, purchase_order=order,
                                   lines=[{"purchase_order_line": line, "quantity": D(5), "location": world.stock,
                                           "lot_code": "LOT-77", "expires_on": datetime.date(2030, 1, 31)}])
    goods_receipt_post(receipt=receipt, actor=buyer)
    quant = StockQuant.objects.get(item=world.item, location=world.stock)
    assert (quant.lot.code, quant.lot.expires_on, quant.on_hand) == ("LOT-77", datetime.date(2030, 1, 31), D(5))


def test_receipt_against_a_draft_order_is_refused(world, buyer):
    order = make_po(world, buyer, "40")
    with pytest.raises(ConflictError) as error:
        goods_receipt_create(company=world.company, actor=buyer, purchase_order=order,
                             lines=[{"purchase_order_line": order.lines.get(), "quantity": D(1),
                                     "location": world.stock}])
    assert error.value.field == "purchase_order"


def test_rejected_quantity_is_counted_but_not_stocked(world, buyer):
    order = sent_po(world, buyer, "40")
    receipt = goods_receipt_create(company=world.company, actor=buyer, purchase_order=order,
                                   lines=[{"purchase_order_line": order.lines.get(), "quantity": D(36),
                                           "quantity_rejected": D(4), "location": world.stock}])
    goods_receipt_post(receipt=receipt, actor=buyer)
    line = order.lines.get()
    assert (line.quantity_received, line.quantity_rejected) == (D(36), D(4))
    assert StockQuant.objects.get(item=world.item, location=world.stock).on_hand == D(36)


def test_supplier_performance_from_posted_receipts(world, buyer):
    today = timezone.localdate()
    order = purchase_order_create(company=world.company, actor=buyer, supplier=world.supplier,
                                  order_date=today - datetime.timedelta(days=10),
                                  lines=[{"item": world.item, "quantity": D(40), "due_date": today},
                                         {"item": world.item, "quantity": D(10),
                                          "due_date": today - datetime.timedelta(days=2)}])
    purchase_order_send(purchase_order=order, actor=buyer)
    first, second = order.lines.order_by("line_number")
    receipt = goods_receipt_create(company=world.company, actor=buyer, purchase_order=order, received_on=today,
                                   lines=[{"purchase_order_line": first, "quantity": D(38), "quantity_rejected": D(2),
                                           "location": world.stock},
                                          {"purchase_order_line": second, "quantity": D(10),
                                           "location": world.stock}])
    goods_receipt_post(receipt=receipt, actor=buyer)
    result = supplier_performance(supplier=world.supplier)
    assert result["receipts"] == 1
    assert result["receipt_lines"] == 2
    assert result["on_time_percent"] == D("50.00")  # line 2 was due two days ago
    assert result["average_lead_time_days"] == D("10.0")
    assert result["quantity_rejected"] == D(2)
    assert result["rejected_percent"] == D("4.00")  # 2 of 50


def test_performance_without_receipts_is_empty(world):
    result = supplier_performance(supplier=world.supplier)
    assert (result["receipts"], result["on_time_percent"], result["rejected_percent"]) == (0, None, None)


# ---- supplier items and requisitions -----------------------------------------------------------
def test_supplier_item_rejects_duplicate_price_breaks(world, buyer):
    item = ItemFactory(company=world.company)
    with pytest.raises(DomainError) as error:
        supplier_item_create(company=world.company, actor=buyer, supplier=world.supplier, item=item,
                             price_breaks=[{"min_quantity": D(0), "unit_price": D(3)},
                                           {"min_quantity": D(0), "unit_price": D(2)}])
    assert error.value.field == "price_breaks.1.min_quantity"


def test_supplier_item_must_be_from_a_supplier(world, buyer):
    with pytest.raises(DomainError) as error:
        supplier_item_create(company=world.company, actor=buyer, supplier=world.customer, item=world.item)
    assert error.value.field == "supplier"


def test_requisitions_become_one_draft_order_per_supplier(world, buyer):
    other_supplier = PartyFactory(company=world.company, is_supplier=True, is_customer=False)
    nut = ItemFactory(company=world.company, number="NUT-1")
    supplier_item_create(company=world.company, actor=buyer, supplier=other_supplier, item=nut,
                         price_breaks=[{"min_quantity": D(0), "unit_price": D("0.10")}])
    first = requisition_create(company=world.company, actor=buyer, item=world.item, quantity=D(20),
                               warehouse=world.warehouse)
    second = requisition_create(company=world.company, actor=buyer, item=world.item, quantity=D(5),
                                warehouse=world.warehouse)
    third = requisition_create(company=world.company, actor=buyer, item=nut, quantity=D(100),
                               warehouse=world.warehouse)
    orders = requisitions_order(requisitions=[first, second, third], actor=buyer)
    assert len(orders) == 2
    by_supplier = {o.supplier_id: o for o in orders}
    steel = by_supplier[world.supplier.pk]
    assert [(line.quantity, line.unit_price) for line in steel.lines.order_by("line_number")] == [
        (D(20), D("2.5000")), (D(5), D("2.5000"))]
    assert by_supplier[other_supplier.pk].total == D("10.00")
    first.refresh_from_db()
    assert first.status == RequisitionStatus.ORDERED
    assert first.purchase_order_line.purchase_order == steel
    with pytest.raises(ConflictError):
        requisitions_order(requisitions=[first], actor=buyer)


def test_requisition_without_any_supplier_cannot_be_ordered(world, buyer):
    loner = ItemFactory(company=world.company, number="LONER-1")
    requisition = requisition_create(company=world.company, actor=buyer, item=loner, quantity=D(1))
    with pytest.raises(DomainError) as error:
        requisitions_order(requisitions=[requisition], actor=buyer)
    assert error.value.field == "supplier"
    requisition.refresh_from_db()
    assert requisition.status == RequisitionStatus.OPEN


# ---- foreign currency --------------------------------------------------------------------------
def test_foreign_currency_order_is_valued_in_company_currency(world, buyer):
    usd = Currency.objects.get(code="USD")
    today = timezone.localdate()
    ExchangeRate.objects.create(company=world.company, base=usd, quote=world.company.currency,
                                date=today - datetime.timedelta(days=3), rate=D("0.80000000"))
    ExchangeRate.objects.create(company=world.company, base=usd, quote=world.company.currency,
                                date=today - datetime.timedelta(days=1), rate=D("0.90000000"))  # the latest one wins
    other = CompanyFactory(currency=world.company.currency)
    ExchangeRate.objects.create(company=other, base=usd, quote=world.company.currency, date=today,
                                rate=D("0.00000001"))  # another company's rate never reaches this one
    order = purchase_order_create(company=world.company, actor=buyer, supplier=world.supplier, currency=usd,
                                  warehouse=world.warehouse, order_date=today,
                                  lines=[{"item": world.item, "quantity": D(40), "unit_price": D("2.5000")}])
    assert (order.total, order.exchange_rate, order.total_company_currency) == (
        D("100.00"), D("0.90000000"), D("90.00"))
    order = purchase_order_send(purchase_order=order, actor=buyer)
    receipt = goods_receipt_create(company=world.company, actor=buyer, purchase_order=order,
                                   lines=[{"purchase_order_line": order.lines.get(), "quantity": D(40),
                                           "location": world.stock}])
    goods_receipt_post(receipt=receipt, actor=buyer)
    move = StockMove.objects.get(source_type="scm.goodsreceiptline")
    assert (move.quantity, move.unit_cost, move.value) == (D(40), D("2.250000"), D("90.00"))
    payload = Event.objects.get(name="scm.goods_receipt.posted").payload
    assert (payload["currency"], payload["total_value"]) == ("EUR", "90.00")  # values for the books: company currency
    performance = supplier_performance(supplier=world.supplier)
    assert (performance["receipts"], performance["quantity_received"]) == (1, D(40))


def test_foreign_currency_order_without_exchange_rate_cannot_be_approved_or_sent(world, buyer):
    gbp = Currency.objects.get(code="GBP")
    ExchangeRate.objects.create(company=CompanyFactory(currency=world.company.currency), base=gbp,
                                quote=world.company.currency, date=timezone.localdate(), rate=D("1.10000000"))
    order = purchase_order_create(company=world.company, actor=buyer, supplier=world.supplier, currency=gbp,
                                  warehouse=world.warehouse,
                                  lines=[{"item": world.item, "quantity": D(40), "unit_price": D("2.5000")}])
    assert (order.status, order.exchange_rate, order.total_company_currency) == ("draft", None, None)
    for step in (purchase_order_approve, purchase_order_send):
        with pytest.raises(DomainError) as error:
            step(purchase_order=order, actor=buyer)
        assert error.value.field == "currency"
        assert error.value.code == "no_exchange_rate"
        assert f"No exchange rate from GBP to EUR on or before {order.order_date.isoformat()} in company " \
               f"{world.company.code}" in error.value.message
        order.refresh_from_db()
        assert (order.status, order.approved_by) == ("draft", None)
    ExchangeRate.objects.create(company=world.company, base=world.company.currency, quote=gbp,
                                date=order.order_date, rate=D("0.80000000"))  # the inverse rate serves too
    order = purchase_order_approve(purchase_order=order, actor=buyer)
    assert (order.status, order.exchange_rate, order.total_company_currency) == ("approved", D("1.25000000"),
                                                                                  D("125.00"))


def test_receipt_line_of_another_order_names_the_line_field(world, buyer):
    order, other = sent_po(world, buyer, "40"), sent_po(world, buyer, "10")
    with pytest.raises(DomainError) as error:
        goods_receipt_create(company=world.company, actor=buyer, purchase_order=order, lines=[
            {"purchase_order_line": order.lines.get(), "quantity": D(5)},
            {"purchase_order_line": other.lines.get(), "quantity": D(5)}])
    assert error.value.field == "lines.1.purchase_order_line"
    assert error.value.message == f"Not a line of {order.number}."
    assert not order.receipts.exists()
    assert not StockMove.objects.exists()
