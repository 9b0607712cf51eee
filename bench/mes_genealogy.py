"""Benchmark of lot genealogy (not a test): the project's trace selectors against a raw recursive query.

    .venv/bin/python bench/mes_genealogy.py [--lots 200000] [--levels 8] [--fanout 2] [--runs 15]

Creates its own database `bench_mes` on the configured server (migrated from scratch) and drops it at
the end. It builds `--lots` lots in `--levels` levels (level 0: finished serials, the last level: raw
lots received from a supplier), each lot above the last made of `--fanout` random lots of the level
below (GenealogyLink rows, written with COPY), a receipt move per raw lot and a shipment move per
finished serial. It then traces one finished serial backward to all its raw lots and one raw lot
forward to all its customers with `apps.mes.selectors.lot_trace` (one recursive CTE per direction, joined
to lots, items, receipts/shipments), and the same walks with a bare recursive SQL query (ids and codes
only) as the baseline. Median of `--runs` after a warm-up. The last line is
`RESULT mes_genealogy=<s backward> baseline=<s> ratio=<ours/baseline> forward=<s> forward_baseline=<s>
forward_ratio=<ours/baseline>`.
"""

import argparse
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suite.settings")
os.environ["TEST_DATABASE_NAME"] = "bench_mes"
os.environ.setdefault("DB_POOL", "false")

BASELINE = {
    "backward": ("parent_lot_id", "child_lot_id"),
    "forward": ("child_lot_id", "parent_lot_id"),
}


def baseline_sql(direction: str) -> str:
    here, there = BASELINE[direction]
    return f"""
        WITH RECURSIVE t(lot_id, depth) AS (
            SELECT {there}, 1 FROM mes_genealogylink WHERE {here} = %s
            UNION
            SELECT g.{there}, t.depth + 1 FROM mes_genealogylink g JOIN t ON g.{here} = t.lot_id
        )
        SELECT t.lot_id, t.depth, l.code FROM t JOIN scm_lot l ON l.id = t.lot_id
    """


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


def timed_pair(ours, baseline, runs: int) -> tuple[float, float, object, object]:
    """Medians of `runs` interleaved calls (so load from other processes hits both alike), after a warm-up."""
    ours_result, base_result = ours(), baseline()
    ours_samples, base_samples = [], []
    for _ in range(runs):
        start = time.perf_counter()
        ours_result = ours()
        ours_samples.append(time.perf_counter() - start)
        start = time.perf_counter()
        base_result = baseline()
        base_samples.append(time.perf_counter() - start)
    return statistics.median(ours_samples), statistics.median(base_samples), ours_result, base_result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lots", type=int, default=200_000)
    parser.add_argument("--levels", type=int, default=8)
    parser.add_argument("--fanout", type=int, default=2)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from apps.mes.selectors import lot_trace

    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    print("creating and migrating database bench_mes ...", flush=True)
    creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
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

        def base(lot, direction):
            def run():
                with connection.cursor() as cursor:
                    cursor.execute(baseline_sql(direction), [lot])
                    return cursor.fetchall()
            return run

        back, back_base, back_rows, back_base_rows = timed_pair(ours(serial, "backward"), base(serial, "backward"),
                                                                args.runs)
        fwd, fwd_base, fwd_rows, fwd_base_rows = timed_pair(ours(raw, "forward"), base(raw, "forward"), args.runs)
        raw_reached = sum(1 for r in back_rows if r["is_leaf"])
        customers = sum(len(r["shipments"]) for r in fwd_rows)
        print(f"backward from serial: {len(back_rows)} edges, {raw_reached} raw lots with "
              f"{sum(len(r['receipts']) for r in back_rows)} receipts; ours {back * 1000:.1f} ms, "
              f"raw recursive SQL {back_base * 1000:.1f} ms ({len(back_base_rows)} rows)")
        print(f"forward from raw lot: {len(fwd_rows)} edges, {customers} shipments to customers; ours "
              f"{fwd * 1000:.1f} ms, raw recursive SQL {fwd_base * 1000:.1f} ms ({len(fwd_base_rows)} rows)")
        print(f"targets: each trace < 200 ms: {'OK' if max(back, fwd) < 0.2 else 'MISSED'}; ratio <= 2: "
              f"{'OK' if max(back / back_base, fwd / fwd_base) <= 2 else 'MISSED'}")
        print(f"RESULT mes_genealogy={back:.4f} baseline={back_base:.4f} ratio={back / back_base:.2f} "
              f"forward={fwd:.4f} forward_baseline={fwd_base:.4f} forward_ratio={fwd / fwd_base:.2f}")
    finally:
        connection.close()
        creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
