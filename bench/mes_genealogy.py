"""Benchmark of lot genealogy (not a test): the trace selector against hand-written SQL with the same answer.

    .venv/bin/python bench/mes_genealogy.py [--lots 200000] [--levels 8] [--fanout 2] [--runs 15]

Creates its own database `bench_mes` on the configured server (migrated from scratch) and drops it at
the end. It builds `--lots` lots in `--levels` levels (level 0: finished serials, the last level: raw
lots received from a supplier), each lot above the last made of `--fanout` random lots of the level
below (GenealogyLink rows, written with COPY), a receipt move per raw lot and a shipment move per
finished serial. It then traces one finished serial backward to all its raw lots and one raw lot
forward to all its customers with `apps.mes.selectors.lot_trace` (one recursive CTE per direction, joined
to lots, items, work orders, leaf flag, receipts/shipments, returned as JSON), and as the baseline a
hand-written single SQL statement that computes the same answer as plain rows (every edge reached with
the same details, one row per receipt/shipment move); the bench checks that both answers agree. Median of
`--runs` interleaved calls after a warm-up. The last line is
`RESULT mes_genealogy=<s backward> baseline=<s> ratio=<ours/baseline> forward=<s> forward_baseline=<s>
forward_ratio=<ours/baseline>`.
"""

import argparse
import io
import random
import time

from common import configure, interleaved, throwaway_database

BASELINE = {
    "backward": ("parent_lot_id", "child_lot_id"),
    "forward": ("child_lot_id", "parent_lot_id"),
}

# Documents of a move `m` in each direction: (its columns, the joins that give them).
BASELINE_DOCUMENTS = {
    "backward": ("gr.number, gr.id, po.number, sp.name, sp.id", """
        JOIN scm_location ml ON ml.id = m.from_location_id AND ml.kind = 'supplier'
        LEFT JOIN scm_goodsreceiptline grl ON grl.stock_move_id = m.id
        LEFT JOIN scm_goodsreceipt gr ON gr.id = grl.receipt_id
        LEFT JOIN scm_purchaseorder po ON po.id = gr.purchase_order_id
        LEFT JOIN core_party sp ON sp.id = po.supplier_id"""),
    "forward": ("s.number, s.id, s.sales_order_number, c.name, c.id", """
        JOIN scm_location ml ON ml.id = m.to_location_id AND ml.kind = 'customer'
        LEFT JOIN scm_shipmentallocation sa ON sa.stock_move_id = m.id
        LEFT JOIN scm_shipmentline sl ON sl.id = sa.line_id
        LEFT JOIN scm_shipment s ON s.id = sl.shipment_id
        LEFT JOIN core_party c ON c.id = s.customer_id"""),
}


def baseline_sql(direction: str) -> str:
    """The same answer as `lot_trace` written by hand as one plain relational query: every edge reached
    (at its smallest depth) with the lot, item, link quantity, work order and leaf flag, and one row per
    receipt/shipment move of the lot (documents of a lot repeat on each edge that reaches it)."""
    here, there = BASELINE[direction]
    columns, joins = BASELINE_DOCUMENTS[direction]
    return f"""
        WITH RECURSIVE t(id, from_lot_id, lot_id, quantity, work_order_id, depth) AS (
            SELECT id, {here}, {there}, quantity, work_order_id, 1 FROM mes_genealogylink
             WHERE {here} = %(lot)s AND company_id = %(company)s
            UNION
            SELECT g.id, g.{here}, g.{there}, g.quantity, g.work_order_id, t.depth + 1
              FROM mes_genealogylink g JOIN t ON g.{here} = t.lot_id WHERE t.depth < 64
        ), e AS (
            SELECT DISTINCT ON (from_lot_id, lot_id) * FROM t ORDER BY from_lot_id, lot_id, depth, id
        )
        SELECT e.depth, e.from_lot_id, e.lot_id, l.code, l.is_serial, i.id, i.number, i.name, e.quantity, wo.number,
               NOT EXISTS (SELECT 1 FROM mes_genealogylink x WHERE x.{here} = e.lot_id),
               d.id, d.quantity, d.done_at, d.reference, d.number, d.doc_id, d.order_number, d.party, d.party_id
          FROM e
          JOIN scm_lot l ON l.id = e.lot_id
          JOIN plm_item i ON i.id = l.item_id
          LEFT JOIN mes_workorder wo ON wo.id = e.work_order_id
          LEFT JOIN LATERAL (SELECT m.id, m.quantity, m.done_at, m.reference, {columns}
                               FROM scm_stockmove m {joins} WHERE m.lot_id = e.lot_id AND m.status = 'done'
                             OFFSET 0  -- stays a lookup per lot by the moves' lot index (not a join of all moves)
                            ) d(id, quantity, done_at, reference, number, doc_id, order_number, party, party_id)
                 ON true
         ORDER BY e.depth, e.from_lot_id, l.code, d.id
    """


