"""Vendor-bill services: drafts and totals, bills of a purchase order, the three-way match (quantities received and
ordered, price tolerance), hold and release, the hand-computed posting (GR/IR, PPV, tax, payables), FX, posting
twice or into a closed period, reversal, company isolation."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.errors import ConflictError, DomainError, TransitionNotAllowed
from apps.core.models import AuditRecord, Currency, ExchangeRate
from apps.core.workflow import may_take_step
from apps.erp.choices import EntryStatus, PostingRule
from apps.erp.models import BillMatchPolicy, VendorBill
from apps.erp.models.invoicing import OpenItemStatus as S
from apps.erp.services.bills import (
    bill_cancel,
    bill_create,
    bill_delete,
    bill_from_purchase_order,
    bill_match,
    bill_post,
    bill_release,
    bill_reverse,
    bill_update,
)
from apps.erp.services.periods import period_close, period_for
from tests.erp.bills_world import ordered, receive

D = Decimal
pytestmark = pytest.mark.django_db


def entry_lines(bill, chart):
    """{rule: (debit, credit)} of the bill's entry, summed per posting-rule account."""
    names = {chart(rule).pk: rule for rule in PostingRule.values}
    totals = {}
    for line in bill.entry.lines.all():
        debit, credit = totals.get(names[line.account_id], (D(0), D(0)))
        totals[names[line.account_id]] = (debit + line.debit, credit + line.credit)
    return totals


def bill_of(po, user, *, quantity=None, price=None, tax_rate="19", reference="INV-1", **kwargs):
    line = po.lines[0]
    return bill_create(company=po.order.company, actor=user, supplier=po.order.supplier, purchase_order=po.order,
                       supplier_reference=reference, lines=[{
                           "purchase_order_line": line, "quantity": D(quantity or line.quantity),
                           "unit_price": D(price) if price is not None else None, "tax_rate": D(tax_rate)}], **kwargs)


def test_create_totals_defaults_and_number(company, user, chart):
    po = ordered(company, user, lines=[("3", "12.345")])
    po.order.supplier.payment_terms_days = 45
    po.order.supplier.save()
    bill = bill_create(company=company, actor=user, supplier=po.order.supplier, purchase_order=po.order, lines=[
        {"purchase_order_line": po.lines[0], "quantity": D("3")},  # the PO price, the default tax rate (19%)
        {"description": "Freight", "quantity": D("1"), "unit_price": D("7.99"), "tax_rate": D("7")}])
    # 3 x 12.345 = 37.035 → 37.04, tax 7.0376 → 7.04; 7.99, tax 0.5593 → 0.56
    assert list(bill.lines.values_list("line_number", "unit_price", "tax_rate", "net", "tax")) == [
        (1, D("12.3450"), D("19.00"), D("37.04"), D("7.04")), (2, D("7.9900"), D("7.00"), D("7.99"), D("0.56"))]
    assert (bill.total, bill.total_tax, bill.total_with_tax, bill.amount_due) == (
        D("45.03"), D("7.60"), D("52.63"), D(0))
    today = timezone.localdate()
    assert (bill.status, bill.currency, bill.bill_date, bill.payment_terms_days, bill.due_date) == (
        S.DRAFT, company.currency, today, 45, today + datetime.timedelta(days=45))
    assert bill.number == f"BILL-{today.year}-00001"
    assert AuditRecord.objects.filter(action="create", object_id=str(bill.pk)).exists()


def test_bad_lines_name_the_field_and_write_nothing(company, user, other_company, other_user):
    po = ordered(company, user)
    other = ordered(other_company, other_user)
    cases = [
        ({"lines": [{"purchase_order_line": po.lines[0], "quantity": D(0)}]}, "lines.0.quantity"),
        ({"lines": [{"quantity": D(1), "unit_price": D(1)}]}, "lines.0.description"),
        ({"lines": [{"description": "x", "quantity": D(1)}]}, "lines.0.unit_price"),
        ({"lines": [{"purchase_order_line": po.lines[0], "quantity": D(1), "tax_rate": D(101)}]}, "lines.0.tax_rate"),
        ({"lines": [{"purchase_order_line": other.lines[0], "quantity": D(1)}]}, "lines.0.purchase_order_line"),
        ({"purchase_order": other.order, "lines": []}, "purchase_order"),
        ({"currency": Currency.objects.get(code="USD"), "lines": []}, "currency"),
    ]
    for kwargs, field in cases:
        kwargs.setdefault("purchase_order", po.order)
        with pytest.raises(DomainError) as error:
            bill_create(company=company, actor=user, supplier=po.order.supplier, **kwargs)
        assert error.value.field == field, kwargs
    assert not VendorBill.objects.exists()


