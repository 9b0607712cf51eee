"""Payment services: allocation rules (party, company, currency, amount due, the payment's amount), the posting on a
hand-computed example, partial and full settlement, the event CRM reads, reversal once, a closed period; two
payments posted at the same time never over-pay an invoice."""

import datetime
from decimal import Decimal

import pytest

from apps.core.errors import ConflictError, DomainError, TransitionNotAllowed
from apps.core.models import Currency, Event, ExchangeRate
from apps.erp.models import Invoice, Payment, VendorBill
from apps.erp.services.payments import payment_create, payment_delete, payment_post, payment_reverse, payment_update
from apps.erp.services.periods import period_close, period_for
from tests.conftest import race
from tests.core.factories import PartyFactory
from tests.erp.ar_support import entry_lines, posted_invoice

D = Decimal
DAY = datetime.date(2026, 3, 10)


def receive(company, actor, customer, amount, allocations=(), **kwargs):
    return payment_create(company=company, actor=actor, direction="received", party=customer, amount=D(amount),
                          payment_date=kwargs.pop("payment_date", DAY), allocations=list(allocations), **kwargs)


@pytest.mark.django_db
def test_partial_then_full_payment_books_bank_and_receivables(company, accountant, customer, chart):
    invoice = posted_invoice(company, accountant, customer, amount="100.00", invoice_date=DAY)  # 119.00 due
    payment = receive(company, accountant, customer, "50.00", [{"invoice": invoice, "amount": D("50.00")}],
                      reference="BANK-1")
    assert (payment.number, payment.status, payment.amount_unallocated) == ("PAY-2026-00001", "draft", D(0))
    payment = payment_post(payment=payment, actor=accountant)
    assert (payment.entry.journal.code, payment.entry.date) == ("BNK", DAY)
    assert entry_lines(payment.entry) == [("1100", D("50.00"), D("0.00"), None),
                                          ("1200", D("0.00"), D("50.00"), customer.pk)]
    invoice.refresh_from_db()
    assert (invoice.amount_due, invoice.status) == (D("69.00"), "partially_paid")
    event = Event.objects.get(name="erp.payment.received")
    assert {k: event.payload[k] for k in ("number", "customer_id", "amount", "currency", "invoice_numbers")} == {
        "number": payment.number, "customer_id": customer.pk, "amount": "50.00", "currency": "EUR",
        "invoice_numbers": [invoice.number]}
    rest = payment_post(payment=receive(company, accountant, customer, "80.00",
                                        [{"invoice": invoice, "amount": D("69.00")}]), actor=accountant)
    assert rest.amount_unallocated == D("11.00")
    invoice.refresh_from_db()
    assert (invoice.amount_due, invoice.status) == (D("0.00"), "paid")
    with pytest.raises(TransitionNotAllowed):
        payment_post(payment=rest, actor=accountant)


@pytest.mark.django_db
def test_allocation_rules_name_the_field(company, other_company, accountant, customer, make_user):
    invoice = posted_invoice(company, accountant, customer, amount="100.00")
    other_customer = PartyFactory(company=company, is_customer=True)
    theirs = posted_invoice(company, accountant, other_customer)
    stranger = PartyFactory(company=other_company, is_customer=True)
    elsewhere = posted_invoice(other_company, make_user(other_company, "Finance"), stranger)
    draft = Invoice.objects.create(company=company, customer=customer, number="DINV-X", invoice_date=DAY,
                                   currency=company.currency)
    usd = Currency.objects.get(code="USD")
    ExchangeRate.objects.create(company=company, base=usd, quote=company.currency, date=DAY, rate=D("0.9"))
    in_usd = posted_invoice(company, accountant, customer, currency=usd, invoice_date=DAY)
    cases = [
        ([{"invoice": elsewhere, "amount": D(1)}], "allocations.0.invoice", "invalid"),
        ([{"invoice": theirs, "amount": D(1)}], "allocations.0.invoice", "other_party"),
        ([{"invoice": in_usd, "amount": D(1)}], "allocations.0.invoice", "other_currency"),
        ([{"invoice": draft, "amount": D(1)}], "allocations.0.invoice", "not_due"),
        ([{"invoice": invoice, "amount": D("119.01")}], "allocations.0.amount", "more_than_due"),
        ([{"invoice": invoice, "amount": D(0)}], "allocations.0.amount", "min_value"),
        ([{"invoice": invoice, "amount": D(1)}, {"invoice": invoice, "amount": D(1)}], "allocations.1.invoice",
         "unique"),
        ([{"bill": VendorBill(pk=1), "amount": D(1)}], "allocations.0.bill", "invalid"),
    ]
    for rows, field, code in cases:
        with pytest.raises(DomainError) as error:
            receive(company, accountant, customer, "500.00", rows)
        assert (error.value.field, error.value.code) == (field, code), rows
    with pytest.raises(DomainError) as error:
        receive(company, accountant, customer, "10.00", [{"invoice": invoice, "amount": D(11)}])
    assert (error.value.field, error.value.code) == ("allocations", "over_allocated")
    with pytest.raises(DomainError) as error:
        receive(company, accountant, stranger, "10.00")
    assert error.value.field == "party"
    with pytest.raises(DomainError) as error:
        receive(company, accountant, customer, "10.001")
    assert error.value.field == "amount"
    assert not Payment.objects.filter(company=company).exists()