def ids_only_sql(direction: str) -> str:
    """The bare walk (lot ids, depth and code, no details or documents): the previous baseline, for reference."""
    here, there = BASELINE[direction]
    return f"""
        WITH RECURSIVE t(lot_id, depth) AS (
            SELECT {there}, 1 FROM mes_genealogylink WHERE {here} = %(lot)s
            UNION
            SELECT g.{there}, t.depth + 1 FROM mes_genealogylink g JOIN t ON g.{here} = t.lot_id
        )
        SELECT t.lot_id, t.depth, l.code FROM t JOIN scm_lot l ON l.id = t.lot_id
    """


def same_answer(ours: list[dict], base: list[tuple], direction: str) -> bool:
    """Do the selector's rows and the baseline's rows carry the same edges, details and documents?"""
    key = "receipts" if direction == "backward" else "shipments"
    mine = {(r["depth"], r["from_lot_id"], r["lot_id"], r["lot"], r["item"], r["quantity"], r["work_order"],
             r["is_leaf"], tuple(sorted(d["move_id"] for d in r[key]))) for r in ours}
    edges: dict[tuple, list] = {}
    for row in base:
        edge = (row[0], row[1], row[2], row[3], row[6], f"{row[8]:.4f}", row[9], row[10])
        edges.setdefault(edge, [])
        if row[11] is not None:
            edges[edge].append(row[11])
    theirs = {(*edge, tuple(sorted(moves))) for edge, moves in edges.items()}
    return len(mine) == len(ours) and mine == theirs


def copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row))
        buffer.write("\n")
    buffer.seek(0)
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)