def test_from_purchase_order_bills_what_is_received_and_not_yet_billed(company, user, chart):
    po = ordered(company, user, lines=[("10", "2.50"), ("4", "5.00")])
    with pytest.raises(DomainError) as error:
        bill_from_purchase_order(company=company, actor=user, purchase_order=po.order)
    assert (error.value.field, error.value.code) == ("purchase_order", "nothing_to_bill")
    receive(po.world, user, po.order, ["6", "4"], rejected=["1", "0"])
    first = bill_from_purchase_order(company=company, actor=user, purchase_order=po.order, supplier_reference="S-1")
    assert list(first.lines.values_list("purchase_order_line", "quantity", "unit_price")) == [
        (po.lines[0].pk, D(6), D("2.5")), (po.lines[1].pk, D(4), D(5))]
    assert (first.supplier_reference, first.supplier, first.purchase_order) == ("S-1", po.order.supplier, po.order)
    bill_post(bill=first, actor=user)
    receive(po.world, user, po.order, ["3", "0"])
    second = bill_from_purchase_order(company=company, actor=user, purchase_order=po.order)
    assert list(second.lines.values_list("purchase_order_line", "quantity")) == [(po.lines[0].pk, D(3))]


def test_match_passes_and_notes_each_line(company, user, chart):
    po = ordered(company, user)
    receive(po.world, user, po.order, ["10"])
    bill = bill_match(bill=bill_of(po, user), actor=user)
    assert (bill.status, bill.hold_reason) == (S.DRAFT, "")
    assert bill.lines.get().match_note == "Matched: 10 billed of 10 received, price as ordered."


@pytest.mark.parametrize(("received", "quantity", "price", "expected"), [
    (["8"], "10", None, "billed quantity 10 (this bill 10, other bills 0) exceeds the received quantity 8"),
    ([], "5", None, "billed before received: nothing of 10 ordered is received yet"),
    (["10"], "10", "2.60", "unit price 2.6 differs from the PO price 2.5 by 4.00%, more than the tolerance of 2%"),
])
def test_match_failures_hold_the_bill_with_every_failing_rule(company, user, chart, received, quantity, price,
                                                              expected):
    po = ordered(company, user)
    if received:
        receive(po.world, user, po.order, received)
    bill = bill_match(bill=bill_of(po, user, quantity=quantity, price=price), actor=user)
    assert bill.status == S.HELD
    assert bill.hold_reason == f"Line 1 ({po.order.number}/1 {po.lines[0].item.number}): {expected}."
    assert bill.lines.get().match_note == f"Held: {expected}"


def test_over_ordered_and_other_bills_count_and_absolute_tolerance(company, user, chart):
    po = ordered(company, user, lines=[("10", "100.00")])
    BillMatchPolicy.objects.create(company=company, price_tolerance_percent=D("5"), price_tolerance_amount=D("20"))
    receive(po.world, user, po.order, ["10"])
    bill_post(bill=bill_of(po, user, quantity="6"), actor=user)
    # 6 already billed + 5 = 11: more than received (10) and ordered (10); 5 x 4.50 = 22.50 > 20 (4.5% < 5%)
    bill = bill_match(bill=bill_of(po, user, quantity="5", price="104.50"), actor=user)
    assert bill.status == S.HELD
    assert bill.hold_reason.split(": ", 1)[1] == (
        "billed quantity 11 (this bill 5, other bills 6) exceeds the received quantity 10; billed quantity 11 "
        "exceeds the ordered quantity 10; unit price 104.5 differs from the PO price 100 by 22.50 on the line, more "
        "than the tolerance of 20.00.")


def test_held_bill_is_corrected_and_matched_again(company, user, chart):
    po = ordered(company, user)
    receive(po.world, user, po.order, ["10"])
    bill = bill_match(bill=bill_of(po, user, quantity="12"), actor=user)
    assert bill.status == S.HELD
    bill = bill_update(instance=bill, actor=user, lines=[{"purchase_order_line": po.lines[0], "quantity": D(10)}])
    assert bill.status == S.HELD  # until matched again
    with pytest.raises(TransitionNotAllowed):
        bill_post(bill=bill, actor=user)
    bill = bill_match(bill=bill, actor=user)
    assert (bill.status, bill.hold_reason) == (S.DRAFT, "")
    assert bill_post(bill=bill, actor=user).status == S.POSTED


