"""Test set-ups of the quality half: stock received on quality hold through SCM's real purchasing flow."""

from decimal import Decimal
from types import SimpleNamespace

from apps.scm.services.purchasing import purchase_order_create, purchase_order_send
from apps.scm.services.receipts import goods_receipt_create, goods_receipt_post
from tests.scm.factories import purchasing_world


def held_receipt(company, actor, quantity: Decimal = Decimal(10)) -> SimpleNamespace:
    """A posted goods receipt of `quantity` BOLT-<company> put on quality hold (the warehouse's QH bin)."""
    world = purchasing_world(company)
    order = purchase_order_create(company=company, actor=actor, supplier=world.supplier, warehouse=world.warehouse,
                                  lines=[{"item": world.item, "quantity": quantity}])
    purchase_order_send(purchase_order=order, actor=actor)
    receipt = goods_receipt_create(company=company, actor=actor, purchase_order=order, lines=[
        {"purchase_order_line": order.lines.get(), "quantity": quantity, "location": world.stock,
         "quality_hold": True}])
    receipt = goods_receipt_post(receipt=receipt, actor=actor)
    world.receipt = receipt
    world.line = receipt.lines.get()
    return world
