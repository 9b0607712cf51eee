"""What an MRP run reads, for one company, in a fixed number of set-based queries (never one per item or per order).

* Structure: every item; the BOM lines of each item's released revision in force (`Item.current_revision`), in the
  component's unit; the first active routing per item with its operations; the work centers' shift calendars; item
  planning parameters (ERP); each bought item's supplier (the preferred one, else the shortest lead time, as SCM's
  requisitions choose it) with lead time and minimum order quantity.
* Demand: open sales order lines (confirmed or partially delivered, by the line's due date, else the order's
  requested delivery date, else its order date; the quantity not yet delivered); open work orders' components
  (released and in progress: their materials not yet consumed, needed at the first operation's planned start; drafts:
  their revision's BOM for the quantity still to make, needed at their scheduled start).
* Supply: on hand at internal locations not on quality hold (reservations are not subtracted: they hold stock for
  the very sales orders and work orders counted as demand here); open purchase order lines (draft to partially
  received) by due date; open requisitions; open work orders (draft, released, in progress) by due date.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Min, Sum

from apps.core.models import Company, UnitOfMeasure
from apps.erp.models import ItemPlanning, SalesOrderLine
from apps.erp.models.sales import SalesOrderStatus
from apps.erp.services.mrp.engine import (
    SALES_ORDER,
    WORK_ORDER,
    BomEdge,
    Demand,
    ItemInput,
    Operation,
    PlanInputs,
    Receipt,
    start_date,
)
from apps.mes.choices import WorkOrderStatus
from apps.mes.models import RoutingOperation, WorkCenter, WorkCenterShift, WorkOrder, WorkOrderMaterial
from apps.mes.services.scheduling import DEFAULT_SHIFT_START
from apps.plm.choices import RevisionStatus
from apps.plm.models import BomLine, Item
from apps.scm.choices import LocationKind, PurchaseOrderStatus, RequisitionStatus
from apps.scm.models import PurchaseOrderLine, PurchaseRequisition, StockQuant, SupplierItem

TEN_PLACES = Decimal("0.0000000001")
OPEN_SALES = (SalesOrderStatus.CONFIRMED, SalesOrderStatus.PARTIALLY_DELIVERED)
OPEN_PURCHASES = (PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.APPROVED, PurchaseOrderStatus.SENT,
                  PurchaseOrderStatus.PARTIALLY_RECEIVED)
OPEN_WORK = (WorkOrderStatus.DRAFT, WorkOrderStatus.RELEASED, WorkOrderStatus.IN_PROGRESS)


def _converter():
    factors = dict(UnitOfMeasure.objects.values_list("id", "factor"))

    def convert(quantity: Decimal, from_uom: int, to_uom: int) -> Decimal:
        if from_uom == to_uom:
            return quantity
        return (quantity * factors[from_uom] / factors[to_uom]).quantize(TEN_PLACES)

    return convert


def _calendars(company: Company) -> dict[int, dict]:
    """{work center: {weekday: (start, hours)}}, as MES's `work_center_calendar` reads one work center."""
    shifts: dict[int, dict] = defaultdict(dict)
    for work_center_id, weekday, start, hours in WorkCenterShift.objects.filter(
            work_center__company=company).values_list("work_center_id", "weekday", "start_time", "hours"):
        shifts[work_center_id][weekday] = (start, Decimal(hours))
    calendars = {}
    for work_center_id, capacity in WorkCenter.objects.filter(company=company).values_list(
            "id", "capacity_hours_per_day"):
        if work_center_id in shifts:
            calendars[work_center_id] = shifts[work_center_id]
        elif capacity > 0:
            calendars[work_center_id] = {day: (DEFAULT_SHIFT_START, Decimal(capacity)) for day in range(5)}
        else:
            calendars[work_center_id] = {}
    return calendars


def _items(company: Company) -> dict[int, ItemInput]:
    planning = {row[0]: row[1:] for row in ItemPlanning.objects.filter(company=company).values_list(
        "item_id", "lot_sizing", "fixed_quantity", "minimum_quantity", "multiple", "safety_stock", "lead_time_days")}
    suppliers: dict[int, tuple] = {}
    for item_id, *rest in (SupplierItem.objects.filter(company=company)
                           .order_by("item_id", "-is_preferred", "lead_time_days", "id")
                           .values_list("item_id", "supplier_id", "lead_time_days", "minimum_order_quantity")):
        suppliers.setdefault(item_id, tuple(rest))
    operations: dict[int, list[Operation]] = defaultdict(list)
    routing_of: dict[int, int] = {}
    for item_id, routing_id, work_center_id, setup, run in (
            RoutingOperation.objects.filter(routing__company=company, routing__is_active=True)
            .order_by("routing__item_id", "routing_id", "sequence", "id")
            .values_list("routing__item_id", "routing_id", "work_center_id", "setup_minutes", "run_minutes_per_unit")):
        if routing_of.setdefault(item_id, routing_id) == routing_id:
            operations[item_id].append(Operation(work_center_id, float(setup), float(run)))
    items = {}
    for item_id, number, item_type in Item.objects.filter(company=company).values_list("id", "number", "item_type"):
        params = planning.get(item_id)
        supplier = suppliers.get(item_id)
        values = {}
        if params is not None:
            values = {"lot_sizing": params[0], "fixed_quantity": params[1], "minimum_quantity": params[2],
                      "multiple": params[3], "safety_stock": params[4], "lead_time_days": params[5]}
        if supplier is not None:
            values.update(supplier_id=supplier[0], supplier_lead_time_days=supplier[1], supplier_minimum=supplier[2])
        items[item_id] = ItemInput(id=item_id, number=number, item_type=item_type,
                                   operations=tuple(operations.get(item_id, ())), **values)
    return items


