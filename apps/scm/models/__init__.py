"""SCM models, re-exported by sub-domain."""

from apps.scm.models.locations import Location, Warehouse
from apps.scm.models.purchasing import (
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseRequisition,
    PurchasingPolicy,
)
from apps.scm.models.replenishment import ReorderRule
from apps.scm.models.shipments import Shipment, ShipmentAllocation, ShipmentLine
from apps.scm.models.stock import (
    CycleCount,
    CycleCountLine,
    ItemValuation,
    Lot,
    Reservation,
    StockMove,
    StockQuant,
)
from apps.scm.models.suppliers import SupplierItem, SupplierPriceBreak

__all__ = [
    "CycleCount",
    "CycleCountLine",
    "GoodsReceipt",
    "GoodsReceiptLine",
    "ItemValuation",
    "Location",
    "Lot",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseRequisition",
    "PurchasingPolicy",
    "ReorderRule",
    "Reservation",
    "Shipment",
    "ShipmentAllocation",
    "ShipmentLine",
    "StockMove",
    "StockQuant",
    "SupplierItem",
    "SupplierPriceBreak",
    "Warehouse",
]
