"""Read queries of MES production: the dispatch list, the operations running at a company's work centers, and
lot genealogy (one recursive query per direction)."""

import json
from decimal import Decimal

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.mes.choices import OPEN_WORK_ORDER_STATUSES, OperationStatus
from apps.mes.models import Operation, WorkCenter

MAX_GENEALOGY_DEPTH = 64


def dispatch_list(*, work_center: WorkCenter) -> QuerySet[Operation]:
    """Open operations of released work orders at a work center, and the finished last operation of an order
    not yet completed (its finished units are reported there), in priority order: due date, then planned start
    (then the order's priority and number)."""
    later = Operation.objects.filter(work_order_id=OuterRef("work_order_id"), sequence__gt=OuterRef("sequence"))
    to_complete = Q(status=OperationStatus.DONE) & ~Exists(later)
    return (Operation.objects.filter(Q(status__in=[OperationStatus.PENDING, OperationStatus.IN_PROGRESS,
                                                   OperationStatus.PAUSED]) | to_complete,
                                     work_center=work_center, work_order__status__in=OPEN_WORK_ORDER_STATUSES)
            .select_related("work_order", "work_order__item", "work_order__revision")
            .order_by("work_order__due_date", "planned_start", "work_order__priority", "work_order__number",
                      "sequence"))


def running_operation_minutes(*, company_code: str) -> dict[str, Decimal]:
    """Work center code → run minutes per unit (the ideal time) of the operation running there: the latest started
    in progress, as machine counts are booked. Work centers with nothing running are left out."""
    running: dict[str, Decimal] = {}
    for code, minutes in (Operation.objects.filter(work_center__company__code=company_code,
                                                   status=OperationStatus.IN_PROGRESS)
                          .order_by("work_center__code", "-actual_start", "-pk")
                          .values_list("work_center__code", "run_minutes_per_unit")):
        running.setdefault(code, minutes)
    return running


# The tree walk: `start` is the lot traced; each row is one edge reached at `depth` (1 = direct).
# Backward follows parent → child (what a lot was made of); forward child → parent (what it went into).
# The recursion carries the link's own columns only: UNION (not UNION ALL) drops a repeated row and the
# depth bound keeps a malformed cyclic graph from looping. Lot/item/work order details are joined once
# per edge afterwards, documents looked up once per distinct lot (by the moves' lot index), and the leaf
# flag comes from the walk itself (a hash anti-join) instead of a subquery per row.
_WALK = {
    "backward": ("parent_lot_id", "child_lot_id"),
    "forward": ("child_lot_id", "parent_lot_id"),
}

# Documents of stock moves `m` of a lot (from a supplier / to a customer): (JSON object, joins).
_RECEIPT_OBJECT = """json_build_object(
        'move_id', m.id, 'quantity', m.quantity::text, 'date', m.done_at, 'reference', m.reference,
        'receipt', gr.number, 'receipt_id', gr.id, 'purchase_order', po.number,
        'supplier', sp.name, 'supplier_id', sp.id)"""
_RECEIPT_JOINS = """
    JOIN scm_location fl ON fl.id = m.from_location_id AND fl.kind = 'supplier'
    LEFT JOIN scm_goodsreceiptline grl ON grl.stock_move_id = m.id
    LEFT JOIN scm_goodsreceipt gr ON gr.id = grl.receipt_id
    LEFT JOIN scm_purchaseorder po ON po.id = gr.purchase_order_id
    LEFT JOIN core_party sp ON sp.id = po.supplier_id"""

_SHIPMENT_OBJECT = """json_build_object(
        'move_id', m.id, 'quantity', m.quantity::text, 'date', m.done_at, 'reference', m.reference,
        'shipment', s.number, 'shipment_id', s.id, 'sales_order', s.sales_order_number,
        'customer', c.name, 'customer_id', c.id)"""
_SHIPMENT_JOINS = """
    JOIN scm_location tl ON tl.id = m.to_location_id AND tl.kind = 'customer'
    LEFT JOIN scm_shipmentallocation sa ON sa.stock_move_id = m.id
    LEFT JOIN scm_shipmentline sl ON sl.id = sa.line_id
    LEFT JOIN scm_shipment s ON s.id = sl.shipment_id
    LEFT JOIN core_party c ON c.id = s.customer_id"""

# Documents of one lot `n.lot_id` (used for the root lot of a trace).
_RECEIPTS = f"""
    SELECT json_agg({_RECEIPT_OBJECT} ORDER BY m.id) AS documents
    FROM scm_stockmove m {_RECEIPT_JOINS}
    WHERE m.lot_id = n.lot_id AND m.status = 'done'
"""

