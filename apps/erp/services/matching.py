"""The three-way match of a vendor bill against its purchase order and goods receipts, and the received value
(GR/IR) of billed quantities.

For every bill line with a purchase order line (quantities summed per PO line over the bill's lines):
* the billed quantity (this bill + the supplier's other held, posted or paid bills of that PO line) is at most
  the quantity received (accepted at the dock; rejected goods never count) — nothing received yet is "billed
  before received" — and at most the quantity ordered;
* the bill is in the purchase order's currency;
* the unit price is within the company's tolerance of the PO price (`BillMatchPolicy`: at most the percent of the
  PO price, and the line's total difference at most the amount).
Each line gets its `match_note` ("Matched ..." or every failed rule in words); a bill line without a PO line is
an expense and is not matched. `match_bill` returns the failures, one sentence each, for the bill's hold reason.

Received value (company currency). The goods-receipt posting credits GR/IR with each receipt line's stock move
value (quantity x PO unit price x the order's rate). A bill debits GR/IR, per PO line, with the received value of
the quantities it bills, cumulatively over the PO line's posted bills: `received_value_at(q)` is the receipts'
total value when `q` is everything received, else q x the receipts' average unit cost rounded to the company
currency's cents; a quantity billed beyond the receipts is valued at the PO price x the order's rate. A bill line's
GR/IR amount is value_at(billed before + this) - value_at(billed before), so that once everything received is
billed, the GR/IR of the PO line is exactly zero.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from apps.core.money import round_money
from apps.core.selectors import exchange_rate_or_none
from apps.erp.models import BillMatchPolicy, VendorBill, VendorBillLine
from apps.erp.models.invoicing import OpenItemStatus
from apps.scm.choices import ReceiptStatus
from apps.scm.models import GoodsReceiptLine, PurchaseOrderLine

ZERO = Decimal(0)
HUNDRED = Decimal(100)
# the bills whose quantities count as billed against a PO line (a held bill still claims its quantities)
BILLED_STATUSES = (OpenItemStatus.HELD, OpenItemStatus.POSTED, OpenItemStatus.PARTIALLY_PAID, OpenItemStatus.PAID)
POSTED_STATUSES = (OpenItemStatus.POSTED, OpenItemStatus.PARTIALLY_PAID, OpenItemStatus.PAID)


def match_policy(company) -> BillMatchPolicy:
    """The company's match tolerance (the defaults while it has none saved)."""
    return BillMatchPolicy.objects.filter(company=company).first() or BillMatchPolicy(company=company)


def fmt(value: Decimal) -> str:
    """A quantity or price without trailing zeros: 10, 2.5."""
    return f"{value.normalize():f}"


@dataclass(frozen=True)
class Received:
    """What the posted receipts of a PO line brought in: accepted quantity and stock value (company currency)."""

    quantity: Decimal
    value: Decimal


def received(po_line: PurchaseOrderLine) -> Received:
    """The posted receipts' accepted quantity and stock-move value of a PO line."""
    totals = (GoodsReceiptLine.objects.filter(purchase_order_line=po_line, receipt__status=ReceiptStatus.POSTED,
                                              stock_move__isnull=False)
              .aggregate(quantity=Sum("quantity"), value=Sum("stock_move__value")))
    return Received(totals["quantity"] or ZERO, totals["value"] or ZERO)


def billed_quantity(po_line: PurchaseOrderLine, *, statuses=BILLED_STATUSES, exclude: VendorBill | None = None
                    ) -> Decimal:
    """The quantity of a PO line on bills in `statuses` (default: held, posted or paid), less `exclude`'s."""
    lines = VendorBillLine.objects.filter(purchase_order_line=po_line, bill__status__in=statuses)
    if exclude is not None:
        lines = lines.exclude(bill=exclude)
    return lines.aggregate(quantity=Sum("quantity"))["quantity"] or ZERO


def _order_rate(po_line: PurchaseOrderLine, company) -> Decimal:
    order = po_line.purchase_order
    if order.exchange_rate is not None:
        return order.exchange_rate
    return exchange_rate_or_none(company=company, currency=order.currency, date=order.order_date) or Decimal(1)


def received_value_at(po_line: PurchaseOrderLine, quantity: Decimal, *, company, receipts: Received | None = None
                      ) -> Decimal:
    """The received value (company currency) of the first `quantity` billed of a PO line (module docstring)."""
    receipts = receipts or received(po_line)
    currency = company.currency
    if quantity <= 0:
        return ZERO
    if receipts.quantity > 0 and quantity <= receipts.quantity:
        if quantity == receipts.quantity:
            return receipts.value
        return round_money(receipts.value * quantity / receipts.quantity, currency)
    beyond = quantity - receipts.quantity
    return receipts.value + round_money(beyond * po_line.unit_price * _order_rate(po_line, company), currency)