def test_post_of_a_mismatch_holds_instead_of_posting(company, user, chart):
    po = ordered(company, user)
    receive(po.world, user, po.order, ["4"])
    bill = bill_post(bill=bill_of(po, user, quantity="5"), actor=user)
    bill.refresh_from_db()
    assert (bill.status, bill.entry, bill.amount_due) == (S.HELD, None, D(0))
    assert "exceeds the received quantity 4" in bill.hold_reason
    assert AuditRecord.objects.filter(object_id=str(bill.pk), action="hold").exists()


def test_release_needs_the_permission_and_a_reason_and_is_audited(company, user, chart, accountant, manager):
    po = ordered(company, user)
    receive(po.world, user, po.order, ["10"])
    bill = bill_match(bill=bill_of(po, user, price="3.00"), actor=user)
    assert bill.status == S.HELD
    assert not may_take_step(bill, "release", accountant)
    assert may_take_step(bill, "release", manager)
    with pytest.raises(DomainError) as error:
        bill_release(bill=bill, actor=manager, reason=" ")
    assert error.value.field == "reason"
    bill = bill_release(bill=bill, actor=manager, reason="Price increase agreed by phone.")
    assert (bill.status, bill.release_reason, bill.amount_due) == (S.POSTED, "Price increase agreed by phone.",
                                                                   D("35.70"))
    assert bill.hold_reason  # kept on record
    record = AuditRecord.objects.get(object_id=str(bill.pk), action="release")
    assert record.after["reason"] == "Price increase agreed by phone."
    # 10 x 3.00 = 30.00, tax 5.70: GR/IR at the received 25.00, PPV 5.00
    assert entry_lines(bill, chart) == {"grir": (D("25.00"), D(0)), "purchase_price_variance": (D("5.00"), D(0)),
                                        "tax_payable": (D("5.70"), D(0)), "payables": (D(0), D("35.70"))}


def test_posting_within_tolerance_books_the_price_variance_exactly(company, user, chart):
    po = ordered(company, user, lines=[("10", "2.50"), ("3", "4.00")])
    receive(po.world, user, po.order, ["10", "3"])
    bill = bill_create(company=company, actor=user, supplier=po.order.supplier, purchase_order=po.order,
                       supplier_reference="INV-77", lines=[
                           {"purchase_order_line": po.lines[0], "quantity": D(10), "unit_price": D("2.55")},
                           {"purchase_order_line": po.lines[1], "quantity": D(3), "unit_price": D("3.95"),
                            "tax_rate": D("7")},
                           {"description": "Freight", "quantity": D(1), "unit_price": D("12.00")}])
    bill = bill_post(bill=bill, actor=user)
    # nets 25.50 (+2%), 11.85 (-1.25%), 12.00; taxes 4.845 → 4.85, 0.8295 → 0.83, 2.28 → total 49.35 + 7.96
    assert (bill.status, bill.total, bill.total_tax, bill.total_with_tax, bill.amount_due) == (
        S.POSTED, D("49.35"), D("7.96"), D("57.31"), D("57.31"))
    # GR/IR at the received value 25.00 + 12.00; PPV 25.50 + 11.85 - 37.00 = 0.35; freight to general expenses
    assert entry_lines(bill, chart) == {
        "grir": (D("37.00"), D(0)), "purchase_price_variance": (D("0.35"), D(0)), "expenses": (D("12.00"), D(0)),
        "tax_payable": (D("7.96"), D(0)), "payables": (D(0), D("57.31"))}
    assert list(bill.lines.values_list("grir_amount", flat=True)) == [D("25.00"), D("12.00"), D(0)]
    entry = bill.entry
    assert (entry.status, entry.journal.code, entry.date, entry.source_id) == (
        EntryStatus.POSTED, "PUR", bill.bill_date, str(bill.pk))
    assert entry.lines.get(account=chart("payables")).party == po.order.supplier
    assert "INV-77" in entry.memo


def test_partial_bills_clear_gr_ir_exactly(company, user, chart):
    po = ordered(company, user, lines=[("3", "3.3333")])
    receive(po.world, user, po.order, ["3"])  # 3 x 3.3333 = 9.9999 → 10.00 in stock
    first = bill_post(bill=bill_of(po, user, quantity="1"), actor=user)
    second = bill_post(bill=bill_of(po, user, quantity="2"), actor=user)
    amounts = [first.lines.get().grir_amount, second.lines.get().grir_amount]
    assert amounts == [D("3.33"), D("6.67")]
    assert sum(amounts) == D("10.00")


