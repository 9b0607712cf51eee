"""Invoice services: totals and due dates, the posting on a hand-computed example (also in a foreign currency),
posting once, a closed period, drafts only edited; credit notes within what was invoiced; the shipment event drafts
one invoice (also when delivered twice), a sales order is invoiced once its deliveries are posted."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.errors import ConflictError, DomainError, TransitionNotAllowed
from apps.core.models import Currency, Event, ExchangeRate
from apps.erp.models import Invoice, JournalEntry, SalesOrderStatus
from apps.erp.services.invoices import (
    credit_note_create,
    invoice_cancel,
    invoice_create,
    invoice_delete,
    invoice_from_sales_order,
    invoice_from_shipment_event,
    invoice_post,
    invoice_update,
)
from apps.erp.services.periods import period_close, period_for
from apps.erp.services.sales import sales_order_record_shipment
from tests.core.factories import PartyFactory
from tests.crm.factories import ReleasedItemFactory
from tests.erp.ar_support import confirmed_order, entry_lines, posted_invoice, shipped_event

D = Decimal
pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 10)


def two_line_invoice(company, actor, customer, product, **kwargs):
    return invoice_create(company=company, actor=actor, customer=customer, invoice_date=DAY, lines=[
        {"item": product, "quantity": D("3"), "unit_price": D("12.345"), "discount_percent": D("10"),
         "tax_rate": D("19")},
        {"description": "Freight", "quantity": D("1"), "unit_price": D("20"), "tax_rate": D("19")}], **kwargs)


def test_draft_is_priced_like_a_sales_order_and_due_after_the_payment_terms(company, accountant, customer, product):
    invoice = two_line_invoice(company, accountant, customer, product, payment_terms_days=14)
    # 3 x 12.345 x 0.9 = 33.3315 → 33.33, tax 6.3327 → 6.33; freight 20.00, tax 3.80
    assert list(invoice.lines.values_list("line_number", "net", "tax")) == [
        (1, D("33.33"), D("6.33")), (2, D("20.00"), D("3.80"))]
    assert (invoice.total, invoice.total_tax, invoice.total_with_tax) == (D("53.33"), D("10.13"), D("63.46"))
    assert invoice.due_date == DAY + datetime.timedelta(days=14)
    assert (invoice.status, invoice.number, invoice.amount_due) == ("draft", "DINV-2026-00001", D(0))
    changed = invoice_update(instance=invoice, actor=accountant, invoice_date=DAY + datetime.timedelta(days=1))
    assert changed.due_date == DAY + datetime.timedelta(days=15)
    assert changed.total_with_tax == D("63.46")


def test_posting_books_receivables_revenue_and_tax_exactly(company, accountant, customer, product, chart):
    invoice = invoice_post(invoice=two_line_invoice(company, accountant, customer, product), actor=accountant)
    assert (invoice.status, invoice.number, invoice.amount_due) == ("posted", "INV-2026-00001", D("63.46"))
    entry = invoice.entry
    assert (entry.status, entry.journal.code, entry.date) == ("posted", "SAL", DAY)
    assert entry_lines(entry) == [
        ("1200", D("63.46"), D("0.00"), customer.pk),
        ("4000", D("0.00"), D("33.33"), customer.pk),
        ("4000", D("0.00"), D("20.00"), customer.pk),
        ("2200", D("0.00"), D("10.13"), customer.pk)]
    event = Event.objects.get(name="erp.invoice.posted")
    assert event.payload | {} == event.payload
    assert {k: event.payload[k] for k in ("number", "customer_id", "total", "total_with_tax", "currency",
                                          "due_date", "kind")} == {
        "number": "INV-2026-00001", "customer_id": customer.pk, "total": "53.33", "total_with_tax": "63.46",
        "currency": "EUR", "due_date": "2026-04-09", "kind": "invoice"}


def test_a_line_may_post_to_its_own_revenue_account(company, accountant, customer, chart):
    services = chart("revenue").__class__.objects.create(company=company, code="4100", name="Services",
                                                         kind="income")
    invoice = invoice_create(company=company, actor=accountant, customer=customer, invoice_date=DAY, lines=[
        {"description": "Repair", "quantity": D(2), "unit_price": D(50), "tax_rate": D(0), "account": services}])
    assert entry_lines(invoice_post(invoice=invoice, actor=accountant).entry) == [
        ("1200", D("100.00"), D("0.00"), customer.pk), ("4100", D("0.00"), D("100.00"), customer.pk)]


def test_posting_twice_is_refused_and_a_posted_invoice_is_never_changed(company, accountant, customer):
    invoice = posted_invoice(company, accountant, customer, invoice_date=DAY)
    with pytest.raises(TransitionNotAllowed):
        invoice_post(invoice=invoice, actor=accountant)
    with pytest.raises(ConflictError) as error:
        invoice_update(instance=invoice, actor=accountant, notes="x")
    assert error.value.field == "status"
    with pytest.raises(ConflictError):
        invoice_delete(instance=invoice, actor=accountant)
    with pytest.raises(TransitionNotAllowed):
        invoice_cancel(invoice=invoice, actor=accountant)
    assert JournalEntry.objects.filter(journal__code="SAL").count() == 1


def test_a_closed_period_refuses_the_posting_naming_the_invoice_date(company, accountant, customer):
    period_close(period=period_for(company=company, date=DAY), actor=accountant)
    invoice = invoice_create(company=company, actor=accountant, customer=customer, invoice_date=DAY, lines=[
        {"description": "Service", "quantity": D(1), "unit_price": D(10), "tax_rate": D(0)}])
    with pytest.raises(ConflictError) as error:
        invoice_post(invoice=invoice, actor=accountant)
    assert (error.value.field, error.value.code) == ("invoice_date", "period_closed")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.entry_id) == ("draft", None)


def test_foreign_currency_invoice_converts_per_line_and_books_the_rounding(company, accountant, customer):
    usd = Currency.objects.get(code="USD")
    ExchangeRate.objects.create(company=company, base=usd, quote=company.currency, date=DAY, rate=D("0.33333333"))
    invoice = invoice_create(company=company, actor=accountant, customer=customer, currency=usd, invoice_date=DAY,
                             lines=[{"description": "Service", "quantity": D(1), "unit_price": D(100),
                                     "tax_rate": D(19)}])
    invoice = invoice_post(invoice=invoice, actor=accountant)
    # 119 USD x 0.33333333 = 39.67; 100 → 33.33, 19 → 6.33: 0.01 to the rounding account
    assert entry_lines(invoice.entry) == [
        ("1200", D("39.67"), D("0.00"), customer.pk), ("4000", D("0.00"), D("33.33"), customer.pk),
        ("2200", D("0.00"), D("6.33"), customer.pk), ("6900", D("0.00"), D("0.01"), None)]
    assert (invoice.amount_due, invoice.exchange_rate) == (D("119.00"), D("0.33333333"))
    assert invoice.entry.lines.filter(account__code="1200").get().amount == D("119.00")


def test_a_missing_rate_is_refused_naming_the_currency(company, accountant, customer):
    invoice = invoice_create(company=company, actor=accountant, customer=customer, invoice_date=DAY,
                             currency=Currency.objects.get(code="USD"),
                             lines=[{"description": "Service", "quantity": D(1), "unit_price": D(1)}])
    with pytest.raises(DomainError) as error:
        invoice_post(invoice=invoice, actor=accountant)
    assert error.value.code == "no_exchange_rate"
    assert Invoice.objects.get(pk=invoice.pk).status == "draft"


def test_bad_input_names_the_field(company, other_company, accountant, customer, product):
    stranger = PartyFactory(company=other_company, is_customer=True)
    cases = [
        ({"customer": stranger, "lines": [{"item": product, "quantity": D(1), "unit_price": D(1)}]}, "customer"),
        ({"customer": customer, "lines": []}, "lines"),
        ({"customer": customer, "lines": [{"description": "A", "quantity": D(1), "unit_price": D(1)},
                                          {"item": product, "quantity": D(0), "unit_price": D(1)}]},
         "lines.1.quantity"),
        ({"customer": customer, "lines": [{"quantity": D(1), "unit_price": D(1)}]}, "lines.0.description"),
        ({"customer": customer, "lines": [{"description": "A", "quantity": D(1), "unit_price": D(1)}],
          "invoice_date": DAY, "due_date": DAY - datetime.timedelta(days=1)}, "due_date"),
        ({"customer": customer, "lines": [
            {"item": ReleasedItemFactory(company=other_company), "quantity": D(1), "unit_price": D(1)}]},
         "lines.0.item"),
    ]
    for kwargs, field in cases:
        with pytest.raises(DomainError) as error:
            invoice_create(company=company, actor=accountant, **kwargs)
        assert error.value.field == field, kwargs
    assert not Invoice.objects.exists()


def test_cancel_a_draft_only_once(company, accountant, customer):
    invoice = invoice_create(company=company, actor=accountant, customer=customer, lines=[
        {"description": "Service", "quantity": D(1), "unit_price": D(10)}])
    assert invoice_cancel(invoice=invoice, actor=accountant).status == "cancelled"
    with pytest.raises(TransitionNotAllowed):
        invoice_post(invoice=invoice, actor=accountant)


# ---- credit notes -----------------------------------------------------------------------------------------------
def test_credit_notes_never_credit_more_than_invoiced(company, accountant, customer, product):
    invoice = invoice_post(invoice=two_line_invoice(company, accountant, customer, product), actor=accountant)
    first, freight = invoice.lines.order_by("line_number")
    note = credit_note_create(invoice=invoice, actor=accountant, lines=[{"line": first, "quantity": D(1)}],
                              invoice_date=DAY)
    # 1 x 12.345 x 0.9 = 11.1105 → 11.11, tax 2.1109 → 2.11
    assert (note.kind, note.credited_invoice, note.total, note.total_tax) == (
        "credit_note", invoice, D("11.11"), D("2.11"))
    with pytest.raises(DomainError) as error:  # 3 invoiced, 1 on the draft credit note: 2 remain
        credit_note_create(invoice=invoice, actor=accountant, lines=[{"line": freight, "quantity": D(1)},
                                                                     {"line": first, "quantity": D("2.5")}])
    assert (error.value.field, error.value.code, error.value.extra["remaining"]) == (
        "lines.1.quantity", "more_than_invoiced", "2.0000")
    note = invoice_post(invoice=note, actor=accountant)
    assert note.number == "CN-2026-00001"
    assert entry_lines(note.entry) == [
        ("1200", D("0.00"), D("13.22"), customer.pk), ("4000", D("11.11"), D("0.00"), customer.pk),
        ("2200", D("2.11"), D("0.00"), customer.pk)]
    invoice.refresh_from_db()
    assert (invoice.amount_due, invoice.status) == (D("50.24"), "partially_paid")
    assert (note.amount_due, note.status) == (D("0.00"), "paid")
    with pytest.raises(TransitionNotAllowed):  # never applied twice
        invoice_post(invoice=note, actor=accountant)
    rest = invoice_post(invoice=credit_note_create(invoice=invoice, actor=accountant, invoice_date=DAY),
                        actor=accountant)
    # what remains: 2 of line 1 (22.22 + 4.22) and the freight (20.00 + 3.80) = 50.24
    assert rest.total_with_tax == D("50.24")
    invoice.refresh_from_db()
    assert (invoice.amount_due, invoice.status) == (D("0.00"), "paid")
    with pytest.raises(ConflictError) as error:
        credit_note_create(invoice=invoice, actor=accountant)
    assert error.value.code == "fully_credited"


def test_only_a_posted_invoice_is_credited(company, accountant, customer):
    draft = invoice_create(company=company, actor=accountant, customer=customer, lines=[
        {"description": "Service", "quantity": D(1), "unit_price": D(10)}])
    with pytest.raises(ConflictError):
        credit_note_create(invoice=draft, actor=accountant)
    invoice = posted_invoice(company, accountant, customer)
    note = credit_note_create(invoice=invoice, actor=accountant)
    with pytest.raises(DomainError):
        credit_note_create(invoice=note, actor=accountant)
    with pytest.raises(DomainError) as error:
        credit_note_create(invoice=invoice, actor=accountant, lines=[{"line": draft.lines.get(), "quantity": 1}])
    assert error.value.field == "lines.0.line"


# ---- from shipments and sales orders ----------------------------------------------------------------------------
def test_shipment_event_drafts_one_invoice_at_the_order_prices(company, sales, accountant, customer, product):
    order = confirmed_order(company, sales, customer, product)
    event = shipped_event(order, [(product, "3")])
    invoice = invoice_from_shipment_event(event=event)
    assert invoice_from_shipment_event(event=event) == invoice  # delivered twice: the same invoice
    assert Invoice.objects.count() == 1
    line = invoice.lines.get()
    assert (line.quantity, line.unit_price, line.net, line.sales_order_line) == (
        D("3"), D("40"), D("120.00"), order.lines.get())
    assert (invoice.sales_order, invoice.source_event, invoice.status, invoice.total_with_tax) == (
        order, event, "draft", D("142.80"))
    assert invoice_from_shipment_event(event=shipped_event(order, [(product, "3")], "SH-2")).lines.get().quantity \
        == D("2")  # never beyond what the order has left to invoice
    assert invoice_from_shipment_event(event=shipped_event(order, [(product, "1")], "SH-3")) is None


def test_a_shipment_of_no_sales_order_drafts_nothing(company, sales, customer, product):
    order = confirmed_order(company, sales, customer, product)
    event = shipped_event(order, [(product, "1")])
    event.payload["sales_order_number"] = None
    event.save()
    assert invoice_from_shipment_event(event=event) is None
    assert not Invoice.objects.exists()


def test_the_order_is_invoiced_once_every_delivery_is_posted(company, sales, accountant, customer, product):
    order = confirmed_order(company, sales, customer, product)
    first = shipped_event(order, [(product, "2")], "SH-1")
    sales_order_record_shipment(event=first)
    by_event = invoice_from_shipment_event(event=first)
    with pytest.raises(ConflictError):  # delivered quantities are on the draft already
        invoice_from_sales_order(sales_order=order, actor=accountant)
    invoice_post(invoice=by_event, actor=accountant)
    second = shipped_event(order, [(product, "3")], "SH-2")
    sales_order_record_shipment(event=second)
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.DELIVERED
    by_hand = invoice_from_sales_order(sales_order=order, actor=accountant)
    assert by_hand.lines.get().quantity == D("3")
    assert invoice_from_shipment_event(event=second) is None  # nothing left: the order is fully on invoices
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.DELIVERED
    invoice_post(invoice=by_hand, actor=accountant)
    order.refresh_from_db()
    assert order.status == SalesOrderStatus.INVOICED
    assert Event.objects.get(name="erp.invoice.posted", subject_id=str(by_hand.pk)).payload[
        "sales_order_number"] == order.number


def test_invoice_dates_default_to_today(company, accountant, customer):
    invoice = invoice_create(company=company, actor=accountant, customer=customer, lines=[
        {"description": "Service", "quantity": D(1), "unit_price": D(10)}])
    assert invoice.invoice_date == timezone.localdate()
    assert invoice.currency == company.currency


def test_a_draft_credit_note_changes_only_its_quantities(company, accountant, customer, product):
    invoice = invoice_post(invoice=two_line_invoice(company, accountant, customer, product), actor=accountant)
    note = credit_note_create(invoice=invoice, actor=accountant, invoice_date=DAY)
    assert note.total_with_tax == D("63.46")
    # the rows' other fields are the invoice's: a changed price is ignored, the quantity is taken
    note = invoice_update(instance=note, actor=accountant, lines=[
        {"quantity": D(1), "unit_price": D(999)}, {"quantity": D(1)}])
    assert list(note.lines.values_list("quantity", "unit_price", "net")) == [
        (D(1), D("12.3450"), D("11.11")), (D(1), D("20.0000"), D("20.00"))]
    with pytest.raises(DomainError) as error:
        invoice_update(instance=note, actor=accountant, lines=[{"quantity": D(4)}, {"quantity": D(1)}])
    assert (error.value.field, error.value.code) == ("lines.0.quantity", "more_than_invoiced")
    with pytest.raises(DomainError) as error:
        invoice_update(instance=note, actor=accountant, lines=[{"quantity": D(1)}])
    assert error.value.field == "lines"
    assert invoice_post(invoice=note, actor=accountant).total_with_tax == D("37.02")  # 11.11 + 2.11 + 20 + 3.80
