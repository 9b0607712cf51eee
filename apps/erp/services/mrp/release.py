"""Releasing planned orders: a purchase becomes an SCM requisition (source MRP, for the preferred supplier) ordered
at once into a purchase order draft per supplier; a production order becomes an MES work order draft. Each planned
order is released exactly once: its row is locked and moved to `released` in the same transaction that creates the
document (a second release waits for the lock, then answers 409), and one-to-one links back the rule in the database.

Publishes `erp.planned_order.released` (number, kind, item, quantity, due date and the document created)."""

from django.db import transaction
from django.utils import timezone

from apps.core.audit import record_change, snapshot
from apps.core.errors import DomainError
from apps.core.outbox import emit
from apps.core.workflow import transition
from apps.erp.events import PLANNED_ORDER_RELEASED, planned_order_released_payload
from apps.erp.models import MrpRun, PlannedOrder, PlannedOrderKind
from apps.mes.choices import WorkOrderSource
from apps.mes.services.workorders import work_order_create
from apps.scm.choices import RequisitionSource
from apps.scm.services.purchasing import requisition_create, requisitions_order


def _lock(orders: list[PlannedOrder]) -> list[PlannedOrder]:
    # one lock order for everyone (runs, then orders, each by id): two releases of overlapping selections cannot
    # deadlock; with its run locked, a later run that supersedes it waits for the release, or the release waits and
    # then refuses the superseded order
    list(MrpRun.objects.select_for_update().filter(pk__in=sorted({o.run_id for o in orders})).order_by("pk")
         .values_list("pk", flat=True))
    return list(PlannedOrder.objects.select_for_update(of=("self",))
                .select_related("company", "item", "supplier", "run")
                .filter(pk__in=sorted({o.pk for o in orders})).order_by("pk"))


@transaction.atomic
def planned_orders_release(*, planned_orders: list[PlannedOrder], actor) -> list[PlannedOrder]:
    """Release planned orders (of one or several items): requisitions and work order drafts, then the requisitions
    with a supplier are ordered into one purchase order draft per supplier (left open for a buyer when the supplier
    has no price for the item). 409 for one that is released or superseded already; nothing is written then."""
    if not planned_orders:
        raise DomainError("planned_orders", "Choose at least one planned order.", code="required")
    locked = _lock(planned_orders)
    requisitions = []
    for order in locked:
        before = snapshot(order)
        transition(order, verb="release")
        if order.kind == PlannedOrderKind.PURCHASE:
            order.requisition = requisition_create(
                company=order.company, actor=actor, item=order.item, quantity=order.quantity,
                source=RequisitionSource.MRP, needed_by=order.due_date, supplier=order.supplier,
                reference=order.number)
            if order.supplier_id:
                requisitions.append(order.requisition)
        else:
            order.work_order = work_order_create(
                company=order.company, actor=actor, item=order.item, quantity=order.quantity, due_date=order.due_date,
                source=WorkOrderSource.MRP, source_reference=order.number)
        order.released_at = timezone.now()
        order.released_by = actor if getattr(actor, "pk", None) else None
        order.save(update_fields=["status", "requisition", "work_order", "released_at", "released_by", "updated_at"])
        record_change(order, actor=actor, action="release", before=before)
        emit(PLANNED_ORDER_RELEASED, company=order.company, subject=order,
             payload=planned_order_released_payload(order))
    by_supplier: dict[int, list] = {}
    for requisition in requisitions:
        by_supplier.setdefault(requisition.supplier_id, []).append(requisition)
    for group in by_supplier.values():
        try:
            with transaction.atomic():
                requisitions_order(requisitions=group, actor=actor)
        except DomainError:
            # e.g. no price from this supplier yet: its requisitions stay open for purchasing to order
            pass
    return locked


@transaction.atomic
def planned_order_release(*, planned_order: PlannedOrder, actor) -> PlannedOrder:
    """Release one planned order (see `planned_orders_release`)."""
    return planned_orders_release(planned_orders=[planned_order], actor=actor)[0]
