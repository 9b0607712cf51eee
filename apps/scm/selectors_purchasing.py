"""Read queries of purchasing, receipts, replenishment and supplier performance."""

import datetime
from decimal import Decimal

from django.db.models import DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce

from apps.core.models import Company, Party
from apps.scm.choices import LocationKind, PurchaseOrderStatus, ReceiptStatus
from apps.scm.models import (
    GoodsReceiptLine,
    Location,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchasingPolicy,
    ReorderRule,
    StockQuant,
    SupplierItem,
    Warehouse,
)

ZERO = Decimal(0)
# purchase orders whose open quantity is still expected (a draft is counted: its requisitions are ordered)
INCOMING_STATUSES = [PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.APPROVED, PurchaseOrderStatus.SENT,
                     PurchaseOrderStatus.PARTIALLY_RECEIVED]
# purchase orders goods may be received against
RECEIVABLE_STATUSES = [PurchaseOrderStatus.SENT, PurchaseOrderStatus.PARTIALLY_RECEIVED]


def _sum(queryset, expression) -> Decimal:
    field = DecimalField(max_digits=18, decimal_places=4)
    return queryset.aggregate(total=Coalesce(Sum(expression, output_field=field), Value(ZERO, output_field=field)))[
        "total"]


def purchasing_policy(*, company: Company) -> PurchasingPolicy:
    """The company's policy, or the defaults (threshold 10000.00, no over-receipt) when none is saved."""
    return PurchasingPolicy.objects.filter(company=company).first() or PurchasingPolicy(company=company)


def needs_manager_approval(order: PurchaseOrder) -> bool:
    """True when the order's company-currency total (at the company's own rate) is above its approval threshold."""
    if order.total_company_currency is None:
        return False  # no rate yet: approving asks for it first
    return order.total_company_currency > purchasing_policy(company=order.company).approval_threshold


def receivable_purchase_orders(*, company_id: int):
    """The company's purchase orders goods can be received against (sent or partially received)."""
    return PurchaseOrder.objects.filter(company_id=company_id, status__in=RECEIVABLE_STATUSES)


def supplier_item_for(*, supplier: Party, item) -> SupplierItem | None:
    return SupplierItem.objects.filter(supplier=supplier, item=item).prefetch_related("price_breaks").first()


def preferred_supplier_item(*, item) -> SupplierItem | None:
    """The item's preferred supplier item, else the one with the shortest lead time."""
    return (SupplierItem.objects.filter(item=item).select_related("supplier").prefetch_related("price_breaks")
            .order_by("-is_preferred", "lead_time_days", "id").first())


def receiving_location(*, warehouse: Warehouse | None) -> Location | None:
    """The default destination of receipts: the warehouse's first active internal location not on hold."""
    if warehouse is None:
        return None
    return (Location.objects.filter(warehouse=warehouse, kind=LocationKind.INTERNAL, is_active=True,
                                    is_quality_hold=False).order_by("parent_id", "code").first())


def quality_hold_location(*, company: Company, warehouse: Warehouse | None) -> Location | None:
    """The policy's quality-hold location, else one of the warehouse's quality-hold locations."""
    policy = purchasing_policy(company=company)
    if policy.quality_hold_location_id:
        return policy.quality_hold_location
    if warehouse is None:
        return None
    return Location.objects.filter(warehouse=warehouse, kind=LocationKind.INTERNAL, is_active=True,
                                   is_quality_hold=True).order_by("code").first()


def incoming_quantity(*, item, warehouse: Warehouse) -> Decimal:
    """Quantity ordered and not yet received on open purchase orders for the warehouse."""
    lines = PurchaseOrderLine.objects.filter(item=item, purchase_order__warehouse=warehouse,
                                             purchase_order__status__in=INCOMING_STATUSES,
                                             quantity__gt=F("quantity_received"))
    return _sum(lines, F("quantity") - F("quantity_received"))


def warehouse_stock(*, item, warehouse: Warehouse) -> tuple[Decimal, Decimal]:
    """(on hand, reserved) of an item in a warehouse's internal locations, quality hold excluded."""
    quants = StockQuant.objects.filter(item=item, location__warehouse=warehouse, location__kind=LocationKind.INTERNAL,
                                       location__is_quality_hold=False)
    return _sum(quants, F("on_hand")), _sum(quants, F("reserved"))


def projected_available(*, rule: ReorderRule) -> Decimal:
    """On hand + incoming open PO quantity - reserved, for a reorder rule's item and warehouse."""
    on_hand, reserved = warehouse_stock(item=rule.item, warehouse=rule.warehouse)
    return on_hand + incoming_quantity(item=rule.item, warehouse=rule.warehouse) - reserved


def supplier_performance(*, supplier: Party, date_from: datetime.date | None = None,
                         date_to: datetime.date | None = None) -> dict:
    """On-time delivery %, average actual lead time (days) and rejected-quantity %, from posted receipts.

    A receipt line is on time when received on or before its PO line's due date (or, without one,
    the order date plus the supplier item's lead time); lead time is received_on - order_date.
    """
    lines = (GoodsReceiptLine.objects.filter(receipt__purchase_order__supplier=supplier,
                                             receipt__status=ReceiptStatus.POSTED)
             .select_related("receipt", "receipt__purchase_order", "purchase_order_line"))
    if date_from:
        lines = lines.filter(receipt__received_on__gte=date_from)
    if date_to:
        lines = lines.filter(receipt__received_on__lte=date_to)
    lead_times = dict(SupplierItem.objects.filter(supplier=supplier).values_list("item_id", "lead_time_days"))
    count = on_time = 0
    lead_days = 0
    accepted = rejected = ZERO
    receipts = set()
    for line in lines:
        order = line.receipt.purchase_order
        due = line.purchase_order_line.due_date or (
            order.order_date + datetime.timedelta(days=lead_times.get(line.purchase_order_line.item_id, 0)))
        count += 1
        receipts.add(line.receipt_id)
        on_time += line.receipt.received_on <= due
        lead_days += (line.receipt.received_on - order.order_date).days
        accepted += line.quantity
        rejected += line.quantity_rejected
    delivered = accepted + rejected

    def percent(part, whole) -> Decimal | None:
        return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01")) if whole else None

    return {
        "supplier": supplier.pk,
        "supplier_name": supplier.name,
        "receipts": len(receipts),
        "receipt_lines": count,
        "on_time_percent": percent(on_time, count),
        "average_lead_time_days": (Decimal(lead_days) / count).quantize(Decimal("0.1")) if count else None,
        "quantity_received": accepted,
        "quantity_rejected": rejected,
        "rejected_percent": percent(rejected, delivered),
    }


def open_purchase_quantity_by_item(*, company: Company) -> dict[int, Decimal]:
    """Open PO quantity per item id (for MRP and screens)."""
    rows = (PurchaseOrderLine.objects.filter(purchase_order__company=company,
                                             purchase_order__status__in=INCOMING_STATUSES)
            .filter(Q(quantity__gt=F("quantity_received")))
            .values("item_id").annotate(open=Sum(F("quantity") - F("quantity_received"))))
    return {row["item_id"]: row["open"] for row in rows}