_SHIPMENTS = f"""
    SELECT json_agg({_SHIPMENT_OBJECT} ORDER BY m.id) AS documents
    FROM scm_stockmove m {_SHIPMENT_JOINS}
    WHERE m.lot_id = n.lot_id AND m.status = 'done'
"""


def _trace_sql(direction: str) -> str:
    here, there = _WALK[direction]
    document, joins = (_RECEIPT_OBJECT, _RECEIPT_JOINS) if direction == "backward" else (
        _SHIPMENT_OBJECT, _SHIPMENT_JOINS)
    key = "receipts" if direction == "backward" else "shipments"
    return f"""
        WITH RECURSIVE tree(link_id, from_lot_id, lot_id, quantity, work_order_id, depth) AS (
            SELECT g.id, g.{here}, g.{there}, g.quantity, g.work_order_id, 1
              FROM mes_genealogylink g WHERE g.{here} = %(lot)s AND g.company_id = %(company)s
            UNION
            SELECT g.id, g.{here}, g.{there}, g.quantity, g.work_order_id, t.depth + 1
              FROM tree t JOIN mes_genealogylink g ON g.{here} = t.lot_id
             WHERE t.depth < %(max_depth)s
        ), n AS MATERIALIZED (
            SELECT DISTINCT ON (from_lot_id, lot_id) from_lot_id, lot_id, quantity, work_order_id, depth
              FROM tree ORDER BY from_lot_id, lot_id, depth, link_id
        ), inner_lots AS MATERIALIZED (
            SELECT DISTINCT from_lot_id AS lot_id FROM n
        ), docs AS MATERIALIZED (
            SELECT lots.lot_id, d.documents FROM (SELECT DISTINCT lot_id FROM n) lots
             CROSS JOIN LATERAL (
                SELECT json_agg({document} ORDER BY m.id) AS documents
                  FROM scm_stockmove m {joins}
                 WHERE m.lot_id = lots.lot_id AND m.status = 'done') d
        )
        SELECT COALESCE(json_agg(json_build_object(
               'depth', n.depth, 'from_lot_id', n.from_lot_id, 'lot_id', n.lot_id, 'lot', l.code,
               'is_serial', l.is_serial, 'item_id', i.id, 'item', i.number, 'item_name', i.name,
               'quantity', n.quantity::text, 'work_order', wo.number,
               'is_leaf', CASE WHEN p.lot_id IS NOT NULL THEN false
                               WHEN n.depth < %(max_depth)s THEN true  -- its links were followed: none
                               ELSE NOT EXISTS (SELECT 1 FROM mes_genealogylink e WHERE e.{here} = n.lot_id) END,
               '{key}', COALESCE(docs.documents, '[]'::json))
               ORDER BY n.depth, n.from_lot_id, l.code), '[]'::json)::text
          FROM n
          JOIN scm_lot l ON l.id = n.lot_id
          JOIN plm_item i ON i.id = l.item_id
          LEFT JOIN mes_workorder wo ON wo.id = n.work_order_id
          LEFT JOIN inner_lots p ON p.lot_id = n.lot_id
          LEFT JOIN docs ON docs.lot_id = n.lot_id
    """


def lot_trace(*, lot_id: int, company_id: int, direction: str) -> list[dict]:
    """Every edge of a lot's genealogy in one direction, all levels, in one query: for `backward` what it
    was made of down to the supplier lots and their receipts; for `forward` what it went into up to the
    shipments and customers. Each row: depth, from_lot_id, lot_id/lot/item, quantity, work_order,
    is_leaf, receipts|shipments. PostgreSQL builds the JSON; Python decodes it once."""
    with connection.cursor() as cursor:
        cursor.execute(_trace_sql(direction), {"lot": lot_id, "company": company_id,
                                               "max_depth": MAX_GENEALOGY_DEPTH})
        return json.loads(cursor.fetchone()[0])


def _documents(value) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return json.loads(value)
    return value


def lot_documents(*, lot_id: int) -> dict:
    """The receipts and shipments of one lot itself (the root of a trace)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({_RECEIPTS}), ({_SHIPMENTS}) FROM (SELECT %s::bigint AS lot_id) n",
                       [lot_id])
        receipts, shipments = cursor.fetchone()
    return {"receipts": _documents(receipts), "shipments": _documents(shipments)}


def lot_genealogy(*, lot) -> dict:
    """Both directions of a lot's genealogy, all levels (what it was made of, what it went into)."""
    return {
        "lot": {"id": lot.pk, "code": lot.code, "item_id": lot.item_id, "item": lot.item.number,
                "is_serial": lot.is_serial, **lot_documents(lot_id=lot.pk)},
        "backward": lot_trace(lot_id=lot.pk, company_id=lot.company_id, direction="backward"),
        "forward": lot_trace(lot_id=lot.pk, company_id=lot.company_id, direction="forward"),
    }
