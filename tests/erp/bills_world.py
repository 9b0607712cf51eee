"""A purchase order sent to a supplier and received through SCM's services, with the goods-receipt posting ERP
books for it (Dr inventory, Cr GR/IR at each receipt line's stock move value: the contract of the receipt posting
handler, simulated here with `post_entry`), for the vendor-bill and GR/IR tests."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from apps.erp.choices import JournalKind, PostingRule
from apps.erp.services.accounts import account_for, journal_for
from apps.erp.services.entries import post_entry
from apps.scm.services.purchasing import purchase_order_create, purchase_order_send
from apps.scm.services.receipts import goods_receipt_create, goods_receipt_post
from tests.scm.factories import purchasing_world

D = Decimal


def receive(world, actor, order, quantities: list, *, rejected: list | None = None,
            on: datetime.date | None = None):
    """Post a receipt of `quantities` (one per PO line, in line order; 0 skips) and book its GR/IR entry."""
    po_lines = list(order.lines.order_by("line_number"))
    rows = [{"purchase_order_line": line, "quantity": D(quantity), "location": world.stock,
             "quantity_rejected": D((rejected or [0] * len(po_lines))[index])}
            for index, (line, quantity) in enumerate(zip(po_lines, quantities, strict=False))
            if D(quantity) or (rejected and D(rejected[index]))]
    receipt = goods_receipt_create(company=world.company, actor=actor, purchase_order=order, lines=rows,
                                   received_on=on)
    goods_receipt_post(receipt=receipt, actor=actor)
    company = world.company
    value = sum((line.stock_move.value for line in receipt.lines.select_related("stock_move") if line.stock_move),
                D(0))
    if value:
        post_entry(company=company, journal=journal_for(company=company, kind=JournalKind.INVENTORY),
                   date=receipt.received_on, memo=f"Receipt {receipt.number}", actor=actor, source=receipt, lines=[
                       {"account": account_for(company=company, rule=PostingRule.INVENTORY), "debit": value},
                       {"account": account_for(company=company, rule=PostingRule.GRIR), "credit": value}])
    return receipt


def ordered(company, actor, *, lines=(("10", "2.50"),), currency=None, order_date=None, world=None):
    """A sent purchase order of the world's supplier: (quantity, unit price) per line, each of its own item."""
    from tests.scm.factories import ItemFactory

    world = world or purchasing_world(company)
    rows = []
    for index, (quantity, price) in enumerate(lines):
        item = world.item if index == 0 else ItemFactory(company=company, number=f"PART-{company.code}-{index}")
        rows.append({"item": item, "quantity": D(quantity), "unit_price": D(price)})
    order = purchase_order_create(company=company, actor=actor, supplier=world.supplier, warehouse=world.warehouse,
                                  currency=currency, order_date=order_date or timezone.localdate(), lines=rows)
    order = purchase_order_send(purchase_order=order, actor=actor)
    return SimpleNamespace(world=world, order=order, lines=list(order.lines.order_by("line_number")))