def grir_amounts(bill: VendorBill, lines: list[VendorBillLine]) -> dict[int, Decimal]:
    """Per bill line with a PO line: the GR/IR debit of its quantity, after the PO line's posted bills and this
    bill's earlier lines (module docstring)."""
    amounts: dict[int, Decimal] = {}
    billed_before: dict[int, Decimal] = {}
    receipts: dict[int, Received] = {}
    for line in lines:
        po_line = line.purchase_order_line
        if po_line is None:
            continue
        if po_line.pk not in billed_before:
            billed_before[po_line.pk] = billed_quantity(po_line, statuses=POSTED_STATUSES, exclude=bill)
            receipts[po_line.pk] = received(po_line)
        before = billed_before[po_line.pk]
        after = before + line.quantity
        amounts[line.pk] = (received_value_at(po_line, after, company=bill.company, receipts=receipts[po_line.pk])
                            - received_value_at(po_line, before, company=bill.company, receipts=receipts[po_line.pk]))
        billed_before[po_line.pk] = after
    return amounts


def _price_failure(line: VendorBillLine, po_line: PurchaseOrderLine, policy: BillMatchPolicy) -> tuple[str, str]:
    """(failure or "", the price part of the note)."""
    difference = line.unit_price - po_line.unit_price
    if difference == 0:
        return "", "price as ordered"
    percent = (abs(difference) / po_line.unit_price * HUNDRED) if po_line.unit_price else HUNDRED
    total = abs(difference) * line.quantity
    sign = "+" if difference > 0 else "-"
    described = f"price {fmt(line.unit_price)} vs PO {fmt(po_line.unit_price)} ({sign}{percent:.2f}%)"
    if percent > policy.price_tolerance_percent:
        return (f"unit price {fmt(line.unit_price)} differs from the PO price {fmt(po_line.unit_price)} by "
                f"{percent:.2f}%, more than the tolerance of {fmt(policy.price_tolerance_percent)}%"), described
    if total > policy.price_tolerance_amount:
        return (f"unit price {fmt(line.unit_price)} differs from the PO price {fmt(po_line.unit_price)} by "
                f"{total:.2f} on the line, more than the tolerance of {policy.price_tolerance_amount}"), described
    return "", f"{described} within tolerance"


def match_bill(bill: VendorBill, lines: list[VendorBillLine]) -> list[str]:
    """Run the three-way match on the bill's lines (PO lines locked by the caller): write each line's
    `match_note` and return the failures, "Line n (PO/line item): rule; rule", one per failing line."""
    policy = match_policy(bill.company)
    this_bill: dict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.purchase_order_line_id:
            this_bill[line.purchase_order_line_id] += line.quantity
    others: dict[int, Decimal] = {}
    failures = []
    for line in lines:
        po_line = line.purchase_order_line
        if po_line is None:
            line.match_note = "No purchase order line: an expense, not matched."
            continue
        if po_line.pk not in others:
            others[po_line.pk] = billed_quantity(po_line, exclude=bill)
        billed = others[po_line.pk] + this_bill[po_line.pk]
        rules = []
        order = po_line.purchase_order
        if bill.currency_id != order.currency_id:
            rules.append(f"billed in {bill.currency.code}, ordered in {order.currency.code}")
        if po_line.quantity_received <= 0:
            rules.append(f"billed before received: nothing of {fmt(po_line.quantity)} ordered is received yet")
        elif billed > po_line.quantity_received:
            rules.append(f"billed quantity {fmt(billed)} (this bill {fmt(this_bill[po_line.pk])}, other bills "
                         f"{fmt(others[po_line.pk])}) exceeds the received quantity {fmt(po_line.quantity_received)}")
        if billed > po_line.quantity:
            rules.append(f"billed quantity {fmt(billed)} exceeds the ordered quantity {fmt(po_line.quantity)}")
        price_failure, price_note = _price_failure(line, po_line, policy)
        if price_failure:
            rules.append(price_failure)
        if rules:
            line.match_note = ("Held: " + "; ".join(rules))[:200]
            failures.append(f"Line {line.line_number} ({order.number}/{po_line.line_number} {po_line.item.number}): "
                            + "; ".join(rules) + ".")
        else:
            line.match_note = (f"Matched: {fmt(billed)} billed of {fmt(po_line.quantity_received)} received, "
                               f"{price_note}.")[:200]
    VendorBillLine.objects.bulk_update(lines, ["match_note"])
    return failures