def build(total_lots: int, levels: int, fanout: int, seed: int = 7):
    """Items (one per level), lots, genealogy links and receipt/shipment moves; returns (company, levels)."""
    from django.db import connection
    from django.utils import timezone

    from apps.core.models import Company, Currency, UnitOfMeasure
    from apps.plm.models import Item
    from apps.scm.services.locations import virtual_location

    rng = random.Random(seed)
    company = Company.objects.create(code="BENCH", name="Bench works", currency=Currency.objects.get(code="EUR"))
    uom = UnitOfMeasure.objects.get(code="ea")
    items = Item.objects.bulk_create([
        Item(company=company, number=f"LEVEL-{k}", name=f"Level {k}", uom=uom,
             item_type="make" if k < levels - 1 else "buy", tracking="serial" if k == 0 else "lot")
        for k in range(levels)])
    from apps.scm.models import Location, Warehouse

    warehouse = Warehouse.objects.create(company=company, code="BW", name="Bench warehouse")
    stock = Location.objects.create(company=company, warehouse=warehouse, code="BW/STOCK", name="Stock")
    supplier = virtual_location(company=company, kind="supplier")
    customer = virtual_location(company=company, kind="customer")
    per_level = total_lots // levels
    now = timezone.now().isoformat()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM scm_lot")
        first_id = cursor.fetchone()[0] + 1
        ids = [[first_id + k * per_level + n for n in range(per_level)] for k in range(levels)]
        copy_rows(cursor.cursor, "scm_lot", ["id", "company_id", "item_id", "code", "is_serial", "created_at",
                                             "updated_at"],
                  ((ids[k][n], company.pk, items[k].pk, f"L{k}-{n:06d}", k == 0, now, now)
                   for k in range(levels) for n in range(per_level)))
        cursor.execute("SELECT setval(pg_get_serial_sequence('scm_lot', 'id'), %s)", [ids[-1][-1]])

        def links():
            for k in range(levels - 1):
                for parent in ids[k]:
                    for child in rng.sample(ids[k + 1], fanout):
                        yield (company.pk, parent, child, 1, now, now)

        copy_rows(cursor.cursor, "mes_genealogylink", ["company_id", "parent_lot_id", "child_lot_id", "quantity",
                                                       "created_at", "updated_at"], links())

        def moves():
            for lot in ids[-1]:
                yield (company.pk, items[-1].pk, 10, supplier.pk, stock.pk, lot, 1, 10, "done", f"GR-{lot}", "",
                       "", "", now, now, now)
            for lot in ids[0]:
                yield (company.pk, items[0].pk, 1, stock.pk, customer.pk, lot, 1, 1, "done", f"SH-{lot}", "",
                       "", "", now, now, now)

        copy_rows(cursor.cursor, "scm_stockmove", [
            "company_id", "item_id", "quantity", "from_location_id", "to_location_id", "lot_id", "unit_cost", "value",
            "status", "reference", "reason", "source_type", "source_id", "done_at", "created_at", "updated_at"],
            moves())
        cursor.execute("ANALYZE mes_genealogylink; ANALYZE scm_lot; ANALYZE scm_stockmove")
    return company, ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lots", type=int, default=200_000)
    parser.add_argument("--levels", type=int, default=8)
    parser.add_argument("--fanout", type=int, default=2)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    configure("bench_mes")
    from apps.mes.selectors import lot_trace

    with throwaway_database() as connection:
        start = time.perf_counter()
        company, ids = build(args.lots, args.levels, args.fanout)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM scm_lot")
            print(f"built {cursor.fetchone()[0]} lots", end="")
            cursor.execute("SELECT count(*) FROM mes_genealogylink")
            print(f", {cursor.fetchone()[0]} links in {args.levels} levels in {time.perf_counter() - start:.1f}s")
        serial, raw = ids[0][len(ids[0]) // 2], ids[-1][len(ids[-1]) // 3]

        def ours(lot, direction):
            return lambda: lot_trace(lot_id=lot, company_id=company.pk, direction=direction)

        def base(lot, direction, sql=baseline_sql):
            def run():
                with connection.cursor() as cursor:
                    cursor.execute(sql(direction), {"lot": lot, "company": company.pk})
                    return cursor.fetchall()
            return run

        back, back_base, back_rows, back_base_rows = interleaved(ours(serial, "backward"), base(serial, "backward"),
                                                                args.runs)
        fwd, fwd_base, fwd_rows, fwd_base_rows = interleaved(ours(raw, "forward"), base(raw, "forward"), args.runs)
        if not (same_answer(back_rows, back_base_rows, "backward") and same_answer(fwd_rows, fwd_base_rows,
                                                                                      "forward")):
            raise SystemExit("the selector and the baseline query disagree")
        raw_reached = sum(1 for r in back_rows if r["is_leaf"])
        customers = sum(len(r["shipments"]) for r in fwd_rows)
        print(f"backward from serial: {len(back_rows)} edges, {raw_reached} raw lots with "
              f"{sum(len(r['receipts']) for r in back_rows)} receipts; ours {back * 1000:.1f} ms, "
              f"hand-written SQL (same answer) {back_base * 1000:.1f} ms ({len(back_base_rows)} rows)")
        print(f"forward from raw lot: {len(fwd_rows)} edges, {customers} shipments to customers; ours "
              f"{fwd * 1000:.1f} ms, hand-written SQL (same answer) {fwd_base * 1000:.1f} ms "
              f"({len(fwd_base_rows)} rows)")
        bare = [interleaved(ours(lot, d), base(lot, d, ids_only_sql), args.runs)[1]
                for lot, d in ((serial, "backward"), (raw, "forward"))]
        print(f"for reference, the bare recursive walk (ids and codes only, less work): backward "
              f"{bare[0] * 1000:.1f} ms, forward {bare[1] * 1000:.1f} ms")
        print(f"targets: each trace < 200 ms: {'OK' if max(back, fwd) < 0.2 else 'MISSED'}; ratio <= 2: "
              f"{'OK' if max(back / back_base, fwd / fwd_base) <= 2 else 'MISSED'}")
        print(f"RESULT mes_genealogy={back:.4f} baseline={back_base:.4f} ratio={back / back_base:.2f} "
              f"forward={fwd:.4f} forward_baseline={fwd_base:.4f} forward_ratio={fwd / fwd_base:.2f}")


if __name__ == "__main__":
    main()
