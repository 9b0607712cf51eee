"""Benchmark of the stock ledger (not a test): posting throughput against the set-based SQL floor.

    .venv/bin/python bench/scm_moves.py [--moves N [N ...]] [--batch 1000]

Creates its own database `bench_scm` on the configured server (migrated from scratch), builds its own
items and locations, and drops the database at the end. For each size N it posts N moves as receipts
of `--batch` lines through `stock_moves_post` (moves inserted, quants and moving-average valuation
updated, one audit record per batch), then does the same work on an identical data shape with the
floor: COPY into a staging table and set-based SQL (insert moves, upsert quants, update valuation).
It also measures a single 1-line receipt's p95 latency and the available-quantity query for one item.
The last line is `RESULT scm_moves=<moves/s> baseline=<floor moves/s> ratio=<ours/baseline>`.
"""

import argparse
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "suite.settings")
os.environ["TEST_DATABASE_NAME"] = "bench_scm"
os.environ.setdefault("DB_POOL", "false")

ITEMS = 1000
LOCATIONS = 50


def build_shape(tag: str):
    """A company with ITEMS items and LOCATIONS bins in one warehouse, plus its supplier location."""
    from apps.core.models import Company, Currency, UnitOfMeasure
    from apps.plm.models import Item
    from apps.scm.models import Location, Warehouse
    from apps.scm.services.locations import virtual_location

    company = Company.objects.create(code=tag, name=f"Bench {tag}", currency=Currency.objects.get(code="EUR"))
    uom = UnitOfMeasure.objects.get(code="ea")
    items = Item.objects.bulk_create([Item(company=company, number=f"B{n:05d}", name=f"Bench part {n}", uom=uom,
                                           standard_cost=Decimal("1.00")) for n in range(ITEMS)])
    warehouse = Warehouse.objects.create(company=company, code="BW", name="Bench warehouse")
    locations = Location.objects.bulk_create([Location(company=company, warehouse=warehouse, code=f"BW/{n:03d}",
                                                       name=f"Bin {n}", kind="internal")
                                              for n in range(LOCATIONS)])
    return company, items, locations, virtual_location(company=company, kind="supplier")


def lines(count: int, seed: int, items, locations):
    rng = random.Random(seed)
    return [(rng.choice(items), rng.choice(locations), Decimal(rng.randint(1, 20)),
             Decimal(rng.randint(100, 999)) / 100) for _ in range(count)]


def run_service(company, items, locations, supplier, user, total: int, batch: int) -> float:
    from django.db import transaction

    from apps.scm.services.stock import MoveSpec, stock_moves_post

    data = lines(total, 1, items, locations)
    started = time.perf_counter()
    for offset in range(0, total, batch):
        specs = [MoveSpec(item=i, quantity=q, from_location=supplier, to_location=loc, unit_cost=c,
                          reference=f"GR-{offset // batch}") for i, loc, q, c in data[offset:offset + batch]]
        with transaction.atomic():
            stock_moves_post(company=company, moves=specs, actor=user)
    return total / (time.perf_counter() - started)


FLOOR_SQL = [
    # the moves
    """INSERT INTO scm_stockmove (company_id, item_id, quantity, from_location_id, to_location_id, unit_cost, value,
           status, reference, reason, source_type, source_id, done_at, created_at, updated_at)
       SELECT %(company)s, item_id, quantity, %(supplier)s, location_id, unit_cost, round(quantity * unit_cost, 2),
              'done', reference, '', '', '', now(), now(), now() FROM bench_staging ORDER BY ord""",
    # on hand per (item, location, lot)
    """INSERT INTO scm_stockquant (company_id, item_id, location_id, lot_id, on_hand, reserved, created_at, updated_at)
       SELECT %(company)s, item_id, location_id, NULL, sum(quantity), 0, now(), now() FROM bench_staging
        GROUP BY item_id, location_id ORDER BY item_id, location_id
       ON CONFLICT ON CONSTRAINT scm_quant_unique
       DO UPDATE SET on_hand = scm_stockquant.on_hand + EXCLUDED.on_hand, updated_at = now()""",
    # moving average per item (receipts only: new value / new quantity)
    """INSERT INTO scm_itemvaluation (company_id, item_id, average_cost, quantity, value, created_at, updated_at)
       SELECT %(company)s, item_id, round(sum(round(quantity * unit_cost, 2)) / sum(quantity), 6), sum(quantity),
              sum(round(quantity * unit_cost, 2)), now(), now() FROM bench_staging GROUP BY item_id ORDER BY item_id
       ON CONFLICT (company_id, item_id) DO UPDATE SET
           quantity = scm_itemvaluation.quantity + EXCLUDED.quantity,
           value = scm_itemvaluation.value + EXCLUDED.value,
           average_cost = round((scm_itemvaluation.value + EXCLUDED.value)
                                / (scm_itemvaluation.quantity + EXCLUDED.quantity), 6),
           updated_at = now()""",
]