def test_foreign_currency_bill_posts_at_the_bill_date_rate(company, user, chart):
    usd = Currency.objects.get(code="USD")
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    ExchangeRate.objects.create(company=company, base=usd, quote=company.currency, date=yesterday, rate=D("0.9"))
    po = ordered(company, user, lines=[("3", "10.00")], currency=usd, order_date=yesterday)
    ExchangeRate.objects.create(company=company, base=usd, quote=company.currency, date=today, rate=D("0.92"))
    receive(po.world, user, po.order, ["3"])  # 3 x 10 USD x 0.90 = 27.00 EUR
    bill = bill_post(bill=bill_of(po, user, price="10.10"), actor=user)
    # 30.30 USD + tax 5.757 → 5.76 = 36.06 USD; at 0.92: payables 33.18, tax 5.30; PPV 33.18 - 5.30 - 27.00 = 0.88
    assert (bill.status, bill.currency, bill.exchange_rate, bill.total_with_tax) == (
        S.POSTED, usd, D("0.92"), D("36.06"))
    assert entry_lines(bill, chart) == {"grir": (D("27.00"), D(0)), "purchase_price_variance": (D("0.88"), D(0)),
                                        "tax_payable": (D("5.30"), D(0)), "payables": (D(0), D("33.18"))}
    payable = bill.entry.lines.get(account=chart("payables"))
    assert (payable.currency, payable.amount) == (usd, D("-36.06"))


def test_posting_twice_or_into_a_closed_period_is_refused(company, user, chart, accountant):
    po = ordered(company, user)
    receive(po.world, user, po.order, ["10"])
    bill = bill_post(bill=bill_of(po, user), actor=user)
    with pytest.raises(ConflictError):
        bill_post(bill=bill, actor=user)
    assert VendorBill.objects.get(pk=bill.pk).entry_id == bill.entry_id
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    period_close(period=period_for(company=company, date=last_month), actor=accountant)
    other = ordered(company, user, world=po.world)
    receive(po.world, user, other.order, ["10"])
    late = bill_of(other, user, bill_date=last_month)  # a draft may carry any date
    with pytest.raises(DomainError) as error:
        bill_post(bill=late, actor=user)
    assert (error.value.field, error.value.code) == ("date", "period_closed")
    late.refresh_from_db()
    assert (late.status, late.entry_id, late.lines.get().grir_amount) == (S.DRAFT, None, D(0))


def test_reverse_once_when_nothing_is_paid_then_the_quantity_bills_again(company, user, chart):
    po = ordered(company, user)
    receive(po.world, user, po.order, ["10"])
    bill = bill_post(bill=bill_of(po, user), actor=user)
    bill = bill_reverse(bill=bill, actor=user)
    assert (bill.status, bill.amount_due) == (S.CANCELLED, D(0))
    bill.entry.refresh_from_db()
    assert bill.entry.status == EntryStatus.REVERSED
    with pytest.raises(TransitionNotAllowed):
        bill_reverse(bill=bill, actor=user)
    again = bill_from_purchase_order(company=company, actor=user, purchase_order=po.order)
    assert again.lines.get().quantity == D(10)


def test_partly_paid_bill_is_not_reversed(company, user, chart):
    po = ordered(company, user)
    receive(po.world, user, po.order, ["10"])
    bill = bill_post(bill=bill_of(po, user), actor=user)
    VendorBill.objects.filter(pk=bill.pk).update(amount_due=D("10.00"), status=S.PARTIALLY_PAID)
    with pytest.raises(TransitionNotAllowed):
        bill_reverse(bill=VendorBill.objects.get(pk=bill.pk), actor=user)


def test_cancel_and_delete_only_before_posting(company, user, chart):
    po = ordered(company, user)
    receive(po.world, user, po.order, ["10"])
    draft = bill_of(po, user)
    assert bill_cancel(bill=draft, actor=user).status == S.CANCELLED
    bill_delete(instance=bill_of(po, user), actor=user)
    posted = bill_post(bill=bill_of(po, user), actor=user)
    for call in (lambda: bill_cancel(bill=posted, actor=user), lambda: bill_delete(instance=posted, actor=user),
                 lambda: bill_update(instance=posted, actor=user, notes="x")):
        with pytest.raises(ConflictError):
            call()


def test_another_companys_purchase_order_is_refused(company, user, other_company, other_user):
    other = ordered(other_company, other_user)
    with pytest.raises(DomainError) as error:
        bill_from_purchase_order(company=company, actor=user, purchase_order=other.order)
    assert error.value.field == "purchase_order"
