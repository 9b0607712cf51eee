"""Writes a run's plan: planned orders with their pegging, exception messages and item plans, with PostgreSQL COPY
(tens of thousands of rows in well under a second; `bulk_create` manages ~10k rows/s here). Planned order ids are
drawn from their sequence first, so pegs can point at their parent planned orders in the same pass.

A planned order's pegs (~8 each) are arrays on its own row (`PlannedOrder.peg_*`), not ~850,000 rows of their own:
that table and its two indexes cost the database more than the whole planning. The rows are formatted with one
f-string per row from values that are already text-ready (ids, quantities, dates cached as ISO text): formatting
field by field cost more than the database's work. The references a planned order makes (company, run, item,
supplier) are checked and locked set based (one statement each) instead of row by row; see `PlannedOrder`."""

import json

from django.db import connection
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from apps.core.copy_format import NULL, copy_field
from apps.erp.models import MrpRun
from apps.erp.models.mrp import PlannedOrderStatus
from apps.erp.services.mrp.engine import PLANNED_ORDER, Plan, paused_gc

PLANNED_ORDER_COLUMNS = ("id", "company_id", "created_at", "updated_at", "run_id", "number", "item_id", "kind",
                         "quantity", "due_date", "start_date", "low_level_code", "is_late", "supplier_id", "status",
                         "peg_kinds", "peg_quantities", "peg_due_dates", "peg_documents", "component_orders")
MESSAGE_COLUMNS = ("created_at", "updated_at", "run_id", "item_id", "kind", "planned_order_id", "document",
                   "due_date", "suggested_date", "quantity", "text")
ITEM_PLAN_COLUMNS = ("run_id", "item_id", "low_level_code", "on_hand", "safety_stock", "buckets")

CHUNK_ROWS = 2_000


class _Iso(dict):
    """date → its ISO text, formatted once (a plan has a few hundred distinct dates and a million uses)."""

    def __missing__(self, day):
        text = self[day] = day.isoformat()
        return text


def _copy(cursor, table: str, columns: tuple[str, ...], lines) -> None:
    """COPY lines already in the text format (one row each, without the newline), sent in chunks by a thread of
    psycopg's (`QueuedLibpqWriter`), so that the database parses and stores a chunk while the next is formatted."""
    raw = cursor.cursor
    with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN", writer=QueuedLibpqWriter(raw)) as copy:
        chunk = []
        for line in lines:
            chunk.append(line)
            if len(chunk) >= CHUNK_ROWS:
                copy.write("\n".join(chunk) + "\n")
                chunk = []
        if chunk:
            copy.write("\n".join(chunk) + "\n")


def _rows(rows):
    """Generic rows (small tables, free text that needs escaping) as COPY text lines."""
    return ("\t".join(map(copy_field, row)) for row in rows)


def _ids(cursor, count: int) -> list[int]:
    if not count:
        return []
    cursor.execute("SELECT nextval(pg_get_serial_sequence('erp_plannedorder', 'id')) FROM generate_series(1, %s)",
                   [count])
    return [row[0] for row in cursor.fetchall()]


def _lock_references(cursor, run: MrpRun, plan: Plan) -> None:
    """What the planned orders point at exists and stays until the commit: the run (locked by the caller), the
    company's row, and the items and suppliers, each locked FOR KEY SHARE in one statement (what PostgreSQL's
    foreign key triggers do row by row); one that vanished since the inputs were read fails the run."""
    items = sorted({order.item_id for order in plan.planned})
    suppliers = sorted({order.supplier_id for order in plan.planned if order.supplier_id})
    for table, ids, extra in (("core_company", [run.company_id], ""), ("plm_item", items, " AND company_id = %s"),
                              ("core_party", suppliers, " AND company_id = %s")):
        if not ids:
            continue
        params = [ids, run.company_id] if extra else [ids]
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE id = ANY(%s){extra} FOR KEY SHARE) AS x",
                       params)
        found = cursor.fetchone()[0]
        if found != len(ids):
            raise RuntimeError(f"{len(ids) - found} of the plan's rows in {table} no longer exist; run MRP again.")