def run_floor(company, items, locations, supplier, total: int, batch: int) -> float:
    from django.db import connection, transaction

    data = lines(total, 1, items, locations)
    with connection.cursor() as cursor:
        cursor.execute("CREATE UNLOGGED TABLE IF NOT EXISTS bench_staging (ord int, item_id bigint, location_id bigint,"
                       " quantity numeric, unit_cost numeric, reference text)")
    started = time.perf_counter()
    for offset in range(0, total, batch):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE bench_staging")
            with cursor.cursor.copy("COPY bench_staging FROM STDIN") as copy:
                for n, (item, location, quantity, cost) in enumerate(data[offset:offset + batch]):
                    copy.write_row((n, item.pk, location.pk, quantity, cost, f"GR-{offset // batch}"))
            for sql in FLOOR_SQL:
                cursor.execute(sql, {"company": company.pk, "supplier": supplier.pk})
    return total / (time.perf_counter() - started)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def run_latency(company, items, locations, supplier, user) -> tuple[float, float, float]:
    from django.db import connection

    from apps.scm.selectors import stock_available
    from apps.scm.services.stock import stock_move_post

    single = []
    for n in range(200):
        started = time.perf_counter()
        stock_move_post(company=company, item=items[n % len(items)], quantity=Decimal(1), from_location=supplier,
                        to_location=locations[n % len(locations)], unit_cost=Decimal("2.50"), reference="single",
                        actor=user)
        single.append((time.perf_counter() - started) * 1000)
    query = []
    for n in range(200):
        started = time.perf_counter()
        stock_available(item=items[n % len(items)])
        query.append((time.perf_counter() - started) * 1000)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM scm_stockmove")
        size = cursor.fetchone()[0]
    return p95(single), p95(query), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moves", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection

    from apps.scm.selectors import stock_ledger_differences

    creation = connection.creation
    old_name = connection.settings_dict["NAME"]
    print("creating and migrating database bench_scm ...", flush=True)
    creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        user = User.objects.create_user("bench")
        results = []
        for index, total in enumerate(args.moves):
            shape = build_shape(f"BS{index}")
            ours = run_service(*shape, user, total, args.batch)
            floor_shape = build_shape(f"BF{index}")
            floor = run_floor(*floor_shape, total, args.batch)
            print(f"size={total} moves: service {ours:,.0f} moves/s, floor (COPY + set-based SQL) {floor:,.0f} "
                  f"moves/s, ratio {ours / floor:.2f}", flush=True)
            results.append((total, ours, floor))
        single_p95, query_p95, size = run_latency(*shape, user)
        print(f"single 1-line receipt p95 {single_p95:.2f} ms (target <= 15 ms)")
        print(f"available-quantity query for one item p95 {query_p95:.2f} ms at {size:,} moves in the database "
              f"(target < 5 ms)")
        if len(results) > 1:
            (n1, r1, _), (n2, r2, _) = results[0], results[-1]
            print(f"growth: {n1:,} → {n2:,} moves: throughput {r1:,.0f} → {r2:,.0f} moves/s "
                  f"(time per move x{r1 / r2:.2f}; <= ~1 means linear)")
        differences = stock_ledger_differences()
        print(f"check: quants vs done moves differences = {len(differences)}")
        total, ours, floor = results[-1]
        print(f"RESULT scm_moves={ours:.0f} baseline={floor:.0f} ratio={ours / floor:.2f}")
    finally:
        connection.close()
        creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
