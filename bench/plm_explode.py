"""Benchmark: PLM explosion and where-used on a large product structure (not a test).

Creates a fresh database `bench_plm` on the configured PostgreSQL server, migrates it, builds
10,000 items (3,570 assemblies over 6 levels, 6,430 purchased parts) with 49,980 BOM lines in
which sub-assemblies are shared, then measures

* the project's selector `apps.plm.selectors.bom_explode` on a top assembly (~5,000 rows),
* the project's `where_used` on a leaf,
* a minimal hand-written single recursive SQL query for each, on the same data,

and drops the database. The last line is:
    RESULT plm_explode=<s> baseline=<s> ratio=<ours/baseline> where_used=<s> where_used_baseline=<s>

Run: .venv/bin/python bench/plm_explode.py
"""

import random
import time
from decimal import Decimal

from common import configure, interleaved, throwaway_database

configure("bench_plm")

from django.db import connection  # noqa: E402

LEVELS = [70, 200, 400, 700, 1000, 1200]  # assemblies per level (level 0 = top assemblies)
LEAVES = 10_000 - sum(LEVELS)
SUBASSEMBLIES_PER_ASSEMBLY = 3
LEAVES_PER_ASSEMBLY = 11
RUNS = 15

BASELINE_EXPLODE = """
WITH RECURSIVE t AS (
    SELECT l.component_id, 1 AS lvl, l.quantity * %(q)s::numeric AS total, ARRAY[l.position::bigint, l.id] AS sk
      FROM plm_bomline l WHERE l.revision_id = %(rev)s
    UNION ALL
    SELECT l.component_id, t.lvl + 1, t.total * l.quantity, t.sk || ARRAY[l.position::bigint, l.id]
      FROM t JOIN plm_item i ON i.id = t.component_id JOIN plm_bomline l ON l.revision_id = i.current_revision_id
)
SELECT t.lvl, i.id, i.number, t.total FROM t JOIN plm_item i ON i.id = t.component_id ORDER BY t.sk
"""

BASELINE_WHERE_USED = """
WITH RECURSIVE u AS (
    SELECT 1 AS lvl, i.id AS parent_id, ARRAY[i.id] AS sk
      FROM plm_bomline l JOIN plm_item i ON i.current_revision_id = l.revision_id WHERE l.component_id = %(item)s
    UNION ALL
    SELECT u.lvl + 1, i.id, u.sk || i.id
      FROM u JOIN plm_bomline l ON l.component_id = u.parent_id JOIN plm_item i ON i.current_revision_id = l.revision_id
)
SELECT u.lvl, i.number FROM u JOIN plm_item i ON i.id = u.parent_id ORDER BY u.sk
"""


def build() -> tuple:
    """The catalog, with bulk inserts: items, one released revision each, BOM lines of the assemblies."""
    from apps.core.models import Company, Currency, UnitOfMeasure
    from apps.plm.models import BomLine, Item, Revision

    rng = random.Random(42)
    company = Company.objects.create(code="BENCH", name="Bench", currency=Currency.objects.get(code="EUR"))
    each = UnitOfMeasure.objects.get(code="ea")
    items = []
    for level, count in enumerate(LEVELS):
        items += [Item(company=company, number=f"A{level}-{n:05d}", name=f"Assembly {level}/{n}", item_type="make",
                       uom=each, lifecycle_state="released") for n in range(count)]
    items += [Item(company=company, number=f"P-{n:05d}", name=f"Part {n}", item_type="buy", uom=each,
                   standard_cost=Decimal("1.25"), lifecycle_state="released") for n in range(LEAVES)]
    items = Item.objects.bulk_create(items, batch_size=5000)
    revisions = Revision.objects.bulk_create(
        [Revision(company=company, item=item, code="A", status="released") for item in items], batch_size=5000)
    for item, revision in zip(items, revisions, strict=True):
        item.current_revision = revision
    Item.objects.bulk_update(items, ["current_revision"], batch_size=5000)
    by_level, start = [], 0
    for count in LEVELS:
        by_level.append(list(zip(items[start:start + count], revisions[start:start + count], strict=True)))
        start += count
    leaves = items[start:]
    lines = []
    for level, assemblies in enumerate(by_level):
        for _item, revision in assemblies:
            position = 0
            if level + 1 < len(by_level):
                for child, _rev in rng.sample(by_level[level + 1], SUBASSEMBLIES_PER_ASSEMBLY):
                    position += 10
                    lines.append(BomLine(revision=revision, component=child, quantity=Decimal(rng.randint(1, 4)),
                                         uom=each, position=position))
                leaf_count = LEAVES_PER_ASSEMBLY
            else:
                leaf_count = LEAVES_PER_ASSEMBLY + SUBASSEMBLIES_PER_ASSEMBLY
            for leaf in rng.sample(leaves, leaf_count):
                position += 10
                lines.append(BomLine(revision=revision, component=leaf, quantity=Decimal(rng.randint(1, 8)), uom=each,
                                     scrap_percent=Decimal(rng.choice([0, 0, 2, 5])), position=position))
    BomLine.objects.bulk_create(lines, batch_size=10_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return company, by_level[0][0][0], leaves[0], len(items), len(lines)


def main() -> None:
    with throwaway_database():
        from apps.plm.selectors import bom_explode, where_used

        began = time.perf_counter()
        _company, top, leaf, item_count, line_count = build()
        print(f"built {item_count} items, {line_count} BOM lines in {time.perf_counter() - began:.1f} s", flush=True)

        def baseline_explode():
            with connection.cursor() as cursor:
                cursor.execute(BASELINE_EXPLODE, {"q": Decimal(10), "rev": top.current_revision_id})
                return cursor.fetchall()

        ours, base, rows, base_rows = interleaved(lambda: bom_explode(item=top, quantity=Decimal(10)),
                                                  baseline_explode, RUNS)
        depth = max(r.level for r in rows)
        assert len(base_rows) == len(rows), (len(base_rows), len(rows))
        assert [r.number for r in rows] == [r[2] for r in base_rows]
        print(f"explode {top.number} x10: {len(rows)} rows, depth {depth}: selector {ours:.4f} s, "
              f"hand-written SQL {base:.4f} s (median of {RUNS})")

        def baseline_where_used():
            with connection.cursor() as cursor:
                cursor.execute(BASELINE_WHERE_USED, {"item": leaf.pk})
                return cursor.fetchall()

        used_time, used_base, used, used_base_rows = interleaved(lambda: where_used(item=leaf), baseline_where_used,
                                                                 RUNS)
        assert len(used) == len(used_base_rows), (len(used), len(used_base_rows))
        print(f"where-used {leaf.number}: {len(used)} rows: selector {used_time:.4f} s, "
              f"hand-written SQL {used_base:.4f} s")
        print(f"RESULT plm_explode={ours:.4f} baseline={base:.4f} ratio={ours / base:.2f} "
              f"where_used={used_time:.4f} where_used_baseline={used_base:.4f} "
              f"where_used_ratio={used_time / used_base:.2f}")


if __name__ == "__main__":
    main()
