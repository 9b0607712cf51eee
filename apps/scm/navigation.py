"""SCM's sidebar entries and what the global search finds in SCM."""

from apps.core.navigation import register
from apps.core.search import register_search
from apps.scm.models import GoodsReceipt, Lot, PurchaseOrder, PurchaseRequisition, Shipment

register("SCM", "Stock", "scm:stock_overview", "scm.view_stockquant")
register("SCM", "Scan", "scm:scan", "scm.view_stockquant")
register("SCM", "Stock moves", "scm:stockmove_list", "scm.view_stockmove")
register("SCM", "Transfer", "scm:stock_transfer", "scm.add_stockmove")
register("SCM", "Adjustment", "scm:stock_adjust", "scm.add_stockmove")
register("SCM", "Cycle counts", "scm:cyclecount_list", "scm.view_cyclecount")
register("SCM", "Reservations", "scm:reservation_list", "scm.view_reservation")
register("SCM", "Lots and serials", "scm:lot_list", "scm.view_lot")
register("SCM", "Warehouses", "scm:warehouse_list", "scm.view_warehouse")
register("SCM", "Locations", "scm:location_list", "scm.view_location")
register("SCM", "Purchase orders", "scm:purchaseorder_list", "scm.view_purchaseorder")
register("SCM", "Requisitions", "scm:purchaserequisition_list", "scm.view_purchaserequisition")
register("SCM", "Goods receipts", "scm:goodsreceipt_list", "scm.view_goodsreceipt")
register("SCM", "Supplier items", "scm:supplieritem_list", "scm.view_supplieritem")
register("SCM", "Supplier performance", "scm:supplier_performance", "scm.view_goodsreceipt")
register("SCM", "Reorder rules", "scm:reorderrule_list", "scm.view_reorderrule")
register("SCM", "Replenishment", "scm:replenishment_proposals", "scm.view_purchaserequisition")
register("SCM", "Shipments", "scm:shipment_list", "scm.view_shipment")

# ---- global search ---------------------------------------------------------------------------------------------

register_search(PurchaseOrder, ["number", "supplier__name"], module="SCM", label="Purchase orders",
                select_related=["supplier"], describe=lambda po: f"{po.supplier.name} · {po.get_status_display()}")
register_search(GoodsReceipt, ["number", "delivery_note", "purchase_order__number"], module="SCM",
                label="Goods receipts", select_related=["purchase_order"],
                describe=lambda gr: f"{gr.purchase_order.number} · {gr.get_status_display()}")
register_search(Shipment, ["number", "sales_order_number", "customer__name", "tracking_number"], module="SCM",
                label="Shipments", select_related=["customer"],
                describe=lambda s: f"{s.customer.name if s.customer_id else ''} · {s.get_status_display()}")
register_search(PurchaseRequisition, ["number", "item__number"], module="SCM", label="Requisitions",
                select_related=["item"], describe=lambda r: f"{r.item.number} · {r.get_status_display()}")
register_search(Lot, ["code"], module="SCM", label="Lots and serial numbers", select_related=["item"],
                describe=lambda lot: str(lot.item))
