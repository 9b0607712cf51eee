"""Benchmark of the stock ledger (not a test): posting throughput against the set-based SQL floor.

    .venv/bin/python bench/scm_moves.py [--moves N [N ...]] [--batch 1000] [--history 1000000]

Creates its own database `bench_scm` on the configured server (migrated from scratch), builds its own
items and locations, and drops the database at the end. For each size N it posts N moves as receipts
of `--batch` lines through `stock_moves_post` (moves inserted, quants and moving-average valuation
updated, one audit record per batch), then does the same work on an identical data shape with the
floor: COPY into a staging table and set-based SQL (insert moves, upsert quants, update valuation).
Service and floor batches alternate, so load from other processes hits both alike. Then the ledger is
topped up to `--history` moves (default 1M) with set-based SQL, not the service, and it measures a single
1-line receipt's p95 latency and the available-quantity query for one item (with its plan).
The last line is `RESULT scm_moves=<moves/s> baseline=<floor moves/s> ratio=<ours/baseline>`.
"""

import argparse
import random
import statistics
import time
from decimal import Decimal

from common import configure, throwaway_database

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


def service_batches(company, items, locations, supplier, user, total: int, batch: int):
    """Posts `total` moves through the service, one receipt of `batch` lines at a time; yields each one's time."""
    from django.db import transaction

    from apps.scm.services.stock import MoveSpec, stock_moves_post

    data = lines(total, 1, items, locations)
    for offset in range(0, total, batch):
        started = time.perf_counter()
        specs = [MoveSpec(item=i, quantity=q, from_location=supplier, to_location=loc, unit_cost=c,
                          reference=f"GR-{offset // batch}") for i, loc, q, c in data[offset:offset + batch]]
        with transaction.atomic():
            stock_moves_post(company=company, moves=specs, actor=user)
        yield time.perf_counter() - started


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


STAGING = ("CREATE UNLOGGED TABLE IF NOT EXISTS bench_staging (ord int, item_id bigint, location_id bigint,"
           " quantity numeric, unit_cost numeric, reference text)")


def floor_batches(company, items, locations, supplier, total: int, batch: int):
    """The same work as `service_batches` with COPY + set-based SQL; yields each batch's time."""
    from django.db import connection, transaction

    data = lines(total, 1, items, locations)
    with connection.cursor() as cursor:
        cursor.execute(STAGING)
    for offset in range(0, total, batch):
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE bench_staging")
            with cursor.cursor.copy("COPY bench_staging FROM STDIN") as copy:
                for n, (item, location, quantity, cost) in enumerate(data[offset:offset + batch]):
                    copy.write_row((n, item.pk, location.pk, quantity, cost, f"GR-{offset // batch}"))
            for sql in FLOOR_SQL:
                cursor.execute(sql, {"company": company.pk, "supplier": supplier.pk})
        yield time.perf_counter() - started


def run_interleaved(service_shape, floor_shape, user, total: int, batch: int) -> tuple[float, float]:
    """Service and floor batches alternate (so load from other processes hits both alike): moves/s of each."""
    ours = floor = 0.0
    for ours_time, floor_time in zip(service_batches(*service_shape, user, total, batch),
                                     floor_batches(*floor_shape, total, batch), strict=True):
        ours += ours_time
        floor += floor_time
    return total / ours, total / floor


def build_history(company, items, locations, supplier, target: int, chunk: int = 250_000) -> int:
    """Tops the ledger up to `target` moves for the same items and locations, written directly with
    set-based SQL (generated rows → staging → the floor's statements: moves, quants and valuation stay
    consistent). Posting a million moves through the service would only make the bench slower."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM scm_stockmove")
        missing = target - cursor.fetchone()[0]
        cursor.execute(STAGING)
        cursor.execute("SELECT setseed(0.42)")
    done = 0
    while done < missing:
        size = min(chunk, missing - done)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE bench_staging")
            cursor.execute(
                "INSERT INTO bench_staging SELECT g, (%(items)s::bigint[])[1 + floor(random() * %(n_items)s)::int],"
                " (%(locations)s::bigint[])[1 + floor(random() * %(n_locations)s)::int], 1 + floor(random() * 20),"
                " (100 + floor(random() * 900)) / 100, 'HIST-' || (g / 1000) FROM generate_series(1, %(size)s) g",
                {"items": [i.pk for i in items], "n_items": len(items), "locations": [loc.pk for loc in locations],
                 "n_locations": len(locations), "size": size})
            for sql in FLOOR_SQL:
                cursor.execute(sql, {"company": company.pk, "supplier": supplier.pk})
        done += size
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE scm_stockmove; ANALYZE scm_stockquant")
    return max(missing, 0)


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


def explain_available(item) -> str:
    """The plan's scan nodes and execution time of the available-quantity query, as a one-line summary."""
    from django.db import connection

    from apps.scm.selectors import stock_available

    captured = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        stock_available(item=item)
    sql, params = captured[-1]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params)
        plan = [r[0].strip() for r in cursor.fetchall()]
    nodes = [line.removeprefix("->  ").split("  (")[0] for line in plan if "Scan" in line]
    return f"{'; '.join(nodes)}; {plan[-1]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moves", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--history", type=int, default=1_000_000,
                        help="moves in the database (topped up with set-based SQL) for the latency measurements")
    args = parser.parse_args()

    configure("bench_scm")
    from django.contrib.auth.models import User

    from apps.scm.selectors import stock_ledger_differences

    with throwaway_database():
        user = User.objects.create_user("bench")
        results = []
        for index, total in enumerate(args.moves):
            shape, floor_shape = build_shape(f"BS{index}"), build_shape(f"BF{index}")
            ours, floor = run_interleaved(shape, floor_shape, user, total, args.batch)
            print(f"size={total} moves: service {ours:,.0f} moves/s, floor (COPY + set-based SQL) {floor:,.0f} "
                  f"moves/s, ratio {ours / floor:.2f} (batches interleaved)", flush=True)
            results.append((total, ours, floor))
        started = time.perf_counter()
        added = build_history(*shape, args.history)
        if added:
            print(f"history: {added:,} more moves of the same items written with set-based SQL (not the service) "
                  f"in {time.perf_counter() - started:.0f}s", flush=True)
        single_p95, query_p95, size = run_latency(*shape, user)
        print(f"single 1-line receipt p95 {single_p95:.2f} ms (target <= 15 ms)")
        print(f"available-quantity query for one item p95 {query_p95:.2f} ms at {size:,} moves in the database "
              f"(target < 5 ms)")
        print(f"available-quantity plan: {explain_available(shape[1][0])}")
        if len(results) > 1:
            (n1, r1, f1), (n2, r2, f2) = results[0], results[-1]
            print(f"growth: {n1:,} → {n2:,} moves: throughput {r1:,.0f} → {r2:,.0f} moves/s "
                  f"(time per move x{r1 / r2:.2f}; <= ~1 means linear; the floor's x{f1 / f2:.2f} on the same "
                  f"database shows what the growing tables themselves cost)")
        differences = stock_ledger_differences()
        print(f"check: quants vs done moves differences = {len(differences)}")
        total, ours, floor = results[-1]
        print(f"RESULT scm_moves={ours:.0f} baseline={floor:.0f} ratio={ours / floor:.2f}")


if __name__ == "__main__":
    main()
