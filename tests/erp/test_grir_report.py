"""The open GR/IR report on a hand-made example (received not billed, billed not received, cleared lines gone),
and the GR/IR account of a PO line at zero once its receipt and its matching bill are posted."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from apps.erp.grir import grir_data
from apps.erp.models import JournalLine
from apps.erp.services.bills import bill_create, bill_post, bill_release
from apps.erp.services.matching import match_bill
from tests.erp.bills_world import ordered, receive

D = Decimal
pytestmark = pytest.mark.django_db


def grir_balance(chart, entries) -> Decimal:
    """Credits - debits of the GR/IR account over these entries."""
    totals = JournalLine.objects.filter(account=chart("grir"), entry__in=entries).aggregate(
        d=Sum("debit"), c=Sum("credit"))
    return (totals["c"] or D(0)) - (totals["d"] or D(0))


def test_receipt_and_matching_bill_clear_the_line_and_the_gr_ir_account(company, user, chart):
    po = ordered(company, user, lines=[("7", "3.3333")])
    receipt = receive(po.world, user, po.order, ["7"])  # 7 x 3.3333 = 23.3331 → 23.33 credited to GR/IR
    rows = grir_data(company=company)["received_not_billed"]
    assert [(r["purchase_order_number"], r["received_quantity"], r["received_value"], r["billed_value"],
             r["difference"]) for r in rows] == [(po.order.number, D(7), D("23.33"), D(0), D("23.33"))]
    bill = bill_post(bill=bill_create(company=company, actor=user, supplier=po.order.supplier,
                                      purchase_order=po.order, lines=[
                                          {"purchase_order_line": po.lines[0], "quantity": D(7),
                                           "unit_price": D("3.35")}]), actor=user)
    data = grir_data(company=company)
    assert data["received_not_billed"] == data["billed_not_received"] == []
    assert data["totals"]["balance"] == D(0)
    from apps.erp.models import JournalEntry

    receipt_entry = JournalEntry.objects.get(source_id=str(receipt.pk), memo__startswith="Receipt")
    assert grir_balance(chart, [receipt_entry, bill.entry]) == D(0)


def test_hand_made_example_sorts_lines_into_both_sections(company, user, manager, chart):
    po = ordered(company, user, lines=[("10", "2.00"), ("5", "4.00"), ("2", "10.00")])
    receive(po.world, user, po.order, ["10", "5", "0"])  # 20.00 and 20.00 received; line 3 nothing
    supplier = po.order.supplier
    # line 1: 4 of 10 billed → 12.00 open; line 2: all 5 billed → cleared; line 3: 2 billed before received
    bill = bill_create(company=company, actor=user, supplier=supplier, purchase_order=po.order, lines=[
        {"purchase_order_line": po.lines[0], "quantity": D(4)},
        {"purchase_order_line": po.lines[1], "quantity": D(5)},
        {"purchase_order_line": po.lines[2], "quantity": D(2)}])
    assert match_bill(bill, list(bill.lines.all()))  # line 3 fails: billed before received
    bill = bill_post(bill=bill, actor=user)
    bill = bill_release(bill=bill, actor=manager, reason="Prepayment agreed for line 3.")
    assert list(bill.lines.values_list("grir_amount", flat=True)) == [D("8.00"), D("20.00"), D("20.00")]
    data = grir_data(company=company)
    assert [(r["line_number"], r["received_quantity"], r["received_value"], r["billed_quantity"],
             r["billed_value"], r["difference"]) for r in data["received_not_billed"]] == [
        (1, D(10), D("20.00"), D(4), D("8.00"), D("12.00"))]
    assert [(r["line_number"], r["received_quantity"], r["received_value"], r["billed_quantity"],
             r["billed_value"], r["difference"]) for r in data["billed_not_received"]] == [
        (3, D(0), D(0), D(2), D("20.00"), D("-20.00"))]
    assert data["totals"] == {"received_not_billed": D("12.00"), "billed_not_received": D("-20.00"),
                              "balance": D("-8.00")}
    # the GR/IR account agrees: 40.00 credited by the receipt, 48.00 debited by the bill
    assert grir_balance(chart, JournalLine.objects.filter(account=chart("grir")).values("entry")) == D("-8.00")
    # the goods of line 3 arrive: it clears
    receive(po.world, user, po.order, ["0", "0", "2"])
    data = grir_data(company=company)
    assert data["billed_not_received"] == []
    assert data["totals"]["balance"] == D("12.00")
    assert grir_data(company=company, supplier=supplier)["totals"]["balance"] == D("12.00")


def test_other_companies_lines_are_not_reported(company, user, other_company, other_user, chart):
    po = ordered(other_company, other_user)
    receive(po.world, other_user, po.order, ["10"])
    assert grir_data(company=company)["received_not_billed"] == []
    assert len(grir_data(company=other_company)["received_not_billed"]) == 1
