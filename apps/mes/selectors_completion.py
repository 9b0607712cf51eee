"""Reads for the completion form: which lots an operator may consume per component, and the FEFO default."""

from dataclasses import dataclass, field
from decimal import Decimal

from apps.mes.choices import OperationStatus
from apps.mes.models import WorkOrder, WorkOrderMaterial
from apps.plm.choices import Tracking
from apps.scm.choices import ReservationStatus
from apps.scm.models import Reservation
from apps.scm.selectors import fefo_lots, stock_quants

ZERO = Decimal(0)


@dataclass
class LotChoice:
    lot: object
    available: Decimal  # free stock plus what this order has reserved of the lot
    suggested: Decimal  # the FEFO default for the rest of the order (reserved lots first)


@dataclass
class MaterialLots:
    material: WorkOrderMaterial
    need: Decimal  # for the remaining quantity of the order
    lots: list[LotChoice] = field(default_factory=list)


def work_order_completion_defaults(*, work_order: WorkOrder,
                                   operations: list[tuple] | None = None) -> tuple[Decimal, Decimal]:
    """(good, scrap) a completion reports unless told otherwise: the good units the last operation passed and
    the units scrapped along the routing, less what earlier completions reported; before the last operation
    finished (or without operations), the rest of the order and no scrap. `operations`: the order's (status,
    quantity_good, quantity_scrap) in sequence order, when the caller has read them."""
    if operations is None:
        operations = list(work_order.operations.order_by("sequence").values_list("status", "quantity_good",
                                                                                "quantity_scrap"))
    if not operations or operations[-1][0] != OperationStatus.DONE:
        return work_order.quantity_remaining, ZERO
    scrapped = sum((scrap for _status, _good, scrap in operations), ZERO)
    return (max(operations[-1][1] - work_order.quantity_good, ZERO),
            max(scrapped - work_order.quantity_scrap, ZERO))


def work_order_completion_lots(*, work_order: WorkOrder) -> list[MaterialLots]:
    """Per lot-tracked material: the lots at its location in FEFO order, with the default pick for the
    remaining quantity (the order's reservations first, then `fefo_lots` of the free stock)."""
    from apps.mes.services.workorders import material_requirement

    result = []
    materials = (work_order.materials.select_related("component", "location")
                 .exclude(component__tracking=Tracking.NONE).order_by("position", "id"))
    for material in materials:
        need = material_requirement(quantity_per=material.quantity_per, scrap_percent=material.scrap_percent,
                                    quantity=work_order.quantity_remaining)
        reserved: dict[int, Decimal] = {}
        for reservation in (Reservation.objects.filter(source_type=WorkOrderMaterial._meta.label_lower,
                                                       source_id=str(material.pk), status=ReservationStatus.ACTIVE,
                                                       lot__isnull=False)
                            .select_related("lot").order_by("lot__expires_on", "id")):
            reserved[reservation.lot_id] = reserved.get(reservation.lot_id, ZERO) + reservation.open_quantity
        suggested: dict[int, Decimal] = {}
        rest = need
        for lot_id, quantity in reserved.items():
            take = min(quantity, rest)
            if take > 0:
                suggested[lot_id] = take
                rest -= take
        if rest > 0:
            for lot, quantity in fefo_lots(item=material.component, location=material.location, quantity=rest):
                suggested[lot.pk] = suggested.get(lot.pk, ZERO) + quantity
        quants = stock_quants(item=material.component, location=material.location).filter(lot__isnull=False)
        lots = [LotChoice(lot=q.lot, available=q.available_quantity + reserved.get(q.lot_id, ZERO),
                          suggested=suggested.get(q.lot_id, ZERO)) for q in quants]
        lots = [choice for choice in lots if choice.available > 0]
        lots.sort(key=lambda c: (c.lot.expires_on is None, c.lot.expires_on or 0, c.lot.created_at, c.lot.pk))
        result.append(MaterialLots(material=material, need=need, lots=lots))
    return result
