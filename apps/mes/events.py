"""The events MES publishes (and those it consumes), with their payload builders.

Payloads carry what subscribers need: numbers, ids, quantities and amounts as decimal strings.
"""

from decimal import Decimal

WORK_ORDER_RELEASED = "mes.work_order.released"
WORK_ORDER_COMPLETED = "mes.work_order.completed"
NONCONFORMANCE_RAISED = "mes.nonconformance.raised"
# consumed: published by PLM when an ECO releases a revision
REVISION_RELEASED = "plm.revision.released"


def _text(value: Decimal) -> str:
    """A quantity without trailing zeros, never in exponent notation (10.000000 → 10, 9.950000 → 9.95)."""
    return f"{Decimal(value).normalize():f}"


def work_order_released_payload(work_order, shortages: list[dict]) -> dict:
    """The released order and the components it could not reserve (`shortages`, as the release reports them)."""
    return {"number": work_order.number, "item": work_order.item.number, "item_id": work_order.item_id,
            "revision": work_order.revision.code, "quantity": _text(work_order.quantity),
            "due_date": work_order.due_date.isoformat(), "shortages": shortages}


def work_order_completed_payload(work_order, completion, finished: list[tuple], *, final: bool,
                                 completed_on=None) -> dict:
    """One completion (partial or final) at its actual cost; `finished`: (lot or None, quantity) received;
    `completed_on`: the day the units were finished (the books post the completion on it)."""
    lots = [lot for lot, _quantity in finished if lot is not None]
    return {
        "number": work_order.number, "item": work_order.item.number, "item_id": work_order.item_id,
        "revision": work_order.revision.code, "quantity_good": _text(completion.quantity_good),
        "quantity_scrap": _text(completion.quantity_scrap), "lot": ", ".join(lot.code for lot in lots) or None,
        "serials": [lot.code for lot in lots if lot.is_serial],
        "material_cost": str(completion.material_cost), "labour_cost": str(completion.labour_cost),
        "machine_cost": str(completion.machine_cost), "total_cost": str(completion.total_cost),
        "unit_cost": str(completion.unit_cost),
        "finished_location_id": work_order.finished_location_id or work_order.location_id,
        "completion_id": completion.pk, "is_final": final,
        "completed_on": completed_on.isoformat() if completed_on else None,
    }


def nonconformance_raised_payload(nc) -> dict:
    """What PLM (a change request) and CRM (a case, when customer-facing) need of a non-conformance."""
    return {"number": nc.number, "item_numbers": [nc.item.number], "description": nc.description,
            "reference": nc.reference or nc.number, "quantity": _text(nc.quantity), "disposition": nc.disposition,
            "customer_facing": nc.customer_facing}
