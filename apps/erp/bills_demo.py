"""ERP demo data (vendor bills): the bills of the demo receipt of steel tubes, one posted after a clean match and
one held by the match because the supplier billed a higher price than ordered."""

from decimal import Decimal

from apps.erp.models import VendorBill
from apps.erp.services.bills import bill_from_purchase_order, bill_match, bill_post, bill_update
from apps.scm.choices import ReceiptStatus
from apps.scm.models import GoodsReceipt

D = Decimal


def seed(*, company, other_company, users) -> None:
    """Called by `seed_demo`: DEMO's vendor bills (once)."""
    if VendorBill.objects.filter(company=company).exists():
        return
    actor = users.get("accountant") or users["admin"]
    receipt = (GoodsReceipt.objects.filter(company=company, status=ReceiptStatus.POSTED)
               .select_related("purchase_order").order_by("pk").first())
    if receipt is None:
        return
    order = receipt.purchase_order
    first = bill_from_purchase_order(company=company, actor=actor, purchase_order=order,
                                     supplier_reference="SW-INV-2201", notes="First part of the delivery.")
    rows = [{"purchase_order_line": line.purchase_order_line, "quantity": (line.quantity / 2).quantize(D(1)),
             "description": line.description} for line in first.lines.select_related("purchase_order_line")]
    bill_post(bill=bill_update(instance=first, actor=actor, lines=rows), actor=actor)
    second = bill_from_purchase_order(company=company, actor=actor, purchase_order=order,
                                      supplier_reference="SW-INV-2245", notes="The rest, at the supplier's new price.")
    rows = [{"purchase_order_line": line.purchase_order_line, "quantity": line.quantity,
             "unit_price": (line.unit_price * D("1.08")).quantize(D("0.01")), "description": line.description}
            for line in second.lines.select_related("purchase_order_line")]
    bill_match(bill=bill_update(instance=second, actor=actor, lines=rows), actor=actor)