@pytest.mark.django_db
def test_paid_payments_settle_the_suppliers_bills(company, accountant, chart):
    supplier = PartyFactory(company=company, is_supplier=True)
    bill = VendorBill.objects.create(company=company, supplier=supplier, number="BILL-1", bill_date=DAY,
                                     currency=company.currency, status="posted", total_with_tax=D("200.00"),
                                     amount_due=D("200.00"), due_date=DAY)
    payment = payment_create(company=company, actor=accountant, direction="paid", party=supplier, amount=D(200),
                             payment_date=DAY, allocations=[{"bill": bill, "amount": D("200.00")}])
    payment = payment_post(payment=payment, actor=accountant)
    assert entry_lines(payment.entry) == [("2000", D("200.00"), D("0.00"), supplier.pk),
                                          ("1100", D("0.00"), D("200.00"), None)]
    bill.refresh_from_db()
    assert (bill.amount_due, bill.status) == (D("0.00"), "paid")
    assert not Event.objects.filter(name="erp.payment.received").exists()
    payment_reverse(payment=payment, actor=accountant)
    bill.refresh_from_db()
    assert (bill.amount_due, bill.status) == (D("200.00"), "posted")


@pytest.mark.django_db
def test_reversal_gives_the_amounts_back_once(company, accountant, customer, chart):
    invoice = posted_invoice(company, accountant, customer, amount="100.00", invoice_date=DAY)
    payment = payment_post(payment=receive(company, accountant, customer, "119.00",
                                           [{"invoice": invoice, "amount": D("119.00")}]), actor=accountant)
    reversed_ = payment_reverse(payment=payment, actor=accountant)
    assert reversed_.status == "reversed"
    payment.entry.refresh_from_db()
    assert payment.entry.status == "reversed"
    assert entry_lines(payment.entry.reversed_by) == [("1100", D("0.00"), D("119.00"), None),
                                                      ("1200", D("119.00"), D("0.00"), customer.pk)]
    invoice.refresh_from_db()
    assert (invoice.amount_due, invoice.status) == (D("119.00"), "posted")
    with pytest.raises(TransitionNotAllowed):
        payment_reverse(payment=payment, actor=accountant)
    invoice.refresh_from_db()
    assert invoice.amount_due == D("119.00")


@pytest.mark.django_db
def test_drafts_only_are_changed_and_a_closed_period_refuses_the_posting(company, accountant, customer):
    invoice = posted_invoice(company, accountant, customer, amount="100.00", invoice_date=DAY)
    payment = receive(company, accountant, customer, "20.00", [{"invoice": invoice, "amount": D("20.00")}])
    payment = payment_update(instance=payment, actor=accountant, amount=D("30.00"))
    assert payment.amount_unallocated == D("10.00")
    with pytest.raises(DomainError) as error:
        payment_update(instance=payment, actor=accountant, amount=D("10.00"))
    assert error.value.code == "over_allocated"
    period_close(period=period_for(company=company, date=DAY), actor=accountant)
    with pytest.raises(ConflictError) as error:
        payment_post(payment=payment, actor=accountant)
    assert (error.value.field, error.value.code) == ("payment_date", "period_closed")
    invoice.refresh_from_db()
    assert invoice.amount_due == D("119.00")
    payment_delete(instance=payment, actor=accountant)
    assert not Payment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_payments_posted_at_once_never_over_pay_an_invoice(company, accountant, customer, chart):
    invoice = posted_invoice(company, accountant, customer, amount="100.00", invoice_date=DAY)  # 119.00
    payments = [receive(company, accountant, customer, "70.00", [{"invoice": invoice, "amount": D("70.00")}])
                for _ in range(2)]
    outcomes = race([lambda p=p: payment_post(payment=p, actor=accountant) for p in payments])
    assert sorted(type(o).__name__ if o != "ok" else o for o in outcomes) == ["DomainError", "ok"], outcomes
    refused = next(o for o in outcomes if o != "ok")
    assert (refused.field, refused.code) == ("allocations.0.amount", "more_than_due")
    invoice.refresh_from_db()
    assert (invoice.amount_due, invoice.status) == (D("49.00"), "partially_paid")
    assert sorted(Payment.objects.values_list("status", flat=True)) == ["draft", "posted"]
