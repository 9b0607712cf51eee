"""SCM's sidebar entries."""

from apps.core.navigation import register

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