def _order_lines(plan: Plan, ids: list[int], iso: _Iso, head: str):
    """The planned orders' COPY lines, their pegs as array literals (`{a,b}`; the values need no quoting), and the
    component orders pegged to each (known once every order's pegs are). ~850,000 pegs: list comprehensions and
    ids formatted once, as the time goes into the interpreter's per-peg steps."""
    text = [str(pk) for pk in ids]  # by seq - 1
    children: list[list[str] | None] = [None] * len(ids)
    documents_of = []
    for order in plan.planned:
        child = text[order.seq - 1]
        documents = []
        add = documents.append
        for kind, _quantity, _due, ref in order.pegs:
            if kind == PLANNED_ORDER:
                add(text[ref - 1])
                pegged = children[ref - 1]
                if pegged is None:
                    children[ref - 1] = [child]
                elif pegged[-1] is not child:  # once per component order, however often it is pegged
                    pegged.append(child)
            else:  # a sales order line's or work order's id; none for safety stock and the lot-size excess
                add("NULL" if ref is None else str(ref))
        documents_of.append(",".join(documents))
    planned = PlannedOrderStatus.PLANNED.value
    date = iso.__getitem__
    for o, documents in zip(plan.planned, documents_of, strict=True):
        index = o.seq - 1
        pegs = o.pegs
        kinds = ",".join([peg[0] for peg in pegs])
        quantities = ",".join([str(peg[1]) for peg in pegs])
        dues = ",".join([date(peg[2]) for peg in pegs])
        pegged = children[index]
        yield (f"{text[index]}\t{head}{o.seq:05d}\t{o.item_id}\t{o.kind}\t{o.quantity}\t{date(o.due_date)}\t"
               f"{date(o.start_date)}\t{o.low_level_code}\t{'t' if o.is_late else 'f'}\t"
               f"{o.supplier_id if o.supplier_id else NULL}\t{planned}\t{{{kinds}}}\t{{{quantities}}}\t{{{dues}}}\t"
               f"{{{documents}}}\t{{{','.join(pegged) if pegged else ''}}}")


def plan_write(*, run: MrpRun, plan: Plan) -> None:
    """Store `plan` as `run`'s results (inside the caller's transaction). Nothing of earlier runs is rewritten: their
    unreleased planned orders count as superseded because this run is now the company's latest (see
    `PlannedOrder.objects.current()`)."""
    now = timezone.now().isoformat()
    iso = _Iso()
    with paused_gc(), connection.cursor() as cursor:
        ids = _ids(cursor, len(plan.planned))
        assert all(order.seq == index for index, order in enumerate(plan.planned, 1))
        _lock_references(cursor, run, plan)
        # large pegging arrays and item plans are compressed when stored: lz4 (where the server has it) costs a
        # fraction of the default pglz's time; for this transaction only
        cursor.execute("SELECT set_config('default_toast_compression', 'lz4', true) FROM pg_settings "
                       "WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)")
        head = f"{run.company_id}\t{now}\t{now}\t{run.pk}\t{run.number}/"
        _copy(cursor, "erp_plannedorder", PLANNED_ORDER_COLUMNS, _order_lines(plan, ids, iso, head))
        _copy(cursor, "erp_mrpmessage", MESSAGE_COLUMNS, _rows(
            (now, now, run.pk, m.item_id, m.kind, ids[m.planned_seq - 1] if m.planned_seq else None,
             m.document[:60], m.due_date, m.suggested_date, m.quantity, m.text[:300]) for m in plan.messages))
        _copy(cursor, "erp_mrpitemplan", ITEM_PLAN_COLUMNS, _rows(
            (run.pk, p.item_id, p.low_level_code, p.on_hand, p.safety_stock, json.dumps(p.buckets))
            for p in plan.item_plans))