def _bom(company: Company, convert) -> dict[int, list[BomEdge]]:
    bom: dict[int, list[BomEdge]] = defaultdict(list)
    rows = (BomLine.objects.filter(revision__company=company, revision__status=RevisionStatus.RELEASED,
                                   revision__item__current_revision=F("revision"))
            .order_by("revision__item_id", "position", "id")
            .values_list("revision__item_id", "component_id", "quantity", "uom_id", "component__uom_id",
                         "scrap_percent"))
    for parent_id, component_id, quantity, uom_id, component_uom_id, scrap in rows:
        bom[parent_id].append(BomEdge(component_id, convert(quantity, uom_id, component_uom_id), scrap))
    return dict(bom)


def _sales_demand(company: Company, start: datetime.date) -> list[Demand]:
    rows = (SalesOrderLine.objects.filter(order__company=company, order__status__in=OPEN_SALES,
                                          quantity__gt=F("quantity_delivered"))
            .values_list("id", "item_id", "quantity", "quantity_delivered", "due_date",
                         "order__requested_delivery_date", "order__order_date"))
    return [Demand(item_id, due or requested or ordered or start, quantity - delivered, SALES_ORDER, line_id)
            for line_id, item_id, quantity, delivered, due, requested, ordered in rows]


def _work_orders(company: Company, inputs: PlanInputs, convert) -> None:
    """Open work orders: their remaining quantity is supply, their components' needs are demand."""
    orders = list(WorkOrder.objects.filter(company=company, status__in=OPEN_WORK)
                  .annotate(first_start=Min("operations__planned_start"))
                  .values_list("id", "item_id", "quantity", "quantity_good", "due_date", "number", "status",
                               "revision_id", "first_start"))
    drafts: dict[int, list[tuple]] = defaultdict(list)
    for order_id, item_id, quantity, good, due, number, status, revision_id, _first_start in orders:
        remaining = max(quantity - good, Decimal(0))
        if remaining > 0:
            inputs.receipts.append(Receipt(item_id, due, remaining, number))
        if status == WorkOrderStatus.DRAFT and remaining > 0:
            item = inputs.items.get(item_id)
            needed = start_date(item, remaining, due, inputs.calendars) if item else due
            drafts[revision_id].append((order_id, remaining, needed))
    needed_at = {row[0]: (row[8].date() if row[8] else row[4]) for row in orders}
    for order_id, component_id, required, consumed in (
            WorkOrderMaterial.objects.filter(work_order__company=company,
                                             work_order__status__in=OPEN_WORK[1:],
                                             quantity_required__gt=F("quantity_consumed"))
            .values_list("work_order_id", "component_id", "quantity_required", "quantity_consumed")):
        inputs.demands.append(Demand(component_id, needed_at[order_id], required - consumed, WORK_ORDER, order_id))
    if drafts:
        for revision_id, component_id, quantity, uom_id, component_uom_id, scrap in (
                BomLine.objects.filter(revision_id__in=list(drafts)).order_by("revision_id", "position", "id")
                .values_list("revision_id", "component_id", "quantity", "uom_id", "component__uom_id",
                             "scrap_percent")):
            per_unit = convert(quantity, uom_id, component_uom_id)
            for order_id, remaining, needed in drafts[revision_id]:
                required = (per_unit * remaining * (100 + scrap) / 100).quantize(Decimal("0.0001"))
                inputs.demands.append(Demand(component_id, needed, required, WORK_ORDER, order_id))


def _purchases(company: Company, inputs: PlanInputs) -> None:
    for item_id, quantity, received, due, number, line_number, ordered in (
            PurchaseOrderLine.objects.filter(purchase_order__company=company,
                                             purchase_order__status__in=OPEN_PURCHASES,
                                             quantity__gt=F("quantity_received"))
            .values_list("item_id", "quantity", "quantity_received", "due_date", "purchase_order__number",
                         "line_number", "purchase_order__order_date")):
        inputs.receipts.append(Receipt(item_id, due or ordered, quantity - received, f"{number}/{line_number}"))
    for item_id, quantity, needed_by, number in (
            PurchaseRequisition.objects.filter(company=company, status=RequisitionStatus.OPEN)
            .values_list("item_id", "quantity", "needed_by", "number")):
        inputs.receipts.append(Receipt(item_id, needed_by or inputs.start, quantity, number))


def collect_inputs(*, company: Company, start: datetime.date, horizon_days: int) -> PlanInputs:
    """Everything MRP plans from for `company`; nothing of another company is read."""
    convert = _converter()
    inputs = PlanInputs(start=start, horizon_days=horizon_days, items=_items(company), bom=_bom(company, convert),
                        calendars=_calendars(company))
    inputs.on_hand = dict(StockQuant.objects.filter(company=company, location__kind=LocationKind.INTERNAL,
                                                    location__is_quality_hold=False)
                          .values("item_id").annotate(total=Sum("on_hand")).values_list("item_id", "total"))
    inputs.demands = _sales_demand(company, start)
    _work_orders(company, inputs, convert)
    _purchases(company, inputs)
    return inputs
